// Reshape elimination: a Reshape (Flatten, Squeeze and Unsqueeze import as Reshape) keeps the elements
// in row-major order, so its output can be a view of its input's bytes at offset 0 and the layer is
// elided. So does a Transpose that moves only axes of extent 1 (a batch-first model's [1, S, E] ->
// [S, 1, E] at batch 1): the other axes keep their order, and it is a Reshape. The copy stays when the
// input is a network input or a constant (which the arena does not hold), when the output is a network
// output, or when the output is already placed elsewhere.
#pragma once

#include "passes/pass.h"

namespace kiln::passes {

Status eliminateReshapes(NetworkDefinition& network, PassLog& log);

}  // namespace kiln::passes

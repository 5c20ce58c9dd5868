// Reshape elimination: a Reshape (Flatten, Squeeze and Unsqueeze import as Reshape) keeps the elements
// in row-major order, so its output can be a view of its input's bytes at offset 0 and the layer is
// elided. The copy stays when the input is a network input or a constant (which the arena does not
// hold), when the output is a network output, or when the output is already placed elsewhere.
#pragma once

#include "passes/pass.h"

namespace kiln::passes {

Status eliminateReshapes(NetworkDefinition& network, PassLog& log);

}  // namespace kiln::passes

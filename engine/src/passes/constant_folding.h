// Constant folding: a layer whose inputs are all constants is computed once, at build time, and its
// outputs become constants. Folding runs in network order, so whole constant sub-graphs (shape
// computations, weight transformations) fold in one sweep.
#pragma once

#include "passes/pass.h"

namespace kiln::passes {

Status foldConstants(NetworkDefinition& network, PassLog& log);

}  // namespace kiln::passes

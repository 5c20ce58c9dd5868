// MatMul epilogue fusion: a MatMul's sole reader folded into it, applied as the product is written (one
// pass over the output instead of two):
//   - a bias: Add of a constant [N] (or [1, ..., 1, N]) to a product with constant, batch-free weights
//     (a linear layer as exporters write it for 3-D activations);
//   - a residual: Add of a computed tensor of the product's shape (a transformer's skip connection);
//   - an activation, last (GELU after a feed-forward layer's first projection).
// In that order: a bias after a residual or activation, or a residual after an activation, is not fused.
// Only where the build's backend runs MatMul epilogues (the pipeline leaves the pass out elsewhere).
#pragma once

#include "passes/pass.h"

namespace kiln::passes {

Status fuseMatMulEpilogues(NetworkDefinition& network, PassLog& log);

}  // namespace kiln::passes

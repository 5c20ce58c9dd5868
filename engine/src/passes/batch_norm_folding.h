// Batch-norm folding: a BatchNorm, or a "scale" (an elementwise Mul, Add, Sub or Div by a per-channel
// constant), right after a Convolution or Gemm with constant weights is an affine map per output
// channel, y = x * scale[c] + shift[c]; it folds into new constant weights and bias, and the pair
// becomes one layer named "conv1 + bn1". The convolution's output must be read by that layer only and
// must not be a network output, and the convolution must not already carry a fused activation or
// residual (the affine map would have to come after them).
#pragma once

#include "passes/pass.h"

namespace kiln::passes {

Status foldBatchNorms(NetworkDefinition& network, PassLog& log);

}  // namespace kiln::passes

// Pointwise-chain fusion: a run of element-by-element layers on one tensor becomes one PointwiseChain
// layer, so the intermediate tensors are never written. A BatchNorm that batch-norm folding left alone
// (no Convolution or Gemm before it) becomes a scale-and-shift step with new constants; Activation,
// Unary and Elementwise layers with one constant operand follow it ("bn1 + relu1"). Each intermediate
// must be read by the next layer only and must not be a network output; a lone layer other than a
// BatchNorm is left as it is, there being nothing to save.
#pragma once

#include "passes/pass.h"

namespace kiln::passes {

Status fusePointwiseChains(NetworkDefinition& network, PassLog& log);

}  // namespace kiln::passes

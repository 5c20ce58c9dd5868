// Vertical fusion: work that follows a Convolution or Gemm element by element moves into it, so the
// intermediate tensor is never written. An Activation after a Convolution or Gemm becomes its fused
// activation ("conv1 + relu1"); an elementwise Add of a residual of the output's shape after a
// Convolution becomes its residual input ("conv3 + add1"), which a following activation then joins
// ("conv3 + add1 + relu3"). The intermediate must be read by the next layer only and must not be a
// network output.
#pragma once

#include "passes/pass.h"

namespace kiln::passes {

Status fuseVertically(NetworkDefinition& network, PassLog& log);

}  // namespace kiln::passes

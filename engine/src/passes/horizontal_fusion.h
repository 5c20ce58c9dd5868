// Horizontal fusion: sibling Convolutions that read the same tensor with equal kernel extents, strides,
// pads, dilations and fused activation, and groups 1, become one Convolution ("b1 || b2 || b3") whose
// weights and bias are the siblings' stacked along the output channels and which has one output per
// sibling (ConvolutionParams::outputChannels): each sibling's own output tensor, dense, for any batch.
// No copy or view is needed, so a sibling feeding a Concat still has concat elimination place its output
// straight into its slice of the concat output.
#pragma once

#include "passes/pass.h"

namespace kiln::passes {

Status fuseHorizontally(NetworkDefinition& network, PassLog& log);

}  // namespace kiln::passes

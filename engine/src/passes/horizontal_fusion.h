// Horizontal fusion: sibling Convolutions that read the same tensor with equal kernel extents, strides,
// pads, dilations and fused activation, and groups 1, become one Convolution ("b1 || b2 || b3") whose
// weights and bias are the siblings' stacked along the output channels. Each sibling's output becomes an
// alias of its channel range of the fused output, written by an elided Slice that only the reference
// executor runs. A channel range is contiguous only for batch 1, so larger batches are left alone; so is
// a sibling whose output feeds a Concat, which concat elimination lets write straight into its slice of
// the concat output (fusing it would trade that for a copy).
#pragma once

#include "passes/pass.h"

namespace kiln::passes {

Status fuseHorizontally(NetworkDefinition& network, PassLog& log);

}  // namespace kiln::passes

// Slice merging: sibling Slices that cut one tensor into consecutive parts along one axis (a fused
// projection split into query, key and value; a chunk written as Slices), with step 1 and every other
// axis whole, become one Split layer that writes each Slice's own output tensor: one pass over the input
// instead of one per part. Slices with different precision constraints, or that leave part of the axis
// out or overlap, stay as they are.
#pragma once

#include "passes/pass.h"

namespace kiln::passes {

Status mergeSlices(NetworkDefinition& network, PassLog& log);

}  // namespace kiln::passes

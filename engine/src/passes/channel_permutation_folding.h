// Channel-permutation folding: a Reshape that splits one axis into factors, a Transpose that reorders
// only those factors, and a Reshape that merges them back (ShuffleNet's channel shuffle, written by
// every exporter as Reshape [N, g, C/g, H, W] -> Transpose 0,2,1,3,4 -> Reshape [N, C, H, W]) only
// permute that axis: y[c] = x[perm[c]]. Instead of copying the tensor, the permutation is folded into
// the indexing of the layers around it:
//   - a producing ungrouped Convolution that only the shuffle reads writes its output channels in the
//     permuted order (its weight rows and bias permuted);
//   - otherwise every reader takes it, or nothing is folded: a Convolution reads the unpermuted tensor
//     with its weights' input channels permuted (grouped ones when the permutation keeps each channel
//     in its group), a Slice along the permuted axis becomes a Gather of the permuted indices (one copy
//     instead of two), and a depthwise Convolution, an Activation or a Unary layer computes on the
//     unpermuted channels (a depthwise one with permuted weights) and passes the permutation on to its
//     own readers, whose output then holds that tensor's channels permuted (named
//     "<tensor>.channel_permuted").
#pragma once

#include "passes/pass.h"

namespace kiln::passes {

Status foldChannelPermutations(NetworkDefinition& network, PassLog& log);

}  // namespace kiln::passes

// Transpose as parallel tiled copies on linear tensors of any element type (and of any storage: a
// transpose moves values without computing on them, INT8 ones where input and output share a scale).
// Axes that stay neighbours are merged and unit axes dropped first; then a permutation that keeps the
// innermost axis copies contiguous rows, and one that moves it copies square tiles, so that both the
// reads and the writes run along cache lines. A Transpose also reads or writes channel-blocked tensors
// whose channels fill whole blocks, as the transpose of their linear views ([N, C / b, ..., b]): moving
// a blocked CNN activation to channels-last and back copies whole blocks, with no reformat beside it.
// DepthToSpace and SpaceToDepth run as the transposes of a 6-D view that ONNX defines them by.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:transpose" (Transpose, DepthToSpace and SpaceToDepth layers).
void addTransposeTactics(const tactics::LayerConfig& config, Isa isa,
                         std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                         std::vector<tactics::SkippedTactic>& skipped);

// The permutation `perm` of a tensor of `dims` with extent-1 axes dropped and axes that stay neighbours
// merged: `dims` and `perm` are replaced by the simplified ones (at least one axis).
void simplifyPermutation(Dims& dims, std::vector<int64_t>& perm);

}  // namespace kiln::cpu::fast

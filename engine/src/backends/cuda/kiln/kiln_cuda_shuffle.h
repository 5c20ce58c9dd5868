// Kiln CUDA tactics for data-movement layers: Identity, Reshape, Concat, Split, Slice, Transpose, Gather, Pad, Expand, Tile, DepthToSpace, SpaceToDepth, Resize and Reformat.
#pragma once

#include <memory>
#include <vector>

#include "tactics/tactic.h"

namespace kiln::cuda {

// Appends the tactics of this family that can run `config`, and to `skipped` those that cannot with
// the reason; appends nothing for layer kinds outside the family.
void addShuffleTactics(const tactics::LayerConfig& config, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                       std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cuda

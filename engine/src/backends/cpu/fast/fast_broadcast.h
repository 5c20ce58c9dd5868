// Expand and Tile as parallel row copies on linear tensors of any element type and storage: output
// element (d0, ..., dn) reads input element (d0 mod e0, ..., dn mod en), where e is the input's extent
// aligned to the output's rank (1 along an expanded axis, the input's own along a tiled one). Each
// output row along the innermost axis is a copy of an input row, one value repeated, or an input row
// repeated.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:expand" and "kiln:tile".
void addBroadcastTactics(const tactics::LayerConfig& config, Isa isa,
                         std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                         std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

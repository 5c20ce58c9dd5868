// Pad (constant, edge and reflect, negative pads cropping) on linear tensors of any element type, as
// parallel rows: each output row along the innermost axis is the value's fill where an outer index falls
// in a constant pad, else the input row it maps to (edge: the nearest, reflect: its mirror), copied
// whole, with the innermost axis' own pads filled or mirrored around it.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:pad" (Pad layers).
void addPadTactics(const tactics::LayerConfig& config, Isa isa,
                   std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                   std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

// ArgMax and ArgMin of a linear FP32 tensor along one axis, viewed as [outer][axis][inner]: for each
// outer index a chunk of the inner positions keeps its best values and their indices while the axis is
// walked, so the comparisons run across contiguous inner positions; with no inner positions (the last
// axis, a classifier's scores) each row is one walk. Ties and NaN go as the reference decides them: a
// later equal value wins only with select_last_index, and no value beats a NaN that leads.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:argminmax" (ArgMinMax layers).
void addArgMinMaxTactics(const tactics::LayerConfig& config, Isa isa,
                         std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                         std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

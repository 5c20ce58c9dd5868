// Reduce over a contiguous run of axes of a linear FP32 tensor, stored in FP32 or BF16 (read widened,
// the result rounded once), after dropping unit axes, viewed as
// [outer][reduced][inner]: LayerNorm's mean over the last axis, global pooling's over the spatial
// axes, a softmax's sum. Sums accumulate in double, as the reference does (in four interleaved
// partial sums, so the result may differ from the reference's sequential sum in the last bit of the
// float); max and min are exact.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:reduce": Sum, Mean, Max, Min, SumSquare, L1, L2 and LogSum.
void addReduceTactics(const tactics::LayerConfig& config, Isa isa,
                      std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                      std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

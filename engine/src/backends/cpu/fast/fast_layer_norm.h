// Layer normalization of linear tensors stored in FP32 or BF16 (rows widened to FP32 in L1, results
// rounded once): each row of the trailing axes gets its mean, then its population variance from the
// squared deviations (two passes, as the reference), both accumulated in double, then
// (x - mean) / sqrt(variance + epsilon) * scale + bias in FP32, vectorized for the chosen instruction
// set. Rows are spread over the OpenMP team. InstanceNorm runs the same way: each (n, c) plane is a row,
// scaled and shifted by its channel's values.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:layer-norm" (LayerNorm and InstanceNorm layers).
void addLayerNormTactics(const tactics::LayerConfig& config, Isa isa,
                         std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                         std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

// Reformats that change only how a tensor is stored (FP32 to BF16 or INT8 and back, in one layout):
// parallel vectorized conversions, the same roundings the simulated tactics and the pointwise kernels
// use.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:convert".
void addConvertTactics(const tactics::LayerConfig& config, Isa isa, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                       std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

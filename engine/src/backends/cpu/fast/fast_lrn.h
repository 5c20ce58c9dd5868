// Local response normalization across channels of a linear FP32 tensor [N, C, spatial...]: for a chunk
// of spatial positions the squares of each channel's window are summed in double (as the reference
// sums them, in the same order) across the chunk's contiguous positions, spread over the threads, and
// x / (bias + alpha / size * sum)^beta taken in double and rounded once: beta 0.75 (AlexNet's and
// GoogLeNet's) as two vector square roots, within one unit in the last place of the reference's power;
// other betas with pow itself, exactly the reference's value.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:lrn" (LRN layers).
void addLrnTactics(const tactics::LayerConfig& config, Isa isa,
                   std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                   std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

// Cast between any two element types on linear tensors: each element converted as the reference
// converts it (scalar_math.h's CastValue: floating-point sources truncate toward zero and saturate into
// integers, integers wrap into narrower ones, BOOL is "not zero"), in a loop compiled for the pair of
// types and spread over the threads.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:cast" (Cast layers).
void addCastTactics(const tactics::LayerConfig& config, Isa isa,
                    std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                    std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

// Average and max pooling: global (a Pooling layer whose kernel covers the whole spatial extent, with
// no padding) in linear and channel-blocked formats, and windowed over 1 or 2 spatial axes in
// channel-blocked and channels-last formats.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:global-pooling" and "kiln:window-pooling".
void addPoolingTactics(const tactics::LayerConfig& config, Isa isa,
                       std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                       std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

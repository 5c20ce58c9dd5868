// Copy of a tensor's bytes for the layers that only rename or reshape their input (Reshape, Identity)
// when no pass made them a view: linear tensors stored alike, copied by the whole team when large.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:copy".
void addCopyTactics(const tactics::LayerConfig& config, Isa isa, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                    std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

// Gather as parallel row copies on linear tensors of any element type and storage: the data viewed as
// [outer][extent][inner], each output row [o][j] is the data row [o][index j] (an embedding lookup, a
// class token taken from a sequence). Indices are read and checked at run time, as the reference does.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:gather".
void addGatherTactics(const tactics::LayerConfig& config, Isa isa, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                      std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

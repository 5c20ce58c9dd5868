// Slice as parallel strided copies on linear tensors of any element type and storage: rows along the
// innermost axis are copied whole where its step is 1 (the query, key and value split of an attention
// projection), element by element otherwise. Split, where no pass made its outputs views, copies each
// part's rows the same way.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:slice".
void addSliceTactics(const tactics::LayerConfig& config, Isa isa, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                     std::vector<tactics::SkippedTactic>& skipped);

// "kiln:split".
void addSplitTactics(const tactics::LayerConfig& config, Isa isa, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                     std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

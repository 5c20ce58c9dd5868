// Concat as parallel copies: every concat is a row-major concat of the tensors' storage, viewed as
// [outer][rows], in linear format along any axis and in a blocked format along the batch, the spatial
// axes, or the channels when every input starts on a block boundary.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:concat", any element type.
void addConcatTactics(const tactics::LayerConfig& config, Isa isa,
                      std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                      std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

// Resize of the last two axes of a linear FP32 tensor (the others passed through unchanged): nearest and
// bilinear, every coordinate mode, with the reference's samples (tactics/resize_coordinates.h) computed
// once per axis when the kernel is made. Bilinear sums its up to four corners in the reference's order
// and float arithmetic, so the results are the reference's, bit for bit. Planes are spread over the team.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:resize".
void addResizeTactics(const tactics::LayerConfig& config, Isa isa, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                      std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

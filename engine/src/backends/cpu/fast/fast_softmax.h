// Softmax and log-softmax along any axis of a linear FP32 tensor (oneDNN's fast softmax covers the
// innermost axis and blocked channels; this covers the rest: a class softmax over the channels of a
// linear map, over a middle axis, the flattened 2-D form of old opsets). The input is viewed as
// [outer][length][inner]; each task takes one outer index and a tile of up to 256 inner lanes, keeps the
// tile's rows in L1, and computes the maximum, the exponentials (the vector exp of the pointwise
// kernels), their sum (in double, as the reference) and the result.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:softmax".
void addSoftmaxTactics(const tactics::LayerConfig& config, Isa isa, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                       std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

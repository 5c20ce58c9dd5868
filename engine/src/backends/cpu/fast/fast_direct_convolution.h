// Direct convolution, "kiln:direct-convolution": 2-D convolutions of one group on nChw16c FP32 tensors,
// any kernel size, padding and dilation, a horizontal stride of 1 or 2, with the bias, residual and
// activation the builder fuses into them. AVX-512 only: the other instruction sets have oneDNN's direct
// convolution and Kiln's Winograd tactics.
//
// The output is computed in tiles of up to 14 positions of one output row by up to four blocks of 16
// filters (28 vector accumulators at most): for each input channel block, kernel tap and channel, the
// tile's filter vectors are loaded once and each position's input value is broadcast against them. The
// weights are packed per group of filter blocks as [channel block][tap][channel][filter block][16], so a
// tile reads them as one stream. A 1x1 convolution of stride 1 without padding treats the whole plane
// as one row. A padded convolution first copies its input into the workspace with the zero border
// written out, so the tile never tests a tap.
//
// Work is shared out to the OpenMP team as threads come for it (a thread slowed by another program takes
// less), in units of (image, group of filter blocks, row), image first (its input stays in cache while
// every group reads it) and a group's rows together where there are enough (its part of the weights
// stays in a thread's cache across them).
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:direct-convolution" (Convolution layers as above).
void addDirectConvolutionTactics(const tactics::LayerConfig& config, Isa isa,
                                 std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                                 std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

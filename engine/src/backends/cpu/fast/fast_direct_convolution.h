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
// Work is spread over the OpenMP team in units of (group of filter blocks, image, row), group first:
// each thread keeps its own part of the weights in its cache across the rows and images of a run.
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

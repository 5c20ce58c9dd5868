// Winograd convolution F(2x2, 3x3), "kiln:winograd": 3x3 convolutions of stride 1, dilation 1 and one
// group on channel-blocked FP32 tensors (nChw8c or nChw16c), with the bias, residual and activation the
// builder fuses into them.
//
// Each 2 x 2 block of outputs (a tile) comes from the 4 x 4 inputs around it: the inputs are
// transformed (V = Bt d B), multiplied position by position with the transformed weights (U = G g Gt,
// made when the weights are prepared), which over the input channels is 16 matrix products (tiles x
// channels by channels x filters), and the 16 sums of each tile are transformed back (Y = At M A).
// Per input channel, filter and tile that is 16 multiply-adds where the direct convolution does 36.
//
// The work is cut into units of whole rows of tiles of one image (about 48 tiles) by up to 64
// filters, spread over the OpenMP team. A unit transforms its tiles' inputs into V [16][tiles]
// [channels] in the thread's part of the workspace (once for consecutive units of the same tiles),
// runs the 16 products on kiln:gemm's tile with U packed in its panels ([16][filter panels][channels]
// [16]), transforms the sums back with the bias into a buffer of output rows, and runs the epilogue
// (residual, then activation, on the pointwise step runner) from there into the output; the padded
// lanes of the last channel block are written zero.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:winograd" (Convolution layers as above).
void addWinogradTactics(const tactics::LayerConfig& config, Isa isa,
                        std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                        std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

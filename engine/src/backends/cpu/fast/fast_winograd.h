// Winograd convolutions F(2x2, 3x3) and F(4x4, 3x3), "kiln:winograd:2x2" and "kiln:winograd:4x4": 3x3
// convolutions of stride 1, dilation 1 and one group on channel-blocked FP32 tensors (nChw8c or
// nChw16c), with the bias, residual and activation the builder fuses into them.
//
// Each m x m block of outputs (a tile) comes from the (m + 2) x (m + 2) inputs around it: the inputs
// are transformed (V = Bt d B), multiplied position by position with the transformed weights
// (U = G g Gt, made when the weights are prepared), which over the input channels is (m + 2)^2 matrix
// products (tiles x channels by channels x filters), and the sums of each tile are transformed back
// (Y = At M A). Per input channel, filter and output that is 4 multiply-adds for m = 2 and 2.25 for
// m = 4 where the direct convolution does 9; the larger tile rounds sums of larger terms and wastes
// more on outputs that are not a multiple of 4, so both are offered and timed.
//
// The work is cut into units of whole rows of tiles of one image (about 48 tiles for m = 2, 32 for
// m = 4) by up to 64 filters, spread over the OpenMP team. A unit transforms its tiles' inputs into V
// [position][tiles][channels] in the thread's part of the workspace (once for consecutive units of the
// same tiles), runs the products on kiln:gemm's tile with U packed in its panels ([position][filter
// panels][channels][16]), transforms the sums back with the bias into a buffer of output rows, and runs
// the epilogue (residual, then activation, on the pointwise step runner) from there into the output;
// the padded lanes of the last channel block are written zero.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:winograd:2x2" and "kiln:winograd:4x4" (Convolution layers as above).
void addWinogradTactics(const tactics::LayerConfig& config, Isa isa,
                        std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                        std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

// QuantizeLinear and DequantizeLinear that QDQ folding left (a lone Quantize or Dequantize, a per-axis
// scale, a zero point other than 0) on linear tensors: the data viewed as [outer][axis][inner] with one
// scale and zero point per axis index (one for all with a one-value scale), each row of inner elements
// converted with that pair over the threads, with the reference's arithmetic (FP32 division, half to
// even, saturation to INT8; dequantized in 64-bit integers, then FP32), so results match it exactly.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:quantize" (Quantize and Dequantize layers).
void addQuantizeTactics(const tactics::LayerConfig& config, Isa isa,
                        std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                        std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

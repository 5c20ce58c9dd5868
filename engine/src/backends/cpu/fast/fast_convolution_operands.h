// The checks Kiln's FP32 convolution tactics (kiln:winograd:*, kiln:direct-convolution) share before
// their own: what a layer must be for either, and its operands once it is.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

struct ConvolutionOperands {
    const Tensor* input = nullptr;    // [N, C, H, W]
    const Tensor* weights = nullptr;  // constant [K, C, kh, kw]
    const Tensor* output = nullptr;   // [N, K, oh, ow], not empty
    std::shared_ptr<const HostTensor> bias;  // the constant bias, null where there is none
    int64_t residualInput = -1;              // input 3 where a residual of the output's shape and format is fused
};

// The operands of a 2-D FP32 convolution of one group with constant weights (and bias), or nullopt
// with `reason` saying what it lacks.
std::optional<ConvolutionOperands> convolutionOperands(const tactics::LayerConfig& config, std::string& reason);

}  // namespace kiln::cpu::fast

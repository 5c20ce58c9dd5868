// Activations in device code, with the formulas and order of operations of the reference kernels
// (backends/cpu/reference/pointwise.cpp), so that a fused activation matches an unfused one.
#pragma once

#include <cmath>

#include "kiln/layers.h"

namespace kiln::cuda {

__device__ __forceinline__ float applyActivation(const ActivationParams& p, float x) {
    switch (p.type) {
        case ActivationType::Relu: return x > 0.0f ? x : 0.0f;
        case ActivationType::LeakyRelu: return x < 0.0f ? p.alpha * x : x;
        case ActivationType::Sigmoid: return 1.0f / (1.0f + expf(-x));
        case ActivationType::Tanh: return tanhf(x);
        case ActivationType::Clip: return fminf(fmaxf(x, p.alpha), p.beta);
        case ActivationType::HardSigmoid: return fmaxf(0.0f, fminf(1.0f, __fmul_rn(p.alpha, x) + p.beta));
        case ActivationType::HardSwish: return __fmul_rn(x, fmaxf(0.0f, fminf(1.0f, x / 6.0f + 0.5f)));
        case ActivationType::Elu: return x < 0.0f ? __fmul_rn(p.alpha, expf(x) - 1.0f) : x;
        case ActivationType::Selu:
            return x <= 0.0f ? __fmul_rn(p.beta, __fmul_rn(p.alpha, expf(x)) - p.alpha) : __fmul_rn(p.beta, x);
        case ActivationType::Softplus: return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x)));
    }
    return x;
}

}  // namespace kiln::cuda

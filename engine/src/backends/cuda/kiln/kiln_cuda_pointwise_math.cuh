// Device versions of the reference kernels' scalar formulas (backends/cpu/reference/pointwise.cpp and
// normalization.cpp), written so that the GPU computes what the reference computes. The reference is
// built without fused multiply-adds, so products and sums it rounds separately are rounded separately
// here (__fmul_rn and friends keep nvcc from contracting them); division and square root are IEEE
// (no fast-math); min and max are spelled as std::min/std::max are, because fminf/fmaxf treat NaN
// differently. Only exp, log, tanh, erf, log1p and pow differ from the host's, by a few ulp.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>

#include <cuda_fp16.h>

#include "kiln/layers.h"

namespace kiln::cuda {

// std::max(a, b) and std::min(a, b), NaN behaviour included.
__device__ inline float stdMax(float a, float b) {
    return a < b ? b : a;
}
__device__ inline float stdMin(float a, float b) {
    return b < a ? b : a;
}

__device__ inline float activate(ActivationType type, float alpha, float beta, float x) {
    switch (type) {
        case ActivationType::Relu:
            return x > 0.0f ? x : 0.0f;
        case ActivationType::LeakyRelu:
            return x < 0.0f ? alpha * x : x;
        case ActivationType::Sigmoid:
            return 1.0f / (1.0f + expf(-x));
        case ActivationType::Tanh:
            return tanhf(x);
        case ActivationType::Clip:
            return stdMin(stdMax(x, alpha), beta);
        case ActivationType::HardSigmoid:
            return stdMax(0.0f, stdMin(1.0f, __fadd_rn(__fmul_rn(alpha, x), beta)));
        case ActivationType::HardSwish:
            return x * stdMax(0.0f, stdMin(1.0f, x / 6.0f + 0.5f));
        case ActivationType::Elu:
            return x < 0.0f ? alpha * (expf(x) - 1.0f) : x;
        case ActivationType::Selu:
            return x <= 0.0f ? beta * __fsub_rn(__fmul_rn(alpha, expf(x)), alpha) : beta * x;
        case ActivationType::Softplus:
            return stdMax(x, 0.0f) + log1pf(expf(-fabsf(x)));
        case ActivationType::Gelu:
            return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
        case ActivationType::GeluTanh:
            return 0.5f * x * (1.0f + tanhf(0.79788456080286536f * (x + 0.044715f * x * x * x)));
    }
    return x;
}

// Not is BOOL and never reaches this function.
__device__ inline float unaryFloat(UnaryOp op, float x) {
    switch (op) {
        case UnaryOp::Exp:
            return expf(x);
        case UnaryOp::Log:
            return logf(x);
        case UnaryOp::Sqrt:
            return sqrtf(x);
        case UnaryOp::Abs:
            return fabsf(x);
        case UnaryOp::Neg:
            return -x;
        case UnaryOp::Reciprocal:
            return 1.0f / x;
        case UnaryOp::Floor:
            return floorf(x);
        case UnaryOp::Ceil:
            return ceilf(x);
        case UnaryOp::Erf:
            return erff(x);
        case UnaryOp::Sin:
            return sinf(x);
        case UnaryOp::Cos:
            return cosf(x);
        case UnaryOp::Tan:
            return tanf(x);
        case UnaryOp::Asin:
            return asinf(x);
        case UnaryOp::Acos:
            return acosf(x);
        case UnaryOp::Atan:
            return atanf(x);
        case UnaryOp::Sinh:
            return sinhf(x);
        case UnaryOp::Cosh:
            return coshf(x);
        case UnaryOp::Asinh:
            return asinhf(x);
        case UnaryOp::Acosh:
            return acoshf(x);
        case UnaryOp::Atanh:
            return atanhf(x);
        case UnaryOp::Sign:
            return x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : x;  // zeros and NaN as they are
        case UnaryOp::Round:
            return rintf(x);  // halves to even
        case UnaryOp::Not:
            break;
    }
    return x;
}

// The arithmetic operations (and PRelu, Max, Min); comparisons and logic have their own functions.
__device__ inline float arithmeticFloat(ElementwiseOp op, float a, float b) {
    switch (op) {
        case ElementwiseOp::Add:
            return a + b;
        case ElementwiseOp::Sub:
            return a - b;
        case ElementwiseOp::Mul:
            return a * b;
        case ElementwiseOp::Div:
            return a / b;
        case ElementwiseOp::Pow:
            return powf(a, b);
        case ElementwiseOp::Max:
            return isnan(a) || a > b ? a : b;
        case ElementwiseOp::Min:
            return isnan(a) || a < b ? a : b;
        case ElementwiseOp::PRelu:
            return a < 0.0f ? a * b : a;
        default:
            return 0.0f;
    }
}

template <typename T>
__device__ inline bool compareValues(ElementwiseOp op, T a, T b) {
    switch (op) {
        case ElementwiseOp::Equal:
            return a == b;
        case ElementwiseOp::Less:
            return a < b;
        case ElementwiseOp::Greater:
            return a > b;
        default:
            return false;
    }
}

// Truncation toward zero, clamped to T's range, NaN to 0: the reference's saturatingCast.
template <typename T>
__device__ inline T saturatingCast(double value) {
    if (isnan(value)) return 0;
    constexpr double kLow = static_cast<double>(std::numeric_limits<T>::min());
    constexpr double kHigh = static_cast<double>(std::numeric_limits<T>::max());
    if (value <= kLow) return std::numeric_limits<T>::min();
    if (value >= kHigh) return std::numeric_limits<T>::max();
    return static_cast<T>(value);
}

// Two's complement wrap-around, as the reference's wrap().
template <typename T>
__device__ inline T wrap(uint64_t bits) {
    return static_cast<T>(static_cast<int64_t>(bits));
}

// saturatingCast<T>(pow(double(x), double(y))) computed exactly in integers: the device's double pow
// is only accurate to 2 ulp, which could turn an exact power such as 5^3 into 124.99999999999999 and
// truncate it to 124, where the host's pow (within 0.52 ulp) gives 125. Powers beyond 2^53 are
// rounded to nearest even; glibc's pow may round such a tie the other way (an INT64 Pow above 2^53).
template <typename T>
__device__ inline T integerPow(T x, T y) {
    if (y < 0) {  // |x| >= 2 gives a fraction that truncates to 0; pow(+0, negative) is +inf
        if (x == 0) return std::numeric_limits<T>::max();
        if (x == 1) return 1;
        if (x == -1) return (y & 1) != 0 ? T(-1) : T(1);
        return 0;
    }
    const bool negative = x < 0 && (y & 1) != 0;
    const uint64_t magnitude = x < 0 ? 0 - static_cast<uint64_t>(x) : static_cast<uint64_t>(x);
    // Magnitudes up to 2^63 are exact; anything larger saturates whatever T is.
    constexpr uint64_t kLimit = uint64_t(1) << 63;
    uint64_t result = 1;
    uint64_t base = magnitude;
    bool overflow = false;
    bool baseOverflow = false;
    for (uint64_t e = static_cast<uint64_t>(y); e != 0 && !overflow; e >>= 1) {
        if ((e & 1) != 0) {
            if (baseOverflow || (base != 0 && result > kLimit / base)) {
                overflow = true;
            } else {
                result *= base;
            }
        }
        if (e > 1 && !baseOverflow) {
            if (base != 0 && base > kLimit / base) {
                baseOverflow = true;
            } else {
                base *= base;
            }
        }
    }
    if (overflow) return negative ? std::numeric_limits<T>::min() : std::numeric_limits<T>::max();
    const double rounded = static_cast<double>(result);
    return saturatingCast<T>(negative ? -rounded : rounded);
}

template <typename T>
__device__ inline T integerArithmetic(ElementwiseOp op, T x, T y) {
    const uint64_t ux = static_cast<uint64_t>(x);
    const uint64_t uy = static_cast<uint64_t>(y);
    switch (op) {
        case ElementwiseOp::Add:
            return wrap<T>(ux + uy);
        case ElementwiseOp::Sub:
            return wrap<T>(ux - uy);
        case ElementwiseOp::Mul:
            return wrap<T>(ux * uy);
        case ElementwiseOp::Div:
            // The reference reports division by zero as an error; the device, which cannot, writes 0.
            if (y == 0) return 0;
            if (y == -1) return wrap<T>(0 - ux);
            return static_cast<T>(x / y);
        case ElementwiseOp::Pow:
            return integerPow(x, y);
        case ElementwiseOp::Max:
            return x > y ? x : y;
        case ElementwiseOp::Min:
            return x < y ? x : y;
        case ElementwiseOp::PRelu:
            return x < 0 ? wrap<T>(ux * uy) : x;
        default:
            return 0;
    }
}

// Abs, Neg and Sign are the only integer unary operations.
template <typename T>
__device__ inline T integerUnary(UnaryOp op, T x) {
    if (op == UnaryOp::Sign) return static_cast<T>((x > 0) - (x < 0));
    const T negated = wrap<T>(0 - static_cast<uint64_t>(x));
    return op == UnaryOp::Neg || x < 0 ? negated : x;
}

// IEEE half conversions as Kiln's halfToFloat / floatToHalf do them: round to nearest even, and NaN
// kept with its payload when widened, written as sign | 0x7e00 when narrowed (cuda_fp16 would make
// every NaN 0x7fff).
__device__ inline float widenHalf(__half value) {
    const uint16_t bits = __half_as_ushort(value);
    if ((bits & 0x7c00u) == 0x7c00u && (bits & 0x3ffu) != 0) {
        return __uint_as_float((uint32_t(bits & 0x8000u) << 16) | 0x7f800000u |
                               (uint32_t(bits & 0x3ffu) << 13));
    }
    return __half2float(value);
}

__device__ inline __half narrowToHalf(float value) {
    if (isnan(value)) return __ushort_as_half(uint16_t(((__float_as_uint(value) >> 16) & 0x8000u) | 0x7e00u));
    return __float2half_rn(value);
}

// Kiln's BOOL is one byte, 0 or 1; any nonzero byte reads as true.
using Bool = uint8_t;

// Cast from S to D with the reference's rules: floating-point sources keep their fraction until the
// target rounds (to nearest for FP32/FP16, toward zero with saturation for integers); integer sources
// keep 64 bits and wrap into narrower integers; BOOL targets test for nonzero (NaN is true).
template <typename D, typename S>
__device__ inline D castValue(S value) {
    constexpr bool kFloatSource = std::is_same_v<S, float> || std::is_same_v<S, __half>;
    double real = 0.0;
    int64_t integer = 0;
    if constexpr (std::is_same_v<S, __half>) {
        real = widenHalf(value);
    } else if constexpr (std::is_same_v<S, float>) {
        real = value;
    } else if constexpr (std::is_same_v<S, Bool>) {
        integer = value != 0 ? 1 : 0;
    } else {
        integer = value;
    }
    if constexpr (std::is_same_v<D, float>) {
        return kFloatSource ? static_cast<float>(real) : static_cast<float>(integer);
    } else if constexpr (std::is_same_v<D, __half>) {
        return narrowToHalf(kFloatSource ? static_cast<float>(real) : static_cast<float>(integer));
    } else if constexpr (std::is_same_v<D, Bool>) {
        return (kFloatSource ? real != 0.0 : integer != 0) ? 1 : 0;
    } else {
        return kFloatSource ? saturatingCast<D>(real) : static_cast<D>(integer);
    }
}

// BatchNorm's per-channel factor and output, in double as the reference computes them.
__device__ inline double batchNormFactor(float scale, float variance, float epsilon) {
    return __ddiv_rn(double(scale), __dsqrt_rn(__dadd_rn(double(variance), double(epsilon))));
}

__device__ inline float batchNorm(float x, float mean, float bias, double factor) {
    return float(__dadd_rn(__dmul_rn(__dsub_rn(double(x), double(mean)), factor), double(bias)));
}

}  // namespace kiln::cuda

// The scalar math of the pointwise layers (and a Pad layer's fill value, a Cast layer's conversion), shared
// by the kernel sets as their one definition: the reference kernels apply it element by element, Kiln's
// vector kernels fall back to it for what they do not vectorize (and are tested against it), fused
// activations of Convolution and Gemm apply the same.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kiln/layers.h"
#include "kiln/types.h"

namespace kiln::cpu {

// The scalar function of an Activation layer.
float applyActivation(const ActivationParams& p, float x);
// The scalar functions of FP32 Unary (not Not) and arithmetic Elementwise layers.
float applyUnary(UnaryOp op, float x);
float applyArithmetic(ElementwiseOp op, float a, float b);
// A Pad layer's value as one element of `type`; integers truncate toward zero and saturate (NaN is 0).
HostTensor padValueElement(DataType type, double value);

// Round half to even, written out rather than left to the floating-point environment's rounding mode
// (QuantizeLinear's rounding).
inline float roundHalfToEven(float value) {
    const float below = std::floor(value);
    const float fraction = value - below;
    if (fraction < 0.5f) return below;
    if (fraction > 0.5f) return below + 1.0f;
    return std::fmod(below, 2.0f) == 0.0f ? below : below + 1.0f;
}

// Converts with truncation toward zero, clamping to the target range (NaN becomes 0), so that
// out-of-range values give a defined result instead of undefined behaviour.
template <typename T>
T saturatingCast(double value) {
    if (std::isnan(value)) return 0;
    constexpr double kLow = static_cast<double>(std::numeric_limits<T>::min());
    constexpr double kHigh = static_cast<double>(std::numeric_limits<T>::max());
    if (value <= kLow) return std::numeric_limits<T>::min();
    if (value >= kHigh) return std::numeric_limits<T>::max();
    return static_cast<T>(value);
}

// One element of a Cast layer: a floating-point source keeps its fraction until the target decides how
// to round (integers truncate toward zero and saturate, BOOL is "not zero"), an integer source keeps all
// 64 bits (narrower integers wrap around). The reference and Kiln's kernel both convert with these.
struct CastValue {
    bool isFloat = false;
    double real = 0.0;
    int64_t integer = 0;
};

template <DataType From>
CastValue loadCastValue(const void* data, int64_t i) {
    if constexpr (From == DataType::Float32) return {true, static_cast<const float*>(data)[i], 0};
    if constexpr (From == DataType::Float16)
        return {true, halfToFloat(static_cast<const uint16_t*>(data)[i]), 0};
    if constexpr (From == DataType::BFloat16)
        return {true, bfloat16ToFloat(static_cast<const uint16_t*>(data)[i]), 0};
    if constexpr (From == DataType::Int8) return {false, 0.0, static_cast<const int8_t*>(data)[i]};
    if constexpr (From == DataType::Int32) return {false, 0.0, static_cast<const int32_t*>(data)[i]};
    if constexpr (From == DataType::Int64) return {false, 0.0, static_cast<const int64_t*>(data)[i]};
    if constexpr (From == DataType::Bool)
        return {false, 0.0, static_cast<const uint8_t*>(data)[i] != 0 ? 1 : 0};
}

template <DataType To>
void storeCastValue(void* data, int64_t i, const CastValue& v) {
    const auto asFloat = [&] {
        return v.isFloat ? static_cast<float>(v.real) : static_cast<float>(v.integer);
    };
    const auto asInteger = [&](auto zero) {
        using T = decltype(zero);
        return v.isFloat ? saturatingCast<T>(v.real) : static_cast<T>(v.integer);
    };
    if constexpr (To == DataType::Float32) static_cast<float*>(data)[i] = asFloat();
    if constexpr (To == DataType::Float16) static_cast<uint16_t*>(data)[i] = floatToHalf(asFloat());
    if constexpr (To == DataType::BFloat16) static_cast<uint16_t*>(data)[i] = floatToBFloat16(asFloat());
    if constexpr (To == DataType::Int8) static_cast<int8_t*>(data)[i] = asInteger(int8_t{});
    if constexpr (To == DataType::Int32) static_cast<int32_t*>(data)[i] = asInteger(int32_t{});
    if constexpr (To == DataType::Int64) static_cast<int64_t*>(data)[i] = asInteger(int64_t{});
    if constexpr (To == DataType::Bool) {
        static_cast<uint8_t*>(data)[i] = (v.isFloat ? v.real != 0.0 : v.integer != 0) ? 1 : 0;
    }
}

// `f(std::integral_constant<DataType, type>{})`: a run-time type as a compile-time one.
template <typename F>
void withDataType(DataType type, F&& f) {
    switch (type) {
        case DataType::Float32:
            return f(std::integral_constant<DataType, DataType::Float32>{});
        case DataType::Float16:
            return f(std::integral_constant<DataType, DataType::Float16>{});
        case DataType::BFloat16:
            return f(std::integral_constant<DataType, DataType::BFloat16>{});
        case DataType::Int8:
            return f(std::integral_constant<DataType, DataType::Int8>{});
        case DataType::Int32:
            return f(std::integral_constant<DataType, DataType::Int32>{});
        case DataType::Int64:
            return f(std::integral_constant<DataType, DataType::Int64>{});
        case DataType::Bool:
            return f(std::integral_constant<DataType, DataType::Bool>{});
    }
}

}  // namespace kiln::cpu

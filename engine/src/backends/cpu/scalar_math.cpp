// The scalar math of the pointwise layers (scalar_math.h).
#include "backends/cpu/scalar_math.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kiln::cpu {

float applyActivation(const ActivationParams& p, float x) {
    switch (p.type) {
        case ActivationType::Relu:
            return x > 0.0f ? x : 0.0f;
        case ActivationType::LeakyRelu:
            return x < 0.0f ? p.alpha * x : x;
        case ActivationType::Sigmoid:
            return 1.0f / (1.0f + std::exp(-x));
        case ActivationType::Tanh:
            return std::tanh(x);
        case ActivationType::Clip:
            return std::min(std::max(x, p.alpha), p.beta);
        case ActivationType::HardSigmoid:
            return std::max(0.0f, std::min(1.0f, p.alpha * x + p.beta));
        case ActivationType::HardSwish:
            return x * std::max(0.0f, std::min(1.0f, x / 6.0f + 0.5f));
        case ActivationType::Elu:
            return x < 0.0f ? p.alpha * (std::exp(x) - 1.0f) : x;
        case ActivationType::Selu:
            return x <= 0.0f ? p.beta * (p.alpha * std::exp(x) - p.alpha) : p.beta * x;
        case ActivationType::Softplus:
            // log(exp(x) + 1) rewritten so that exp cannot overflow for large x.
            return std::max(x, 0.0f) + std::log1p(std::exp(-std::fabs(x)));
        case ActivationType::Gelu:
            return static_cast<float>(0.5 * double(x) * (1.0 + std::erf(double(x) * 0.70710678118654752440)));
        case ActivationType::GeluTanh: {
            const double v = x;
            return static_cast<float>(0.5 * v * (1.0 + std::tanh(0.79788456080286535588 * (v + 0.044715 * v * v * v))));
        }
    }
    return x;
}

float applyUnary(UnaryOp op, float x) {
    switch (op) {
        case UnaryOp::Exp:
            return std::exp(x);
        case UnaryOp::Log:
            return std::log(x);
        case UnaryOp::Sqrt:
            return std::sqrt(x);
        case UnaryOp::Abs:
            return std::fabs(x);
        case UnaryOp::Neg:
            return -x;
        case UnaryOp::Reciprocal:
            return 1.0f / x;
        case UnaryOp::Floor:
            return std::floor(x);
        case UnaryOp::Ceil:
            return std::ceil(x);
        case UnaryOp::Erf:
            return std::erf(x);
        case UnaryOp::Sin:
            return std::sin(x);
        case UnaryOp::Cos:
            return std::cos(x);
        case UnaryOp::Tan:
            return std::tan(x);
        case UnaryOp::Asin:
            return std::asin(x);
        case UnaryOp::Acos:
            return std::acos(x);
        case UnaryOp::Atan:
            return std::atan(x);
        case UnaryOp::Sinh:
            return std::sinh(x);
        case UnaryOp::Cosh:
            return std::cosh(x);
        case UnaryOp::Asinh:
            return std::asinh(x);
        case UnaryOp::Acosh:
            return std::acosh(x);
        case UnaryOp::Atanh:
            return std::atanh(x);
        case UnaryOp::Sign:
            return x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : x;  // zeros and NaN as they are
        case UnaryOp::Round:
            return std::nearbyint(x);  // the default rounding mode: halves to even
        case UnaryOp::Not:
            break;
    }
    return x;
}

float applyArithmetic(ElementwiseOp op, float a, float b) {
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
            return std::pow(a, b);
        // NaN propagates, as numpy's maximum/minimum do.
        case ElementwiseOp::Max:
            return std::isnan(a) || a > b ? a : b;
        case ElementwiseOp::Min:
            return std::isnan(a) || a < b ? a : b;
        case ElementwiseOp::PRelu:
            return a < 0.0f ? a * b : a;
        default:
            return 0.0f;
    }
}

HostTensor padValueElement(DataType type, double value) {
    HostTensor element(type, Dims{});
    switch (type) {
        case DataType::Float32:
            *element.data<float>() = static_cast<float>(value);
            break;
        case DataType::Float16:
            *element.data<uint16_t>() = floatToHalf(static_cast<float>(value));
            break;
        case DataType::BFloat16:
            *element.data<uint16_t>() = floatToBFloat16(static_cast<float>(value));
            break;
        case DataType::Int8:
            *element.data<int8_t>() = saturatingCast<int8_t>(value);
            break;
        case DataType::Int32:
            *element.data<int32_t>() = saturatingCast<int32_t>(value);
            break;
        case DataType::Int64:
            *element.data<int64_t>() = saturatingCast<int64_t>(value);
            break;
        case DataType::Bool:
            *element.data<uint8_t>() = value != 0.0 ? 1 : 0;
            break;
    }
    return element;
}

}  // namespace kiln::cpu

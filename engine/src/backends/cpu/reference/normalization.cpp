// Reference kernels for BatchNorm (inference form), InstanceNorm (population variance over the
// spatial axes), LayerNorm (the same over the trailing axes, scaled per position) and Softmax / LogSoftmax (max subtracted before exponentiating), FP32 in and out with
// double arithmetic inside.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "backends/cpu/reference/reference_kernels.h"

namespace kiln::cpu {
namespace {

Status checkFloatTensors(const KernelInputs& in, const KernelOutputs& out, const char* kind) {
    for (const HostTensor* t : in) {
        if (t != nullptr && t->type() != DataType::Float32) {
            return unsupported(std::string(kind) + " reference kernel runs on FP32 only; got " +
                               toString(t->type()));
        }
    }
    if (out.size() != 1 || out[0].type() != DataType::Float32) {
        return internalError(std::string(kind) + " reference kernel expects one FP32 output");
    }
    return Status::ok();
}

int64_t product(const Dims& dims, size_t first, size_t last) {
    int64_t result = 1;
    for (size_t axis = first; axis < last; ++axis) result *= dims[axis];
    return result;
}

}  // namespace

Status runReference(const BatchNormParams& p, const KernelInputs& in, KernelOutputs& out) {
    KILN_RETURN_IF_ERROR(checkFloatTensors(in, out, "BatchNorm"));
    const Dims& dims = in[0]->dims();
    const int64_t channels = dims[1];
    const int64_t inner = product(dims, 2, dims.size());
    const float* x = in[0]->data<float>();
    const float* scale = in[1]->data<float>();
    const float* bias = in[2]->data<float>();
    const float* mean = in[3]->data<float>();
    const float* variance = in[4]->data<float>();
    float* y = out[0].data<float>();
    for (int64_t n = 0; n < dims[0]; ++n) {
        for (int64_t c = 0; c < channels; ++c) {
            const double factor = double(scale[c]) / std::sqrt(double(variance[c]) + double(p.epsilon));
            const int64_t base = (n * channels + c) * inner;
            for (int64_t i = 0; i < inner; ++i) {
                y[base + i] = static_cast<float>((double(x[base + i]) - mean[c]) * factor + bias[c]);
            }
        }
    }
    return Status::ok();
}

Status runReference(const InstanceNormParams& p, const KernelInputs& in, KernelOutputs& out) {
    KILN_RETURN_IF_ERROR(checkFloatTensors(in, out, "InstanceNorm"));
    const Dims& dims = in[0]->dims();
    const int64_t channels = dims[1];
    const int64_t inner = product(dims, 2, dims.size());
    const float* x = in[0]->data<float>();
    const float* scale = in[1]->data<float>();
    const float* bias = in[2]->data<float>();
    float* y = out[0].data<float>();
    for (int64_t n = 0; n < dims[0]; ++n) {
        for (int64_t c = 0; c < channels; ++c) {
            const int64_t base = (n * channels + c) * inner;
            double sum = 0.0;
            for (int64_t i = 0; i < inner; ++i) sum += x[base + i];
            const double mean = inner > 0 ? sum / double(inner) : 0.0;
            // Two passes rather than E[x^2] - E[x]^2, which loses precision when the mean is large.
            double squares = 0.0;
            for (int64_t i = 0; i < inner; ++i) squares += (x[base + i] - mean) * (x[base + i] - mean);
            const double variance = inner > 0 ? squares / double(inner) : 0.0;
            const double factor = double(scale[c]) / std::sqrt(variance + double(p.epsilon));
            for (int64_t i = 0; i < inner; ++i) {
                y[base + i] = static_cast<float>((x[base + i] - mean) * factor + bias[c]);
            }
        }
    }
    return Status::ok();
}

Status runReference(const LayerNormParams& p, const KernelInputs& in, KernelOutputs& out) {
    KILN_RETURN_IF_ERROR(checkFloatTensors(in, out, "LayerNorm"));
    const Dims& dims = in[0]->dims();
    const int64_t outer = product(dims, 0, size_t(p.axis));
    const int64_t length = product(dims, size_t(p.axis), dims.size());
    const float* x = in[0]->data<float>();
    const float* scale = in[1]->data<float>();
    const float* bias = in.size() > 2 && in[2] != nullptr ? in[2]->data<float>() : nullptr;
    float* y = out[0].data<float>();
    for (int64_t o = 0; o < outer; ++o) {
        const float* row = x + o * length;
        double sum = 0.0;
        for (int64_t i = 0; i < length; ++i) sum += row[i];
        const double mean = length > 0 ? sum / double(length) : 0.0;
        double squares = 0.0;
        for (int64_t i = 0; i < length; ++i) squares += (row[i] - mean) * (row[i] - mean);
        const double variance = length > 0 ? squares / double(length) : 0.0;
        const double factor = 1.0 / std::sqrt(variance + double(p.epsilon));
        for (int64_t i = 0; i < length; ++i) {
            const double normalized = (row[i] - mean) * factor * double(scale[i]);
            y[o * length + i] = static_cast<float>(bias ? normalized + double(bias[i]) : normalized);
        }
    }
    return Status::ok();
}

Status runReference(const SoftmaxParams& p, const KernelInputs& in, KernelOutputs& out) {
    KILN_RETURN_IF_ERROR(checkFloatTensors(in, out, "Softmax"));
    const Dims& dims = in[0]->dims();
    const size_t axis = static_cast<size_t>(p.axis);
    // The input as [outer, length, inner], normalised along `length`.
    const int64_t outer = product(dims, 0, axis);
    const int64_t length = p.flattenFromAxis ? product(dims, axis, dims.size()) : dims[axis];
    const int64_t inner = p.flattenFromAxis ? 1 : product(dims, axis + 1, dims.size());
    const float* x = in[0]->data<float>();
    float* y = out[0].data<float>();
    for (int64_t o = 0; o < outer; ++o) {
        for (int64_t i = 0; i < inner; ++i) {
            const int64_t base = o * length * inner + i;
            double maximum = -std::numeric_limits<double>::infinity();
            for (int64_t j = 0; j < length; ++j) maximum = std::max(maximum, double(x[base + j * inner]));
            double sum = 0.0;
            for (int64_t j = 0; j < length; ++j) sum += std::exp(double(x[base + j * inner]) - maximum);
            const double logSum = std::log(sum);
            for (int64_t j = 0; j < length; ++j) {
                const double shifted = double(x[base + j * inner]) - maximum;
                y[base + j * inner] = static_cast<float>(p.log ? shifted - logSum : std::exp(shifted) / sum);
            }
        }
    }
    return Status::ok();
}

}  // namespace kiln::cpu

// Reference kernels for Pooling (max and average over 1 to 3 spatial axes, viewed as 3-D with unit
// leading extents) and LRN, FP32 in NCHW with double accumulation. Max pooling ignores padding; average
// pooling divides by the in-input tap count, or with countIncludePad by the taps inside the padded
// input (a ceil-mode window reaching past the end padding does not count that part).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "backends/cpu/reference/reference_kernels.h"

namespace kiln::cpu {
namespace {

Status checkFloatInOut(const KernelInputs& in, const KernelOutputs& out, const char* kind) {
    if (in.empty() || in[0] == nullptr || in[0]->type() != DataType::Float32) {
        return unsupported(std::string(kind) + " reference kernel runs on FP32 only");
    }
    if (out.size() != 1 || out[0].type() != DataType::Float32) {
        return internalError(std::string(kind) + " reference kernel expects one FP32 output");
    }
    return Status::ok();
}

}  // namespace

Status runReference(const PoolingParams& p, const KernelInputs& in, KernelOutputs& out) {
    KILN_RETURN_IF_ERROR(checkFloatInOut(in, out, "Pooling"));
    const Dims& dims = in[0]->dims();
    const Dims& outDims = out[0].dims();
    const size_t spatial = dims.size() - 2;
    const size_t offset = 3 - spatial;
    int64_t inExt[3] = {1, 1, 1}, outExt[3] = {1, 1, 1}, kernel[3] = {1, 1, 1}, stride[3] = {1, 1, 1};
    int64_t dilation[3] = {1, 1, 1}, padBegin[3] = {0, 0, 0}, padEnd[3] = {0, 0, 0};
    for (size_t i = 0; i < spatial; ++i) {
        inExt[offset + i] = dims[i + 2];
        outExt[offset + i] = outDims[i + 2];
        kernel[offset + i] = p.kernel[i];
        stride[offset + i] = p.strides[i];
        dilation[offset + i] = p.dilations[i];
        padBegin[offset + i] = p.pads[i];
        padEnd[offset + i] = p.pads[i + spatial];
    }
    const int64_t planes = dims[0] * dims[1];
    const int64_t inPlane = inExt[0] * inExt[1] * inExt[2];
    const bool isMax = p.type == PoolingType::Max;
    const float* x = in[0]->data<float>();
    float* y = out[0].data<float>();

    for (int64_t plane = 0; plane < planes; ++plane) {
        const float* src = x + plane * inPlane;
        for (int64_t od = 0; od < outExt[0]; ++od) {
            for (int64_t oh = 0; oh < outExt[1]; ++oh) {
                for (int64_t ow = 0; ow < outExt[2]; ++ow) {
                    const int64_t start[3] = {od * stride[0] - padBegin[0], oh * stride[1] - padBegin[1],
                                              ow * stride[2] - padBegin[2]};
                    double best = -std::numeric_limits<double>::infinity();
                    double sum = 0.0;
                    int64_t inside = 0;
                    int64_t insidePadded = 0;
                    for (int64_t kd = 0; kd < kernel[0]; ++kd) {
                        const int64_t id = start[0] + kd * dilation[0];
                        for (int64_t kh = 0; kh < kernel[1]; ++kh) {
                            const int64_t ih = start[1] + kh * dilation[1];
                            for (int64_t kw = 0; kw < kernel[2]; ++kw) {
                                const int64_t iw = start[2] + kw * dilation[2];
                                const int64_t pos[3] = {id, ih, iw};
                                bool valid = true;
                                bool validPadded = true;
                                for (int axis = 0; axis < 3; ++axis) {
                                    valid = valid && pos[axis] >= 0 && pos[axis] < inExt[axis];
                                    validPadded = validPadded && pos[axis] >= -padBegin[axis] &&
                                                  pos[axis] < inExt[axis] + padEnd[axis];
                                }
                                insidePadded += validPadded ? 1 : 0;
                                if (!valid) continue;
                                const double value = src[(id * inExt[1] + ih) * inExt[2] + iw];
                                ++inside;
                                sum += value;
                                if (value > best || std::isnan(value)) best = value;
                            }
                        }
                    }
                    double result = best;
                    if (!isMax) {
                        const int64_t divisor = p.countIncludePad ? insidePadded : inside;
                        result = divisor > 0 ? sum / double(divisor) : 0.0;
                    }
                    *y++ = static_cast<float>(result);
                }
            }
        }
    }
    return Status::ok();
}

Status runReference(const LrnParams& p, const KernelInputs& in, KernelOutputs& out) {
    KILN_RETURN_IF_ERROR(checkFloatInOut(in, out, "LRN"));
    const Dims& dims = in[0]->dims();
    const int64_t batch = dims[0];
    const int64_t channels = dims[1];
    int64_t inner = 1;
    for (size_t axis = 2; axis < dims.size(); ++axis) inner *= dims[axis];
    const int64_t below = (p.size - 1) / 2;
    const int64_t above = p.size - 1 - below;  // ceil((size - 1) / 2)
    const double scale = double(p.alpha) / double(p.size);
    const float* x = in[0]->data<float>();
    float* y = out[0].data<float>();

    for (int64_t n = 0; n < batch; ++n) {
        for (int64_t c = 0; c < channels; ++c) {
            const int64_t first = std::max<int64_t>(0, c - below);
            const int64_t last = std::min<int64_t>(channels - 1, c + above);
            for (int64_t i = 0; i < inner; ++i) {
                double squareSum = 0.0;
                for (int64_t j = first; j <= last; ++j) {
                    const double v = x[(n * channels + j) * inner + i];
                    squareSum += v * v;
                }
                const int64_t index = (n * channels + c) * inner + i;
                y[index] = static_cast<float>(x[index] /
                                              std::pow(double(p.bias) + scale * squareSum, double(p.beta)));
            }
        }
    }
    return Status::ok();
}

}  // namespace kiln::cpu

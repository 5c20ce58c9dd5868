// Reference kernels for Convolution and Deconvolution in NCHW (NCW, NCDHW) FP32. Both view every
// problem as 3-D by giving missing leading spatial axes unit extents, and both sum exact float products
// in double. The loops stay obvious but walk contiguous memory innermost, fast enough to run whole
// networks such as ResNet-50.
#include <algorithm>
#include <string>
#include <vector>

#include "backends/cpu/reference/reference_kernels.h"

namespace kiln::cpu {
namespace {

// A convolution problem with exactly three spatial axes; unused leading axes have extent 1.
struct Geometry3d {
    int64_t batch = 0;
    int64_t inChannels = 0;
    int64_t outChannels = 0;
    int64_t groups = 1;
    int64_t in[3] = {1, 1, 1};
    int64_t out[3] = {1, 1, 1};
    int64_t kernel[3] = {1, 1, 1};
    int64_t stride[3] = {1, 1, 1};
    int64_t dilation[3] = {1, 1, 1};
    int64_t padBegin[3] = {0, 0, 0};
};

Geometry3d makeGeometry(const Dims& data, const Dims& weights, const Dims& output,
                        const std::vector<int64_t>& strides, const std::vector<int64_t>& pads,
                        const std::vector<int64_t>& dilations, int64_t groups) {
    Geometry3d g;
    g.batch = data[0];
    g.inChannels = data[1];
    g.outChannels = output[1];
    g.groups = groups;
    const size_t spatial = data.size() - 2;
    const size_t offset = 3 - spatial;
    for (size_t i = 0; i < spatial; ++i) {
        g.in[offset + i] = data[i + 2];
        g.out[offset + i] = output[i + 2];
        g.kernel[offset + i] = weights[i + 2];
        g.stride[offset + i] = strides[i];
        g.dilation[offset + i] = dilations[i];
        g.padBegin[offset + i] = pads[i];
    }
    return g;
}

// The indices i in [0, count) for which 0 <= i * stride + offset < extent, as [first, last).
struct IndexRange {
    int64_t first = 0;
    int64_t last = 0;
};

IndexRange validIndices(int64_t count, int64_t stride, int64_t offset, int64_t extent) {
    IndexRange range;
    range.first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    const int64_t top = extent - 1 - offset;
    range.last = top < 0 ? 0 : std::min(count, top / stride + 1);
    if (range.first > range.last) range.first = range.last;
    return range;
}

Status checkFloatTensors(const KernelInputs& in, const KernelOutputs& out, const char* kind,
                         size_t outputs) {
    for (const HostTensor* t : in) {
        if (t != nullptr && t->type() != DataType::Float32) {
            return unsupported(std::string(kind) + " reference kernel runs on FP32 only; got " +
                               toString(t->type()));
        }
    }
    if (out.size() != outputs) {
        return internalError(std::string(kind) + " reference kernel expects " + std::to_string(outputs) +
                             " outputs; got " + std::to_string(out.size()));
    }
    for (const HostTensor& t : out) {
        if (t.type() != DataType::Float32) {
            return internalError(std::string(kind) + " reference kernel expects FP32 outputs");
        }
    }
    return Status::ok();
}

}  // namespace

// Convolution as im2col + matrix product: for a tile of output positions, the input values every
// kernel tap reads (zero in the padding) form one row each; every output channel is then a weighted sum
// of those contiguous rows. Tiling bounds the buffer whatever the problem size. With split outputs each
// channel is stored straight into the output that holds it. A fused residual and activation are applied
// as each output value is stored; the residual element is read just before the same element of the
// output is written, so the two may share memory.
Status runReference(const ConvolutionParams& p, const KernelInputs& in, KernelOutputs& out) {
    KILN_RETURN_IF_ERROR(
        checkFloatTensors(in, out, "Convolution", std::max<size_t>(1, p.outputChannels.size())));
    const HostTensor& data = *in[0];
    const HostTensor& weights = *in[1];
    const HostTensor* bias = in.size() > 2 ? in[2] : nullptr;
    const HostTensor* residual = in.size() > 3 ? in[3] : nullptr;
    Dims outputDims = out[0].dims();
    outputDims[1] = weights.dims()[0];
    const Geometry3d g =
        makeGeometry(data.dims(), weights.dims(), outputDims, p.strides, p.pads, p.dilations, p.groups);

    const int64_t inPlane = g.in[0] * g.in[1] * g.in[2];
    const int64_t outPlane = g.out[0] * g.out[1] * g.out[2];
    const int64_t taps = g.kernel[0] * g.kernel[1] * g.kernel[2];
    const int64_t inPerGroup = g.inChannels / g.groups;
    const int64_t outPerGroup = g.outChannels / g.groups;
    const int64_t rows = inPerGroup * taps;
    // About 256 KiB of columns, so that every output channel of the group rereads them from cache.
    const int64_t tile = std::clamp<int64_t>((int64_t(1) << 16) / std::max<int64_t>(rows, 1), 64, 4096);
    const float* x = data.data<float>();
    const float* w = weights.data<float>();
    // Where output channel k lives: its tensor, how many channels that tensor holds, and its index there.
    struct ChannelTarget {
        float* base = nullptr;
        int64_t channels = 0;
        int64_t index = 0;
    };
    std::vector<ChannelTarget> targets;
    for (HostTensor& output : out) {
        const int64_t channels = output.dims()[1];
        for (int64_t c = 0; c < channels; ++c) targets.push_back({output.data<float>(), channels, c});
    }
    if (int64_t(targets.size()) != g.outChannels) {
        return internalError("Convolution reference kernel: the outputs hold " +
                             std::to_string(targets.size()) + " channels; the weights give " +
                             std::to_string(g.outChannels));
    }

    std::vector<float> columns(static_cast<size_t>(rows * tile));
    std::vector<double> acc(static_cast<size_t>(tile));
    // Per tile position: the input coordinate of the window's first tap along each axis.
    std::vector<int64_t> origin[3];
    for (auto& o : origin) o.resize(static_cast<size_t>(tile));
    for (int64_t n = 0; n < g.batch; ++n) {
        for (int64_t group = 0; group < g.groups; ++group) {
            const float* groupInput = x + (n * g.inChannels + group * inPerGroup) * inPlane;
            for (int64_t tileStart = 0; tileStart < outPlane; tileStart += tile) {
                const int64_t tileLength = std::min(tile, outPlane - tileStart);
                for (int64_t t = 0; t < tileLength; ++t) {
                    const int64_t position = tileStart + t;
                    origin[0][t] = position / (g.out[1] * g.out[2]) * g.stride[0] - g.padBegin[0];
                    origin[1][t] = position / g.out[2] % g.out[1] * g.stride[1] - g.padBegin[1];
                    origin[2][t] = position % g.out[2] * g.stride[2] - g.padBegin[2];
                }
                for (int64_t r = 0; r < rows; ++r) {
                    const int64_t c = r / taps;
                    const int64_t kd = r % taps / (g.kernel[1] * g.kernel[2]);
                    const int64_t kh = r % (g.kernel[1] * g.kernel[2]) / g.kernel[2];
                    const int64_t kw = r % g.kernel[2];
                    const float* plane = groupInput + c * inPlane;
                    float* column = columns.data() + r * tileLength;
                    for (int64_t t = 0; t < tileLength; ++t) {
                        const int64_t id = origin[0][t] + kd * g.dilation[0];
                        const int64_t ih = origin[1][t] + kh * g.dilation[1];
                        const int64_t iw = origin[2][t] + kw * g.dilation[2];
                        const bool inside =
                            id >= 0 && id < g.in[0] && ih >= 0 && ih < g.in[1] && iw >= 0 && iw < g.in[2];
                        column[t] = inside ? plane[(id * g.in[1] + ih) * g.in[2] + iw] : 0.0f;
                    }
                }
                for (int64_t k = group * outPerGroup; k < (group + 1) * outPerGroup; ++k) {
                    const double initial = bias ? double(bias->data<float>()[k]) : 0.0;
                    std::fill(acc.begin(), acc.begin() + tileLength, initial);
                    const float* kernel = w + k * rows;
                    for (int64_t r = 0; r < rows; ++r) {
                        const double tap = kernel[r];
                        const float* column = columns.data() + r * tileLength;
                        for (int64_t t = 0; t < tileLength; ++t) acc[t] += tap * column[t];
                    }
                    // The epilogue rounds to float before adding the residual and activating, in the
                    // order the unfused layers would, so that fusing does not change a single bit.
                    const ChannelTarget& target = targets[size_t(k)];
                    const int64_t first = (n * target.channels + target.index) * outPlane + tileStart;
                    float* dst = target.base + first;
                    const float* skip = residual ? residual->data<float>() + first : nullptr;
                    for (int64_t t = 0; t < tileLength; ++t) {
                        float value = static_cast<float>(acc[t]);
                        if (skip) value += skip[t];
                        dst[t] = p.activation ? applyActivation(*p.activation, value) : value;
                    }
                }
            }
        }
    }
    return Status::ok();
}

// Each input element scatters into the output positions its kernel taps reach; an output plane
// gathers the contributions of every input channel of its group.
Status runReference(const DeconvolutionParams& p, const KernelInputs& in, KernelOutputs& out) {
    KILN_RETURN_IF_ERROR(checkFloatTensors(in, out, "Deconvolution", 1));
    const HostTensor& data = *in[0];
    const HostTensor& weights = *in[1];
    const HostTensor* bias = in.size() > 2 ? in[2] : nullptr;
    const Geometry3d g =
        makeGeometry(data.dims(), weights.dims(), out[0].dims(), p.strides, p.pads, p.dilations, p.groups);

    const int64_t inPlane = g.in[0] * g.in[1] * g.in[2];
    const int64_t outPlane = g.out[0] * g.out[1] * g.out[2];
    const int64_t taps = g.kernel[0] * g.kernel[1] * g.kernel[2];
    const int64_t inPerGroup = g.inChannels / g.groups;
    const int64_t outPerGroup = g.outChannels / g.groups;
    const float* x = data.data<float>();
    const float* w = weights.data<float>();
    float* y = out[0].data<float>();

    std::vector<double> acc(static_cast<size_t>(outPlane));
    for (int64_t n = 0; n < g.batch; ++n) {
        for (int64_t k = 0; k < g.outChannels; ++k) {
            std::fill(acc.begin(), acc.end(), bias ? double(bias->data<float>()[k]) : 0.0);
            const int64_t group = k / outPerGroup;
            const int64_t kInGroup = k % outPerGroup;
            for (int64_t c = 0; c < inPerGroup; ++c) {
                const int64_t channel = group * inPerGroup + c;
                const float* plane = x + (n * g.inChannels + channel) * inPlane;
                const float* kernel = w + (channel * outPerGroup + kInGroup) * taps;
                for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
                    const int64_t offD = kd * g.dilation[0] - g.padBegin[0];
                    const IndexRange rd = validIndices(g.in[0], g.stride[0], offD, g.out[0]);
                    for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
                        const int64_t offH = kh * g.dilation[1] - g.padBegin[1];
                        const IndexRange rh = validIndices(g.in[1], g.stride[1], offH, g.out[1]);
                        for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
                            const int64_t offW = kw * g.dilation[2] - g.padBegin[2];
                            const IndexRange rw = validIndices(g.in[2], g.stride[2], offW, g.out[2]);
                            const double tap = kernel[(kd * g.kernel[1] + kh) * g.kernel[2] + kw];
                            for (int64_t id = rd.first; id < rd.last; ++id) {
                                const int64_t od = id * g.stride[0] + offD;
                                for (int64_t ih = rh.first; ih < rh.last; ++ih) {
                                    const int64_t oh = ih * g.stride[1] + offH;
                                    const float* row = plane + (id * g.in[1] + ih) * g.in[2];
                                    double* accRow = acc.data() + (od * g.out[1] + oh) * g.out[2];
                                    for (int64_t iw = rw.first; iw < rw.last; ++iw) {
                                        accRow[iw * g.stride[2] + offW] += tap * row[iw];
                                    }
                                }
                            }
                        }
                    }
                }
            }
            float* dst = y + (n * g.outChannels + k) * outPlane;
            for (int64_t i = 0; i < outPlane; ++i) dst[i] = static_cast<float>(acc[i]);
        }
    }
    return Status::ok();
}

}  // namespace kiln::cpu

// Shape inference for Convolution and Deconvolution. Everything the reference and optimized kernels
// take for granted is checked here: ranks, channel counts against groups, weight, bias and fused
// residual shapes, one parameter entry per spatial axis, positive strides and dilations, a non-empty
// output, and split output channel counts.
#include <string>

#include "ir/shape_inference.h"

namespace kiln::detail {
namespace {

// The checks Convolution and Deconvolution share: data [N, C, spatial...] with 1 to 3 spatial axes,
// weights of the same rank with positive kernel extents, and the common parameters.
Status checkConvCommon(const InferInputs& in, size_t maxInputs, const std::vector<int64_t>& strides,
                       const std::vector<int64_t>& pads, const std::vector<int64_t>& dilations,
                       int64_t groups) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 2, maxInputs));
    const Tensor* data = in[0];
    const Tensor* weights = in[1];
    KILN_RETURN_IF_ERROR(expectFloat(data, 0, "data"));
    KILN_RETURN_IF_ERROR(expectFloat(weights, 1, "weights"));
    const size_t rank = data->dims().size();
    if (rank < 3 || rank > 5) {
        return invalidModel("input 0 (data) has shape " + toString(data->dims()) +
                            "; expected [N, C, spatial...] with 1 to 3 spatial axes");
    }
    KILN_RETURN_IF_ERROR(expectRank(weights, 1, "weights", rank));
    for (size_t axis = 2; axis < rank; ++axis) {
        if (weights->dims()[axis] <= 0) {
            return invalidModel("input 1 (weights) has shape " + toString(weights->dims()) +
                                "; kernel extents must be positive");
        }
    }
    if (groups < 1) return invalidModel("groups is " + std::to_string(groups) + "; expected at least 1");
    const size_t spatial = rank - 2;
    KILN_RETURN_IF_ERROR(checkParam("strides", strides, spatial, 1));
    KILN_RETURN_IF_ERROR(checkParam("dilations", dilations, spatial, 1));
    KILN_RETURN_IF_ERROR(checkParam("pads", pads, 2 * spatial, 0));
    const int64_t channels = data->dims()[1];
    if (groups > channels || channels % groups != 0) {
        return invalidModel("input 0 (data) has " + std::to_string(channels) +
                            " channels, which groups " + std::to_string(groups) + " does not divide");
    }
    return Status::ok();
}

Status checkBias(const InferInputs& in, int64_t outputChannels) {
    if (in.size() < 3 || in[2] == nullptr) return Status::ok();
    KILN_RETURN_IF_ERROR(expectFloat(in[2], 2, "bias"));
    if (in[2]->dims() != Dims{outputChannels}) {
        return invalidModel("input 2 (bias) has shape " + toString(in[2]->dims()) + "; expected " +
                            std::to_string(outputChannels) + " (one per output channel)");
    }
    return Status::ok();
}

Status checkOutputExtent(int64_t extent, size_t axis, const Dims& dataDims) {
    if (extent <= 0) {
        return invalidModel("spatial axis " + std::to_string(axis) + " of input 0 (data) " +
                            toString(dataDims) + " gives an output extent of " + std::to_string(extent) +
                            "; the input is too small for the kernel, pads, strides and dilations");
    }
    return Status::ok();
}

// Split outputs: one per entry of outputChannels, each a dense tensor of its channels.
InferResult splitOutputs(const ConvolutionParams& p, DataType type, const Dims& out, size_t numOutputs,
                         bool residual) {
    if (p.outputChannels.empty()) {
        if (numOutputs != 1) {
            return invalidModel("Convolution has " + std::to_string(numOutputs) +
                                " outputs but no outputChannels; give one channel count per output");
        }
        return std::vector<TensorDesc>{{type, out}};
    }
    if (p.outputChannels.size() != numOutputs) {
        return invalidModel("outputChannels " + listText(p.outputChannels) + " has " +
                            std::to_string(p.outputChannels.size()) + " entries for " +
                            std::to_string(numOutputs) + " outputs; give one channel count per output");
    }
    if (residual) {
        return invalidModel("a fused residual (input 3) cannot be combined with split outputs "
                            "(outputChannels " + listText(p.outputChannels) + "); drop one of the two");
    }
    std::vector<TensorDesc> descs;
    int64_t total = 0;
    for (int64_t channels : p.outputChannels) {
        if (channels <= 0 || channels > out[1]) {
            return invalidModel("outputChannels " + listText(p.outputChannels) + " holds " +
                                std::to_string(channels) + "; every entry must be positive");
        }
        total += channels;
        Dims dims = out;
        dims[1] = channels;
        descs.push_back({type, dims});
    }
    if (total != out[1]) {
        return invalidModel("outputChannels " + listText(p.outputChannels) + " add up to " +
                            std::to_string(total) + "; expected the weights' " + std::to_string(out[1]) +
                            " output channels");
    }
    return descs;
}

}  // namespace

InferResult inferOutputs(const ConvolutionParams& p, const InferInputs& in, size_t numOutputs) {
    KILN_RETURN_IF_ERROR(checkConvCommon(in, 4, p.strides, p.pads, p.dilations, p.groups));
    const Dims& data = in[0]->dims();
    const Dims& weights = in[1]->dims();
    const int64_t channelsPerGroup = data[1] / p.groups;
    if (weights[1] != channelsPerGroup) {
        return invalidModel("input 1 (weights) has shape " + toString(weights) + " with " +
                            std::to_string(weights[1]) + " input channels per group; expected " +
                            std::to_string(channelsPerGroup) + " (data has " + std::to_string(data[1]) +
                            " channels, groups " + std::to_string(p.groups) + ")");
    }
    const int64_t outputChannels = weights[0];
    if (outputChannels <= 0 || outputChannels % p.groups != 0) {
        return invalidModel("input 1 (weights) has " + std::to_string(outputChannels) +
                            " output channels; expected a positive multiple of groups " +
                            std::to_string(p.groups));
    }
    KILN_RETURN_IF_ERROR(checkBias(in, outputChannels));

    const size_t spatial = data.size() - 2;
    Dims out{data[0], outputChannels};
    for (size_t i = 0; i < spatial; ++i) {
        const int64_t dilatedKernel = (weights[i + 2] - 1) * p.dilations[i] + 1;
        const int64_t padded = data[i + 2] + p.pads[i] + p.pads[i + spatial];
        const int64_t extent = padded < dilatedKernel ? 0 : (padded - dilatedKernel) / p.strides[i] + 1;
        KILN_RETURN_IF_ERROR(checkOutputExtent(extent, i, data));
        out.push_back(extent);
    }
    KILN_RETURN_IF_ERROR(checkDims(out, "Convolution output"));
    if (in.size() > 3 && in[3] != nullptr) {
        const Tensor* residual = in[3];
        if (residual->type() != in[0]->type() || residual->dims() != out) {
            return invalidModel(std::string("input 3 (residual) is ") + toString(residual->type()) + " " +
                                toString(residual->dims()) + "; a fused residual must match the output, " +
                                toString(in[0]->type()) + " " + toString(out));
        }
    }
    return splitOutputs(p, in[0]->type(), out, numOutputs, in.size() > 3 && in[3] != nullptr);
}

InferResult inferOutputs(const DeconvolutionParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(checkConvCommon(in, 3, p.strides, p.pads, p.dilations, p.groups));
    const Dims& data = in[0]->dims();
    const Dims& weights = in[1]->dims();
    if (weights[0] != data[1]) {
        return invalidModel("input 1 (weights) has shape " + toString(weights) + " with " +
                            std::to_string(weights[0]) + " input channels; expected " +
                            std::to_string(data[1]) + " to match input 0 (data) " + toString(data));
    }
    if (weights[1] <= 0) {
        return invalidModel("input 1 (weights) has shape " + toString(weights) +
                            "; output channels per group must be positive");
    }
    const size_t spatial = data.size() - 2;
    KILN_RETURN_IF_ERROR(checkParam("outputPadding", p.outputPadding, spatial, 0));
    const int64_t outputChannels = weights[1] * p.groups;
    KILN_RETURN_IF_ERROR(checkBias(in, outputChannels));

    Dims out{data[0], outputChannels};
    for (size_t i = 0; i < spatial; ++i) {
        const int64_t extent = p.strides[i] * (data[i + 2] - 1) + p.outputPadding[i] +
                               (weights[i + 2] - 1) * p.dilations[i] + 1 - p.pads[i] - p.pads[i + spatial];
        KILN_RETURN_IF_ERROR(checkOutputExtent(extent, i, data));
        out.push_back(extent);
    }
    KILN_RETURN_IF_ERROR(checkDims(out, "Deconvolution output"));
    return std::vector<TensorDesc>{{in[0]->type(), out}};
}

}  // namespace kiln::detail

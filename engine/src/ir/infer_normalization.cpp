// Shape inference for BatchNorm, InstanceNorm, LayerNorm and Softmax: each keeps its input's shape;
// the checks make sure every per-channel (per-position) parameter tensor holds exactly one value per
// channel (normalised position).
#include <initializer_list>
#include <string>

#include "ir/shape_inference.h"

namespace kiln::detail {
namespace {

// Checks that inputs 1.. (named by `roles`) are float vectors of the data's channel count.
Status checkPerChannel(const InferInputs& in, std::initializer_list<const char*> roles) {
    const int64_t channels = in[0]->dims()[1];
    size_t index = 1;
    for (const char* role : roles) {
        KILN_RETURN_IF_ERROR(expectFloat(in[index], index, role));
        if (in[index]->dims() != Dims{channels}) {
            return invalidModel("input " + std::to_string(index) + " (" + role + ") has shape " +
                                toString(in[index]->dims()) + "; expected " + std::to_string(channels) +
                                " (one per channel of input 0 (data) " + toString(in[0]->dims()) + ")");
        }
        ++index;
    }
    return Status::ok();
}

}  // namespace

InferResult inferOutputs(const BatchNormParams&, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 5, 5));
    KILN_RETURN_IF_ERROR(expectFloat(in[0], 0, "data"));
    KILN_RETURN_IF_ERROR(expectRankAtLeast(in[0], 0, "data", 2));
    KILN_RETURN_IF_ERROR(checkPerChannel(in, {"scale", "bias", "mean", "variance"}));
    return std::vector<TensorDesc>{{in[0]->type(), in[0]->dims()}};
}

InferResult inferOutputs(const InstanceNormParams&, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 3, 3));
    KILN_RETURN_IF_ERROR(expectFloat(in[0], 0, "data"));
    KILN_RETURN_IF_ERROR(expectRankAtLeast(in[0], 0, "data", 3));
    KILN_RETURN_IF_ERROR(checkPerChannel(in, {"scale", "bias"}));
    return std::vector<TensorDesc>{{in[0]->type(), in[0]->dims()}};
}

InferResult inferOutputs(const LayerNormParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 2, 3));
    KILN_RETURN_IF_ERROR(expectFloat(in[0], 0, "data"));
    KILN_RETURN_IF_ERROR(expectRankAtLeast(in[0], 0, "data", 1));
    const Dims& dims = in[0]->dims();
    const int64_t rank = static_cast<int64_t>(dims.size());
    if (p.axis < 0 || p.axis >= rank) {
        return invalidModel("axis " + std::to_string(p.axis) + " is out of range for input 0 (data) of shape " +
                            toString(dims) + "; expected 0 <= axis < " + std::to_string(rank));
    }
    const Dims normalized(dims.begin() + p.axis, dims.end());
    const char* roles[] = {"data", "scale", "bias"};
    for (size_t index = 1; index < in.size(); ++index) {
        if (in[index] == nullptr) continue;
        KILN_RETURN_IF_ERROR(expectFloat(in[index], index, roles[index]));
        if (in[index]->dims() != normalized) {
            return invalidModel("input " + std::to_string(index) + " (" + roles[index] + ") has shape " +
                                toString(in[index]->dims()) + "; expected " + toString(normalized) +
                                " (the normalised axes " + std::to_string(p.axis) + ".. of input 0 (data) " +
                                toString(dims) + ")");
        }
    }
    return std::vector<TensorDesc>{{in[0]->type(), dims}};
}

InferResult inferOutputs(const SoftmaxParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 1, 1));
    KILN_RETURN_IF_ERROR(expectFloat(in[0], 0, "data"));
    KILN_RETURN_IF_ERROR(expectRankAtLeast(in[0], 0, "data", 1));
    const int64_t rank = static_cast<int64_t>(in[0]->dims().size());
    if (p.axis < 0 || p.axis >= rank) {
        return invalidModel("axis " + std::to_string(p.axis) +
                            " is out of range for input 0 (data) of shape " + toString(in[0]->dims()) +
                            "; expected 0 <= axis < " + std::to_string(rank));
    }
    return std::vector<TensorDesc>{{in[0]->type(), in[0]->dims()}};
}

}  // namespace kiln::detail

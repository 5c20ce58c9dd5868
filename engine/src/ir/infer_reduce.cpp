// Shape inference for Reduce (over sorted, distinct axes, keeping or dropping them) and ArgMin/ArgMax
// (INT64 indices along one axis).
#include <string>

#include "ir/shape_inference.h"

namespace kiln::detail {

InferResult inferOutputs(const ReduceParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 1, 1));
    KILN_RETURN_IF_ERROR(expectFloat(in[0], 0, "data"));
    const Dims& data = in[0]->dims();
    const int64_t rank = static_cast<int64_t>(data.size());
    if (p.axes.empty()) return invalidModel("axes is empty; list every axis to reduce over all of them");
    for (size_t i = 0; i < p.axes.size(); ++i) {
        if (p.axes[i] < 0 || p.axes[i] >= rank || (i > 0 && p.axes[i] <= p.axes[i - 1])) {
            return invalidModel("axes " + listText(p.axes) + " must be sorted, distinct and in [0, " +
                                std::to_string(rank) + ") for input 0 (data) of shape " + toString(data));
        }
    }
    Dims out;
    size_t next = 0;
    for (int64_t axis = 0; axis < rank; ++axis) {
        const bool reduced = next < p.axes.size() && p.axes[next] == axis;
        if (reduced) ++next;
        if (!reduced) out.push_back(data[axis]);
        else if (p.keepDims) out.push_back(1);
    }
    return std::vector<TensorDesc>{{in[0]->type(), out}};
}

InferResult inferOutputs(const ArgMinMaxParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 1, 1));
    KILN_RETURN_IF_ERROR(expectFloat(in[0], 0, "data"));
    KILN_RETURN_IF_ERROR(expectRankAtLeast(in[0], 0, "data", 1));
    const Dims& data = in[0]->dims();
    const int64_t rank = static_cast<int64_t>(data.size());
    if (p.axis < 0 || p.axis >= rank) {
        return invalidModel("axis " + std::to_string(p.axis) +
                            " is out of range for input 0 (data) of shape " + toString(data) +
                            "; expected 0 <= axis < " + std::to_string(rank));
    }
    if (data[p.axis] == 0) {
        return invalidModel("input 0 (data) " + toString(data) + " is empty along axis " +
                            std::to_string(p.axis) + "; there is no element to pick");
    }
    Dims out = data;
    if (p.keepDims) out[p.axis] = 1;
    else out.erase(out.begin() + p.axis);
    return std::vector<TensorDesc>{{DataType::Int64, out}};
}

}  // namespace kiln::detail

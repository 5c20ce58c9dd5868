// Shape inference for Pooling (max and average over 1 to 3 spatial axes, ONNX output-extent rules
// including ceil mode) and LRN (same shape as its input).
#include <string>

#include "ir/shape_inference.h"

namespace kiln::detail {
namespace {

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

InferResult inferOutputs(const PoolingParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 1, 1));
    KILN_RETURN_IF_ERROR(expectFloat(in[0], 0, "data"));
    const Dims& data = in[0]->dims();
    if (data.size() < 3 || data.size() > 5) {
        return invalidModel("input 0 (data) has shape " + toString(data) +
                            "; expected [N, C, spatial...] with 1 to 3 spatial axes");
    }
    const size_t spatial = data.size() - 2;
    KILN_RETURN_IF_ERROR(checkParam("kernel", p.kernel, spatial, 1));
    KILN_RETURN_IF_ERROR(checkParam("strides", p.strides, spatial, 1));
    KILN_RETURN_IF_ERROR(checkParam("dilations", p.dilations, spatial, 1));
    KILN_RETURN_IF_ERROR(checkParam("pads", p.pads, 2 * spatial, 0));

    Dims out{data[0], data[1]};
    for (size_t i = 0; i < spatial; ++i) {
        const int64_t dilatedKernel = (p.kernel[i] - 1) * p.dilations[i] + 1;
        const int64_t padBegin = p.pads[i];
        const int64_t padEnd = p.pads[i + spatial];
        // A window made only of padding would have nothing to pool.
        if (padBegin >= dilatedKernel || padEnd >= dilatedKernel) {
            return invalidModel("pads " + listText(p.pads) + " on spatial axis " + std::to_string(i) +
                                " are not smaller than the kernel extent " + std::to_string(dilatedKernel));
        }
        const int64_t span = data[i + 2] + padBegin + padEnd - dilatedKernel;
        if (span < 0) {
            return invalidModel("spatial axis " + std::to_string(i) + " of input 0 (data) " + toString(data) +
                                " is smaller than the kernel extent " + std::to_string(dilatedKernel) +
                                " plus pads; the output would be empty");
        }
        int64_t extent = (p.ceilMode ? ceilDiv(span, p.strides[i]) : span / p.strides[i]) + 1;
        // ONNX: the last window must start inside the input or its left padding.
        if (p.ceilMode && (extent - 1) * p.strides[i] >= data[i + 2] + padBegin) --extent;
        out.push_back(extent);
    }
    return std::vector<TensorDesc>{{in[0]->type(), out}};
}

InferResult inferOutputs(const LrnParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 1, 1));
    KILN_RETURN_IF_ERROR(expectFloat(in[0], 0, "data"));
    KILN_RETURN_IF_ERROR(expectRankAtLeast(in[0], 0, "data", 2));
    if (p.size < 1) return invalidModel("size is " + std::to_string(p.size) + "; expected at least 1");
    return std::vector<TensorDesc>{{in[0]->type(), in[0]->dims()}};
}

}  // namespace kiln::detail

// Shape inference for Resize. The parser has already turned ONNX's scales-or-sizes inputs into both an
// output shape and per-axis scales; this checks that they describe the input and that the interpolation
// mode suits the element type (nearest copies any type, linear computes in floating point).
#include <cmath>
#include <string>

#include "ir/shape_inference.h"

namespace kiln::detail {

InferResult inferOutputs(const ResizeParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 1, 1));
    const Tensor* data = in[0];
    const Dims& dims = data->dims();
    const size_t rank = dims.size();
    if (rank == 0)
        return invalidModel("input 0 (data) of Resize is a scalar; expected at least 1 dimension");
    if (p.outputDims.size() != rank) {
        return invalidModel("Resize output dims " + toString(p.outputDims) + " have " +
                            std::to_string(p.outputDims.size()) + " entries; expected " +
                            std::to_string(rank) + " like input 0 (data) of shape " + toString(dims));
    }
    if (p.scales.size() != rank) {
        return invalidModel("Resize scales have " + std::to_string(p.scales.size()) + " entries; expected " +
                            std::to_string(rank) + " like input 0 (data) of shape " + toString(dims));
    }
    KILN_RETURN_IF_ERROR(checkDims(p.outputDims, "Resize output dims"));
    for (size_t d = 0; d < rank; ++d) {
        if (!std::isfinite(p.scales[d]) || p.scales[d] <= 0.0f) {
            return invalidModel("Resize scale " + std::to_string(p.scales[d]) + " on axis " +
                                std::to_string(d) + " must be a positive finite number");
        }
        if (p.outputDims[d] > 0 && dims[d] == 0) {
            return invalidModel("Resize cannot produce extent " + std::to_string(p.outputDims[d]) +
                                " on axis " + std::to_string(d) +
                                " from the empty axis of input 0 (data) of shape " + toString(dims));
        }
    }
    if (p.mode == ResizeMode::Linear && data->type() != DataType::Float32 &&
        data->type() != DataType::Float16) {
        return invalidModel(std::string("input 0 (data) of Resize has type ") + toString(data->type()) +
                            "; linear interpolation expects FP32 or FP16 (nearest accepts every type)");
    }
    return std::vector<TensorDesc>{{data->type(), p.outputDims}};
}

}  // namespace kiln::detail

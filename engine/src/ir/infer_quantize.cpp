// Shape and type inference for Quantize and Dequantize (ONNX QuantizeLinear / DequantizeLinear). The
// output has the data's shape; what is checked is the scale and zero point: one value for the whole
// tensor, or a 1-D tensor of one value per index along the axis, the zero point shaped as the scale.
#include <string>

#include "ir/shape_inference.h"

namespace kiln::detail {

namespace {

// A scalar or a one-element 1-D scale applies to the whole tensor (as ONNX Runtime reads it); anything
// else is per-axis.
Status checkScaleAndZeroPoint(const InferInputs& in, int64_t axis, DataType zeroPointType, const char* what) {
    const Tensor* data = in[0];
    const Tensor* scale = in[1];
    const Tensor* zeroPoint = in.size() > 2 ? in[2] : nullptr;
    KILN_RETURN_IF_ERROR(expectType(scale, 1, "scale", DataType::Float32));
    const bool perTensor = volume(scale->dims()) == 1 && scale->dims().size() <= 1;
    if (!perTensor) {
        const int64_t rank = int64_t(data->dims().size());
        if (axis < 0 || axis >= rank) {
            return invalidModel(std::string(what) + " axis " + std::to_string(axis) + " is outside 0.." +
                                std::to_string(rank - 1) + " for data of dims " + toString(data->dims()));
        }
        if (scale->dims().size() != 1 || scale->dims()[0] != data->dims()[size_t(axis)]) {
            return invalidModel("input 1 (scale) '" + scale->name() + "' has dims " + toString(scale->dims()) +
                                "; expected one value, or " + std::to_string(data->dims()[size_t(axis)]) +
                                " (one per index of axis " + std::to_string(axis) + " of the data, dims " +
                                toString(data->dims()) + ")");
        }
    }
    if (zeroPoint) {
        KILN_RETURN_IF_ERROR(expectType(zeroPoint, 2, "zero point", zeroPointType));
        if (zeroPoint->dims() != scale->dims()) {
            return invalidModel("input 2 (zero point) '" + zeroPoint->name() + "' has dims " +
                                toString(zeroPoint->dims()) + "; expected the scale's dims " + toString(scale->dims()));
        }
    }
    return Status::ok();
}

}  // namespace

InferResult inferOutputs(const QuantizeParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 2, 3));
    KILN_RETURN_IF_ERROR(expectType(in[0], 0, "data", DataType::Float32));
    KILN_RETURN_IF_ERROR(checkScaleAndZeroPoint(in, p.axis, DataType::Int8, "Quantize"));
    return std::vector<TensorDesc>{{DataType::Int8, in[0]->dims()}};
}

InferResult inferOutputs(const DequantizeParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 2, 3));
    const Tensor* data = in[0];
    if (data->type() != DataType::Int8 && data->type() != DataType::Int32) {
        return invalidModel("input 0 (data) '" + data->name() + "' is " + toString(data->type()) +
                            "; Dequantize expects INT8 or INT32");
    }
    KILN_RETURN_IF_ERROR(checkScaleAndZeroPoint(in, p.axis, data->type(), "Dequantize"));
    return std::vector<TensorDesc>{{DataType::Float32, data->dims()}};
}

}  // namespace kiln::detail

// Shape and type inference for the pointwise family: Activation, Unary, Elementwise, Select and Cast.
// Besides the numpy-broadcast output shape, these checks decide which element types each operation
// accepts, so the reference kernels can rely on never seeing a combination they do not implement.
#include <string>

#include "ir/shape_inference.h"

namespace kiln::detail {

namespace {

bool isFloatType(DataType type) {
    return type == DataType::Float32 || type == DataType::Float16;
}

bool isIntegerType(DataType type) {
    return type == DataType::Int8 || type == DataType::Int32 || type == DataType::Int64;
}

Status typeError(size_t index, const char* role, DataType type, const std::string& what,
                 const char* expected) {
    return invalidModel("input " + std::to_string(index) + " (" + role + ") has type " + toString(type) +
                        "; " + what + " expects " + expected);
}

bool isComparison(ElementwiseOp op) {
    return op == ElementwiseOp::Equal || op == ElementwiseOp::Less || op == ElementwiseOp::Greater;
}

bool isLogical(ElementwiseOp op) {
    return op == ElementwiseOp::And || op == ElementwiseOp::Or;
}

}  // namespace

InferResult inferOutputs(const ActivationParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 1, 1));
    const Tensor* data = in[0];
    if (!isFloatType(data->type())) {
        return typeError(0, "data", data->type(), std::string("activation ") + toString(p.type),
                         "FP32 or FP16");
    }
    return std::vector<TensorDesc>{{data->type(), data->dims()}};
}

InferResult inferOutputs(const UnaryParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 1, 1));
    const Tensor* data = in[0];
    const DataType type = data->type();
    const std::string what = std::string("unary ") + toString(p.op);
    switch (p.op) {
        case UnaryOp::Not:
            if (type != DataType::Bool)
                return typeError(0, "data", type, what, "BOOL");
            break;
        case UnaryOp::Abs:
        case UnaryOp::Neg:
        case UnaryOp::Sign:
            if (!isFloatType(type) && !isIntegerType(type)) {
                return typeError(0, "data", type, what, "FP32, FP16, INT8, INT32 or INT64");
            }
            break;
        default:
            if (!isFloatType(type))
                return typeError(0, "data", type, what, "FP32 or FP16");
            break;
    }
    return std::vector<TensorDesc>{{type, data->dims()}};
}

InferResult inferOutputs(const ElementwiseParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 2, 2));
    const Tensor* a = in[0];
    const Tensor* b = in[1];
    const std::string what = std::string("elementwise ") + toString(p.op);
    if (a->type() != b->type()) {
        return invalidModel("inputs 0 (a) and 1 (b) of " + what + " have different types " +
                            toString(a->type()) + " and " + toString(b->type()) +
                            "; insert a Cast so that both have the same type");
    }
    const DataType type = a->type();
    if (isLogical(p.op)) {
        if (type != DataType::Bool)
            return typeError(0, "a", type, what, "BOOL");
    } else if (isComparison(p.op)) {
        if (!isFloatType(type) && !isIntegerType(type) && type != DataType::Bool) {
            return typeError(0, "a", type, what, "FP32, FP16, INT8, INT32, INT64 or BOOL");
        }
    } else if (!isFloatType(type) && !isIntegerType(type)) {
        return typeError(0, "a", type, what, "FP32, FP16, INT8, INT32 or INT64");
    }
    Result<Dims> dims = broadcastDims(a->dims(), b->dims());
    if (!dims.isOk())
        return dims.status().withContext("inputs 0 (a) and 1 (b) of " + what);
    const DataType outputType = isComparison(p.op) ? DataType::Bool : type;
    return std::vector<TensorDesc>{{outputType, *dims}};
}

InferResult inferOutputs(const SelectParams&, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 3, 3));
    KILN_RETURN_IF_ERROR(expectType(in[0], 0, "condition", DataType::Bool));
    const Tensor* x = in[1];
    const Tensor* y = in[2];
    if (x->type() != y->type()) {
        return invalidModel(std::string("inputs 1 (x) and 2 (y) of Select have different types ") +
                            toString(x->type()) + " and " + toString(y->type()) +
                            "; insert a Cast so that both have the same type");
    }
    Result<Dims> xy = broadcastDims(x->dims(), y->dims());
    if (!xy.isOk())
        return xy.status().withContext("inputs 1 (x) and 2 (y) of Select");
    Result<Dims> dims = broadcastDims(in[0]->dims(), *xy);
    if (!dims.isOk())
        return dims.status().withContext("input 0 (condition) of Select");
    return std::vector<TensorDesc>{{x->type(), *dims}};
}

InferResult inferOutputs(const CastParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 1, 1));
    return std::vector<TensorDesc>{{p.to, in[0]->dims()}};
}

}  // namespace kiln::detail

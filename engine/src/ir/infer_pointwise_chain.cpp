// Shape and type inference for a pointwise chain: the output is input 0 itself, element for element, so
// every step must be one the FP32 reference formulas define and every operand must broadcast to input 0
// without enlarging it.
#include <string>

#include "ir/shape_inference.h"

namespace kiln::detail {

namespace {

Status checkOperand(const InferInputs& in, int64_t index, const std::string& step, const char* role) {
    if (index < 1 || size_t(index) >= in.size() || in[size_t(index)] == nullptr) {
        return invalidModel(step + " reads " + role + " input " + std::to_string(index) +
                            ", but the layer has " + std::to_string(in.size()) +
                            " inputs; operands are inputs 1 and up");
    }
    const Tensor* operand = in[size_t(index)];
    KILN_RETURN_IF_ERROR(expectType(operand, size_t(index), role, DataType::Float32));
    if (!broadcastsTo(operand->dims(), in[0]->dims())) {
        return invalidModel("input " + std::to_string(index) + " (" + role + ") of " + step + " has shape " +
                            toString(operand->dims()) + ", which does not broadcast to the data shape " +
                            toString(in[0]->dims()));
    }
    return Status::ok();
}

}  // namespace

InferResult inferOutputs(const PointwiseChainParams& p, const InferInputs& in, size_t) {
    if (in.empty() || in[0] == nullptr) {
        return invalidModel("input 0 (data) is missing; a pointwise chain needs it");
    }
    KILN_RETURN_IF_ERROR(expectType(in[0], 0, "data", DataType::Float32));
    if (p.steps.empty()) return invalidModel("the pointwise chain has no steps; give it at least one");
    for (size_t i = 0; i < p.steps.size(); ++i) {
        const PointwiseStep& step = p.steps[i];
        const std::string what = "step " + std::to_string(i);
        switch (step.kind) {
            case PointwiseStep::Kind::Activation: break;
            case PointwiseStep::Kind::Unary:
                if (step.unary == UnaryOp::Not) {
                    return invalidModel(what +
                                        " is unary Not, which takes BOOL; a pointwise chain computes FP32");
                }
                break;
            case PointwiseStep::Kind::ScaleShift:
                KILN_RETURN_IF_ERROR(checkOperand(in, step.operand, what, "scale"));
                KILN_RETURN_IF_ERROR(checkOperand(in, step.shiftOperand, what, "shift"));
                break;
            case PointwiseStep::Kind::Elementwise:
                if (!isArithmetic(step.op)) {
                    return invalidModel(what + " is elementwise " + toString(step.op) +
                                        ", which does not produce FP32; only arithmetic operations chain");
                }
                KILN_RETURN_IF_ERROR(checkOperand(in, step.operand, what, "operand"));
                break;
            default:
                return invalidModel(what + " has an unknown kind " + std::to_string(int(step.kind)));
        }
    }
    return std::vector<TensorDesc>{{DataType::Float32, in[0]->dims()}};
}

}  // namespace kiln::detail

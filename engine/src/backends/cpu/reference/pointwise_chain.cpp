// Reference kernel for a pointwise chain: every element runs through the steps in order in FP32, with
// the same scalar formulas as the separate Activation, Unary and Elementwise kernels, so a fused chain
// matches the layers it replaces bit for bit. Each element is read before it is written, so the output
// may share memory with input 0.
#include <vector>

#include "backends/cpu/reference/reference_kernels.h"

namespace kiln::cpu {

namespace {

// The offset into input `operand` (broadcast to the output) of the element at `index`.
int64_t operandOffset(const std::vector<int64_t>& strides, const std::vector<int64_t>& index) {
    int64_t offset = 0;
    for (size_t axis = 0; axis < index.size(); ++axis)
        offset += strides[axis] * index[axis];
    return offset;
}

}  // namespace

Status runReference(const PointwiseChainParams& p, const KernelInputs& in, KernelOutputs& out) {
    const HostTensor& x = *in[0];
    HostTensor& y = out[0];
    std::vector<std::vector<int64_t>> strides(in.size());
    for (size_t i = 1; i < in.size(); ++i) {
        if (in[i]) strides[i] = broadcastStrides(in[i]->dims(), x.dims());
    }
    const float* src = x.data<float>();
    float* dst = y.data<float>();
    auto operand = [&](int64_t input, const std::vector<int64_t>& index) {
        return in[size_t(input)]->data<float>()[operandOffset(strides[size_t(input)], index)];
    };
    forEachIndex(x.dims(), [&](int64_t linear, const std::vector<int64_t>& index) {
        float v = src[linear];
        for (const PointwiseStep& step : p.steps) {
            switch (step.kind) {
                case PointwiseStep::Kind::Activation:
                    v = applyActivation(step.activation, v);
                    break;
                case PointwiseStep::Kind::Unary:
                    v = applyUnary(step.unary, v);
                    break;
                case PointwiseStep::Kind::ScaleShift:
                    v = v * operand(step.operand, index) + operand(step.shiftOperand, index);
                    break;
                case PointwiseStep::Kind::Elementwise: {
                    const float c = operand(step.operand, index);
                    v = step.operandFirst ? applyArithmetic(step.op, c, v) : applyArithmetic(step.op, v, c);
                    break;
                }
            }
        }
        dst[linear] = v;
    });
    return Status::ok();
}

}  // namespace kiln::cpu

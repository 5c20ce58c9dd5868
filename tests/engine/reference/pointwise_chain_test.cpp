// Tests of the pointwise-chain reference kernel and its shape inference: hand-computed values for chains
// of scale-and-shift, activation, unary and elementwise steps (all exact in float32: small integers and
// halves), in-place execution, and the errors for steps and operands the kernel cannot run.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backends/cpu/reference/reference_kernels.h"
#include "engine/reference/compute_layer_runner.h"
#include "support/test_util.h"

namespace kiln::test {
namespace {

PointwiseStep scaleShift(int64_t scale, int64_t shift) {
    PointwiseStep step;
    step.kind = PointwiseStep::Kind::ScaleShift;
    step.operand = scale;
    step.shiftOperand = shift;
    return step;
}

PointwiseStep activation(ActivationType type, float alpha = 0.0f, float beta = 0.0f) {
    PointwiseStep step;
    step.kind = PointwiseStep::Kind::Activation;
    step.activation = {type, alpha, beta};
    return step;
}

PointwiseStep unary(UnaryOp op) {
    PointwiseStep step;
    step.kind = PointwiseStep::Kind::Unary;
    step.unary = op;
    return step;
}

PointwiseStep elementwise(ElementwiseOp op, int64_t operand, bool operandFirst = false) {
    PointwiseStep step;
    step.kind = PointwiseStep::Kind::Elementwise;
    step.op = op;
    step.operand = operand;
    step.operandFirst = operandFirst;
    return step;
}

void expectValues(const Result<std::vector<HostTensor>>& result, const HostTensor& expected) {
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(compareTensors(result->at(0), expected, 0, 0), "");
}

// Per channel: v * scale + shift, then Relu, then 10 - v (the constant is the first operand).
TEST(PointwiseChainKernel, ScaleShiftReluAndAReversedSubtraction) {
    const HostTensor x = floatTensor({1, 2, 1, 2}, {-2, 1, 3, -4});
    const HostTensor scale = floatTensor({2, 1, 1}, {2, 0.5f});
    const HostTensor shift = floatTensor({2, 1, 1}, {1, -1});
    const HostTensor ten = floatTensor({1}, {10});
    const PointwiseChainParams params{{scaleShift(1, 2), activation(ActivationType::Relu),
                                       elementwise(ElementwiseOp::Sub, 3, /*operandFirst=*/true)}};
    // channel 0: -2 -> -3 -> 0 -> 10;  1 -> 3 -> 3 -> 7
    // channel 1:  3 -> 0.5 -> 0.5 -> 9.5; -4 -> -3 -> 0 -> 10
    expectValues(runComputeLayer(params, {&x, &scale, &shift, &ten}),
                 floatTensor({1, 2, 1, 2}, {10, 7, 9.5f, 10}));
}

// Neg, then times a row broadcast along the last axis, then Clip to [-1, 1].
TEST(PointwiseChainKernel, UnaryBroadcastOperandAndClip) {
    const HostTensor x = floatTensor({2, 2}, {0.5f, -3, 2, 0.25f});
    const HostTensor row = floatTensor({2}, {4, 0.5f});
    const PointwiseChainParams params{{unary(UnaryOp::Neg), elementwise(ElementwiseOp::Mul, 1),
                                       activation(ActivationType::Clip, -1.0f, 1.0f)}};
    // -0.5 * 4 = -2 -> -1;  3 * 0.5 = 1.5 -> 1;  -2 * 4 = -8 -> -1;  -0.25 * 0.5 = -0.125
    expectValues(runComputeLayer(params, {&x, &row}), floatTensor({2, 2}, {-1, 1, -1, -0.125f}));
}

TEST(PointwiseChainKernel, RunsInPlace) {
    HostTensor data = floatTensor({3}, {-1, 2, -3});
    const HostTensor two = floatTensor({1}, {2});
    const HostTensor view = HostTensor::view(DataType::Float32, {3}, data.bytes());
    cpu::KernelOutputs outputs;
    outputs.push_back(HostTensor::view(DataType::Float32, {3}, data.bytes()));
    const PointwiseChainParams params{{elementwise(ElementwiseOp::Mul, 1), activation(ActivationType::Relu)}};
    ASSERT_TRUE(cpu::runReference(params, {&view, &two}, outputs).isOk());
    EXPECT_EQ(compareTensors(data, floatTensor({3}, {0, 4, 0}), 0, 0), "");
}

void expectInvalid(const PointwiseChainParams& params, const std::vector<const HostTensor*>& inputs,
                   const std::string& fragment) {
    const auto result = runComputeLayer(params, inputs);
    ASSERT_FALSE(result.isOk());
    EXPECT_EQ(result.status().code(), StatusCode::InvalidModel);
    EXPECT_NE(result.status().message().find(fragment), std::string::npos) << result.status().message();
}

TEST(PointwiseChainKernel, RejectsStepsAndOperandsItCannotRun) {
    const HostTensor x = floatTensor({2, 2}, {1, 2, 3, 4});
    const HostTensor wide = floatTensor({3}, {1, 2, 3});
    expectInvalid({{elementwise(ElementwiseOp::Add, 1)}}, {&x, &wide}, "does not broadcast");
    expectInvalid({{elementwise(ElementwiseOp::Add, 2)}}, {&x, &wide}, "operands are inputs 1 and up");
    expectInvalid({{elementwise(ElementwiseOp::Less, 1)}}, {&x, &wide}, "only arithmetic");
    expectInvalid({{unary(UnaryOp::Not)}}, {&x}, "unary Not");
    expectInvalid({}, {&x}, "no steps");
}

}  // namespace
}  // namespace kiln::test

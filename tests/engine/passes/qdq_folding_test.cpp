// QDQ folding: a Quantize -> Dequantize pair on an activation becomes the activation's range. The pair
// only rounds values to multiples of its scale, so on inputs that are such multiples already (and
// stay so through ReLU and max pooling) the outputs before and after are compared for equality.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/passes/pass_test_util.h"
#include "passes/constant_folding.h"
#include "passes/qdq_folding.h"

namespace kiln::test {
namespace {

constexpr float kScale = 0.125f;

Tensor* scalarConstant(NetworkDefinition& network, const std::string& name, float value) {
    HostTensor data(DataType::Float32, {});
    data.data<float>()[0] = value;
    return *network.addConstant(name, std::move(data));
}

Tensor* int8Constant(NetworkDefinition& network, const std::string& name, const Dims& dims, int8_t value) {
    HostTensor data(DataType::Int8, dims);
    for (int64_t i = 0; i < data.elementCount(); ++i) data.data<int8_t>()[i] = value;
    return *network.addConstant(name, std::move(data));
}

// Quantize -> Dequantize of `x` with one scale and zero point 0, as ONNX Runtime writes them; returns
// the Dequantize layer.
Layer* addQdq(NetworkDefinition& network, const std::string& name, Tensor* x, float scale = kScale) {
    Tensor* s = scalarConstant(network, name + ".scale", scale);
    Tensor* zero = int8Constant(network, name + ".zero", {}, 0);
    Layer* quantize = addLayer(network, "QuantizeLinear_" + name, QuantizeParams{}, {x, s, zero});
    return addLayer(network, "DequantizeLinear_" + name, DequantizeParams{}, {quantize->output(0), s, zero});
}

// Inputs that are multiples of `step`, at most `steps` of them away from 0: exact through a pair whose
// scale divides `step` and whose range holds `steps` steps.
TensorMap representableInputs(const NetworkDefinition& network, uint32_t seed, float step = kScale,
                              float steps = 127.0f) {
    TensorMap inputs = randomInputs(network, seed);
    for (auto& [name, tensor] : inputs) {
        float* values = tensor.data<float>();
        for (int64_t i = 0; i < tensor.elementCount(); ++i) values[i] = std::round(values[i] * steps) * step;
    }
    return inputs;
}

TEST(QdqFolding, FoldsPairsOnActivationsIntoRanges) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 3, 6, 6});
    Layer* dqX = addQdq(network, "x", x);
    Layer* relu = addLayer(network, "relu", ActivationParams{}, {dqX->output(0)});
    Layer* dqRelu = addQdq(network, "relu", relu->output(0), 2 * kScale);
    Layer* pool = addLayer(network, "pool",
                           PoolingParams{PoolingType::Max, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}, false, false},
                           {dqRelu->output(0)});
    ASSERT_TRUE(network.markOutput(pool->output(0)).isOk());
    // Multiples of 2 * kScale within the first pair's range: exact through both pairs, as ReLU and max
    // pooling keep them multiples.
    const TensorMap inputs = representableInputs(network, 1, 2 * kScale, 63.0f);
    const TensorMap before = runReference(network.clone(), inputs);

    const std::vector<PassChange> changes = runPass(passes::foldQuantizeDequantize, network);

    ASSERT_EQ(network.layers().size(), 2u);
    EXPECT_EQ(countKind(network, LayerKind::Quantize), 0u);
    EXPECT_EQ(countKind(network, LayerKind::Dequantize), 0u);
    EXPECT_EQ(network.layers()[0]->input(0), x);
    EXPECT_EQ(network.layers()[1]->input(0), relu->output(0));
    ASSERT_TRUE(x->dynamicRange().has_value());
    EXPECT_EQ(*x->dynamicRange(), 127.0f * kScale);
    ASSERT_TRUE(relu->output(0)->dynamicRange().has_value());
    EXPECT_EQ(*relu->output(0)->dynamicRange(), 127.0f * 2 * kScale);
    EXPECT_FALSE(pool->output(0)->dynamicRange().has_value());
    EXPECT_EQ(network.findTensor("QuantizeLinear_x.out"), nullptr);
    EXPECT_EQ(network.findTensor("x.scale"), nullptr);
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_EQ(changes[0].description, "folded QuantizeLinear_x + DequantizeLinear_x: range 15.875 on x");
    EXPECT_EQ(changes[1].description, "folded QuantizeLinear_relu + DequantizeLinear_relu: range 31.75 on relu.out");
    expectSameOutputs(runReference(network, inputs), before, 0, 0);
    expectSameOutputs(runInArena(std::move(network), inputs), before, 0, 0);
}

TEST(QdqFolding, FoldsAQuantizeReadByTwoDequantizes) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {2, 8});
    Tensor* s = scalarConstant(network, "s", kScale);
    Tensor* zero = int8Constant(network, "zero", {}, 0);
    Layer* quantize = addLayer(network, "q", QuantizeParams{}, {x, s, zero});
    Layer* dqA = addLayer(network, "dq_a", DequantizeParams{}, {quantize->output(0), s, zero});
    Layer* dqB = addLayer(network, "dq_b", DequantizeParams{}, {quantize->output(0), s});
    Layer* relu = addLayer(network, "relu", ActivationParams{}, {dqA->output(0)});
    Layer* neg = addLayer(network, "neg", UnaryParams{UnaryOp::Neg}, {dqB->output(0)});
    ASSERT_TRUE(network.markOutput(relu->output(0)).isOk());
    ASSERT_TRUE(network.markOutput(neg->output(0)).isOk());
    const TensorMap inputs = representableInputs(network, 2);
    const TensorMap before = runReference(network.clone(), inputs);

    const std::vector<PassChange> changes = runPass(passes::foldQuantizeDequantize, network);

    ASSERT_EQ(network.layers().size(), 2u);
    EXPECT_EQ(relu->input(0), x);
    EXPECT_EQ(neg->input(0), x);
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].description, "folded q + dq_a + dq_b: range 15.875 on x");
    expectSameOutputs(runReference(network, inputs), before, 0, 0);
}

// Weights stored as INT8 with per-channel scales: constant folding (which runs first) computes the
// Dequantize, and the convolution reads FP32 weights; QDQ folding has nothing left to do there.
TEST(QdqFolding, ConstantFoldingDequantizesQuantizedWeights) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 2, 4, 4});
    HostTensor q(DataType::Int8, {3, 2, 1, 1});
    for (int64_t i = 0; i < q.elementCount(); ++i) q.data<int8_t>()[i] = int8_t(20 * i - 50);
    HostTensor scales(DataType::Float32, {3});
    for (int64_t i = 0; i < 3; ++i) scales.data<float>()[i] = 0.25f * float(i + 1);
    Tensor* weightsQ = *network.addConstant("w.q", std::move(q));
    Tensor* weightScales = *network.addConstant("w.scale", std::move(scales));
    Layer* weights = addLayer(network, "DequantizeLinear_w", DequantizeParams{0}, {weightsQ, weightScales});
    Layer* conv = addLayer(network, "conv", convParams(1), {x, weights->output(0)});
    ASSERT_TRUE(network.markOutput(conv->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 3);
    const TensorMap before = runReference(network.clone(), inputs);

    runPass(passes::foldConstants, network);
    EXPECT_TRUE(runPass(passes::foldQuantizeDequantize, network).empty());

    ASSERT_EQ(network.layers().size(), 1u);
    const Tensor* folded = conv->input(1);
    ASSERT_TRUE(folded->isConstant());
    EXPECT_EQ(folded->type(), DataType::Float32);
    // Output channel 2, input channel 1: (20 * 5 - 50) * 0.75.
    EXPECT_EQ(folded->constantData()->data<float>()[5], 37.5f);
    expectSameOutputs(runReference(network, inputs), before, 0, 0);
}

TEST(QdqFolding, LeavesPairsThatDoNotFit) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 4, 3, 3});
    Tensor* s = scalarConstant(network, "s", kScale);
    Tensor* zero = int8Constant(network, "zero", {}, 0);
    std::vector<Tensor*> outputs;

    // Per-axis scales on an activation.
    HostTensor channelScales(DataType::Float32, {4});
    for (int64_t i = 0; i < 4; ++i) channelScales.data<float>()[i] = kScale * float(i + 1);
    Tensor* perChannel = *network.addConstant("per_channel", std::move(channelScales));
    Layer* q1 = addLayer(network, "q_axis", QuantizeParams{1}, {x, perChannel});
    outputs.push_back(addLayer(network, "dq_axis", DequantizeParams{1}, {q1->output(0), perChannel})->output(0));
    // A zero point other than 0.
    Tensor* three = int8Constant(network, "three", {}, 3);
    Layer* q2 = addLayer(network, "q_zero", QuantizeParams{}, {x, s, three});
    outputs.push_back(addLayer(network, "dq_zero", DequantizeParams{}, {q2->output(0), s, three})->output(0));
    // A reader that is no Dequantize.
    Layer* q3 = addLayer(network, "q_cast", QuantizeParams{}, {x, s, zero});
    outputs.push_back(addLayer(network, "dq_cast", DequantizeParams{}, {q3->output(0), s, zero})->output(0));
    outputs.push_back(addLayer(network, "cast", CastParams{DataType::Float32}, {q3->output(0)})->output(0));
    // A Dequantize with another scale.
    Tensor* other = scalarConstant(network, "other", 2 * kScale);
    Layer* q4 = addLayer(network, "q_rescale", QuantizeParams{}, {x, s, zero});
    outputs.push_back(addLayer(network, "dq_rescale", DequantizeParams{}, {q4->output(0), other, zero})->output(0));
    // A scale computed at run time.
    Tensor* runtimeScale = *network.addInput("runtime_scale", DataType::Float32, {});
    Layer* q5 = addLayer(network, "q_runtime", QuantizeParams{}, {x, runtimeScale, zero});
    outputs.push_back(addLayer(network, "dq_runtime", DequantizeParams{}, {q5->output(0), s, zero})->output(0));
    // The Dequantize's output is a network output.
    Layer* relu = addLayer(network, "relu", ActivationParams{}, {x});
    Layer* q6 = addLayer(network, "q_output", QuantizeParams{}, {relu->output(0), s, zero});
    outputs.push_back(addLayer(network, "dq_output", DequantizeParams{}, {q6->output(0), s, zero})->output(0));
    // A tensor that already has another range.
    Layer* tanh = addLayer(network, "tanh", ActivationParams{ActivationType::Tanh}, {x});
    tanh->output(0)->setDynamicRange(1.0f);
    Layer* q7 = addLayer(network, "q_ranged", QuantizeParams{}, {tanh->output(0), s, zero});
    Layer* dq7 = addLayer(network, "dq_ranged", DequantizeParams{}, {q7->output(0), s, zero});
    outputs.push_back(addLayer(network, "abs", UnaryParams{UnaryOp::Abs}, {dq7->output(0)})->output(0));
    // A scale whose range (127 × scale) overflows a float.
    Tensor* huge = scalarConstant(network, "huge", 3e38f);
    Layer* sigmoid = addLayer(network, "sigmoid", ActivationParams{ActivationType::Sigmoid}, {x});
    Layer* q8 = addLayer(network, "q_huge", QuantizeParams{}, {sigmoid->output(0), huge, zero});
    Layer* dq8 = addLayer(network, "dq_huge", DequantizeParams{}, {q8->output(0), huge, zero});
    outputs.push_back(addLayer(network, "neg", UnaryParams{UnaryOp::Neg}, {dq8->output(0)})->output(0));
    for (Tensor* output : outputs) ASSERT_TRUE(network.markOutput(output).isOk());
    const size_t layers = network.layers().size();

    EXPECT_TRUE(runPass(passes::foldQuantizeDequantize, network).empty());

    EXPECT_EQ(network.layers().size(), layers);
    EXPECT_EQ(countKind(network, LayerKind::Quantize), 8u);
    EXPECT_EQ(countKind(network, LayerKind::Dequantize), 8u);
    EXPECT_FALSE(sigmoid->output(0)->dynamicRange().has_value());
    EXPECT_FALSE(x->dynamicRange().has_value());
    EXPECT_EQ(*tanh->output(0)->dynamicRange(), 1.0f);
}

}  // namespace
}  // namespace kiln::test

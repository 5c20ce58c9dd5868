// Pointwise-chain fusion: runs of BatchNorm, Activation, Unary and Elementwise-with-a-constant layers
// become one PointwiseChain layer. The chain kernel applies the same float formulas as the separate
// layers, so only a BatchNorm's scale and shift, computed once instead of per element, change rounding.
#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "passes/pointwise_chain_fusion.h"

namespace kiln::test {
namespace {

// The fused scale and shift are each one float rounding away from the exact values, where BatchNorm
// rounds (x - mean) / sqrt(var + eps) * gamma + beta step by step: a few 2^-24 relative per element, which
// a following 3x3 convolution over four channels (36 terms below 4 in magnitude) keeps under 1e-5.
constexpr double kRtol = 1e-5;
constexpr double kAtol = 1e-5;

Layer* addBatchNorm(NetworkDefinition& network, const std::string& name, Tensor* data, uint32_t seed) {
    const int64_t channels = data->dims()[1];
    Tensor* gamma = addRandomConstant(network, name + ".gamma", {channels}, seed, 0.5f, 1.5f);
    Tensor* beta = addRandomConstant(network, name + ".beta", {channels}, seed + 1);
    Tensor* mean = addRandomConstant(network, name + ".mean", {channels}, seed + 2);
    Tensor* variance = addRandomConstant(network, name + ".var", {channels}, seed + 3, 0.1f, 2.0f);
    return addLayer(network, name, BatchNormParams{1e-5f}, {data, gamma, beta, mean, variance});
}

// x -> conv0 -> sigmoid -> mul(conv0 out, sigmoid out) -> conv1 -> y: SiLU, whose multiply reads the
// chain's own input. The chain reads that input twice and computes exactly what the two layers do.
TEST(PointwiseChainFusion, FusesSiluWhoseMultiplyReadsTheChainInput) {
    for (const bool dataFirst : {true, false}) {
        NetworkDefinition network;
        Tensor* x = *network.addInput("x", DataType::Float32, {1, 3, 5, 5});
        Layer* conv0 = addConv(network, "conv0", x, 4, 3, 1);
        Layer* sigmoid =
            addLayer(network, "sigmoid", ActivationParams{ActivationType::Sigmoid}, {conv0->output(0)});
        Tensor* a = dataFirst ? conv0->output(0) : sigmoid->output(0);
        Tensor* b = dataFirst ? sigmoid->output(0) : conv0->output(0);
        Layer* mul = addLayer(network, "mul", ElementwiseParams{ElementwiseOp::Mul}, {a, b});
        Layer* conv1 = addConv(network, "conv1", mul->output(0), 2, 3, 30);
        ASSERT_TRUE(network.markOutput(conv1->output(0)).isOk());
        const TensorMap inputs = randomInputs(network, 3);
        const TensorMap before = runReference(network.clone(), inputs);

        runPass(passes::fusePointwiseChains, network);

        ASSERT_EQ(network.layers().size(), 3u);
        const Layer* fused = network.layers()[1].get();
        EXPECT_EQ(fused->name(), "sigmoid + mul");
        EXPECT_EQ(describeParams(fused->params()), "Sigmoid, Mul");
        ASSERT_EQ(fused->inputs().size(), 2u);
        EXPECT_EQ(fused->input(0), conv0->output(0));
        EXPECT_EQ(fused->input(1), conv0->output(0));
        EXPECT_EQ(fused->paramsAs<PointwiseChainParams>().steps[1].operandFirst, dataFirst);
        const TensorMap after = runReference(network.clone(), inputs);
        const std::string name = conv1->output(0)->name();
        EXPECT_EQ(compareTensors(after.at(name), before.at(name), 0.0, 0.0), "") << "data first " << dataFirst;
    }
}

// A chain that starts with its constant first, bias + x as exporters write a Linear's bias, then an
// activation: the first step reads the constant beside the data, not the data twice.
TEST(PointwiseChainFusion, FirstStepWithTheConstantFirst) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {3, 1, 8});
    Tensor* bias = addRandomConstant(network, "bias", {8}, 7);
    Layer* add = addLayer(network, "add", ElementwiseParams{ElementwiseOp::Add}, {bias, x});
    Layer* relu = addLayer(network, "relu", ActivationParams{ActivationType::Relu}, {add->output(0)});
    ASSERT_TRUE(network.markOutput(relu->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 8);
    const TensorMap before = runReference(network.clone(), inputs);

    runPass(passes::fusePointwiseChains, network);

    ASSERT_EQ(network.layers().size(), 1u);
    const Layer* fused = network.layers()[0].get();
    EXPECT_EQ(fused->inputs(), (std::vector<Tensor*>{x, bias}));
    EXPECT_TRUE(fused->paramsAs<PointwiseChainParams>().steps[0].operandFirst);
    expectSameOutputs(runReference(network.clone(), inputs), before, 0.0, 0.0);
}

// A multiply of two different tensors is no chain step.
TEST(PointwiseChainFusion, LeavesAMultiplyOfTwoOtherTensorsAlone) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 4, 5, 5});
    Tensor* z = *network.addInput("z", DataType::Float32, {1, 4, 5, 5});
    Layer* sigmoid = addLayer(network, "sigmoid", ActivationParams{ActivationType::Sigmoid}, {x});
    Layer* mul = addLayer(network, "mul", ElementwiseParams{ElementwiseOp::Mul}, {sigmoid->output(0), z});
    ASSERT_TRUE(network.markOutput(mul->output(0)).isOk());
    runPass(passes::fusePointwiseChains, network);
    EXPECT_EQ(network.layers().size(), 2u);
    EXPECT_EQ(countKind(network, LayerKind::PointwiseChain), 0u);
}

// x -> conv0 -> bn1 -> relu1 -> sub1 (constant first) -> conv1 -> y, as in a pre-activation block.
TEST(PointwiseChainFusion, FusesBatchNormActivationAndAConstantSubtraction) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 3, 5, 5});
    Layer* conv0 = addConv(network, "conv0", x, 4, 3, 1);
    Layer* bn = addBatchNorm(network, "bn1", conv0->output(0), 10);
    Layer* relu = addLayer(network, "relu1", ActivationParams{}, {bn->output(0)});
    Tensor* offsets = addRandomConstant(network, "offsets", {4, 1, 1}, 20);
    Layer* sub =
        addLayer(network, "sub1", ElementwiseParams{ElementwiseOp::Sub}, {offsets, relu->output(0)});
    Layer* conv1 = addConv(network, "conv1", sub->output(0), 2, 3, 30);
    ASSERT_TRUE(network.markOutput(conv1->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 3);
    const TensorMap before = runReference(network.clone(), inputs);

    const std::vector<PassChange> changes = runPass(passes::fusePointwiseChains, network);

    ASSERT_EQ(network.layers().size(), 3u);
    EXPECT_EQ(countKind(network, LayerKind::PointwiseChain), 1u);
    const Layer* fused = network.layers()[1].get();
    EXPECT_EQ(fused->name(), "bn1 + relu1 + sub1");
    EXPECT_EQ(fused->kind(), LayerKind::PointwiseChain);
    EXPECT_EQ(fused->provenance(), (std::vector<std::string>{"bn1", "relu1", "sub1"}));
    EXPECT_EQ(describeParams(fused->params()), "Scale, Relu, Sub");
    EXPECT_EQ(fused->input(0), conv0->output(0));
    EXPECT_EQ(fused->output(0), conv1->input(0));
    ASSERT_EQ(fused->inputs().size(), 4u);
    EXPECT_EQ(fused->input(1)->name(), "bn1.scale");
    EXPECT_EQ(fused->input(1)->dims(), (Dims{4, 1, 1}));
    EXPECT_EQ(fused->input(2)->name(), "bn1.shift");
    EXPECT_EQ(fused->input(3), offsets);
    const auto& steps = fused->paramsAs<PointwiseChainParams>().steps;
    ASSERT_EQ(steps.size(), 3u);
    EXPECT_TRUE(steps[2].operandFirst);
    EXPECT_EQ(network.findTensor("bn1.mean"), nullptr);
    EXPECT_EQ(network.findTensor("relu1.out"), nullptr);
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].description,
              "fused bn1 + relu1 + sub1 (pointwise chain Scale, Relu, Sub run as one layer)");
    EXPECT_EQ(changes[0].layers, (std::vector<std::string>{"bn1 + relu1 + sub1"}));
    expectSameOutputs(runReference(network.clone(), inputs), before, kRtol, kAtol);
    expectSameOutputs(runInArena(std::move(network), inputs), before, kRtol, kAtol);
}

// Without a BatchNorm nothing is rounded differently: the chain matches the separate layers exactly.
TEST(PointwiseChainFusion, FusesUnaryAndActivationsExactly) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {2, 3, 4});
    // A copy first, so that the chain reads an activation it can overwrite in the arena.
    Layer* copy = addLayer(network, "copy", TransposeParams{{0, 1, 2}}, {x});
    Layer* neg = addLayer(network, "neg", UnaryParams{UnaryOp::Neg}, {copy->output(0)});
    Tensor* row = addRandomConstant(network, "row", {4}, 7);
    Layer* mul = addLayer(network, "mul", ElementwiseParams{ElementwiseOp::Mul}, {neg->output(0), row});
    Layer* sigmoid =
        addLayer(network, "sigmoid", ActivationParams{ActivationType::Sigmoid}, {mul->output(0)});
    ASSERT_TRUE(network.markOutput(sigmoid->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 8);
    const TensorMap before = runReference(network.clone(), inputs);

    ASSERT_EQ(runPass(passes::fusePointwiseChains, network).size(), 1u);

    ASSERT_EQ(network.layers().size(), 2u);
    EXPECT_EQ(network.layers()[1]->name(), "neg + mul + sigmoid");
    EXPECT_EQ(network.layers()[1]->output(0), network.outputs()[0]);
    expectSameOutputs(runReference(network.clone(), inputs), before, 0, 0);
    expectSameOutputs(runInArena(std::move(network), inputs), before, 0, 0);
}

TEST(PointwiseChainFusion, TurnsALoneBatchNormIntoAScale) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {2, 3});
    Layer* bn = addBatchNorm(network, "bn", x, 40);
    ASSERT_TRUE(network.markOutput(bn->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 9);
    const TensorMap before = runReference(network.clone(), inputs);

    ASSERT_EQ(runPass(passes::fusePointwiseChains, network).size(), 1u);

    ASSERT_EQ(network.layers().size(), 1u);
    EXPECT_EQ(network.layers()[0]->name(), "bn");
    EXPECT_EQ(network.layers()[0]->kind(), LayerKind::PointwiseChain);
    EXPECT_EQ(network.layers()[0]->input(1)->dims(), (Dims{3}));
    // One BatchNorm on values below 1: a few 2^-24 relative, well under 1e-6 absolute.
    expectSameOutputs(runReference(network, inputs), before, 1e-6, 1e-6);
}

TEST(PointwiseChainFusion, LeavesLoneLayersSharedIntermediatesAndGrowingOperandsAlone) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 2, 3, 1});
    Layer* relu1 = addLayer(network, "relu1", ActivationParams{}, {x});
    Layer* tanh1 = addLayer(network, "tanh1", ActivationParams{ActivationType::Tanh}, {relu1->output(0)});
    Layer* exp1 = addLayer(network, "exp1", UnaryParams{UnaryOp::Exp}, {relu1->output(0)});
    Tensor* row = addRandomConstant(network, "row", {1, 2, 1, 3}, 5);
    Layer* add = addLayer(network, "add", ElementwiseParams{ElementwiseOp::Add}, {exp1->output(0), row});
    Layer* neg = addLayer(network, "neg", UnaryParams{UnaryOp::Neg}, {tanh1->output(0)});
    Layer* abs = addLayer(network, "abs", UnaryParams{UnaryOp::Abs}, {neg->output(0)});
    for (Layer* layer : {add, tanh1, neg, abs})
        ASSERT_TRUE(network.markOutput(layer->output(0)).isOk());
    EXPECT_TRUE(runPass(passes::fusePointwiseChains, network).empty());
    EXPECT_EQ(network.layers().size(), 6u);
    EXPECT_EQ(countKind(network, LayerKind::PointwiseChain), 0u);
}

}  // namespace
}  // namespace kiln::test

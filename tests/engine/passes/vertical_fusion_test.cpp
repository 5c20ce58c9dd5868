// Vertical fusion: activations and residual adds move into the Convolution or Gemm before them. The
// fused kernels round the product to float before adding the residual and activating, exactly as the
// separate layers do, so outputs before and after are compared for equality.
#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "passes/vertical_fusion.h"

namespace kiln::test {
namespace {

TEST(VerticalFusion, FusesEveryActivationIntoAConvolution) {
    const std::vector<ActivationParams> activations = {
        {ActivationType::Relu, 0, 0},         {ActivationType::LeakyRelu, 0.1f, 0},
        {ActivationType::Sigmoid, 0, 0},      {ActivationType::Tanh, 0, 0},
        {ActivationType::Clip, 0, 0.5f},      {ActivationType::HardSigmoid, 0.2f, 0.5f},
        {ActivationType::HardSwish, 0, 0},    {ActivationType::Elu, 1.0f, 0},
        {ActivationType::Selu, 1.67f, 1.05f}, {ActivationType::Softplus, 0, 0},
        {ActivationType::Gelu, 0, 0},
    };
    for (const ActivationParams& activation : activations) {
        SCOPED_TRACE(toString(activation.type));
        NetworkDefinition network;
        Tensor* x = *network.addInput("x", DataType::Float32, {1, 3, 5, 5});
        Layer* conv = addConv(network, "conv1", x, 4, 3, 1);
        Layer* act = addLayer(network, "act1", activation, {conv->output(0)});
        ASSERT_TRUE(network.markOutput(act->output(0)).isOk());
        const TensorMap inputs = randomInputs(network, 2);
        const TensorMap before = runReference(network.clone(), inputs);

        const std::vector<PassChange> changes = runPass(passes::fuseVertically, network);

        ASSERT_EQ(network.layers().size(), 1u);
        const Layer* fused = network.layers()[0].get();
        EXPECT_EQ(fused->name(), "conv1 + act1");
        EXPECT_EQ(fused->provenance(), (std::vector<std::string>{"conv1", "act1"}));
        const auto& fusedActivation = fused->paramsAs<ConvolutionParams>().activation;
        ASSERT_TRUE(fusedActivation.has_value());
        EXPECT_EQ(fusedActivation->type, activation.type);
        EXPECT_EQ(fusedActivation->alpha, activation.alpha);
        EXPECT_EQ(fusedActivation->beta, activation.beta);
        ASSERT_EQ(changes.size(), 1u);
        EXPECT_EQ(changes[0].description, "fused conv1 + act1 (activation applied as the output is written)");
        expectSameOutputs(runReference(network, inputs), before, 0, 0);
    }
}

// x -> conv_a + relu_a -> conv_b -> add(skip, .) -> relu -> y, where skip = conv_s(x) is computed after
// conv_b in network order.
TEST(VerticalFusion, FusesAResidualAddAndTheActivationAfterIt) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 4, 5, 5});
    Layer* convA = addConv(network, "conv_a", x, 4, 3, 1);
    Layer* reluA = addLayer(network, "relu_a", ActivationParams{}, {convA->output(0)});
    Layer* convB = addConv(network, "conv_b", reluA->output(0), 4, 3, 3, /*bias=*/false);
    Layer* convS = addConv(network, "conv_s", x, 4, 1, 5);
    Layer* add =
        addLayer(network, "add", ElementwiseParams{ElementwiseOp::Add}, {convS->output(0), convB->output(0)});
    Layer* relu = addLayer(network, "relu", ActivationParams{}, {add->output(0)});
    ASSERT_TRUE(network.markOutput(relu->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 3);
    const TensorMap before = runReference(network.clone(), inputs);

    const std::vector<PassChange> changes = runPass(passes::fuseVertically, network);

    ASSERT_EQ(network.layers().size(), 3u);
    EXPECT_EQ(network.layers()[0]->name(), "conv_a + relu_a");
    EXPECT_EQ(network.layers()[1]->name(), "conv_s");  // moved before the layer that now reads it
    const Layer* fused = network.layers()[2].get();
    EXPECT_EQ(fused->name(), "conv_b + add + relu");
    EXPECT_EQ(fused->provenance(), (std::vector<std::string>{"conv_b", "add", "relu"}));
    EXPECT_EQ(fused->input(3), convS->output(0));
    EXPECT_EQ(fused->input(2), nullptr);
    EXPECT_EQ(fused->output(0), network.outputs()[0]);
    ASSERT_EQ(changes.size(), 3u);
    EXPECT_EQ(changes[1].description, "fused conv_b + add (residual add applied as the output is written)");
    expectSameOutputs(runReference(network, inputs), before, 0, 0);
    expectSameOutputs(runInArena(std::move(network), inputs), before, 0, 0);
}

TEST(VerticalFusion, FusesAnActivationIntoAGemm) {
    NetworkDefinition network;
    Tensor* a = *network.addInput("a", DataType::Float32, {2, 6});
    Tensor* b = addRandomConstant(network, "b", {3, 6}, 1);
    Tensor* c = addRandomConstant(network, "c", {3}, 2);
    Layer* gemm = addLayer(network, "fc", GemmParams{false, true, 1.0f, 1.0f, std::nullopt}, {a, b, c});
    Layer* sigmoid =
        addLayer(network, "sigmoid", ActivationParams{ActivationType::Sigmoid}, {gemm->output(0)});
    ASSERT_TRUE(network.markOutput(sigmoid->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 4);
    const TensorMap before = runReference(network.clone(), inputs);

    ASSERT_EQ(runPass(passes::fuseVertically, network).size(), 1u);

    ASSERT_EQ(network.layers().size(), 1u);
    EXPECT_EQ(network.layers()[0]->name(), "fc + sigmoid");
    ASSERT_TRUE(network.layers()[0]->paramsAs<GemmParams>().activation.has_value());
    expectSameOutputs(runReference(network, inputs), before, 0, 0);
}

TEST(VerticalFusion, DoesNotApplyWhenTheIntermediateIsReadTwiceOrIsAnOutput) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 2, 3, 3});
    Layer* conv1 = addConv(network, "conv1", x, 2, 1, 1);
    Layer* relu1 = addLayer(network, "relu1", ActivationParams{}, {conv1->output(0)});
    Layer* tanh1 = addLayer(network, "tanh1", ActivationParams{ActivationType::Tanh}, {conv1->output(0)});
    Layer* conv2 = addConv(network, "conv2", x, 2, 1, 3);
    Layer* relu2 = addLayer(network, "relu2", ActivationParams{}, {conv2->output(0)});
    for (Layer* layer : {relu1, tanh1, relu2, conv2})
        ASSERT_TRUE(network.markOutput(layer->output(0)).isOk());
    EXPECT_TRUE(runPass(passes::fuseVertically, network).empty());
    EXPECT_EQ(network.layers().size(), 5u);
}

TEST(VerticalFusion, DoesNotAddAResidualAfterAnActivationOrABroadcastOperand) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 2, 3, 3});
    ConvolutionParams activated = convParams(1);
    activated.activation = ActivationParams{};
    Layer* conv1 = addConv(network, "conv1", x, 2, 1, 1, true, activated);
    Layer* add1 = addLayer(network, "add1", ElementwiseParams{ElementwiseOp::Add}, {conv1->output(0), x});
    Layer* conv2 = addConv(network, "conv2", x, 2, 1, 3);
    Tensor* row = *network.addInput("row", DataType::Float32, {1, 2, 1, 3});
    Layer* add2 = addLayer(network, "add2", ElementwiseParams{ElementwiseOp::Add}, {conv2->output(0), row});
    ASSERT_TRUE(network.markOutput(add1->output(0)).isOk());
    ASSERT_TRUE(network.markOutput(add2->output(0)).isOk());
    EXPECT_TRUE(runPass(passes::fuseVertically, network).empty());
    EXPECT_EQ(network.layers().size(), 4u);
}

}  // namespace
}  // namespace kiln::test

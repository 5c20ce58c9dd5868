// Batch-norm folding: BatchNorm and per-channel scales after a Convolution or Gemm fold into new weights;
// the network computes the same outputs up to the rounding of the folded weights.
#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "passes/batch_norm_folding.h"

namespace kiln::test {
namespace {

// Each folded weight and bias is one float rounding away from the exact product, where the unfolded
// network rounds the convolution and the normalization separately: relative differences of a few 2^-24
// per term, summed over at most a few dozen terms of magnitude below 4, stay well under 1e-5.
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

TEST(BatchNormFolding, FoldsBatchNormIntoConvolution) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 3, 6, 6});
    Layer* conv = addConv(network, "conv1", x, 4, 3, 1);
    Layer* bn = addBatchNorm(network, "bn1", conv->output(0), 10);
    ASSERT_TRUE(network.markOutput(bn->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 3);
    const TensorMap before = runReference(network.clone(), inputs);

    const std::vector<PassChange> changes = runPass(passes::foldBatchNorms, network);

    ASSERT_EQ(network.layers().size(), 1u);
    const Layer* fused = network.layers()[0].get();
    EXPECT_EQ(fused->name(), "conv1 + bn1");
    EXPECT_EQ(fused->kind(), LayerKind::Convolution);
    EXPECT_EQ(fused->provenance(), (std::vector<std::string>{"conv1", "bn1"}));
    EXPECT_EQ(fused->input(1)->name(), "conv1.weight.folded");
    EXPECT_EQ(fused->input(2)->name(), "conv1.bias.folded");
    EXPECT_EQ(fused->output(0), network.outputs()[0]);
    EXPECT_EQ(network.findTensor("conv1.weight"), nullptr);
    EXPECT_EQ(network.findTensor("bn1.mean"), nullptr);
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].description, "fused conv1 + bn1 (batch norm bn1 folded into the weights)");
    EXPECT_EQ(changes[0].layers, (std::vector<std::string>{"conv1 + bn1"}));
    expectSameOutputs(runReference(network, inputs), before, kRtol, kAtol);
}

TEST(BatchNormFolding, FoldsAChainOfBatchNormAndScales) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {2, 3, 5, 5});
    Layer* conv = addConv(network, "conv1", x, 4, 3, 1, /*bias=*/false);
    Layer* bn = addBatchNorm(network, "bn1", conv->output(0), 10);
    Tensor* gains = addRandomConstant(network, "gains", {1, 4, 1, 1}, 20, 0.5f, 2.0f);
    Layer* scale = addLayer(network, "scale1", ElementwiseParams{ElementwiseOp::Mul}, {gains, bn->output(0)});
    Tensor* offsets = addRandomConstant(network, "offsets", {4, 1, 1}, 21);
    Layer* shift =
        addLayer(network, "shift1", ElementwiseParams{ElementwiseOp::Sub}, {scale->output(0), offsets});
    Tensor* divisor = addRandomConstant(network, "divisor", {1}, 22, 1.0f, 2.0f);
    Layer* div =
        addLayer(network, "div1", ElementwiseParams{ElementwiseOp::Div}, {shift->output(0), divisor});
    ASSERT_TRUE(network.markOutput(div->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 4);
    const TensorMap before = runReference(network.clone(), inputs);

    const std::vector<PassChange> changes = runPass(passes::foldBatchNorms, network);

    ASSERT_EQ(network.layers().size(), 1u);
    const Layer* fused = network.layers()[0].get();
    EXPECT_EQ(fused->name(), "conv1 + bn1 + scale1 + shift1 + div1");
    EXPECT_EQ(fused->provenance(), (std::vector<std::string>{"conv1", "bn1", "scale1", "shift1", "div1"}));
    // Folding again reuses the folded constants rather than stacking new names.
    EXPECT_EQ(fused->input(1)->name(), "conv1.weight.folded");
    EXPECT_EQ(fused->input(2)->name(), "conv1.bias.folded");
    ASSERT_EQ(changes.size(), 4u);
    EXPECT_EQ(changes[1].description, "fused conv1 + bn1 + scale1 (scale scale1 folded into the weights)");
    expectSameOutputs(runReference(network, inputs), before, kRtol, kAtol);
}

TEST(BatchNormFolding, FoldsIntoGemm) {
    for (const bool transB : {false, true}) {
        for (const bool matrixC : {false, true}) {
            SCOPED_TRACE(std::string("transB ") + (transB ? "on" : "off") + ", C " + (matrixC ? "3x4" : "4"));
            NetworkDefinition network;
            Tensor* a = *network.addInput("a", DataType::Float32, {3, 5});
            Tensor* b = addRandomConstant(network, "b", transB ? Dims{4, 5} : Dims{5, 4}, 1);
            Tensor* c = addRandomConstant(network, "c", matrixC ? Dims{3, 4} : Dims{4}, 2);
            Layer* gemm =
                addLayer(network, "fc", GemmParams{false, transB, 0.5f, 2.0f, std::nullopt}, {a, b, c});
            Layer* bn = addBatchNorm(network, "bn", gemm->output(0), 10);
            Tensor* gains = addRandomConstant(network, "gains", {4}, 20);
            Layer* scale =
                addLayer(network, "scale", ElementwiseParams{ElementwiseOp::Mul}, {bn->output(0), gains});
            ASSERT_TRUE(network.markOutput(scale->output(0)).isOk());
            const TensorMap inputs = randomInputs(network, 5);
            const TensorMap before = runReference(network.clone(), inputs);

            EXPECT_EQ(runPass(passes::foldBatchNorms, network).size(), 2u);

            ASSERT_EQ(network.layers().size(), 1u);
            EXPECT_EQ(network.layers()[0]->name(), "fc + bn + scale");
            EXPECT_EQ(network.layers()[0]->paramsAs<GemmParams>().beta, 1.0f);
            EXPECT_EQ(network.layers()[0]->input(2)->dims(), matrixC ? (Dims{3, 4}) : (Dims{4}));
            expectSameOutputs(runReference(network, inputs), before, kRtol, kAtol);
        }
    }
}

// x -> conv; each test adds what follows the convolution.
struct Unfoldable {
    NetworkDefinition network;
    Tensor* x = nullptr;
    Layer* conv = nullptr;
    Unfoldable() {
        x = *network.addInput("x", DataType::Float32, {1, 2, 4, 4});
        conv = addConv(network, "conv", x, 3, 1, 1);
    }
    void expectUnchanged(size_t layers) {
        EXPECT_TRUE(runPass(passes::foldBatchNorms, network).empty());
        EXPECT_EQ(network.layers().size(), layers);
        EXPECT_NE(network.findLayer("conv"), nullptr);
    }
};

TEST(BatchNormFolding, DoesNotApplyWhenTheConvolutionOutputIsReadTwice) {
    Unfoldable u;
    Layer* bn = addBatchNorm(u.network, "bn", u.conv->output(0), 10);
    Layer* other = addLayer(u.network, "other", ActivationParams{}, {u.conv->output(0)});
    ASSERT_TRUE(u.network.markOutput(bn->output(0)).isOk());
    ASSERT_TRUE(u.network.markOutput(other->output(0)).isOk());
    u.expectUnchanged(3);
}

TEST(BatchNormFolding, DoesNotApplyWhenTheConvolutionOutputIsANetworkOutput) {
    Unfoldable u;
    Layer* bn = addBatchNorm(u.network, "bn", u.conv->output(0), 10);
    ASSERT_TRUE(u.network.markOutput(bn->output(0)).isOk());
    ASSERT_TRUE(u.network.markOutput(u.conv->output(0)).isOk());
    u.expectUnchanged(2);
}

TEST(BatchNormFolding, DoesNotApplyToStatisticsThatAreNotConstant) {
    Unfoldable u;
    Tensor* mean = *u.network.addInput("mean", DataType::Float32, {3});
    Tensor* one = addRandomConstant(u.network, "one", {3}, 1, 0.5f, 1.0f);
    Layer* bn = addLayer(u.network, "bn", BatchNormParams{}, {u.conv->output(0), one, one, mean, one});
    ASSERT_TRUE(u.network.markOutput(bn->output(0)).isOk());
    u.expectUnchanged(2);
}

TEST(BatchNormFolding, DoesNotApplyAfterAFusedActivation) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 2, 4, 4});
    ConvolutionParams params = convParams(1);
    params.activation = ActivationParams{};
    Layer* conv = addConv(network, "conv", x, 3, 1, 1, true, params);
    Layer* bn = addBatchNorm(network, "bn", conv->output(0), 10);
    ASSERT_TRUE(network.markOutput(bn->output(0)).isOk());
    EXPECT_TRUE(runPass(passes::foldBatchNorms, network).empty());
    EXPECT_EQ(network.layers().size(), 2u);
}

TEST(BatchNormFolding, DoesNotApplyToConstantsThatVaryOutsideTheChannels) {
    Unfoldable u;
    Tensor* spatial = addRandomConstant(u.network, "spatial", {1, 1, 1, 4}, 3);
    Layer* mul =
        addLayer(u.network, "mul", ElementwiseParams{ElementwiseOp::Mul}, {u.conv->output(0), spatial});
    ASSERT_TRUE(u.network.markOutput(mul->output(0)).isOk());
    u.expectUnchanged(2);
}

TEST(BatchNormFolding, DoesNotApplyToASubtractionFromAConstant) {
    Unfoldable u;
    Tensor* bias = addRandomConstant(u.network, "bias", {3, 1, 1}, 4);
    Layer* sub = addLayer(u.network, "sub", ElementwiseParams{ElementwiseOp::Sub}, {bias, u.conv->output(0)});
    ASSERT_TRUE(u.network.markOutput(sub->output(0)).isOk());
    u.expectUnchanged(2);
}

}  // namespace
}  // namespace kiln::test

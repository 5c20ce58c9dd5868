// The pass pipeline: its order, and a small network with every pattern (a constant scale, a dead branch,
// dropout, conv + bn + relu, a residual block, an inception-like block, flatten) run through all passes.
#include <gtest/gtest.h>

#include "backends/backend.h"
#include "engine/passes/pass_test_util.h"

namespace kiln::test {
namespace {

std::vector<std::string> passNames(bool enableFusion, bool channelSlices = true, passes::BackendFusions fusions = {}) {
    std::vector<std::string> names;
    for (const passes::PassEntry& entry : passes::optimizationPipeline(enableFusion, channelSlices, fusions))
        names.push_back(entry.name);
    return names;
}

TEST(Pipeline, ListsThePassesInOrder) {
    EXPECT_EQ(passNames(false),
              (std::vector<std::string>{"constant folding", "QDQ folding", "dead-layer elimination"}));
    EXPECT_EQ(passNames(true),
              (std::vector<std::string>{"constant folding", "QDQ folding", "dead-layer elimination",
                                        "identity elimination", "pad folding", "batch-norm folding", "layer-norm fusion",
                                        "GELU fusion",
                                        "vertical fusion", "pointwise-chain fusion", "channel-permutation folding", "slice merging", "horizontal fusion",
                                        "concat elimination", "reshape elimination"}));
    // Channels-last builds have no contiguous channel slices: no split outputs, no concat views.
    EXPECT_EQ(passNames(true, false),
              (std::vector<std::string>{"constant folding", "QDQ folding", "dead-layer elimination",
                                        "identity elimination", "pad folding", "batch-norm folding", "layer-norm fusion",
                                        "GELU fusion",
                                        "vertical fusion", "pointwise-chain fusion", "channel-permutation folding", "slice merging",
                                        "reshape elimination"}));
    // Where the backend runs Attention layers and MatMul epilogues (the CPU), their fusions follow GELU fusion.
    EXPECT_EQ(passNames(true, true, {true, true}),
              (std::vector<std::string>{"constant folding", "QDQ folding", "dead-layer elimination",
                                        "identity elimination", "pad folding", "batch-norm folding", "layer-norm fusion",
                                        "GELU fusion", "attention fusion", "MatMul epilogue fusion",
                                        "vertical fusion", "pointwise-chain fusion", "channel-permutation folding", "slice merging", "horizontal fusion",
                                        "concat elimination", "reshape elimination"}));
    EXPECT_TRUE(backends::cpuBackend().runsAttention());
    EXPECT_TRUE(backends::cpuBackend().runsMatMulEpilogues());
}

Layer* convBnRelu(NetworkDefinition& network, const std::string& name, Tensor* data, int64_t channels,
                  int64_t kernel, uint32_t seed, bool relu = true) {
    Layer* conv = addConv(network, name, data, channels, kernel, seed);
    Tensor* gamma = addRandomConstant(network, name + "_bn.gamma", {channels}, seed + 1, 0.5f, 1.5f);
    Tensor* beta = addRandomConstant(network, name + "_bn.beta", {channels}, seed + 2);
    Tensor* mean = addRandomConstant(network, name + "_bn.mean", {channels}, seed + 3);
    Tensor* variance = addRandomConstant(network, name + "_bn.var", {channels}, seed + 4, 0.5f, 2.0f);
    Layer* bn =
        addLayer(network, name + "_bn", BatchNormParams{}, {conv->output(0), gamma, beta, mean, variance});
    return relu ? addLayer(network, name + "_relu", ActivationParams{}, {bn->output(0)}) : bn;
}

TEST(Pipeline, OptimizesASmallNetworkWithoutChangingItsOutputs) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 3, 6, 6});
    Layer* stem = convBnRelu(network, "stem", x, 4, 3, 10);
    Tensor* stemOutput = stem->output(0);  // the layer goes in fusion, the tensor stays
    // A per-channel scale computed from constants: folded first, then into the residual block's conv.
    Tensor* half = addRandomConstant(network, "half", {1, 4, 1, 1}, 20, 0.5f, 1.0f);
    Layer* twice = addLayer(network, "twice", ElementwiseParams{ElementwiseOp::Add}, {half, half});
    Layer* a = convBnRelu(network, "a", stem->output(0), 4, 3, 30);
    Layer* b = convBnRelu(network, "b", a->output(0), 4, 3, 40, false);
    Layer* scale =
        addLayer(network, "scale", ElementwiseParams{ElementwiseOp::Mul}, {b->output(0), twice->output(0)});
    Layer* add =
        addLayer(network, "add", ElementwiseParams{ElementwiseOp::Add}, {scale->output(0), stem->output(0)});
    Layer* block = addLayer(network, "block_relu", ActivationParams{}, {add->output(0)});
    addLayer(network, "unused", ActivationParams{ActivationType::Tanh}, {block->output(0)});
    Layer* direct = convBnRelu(network, "direct", block->output(0), 2, 1, 50);
    Layer* reduce1 = convBnRelu(network, "reduce1", block->output(0), 3, 1, 60);
    Layer* reduce2 = convBnRelu(network, "reduce2", block->output(0), 2, 1, 70);
    Layer* branch1 = convBnRelu(network, "branch1", reduce1->output(0), 2, 3, 80);
    Layer* branch2 = convBnRelu(network, "branch2", reduce2->output(0), 3, 3, 90);
    Layer* concat =
        *network.addLayer("concat", ConcatParams{1},
                          {direct->output(0), branch1->output(0), branch2->output(0)}, {"concat.out"});
    Layer* pool =
        addLayer(network, "pool",
                 PoolingParams{PoolingType::Average, {6, 6}, {1, 1}, {0, 0, 0, 0}, {1, 1}, false, false},
                 {concat->output(0)});
    Layer* flatten = addLayer(network, "flatten", ReshapeParams{{1, 7}}, {pool->output(0)});
    Layer* dropout = addLayer(network, "dropout", IdentityParams{}, {flatten->output(0)});
    Tensor* weights = addRandomConstant(network, "fc.weight", {5, 7}, 100);
    Tensor* bias = addRandomConstant(network, "fc.bias", {5}, 101);
    Layer* fc = addLayer(network, "fc", GemmParams{false, true, 1.0f, 1.0f, std::nullopt},
                         {dropout->output(0), weights, bias});
    ASSERT_TRUE(network.markOutput(fc->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 5);
    const TensorMap before = runReference(network, inputs);

    std::vector<PassChange> changes;
    for (const passes::PassEntry& entry : passes::optimizationPipeline(true)) {
        passes::PassLog log(entry.name, changes);
        ASSERT_TRUE(entry.run(network, log).isOk()) << entry.name;
        ASSERT_TRUE(network.validate().isOk())
            << "after " << entry.name << ": " << network.validate().message();
    }

    for (LayerKind gone :
         {LayerKind::BatchNorm, LayerKind::Activation, LayerKind::Elementwise, LayerKind::Identity}) {
        EXPECT_EQ(countKind(network, gone), 0u) << toString(gone);
    }
    EXPECT_NE(network.findLayer("stem + stem_bn + stem_relu"), nullptr);
    EXPECT_NE(network.findLayer("b + b_bn + scale + add + block_relu"), nullptr);
    EXPECT_NE(network.findLayer("direct + direct_bn + direct_relu || reduce1 + reduce1_bn + reduce1_relu || "
                                "reduce2 + reduce2_bn + reduce2_relu"),
              nullptr);
    EXPECT_EQ(network.findLayer("b + b_bn + scale + add + block_relu")->input(3), stemOutput);
    EXPECT_TRUE(concat->isElided());
    EXPECT_TRUE(flatten->isElided());
    // Executed: stem, a, b, direct fused with the reduces, branch1, branch2, pool, fc.
    size_t executed = 0;
    for (const auto& layer : network.layers())
        executed += layer->isElided() ? 0 : 1;
    EXPECT_EQ(executed, 8u);
    ASSERT_FALSE(changes.empty());
    EXPECT_EQ(changes.front().pass, "constant folding");
    EXPECT_EQ(changes.back().pass, "reshape elimination");

    // Batch-norm folding changes rounding (see batch_norm_folding_test.cpp); four folded layers in a row
    // compound it, still far below 1e-4.
    expectSameOutputs(runReference(network, inputs), before, 1e-4, 1e-5);
    expectSameOutputs(runInArena(std::move(network), inputs), before, 1e-4, 1e-5);
}

}  // namespace
}  // namespace kiln::test

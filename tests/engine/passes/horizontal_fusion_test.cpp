// Horizontal fusion: sibling convolutions become one layer with one output per sibling. Every output
// channel of the fused convolution is the same sum in the same order as in its sibling, so outputs are
// compared for equality.
#include <gtest/gtest.h>

#include <string>

#include "engine/passes/pass_test_util.h"
#include "passes/horizontal_fusion.h"

namespace kiln::test {
namespace {

ConvolutionParams reluConv(int64_t kernel) {
    ConvolutionParams params = convParams(kernel);
    params.activation = ActivationParams{};
    return params;
}

// x [batch, 4, 5, 5] read by three 1x1 siblings b1 (2 channels), b2 (3, no bias), b3 (4), and by a 3x3
// convolution b4 that does not fit them; every branch ends in its own layer.
struct Inception {
    NetworkDefinition network;
    Layer* b[4] = {};

    explicit Inception(int64_t batch) {
        Tensor* x = *network.addInput("x", DataType::Float32, {batch, 4, 5, 5});
        b[0] = addConv(network, "b1", x, 2, 1, 1, true, reluConv(1));
        b[1] = addConv(network, "b2", x, 3, 1, 2, false, reluConv(1));
        b[2] = addConv(network, "b3", x, 4, 1, 3, true, reluConv(1));
        b[3] = addConv(network, "b4", x, 2, 3, 4, true, reluConv(3));
        for (int i = 0; i < 4; ++i) {
            Layer* tail = addLayer(network, "tail" + std::to_string(i + 1),
                                   ActivationParams{ActivationType::Tanh}, {b[i]->output(0)});
            EXPECT_TRUE(network.markOutput(tail->output(0)).isOk());
        }
    }
};

// The fused layer writes the siblings' own output tensors, dense and unaliased, whatever the batch.
void expectFusedInception(int64_t batch) {
    Inception inception(batch);
    NetworkDefinition& network = inception.network;
    Tensor* outputs[3] = {inception.b[0]->output(0), inception.b[1]->output(0), inception.b[2]->output(0)};
    const TensorMap inputs = randomInputs(network, 9);
    const TensorMap before = runReference(network.clone(), inputs);
    const size_t layersBefore = network.layers().size();

    const std::vector<PassChange> changes = runPass(passes::fuseHorizontally, network);

    const Layer* fused = network.findLayer("b1 || b2 || b3");
    ASSERT_NE(fused, nullptr);
    EXPECT_EQ(fused->kind(), LayerKind::Convolution);
    EXPECT_EQ(fused->provenance(), (std::vector<std::string>{"b1", "b2", "b3"}));
    const auto& params = fused->paramsAs<ConvolutionParams>();
    EXPECT_EQ(params.outputChannels, (std::vector<int64_t>{2, 3, 4}));
    ASSERT_TRUE(params.activation.has_value());
    EXPECT_EQ(fused->input(1)->dims(), (Dims{9, 4, 1, 1}));
    EXPECT_NE(network.findLayer("b4"), nullptr);
    EXPECT_EQ(countKind(network, LayerKind::Convolution), 2u);
    EXPECT_EQ(countKind(network, LayerKind::Slice), 0u);
    EXPECT_EQ(network.layers().size(), layersBefore - 2);
    ASSERT_EQ(fused->outputs().size(), 3u);
    const int64_t channels[3] = {2, 3, 4};
    for (size_t i = 0; i < 3; ++i) {
        SCOPED_TRACE(outputs[i]->name());
        EXPECT_EQ(fused->output(i), outputs[i]);
        EXPECT_EQ(outputs[i]->name(), "b" + std::to_string(i + 1) + ".out");
        EXPECT_EQ(outputs[i]->dims(), (Dims{batch, channels[i], 5, 5}));
        EXPECT_EQ(outputs[i]->producer(), fused);
        EXPECT_FALSE(outputs[i]->alias().has_value());
    }
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].description, "fused b1 || b2 || b3 (one convolution writing each sibling's output)");
    EXPECT_EQ(changes[0].layers, (std::vector<std::string>{"b1 || b2 || b3"}));
    expectSameOutputs(runReference(network, inputs), before, 0, 0);
    expectSameOutputs(runInArena(std::move(network), inputs), before, 0, 0);
}

TEST(HorizontalFusion, FusesSiblingConvolutionsIntoOneLayerWithAnOutputEach) {
    expectFusedInception(1);
}

TEST(HorizontalFusion, FusesSiblingsForBatchesLargerThanOne) {
    expectFusedInception(3);
}

TEST(HorizontalFusion, DoesNotFuseSiblingsThatDiffer) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 4, 6, 6});
    ConvolutionParams strided = reluConv(1);
    strided.strides = {2, 2};
    ConvolutionParams plain = convParams(1);
    ConvolutionParams grouped = reluConv(1);
    grouped.groups = 2;
    Layer* convs[4] = {addConv(network, "relu", x, 2, 1, 1, true, reluConv(1)),
                       addConv(network, "strided", x, 2, 1, 2, true, strided),
                       addConv(network, "plain", x, 2, 1, 3, true, plain),
                       addConv(network, "grouped", x, 2, 1, 4, true, grouped)};
    for (Layer* conv : convs)
        ASSERT_TRUE(network.markOutput(conv->output(0)).isOk());
    EXPECT_TRUE(runPass(passes::fuseHorizontally, network).empty());
    EXPECT_EQ(countKind(network, LayerKind::Convolution), 4u);
}

// Two of three siblings feed a Concat directly, the third through a 3x3 convolution that is no sibling;
// after the whole pipeline the three are one layer and the concat is elided, its inputs written in place.
TEST(HorizontalFusion, SiblingsFeedingAConcatFuseAndTheConcatStaysCopyFree) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 4, 3, 3});
    Layer* direct = addConv(network, "direct", x, 2, 1, 1);
    Layer* reduceA = addConv(network, "reduce_a", x, 2, 1, 2);
    Layer* reduceB = addConv(network, "reduce_b", x, 3, 1, 3);
    Layer* branchB = addConv(network, "branch_b", reduceB->output(0), 2, 3, 4);
    Layer* concat = *network.addLayer("concat", ConcatParams{1},
                                      {direct->output(0), reduceA->output(0), branchB->output(0)}, {"c"});
    Layer* head = addLayer(network, "head", ActivationParams{ActivationType::Sigmoid}, {concat->output(0)});
    ASSERT_TRUE(network.markOutput(head->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 12);
    const TensorMap before = runReference(network.clone(), inputs);

    for (const passes::PassEntry& entry : passes::optimizationPipeline(true)) {
        SCOPED_TRACE(entry.name);
        runPass(entry.run, network);
    }

    const Layer* fused = network.findLayer("direct || reduce_a || reduce_b");
    ASSERT_NE(fused, nullptr);
    EXPECT_EQ(fused->paramsAs<ConvolutionParams>().outputChannels, (std::vector<int64_t>{2, 2, 3}));
    EXPECT_EQ(network.findLayer("direct"), nullptr);
    EXPECT_EQ(network.findLayer("reduce_a"), nullptr);
    EXPECT_EQ(network.findLayer("reduce_b"), nullptr);
    EXPECT_EQ(countKind(network, LayerKind::Convolution), 2u);
    const Layer* elided = network.findLayer("concat");
    ASSERT_NE(elided, nullptr);
    EXPECT_TRUE(elided->isElided());
    // The fused layer's first output is the concat's first input, placed at its start.
    const Tensor* directOut = fused->output(0);
    ASSERT_EQ(elided->input(0), directOut);
    ASSERT_TRUE(directOut->alias().has_value());
    EXPECT_EQ(directOut->alias()->base, elided->output(0));
    EXPECT_EQ(directOut->alias()->byteOffset, 0);
    for (const Tensor* input : elided->inputs()) {
        ASSERT_TRUE(input->alias().has_value()) << input->name();
        EXPECT_EQ(input->alias()->base, elided->output(0)) << input->name();
    }
    expectSameOutputs(runReference(network, inputs), before, 0, 0);
    expectSameOutputs(runInArena(std::move(network), inputs), before, 0, 0);
}

}  // namespace
}  // namespace kiln::test

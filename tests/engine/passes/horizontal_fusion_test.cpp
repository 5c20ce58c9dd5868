// Horizontal fusion: sibling convolutions become one; each sibling's output is an alias of its channel
// range of the fused output, written by an elided Slice. Every output channel of the fused convolution
// is the same sum in the same order as in its sibling, so outputs are compared for equality.
#include <gtest/gtest.h>

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

TEST(HorizontalFusion, FusesSiblingConvolutionsIntoChannelViews) {
    Inception inception(1);
    NetworkDefinition& network = inception.network;
    Tensor* outputs[3] = {inception.b[0]->output(0), inception.b[1]->output(0), inception.b[2]->output(0)};
    const TensorMap inputs = randomInputs(network, 9);
    const TensorMap before = runReference(network.clone(), inputs);

    const std::vector<PassChange> changes = runPass(passes::fuseHorizontally, network);

    const Layer* fused = network.findLayer("b1 || b2 || b3");
    ASSERT_NE(fused, nullptr);
    EXPECT_EQ(fused->kind(), LayerKind::Convolution);
    EXPECT_EQ(fused->provenance(), (std::vector<std::string>{"b1", "b2", "b3"}));
    EXPECT_EQ(fused->output(0)->dims(), (Dims{1, 9, 5, 5}));
    ASSERT_TRUE(fused->paramsAs<ConvolutionParams>().activation.has_value());
    EXPECT_NE(network.findLayer("b4"), nullptr);
    EXPECT_EQ(countKind(network, LayerKind::Convolution), 2u);
    // Channels 0-1, 2-4 and 5-8 of the fused output: 25 floats per channel.
    const int64_t offsets[3] = {0, 2 * 25 * 4, 5 * 25 * 4};
    for (int i = 0; i < 3; ++i) {
        SCOPED_TRACE(outputs[i]->name());
        ASSERT_TRUE(outputs[i]->alias().has_value());
        EXPECT_EQ(outputs[i]->alias()->base, fused->output(0));
        EXPECT_EQ(outputs[i]->alias()->byteOffset, offsets[i]);
        const Layer* slice = outputs[i]->producer();
        ASSERT_NE(slice, nullptr);
        EXPECT_EQ(slice->kind(), LayerKind::Slice);
        EXPECT_TRUE(slice->isElided());
        EXPECT_EQ(slice->input(0), fused->output(0));
    }
    EXPECT_EQ(network.findLayer("b1 slice")->provenance(), (std::vector<std::string>{"b1"}));
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].description,
              "fused b1 || b2 || b3 (one convolution; each sibling's output is a view of its channels)");
    EXPECT_EQ(changes[0].layers, (std::vector<std::string>{"b1 || b2 || b3"}));
    expectSameOutputs(runReference(network, inputs), before, 0, 0);
    expectSameOutputs(runInArena(std::move(network), inputs), before, 0, 0);
}

TEST(HorizontalFusion, DoesNotApplyToBatchesLargerThanOne) {
    Inception inception(2);
    EXPECT_TRUE(runPass(passes::fuseHorizontally, inception.network).empty());
    EXPECT_EQ(countKind(inception.network, LayerKind::Convolution), 4u);
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

TEST(HorizontalFusion, LeavesSiblingsThatFeedAConcatToConcatElimination) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 4, 3, 3});
    Layer* direct = addConv(network, "direct", x, 2, 1, 1);
    Layer* reduceA = addConv(network, "reduce_a", x, 2, 1, 2);
    Layer* reduceB = addConv(network, "reduce_b", x, 3, 1, 3);
    Layer* branchA = addConv(network, "branch_a", reduceA->output(0), 2, 3, 4);
    Layer* branchB = addConv(network, "branch_b", reduceB->output(0), 2, 3, 5);
    Layer* concat = *network.addLayer("concat", ConcatParams{1},
                                      {direct->output(0), branchA->output(0), branchB->output(0)}, {"y"});
    ASSERT_TRUE(network.markOutput(concat->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 12);
    const TensorMap before = runReference(network.clone(), inputs);

    ASSERT_EQ(runPass(passes::fuseHorizontally, network).size(), 1u);

    EXPECT_NE(network.findLayer("direct"), nullptr);
    EXPECT_NE(network.findLayer("reduce_a || reduce_b"), nullptr);
    expectSameOutputs(runReference(network, inputs), before, 0, 0);
    expectSameOutputs(runInArena(std::move(network), inputs), before, 0, 0);
}

}  // namespace
}  // namespace kiln::test

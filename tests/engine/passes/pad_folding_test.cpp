// Pad folding: zero pads become the padding of the convolution or average pooling that reads them,
// with the same outputs; pads that cannot fold exactly stay.
#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "passes/pad_folding.h"

namespace kiln::test {
namespace {

PadParams zeroPad(std::vector<int64_t> pads) { return PadParams{PadMode::Constant, std::move(pads), 0.0}; }

// x -> pad (1 each side of H and W) -> average pool 3x3 stride 1 -> y, as Inception-v3's exporter writes
// AvgPool(padding=1, count_include_pad=True).
TEST(PadFolding, FoldsIntoAveragePoolingCountingThePaddedZeros) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 3, 6, 5});
    Layer* pad = addLayer(network, "pad", zeroPad({0, 0, 1, 1, 0, 0, 1, 1}), {x});
    Layer* pool = addLayer(network, "pool", PoolingParams{PoolingType::Average, {3, 3}, {1, 1}, {0, 0, 0, 0}, {1, 1}},
                           {pad->output(0)});
    ASSERT_TRUE(network.markOutput(pool->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 4);
    const TensorMap before = runReference(network.clone(), inputs);

    const auto changes = runPass(passes::foldPads, network);

    ASSERT_EQ(network.layers().size(), 1u);
    ASSERT_EQ(changes.size(), 1u);
    const PoolingParams& folded = network.layers()[0]->paramsAs<PoolingParams>();
    EXPECT_EQ(folded.pads, (std::vector<int64_t>{1, 1, 1, 1}));
    EXPECT_TRUE(folded.countIncludePad);
    EXPECT_EQ(network.layers()[0]->provenance(), (std::vector<std::string>{"pad", "pool"}));
    const TensorMap after = runReference(network.clone(), inputs);
    const std::string y = pool->output(0)->name();
    EXPECT_EQ(compareTensors(after.at(y), before.at(y), 1e-6, 1e-7), "");
}

TEST(PadFolding, FoldsIntoConvolutionPaddingAndRemovesEmptyPads) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 3, 5, 5});
    Layer* empty = addLayer(network, "empty", zeroPad({0, 0, 0, 0, 0, 0, 0, 0}), {x});
    Layer* pad = addLayer(network, "pad", zeroPad({0, 0, 2, 0, 0, 0, 1, 1}), {empty->output(0)});
    Layer* conv = addConv(network, "conv", pad->output(0), 4, 3, 7);
    ASSERT_TRUE(network.markOutput(conv->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 5);
    const TensorMap before = runReference(network.clone(), inputs);

    runPass(passes::foldPads, network);

    ASSERT_EQ(network.layers().size(), 1u);
    const ConvolutionParams& folded = network.layers()[0]->paramsAs<ConvolutionParams>();
    EXPECT_EQ(network.layers()[0]->input(0), x);
    const TensorMap after = runReference(network.clone(), inputs);
    const std::string y = conv->output(0)->name();
    EXPECT_EQ(after.at(y).dims(), before.at(y).dims());
    EXPECT_EQ(compareTensors(after.at(y), before.at(y), 0.0, 0.0), "");
    EXPECT_EQ(folded.pads.size(), 4u);
}

TEST(PadFolding, LeavesPadsThatCannotFoldExactly) {
    // Max pooling would see zeros where it now sees -infinity; a pad with another value is not zero;
    // a pad of the channel axis is no spatial padding.
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 3, 6, 6});
    Layer* a = addLayer(network, "a", zeroPad({0, 0, 1, 1, 0, 0, 1, 1}), {x});
    Layer* max = addLayer(network, "max", PoolingParams{PoolingType::Max, {3, 3}, {1, 1}, {0, 0, 0, 0}, {1, 1}},
                          {a->output(0)});
    Layer* b = addLayer(network, "b", PadParams{PadMode::Constant, {0, 0, 1, 1, 0, 0, 1, 1}, 1.0}, {x});
    Layer* avg = addLayer(network, "avg", PoolingParams{PoolingType::Average, {3, 3}, {1, 1}, {0, 0, 0, 0}, {1, 1}},
                          {b->output(0)});
    Layer* c = addLayer(network, "c", zeroPad({0, 1, 0, 0, 0, 0, 0, 0}), {x});
    Layer* avg2 = addLayer(network, "avg2", PoolingParams{PoolingType::Average, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}},
                           {c->output(0)});
    for (Layer* layer : {max, avg, avg2}) ASSERT_TRUE(network.markOutput(layer->output(0)).isOk());
    const auto changes = runPass(passes::foldPads, network);
    EXPECT_TRUE(changes.empty());
    EXPECT_EQ(countKind(network, LayerKind::Pad), 3u);
}

}  // namespace
}  // namespace kiln::test

// Channel-permutation folding: Reshape -> Transpose -> Reshape sequences that only permute channels
// disappear into the convolution that writes them, or into every layer that reads them, with the same
// outputs; shuffles that something cannot take stay.
#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "passes/channel_permutation_folding.h"

namespace kiln::test {
namespace {

// x -> Reshape [N, groups, C/groups, rest...] -> Transpose (swap axes 1 and 2) -> Reshape back: the
// channel shuffle every exporter writes for ShuffleNet.
Layer* addShuffle(NetworkDefinition& network, const std::string& name, Tensor* x, int64_t groups) {
    Dims split = x->dims();
    split[1] /= groups;
    split.insert(split.begin() + 1, groups);
    std::vector<int64_t> perm(split.size());
    for (size_t i = 0; i < perm.size(); ++i) perm[i] = int64_t(i);
    std::swap(perm[1], perm[2]);
    Layer* reshape = addLayer(network, name + "/reshape", ReshapeParams{split}, {x});
    Layer* transpose = addLayer(network, name + "/transpose", TransposeParams{perm}, {reshape->output(0)});
    return addLayer(network, name + "/merge", ReshapeParams{x->dims()}, {transpose->output(0)});
}

SliceParams channelRange(const Dims& dims, int64_t begin, int64_t end) {
    SliceParams p{std::vector<int64_t>(dims.size(), 0), dims, std::vector<int64_t>(dims.size(), 1)};
    p.starts[1] = begin;
    p.ends[1] = end;
    return p;
}

size_t countShuffleLayers(const NetworkDefinition& network) {
    return countKind(network, LayerKind::Reshape) + countKind(network, LayerKind::Transpose);
}

// ShuffleNetV2's unit: two branches concatenated, shuffled, and split in halves for the next unit (one
// half passes on, the other goes through a convolution). The halves become Gathers of the concat.
TEST(ChannelPermutationFolding, SlicesOfAShuffleBecomeGathers) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {2, 4, 5, 5});
    Layer* left = addConv(network, "left", x, 6, 1, 1);
    Layer* right = addConv(network, "right", x, 6, 3, 2);
    Layer* concat = addLayer(network, "concat", ConcatParams{1}, {left->output(0), right->output(0)});
    Layer* shuffle = addShuffle(network, "shuffle", concat->output(0), 2);
    const Dims& dims = shuffle->output(0)->dims();
    Layer* first = addLayer(network, "first", channelRange(dims, 0, 6), {shuffle->output(0)});
    Layer* second = addLayer(network, "second", channelRange(dims, 6, 12), {shuffle->output(0)});
    Layer* conv = addConv(network, "conv", second->output(0), 3, 1, 3);
    ASSERT_TRUE(network.markOutput(first->output(0)).isOk());
    ASSERT_TRUE(network.markOutput(conv->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 7);
    const TensorMap before = runReference(network.clone(), inputs);

    const auto changes = runPass(passes::foldChannelPermutations, network);

    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(countShuffleLayers(network), 0u);
    EXPECT_EQ(countKind(network, LayerKind::Gather), 2u);
    EXPECT_EQ(countKind(network, LayerKind::Slice), 0u);
    const Layer* gather = network.findLayer("first");
    ASSERT_NE(gather, nullptr);
    EXPECT_EQ(gather->input(0), concat->output(0));
    // Shuffled channel 2k + g is concat channel 6g + k: the first half takes 0, 6, 1, 7, 2, 8.
    const HostTensor& indices = *gather->input(1)->constantData();
    EXPECT_EQ(indices.valuesAsInt64(), (std::vector<int64_t>{0, 6, 1, 7, 2, 8}));
    EXPECT_EQ(gather->provenance(),
              (std::vector<std::string>{"shuffle/reshape", "shuffle/transpose", "shuffle/merge", "first"}));
    // Gathers copy the same values the transpose and slices did.
    expectSameOutputs(runReference(network.clone(), inputs), before, 0.0, 0.0);
    expectSameOutputs(runInArena(network.clone(), inputs), before, 0.0, 0.0);
}

// A shuffle read by convolutions (ShuffleNetV2's downsampling unit and its last 1x1 convolution): the
// ungrouped one takes it into its weights, the depthwise one computes on the unpermuted channels and
// passes the permutation on through a ReLU to the convolution after it.
TEST(ChannelPermutationFolding, ConvolutionsTakeThePermutationIntoTheirWeights) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 4, 6, 6});
    Layer* left = addConv(network, "left", x, 4, 1, 1);
    Layer* right = addConv(network, "right", x, 4, 1, 2);
    Layer* concat = addLayer(network, "concat", ConcatParams{1}, {left->output(0), right->output(0)});
    Layer* shuffle = addShuffle(network, "shuffle", concat->output(0), 2);
    Layer* pointwise = addConv(network, "pointwise", shuffle->output(0), 5, 1, 3);
    ConvolutionParams depthwiseParams = convParams(3);
    depthwiseParams.groups = 8;
    Layer* depthwise = addConv(network, "depthwise", shuffle->output(0), 8, 3, 4, true, depthwiseParams);
    Layer* relu = addLayer(network, "relu", ActivationParams{ActivationType::Relu, 0.0f, 0.0f}, {depthwise->output(0)});
    Layer* after = addConv(network, "after", relu->output(0), 3, 1, 5);
    ASSERT_TRUE(network.markOutput(pointwise->output(0)).isOk());
    ASSERT_TRUE(network.markOutput(after->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 3);
    const TensorMap before = runReference(network.clone(), inputs);

    const auto changes = runPass(passes::foldChannelPermutations, network);

    EXPECT_EQ(countShuffleLayers(network), 0u);
    EXPECT_EQ(network.findLayer("pointwise")->input(0), concat->output(0));
    EXPECT_EQ(network.findLayer("depthwise")->input(0), concat->output(0));
    // The depthwise output and the ReLU's hold their tensors' channels permuted, under names that say so.
    EXPECT_EQ(network.findLayer("relu")->output(0)->name(), "relu.out.channel_permuted");
    EXPECT_EQ(network.findLayer("after")->input(0)->name(), "relu.out.channel_permuted");
    EXPECT_EQ(network.findTensor("depthwise.out"), nullptr);
    EXPECT_EQ(changes.size(), 3u);  // the shuffle, and each layer that passed it on
    // The weights are the same numbers in other places: only the order of the sums changes (8 terms).
    expectSameOutputs(runReference(network.clone(), inputs), before, 1e-5, 1e-6);
    expectSameOutputs(runInArena(network.clone(), inputs), before, 1e-5, 1e-6);
}

// A shuffle of a convolution's output that only the shuffle reads: the convolution writes its output
// channels in the shuffled order. Three factors, reordered (2, 0, 1), on a 1-D convolution.
TEST(ChannelPermutationFolding, ProducerWritesTheShuffledChannels) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {2, 3, 7});
    ConvolutionParams p{{1}, {1, 1}, {1}, 1, std::nullopt};
    Tensor* w = addRandomConstant(network, "conv.weight", {24, 3, 3}, 1);
    Tensor* b = addRandomConstant(network, "conv.bias", {24}, 2);
    Layer* conv = addLayer(network, "conv", p, {x, w, b});
    Layer* reshape = addLayer(network, "reshape", ReshapeParams{{2, 2, 3, 4, 7}}, {conv->output(0)});
    Layer* transpose = addLayer(network, "transpose", TransposeParams{{0, 3, 1, 2, 4}}, {reshape->output(0)});
    Layer* merge = addLayer(network, "merge", ReshapeParams{{2, 24, 7}}, {transpose->output(0)});
    ASSERT_TRUE(network.markOutput(merge->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 9);
    const TensorMap before = runReference(network.clone(), inputs);

    const auto changes = runPass(passes::foldChannelPermutations, network);

    ASSERT_EQ(network.layers().size(), 1u);
    ASSERT_EQ(changes.size(), 1u);
    const Layer& folded = *network.layers()[0];
    EXPECT_EQ(folded.name(), "conv");
    EXPECT_EQ(folded.output(0)->name(), "merge.out");
    EXPECT_EQ(folded.provenance(), (std::vector<std::string>{"conv", "reshape", "transpose", "merge"}));
    // Each output channel is computed by the same weights as before, only written elsewhere: exact.
    expectSameOutputs(runReference(network.clone(), inputs), before, 0.0, 0.0);
}

// What cannot take the permutation leaves the shuffle as it is: a grouped convolution whose groups the
// shuffle mixes (ShuffleNetV1), a reader with no channel indexing (max pooling), a shuffle that is a
// network output, and a Reshape -> Transpose -> Reshape that moves more than one axis.
TEST(ChannelPermutationFolding, LeavesWhatCannotTakeThePermutation) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 6, 4, 4});
    Layer* a = addShuffle(network, "a", x, 3);
    ConvolutionParams grouped = convParams(1);
    grouped.groups = 3;
    Layer* groupedConv = addConv(network, "grouped", a->output(0), 6, 1, 1, true, grouped);
    Layer* b = addShuffle(network, "b", x, 2);
    Layer* pool = addLayer(network, "pool", PoolingParams{PoolingType::Max, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}},
                           {b->output(0)});
    Layer* c = addShuffle(network, "c", x, 2);
    Layer* reshape = addLayer(network, "d/reshape", ReshapeParams{{1, 6, 2, 8}}, {x});
    Layer* transpose = addLayer(network, "d/transpose", TransposeParams{{0, 1, 3, 2}}, {reshape->output(0)});
    Layer* merge = addLayer(network, "d/merge", ReshapeParams{{1, 6, 4, 4}}, {transpose->output(0)});
    Layer* conv = addConv(network, "conv", merge->output(0), 2, 1, 2);
    for (Layer* layer : {groupedConv, pool, c, conv}) ASSERT_TRUE(network.markOutput(layer->output(0)).isOk());

    const auto changes = runPass(passes::foldChannelPermutations, network);

    EXPECT_TRUE(changes.empty());
    EXPECT_EQ(countKind(network, LayerKind::Transpose), 4u);
}

// A grouped convolution whose groups the permutation keeps (a shuffle inside each group's channels)
// takes it into its weights.
TEST(ChannelPermutationFolding, GroupedConvolutionTakesAPermutationWithinItsGroups) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 12, 3, 3});
    // [1, 12] -> [1, 2, 2, 3]: swapping the last two factors permutes channels within each half.
    Layer* reshape = addLayer(network, "reshape", ReshapeParams{{1, 2, 2, 3, 3, 3}}, {x});
    Layer* transpose = addLayer(network, "transpose", TransposeParams{{0, 1, 3, 2, 4, 5}}, {reshape->output(0)});
    Layer* merge = addLayer(network, "merge", ReshapeParams{{1, 12, 3, 3}}, {transpose->output(0)});
    ConvolutionParams grouped = convParams(3);
    grouped.groups = 2;
    Layer* conv = addConv(network, "conv", merge->output(0), 4, 3, 6, true, grouped);
    ASSERT_TRUE(network.markOutput(conv->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 11);
    const TensorMap before = runReference(network.clone(), inputs);

    runPass(passes::foldChannelPermutations, network);

    ASSERT_EQ(network.layers().size(), 1u);
    EXPECT_EQ(network.layers()[0]->input(0), x);
    // 54 products per output, summed in another order.
    expectSameOutputs(runReference(network.clone(), inputs), before, 1e-5, 1e-6);
}

}  // namespace
}  // namespace kiln::test

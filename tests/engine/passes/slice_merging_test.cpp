// Slice merging: sibling Slices that tile one axis of a tensor become one Split writing their own output
// tensors. A Split copies the same elements a Slice does, so outputs are compared for equality.
#include <gtest/gtest.h>

#include <string>

#include "engine/passes/pass_test_util.h"
#include "passes/slice_merging.h"

namespace kiln::test {
namespace {

// The names PyTorch's exporter gives the Slices of one module.
std::string sliceName(int k) {
    return k == 0 ? "/attn/Slice" : "/attn/Slice_" + std::to_string(k);
}

// A fused projection [S, B, 3E] cut into q, k and v along its last axis, as exporters write
// torch.nn.MultiheadAttention; the Slices are listed out of order, and each part has a reader.
struct Projection {
    NetworkDefinition network;
    Layer* parts[3] = {};
    Tensor* projection = nullptr;

    explicit Projection(int64_t embed) {
        Tensor* x = *network.addInput("x", DataType::Float32, {4, 2, 3 * embed});
        projection = addLayer(network, "proj", ActivationParams{}, {x})->output(0);
        for (int k : {2, 0, 1}) {
            parts[k] =
                addLayer(network, sliceName(k),
                         SliceParams{{0, 0, k * embed}, {4, 2, (k + 1) * embed}, {1, 1, 1}}, {projection});
        }
        for (int k = 0; k < 3; ++k) {
            Layer* reader = addLayer(network, "use_" + std::to_string(k),
                                     ActivationParams{ActivationType::Tanh}, {parts[k]->output(0)});
            EXPECT_TRUE(network.markOutput(reader->output(0)).isOk());
        }
    }
};

TEST(SliceMerging, SlicesThatTileAnAxisBecomeOneSplit) {
    Projection model(5);
    NetworkDefinition& network = model.network;
    Tensor* outputs[3] = {model.parts[0]->output(0), model.parts[1]->output(0), model.parts[2]->output(0)};
    const TensorMap inputs = randomInputs(network, 6);
    const TensorMap before = runReference(network.clone(), inputs);

    const std::vector<PassChange> changes = runPass(passes::mergeSlices, network);

    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(
        changes[0].description,
        "merged /attn/Split (one split writing the outputs of /attn/Slice, /attn/Slice_1, /attn/Slice_2)");
    EXPECT_EQ(countKind(network, LayerKind::Slice), 0u);
    const Layer* split = network.findLayer("/attn/Split");
    ASSERT_NE(split, nullptr);
    EXPECT_EQ(split->kind(), LayerKind::Split);
    EXPECT_EQ(split->input(0), model.projection);
    EXPECT_EQ(split->paramsAs<SplitParams>().axis, 2);
    EXPECT_EQ(split->paramsAs<SplitParams>().sizes, (std::vector<int64_t>{5, 5, 5}));
    EXPECT_EQ(split->provenance(), (std::vector<std::string>{sliceName(0), sliceName(1), sliceName(2)}));
    ASSERT_EQ(split->outputs().size(), 3u);
    for (size_t k = 0; k < 3; ++k)
        EXPECT_EQ(split->output(k), outputs[k]);
    expectSameOutputs(runReference(network, inputs), before, 0, 0);
    expectSameOutputs(runInArena(std::move(network), inputs), before, 0, 0);
}

TEST(SliceMerging, PartsOfDifferentSizesAlongAnOuterAxis) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {6, 3, 2});
    Layer* relu = addLayer(network, "relu", ActivationParams{}, {x});
    Layer* head = addLayer(network, "head", SliceParams{{0, 0, 0}, {1, 3, 2}, {1, 1, 1}}, {relu->output(0)});
    Layer* tail = addLayer(network, "tail", SliceParams{{1, 0, 0}, {6, 3, 2}, {1, 1, 1}}, {relu->output(0)});
    ASSERT_TRUE(network.markOutput(head->output(0)).isOk());
    ASSERT_TRUE(network.markOutput(tail->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 7);
    const TensorMap before = runReference(network.clone(), inputs);

    ASSERT_EQ(runPass(passes::mergeSlices, network).size(), 1u);

    ASSERT_EQ(countKind(network, LayerKind::Split), 1u);
    EXPECT_EQ(countKind(network, LayerKind::Slice), 0u);
    expectSameOutputs(runInArena(std::move(network), inputs), before, 0, 0);
}

TEST(SliceMerging, SlicesThatDoNotTileTheAxisStay) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {2, 12});
    Layer* relu = addLayer(network, "relu", ActivationParams{}, {x});
    Tensor* data = relu->output(0);
    auto slice = [&](const std::string& name, SliceParams params) {
        Layer* layer = addLayer(network, name, std::move(params), {data});
        EXPECT_TRUE(network.markOutput(layer->output(0)).isOk());
        return layer;
    };
    // Overlapping (0..6 and 4..12), a gap (6..8 then none), a strided part, and parts cutting two axes.
    slice("overlap_a", SliceParams{{0, 0}, {2, 6}, {1, 1}});
    slice("overlap_b", SliceParams{{0, 4}, {2, 12}, {1, 1}});
    slice("strided", SliceParams{{0, 0}, {2, 12}, {1, 2}});
    slice("corner", SliceParams{{0, 0}, {1, 6}, {1, 1}});
    slice("other_corner", SliceParams{{1, 6}, {2, 12}, {1, 1}});

    EXPECT_TRUE(runPass(passes::mergeSlices, network).empty());
    EXPECT_EQ(countKind(network, LayerKind::Slice), 5u);
}

TEST(SliceMerging, SlicesUnderDifferentPrecisionConstraintsStay) {
    Projection model(4);
    model.parts[1]->setPrecisionConstraint(DataType::Float16);
    EXPECT_TRUE(runPass(passes::mergeSlices, model.network).empty());
    EXPECT_EQ(countKind(model.network, LayerKind::Slice), 3u);
}

}  // namespace
}  // namespace kiln::test

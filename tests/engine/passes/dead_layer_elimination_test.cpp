// Dead-layer elimination: layers that reach no network output go, with the tensors only they used;
// a layer with one used output of several stays.
#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "passes/dead_layer_elimination.h"

namespace kiln::test {
namespace {

TEST(DeadLayerElimination, RemovesLayersNoOutputDependsOn) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 6});
    Layer* split = *network.addLayer("split", SplitParams{1, {2, 4}}, {x}, {"left", "right"});
    Layer* live = addLayer(network, "live", ActivationParams{}, {split->output(0)});
    Layer* dead1 = addLayer(network, "dead1", ActivationParams{ActivationType::Sigmoid}, {split->output(1)});
    Tensor* scale = addRandomConstant(network, "scale", {1, 4}, 3);
    addLayer(network, "dead2", ElementwiseParams{ElementwiseOp::Mul}, {dead1->output(0), scale});
    ASSERT_TRUE(network.markOutput(live->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 11);
    const TensorMap before = runReference(network, inputs);

    const std::vector<PassChange> changes = runPass(passes::eliminateDeadLayers, network);

    ASSERT_EQ(network.layers().size(), 2u);
    EXPECT_EQ(network.layers()[0]->name(), "split");  // its other output is used
    EXPECT_EQ(network.layers()[1]->name(), "live");
    EXPECT_EQ(network.findTensor("dead1.out"), nullptr);
    EXPECT_EQ(network.findTensor("scale"), nullptr);
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_EQ(changes[0].description, "removed dead1: no network output depends on it");
    EXPECT_EQ(changes[1].description, "removed dead2: no network output depends on it");
    expectSameOutputs(runReference(network, inputs), before, 0, 0);
}

TEST(DeadLayerElimination, LeavesALiveNetworkAlone) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {3});
    Layer* a = addLayer(network, "a", ActivationParams{}, {x});
    Layer* b = addLayer(network, "b", ActivationParams{ActivationType::Tanh}, {a->output(0)});
    ASSERT_TRUE(network.markOutput(a->output(0)).isOk());
    ASSERT_TRUE(network.markOutput(b->output(0)).isOk());
    EXPECT_TRUE(runPass(passes::eliminateDeadLayers, network).empty());
    EXPECT_EQ(network.layers().size(), 2u);
}

}  // namespace
}  // namespace kiln::test

// Reshape elimination: a Reshape's output, and a Transpose's that moves only axes of extent 1, becomes a
// view of its input and the layer is elided, except next to network inputs, constants and network outputs.
#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "passes/reshape_elimination.h"

namespace kiln::test {
namespace {

TEST(ReshapeElimination, FlattenBecomesAView) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 2, 3, 3});
    Layer* relu = addLayer(network, "relu", ActivationParams{}, {x});
    Layer* flatten = addLayer(network, "flatten", ReshapeParams{{1, 18}}, {relu->output(0)});
    Tensor* weights = addRandomConstant(network, "w", {4, 18}, 1);
    Layer* fc = addLayer(network, "fc", GemmParams{false, true, 1.0f, 1.0f, std::nullopt},
                         {flatten->output(0), weights});
    ASSERT_TRUE(network.markOutput(fc->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 2);
    const TensorMap before = runReference(network.clone(), inputs);

    const std::vector<PassChange> changes = runPass(passes::eliminateReshapes, network);

    EXPECT_TRUE(flatten->isElided());
    ASSERT_TRUE(flatten->output(0)->alias().has_value());
    EXPECT_EQ(flatten->output(0)->alias()->base, relu->output(0));
    EXPECT_EQ(flatten->output(0)->alias()->byteOffset, 0);
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].description, "elided flatten: flatten.out is a view of relu.out");
    expectSameOutputs(runReference(network, inputs), before, 0, 0);
    expectSameOutputs(runInArena(std::move(network), inputs), before, 0, 0);
}

TEST(ReshapeElimination, AViewOfAViewResolvesToTheBase) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {2, 6});
    Layer* relu = addLayer(network, "relu", ActivationParams{}, {x});
    Layer* first = addLayer(network, "first", ReshapeParams{{3, 4}}, {relu->output(0)});
    Layer* second = addLayer(network, "second", ReshapeParams{{12}}, {first->output(0)});
    Layer* head = addLayer(network, "head", ActivationParams{ActivationType::Tanh}, {second->output(0)});
    ASSERT_TRUE(network.markOutput(head->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 3);
    const TensorMap before = runReference(network.clone(), inputs);

    EXPECT_EQ(runPass(passes::eliminateReshapes, network).size(), 2u);

    EXPECT_EQ(second->output(0)->alias()->base, relu->output(0));
    expectSameOutputs(runInArena(std::move(network), inputs), before, 0, 0);
}

TEST(ReshapeElimination, ATransposeOfUnitAxesBecomesAView) {
    // A batch-first encoder at batch 1: [1, S, E] -> [S, 1, E] and back, around a layer that reads it.
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 4, 3});
    Layer* relu = addLayer(network, "relu", ActivationParams{}, {x});
    Layer* toSequenceFirst =
        addLayer(network, "to_sequence_first", TransposeParams{{1, 0, 2}}, {relu->output(0)});
    Layer* tanh =
        addLayer(network, "tanh", ActivationParams{ActivationType::Tanh}, {toSequenceFirst->output(0)});
    Layer* toBatchFirst = addLayer(network, "to_batch_first", TransposeParams{{1, 0, 2}}, {tanh->output(0)});
    Layer* sum =
        addLayer(network, "sum", ElementwiseParams{ElementwiseOp::Add}, {toBatchFirst->output(0), x});
    ASSERT_TRUE(network.markOutput(sum->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 4);
    const TensorMap before = runReference(network.clone(), inputs);

    const std::vector<PassChange> changes = runPass(passes::eliminateReshapes, network);

    ASSERT_EQ(changes.size(), 2u);
    EXPECT_EQ(changes[0].description,
              "elided to_sequence_first: to_sequence_first.out is a view of relu.out");
    for (Layer* transpose : {toSequenceFirst, toBatchFirst}) {
        EXPECT_TRUE(transpose->isElided());
        ASSERT_TRUE(transpose->output(0)->alias().has_value());
        EXPECT_EQ(transpose->output(0)->alias()->base, transpose->input(0));
        EXPECT_EQ(transpose->output(0)->alias()->byteOffset, 0);
    }
    expectSameOutputs(runInArena(std::move(network), inputs), before, 0, 0);
}

TEST(ReshapeElimination, ATransposeThatReordersElementsKeepsItsCopy) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {2, 1, 3});
    Layer* relu = addLayer(network, "relu", ActivationParams{}, {x});
    // Axes 0 and 2 (extents 2 and 3) change places: elements move.
    Layer* swap = addLayer(network, "swap", TransposeParams{{2, 1, 0}}, {relu->output(0)});
    // The unit axis moves past both, and they swap too.
    Layer* rotate = addLayer(network, "rotate", TransposeParams{{1, 2, 0}}, {swap->output(0)});
    Layer* tanh = addLayer(network, "tanh", ActivationParams{ActivationType::Tanh}, {rotate->output(0)});
    ASSERT_TRUE(network.markOutput(tanh->output(0)).isOk());
    EXPECT_TRUE(runPass(passes::eliminateReshapes, network).empty());
    EXPECT_FALSE(swap->isElided());
    EXPECT_FALSE(rotate->isElided());
}

TEST(ReshapeElimination, KeepsCopiesOfInputsConstantsAndOutputs) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {2, 6});
    Tensor* c = addRandomConstant(network, "c", {12}, 1);
    Layer* ofInput = addLayer(network, "of_input", ReshapeParams{{12}}, {x});
    Layer* ofConstant = addLayer(network, "of_constant", ReshapeParams{{3, 4}}, {c});
    Layer* relu = addLayer(network, "relu", ActivationParams{}, {x});
    Layer* toOutput = addLayer(network, "to_output", ReshapeParams{{12}}, {relu->output(0)});
    Layer* sum = addLayer(network, "sum", ElementwiseParams{ElementwiseOp::Add}, {ofInput->output(0), c});
    Layer* tanh = addLayer(network, "tanh", ActivationParams{ActivationType::Tanh}, {ofConstant->output(0)});
    for (Layer* layer : {toOutput, sum, tanh})
        ASSERT_TRUE(network.markOutput(layer->output(0)).isOk());
    EXPECT_TRUE(runPass(passes::eliminateReshapes, network).empty());
    for (Layer* layer : {ofInput, ofConstant, toOutput})
        EXPECT_FALSE(layer->isElided());
}

}  // namespace
}  // namespace kiln::test

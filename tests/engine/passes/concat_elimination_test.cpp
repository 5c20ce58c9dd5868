// Concat elimination: producers write straight into their slice of the concat output and the Concat is
// elided. Aliases change where bytes live, not what is computed, so the reference executor (which runs
// elided layers and ignores aliases) and the arena executor (which honours both) must both reproduce the
// original outputs exactly.
#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "passes/concat_elimination.h"

namespace kiln::test {
namespace {

void expectAlias(const Tensor* tensor, const Tensor* base, int64_t byteOffset) {
    SCOPED_TRACE(tensor->name());
    ASSERT_TRUE(tensor->alias().has_value());
    EXPECT_EQ(tensor->alias()->base, base);
    EXPECT_EQ(tensor->alias()->byteOffset, byteOffset);
}

TEST(ConcatElimination, ProducersWriteIntoTheirSlices) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 3, 4, 4});
    Layer* a = addConv(network, "a", x, 2, 3, 1);
    Layer* b = addLayer(network, "b", ActivationParams{}, {x});
    Layer* c = addConv(network, "c", x, 1, 1, 2);
    Layer* concat =
        *network.addLayer("concat", ConcatParams{1}, {a->output(0), b->output(0), c->output(0)}, {"cat"});
    Layer* head = addLayer(network, "head", ActivationParams{ActivationType::Sigmoid}, {concat->output(0)});
    ASSERT_TRUE(network.markOutput(head->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 1);
    const TensorMap before = runReference(network.clone(), inputs);

    const std::vector<PassChange> changes = runPass(passes::eliminateConcats, network);

    EXPECT_TRUE(concat->isElided());
    EXPECT_EQ(network.layers().size(), 5u);
    const Tensor* cat = concat->output(0);
    EXPECT_FALSE(cat->alias().has_value());
    expectAlias(a->output(0), cat, 0);
    expectAlias(b->output(0), cat, 2 * 16 * 4);
    expectAlias(c->output(0), cat, 5 * 16 * 4);
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].description, "elided concat: a.out, b.out, c.out are written in place into cat");
    EXPECT_EQ(changes[0].layers, (std::vector<std::string>{"concat"}));
    expectSameOutputs(runReference(network, inputs), before, 0, 0);
    expectSameOutputs(runInArena(std::move(network), inputs), before, 0, 0);
}

TEST(ConcatElimination, OuterAxisConcatIsContiguousWhateverTheBatch) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {2, 3});
    Layer* a = addLayer(network, "a", ActivationParams{}, {x});
    Layer* b = addLayer(network, "b", ActivationParams{ActivationType::Tanh}, {x});
    Layer* concat = *network.addLayer("concat", ConcatParams{0}, {a->output(0), b->output(0)}, {"cat"});
    Layer* head = addLayer(network, "head", ActivationParams{ActivationType::Sigmoid}, {concat->output(0)});
    ASSERT_TRUE(network.markOutput(head->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 2);
    const TensorMap before = runReference(network.clone(), inputs);

    ASSERT_EQ(runPass(passes::eliminateConcats, network).size(), 1u);

    expectAlias(b->output(0), concat->output(0), 6 * 4);
    expectSameOutputs(runInArena(std::move(network), inputs), before, 0, 0);
}

TEST(ConcatElimination, DoesNotApplyWhenSlicesAreNotContiguousOrAnInputCannotMove) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {2, 3});
    Layer* a = addLayer(network, "a", ActivationParams{}, {x});
    Layer* b = addLayer(network, "b", ActivationParams{ActivationType::Tanh}, {x});
    Tensor* weights = addRandomConstant(network, "w", {2, 3}, 1);
    // Batch 2 along axis 1: each input's rows interleave with the other's.
    Layer* strided = *network.addLayer("strided", ConcatParams{1}, {a->output(0), b->output(0)}, {"c1"});
    Layer* withInput = *network.addLayer("with_input", ConcatParams{0}, {a->output(0), x}, {"c2"});
    Layer* withConstant =
        *network.addLayer("with_constant", ConcatParams{0}, {b->output(0), weights}, {"c3"});
    Layer* twice = *network.addLayer("twice", ConcatParams{0}, {a->output(0), a->output(0)}, {"c4"});
    for (Layer* layer : {strided, withInput, withConstant, twice}) {
        ASSERT_TRUE(
            network
                .markOutput(addLayer(network, layer->name() + "_head", ActivationParams{}, {layer->output(0)})
                                ->output(0))
                .isOk());
    }
    EXPECT_TRUE(runPass(passes::eliminateConcats, network).empty());
    for (Layer* layer : {strided, withInput, withConstant, twice})
        EXPECT_FALSE(layer->isElided());
    EXPECT_FALSE(a->output(0)->alias().has_value());
}

TEST(ConcatElimination, DoesNotMoveNetworkOutputs) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 3});
    Layer* a = addLayer(network, "a", ActivationParams{}, {x});
    Layer* b = addLayer(network, "b", ActivationParams{ActivationType::Tanh}, {x});
    Layer* concat = *network.addLayer("concat", ConcatParams{1}, {a->output(0), b->output(0)}, {"cat"});
    ASSERT_TRUE(network.markOutput(a->output(0)).isOk());
    Layer* head = addLayer(network, "head", ActivationParams{}, {concat->output(0)});
    ASSERT_TRUE(network.markOutput(head->output(0)).isOk());
    EXPECT_TRUE(runPass(passes::eliminateConcats, network).empty());
}

// A dense block as torchvision writes it: every layer reads the concat of all earlier features, and the
// block ends with the concat of all of them. The last concat owns the buffer; each earlier concat is a
// prefix of it, so no concat copies anything.
TEST(ConcatElimination, ADenseBlockShareOneBuffer) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 2, 3, 3});
    Layer* stem = addLayer(network, "stem", ActivationParams{}, {x});
    std::vector<Tensor*> features = {stem->output(0)};
    std::vector<Layer*> concats;
    for (int i = 1; i <= 3; ++i) {
        const std::string n = std::to_string(i);
        Layer* cat = *network.addLayer("cat" + n, ConcatParams{1}, features, {"cat" + n + ".out"});
        Layer* conv = addConv(network, "conv" + n, cat->output(0), 2, 3, uint32_t(i));
        concats.push_back(cat);
        features.push_back(conv->output(0));
    }
    Layer* block = *network.addLayer("block", ConcatParams{1}, features, {"block.out"});
    Layer* head = addLayer(network, "head", ActivationParams{ActivationType::Sigmoid}, {block->output(0)});
    ASSERT_TRUE(network.markOutput(head->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 3);
    const TensorMap before = runReference(network.clone(), inputs);

    const std::vector<PassChange> changes = runPass(passes::eliminateConcats, network);

    EXPECT_EQ(changes.size(), 4u);
    const Tensor* buffer = block->output(0);
    EXPECT_TRUE(block->isElided());
    for (size_t i = 0; i < features.size(); ++i)
        expectAlias(features[i], buffer, int64_t(i) * 2 * 9 * 4);
    for (Layer* cat : concats) {
        EXPECT_TRUE(cat->isElided());
        expectAlias(cat->output(0), buffer, 0);
    }
    EXPECT_EQ(changes[1].description, "elided cat3: its inputs already lie back to back in block.out");
    expectSameOutputs(runReference(network, inputs), before, 0, 0);
    expectSameOutputs(runInArena(std::move(network), inputs), before, 0, 0);
}

TEST(ConcatElimination, KeepsTheCopyWhenPlacedInputsAreOutOfOrder) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 4});
    Layer* a = addLayer(network, "a", ActivationParams{}, {x});
    Layer* b = addLayer(network, "b", ActivationParams{ActivationType::Tanh}, {x});
    Layer* forward = *network.addLayer("forward", ConcatParams{1}, {a->output(0), b->output(0)}, {"ab"});
    Layer* backward = *network.addLayer("backward", ConcatParams{1}, {b->output(0), a->output(0)}, {"ba"});
    Layer* sum = addLayer(network, "sum", ElementwiseParams{ElementwiseOp::Sub},
                          {forward->output(0), backward->output(0)});
    ASSERT_TRUE(network.markOutput(sum->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 4);
    const TensorMap before = runReference(network.clone(), inputs);

    ASSERT_EQ(runPass(passes::eliminateConcats, network).size(), 1u);

    EXPECT_TRUE(backward->isElided());  // visited first
    EXPECT_FALSE(forward->isElided());
    expectSameOutputs(runReference(network, inputs), before, 0, 0);
    expectSameOutputs(runInArena(std::move(network), inputs), before, 0, 0);
}

}  // namespace
}  // namespace kiln::test

// Constant folding: constant sub-graphs become constants holding hand-computed values; a layer that
// reads an activation, or writes a network output, stays.
#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "kiln/device.h"
#include "passes/constant_folding.h"

namespace kiln::test {
namespace {

HostTensor values(const std::vector<float>& v) {
    HostTensor t(DataType::Float32, {int64_t(v.size())});
    for (size_t i = 0; i < v.size(); ++i)
        t.data<float>()[i] = v[i];
    return t;
}

TEST(ConstantFolding, FoldsAConstantChainInOneSweep) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {4});
    Tensor* a = *network.addConstant("a", values({1, 2, 3, 4}));
    Tensor* b = *network.addConstant("b", values({0.5f, -1, 0, 2}));
    Layer* sum = addLayer(network, "sum", ElementwiseParams{ElementwiseOp::Add}, {a, b});
    Layer* neg = addLayer(network, "neg", UnaryParams{UnaryOp::Neg}, {sum->output(0)});
    Layer* use = addLayer(network, "use", ElementwiseParams{ElementwiseOp::Mul}, {x, neg->output(0)});
    ASSERT_TRUE(network.markOutput(use->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 7);
    const TensorMap before = runReference(network, inputs);

    const std::vector<PassChange> changes = runPass(passes::foldConstants, network);

    ASSERT_EQ(network.layers().size(), 1u);
    EXPECT_EQ(network.layers()[0]->name(), "use");
    const Tensor* folded = network.layers()[0]->input(1);
    ASSERT_TRUE(folded->isConstant());
    EXPECT_EQ(folded->name(), "neg.out");
    // -(a + b), by hand.
    EXPECT_EQ(compareTensors(*folded->constantData(), values({-1.5f, -1, -3, -6}), 0, 0), "");
    // The inputs of the folded layers are gone with them.
    EXPECT_EQ(network.findTensor("a"), nullptr);
    EXPECT_EQ(network.findTensor("sum.out"), nullptr);
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_EQ(changes[0].description, "folded sum into the constant sum.out");
    EXPECT_EQ(changes[1].description, "folded neg into the constant neg.out");
    expectSameOutputs(runReference(network, inputs), before, 0, 0);
}

TEST(ConstantFolding, KeepsLayersThatReadActivationsOrWriteOutputs) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {4});
    Tensor* a = *network.addConstant("a", values({1, 2, 3, 4}));
    Layer* relu = addLayer(network, "relu", ActivationParams{}, {x});
    Layer* constantOutput = addLayer(network, "exp", UnaryParams{UnaryOp::Exp}, {a});
    ASSERT_TRUE(network.markOutput(relu->output(0)).isOk());
    ASSERT_TRUE(network.markOutput(constantOutput->output(0)).isOk());

    const std::vector<PassChange> changes = runPass(passes::foldConstants, network);

    EXPECT_TRUE(changes.empty());
    EXPECT_EQ(network.layers().size(), 2u);
}

TEST(ConstantFolding, KeepsALayerTheReferenceKernelsCannotCompute) {
    // An index out of range passes shape inference but not the Gather kernel: the layer stays, and
    // running it reports the error with the layer's name.
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1});
    Tensor* data = *network.addConstant("data", values({1, 2, 3}));
    HostTensor index(DataType::Int64, {1});
    index.data<int64_t>()[0] = 7;
    Tensor* indices = *network.addConstant("indices", index);
    Layer* gather = addLayer(network, "gather", GatherParams{0}, {data, indices});
    Layer* use = addLayer(network, "use", ElementwiseParams{ElementwiseOp::Mul}, {x, gather->output(0)});
    ASSERT_TRUE(network.markOutput(use->output(0)).isOk());

    EXPECT_TRUE(runPass(passes::foldConstants, network).empty());
    EXPECT_EQ(network.layers().size(), 2u);
}

// Constants folded in one pass are all held until its end: two of 768 KiB each fit a 1 MiB budget
// alone but not together, and the second is refused by name before it is computed.
TEST(ConstantFolding, ConstantsFoldedTogetherMustFitTheMemoryBudget) {
    struct Budget {
        Budget() { setMemoryBudgetBytes(uint64_t(1) << 20); }
        ~Budget() { setMemoryBudgetBytes(0); }
    } budget;
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {196608});
    Tensor* one = *network.addConstant("one", values({1}));
    Tensor* sum = x;
    for (const char* name : {"first", "second"}) {
        Layer* expand = addLayer(network, name, ExpandParams{{196608}}, {one});  // 768 KiB of FP32
        sum = addLayer(network, std::string("add_") + name, ElementwiseParams{ElementwiseOp::Add},
                       {sum, expand->output(0)})
                  ->output(0);
    }
    ASSERT_TRUE(network.markOutput(sum).isOk());
    std::vector<PassChange> changes;
    passes::PassLog log("constant folding", changes);
    const Status status = passes::foldConstants(network, log);
    ASSERT_FALSE(status.isOk());
    EXPECT_NE(
        status.message().find("folding layer 'second' takes the constants folded so far to 1.5 MiB, more "
                              "than the memory budget of 1.0 MiB"),
        std::string::npos)
        << status.message();
    EXPECT_NE(network.findLayer("second"), nullptr);  // refused before it was computed

    setMemoryBudgetBytes(uint64_t(2) << 20);                        // both fit
    EXPECT_EQ(runPass(passes::foldConstants, network).size(), 1u);  // the first was folded already
    EXPECT_EQ(network.findLayer("second"), nullptr);
}

}  // namespace
}  // namespace kiln::test

// MatMul epilogue fusion: a transformer's linear layers (MatMul with constant weights, then the bias add,
// GELU, or the residual add) become one MatMul that applies them as it writes, with the same outputs; what
// is not an epilogue stays.
//
// Tolerance: the unfused layers round the product, the biased product and the sum with the residual to
// float (values below 8 + 1 + 1 here: K = 8 products of numbers in [-1, 1), a bias and a residual in
// [-1, 1)), where the fused reference rounds once; GELU's slope is at most 1.13. So the two agree within
// 3 * 2^-24 * 10 * 1.13 < 2.1e-6.
#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "passes/matmul_epilogue_fusion.h"

namespace kiln::test {
namespace {

constexpr double kAtol = 2.1e-6;

TEST(MatMulEpilogueFusion, BiasGeluAndResidualOfTransformerLinearLayers) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {2, 5, 8});
    // linear1: x W1 + b1 (the bias first, as torch exports it), then GELU.
    Tensor* w1 = addRandomConstant(network, "w1", {8, 8}, 1);
    Tensor* b1 = addRandomConstant(network, "b1", {8}, 2);
    Tensor* h = addLayer(network, "linear1/MatMul", MatMulParams{}, {x, w1})->output(0);
    Tensor* biased = addLayer(network, "linear1/Add", ElementwiseParams{ElementwiseOp::Add}, {b1, h})->output(0);
    Tensor* gelu = addLayer(network, "Gelu", ActivationParams{ActivationType::Gelu}, {biased})->output(0);
    // linear2: its bias as [1, 1, 8], then the residual x.
    Tensor* w2 = addRandomConstant(network, "w2", {8, 8}, 3);
    Tensor* b2 = addRandomConstant(network, "b2", {1, 1, 8}, 4);
    Tensor* y = addLayer(network, "linear2/MatMul", MatMulParams{}, {gelu, w2})->output(0);
    Tensor* biased2 = addLayer(network, "linear2/Add", ElementwiseParams{ElementwiseOp::Add}, {y, b2})->output(0);
    Tensor* sum = addLayer(network, "Add", ElementwiseParams{ElementwiseOp::Add}, {x, biased2})->output(0);
    ASSERT_TRUE(network.markOutput(sum).isOk());
    const TensorMap inputs = randomInputs(network, 7);
    const TensorMap before = runReference(network.clone(), inputs);

    const std::vector<PassChange> changes = runPass(passes::fuseMatMulEpilogues, network);

    ASSERT_EQ(network.layers().size(), 2u);
    EXPECT_EQ(changes.size(), 4u);
    const Layer& first = *network.layers()[0];
    ASSERT_EQ(first.kind(), LayerKind::MatMul);
    EXPECT_EQ(first.name(), "linear1/MatMul + linear1/Add + Gelu");
    EXPECT_EQ(first.inputs(), (std::vector<Tensor*>{x, w1, b1}));
    ASSERT_TRUE(first.paramsAs<MatMulParams>().activation.has_value());
    EXPECT_EQ(first.paramsAs<MatMulParams>().activation->type, ActivationType::Gelu);
    EXPECT_EQ(first.output(0), gelu);
    const Layer& second = *network.layers()[1];
    ASSERT_EQ(second.inputs().size(), 4u);
    EXPECT_EQ(second.input(2)->dims(), Dims{8});  // the [1, 1, 8] bias as a row
    EXPECT_EQ(second.input(3), x);
    EXPECT_FALSE(second.paramsAs<MatMulParams>().activation.has_value());
    EXPECT_EQ(second.output(0), sum);
    EXPECT_EQ(second.provenance().size(), 3u);
    expectSameOutputs(runReference(network.clone(), inputs), before, 0.0, kAtol);
}

// A residual computed after the MatMul in network order: the fused MatMul moves after it.
TEST(MatMulEpilogueFusion, ResidualComputedLaterIsSortedBefore) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {3, 8});
    Tensor* w = addRandomConstant(network, "w", {8, 4}, 5);
    Tensor* y = addLayer(network, "MatMul", MatMulParams{}, {x, w})->output(0);
    Tensor* skip = addLayer(network, "Relu", ActivationParams{ActivationType::Relu},
                            {*network.addInput("s", DataType::Float32, {3, 4})})->output(0);
    Tensor* sum = addLayer(network, "Add", ElementwiseParams{ElementwiseOp::Add}, {y, skip})->output(0);
    ASSERT_TRUE(network.markOutput(sum).isOk());
    const TensorMap inputs = randomInputs(network, 9);
    const TensorMap before = runReference(network.clone(), inputs);

    runPass(passes::fuseMatMulEpilogues, network);

    ASSERT_EQ(network.layers().size(), 2u);
    EXPECT_EQ(network.layers()[0]->name(), "Relu");
    EXPECT_EQ(network.layers()[1]->input(3), skip);
    expectSameOutputs(runReference(network.clone(), inputs), before, 0.0, kAtol);
}

TEST(MatMulEpilogueFusion, LeavesWhatIsNoEpilogueAlone) {
    {  // A bias on a product of two computed operands (attention's scores), and a mask-like [S, 1] add.
        NetworkDefinition network;
        Tensor* q = *network.addInput("q", DataType::Float32, {2, 5, 8});
        Tensor* k = *network.addInput("k", DataType::Float32, {2, 8, 5});
        Tensor* scores = addLayer(network, "MatMul", MatMulParams{}, {q, k})->output(0);
        Tensor* shifted = addLayer(network, "Add", ElementwiseParams{ElementwiseOp::Add},
                                   {scores, addRandomConstant(network, "c", {5}, 6)})->output(0);
        ASSERT_TRUE(network.markOutput(shifted).isOk());
        Tensor* w = addRandomConstant(network, "w", {8, 5}, 7);
        Tensor* y = addLayer(network, "MatMul_1", MatMulParams{}, {q, w})->output(0);
        Tensor* column = addLayer(network, "Add_1", ElementwiseParams{ElementwiseOp::Add},
                                  {y, addRandomConstant(network, "col", {5, 1}, 8)})->output(0);
        ASSERT_TRUE(network.markOutput(column).isOk());
        runPass(passes::fuseMatMulEpilogues, network);
        EXPECT_EQ(network.layers().size(), 4u);
    }
    {  // An add after the activation is no residual of the product.
        NetworkDefinition network;
        Tensor* x = *network.addInput("x", DataType::Float32, {3, 8});
        Tensor* y = addLayer(network, "MatMul", MatMulParams{}, {x, addRandomConstant(network, "w", {8, 8}, 9)})->output(0);
        Tensor* relu = addLayer(network, "Relu", ActivationParams{ActivationType::Relu}, {y})->output(0);
        Tensor* sum = addLayer(network, "Add", ElementwiseParams{ElementwiseOp::Add}, {relu, x})->output(0);
        ASSERT_TRUE(network.markOutput(sum).isOk());
        runPass(passes::fuseMatMulEpilogues, network);
        ASSERT_EQ(network.layers().size(), 2u);
        EXPECT_EQ(network.layers()[1]->kind(), LayerKind::Elementwise);
    }
}

}  // namespace
}  // namespace kiln::test

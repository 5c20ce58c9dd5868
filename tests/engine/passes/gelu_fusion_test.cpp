// GELU fusion: the erf GELU and the tanh approximation that exporters write before opset 20 become one
// activation. The decomposed layers round each of their steps to float, where the fused reference computes
// in double and rounds once; with inputs in [-1, 1) every step's value is below 2 in magnitude and no step
// amplifies an earlier error by more than 1.1 (the largest derivative on the way, that of the cube's
// term), so the two are within steps * 2^-24 * 2 * 1.1: 5 steps < 1e-6 (erf), 9 steps < 1.2e-6 (tanh).
#include <gtest/gtest.h>

#include <cmath>

#include "engine/passes/pass_test_util.h"
#include "passes/gelu_fusion.h"

namespace kiln::test {
namespace {

constexpr double kAtol = 1e-6;
constexpr double kTanhAtol = 1.2e-6;

Tensor* addScalar(NetworkDefinition& network, const std::string& name, float value) {
    HostTensor data(DataType::Float32, {});
    data.data<float>()[0] = value;
    return *network.addConstant(name, std::move(data));
}

struct GeluForm {
    bool multiplyByRootHalf = false;  // x * 0.7071 instead of x / 1.4142
    bool halfFirst = false;           // (x * 0.5) * (1 + erf) instead of x * (1 + erf) * 0.5
    bool constantsFirst = false;      // 1 + erf, 0.5 * ..., 0.7071 * x
};

// The GELU of `x` as layers named "<prefix>Div", "<prefix>Erf", ...; returns the last one.
Layer* addDecomposedGelu(NetworkDefinition& network, const std::string& prefix, Tensor* x, const GeluForm& f,
                         float half = 0.5f) {
    auto pair = [&](Tensor* data, Tensor* constant) {
        return f.constantsFirst ? std::vector<Tensor*>{constant, data} : std::vector<Tensor*>{data, constant};
    };
    Layer* scaled = f.multiplyByRootHalf
                        ? addLayer(network, prefix + "Mul_0", ElementwiseParams{ElementwiseOp::Mul},
                                   pair(x, addScalar(network, prefix + "root_half", 0.70710677f)))
                        : addLayer(network, prefix + "Div", ElementwiseParams{ElementwiseOp::Div},
                                   {x, addScalar(network, prefix + "root_two", 1.4142135f)});
    Layer* erf = addLayer(network, prefix + "Erf", UnaryParams{UnaryOp::Erf}, {scaled->output(0)});
    Layer* plusOne = addLayer(network, prefix + "Add", ElementwiseParams{ElementwiseOp::Add},
                              pair(erf->output(0), addScalar(network, prefix + "one", 1.0f)));
    Tensor* halfConstant = addScalar(network, prefix + "half", half);
    if (f.halfFirst) {
        Layer* halved = addLayer(network, prefix + "Mul_half", ElementwiseParams{ElementwiseOp::Mul}, pair(x, halfConstant));
        return addLayer(network, prefix + "Mul", ElementwiseParams{ElementwiseOp::Mul},
                        {halved->output(0), plusOne->output(0)});
    }
    Layer* product = addLayer(network, prefix + "Mul", ElementwiseParams{ElementwiseOp::Mul}, {x, plusOne->output(0)});
    return addLayer(network, prefix + "Mul_1", ElementwiseParams{ElementwiseOp::Mul}, pair(product->output(0), halfConstant));
}

TEST(GeluFusion, FusesEveryExportedFormIntoOneActivation) {
    for (const GeluForm form : {GeluForm{false, false, false}, GeluForm{true, false, true}, GeluForm{false, true, false},
                                GeluForm{true, true, true}}) {
        SCOPED_TRACE(testing::Message() << "root half " << form.multiplyByRootHalf << ", half first " << form.halfFirst
                                        << ", constants first " << form.constantsFirst);
        NetworkDefinition network;
        Tensor* x = *network.addInput("x", DataType::Float32, {2, 7, 24});
        // x is also read after the GELU (a residual): it stays, the GELU still fuses.
        Tensor* gelu = addDecomposedGelu(network, "/mlp/act/", x, form)->output(0);
        Layer* residual = addLayer(network, "residual", ElementwiseParams{ElementwiseOp::Add}, {gelu, x});
        ASSERT_TRUE(network.markOutput(residual->output(0)).isOk());
        const TensorMap inputs = randomInputs(network, 5);
        const TensorMap before = runReference(network.clone(), inputs);

        const std::vector<PassChange> changes = runPass(passes::fuseGelus, network);

        ASSERT_EQ(network.layers().size(), 2u);
        const Layer& fused = *network.layers()[0];
        ASSERT_EQ(fused.kind(), LayerKind::Activation);
        EXPECT_EQ(fused.paramsAs<ActivationParams>().type, ActivationType::Gelu);
        EXPECT_EQ(fused.name(), "/mlp/act/Gelu");
        EXPECT_EQ(fused.inputs(), std::vector<Tensor*>{x});
        EXPECT_EQ(fused.output(0), gelu);
        EXPECT_EQ(fused.provenance().size(), 5u);
        ASSERT_EQ(changes.size(), 1u);
        expectSameOutputs(runReference(network.clone(), inputs), before, 0.0, kAtol);
    }
}

enum class Cube { Pow, XTimesSquare, SquareTimesX };

// GELU's tanh approximation of `x` as torch and Hugging Face export it; `cubic` is 0.044715 in a GELU.
Layer* addDecomposedTanhGelu(NetworkDefinition& network, const std::string& prefix, Tensor* x, Cube cube,
                             bool halfFirst, float cubic = 0.044715f) {
    Tensor* cubed = nullptr;
    if (cube == Cube::Pow) {
        cubed = addLayer(network, prefix + "Pow", ElementwiseParams{ElementwiseOp::Pow},
                         {x, addScalar(network, prefix + "three", 3.0f)})->output(0);
    } else {
        Tensor* square = addLayer(network, prefix + "Mul", ElementwiseParams{ElementwiseOp::Mul}, {x, x})->output(0);
        const std::vector<Tensor*> operands = cube == Cube::XTimesSquare ? std::vector<Tensor*>{x, square}
                                                                          : std::vector<Tensor*>{square, x};
        cubed = addLayer(network, prefix + "Mul_1", ElementwiseParams{ElementwiseOp::Mul}, operands)->output(0);
    }
    Layer* term = addLayer(network, prefix + "Mul_2", ElementwiseParams{ElementwiseOp::Mul},
                           {addScalar(network, prefix + "cubic", cubic), cubed});
    Layer* sum = addLayer(network, prefix + "Add", ElementwiseParams{ElementwiseOp::Add}, {x, term->output(0)});
    Layer* scaled = addLayer(network, prefix + "Mul_3", ElementwiseParams{ElementwiseOp::Mul},
                             {addScalar(network, prefix + "root_two_over_pi", 0.7978846f), sum->output(0)});
    Layer* tanh = addLayer(network, prefix + "Tanh", ActivationParams{ActivationType::Tanh}, {scaled->output(0)});
    Layer* plusOne = addLayer(network, prefix + "Add_1", ElementwiseParams{ElementwiseOp::Add},
                              {addScalar(network, prefix + "one", 1.0f), tanh->output(0)});
    Tensor* half = addScalar(network, prefix + "half", 0.5f);
    if (halfFirst) {
        Layer* halved = addLayer(network, prefix + "Mul_5", ElementwiseParams{ElementwiseOp::Mul}, {half, x});
        return addLayer(network, prefix + "Mul_4", ElementwiseParams{ElementwiseOp::Mul},
                        {halved->output(0), plusOne->output(0)});
    }
    Layer* product = addLayer(network, prefix + "Mul_4", ElementwiseParams{ElementwiseOp::Mul}, {x, plusOne->output(0)});
    return addLayer(network, prefix + "Mul_5", ElementwiseParams{ElementwiseOp::Mul}, {half, product->output(0)});
}

TEST(GeluFusion, FusesTheTanhApproximationIntoOneActivation) {
    for (const Cube cube : {Cube::Pow, Cube::XTimesSquare, Cube::SquareTimesX}) {
        for (const bool halfFirst : {false, true}) {
            SCOPED_TRACE(testing::Message() << "cube " << int(cube) << ", half first " << halfFirst);
            NetworkDefinition network;
            Tensor* x = *network.addInput("x", DataType::Float32, {2, 5, 24});
            Tensor* gelu = addDecomposedTanhGelu(network, "/mlp/act/", x, cube, halfFirst)->output(0);
            ASSERT_TRUE(network.markOutput(gelu).isOk());
            const size_t layers = network.layers().size();
            const TensorMap inputs = randomInputs(network, 6);
            const TensorMap before = runReference(network.clone(), inputs);

            const std::vector<PassChange> changes = runPass(passes::fuseGelus, network);

            ASSERT_EQ(network.layers().size(), 1u);
            const Layer& fused = *network.layers()[0];
            ASSERT_EQ(fused.kind(), LayerKind::Activation);
            EXPECT_EQ(fused.paramsAs<ActivationParams>().type, ActivationType::GeluTanh);
            EXPECT_EQ(fused.inputs(), std::vector<Tensor*>{x});
            EXPECT_EQ(fused.output(0), gelu);
            EXPECT_EQ(fused.provenance().size(), layers);
            ASSERT_EQ(changes.size(), 1u);
            EXPECT_NE(changes[0].description.find("tanh form"), std::string::npos) << changes[0].description;
            expectSameOutputs(runReference(network.clone(), inputs), before, 0.0, kTanhAtol);
        }
    }
}

TEST(GeluFusion, LeavesLookalikesAlone) {
    {  // 0.05 instead of 0.044715 in the tanh form is not GELU's approximation.
        NetworkDefinition network;
        Tensor* x = *network.addInput("x", DataType::Float32, {4, 8});
        ASSERT_TRUE(network.markOutput(addDecomposedTanhGelu(network, "t.", x, Cube::Pow, false, 0.05f)->output(0)).isOk());
        const size_t layers = network.layers().size();
        runPass(passes::fuseGelus, network);
        EXPECT_EQ(network.layers().size(), layers);
    }
    {  // The cube is read elsewhere too, so it must stay.
        NetworkDefinition network;
        Tensor* x = *network.addInput("x", DataType::Float32, {4, 8});
        ASSERT_TRUE(network.markOutput(addDecomposedTanhGelu(network, "c.", x, Cube::XTimesSquare, true)->output(0)).isOk());
        ASSERT_TRUE(network.markOutput(network.findLayer("c.Mul_1")->output(0)).isOk());
        const size_t layers = network.layers().size();
        runPass(passes::fuseGelus, network);
        EXPECT_EQ(network.layers().size(), layers);
    }
    {  // x * (1 + erf(x / sqrt 2)) * 0.6 is not a GELU.
        NetworkDefinition network;
        Tensor* x = *network.addInput("x", DataType::Float32, {4, 8});
        ASSERT_TRUE(network.markOutput(addDecomposedGelu(network, "a.", x, {}, 0.6f)->output(0)).isOk());
        runPass(passes::fuseGelus, network);
        EXPECT_EQ(countKind(network, LayerKind::Activation), 0u);
        EXPECT_EQ(network.layers().size(), 5u);
    }
    {  // The erf's result is read elsewhere too, so it must stay.
        NetworkDefinition network;
        Tensor* x = *network.addInput("x", DataType::Float32, {4, 8});
        ASSERT_TRUE(network.markOutput(addDecomposedGelu(network, "b.", x, {})->output(0)).isOk());
        ASSERT_TRUE(network.markOutput(network.findLayer("b.Erf")->output(0)).isOk());
        runPass(passes::fuseGelus, network);
        EXPECT_EQ(countKind(network, LayerKind::Activation), 0u);
    }
}

}  // namespace
}  // namespace kiln::test

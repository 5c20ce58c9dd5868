// GELU fusion: the erf GELU that exporters write before opset 20 becomes one Gelu activation. The
// decomposed layers round each of their five steps to float, where the fused reference computes in double
// and rounds once; with inputs in [-1, 1) every step's value is below 2 in magnitude, so the two are within
// 5 * 2^-24 * 2 < 1e-6 of each other.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/passes/pass_test_util.h"
#include "passes/gelu_fusion.h"

namespace kiln::test {
namespace {

constexpr double kAtol = 1e-6;

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

TEST(GeluFusion, LeavesLookalikesAlone) {
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

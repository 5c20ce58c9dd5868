// Layer-norm fusion: the decomposed LayerNorm that exporters write before opset 17 becomes one LayerNorm
// layer. The decomposed layers round every step to float (mean, deviation, square, variance, epsilon,
// root, quotient, scale, bias: nine roundings), where the fused reference rounds once from double; with
// values below 8 in magnitude that is at most 9 * 2^-24 * 8 < 5e-6 apart, so 1e-5 absolute is enough.
#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "passes/layer_norm_fusion.h"

namespace kiln::test {
namespace {

constexpr double kAtol = 1e-5;

Tensor* addScalar(NetworkDefinition& network, const std::string& name, float value) {
    HostTensor data(DataType::Float32, {});
    data.data<float>()[0] = value;
    return *network.addConstant(name, std::move(data));
}

struct Decomposed {
    int64_t axes = 1;               // trailing axes normalised
    bool squareByMul = false;       // d * d instead of Pow(d, 2)
    Dims scaleDims;                 // empty: no Mul
    Dims biasDims;                  // empty: no Add
    bool constantOperandFirst = false;  // gamma * n and beta + s instead of n * gamma and s + beta
};

// ReduceMean -> Sub -> Pow/Mul -> ReduceMean -> Add(eps) -> Sqrt -> Div [-> Mul gamma] [-> Add beta], the
// layers named "<prefix>ReduceMean", "<prefix>Sub", ... as an exporter names them. Returns the last layer.
Layer* addDecomposed(NetworkDefinition& network, const std::string& prefix, Tensor* x, const Decomposed& d,
                     uint32_t seed) {
    const int64_t rank = int64_t(x->dims().size());
    ReduceParams mean{ReduceOp::Mean, {}, true};
    for (int64_t axis = rank - d.axes; axis < rank; ++axis) mean.axes.push_back(axis);
    Layer* m = addLayer(network, prefix + "ReduceMean", mean, {x});
    Layer* sub = addLayer(network, prefix + "Sub", ElementwiseParams{ElementwiseOp::Sub}, {x, m->output(0)});
    Tensor* deviation = sub->output(0);
    Layer* square = d.squareByMul
                        ? addLayer(network, prefix + "Mul_sq", ElementwiseParams{ElementwiseOp::Mul}, {deviation, deviation})
                        : addLayer(network, prefix + "Pow", ElementwiseParams{ElementwiseOp::Pow},
                                   {deviation, addScalar(network, prefix + "two", 2.0f)});
    Layer* variance = addLayer(network, prefix + "ReduceMean_1", mean, {square->output(0)});
    Layer* add = addLayer(network, prefix + "Add", ElementwiseParams{ElementwiseOp::Add},
                          {variance->output(0), addScalar(network, prefix + "eps", 1e-5f)});
    Layer* sqrt = addLayer(network, prefix + "Sqrt", UnaryParams{UnaryOp::Sqrt}, {add->output(0)});
    Layer* last = addLayer(network, prefix + "Div", ElementwiseParams{ElementwiseOp::Div}, {deviation, sqrt->output(0)});
    auto operands = [&](Tensor* data, Tensor* constant) {
        return d.constantOperandFirst ? std::vector<Tensor*>{constant, data} : std::vector<Tensor*>{data, constant};
    };
    if (!d.scaleDims.empty()) {
        Tensor* gamma = addRandomConstant(network, prefix + "weight", d.scaleDims, seed, 0.5f, 1.5f);
        last = addLayer(network, prefix + "Mul", ElementwiseParams{ElementwiseOp::Mul}, operands(last->output(0), gamma));
    }
    if (!d.biasDims.empty()) {
        Tensor* beta = addRandomConstant(network, prefix + "bias", d.biasDims, seed + 1);
        last = addLayer(network, prefix + "Add_1", ElementwiseParams{ElementwiseOp::Add}, operands(last->output(0), beta));
    }
    return last;
}

TEST(LayerNormFusion, FusesTheExportedPatternIntoOneLayer) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {2, 5, 16});
    Tensor* y = addDecomposed(network, "/enc/norm1/", x, {1, false, {16}, {16}}, 10)->output(0);
    ASSERT_TRUE(network.markOutput(y).isOk());
    const TensorMap inputs = randomInputs(network, 11);
    const TensorMap before = runReference(network.clone(), inputs);

    const std::vector<PassChange> changes = runPass(passes::fuseLayerNorms, network);

    ASSERT_EQ(network.layers().size(), 1u);
    const Layer& fused = *network.layers()[0];
    EXPECT_EQ(fused.kind(), LayerKind::LayerNorm);
    EXPECT_EQ(fused.name(), "/enc/norm1/LayerNorm");
    EXPECT_EQ(fused.paramsAs<LayerNormParams>().axis, 2);
    EXPECT_FLOAT_EQ(fused.paramsAs<LayerNormParams>().epsilon, 1e-5f);
    ASSERT_EQ(fused.inputs().size(), 3u);
    EXPECT_EQ(fused.input(0), x);
    EXPECT_EQ(fused.output(0), y);
    EXPECT_EQ(fused.provenance().size(), 9u);
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_NE(changes[0].description.find("layer normalization"), std::string::npos) << changes[0].description;
    expectSameOutputs(runReference(network.clone(), inputs), before, 0.0, kAtol);
}

// d * d for the square, constants written first, a scale that broadcasts from [1, 1, 16], two trailing
// axes, and no scale or bias at all: each still one LayerNorm, with the constants expanded to the
// normalised shape (ones where there was no scale).
TEST(LayerNormFusion, FusesTheVariants) {
    const std::vector<Decomposed> variants{
        {1, true, {1, 1, 16}, {16}, true},
        {2, false, {5, 16}, {}, false},
        {1, false, {}, {}, false},
        {2, true, {16}, {1, 16}, false},
    };
    for (size_t v = 0; v < variants.size(); ++v) {
        NetworkDefinition network;
        Tensor* x = *network.addInput("x", DataType::Float32, {2, 5, 16});
        Layer* last = addDecomposed(network, "ln.", x, variants[v], 20 + uint32_t(v));
        ASSERT_TRUE(network.markOutput(last->output(0)).isOk());
        const TensorMap inputs = randomInputs(network, 30);
        const TensorMap before = runReference(network.clone(), inputs);

        runPass(passes::fuseLayerNorms, network);

        ASSERT_EQ(network.layers().size(), 1u) << "variant " << v;
        const Layer& fused = *network.layers()[0];
        ASSERT_EQ(fused.kind(), LayerKind::LayerNorm) << "variant " << v;
        EXPECT_EQ(fused.paramsAs<LayerNormParams>().axis, 3 - variants[v].axes) << "variant " << v;
        EXPECT_EQ(fused.inputs().size(), variants[v].biasDims.empty() ? 2u : 3u) << "variant " << v;
        EXPECT_EQ(fused.input(1)->dims(), Dims(x->dims().end() - variants[v].axes, x->dims().end())) << "variant " << v;
        expectSameOutputs(runReference(network.clone(), inputs), before, 0.0, kAtol);
    }
}

// Patterns that only look alike stay as they are, or fuse only as far as they are a layer norm.
TEST(LayerNormFusion, LeavesLookalikesAlone) {
    {  // The deviation is also a network output: it must stay visible.
        NetworkDefinition network;
        Tensor* x = *network.addInput("x", DataType::Float32, {2, 16});
        Layer* last = addDecomposed(network, "a.", x, {1, false, {16}, {16}}, 40);
        ASSERT_TRUE(network.markOutput(last->output(0)).isOk());
        ASSERT_TRUE(network.markOutput(network.findLayer("a.Sub")->output(0)).isOk());
        runPass(passes::fuseLayerNorms, network);
        EXPECT_EQ(countKind(network, LayerKind::LayerNorm), 0u);
    }
    {  // The mean is taken over a leading axis, not trailing ones.
        NetworkDefinition network;
        Tensor* x = *network.addInput("x", DataType::Float32, {4, 16});
        Layer* m = addLayer(network, "mean", ReduceParams{ReduceOp::Mean, {0}, true}, {x});
        Layer* sub = addLayer(network, "sub", ElementwiseParams{ElementwiseOp::Sub}, {x, m->output(0)});
        ASSERT_TRUE(network.markOutput(sub->output(0)).isOk());
        runPass(passes::fuseLayerNorms, network);
        EXPECT_EQ(countKind(network, LayerKind::LayerNorm), 0u);
    }
    {  // A scale that differs per batch entry is no per-position scale: the normalization fuses, the Mul stays.
        NetworkDefinition network;
        Tensor* x = *network.addInput("x", DataType::Float32, {2, 5, 16});
        Layer* last = addDecomposed(network, "b.", x, {1, false, {2, 1, 16}, {}}, 50);
        ASSERT_TRUE(network.markOutput(last->output(0)).isOk());
        const TensorMap inputs = randomInputs(network, 51);
        const TensorMap before = runReference(network.clone(), inputs);
        runPass(passes::fuseLayerNorms, network);
        EXPECT_EQ(countKind(network, LayerKind::LayerNorm), 1u);
        ASSERT_EQ(network.layers().size(), 2u);
        EXPECT_EQ(network.layers()[1]->name(), "b.Mul");
        expectSameOutputs(runReference(network.clone(), inputs), before, 0.0, kAtol);
    }
}

}  // namespace
}  // namespace kiln::test

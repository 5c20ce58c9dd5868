// Attention fusion: the attention patterns exporters write (torch's nn.MultiheadAttention with the head
// split as [S, B*H, D] transposes, Hugging Face's [B, H, S, D] with a mask add and the scale on the scores,
// and a bare one with k^T given) become one Attention layer with the same outputs, and lookalikes stay.
//
// Tolerance: the fused reference computes in double and rounds once; the unfused layers round the scaled
// q (or the scores), the scores, the scaled scores and the masked scores to float (4 roundings of values
// below 4 in magnitude here: |q.k| <= D * scale with inputs in [-1, 1), plus the mask), and the softmax
// carries a score error into the weights at most doubled; the weights and the output are rounded once
// each, and |v| < 1. So the two agree within (4 * 4 * 2 + 2) * 2^-24 = 34 * 2^-24.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/passes/pass_test_util.h"
#include "passes/attention_fusion.h"

namespace kiln::test {
namespace {

const double kAtol = 34.0 * std::ldexp(1.0, -24);

Tensor* addScalar(NetworkDefinition& network, const std::string& name, float value) {
    HostTensor data(DataType::Float32, {});
    data.data<float>()[0] = value;
    return *network.addConstant(name, std::move(data));
}

Layer* addTranspose(NetworkDefinition& network, const std::string& name, Tensor* data, std::vector<int64_t> perm) {
    return addLayer(network, name, TransposeParams{std::move(perm)}, {data});
}

const Layer* onlyAttention(const NetworkDefinition& network) {
    for (const auto& layer : network.layers()) {
        if (layer->kind() == LayerKind::Attention) return layer.get();
    }
    return nullptr;
}

// torch.nn.MultiheadAttention as exported: q, k, v [S, B*H, D] (the projections reshaped), q transposed
// to [B*H, S, D] and divided by sqrt(D), k transposed to [B*H, D, S], v to [B*H, S, D], the heads merged
// back to [S, B*H, D].
TEST(AttentionFusion, TorchMultiheadAttentionWithItsTransposes) {
    NetworkDefinition network;
    const int64_t s = 7, heads = 6, d = 8;
    Tensor* q = *network.addInput("q", DataType::Float32, {s, heads, d});
    Tensor* k = *network.addInput("k", DataType::Float32, {s, heads, d});
    Tensor* v = *network.addInput("v", DataType::Float32, {s, heads, d});
    Tensor* qt = addTranspose(network, "attn/Transpose_1", q, {1, 0, 2})->output(0);
    Tensor* scaled = addLayer(network, "attn/Div_2", ElementwiseParams{ElementwiseOp::Div},
                              {qt, addScalar(network, "root_d", std::sqrt(float(d)))})->output(0);
    Tensor* kt = addTranspose(network, "attn/Transpose_3", k, {1, 2, 0})->output(0);
    Tensor* vt = addTranspose(network, "attn/Transpose_2", v, {1, 0, 2})->output(0);
    Tensor* scores = addLayer(network, "attn/MatMul_1", MatMulParams{}, {scaled, kt})->output(0);
    Tensor* weights = addLayer(network, "attn/Softmax", SoftmaxParams{2, false, false}, {scores})->output(0);
    Tensor* heads_ = addLayer(network, "attn/MatMul_2", MatMulParams{}, {weights, vt})->output(0);
    Tensor* merged = addTranspose(network, "attn/Transpose_4", heads_, {1, 0, 2})->output(0);
    ASSERT_TRUE(network.markOutput(merged).isOk());
    const TensorMap inputs = randomInputs(network, 11);
    const TensorMap before = runReference(network.clone(), inputs);

    const std::vector<PassChange> changes = runPass(passes::fuseAttention, network);

    ASSERT_EQ(network.layers().size(), 1u);
    const Layer& fused = *network.layers()[0];
    ASSERT_EQ(fused.kind(), LayerKind::Attention);
    EXPECT_EQ(fused.name(), "attn/Attention");
    EXPECT_EQ(fused.inputs(), (std::vector<Tensor*>{q, k, v}));
    EXPECT_EQ(fused.output(0), merged);
    const auto& p = fused.paramsAs<AttentionParams>();
    EXPECT_FLOAT_EQ(p.scale, 1.0f / std::sqrt(float(d)));
    EXPECT_EQ(p.queryPerm, (std::vector<int64_t>{1, 0, 2}));
    EXPECT_EQ(p.keyPerm, (std::vector<int64_t>{1, 0, 2}));  // k^T's [1, 2, 0] with its last two swapped
    EXPECT_EQ(p.valuePerm, (std::vector<int64_t>{1, 0, 2}));
    EXPECT_EQ(p.outputPerm, (std::vector<int64_t>{1, 0, 2}));
    EXPECT_EQ(fused.provenance().size(), 8u);
    ASSERT_EQ(changes.size(), 1u);
    expectSameOutputs(runReference(network.clone(), inputs), before, 0.0, kAtol);
}

// Hugging Face's BERT-style attention: q, k, v [B, S, H, D] transposed to [B, H, S, D] (k to [B, H, D, S]),
// the scores multiplied by 1 / sqrt(D) (the constant first), an additive mask [B, 1, 1, S] (one per
// sequence, broadcast over heads and queries), the heads merged to [B, S, H, D].
TEST(AttentionFusion, ScaledScoresWithABroadcastMask) {
    NetworkDefinition network;
    const int64_t b = 2, s = 9, heads = 3, d = 16;
    Tensor* q = *network.addInput("q", DataType::Float32, {b, s, heads, d});
    Tensor* k = *network.addInput("k", DataType::Float32, {b, s, heads, d});
    Tensor* v = *network.addInput("v", DataType::Float32, {b, s, heads, d});
    Tensor* mask = *network.addInput("mask", DataType::Float32, {b, 1, 1, s});
    Tensor* qt = addTranspose(network, "self/Transpose", q, {0, 2, 1, 3})->output(0);
    Tensor* kt = addTranspose(network, "self/Transpose_1", k, {0, 2, 3, 1})->output(0);
    Tensor* vt = addTranspose(network, "self/Transpose_2", v, {0, 2, 1, 3})->output(0);
    Tensor* scores = addLayer(network, "self/MatMul", MatMulParams{}, {qt, kt})->output(0);
    Tensor* scaled = addLayer(network, "self/Mul", ElementwiseParams{ElementwiseOp::Mul},
                              {addScalar(network, "inv_root_d", 0.25f), scores})->output(0);
    Tensor* masked = addLayer(network, "self/Add", ElementwiseParams{ElementwiseOp::Add}, {mask, scaled})->output(0);
    Tensor* weights = addLayer(network, "self/Softmax", SoftmaxParams{3, false, false}, {masked})->output(0);
    Tensor* context = addLayer(network, "self/MatMul_1", MatMulParams{}, {weights, vt})->output(0);
    Tensor* merged = addTranspose(network, "self/Transpose_3", context, {0, 2, 1, 3})->output(0);
    ASSERT_TRUE(network.markOutput(merged).isOk());
    const TensorMap inputs = randomInputs(network, 21);
    const TensorMap before = runReference(network.clone(), inputs);

    runPass(passes::fuseAttention, network);

    ASSERT_EQ(network.layers().size(), 1u);
    const Layer* fused = onlyAttention(network);
    ASSERT_NE(fused, nullptr);
    EXPECT_EQ(fused->inputs(), (std::vector<Tensor*>{q, k, v, mask}));
    const auto& p = fused->paramsAs<AttentionParams>();
    EXPECT_FLOAT_EQ(p.scale, 0.25f);
    EXPECT_EQ(p.keyPerm, (std::vector<int64_t>{0, 2, 1, 3}));
    EXPECT_EQ(p.outputPerm, (std::vector<int64_t>{0, 2, 1, 3}));
    expectSameOutputs(runReference(network.clone(), inputs), before, 0.0, kAtol);
}

// q, k^T and v as they are ([B*H, S, D], [B*H, D, S]): the key is read column by column; the scale is
// split between q and k^T (as newer exporters write it), and the output is no transpose's input.
TEST(AttentionFusion, KeyGivenTransposedAndScaleOnBothOperands) {
    NetworkDefinition network;
    Tensor* q = *network.addInput("q", DataType::Float32, {4, 5, 8});
    Tensor* kt = *network.addInput("kt", DataType::Float32, {4, 8, 11});
    Tensor* v = *network.addInput("v", DataType::Float32, {4, 11, 3});
    Tensor* qs = addLayer(network, "a/Mul", ElementwiseParams{ElementwiseOp::Mul}, {q, addScalar(network, "c1", 0.5f)})->output(0);
    Tensor* ks = addLayer(network, "a/Mul_1", ElementwiseParams{ElementwiseOp::Mul}, {kt, addScalar(network, "c2", 0.5f)})->output(0);
    Tensor* scores = addLayer(network, "a/MatMul", MatMulParams{}, {qs, ks})->output(0);
    Tensor* weights = addLayer(network, "a/Softmax", SoftmaxParams{2, false, false}, {scores})->output(0);
    Tensor* out = addLayer(network, "a/MatMul_1", MatMulParams{}, {weights, v})->output(0);
    ASSERT_TRUE(network.markOutput(out).isOk());
    const TensorMap inputs = randomInputs(network, 31);
    const TensorMap before = runReference(network.clone(), inputs);

    runPass(passes::fuseAttention, network);

    ASSERT_EQ(network.layers().size(), 1u);
    const auto& p = network.layers()[0]->paramsAs<AttentionParams>();
    EXPECT_FLOAT_EQ(p.scale, 0.25f);
    EXPECT_TRUE(p.queryPerm.empty());
    EXPECT_EQ(p.keyPerm, (std::vector<int64_t>{0, 2, 1}));
    EXPECT_TRUE(p.valuePerm.empty());
    EXPECT_TRUE(p.outputPerm.empty());
    EXPECT_EQ(network.layers()[0]->output(0), out);
    expectSameOutputs(runReference(network.clone(), inputs), before, 0.0, kAtol);
}

// A scaled v is not part of attention: the scaling stays a layer and the rest fuses.
TEST(AttentionFusion, AScaledValueStaysOutside) {
    NetworkDefinition network;
    Tensor* q = *network.addInput("q", DataType::Float32, {2, 6, 4});
    Tensor* kt = *network.addInput("kt", DataType::Float32, {2, 4, 6});
    Tensor* v = *network.addInput("v", DataType::Float32, {2, 6, 4});
    Tensor* scores = addLayer(network, "MatMul", MatMulParams{}, {q, kt})->output(0);
    Tensor* weights = addLayer(network, "Softmax", SoftmaxParams{2, false, false}, {scores})->output(0);
    Tensor* vs = addLayer(network, "Mul", ElementwiseParams{ElementwiseOp::Mul}, {v, addScalar(network, "two", 2.0f)})->output(0);
    Tensor* out = addLayer(network, "MatMul_1", MatMulParams{}, {weights, vs})->output(0);
    ASSERT_TRUE(network.markOutput(out).isOk());
    const TensorMap inputs = randomInputs(network, 41);
    const TensorMap before = runReference(network.clone(), inputs);

    runPass(passes::fuseAttention, network);

    ASSERT_EQ(network.layers().size(), 2u);
    const Layer* fused = onlyAttention(network);
    ASSERT_NE(fused, nullptr);
    EXPECT_EQ(fused->input(2), vs);
    EXPECT_FLOAT_EQ(fused->paramsAs<AttentionParams>().scale, 1.0f);
    // v scaled by 2 lies in [-2, 2): the output and its rounding errors double.
    // v scaled by 2 lies in [-2, 2): the output and its rounding errors double.
    expectSameOutputs(runReference(network.clone(), inputs), before, 0.0, 2 * kAtol);
}

TEST(AttentionFusion, LeavesLookalikesAlone) {
    const auto build = [](NetworkDefinition& network, int64_t softmaxAxis, bool logSoftmax) {
        Tensor* q = *network.addInput("q", DataType::Float32, {2, 6, 4});
        Tensor* kt = *network.addInput("kt", DataType::Float32, {2, 4, 6});
        Tensor* v = *network.addInput("v", DataType::Float32, {2, 6, 4});
        Tensor* scores = addLayer(network, "MatMul", MatMulParams{}, {q, kt})->output(0);
        Tensor* weights = addLayer(network, "Softmax", SoftmaxParams{softmaxAxis, logSoftmax, false}, {scores})->output(0);
        Tensor* out = addLayer(network, "MatMul_1", MatMulParams{}, {weights, v})->output(0);
        EXPECT_TRUE(network.markOutput(out).isOk());
        return weights;
    };
    {  // The softmax normalises the queries' axis, not the keys'.
        NetworkDefinition network;
        build(network, 1, false);
        runPass(passes::fuseAttention, network);
        EXPECT_EQ(countKind(network, LayerKind::Attention), 0u);
    }
    {  // A log-softmax.
        NetworkDefinition network;
        build(network, 2, true);
        runPass(passes::fuseAttention, network);
        EXPECT_EQ(countKind(network, LayerKind::Attention), 0u);
    }
    {  // The attention weights are an output too (they must stay visible).
        NetworkDefinition network;
        Tensor* weights = build(network, 2, false);
        ASSERT_TRUE(network.markOutput(weights).isOk());
        runPass(passes::fuseAttention, network);
        EXPECT_EQ(countKind(network, LayerKind::Attention), 0u);
        EXPECT_EQ(network.layers().size(), 3u);
    }
}

TEST(AttentionFusion, ShapeInferenceNamesWhatIsWrong) {
    NetworkDefinition network;
    Tensor* q = *network.addInput("q", DataType::Float32, {2, 6, 4});
    Tensor* k = *network.addInput("k", DataType::Float32, {2, 6, 4});
    Tensor* v = *network.addInput("v", DataType::Float32, {2, 5, 4});
    Tensor* mask = *network.addInput("mask", DataType::Float32, {3, 6});
    const auto message = [&](const AttentionParams& p, const std::vector<Tensor*>& inputs) {
        auto layer = network.addLayer("attention", p, inputs, {"out"});
        return layer.isOk() ? std::string() : layer.status().message();
    };
    EXPECT_NE(message(AttentionParams{}, {q, k, v}).find("do not fit"), std::string::npos);
    EXPECT_NE(message(AttentionParams{}, {q, k, k, mask}).find("input 3 (mask)"), std::string::npos);
    EXPECT_NE(message(AttentionParams{1.0f, {0, 0, 1}, {}, {}, {}}, {q, k, k}).find("not a permutation"), std::string::npos);
    EXPECT_NE(message(AttentionParams{1.0f, {2, 0, 1}, {}, {}, {}}, {q, k, k}).find("must stay in them"), std::string::npos);
    EXPECT_NE(message(AttentionParams{1.0f, {}, {}, {}, {0, 2, 1}}, {q, k, k}).find("must stay last"), std::string::npos);
    EXPECT_EQ(message(AttentionParams{1.0f, {}, {}, {}, {1, 0, 2}}, {q, k, k}), "");
}

}  // namespace
}  // namespace kiln::test

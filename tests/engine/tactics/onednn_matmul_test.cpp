// oneDNN matmul tactics for Gemm (transposes, alpha, beta, C broadcast from [N], [M, 1], [M, N] or a
// scalar, constant or computed at run time, fused activation) and MatMul (batch broadcasting, rank-1
// operands) against the reference kernels, constant weights in oneDNN's layout and transposed
// ("matmul_bt"); blocked layouts are refused with the reason.
#include <random>

#include "engine/tactics/onednn_test_util.h"

namespace kiln::test {
namespace {

struct GemmCase {
    std::string name;
    int64_t m = 0, k = 0, n = 0;
    bool transA = false, transB = false;
    float alpha = 1.0f, beta = 1.0f;
    std::optional<Dims> c{};
    bool runtimeB = false;
    bool runtimeC = false;
    std::optional<ActivationParams> activation{};
};

void checkGemm(const GemmCase& g) {
    std::mt19937 rng(21);
    HostTensor a = randomTensor(g.transA ? Dims{g.k, g.m} : Dims{g.m, g.k}, rng);
    HostTensor b = randomTensor(g.transB ? Dims{g.n, g.k} : Dims{g.k, g.n}, rng);
    HostTensor c = randomTensor(g.c.value_or(Dims{g.n}), rng);
    GemmParams p;
    p.transA = g.transA;
    p.transB = g.transB;
    p.alpha = g.alpha;
    p.beta = g.beta;
    p.activation = g.activation;
    std::vector<const HostTensor*> inputs = {&a, &b};
    if (g.c) inputs.push_back(&c);
    // The dot products scale with alpha, the C term with beta: both enter the absolute tolerance.
    Tolerance t = dotTolerance(g.k);
    t.atol *= std::max(1.0f, std::abs(g.alpha)) + std::abs(g.beta);
    std::vector<tactics::SkippedTactic> skipped;
    const std::vector<std::string> ids = checkOnednnTactics(p, inputs, {true, g.runtimeB, g.runtimeC}, 1,
                                                            linearFormats(), t, g.name, &skipped);
    EXPECT_TRUE(hasTactic(ids, "onednn:matmul:")) << g.name << " offered no tactic:" << skippedText(skipped);
    // Constant weights are offered transposed too (and checked above like every tactic offered).
    EXPECT_EQ(hasTactic(ids, "onednn:matmul_bt:"), !g.runtimeB) << g.name << ":" << skippedText(skipped);
}

TEST(OnednnGemm, FullyConnectedWithBias) {
    GemmCase g{"fc 5x13x7", 5, 13, 7};
    g.transB = true;
    g.c = Dims{7};
    checkGemm(g);
    g.name = "fc batch 1 relu";
    g.m = 1;
    g.k = 64;
    g.n = 10;
    g.c = Dims{1, 10};
    g.activation = ActivationParams{ActivationType::Relu, 0.0f, 0.0f};
    checkGemm(g);
}

TEST(OnednnGemm, TransposesAlphaBeta) {
    for (bool transA : {false, true}) {
        for (bool transB : {false, true}) {
            GemmCase g{"trans " + std::to_string(transA) + std::to_string(transB),
                       6,
                       11,
                       9,
                       transA,
                       transB,
                       0.5f,
                       2.0f,
                       Dims{6, 9}};
            checkGemm(g);
            g.name += " no C";
            g.c.reset();
            g.alpha = 1.5f;
            checkGemm(g);
        }
    }
}

TEST(OnednnGemm, BroadcastCAndRuntimeOperands) {
    GemmCase column{"C [M,1]", 6, 11, 9, false, false, 1.0f, 1.0f, Dims{6, 1}};
    checkGemm(column);
    GemmCase scalar{"C scalar, alpha 0.25", 6, 11, 9, false, true, 0.25f, 3.0f, Dims{}};
    checkGemm(scalar);
    GemmCase runtime{"runtime B and C", 4, 17, 5, false, false, 1.0f, 1.0f, Dims{4, 5}};
    runtime.runtimeB = true;
    runtime.runtimeC = true;
    checkGemm(runtime);
    runtime.name = "runtime B and C, alpha, tanh";
    runtime.alpha = 0.5f;
    runtime.activation = ActivationParams{ActivationType::Tanh, 0.0f, 0.0f};
    checkGemm(runtime);
    GemmCase rowBias{"C [1,N] runtime, HardSigmoid", 3, 8, 6, true, false, 1.0f, 1.0f, Dims{1, 6}};
    rowBias.runtimeC = true;
    rowBias.activation = ActivationParams{ActivationType::HardSigmoid, 0.2f, 0.5f};
    checkGemm(rowBias);
    GemmCase zeroBeta{"beta 0 ignores C", 4, 17, 5, false, false, 1.0f, 0.0f, Dims{5}};
    checkGemm(zeroBeta);
}

void checkMatMul(const std::string& name, const Dims& aDims, const Dims& bDims, bool constantB) {
    std::mt19937 rng(33);
    HostTensor a = randomTensor(aDims, rng);
    HostTensor b = randomTensor(bDims, rng);
    std::vector<tactics::SkippedTactic> skipped;
    const std::vector<std::string> ids =
        checkOnednnTactics(MatMulParams{}, {&a, &b}, {true, !constantB}, 1, linearFormats(),
                           dotTolerance(aDims.back()), name, &skipped);
    EXPECT_TRUE(hasTactic(ids, "onednn:matmul:")) << name << " offered no tactic:" << skippedText(skipped);
    EXPECT_EQ(hasTactic(ids, "onednn:matmul_bt:"), constantB) << name << ":" << skippedText(skipped);
}

TEST(OnednnGemm, RefusalsSayWhy) {
    std::mt19937 rng(2);
    HostTensor a = randomTensor({4, 6}, rng);
    HostTensor b = randomTensor({6, 5}, rng);
    HostTensor c = randomTensor({4, 5}, rng);
    GemmParams p;
    p.beta = -2.0f;
    Result<SingleLayerNetwork> net = makeSingleLayerNetwork(p, {&a, &b, &c}, {true, false, true});
    ASSERT_TRUE(net.isOk()) << net.status().message();
    Enumeration scaledC = enumerateOnednn(tactics::LayerConfig::of(*net->layer));
    EXPECT_TRUE(scaledC.tactics.empty());
    ASSERT_EQ(scaledC.skipped.size(), 1u);
    EXPECT_NE(scaledC.skipped[0].reason.find("beta"), std::string::npos) << scaledC.skipped[0].reason;

    tactics::LayerConfig fp16 = tactics::LayerConfig::of(*net->layer);
    fp16.precision = DataType::Float16;
    Enumeration half = enumerateOnednn(fp16);
    EXPECT_TRUE(half.tactics.empty());
    ASSERT_EQ(half.skipped.size(), 1u);
    EXPECT_EQ(half.skipped[0].reason, "runs FP32 only, not FP16");
}

TEST(OnednnMatMul, BatchedBroadcastAndRankOne) {
    checkMatMul("2-D constant weights", {5, 13}, {13, 7}, true);
    checkMatMul("batched x constant 2-D", {3, 5, 13}, {13, 7}, true);
    checkMatMul("batched x batched", {3, 5, 13}, {3, 13, 7}, false);
    checkMatMul("broadcast both batch axes", {2, 1, 5, 4}, {3, 4, 6}, false);
    checkMatMul("rank-1 A", {13}, {3, 13, 7}, false);
    checkMatMul("rank-1 B", {3, 5, 13}, {13}, false);
    // Weights without batch dimensions fold A's batch into rows of one product.
    checkMatMul("sequence-first rows x constant 2-D", {37, 1, 24}, {24, 9}, true);
    checkMatMul("rows x computed [1, K, N]", {2, 3, 5, 24}, {1, 24, 9}, false);
}

// The epilogue of a transformer's linear layers: [B, S, K] x [K, N] constant weights, a constant bias [N],
// a computed residual [B, S, N], then an activation; each alone and all together. The bias and residual add
// two terms of magnitude at most 1 to the dot product: 2 more in the absolute tolerance.
TEST(OnednnMatMul, BiasResidualAndActivationEpilogue) {
    std::mt19937 rng(34);
    const HostTensor a = randomTensor({2, 5, 24}, rng);
    const HostTensor b = randomTensor({24, 12}, rng);
    const HostTensor bias = randomTensor({12}, rng);
    const HostTensor residual = randomTensor({2, 5, 12}, rng);
    Tolerance t = dotTolerance(24);
    t.atol *= 3.0f;
    struct Case {
        std::string name;
        std::vector<const HostTensor*> inputs;
        std::optional<ActivationParams> activation;
    };
    const std::vector<Case> cases{
        {"bias", {&a, &b, &bias}, std::nullopt},
        {"residual", {&a, &b, nullptr, &residual}, std::nullopt},
        {"activation", {&a, &b}, ActivationParams{ActivationType::Gelu}},
        {"bias, residual and GELU (tanh)", {&a, &b, &bias, &residual}, ActivationParams{ActivationType::GeluTanh}},
    };
    for (const Case& c : cases) {
        std::vector<tactics::SkippedTactic> skipped;
        const std::vector<bool> activations{true, false, false, true};
        const std::vector<std::string> ids =
            checkOnednnTactics(MatMulParams{c.activation}, c.inputs,
                               std::vector<bool>(activations.begin(), activations.begin() + c.inputs.size()), 1,
                               linearFormats(), t, c.name, &skipped);
        EXPECT_TRUE(hasTactic(ids, "onednn:matmul:")) << c.name << " offered no tactic:" << skippedText(skipped);
    }
    // A bias on a batched product (weights with batch axes) is refused with the reason.
    const HostTensor batchedB = randomTensor({2, 24, 12}, rng);
    Result<SingleLayerNetwork> net = makeSingleLayerNetwork(MatMulParams{}, {&a, &batchedB, &bias}, {true, false, false});
    ASSERT_TRUE(net.isOk()) << net.status().message();
    const Enumeration batched = enumerateOnednn(tactics::LayerConfig::of(*net->layer));
    EXPECT_TRUE(batched.tactics.empty());
    ASSERT_FALSE(batched.skipped.empty());
    EXPECT_NE(batched.skipped[0].reason.find("batch-free"), std::string::npos) << batched.skipped[0].reason;
}

TEST(OnednnMatMul, RefusesBlockedTensors) {
    std::mt19937 rng(1);
    HostTensor a = randomTensor({2, 16, 4, 4}, rng);
    HostTensor b = randomTensor({2, 16, 4, 4}, rng);
    Result<SingleLayerNetwork> net = makeSingleLayerNetwork(MatMulParams{}, {&a, &b}, {true, true});
    ASSERT_TRUE(net.isOk()) << net.status().message();
    setFormats(*net->layer, blockedFormats(16));
    Enumeration e = enumerateOnednn(tactics::LayerConfig::of(*net->layer));
    EXPECT_TRUE(e.tactics.empty());
    ASSERT_EQ(e.skipped.size(), 1u);
    EXPECT_EQ(e.skipped[0].id, "onednn:matmul");
    EXPECT_EQ(e.skipped[0].reason, "needs linear (NCHW) tensors");
}

}  // namespace
}  // namespace kiln::test

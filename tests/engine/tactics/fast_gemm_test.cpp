// Kiln's matrix product with packed constant weights ("kiln:gemm") against the reference, on every
// instruction set: MatMul with the fused bias, residual and activation epilogue, shapes that leave
// partial tiles, panels, column blocks and depth steps, rows folded from batch axes; Gemm with B
// transposed or not, alpha, and beta * C as a row, a [1, N] row or one value. Refusals say why, and
// the kernel reads neither B nor the bias from the layer (the plan keeps only their prepared forms).
//
// Tolerance: both sides sum K products of values in [-1, 1] in FP32, in different orders (the reference
// one after another, the kernel in steps of 256 with fused multiply-adds on AVX2), so they differ by
// rounding errors that grow like sqrt(K) times an ulp of the sum: 1e-5 * sqrt(K) absolute, for each of
// the up to three terms (product, bias, residual), or 1e-4 relative (839 ulp), as the oneDNN matmul
// tests allow (dotTolerance).
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fast_test_helpers.h"

namespace kiln::test {
namespace {

constexpr const char* kId = "kiln:gemm";
constexpr int64_t kMaxUlp = 839;

double absoluteFor(int64_t depth) {
    return 3.0 * 1e-5 * std::sqrt(double(depth));
}

// The kernel of "kiln:gemm" for `config` on `isa`, from weights prepared now.
Result<std::unique_ptr<tactics::Kernel>> gemmKernel(const tactics::LayerConfig& config, cpu::fast::Isa isa,
                                                    std::vector<tactics::WeightBlob>* blobsOut = nullptr) {
    const Offer offer = enumerateKiln(isa, config);
    const tactics::Tactic* tactic = offer.find(kId);
    if (!tactic) return notFound("not offered: " + offer.skipReason(kId));
    KILN_ASSIGN_OR_RETURN(std::vector<tactics::WeightBlob> blobs, tactic->prepareWeights());
    if (blobsOut) *blobsOut = blobs;
    return tactic->instantiate(std::move(blobs));
}

TEST(KilnGemm, MatMulShapesWithPartialTilesPanelsAndSteps) {
    std::mt19937 rng(90);
    struct Shape {
        Dims a;
        int64_t n;
    };
    // Rows 1, 7 (a partial tile) and 100 (two row blocks); N 17 (a partial panel) and 130 (two column
    // blocks, the second partial); K 1, 24 and 300 (two depth steps); A of rank 3 and 4 folds into rows.
    for (const Shape& s : std::vector<Shape>{{{1, 24}, 12},
                                             {{7, 1}, 17},
                                             {{100, 300}, 130},
                                             {{2, 5, 24}, 16},
                                             {{2, 3, 4, 40}, 33},
                                             {{197, 64}, 48}}) {
        const int64_t depth = s.a.back();
        const HostTensor a = randomTensor(s.a, rng);
        const HostTensor b = randomTensor({depth, s.n}, rng);
        checkAgainstReference(MatMulParams{}, {&a, &b}, {true, false}, TensorFormat{}, kId, kMaxUlp,
                              absoluteFor(depth), toString(s.a) + " x " + toString(b.dims()));
    }
}

TEST(KilnGemm, MatMulEpilogueBiasResidualActivation) {
    std::mt19937 rng(91);
    const HostTensor a = randomTensor({2, 5, 40}, rng);
    const HostTensor b = randomTensor({40, 20}, rng);
    const HostTensor bias = randomTensor({20}, rng);
    const HostTensor residual = randomTensor({2, 5, 20}, rng);
    struct Case {
        std::string name;
        std::vector<const HostTensor*> inputs;
        std::vector<bool> activations;
        std::optional<ActivationParams> activation;
    };
    const std::vector<Case> cases{
        {"bias", {&a, &b, &bias}, {true, false, false}, std::nullopt},
        {"residual", {&a, &b, nullptr, &residual}, {true, false, false, true}, std::nullopt},
        {"GELU", {&a, &b}, {true, false}, ActivationParams{ActivationType::Gelu}},
        {"bias, residual and ReLU",
         {&a, &b, &bias, &residual},
         {true, false, false, true},
         ActivationParams{ActivationType::Relu}},
        {"bias and GELU (tanh)",
         {&a, &b, &bias},
         {true, false, false},
         ActivationParams{ActivationType::GeluTanh}},
    };
    for (const Case& c : cases) {
        checkAgainstReference(MatMulParams{c.activation}, c.inputs, c.activations, TensorFormat{}, kId,
                              kMaxUlp, absoluteFor(40), c.name);
    }
}

TEST(KilnGemm, GemmTransposesAlphaAndConstantRows) {
    std::mt19937 rng(92);
    for (bool transB : {false, true}) {
        const HostTensor a = randomTensor({9, 30}, rng);
        const HostTensor b = randomTensor(transB ? Dims{21, 30} : Dims{30, 21}, rng);
        const std::string side = transB ? "B^T" : "B";
        GemmParams p;
        p.transB = transB;
        checkAgainstReference(p, {&a, &b}, {true, false}, TensorFormat{}, kId, kMaxUlp, absoluteFor(30),
                              side);
        p.alpha = 0.5f;
        p.beta = 2.0f;
        p.activation = ActivationParams{ActivationType::Relu};
        for (const Dims& cDims : std::vector<Dims>{{21}, {1, 21}, {}}) {
            const HostTensor c = randomTensor(cDims, rng);
            checkAgainstReference(p, {&a, &b, &c}, {true, false, false}, TensorFormat{}, kId, kMaxUlp,
                                  absoluteFor(30), side + ", alpha, beta, C " + toString(cDims) + ", ReLU");
        }
    }
}

TEST(KilnGemm, RefusalsSayWhy) {
    std::mt19937 rng(93);
    const HostTensor a = randomTensor({4, 6}, rng);
    const HostTensor b = randomTensor({6, 5}, rng);
    EXPECT_EQ(skipReasonFor(MatMulParams{}, {&a, &b}, {true, true}, TensorFormat{}, kId),
              "needs constant weights (B)");
    GemmParams transA;
    transA.transA = true;
    const HostTensor aT = randomTensor({6, 4}, rng);
    EXPECT_EQ(skipReasonFor(transA, {&aT, &b}, {true, false}, TensorFormat{}, kId),
              "reads A as stored (transA is not offered)");
    const HostTensor full = randomTensor({4, 5}, rng);
    EXPECT_EQ(skipReasonFor(GemmParams{}, {&a, &b, &full}, {true, false, false}, TensorFormat{}, kId),
              "takes C only as a constant row ([N], [1, N] or one value)");
    const HostTensor batchedB = randomTensor({2, 6, 5}, rng);
    const HostTensor batchedA = randomTensor({2, 4, 6}, rng);
    EXPECT_EQ(skipReasonFor(MatMulParams{}, {&batchedA, &batchedB}, {true, false}, TensorFormat{}, kId),
              "needs weights without batch axes ([K, N])");
    EXPECT_EQ(skipReasonFor(MatMulParams{}, {&a, &b}, {true, false}, TensorFormat{}, kId, DataType::BFloat16),
              "runs FP32 layers only");
}

// The prepared blobs replace B and the bias: a plan need not keep them, and the kernel must not read them.
TEST(KilnGemm, ReadsOnlyAAndTheResidualFromTheLayer) {
    std::mt19937 rng(94);
    const HostTensor a = randomTensor({3, 8}, rng);
    const HostTensor b = randomTensor({8, 4}, rng);
    const HostTensor bias = randomTensor({4}, rng);
    const HostTensor residual = randomTensor({3, 4}, rng);
    auto built =
        makeSingleLayerNetwork(MatMulParams{}, {&a, &b, &bias, &residual}, {true, false, false, true});
    ASSERT_TRUE(built.isOk()) << built.status().message();
    const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
    std::vector<tactics::WeightBlob> blobs;
    auto kernel = gemmKernel(config, cpu::fast::bestIsa(), &blobs);
    ASSERT_TRUE(kernel.isOk()) << kernel.status().message();
    ASSERT_EQ(blobs.size(), 2u);
    EXPECT_TRUE((*kernel)->readsInput(0));
    EXPECT_FALSE((*kernel)->readsInput(1));
    EXPECT_FALSE((*kernel)->readsInput(2));
    EXPECT_TRUE((*kernel)->readsInput(3));
    // Blobs of another product's size are refused with advice.
    const Offer offer = enumerateKiln(cpu::fast::bestIsa(), config);
    ASSERT_NE(offer.find(kId), nullptr);
    auto refused = offer.find(kId)->instantiate({blobs[0]});
    ASSERT_FALSE(refused.isOk());
    EXPECT_NE(refused.status().message().find("rebuild the plan"), std::string::npos)
        << refused.status().message();
}

// A residual that lies in the output's own memory (written over in place) is read before each row is
// written: the same result as from separate memory.
TEST(KilnGemm, ResidualInTheOutputsMemory) {
    std::mt19937 rng(95);
    const HostTensor a = randomTensor({20, 40}, rng);
    const HostTensor b = randomTensor({40, 150}, rng);
    const HostTensor bias = randomTensor({150}, rng);
    const HostTensor residual = randomTensor({20, 150}, rng);
    auto built = makeSingleLayerNetwork(MatMulParams{ActivationParams{ActivationType::Relu}},
                                        {&a, &b, &bias, &residual}, {true, false, false, true});
    ASSERT_TRUE(built.isOk()) << built.status().message();
    auto expected = runReference(*built->layer, {&a, &b, &bias, &residual});
    ASSERT_TRUE(expected.isOk()) << expected.status().message();
    const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
    for (cpu::fast::Isa isa : testedIsas()) {
        auto kernel = gemmKernel(config, isa);
        ASSERT_TRUE(kernel.isOk()) << kernel.status().message();
        std::vector<float> output(residual.data<float>(), residual.data<float>() + residual.elementCount());
        tactics::KernelArgs args;
        args.inputs = {a.bytes(), nullptr, nullptr, reinterpret_cast<const std::byte*>(output.data())};
        args.outputs = {reinterpret_cast<std::byte*>(output.data())};
        ASSERT_TRUE((*kernel)->run(args).isOk());
        HostTensor actual(DataType::Float32, {20, 150});
        std::memcpy(actual.bytes(), output.data(), output.size() * sizeof(float));
        expectUlpClose((*expected)[0], actual, kMaxUlp, absoluteFor(40),
                       std::string("in place [") + cpu::fast::isaName(isa) + "]");
    }
}

}  // namespace
}  // namespace kiln::test

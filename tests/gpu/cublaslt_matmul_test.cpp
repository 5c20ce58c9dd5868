// cuBLASLt tactics against the reference kernels on random data: Gemm with every transposition, alpha
// and beta, C absent, a scalar, a row (the bias epilogue), a column or full, constant or computed at run
// time, and a fused ReLU; MatMul 2-D, batched, with broadcast batches and rank-1 operands, at odd sizes;
// TF32 tactics where allowTf32 is set; FP16 tactics on tensors held as FP16; runs recorded as CUDA
// graphs; and plan loading: find() rebuilds every tactic the provider offers, and nothing else.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <random>
#include <tuple>

#include <gtest/gtest.h>

#include "backends/cuda/cublaslt/cublaslt_library.h"
#include "backends/cuda/cublaslt/cublaslt_provider.h"
#include "gpu_test_util.h"

namespace kiln::test {
namespace {

const tactics::TacticProvider& provider() {
    return cuda::cublasLtProvider();
}

// cuBLASLt is not linked but loaded at its first use, and has the major version of the headers (no
// device is needed for either).
TEST(CublasLtLibrary, LoadsAtFirstUseWithTheHeadersMajorVersion) {
    EXPECT_EQ(cuda::lt::loadError(), "");
    // The major version: a machine may have another minor release of the same library.
    EXPECT_EQ(cuda::lt::cublasLtGetVersion() / 10000, size_t(CUBLAS_VER_MAJOR));
    EXPECT_NE(cuda::lt::symbol("cublasLtMatmulDescInit_internal"), nullptr);
    EXPECT_EQ(cuda::lt::symbol("cublasLtNoSuchFunction"), nullptr);
}

bool isTf32(const std::string& id) {
    return id.rfind("cublaslt:tf32:", 0) == 0;
}

// FP32 tactics sum the K products of inputs in [-1, 1] in float, in their own order (tiles, split K),
// where the reference sums exactly in double and rounds once. Each addition rounds by at most half an
// ulp of a partial sum; partial sums of random-sign terms grow like sqrt(K) and their rounding errors
// add up like sqrt(K), so K * FLT_EPSILON / 2 bounds the difference, doubled for the C term or bias
// added after the sum. `scale` is the largest factor a term is multiplied by (alpha, beta).
struct Tolerance {
    float rtol = 1e-5f;
    float atol = 0.0f;
};

Tolerance fp32Tolerance(int64_t k, float scale = 1.0f) {
    return {1e-5f, float(k) * FLT_EPSILON * scale};
}

// TF32 keeps 10 of float's 23 mantissa bits: each operand is rounded to it with a relative error below
// 2^-10 (even where the conversion truncates), so each product is off by less than 2^-9 of its
// magnitude (at most 1 here) and the sum of K of them by less than K * 2^-9, whatever their signs.
Tolerance tf32Tolerance(int64_t k, float scale = 1.0f) {
    return {1e-5f, float(k) * std::ldexp(1.0f, -9) * scale + fp32Tolerance(k, scale).atol};
}

std::string skippedText(const std::vector<tactics::SkippedTactic>& skipped) {
    std::string text;
    for (const auto& skip : skipped)
        text += " " + skip.id + ": " + skip.reason + ";";
    return text;
}

// Compares every TF32 tactic offered with allowTf32 set with the reference, within the TF32 tolerance.
// Returns how many ran.
int expectTf32TacticsMatchReference(const SingleLayerNetwork& net,
                                    const std::vector<const HostTensor*>& inputs, const Tolerance& t,
                                    const std::string& what) {
    tactics::LayerConfig config = tactics::LayerConfig::of(*net.layer);
    config.allowTf32 = true;
    auto expected = runReference(*net.layer, inputs);
    EXPECT_TRUE(expected.isOk()) << what << ": " << expected.status().message();
    if (!expected.isOk()) return 0;
    int ran = 0;
    for (const auto& tactic : offeredTactics(provider(), config)) {
        if (!isTf32(tactic->id())) continue;
        auto actual = runTactic(*tactic, config, inputs, gpuBackend());
        EXPECT_TRUE(actual.isOk()) << what << ", " << tactic->id() << ": " << actual.status().message();
        if (!actual.isOk()) continue;
        ++ran;
        expectClose(expected.value()[0], actual.value()[0], t.rtol, t.atol, what + ", " + tactic->id());
    }
    return ran;
}

struct GemmCase {
    int64_t m = 0;
    int64_t k = 0;
    int64_t n = 0;
    bool transA = false;
    bool transB = false;
    float alpha = 1.0f;
    float beta = 1.0f;
    std::optional<Dims> c{};
    bool runtimeB = false;
    bool runtimeC = false;
    std::optional<ActivationParams> activation{};
};

const ActivationParams kRelu{ActivationType::Relu, 0.0f, 0.0f};

std::string describe(const GemmCase& g) {
    std::string text = "gemm " + std::to_string(g.m) + "x" + std::to_string(g.k) + "x" + std::to_string(g.n) +
                       (g.transA ? " transA" : "") + (g.transB ? " transB" : "") + " alpha " +
                       std::to_string(g.alpha) + " beta " + std::to_string(g.beta);
    text += g.c ? " C " + toString(*g.c) + (g.runtimeC ? " at run time" : "") : " no C";
    if (g.runtimeB) text += " B at run time";
    if (g.activation) text += std::string(" ") + toString(g.activation->type);
    return text;
}

float gemmScale(const GemmCase& g) {
    return std::max(1.0f, std::abs(g.alpha)) + std::abs(g.beta);
}

// A Gemm layer on random inputs, kept alive with its network, and the tolerances of its results.
struct GemmFixture {
    HostTensor a;
    HostTensor b;
    HostTensor c;
    std::vector<const HostTensor*> inputs;
    SingleLayerNetwork net;
    Tolerance fp32;
    Tolerance tf32;
};

Result<std::unique_ptr<GemmFixture>> makeGemm(const GemmCase& g) {
    std::mt19937 rng(31);
    auto fixture = std::make_unique<GemmFixture>();
    fixture->a = randomTensor(g.transA ? Dims{g.k, g.m} : Dims{g.m, g.k}, rng);
    fixture->b = randomTensor(g.transB ? Dims{g.n, g.k} : Dims{g.k, g.n}, rng);
    fixture->c = randomTensor(g.c.value_or(Dims{}), rng);
    fixture->inputs = {&fixture->a, &fixture->b};
    if (g.c) fixture->inputs.push_back(&fixture->c);
    GemmParams p;
    p.transA = g.transA;
    p.transB = g.transB;
    p.alpha = g.alpha;
    p.beta = g.beta;
    p.activation = g.activation;
    KILN_ASSIGN_OR_RETURN(fixture->net,
                          makeSingleLayerNetwork(p, fixture->inputs, {true, g.runtimeB, g.runtimeC}));
    fixture->fp32 = fp32Tolerance(g.k + 1, gemmScale(g));
    fixture->tf32 = tf32Tolerance(g.k + 1, gemmScale(g));
    return fixture;
}

// Every FP32 tactic must match the reference, and at least one must be offered.
void checkGemm(const GemmCase& g) {
    auto fixture = makeGemm(g);
    ASSERT_TRUE(fixture.isOk()) << describe(g) << ": " << fixture.status().message();
    const Tolerance& t = fixture.value()->fp32;
    expectGpuTacticsMatchReference(provider(), fixture.value()->net, fixture.value()->inputs, t.rtol, t.atol,
                                   describe(g));
}

TEST(CublasLtGemm, EveryTranspositionWithAlphaAndBeta) {
    KILN_REQUIRE_GPU();
    for (bool transA : {false, true}) {
        for (bool transB : {false, true}) {
            checkGemm({7, 33, 129, transA, transB, 0.5f, 2.0f, Dims{7, 129}});
            checkGemm({33, 129, 1, transA, transB, -1.5f, 1.0f});
            checkGemm({1, 7, 33, transA, transB, 1.0f, 1.0f, Dims{33}, true});
        }
    }
}

TEST(CublasLtGemm, EveryShapeOfConstantC) {
    KILN_REQUIRE_GPU();
    // A row with beta 1 is the bias epilogue; everything else is broadcast to [M, N] once.
    for (const Dims& c : std::vector<Dims>{{}, {1}, {129}, {1, 129}, {33, 1}, {33, 129}, {1, 1}}) {
        checkGemm({33, 7, 129, false, true, 1.0f, 1.0f, c});
        checkGemm({33, 7, 129, true, false, 0.75f, -0.5f, c});
    }
}

TEST(CublasLtGemm, RunTimeOperands) {
    KILN_REQUIRE_GPU();
    checkGemm({33, 129, 7, false, false, 1.0f, 1.0f, Dims{7}, true, true});
    checkGemm({33, 129, 7, true, true, 1.0f, 1.0f, Dims{1, 7}, true, true, kRelu});
    checkGemm({33, 129, 7, false, true, 2.0f, 0.5f, Dims{33, 7}, true, true});
    checkGemm({1, 129, 7, false, true, 1.0f, -1.0f, Dims{7}, true, true});
}

TEST(CublasLtGemm, FusedRelu) {
    KILN_REQUIRE_GPU();
    checkGemm({1000, 33, 129, false, true, 1.0f, 1.0f, Dims{129}, false, false, kRelu});
    checkGemm({129, 33, 7, true, false, 0.5f, 1.0f, Dims{129, 7}, false, false, kRelu});
    checkGemm({7, 33, 1, false, false, 1.0f, 1.0f, std::nullopt, true, false, kRelu});
}

// The one FP32 family is skipped, with a reason that mentions `reason`.
void expectRefused(const GemmCase& g, const std::string& reason) {
    auto fixture = makeGemm(g);
    ASSERT_TRUE(fixture.isOk()) << fixture.status().message();
    std::vector<tactics::SkippedTactic> skipped;
    const tactics::LayerConfig config = tactics::LayerConfig::of(*fixture.value()->net.layer);
    EXPECT_TRUE(offeredTactics(provider(), config, &skipped).empty()) << describe(g);
    ASSERT_EQ(1u, skipped.size()) << skippedText(skipped);
    EXPECT_EQ("cublaslt:fp32", skipped[0].id);
    EXPECT_NE(std::string::npos, skipped[0].reason.find(reason)) << skipped[0].reason;
}

// C computed at run time that would need broadcasting, and activations cuBLASLt has no epilogue for, are
// refused with the reason (the Kiln CUDA direct kernels run them).
TEST(CublasLtGemm, RefusesWhatItCannotRun) {
    KILN_REQUIRE_GPU();
    GemmCase g{7, 33, 5};
    g.c = Dims{7, 1};
    g.runtimeC = true;
    expectRefused(g, "broadcasting");
    g.c = Dims{5};
    g.beta = 2.0f;
    expectRefused(g, "broadcasting");
    g.c.reset();
    g.activation = ActivationParams{ActivationType::Sigmoid, 0.0f, 0.0f};
    expectRefused(g, "Sigmoid");
}

// In an FP16 build each operand is rounded to FP16 (a relative error of at most 2^-11), so each product of
// inputs in [-1, 1] is off by at most 2^-10 + 2^-22, and C or the bias by 2^-11 of at most 1. Called with
// k = K + 1 (the C term), (k * 2^-10 + 2^-11) * scale covers all of it for K up to 4096. Split-K
// algorithms that add their parts in FP16 round more often; at these sizes they stay well within this
// worst case, which assumes every product's rounding errors of one sign. The result is rounded to FP16
// once more (2^-11 of its magnitude, the relative part), and the FP32 accumulation's error comes on top.
Tolerance fp16Tolerance(int64_t k, float scale = 1.0f) {
    return {
        std::ldexp(1.0f, -11) + 1e-5f,
        (float(k) * std::ldexp(1.0f, -10) + std::ldexp(1.0f, -11)) * scale + fp32Tolerance(k, scale).atol};
}

const TensorFormat kFp16Linear{0, false, DataType::Float16};

// With every activation held as FP16 (an FP16 build), only FP16 tactics are offered, TF32 allowed or not,
// and each matches the reference within FP16 rounding.
void checkFp16(Layer& layer, const std::vector<const HostTensor*>& inputs, const Tolerance& t,
               const std::string& what) {
    setActivationFormats(layer, kFp16Linear);
    tactics::LayerConfig config = tactics::LayerConfig::of(layer);
    ASSERT_EQ(DataType::Float16, config.precision);
    config.allowTf32 = true;
    std::vector<tactics::SkippedTactic> skipped;
    const auto tactics = offeredTactics(provider(), config, &skipped);
    ASSERT_FALSE(tactics.empty()) << what << ":" << skippedText(skipped);
    auto expected = runReference(layer, inputs);
    ASSERT_TRUE(expected.isOk()) << what << ": " << expected.status().message();
    for (const auto& tactic : tactics) {
        EXPECT_EQ(0u, tactic->id().rfind("cublaslt:fp16:", 0)) << tactic->id();
        auto actual = runTactic(*tactic, config, inputs, gpuBackend());
        ASSERT_TRUE(actual.isOk()) << what << ", " << tactic->id() << ": " << actual.status().message();
        expectClose(expected.value()[0], actual.value()[0], t.rtol, t.atol, what + ", " + tactic->id());
        // A plan names the tactic; loading it finds the same one.
        auto found = provider().find(config, tactic->id());
        ASSERT_TRUE(found.isOk()) << tactic->id() << ": " << found.status().message();
        EXPECT_EQ(tactic->id(), found.value()->id());
    }
}

TEST(CublasLtFp16, GemmWithEveryKindOfC) {
    KILN_REQUIRE_GPU();
    for (const GemmCase& g : {GemmCase{33, 129, 65, false, true, 1.0f, 1.0f, Dims{65}, false, false, kRelu},
                              GemmCase{7, 33, 129, true, false, 0.5f, 2.0f, Dims{7, 129}},
                              GemmCase{33, 129, 7, false, false, 1.0f, 1.0f, Dims{7}, true, true},
                              GemmCase{64, 1000, 8, true, true}}) {
        auto fixture = makeGemm(g);
        ASSERT_TRUE(fixture.isOk()) << describe(g) << ": " << fixture.status().message();
        checkFp16(*fixture.value()->net.layer, fixture.value()->inputs, fp16Tolerance(g.k + 1, gemmScale(g)),
                  describe(g));
    }
}

TEST(CublasLtFp16, MatMulBatchedAndWithConstantWeights) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(37);
    // Attention's products (batched, both operands at run time) and a linear layer's (constant weights).
    for (const auto& [aDims, bDims, constantB] :
         std::vector<std::tuple<Dims, Dims, bool>>{{{12, 65, 64}, {12, 64, 65}, false},
                                                   {{2, 65, 96}, {96, 256}, true},
                                                   {{7, 33}, {4, 33, 5}, false}}) {
        const HostTensor a = randomTensor(aDims, rng);
        const HostTensor b = randomTensor(bDims, rng);
        auto net = makeSingleLayerNetwork(MatMulParams{}, {&a, &b}, {true, !constantB});
        ASSERT_TRUE(net.isOk()) << net.status().message();
        checkFp16(*net.value().layer, {&a, &b}, fp16Tolerance(aDims.back()),
                  "fp16 matmul " + toString(aDims) + " x " + toString(bDims));
    }
}

// Tensors held in mixed types are refused with the reason, and so are an FP32 tactic's id for tensors
// held as FP16 and an FP16 tactic's id for FP32 tensors (a plan loaded against another build).
TEST(CublasLtFp16, RefusesMixedStorage) {
    KILN_REQUIRE_GPU();
    auto fixture = makeGemm({7, 33, 5});
    ASSERT_TRUE(fixture.isOk()) << fixture.status().message();
    Layer& layer = *fixture.value()->net.layer;
    layer.input(0)->setFormat(kFp16Linear);  // the output stays FP32
    std::vector<tactics::SkippedTactic> skipped;
    EXPECT_TRUE(offeredTactics(provider(), tactics::LayerConfig::of(layer), &skipped).empty());
    ASSERT_EQ(1u, skipped.size()) << skippedText(skipped);
    EXPECT_EQ("runs FP32 tensors here; input 0 is FP16", skipped[0].reason);
    // find() of tactic `precision` (its id's second field) for `layer` as its formats stand now.
    const auto expectIdRefused = [&](const std::string& precision, const std::string& reason) {
        const auto found =
            provider().find(tactics::LayerConfig::of(layer),
                            "cublaslt:" + precision +
                                ":algo1:tile0:stages0:splitk1:reduction0:swizzle0:custom0:inner0:cluster0");
        ASSERT_FALSE(found.isOk()) << precision;
        EXPECT_EQ(StatusCode::NotFound, found.status().code());
        EXPECT_NE(std::string::npos, found.status().message().find(reason)) << found.status().message();
    };
    setActivationFormats(layer, kFp16Linear);
    expectIdRefused("fp32", "runs FP32 tensors here");
    setActivationFormats(layer, TensorFormat{});
    expectIdRefused("fp16", "runs FP16 tensors here");
}

struct MatMulCase {
    Dims a;
    Dims b;
    bool constantB = false;
};

std::string describe(const MatMulCase& c) {
    return "matmul " + toString(c.a) + " x " + toString(c.b) + (c.constantB ? " constant B" : "");
}

void checkMatMul(const MatMulCase& c) {
    std::mt19937 rng(32);
    const HostTensor a = randomTensor(c.a, rng);
    const HostTensor b = randomTensor(c.b, rng);
    auto net = makeSingleLayerNetwork(MatMulParams{}, {&a, &b}, {true, !c.constantB});
    ASSERT_TRUE(net.isOk()) << describe(c) << ": " << net.status().message();
    const Tolerance t = fp32Tolerance(c.a.back());
    expectGpuTacticsMatchReference(provider(), net.value(), {&a, &b}, t.rtol, t.atol, describe(c));
}

TEST(CublasLtMatMul, OddSizes) {
    KILN_REQUIRE_GPU();
    checkMatMul({{1, 1}, {1, 1}});
    checkMatMul({{7, 33}, {33, 129}});
    checkMatMul({{129, 1000}, {1000, 7}, true});
    checkMatMul({{1000, 33}, {33, 1}});
    checkMatMul({{1, 129}, {129, 1000}, true});
}

TEST(CublasLtMatMul, BatchesAndBroadcasts) {
    KILN_REQUIRE_GPU();
    checkMatMul({{3, 7, 33}, {3, 33, 129}});
    // B shared by every batch: the batch folds into M.
    checkMatMul({{2, 3, 7, 33}, {33, 129}, true});
    // A shared by every batch: stride 0.
    checkMatMul({{7, 33}, {4, 33, 5}});
    checkMatMul({{1, 3, 7, 9}, {3, 9, 5}});
    checkMatMul({{2, 1, 33}, {2, 33, 7}});
}

TEST(CublasLtMatMul, RankOneOperands) {
    KILN_REQUIRE_GPU();
    checkMatMul({{33}, {33, 129}});
    checkMatMul({{7, 33}, {33}});
    checkMatMul({{33}, {33}});
    checkMatMul({{2, 7, 33}, {33}});
    checkMatMul({{33}, {2, 33, 5}});
}

TEST(CublasLtMatMul, RefusesBatchesBroadcastAgainstEachOther) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(33);
    const HostTensor a = randomTensor({2, 1, 7, 9}, rng);
    const HostTensor b = randomTensor({3, 9, 5}, rng);
    auto net = makeSingleLayerNetwork(MatMulParams{}, {&a, &b}, {true, true});
    ASSERT_TRUE(net.isOk()) << net.status().message();
    std::vector<tactics::SkippedTactic> skipped;
    EXPECT_TRUE(offeredTactics(provider(), tactics::LayerConfig::of(*net.value().layer), &skipped).empty());
    ASSERT_EQ(1u, skipped.size()) << skippedText(skipped);
    EXPECT_NE(std::string::npos, skipped[0].reason.find("broadcast against each other")) << skipped[0].reason;
}

TEST(CublasLtTf32, OfferedOnlyWhenAllowed) {
    KILN_REQUIRE_GPU();
    auto fixture = makeGemm({129, 257, 33, false, true, 1.0f, 1.0f, Dims{33}, false, false, kRelu});
    ASSERT_TRUE(fixture.isOk()) << fixture.status().message();
    tactics::LayerConfig config = tactics::LayerConfig::of(*fixture.value()->net.layer);
    for (const auto& tactic : offeredTactics(provider(), config))
        EXPECT_FALSE(isTf32(tactic->id())) << tactic->id();
    config.allowTf32 = true;
    int tf32 = 0;
    int fp32 = 0;
    for (const auto& tactic : offeredTactics(provider(), config))
        ++(isTf32(tactic->id()) ? tf32 : fp32);
    EXPECT_GT(tf32, 0);
    EXPECT_GT(fp32, 0);
}

TEST(CublasLtTf32, MatchesReferenceWithinTf32Rounding) {
    KILN_REQUIRE_GPU();
    for (const GemmCase& g : {GemmCase{129, 257, 33, false, true, 1.0f, 1.0f, Dims{33}, false, false, kRelu},
                              GemmCase{64, 100, 96, true, false, 0.5f, 2.0f, Dims{64, 96}}}) {
        auto fixture = makeGemm(g);
        ASSERT_TRUE(fixture.isOk()) << fixture.status().message();
        EXPECT_GT(expectTf32TacticsMatchReference(fixture.value()->net, fixture.value()->inputs,
                                                  fixture.value()->tf32, describe(g)),
                  0);
    }
    std::mt19937 rng(34);
    const HostTensor a = randomTensor({3, 65, 200}, rng);
    const HostTensor b = randomTensor({200, 40}, rng);
    auto net = makeSingleLayerNetwork(MatMulParams{}, {&a, &b}, {true, false});
    ASSERT_TRUE(net.isOk()) << net.status().message();
    EXPECT_GT(expectTf32TacticsMatchReference(net.value(), {&a, &b}, tf32Tolerance(200), "tf32 matmul"), 0);
}

// A one-layer network with its inputs and the tolerances of its results.
struct LayerCase {
    const SingleLayerNetwork* net = nullptr;
    std::vector<const HostTensor*> inputs;
    Tolerance fp32;
    Tolerance tf32;
};

// Runs `tactic` as an execution context replays a run: recorded once as a CUDA graph, then launched.
// Linear inputs (null for constants) in, linear outputs back.
Result<std::vector<HostTensor>> runRecorded(const tactics::Tactic& tactic, const tactics::LayerConfig& config,
                                            const std::vector<const HostTensor*>& inputs) {
    const backends::Backend& backend = gpuBackend();
    KILN_ASSIGN_OR_RETURN(std::vector<tactics::WeightBlob> blobs, tactic.prepareWeights());
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<tactics::Kernel> kernel, tactic.instantiate(std::move(blobs)));
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<backends::Stream> stream, backend.createStream());
    const Layer& layer = *config.layer;
    std::vector<std::shared_ptr<backends::DeviceBuffer>> memory;
    tactics::KernelArgs args;
    args.stream = stream.get();
    for (size_t i = 0; i < layer.inputs().size(); ++i) {
        const Tensor* tensor = layer.input(i);
        if (!tensor || tensor->isConstant()) {
            args.inputs.push_back(tensor ? tensor->constantData()->bytes() : nullptr);
            continue;
        }
        KILN_ASSIGN_OR_RETURN(auto buffer, backend.allocate(inputs.at(i)->byteSize()));
        KILN_RETURN_IF_ERROR(backend.copy(buffer->data(), inputs[i]->bytes(), inputs[i]->byteSize(),
                                          backends::CopyDirection::HostToDevice, *stream));
        args.inputs.push_back(buffer->data());
        memory.push_back(std::move(buffer));
    }
    HostTensor output(layer.output(0)->type(), layer.output(0)->dims());
    KILN_ASSIGN_OR_RETURN(auto outputBuffer, backend.allocate(output.byteSize()));
    KILN_RETURN_IF_ERROR(backend.fill(outputBuffer->data(), 0x7f, output.byteSize(), *stream));
    args.outputs.push_back(outputBuffer->data());
    KILN_ASSIGN_OR_RETURN(auto workspace, backend.allocate(size_t(tactic.workspaceBytes())));
    args.workspace = workspace->data();
    KILN_RETURN_IF_ERROR(stream->synchronize());
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<backends::CapturedWork> recording,
                          backend.capture(*stream, [&] { return kernel->run(args); }));
    KILN_RETURN_IF_ERROR(recording->launch(*stream));
    KILN_RETURN_IF_ERROR(backend.copy(output.bytes(), outputBuffer->data(), output.byteSize(),
                                      backends::CopyDirection::DeviceToHost, *stream));
    KILN_RETURN_IF_ERROR(stream->synchronize());
    std::vector<HostTensor> outputs;
    outputs.push_back(std::move(output));
    return outputs;
}

TEST(CublasLtGraphs, RecordedRunsMatchReference) {
    KILN_REQUIRE_GPU();
    // A bias computed at run time (its address is set on the shared operation while issuing), a constant
    // C broadcast to a matrix, and strided batches.
    std::vector<std::unique_ptr<GemmFixture>> fixtures;
    for (const GemmCase& g : {GemmCase{33, 129, 7, false, true, 1.0f, 1.0f, Dims{7}, true, true, kRelu},
                              GemmCase{33, 129, 7, true, false, 0.5f, 2.0f, Dims{33, 1}}}) {
        auto fixture = makeGemm(g);
        ASSERT_TRUE(fixture.isOk()) << fixture.status().message();
        fixtures.push_back(std::move(fixture).value());
    }
    std::mt19937 rng(35);
    const HostTensor a = randomTensor({7, 33}, rng);
    const HostTensor b = randomTensor({4, 33, 5}, rng);
    auto matmul = makeSingleLayerNetwork(MatMulParams{}, {&a, &b}, {true, true});
    ASSERT_TRUE(matmul.isOk()) << matmul.status().message();
    std::vector<LayerCase> cases;
    for (const auto& fixture : fixtures)
        cases.push_back({&fixture->net, fixture->inputs, fixture->fp32, fixture->tf32});
    cases.push_back({&matmul.value(), {&a, &b}, fp32Tolerance(33), tf32Tolerance(33)});
    for (const LayerCase& c : cases) {
        const tactics::LayerConfig config = tactics::LayerConfig::of(*c.net->layer);
        auto expected = runReference(*c.net->layer, c.inputs);
        ASSERT_TRUE(expected.isOk()) << expected.status().message();
        const auto tactics = offeredTactics(provider(), config);
        EXPECT_FALSE(tactics.empty());
        for (const auto& tactic : tactics) {
            auto actual = runRecorded(*tactic, config, c.inputs);
            ASSERT_TRUE(actual.isOk()) << tactic->id() << ": " << actual.status().message();
            expectClose(expected.value()[0], actual.value()[0], c.fp32.rtol, c.fp32.atol,
                        "recorded " + tactic->id());
        }
    }
}

// A plan stores tactic ids; loading it asks find() for each. Every id enumerate() offers, FP32 or TF32,
// must come back as the same tactic whatever allowTf32 says now, and run correctly.
TEST(CublasLtProvider, FindRebuildsEveryOfferedTactic) {
    KILN_REQUIRE_GPU();
    std::vector<std::unique_ptr<GemmFixture>> fixtures;
    for (const GemmCase& g : {GemmCase{129, 257, 33, false, true, 1.0f, 1.0f, Dims{33}, false, false, kRelu},
                              GemmCase{33, 129, 7, true, true, 0.5f, 1.0f, Dims{7}, true, true},
                              GemmCase{1000, 33, 129, false, false, 1.0f, 1.0f, Dims{1000, 1}},
                              // Small outputs over a long K: split-K algorithms, some with a split of -1.
                              GemmCase{7, 1000, 33}}) {
        auto fixture = makeGemm(g);
        ASSERT_TRUE(fixture.isOk()) << fixture.status().message();
        fixtures.push_back(std::move(fixture).value());
    }
    std::mt19937 rng(36);
    const HostTensor a = randomTensor({7, 33}, rng);
    const HostTensor b = randomTensor({4, 33, 65}, rng);
    auto matmul = makeSingleLayerNetwork(MatMulParams{}, {&a, &b}, {true, true});
    ASSERT_TRUE(matmul.isOk()) << matmul.status().message();
    std::vector<LayerCase> cases;
    for (const auto& fixture : fixtures)
        cases.push_back({&fixture->net, fixture->inputs, fixture->fp32, fixture->tf32});
    cases.push_back({&matmul.value(), {&a, &b}, fp32Tolerance(33), tf32Tolerance(33)});
    for (const LayerCase& c : cases) {
        tactics::LayerConfig config = tactics::LayerConfig::of(*c.net->layer);
        config.allowTf32 = true;
        const auto offered = offeredTactics(provider(), config);
        ASSERT_FALSE(offered.empty());
        auto expected = runReference(*c.net->layer, c.inputs);
        ASSERT_TRUE(expected.isOk()) << expected.status().message();
        for (const auto& tactic : offered) {
            for (bool allowTf32 : {true, false}) {
                config.allowTf32 = allowTf32;
                auto found = provider().find(config, tactic->id());
                ASSERT_TRUE(found.isOk()) << tactic->id() << ": " << found.status().message();
                EXPECT_EQ(tactic->id(), found.value()->id());
                EXPECT_EQ(tactic->workspaceBytes(), found.value()->workspaceBytes()) << tactic->id();
                auto actual = runTactic(*found.value(), config, c.inputs, gpuBackend());
                ASSERT_TRUE(actual.isOk()) << tactic->id() << ": " << actual.status().message();
                const Tolerance& t = isTf32(tactic->id()) ? c.tf32 : c.fp32;
                expectClose(expected.value()[0], actual.value()[0], t.rtol, t.atol, "found " + tactic->id());
            }
        }
    }
    const tactics::LayerConfig config = tactics::LayerConfig::of(*matmul.value().layer);
    const std::vector<std::string> malformed = {
        "cublaslt:fp32:algo1",
        "cublaslt:fp64:algo1:tile0:stages0:splitk1:reduction0:swizzle0:custom0:inner0:cluster0",
        "cublaslt:fp32:algo1:tile0:stages0:splitk1:reduction0:swizzle0:custom0:inner0:cluster70000",
        "cublaslt:fp32:algo1:tile-1:stages0:splitk1:reduction0:swizzle0:custom0:inner0:cluster0",
        "cublaslt:fp32:algo1:tile0:stages0:splitk1:reduction0:swizzle0:custom0:inner0:cluster0:extra",
        "kiln-cuda:dense:matmul",
    };
    for (const std::string& id : malformed) {
        auto found = provider().find(config, id);
        ASSERT_FALSE(found.isOk()) << id;
        EXPECT_EQ(StatusCode::NotFound, found.status().code()) << id << ": " << found.status().message();
    }
}

}  // namespace
}  // namespace kiln::test

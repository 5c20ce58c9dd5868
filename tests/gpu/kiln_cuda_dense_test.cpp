// Kiln CUDA direct kernels against the reference kernels on random data: convolutions of 1 to 3 spatial
// axes (groups, depthwise, strides, dilations, asymmetric pads, bias, residual, every fused activation,
// split outputs, batches of 1 and 3), deconvolutions (groups, output padding, dilations, bias), MatMul
// (broadcast batches of every kind, rank-1 operands, odd sizes, K of 0) and Gemm (transposes, alpha,
// beta, every shape of C, activations).
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "backends/cuda/kiln/kiln_cuda_provider.h"
#include "gpu_test_util.h"

namespace kiln::test {
namespace {

const tactics::TacticProvider& provider() {
    return cuda::kilnCudaProvider();
}

// The kernels sum `terms` products of inputs in [-1, 1] in float, in their own order, where the
// reference sums exactly in double and rounds once. Each addition rounds by at most half an ulp of a
// partial sum; partial sums of random-sign terms grow like sqrt(terms) and their rounding errors add up
// like sqrt(terms), so terms * FLT_EPSILON / 2 bounds the difference, doubled here for the bias,
// residual or C added after the sum. A fused activation changes values by at most 1.76 times as much
// (SELU's slope), and its exp, tanh or log1p in CUDA's float math (at most 2 ulp off) is what rtol is
// for, with the rounding of large results.
struct Tolerance {
    float rtol = 1e-5f;
    float atol = 0.0f;
};

Tolerance sumTolerance(int64_t terms, bool activation = false) {
    return {1e-5f, float(std::max<int64_t>(terms, 1)) * FLT_EPSILON * (activation ? 1.76f : 1.0f)};
}

std::string listText(const std::vector<int64_t>& values) {
    std::string text;
    for (size_t i = 0; i < values.size(); ++i)
        text += (i ? "," : "") + std::to_string(values[i]);
    return text;
}

const std::vector<ActivationParams>& everyActivation() {
    static const std::vector<ActivationParams> activations = {
        {ActivationType::Relu, 0.0f, 0.0f},       {ActivationType::LeakyRelu, 0.1f, 0.0f},
        {ActivationType::Sigmoid, 0.0f, 0.0f},    {ActivationType::Tanh, 0.0f, 0.0f},
        {ActivationType::Clip, -0.5f, 0.75f},     {ActivationType::HardSigmoid, 0.2f, 0.5f},
        {ActivationType::HardSwish, 0.0f, 0.0f},  {ActivationType::Elu, 1.0f, 0.0f},
        {ActivationType::Selu, 1.6733f, 1.0507f}, {ActivationType::Softplus, 0.0f, 0.0f},
    };
    return activations;
}

struct ConvCase {
    Dims input;
    Dims weights;
    std::vector<int64_t> strides;
    std::vector<int64_t> pads;
    std::vector<int64_t> dilations;
    int64_t groups = 1;
    bool bias = false;
    bool residual = false;
    std::optional<ActivationParams> activation{};
    std::vector<int64_t> outputChannels{};
};

std::string describe(const ConvCase& c) {
    std::string text = "convolution " + toString(c.input) + " * " + toString(c.weights) + " strides " +
                       listText(c.strides) + " pads " + listText(c.pads) + " dilations " +
                       listText(c.dilations) + " groups " + std::to_string(c.groups);
    if (c.bias) text += " bias";
    if (c.residual) text += " residual";
    if (c.activation) text += std::string(" ") + toString(c.activation->type);
    if (!c.outputChannels.empty()) text += " outputs " + listText(c.outputChannels);
    return text;
}

void checkConvolution(const ConvCase& c) {
    std::mt19937 rng(11);
    ConvolutionParams p;
    p.strides = c.strides;
    p.pads = c.pads;
    p.dilations = c.dilations;
    p.groups = c.groups;
    p.activation = c.activation;
    p.outputChannels = c.outputChannels;
    const HostTensor x = randomTensor(c.input, rng);
    const HostTensor w = randomTensor(c.weights, rng);
    const HostTensor bias = randomTensor({c.weights[0]}, rng);
    // The residual has the output's shape, which the network works out.
    auto probe =
        makeSingleLayerNetwork(p, {&x, &w}, {true, false}, std::max<size_t>(1, c.outputChannels.size()));
    ASSERT_TRUE(probe.isOk()) << describe(c) << ": " << probe.status().message();
    const HostTensor residual = randomTensor(probe.value().layer->output(0)->dims(), rng);
    const std::vector<const HostTensor*> inputs = {&x, &w, c.bias ? &bias : nullptr,
                                                   c.residual ? &residual : nullptr};
    auto net = makeSingleLayerNetwork(p, inputs, {true, false, false, true},
                                      std::max<size_t>(1, c.outputChannels.size()));
    ASSERT_TRUE(net.isOk()) << describe(c) << ": " << net.status().message();
    int64_t taps = 1;
    for (size_t axis = 2; axis < c.weights.size(); ++axis)
        taps *= c.weights[axis];
    const Tolerance t = sumTolerance(c.weights[1] * taps + 2, c.activation.has_value());
    EXPECT_EQ(1,
              expectGpuTacticsMatchReference(provider(), net.value(), inputs, t.rtol, t.atol, describe(c)));
}

TEST(KilnCudaDense, Convolution1dStridesAndAsymmetricPads) {
    KILN_REQUIRE_GPU();
    checkConvolution({{1, 3, 17}, {4, 3, 3}, {2}, {1, 2}, {1}});
    checkConvolution({{3, 3, 17}, {4, 3, 5}, {3}, {0, 4}, {2}, 1, true});
}

TEST(KilnCudaDense, Convolution2dGroupsDilationsBias) {
    KILN_REQUIRE_GPU();
    checkConvolution({{3, 4, 9, 11}, {6, 2, 3, 3}, {2, 1}, {0, 1, 2, 1}, {1, 2}, 2, true});
    checkConvolution({{1, 6, 8, 8}, {9, 2, 1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 3});
    checkConvolution({{1, 5, 12, 10}, {7, 5, 3, 2}, {2, 3}, {2, 0, 1, 3}, {3, 1}, 1, true});
}

TEST(KilnCudaDense, DepthwiseConvolution) {
    KILN_REQUIRE_GPU();
    checkConvolution({{1, 8, 7, 7}, {8, 1, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 8, true});
    // A channel multiplier of 2: two output channels per input channel.
    checkConvolution({{3, 4, 9, 6}, {8, 1, 5, 3}, {2, 2}, {2, 1, 2, 1}, {1, 1}, 4});
}

TEST(KilnCudaDense, Convolution3d) {
    KILN_REQUIRE_GPU();
    checkConvolution({{1, 2, 5, 6, 7}, {3, 2, 2, 3, 3}, {1, 2, 1}, {1, 0, 0, 1, 1, 0}, {2, 1, 1}, 1, true});
    checkConvolution({{3, 4, 4, 5, 3}, {4, 2, 3, 1, 2}, {2, 1, 1}, {1, 0, 1, 0, 0, 1}, {1, 2, 1}, 2});
}

TEST(KilnCudaDense, ConvolutionResidualAndEveryActivation) {
    KILN_REQUIRE_GPU();
    for (const ActivationParams& activation : everyActivation()) {
        checkConvolution(
            {{3, 4, 6, 6}, {5, 4, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, true, true, activation});
        checkConvolution(
            {{1, 4, 6, 6}, {4, 2, 3, 3}, {2, 1}, {0, 1, 1, 0}, {1, 1}, 2, false, false, activation});
    }
    checkConvolution({{1, 4, 6, 6}, {5, 4, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, false, true});
}

TEST(KilnCudaDense, ConvolutionSplitOutputs) {
    KILN_REQUIRE_GPU();
    checkConvolution({{3, 4, 7, 5},
                      {6, 4, 3, 3},
                      {1, 1},
                      {1, 1, 1, 1},
                      {1, 1},
                      1,
                      true,
                      false,
                      ActivationParams{ActivationType::Relu, 0.0f, 0.0f},
                      {2, 3, 1}});
    checkConvolution({{1, 6, 9}, {6, 2, 3}, {2}, {1, 1}, {1}, 3, false, false, std::nullopt, {5, 1}});
}

struct DeconvCase {
    Dims input;
    Dims weights;
    std::vector<int64_t> strides;
    std::vector<int64_t> pads;
    std::vector<int64_t> dilations;
    std::vector<int64_t> outputPadding;
    int64_t groups = 1;
    bool bias = false;
};

void checkDeconvolution(const DeconvCase& c) {
    std::mt19937 rng(12);
    DeconvolutionParams p;
    p.strides = c.strides;
    p.pads = c.pads;
    p.dilations = c.dilations;
    p.outputPadding = c.outputPadding;
    p.groups = c.groups;
    const HostTensor x = randomTensor(c.input, rng);
    const HostTensor w = randomTensor(c.weights, rng);
    const HostTensor bias = randomTensor({c.weights[1] * c.groups}, rng);
    const std::vector<const HostTensor*> inputs = {&x, &w, c.bias ? &bias : nullptr};
    const std::string what = "deconvolution " + toString(c.input) + " * " + toString(c.weights) +
                             " strides " + listText(c.strides) + " pads " + listText(c.pads) + " dilations " +
                             listText(c.dilations) + " output padding " + listText(c.outputPadding) +
                             " groups " + std::to_string(c.groups) + (c.bias ? " bias" : "");
    auto net = makeSingleLayerNetwork(p, inputs, {true, false, false});
    ASSERT_TRUE(net.isOk()) << what << ": " << net.status().message();
    // An output element gathers at most every tap of every input channel of its group.
    int64_t taps = 1;
    for (size_t axis = 2; axis < c.weights.size(); ++axis)
        taps *= c.weights[axis];
    const Tolerance t = sumTolerance(c.input[1] / c.groups * taps + 1);
    EXPECT_EQ(1, expectGpuTacticsMatchReference(provider(), net.value(), inputs, t.rtol, t.atol, what));
}

TEST(KilnCudaDense, Deconvolution) {
    KILN_REQUIRE_GPU();
    checkDeconvolution({{1, 3, 5}, {3, 2, 3}, {2}, {1, 0}, {1}, {1}});
    checkDeconvolution({{2, 4, 5, 6}, {4, 3, 3, 2}, {2, 3}, {1, 0, 0, 1}, {1, 2}, {1, 2}, 2, true});
    checkDeconvolution({{3, 6, 4, 4}, {6, 1, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, {0, 0}, 6, true});
    checkDeconvolution(
        {{1, 2, 3, 4, 3}, {2, 2, 2, 3, 2}, {2, 1, 2}, {0, 1, 0, 0, 0, 1}, {1, 1, 2}, {1, 0, 0}, 1, true});
}

struct MatMulCase {
    Dims a;
    Dims b;
    bool constantB = false;
};

void checkMatMul(const MatMulCase& c) {
    std::mt19937 rng(13);
    const HostTensor a = randomTensor(c.a, rng);
    const HostTensor b = randomTensor(c.b, rng);
    const std::string what =
        "matmul " + toString(c.a) + " x " + toString(c.b) + (c.constantB ? " constant B" : "");
    auto net = makeSingleLayerNetwork(MatMulParams{}, {&a, &b}, {true, !c.constantB});
    ASSERT_TRUE(net.isOk()) << what << ": " << net.status().message();
    const Tolerance t = sumTolerance(c.a.back());
    EXPECT_EQ(1, expectGpuTacticsMatchReference(provider(), net.value(), {&a, &b}, t.rtol, t.atol, what));
}

TEST(KilnCudaDense, MatMulOddSizes) {
    KILN_REQUIRE_GPU();
    checkMatMul({{1, 1}, {1, 1}});
    checkMatMul({{7, 33}, {33, 129}});
    checkMatMul({{129, 1000}, {1000, 7}, true});
    checkMatMul({{1000, 33}, {33, 1}});
}

TEST(KilnCudaDense, MatMulBatchesAndBroadcasts) {
    KILN_REQUIRE_GPU();
    checkMatMul({{3, 7, 33}, {3, 33, 5}});
    checkMatMul({{2, 3, 7, 33}, {33, 5}, true});
    checkMatMul({{7, 33}, {4, 33, 5}});
    checkMatMul({{2, 1, 7, 9}, {3, 9, 5}});
    checkMatMul({{4, 1, 3, 2}, {1, 5, 2, 6}});
    checkMatMul({{1, 3, 7, 9}, {3, 9, 5}});
}

TEST(KilnCudaDense, MatMulRankOneOperands) {
    KILN_REQUIRE_GPU();
    checkMatMul({{33}, {33, 129}});
    checkMatMul({{7, 33}, {33}});
    checkMatMul({{33}, {33}});
    checkMatMul({{2, 7, 33}, {33}});
    checkMatMul({{33}, {2, 33, 5}});
}

// An empty inner dimension makes every output element 0, as numpy has it.
TEST(KilnCudaDense, MatMulWithoutInnerElements) {
    KILN_REQUIRE_GPU();
    checkMatMul({{3, 0}, {0, 4}});
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
    bool runtimeC = false;
    std::optional<ActivationParams> activation{};
};

std::string describe(const GemmCase& g) {
    std::string text = "gemm " + std::to_string(g.m) + "x" + std::to_string(g.k) + "x" + std::to_string(g.n) +
                       (g.transA ? " transA" : "") + (g.transB ? " transB" : "") + " alpha " +
                       std::to_string(g.alpha) + " beta " + std::to_string(g.beta);
    text += g.c ? " C " + toString(*g.c) + (g.runtimeC ? " at run time" : "") : " no C";
    if (g.activation) text += std::string(" ") + toString(g.activation->type);
    return text;
}

// `cFill`, when given, is every element of C; otherwise C is random.
void checkGemm(const GemmCase& g, std::optional<float> cFill = std::nullopt) {
    std::mt19937 rng(14);
    GemmParams p;
    p.transA = g.transA;
    p.transB = g.transB;
    p.alpha = g.alpha;
    p.beta = g.beta;
    p.activation = g.activation;
    const HostTensor a = randomTensor(g.transA ? Dims{g.k, g.m} : Dims{g.m, g.k}, rng);
    const HostTensor b = randomTensor(g.transB ? Dims{g.n, g.k} : Dims{g.k, g.n}, rng);
    HostTensor c = randomTensor(g.c.value_or(Dims{}), rng);
    if (cFill) {
        for (int64_t i = 0; i < c.elementCount(); ++i)
            c.data<float>()[i] = *cFill;
    }
    std::vector<const HostTensor*> inputs = {&a, &b};
    if (g.c) inputs.push_back(&c);
    auto net = makeSingleLayerNetwork(p, inputs, {true, false, g.runtimeC});
    ASSERT_TRUE(net.isOk()) << describe(g) << ": " << net.status().message();
    Tolerance t = sumTolerance(g.k + 1, g.activation.has_value());
    t.atol *= std::max(1.0f, std::abs(g.alpha)) + std::abs(g.beta);
    EXPECT_EQ(1,
              expectGpuTacticsMatchReference(provider(), net.value(), inputs, t.rtol, t.atol, describe(g)));
}

TEST(KilnCudaDense, GemmTransposesAlphaBeta) {
    KILN_REQUIRE_GPU();
    for (bool transA : {false, true}) {
        for (bool transB : {false, true}) {
            checkGemm({7, 33, 5, transA, transB, 0.5f, 2.0f, Dims{7, 5}});
            checkGemm({1, 129, 33, transA, transB, -1.5f, 1.0f});
        }
    }
}

TEST(KilnCudaDense, GemmEveryShapeOfC) {
    KILN_REQUIRE_GPU();
    for (const Dims& c : std::vector<Dims>{{}, {1}, {5}, {1, 5}, {7, 1}, {7, 5}, {1, 1}}) {
        for (bool runtimeC : {false, true}) {
            checkGemm({7, 33, 5, false, true, 1.0f, 1.0f, c, runtimeC});
            checkGemm({7, 33, 5, true, false, 0.75f, -0.5f, c, runtimeC});
        }
    }
}

// With beta 0 the reference does not read C at all, so NaNs in it must not reach the output.
TEST(KilnCudaDense, GemmIgnoresCWhenBetaIsZero) {
    KILN_REQUIRE_GPU();
    checkGemm({7, 33, 5, false, false, 1.0f, 0.0f, Dims{7, 5}, true},
              std::numeric_limits<float>::quiet_NaN());
}

TEST(KilnCudaDense, GemmEveryActivation) {
    KILN_REQUIRE_GPU();
    for (const ActivationParams& activation : everyActivation()) {
        checkGemm({9, 17, 6, false, true, 1.0f, 1.0f, Dims{6}, false, activation});
    }
}

// The kernels read and write linear FP32 memory: blocked layouts and FP16 storage are skipped.
TEST(KilnCudaDense, OtherFormatsAreSkippedWithTheReason) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(15);
    const HostTensor x = randomTensor({1, 16, 5, 5}, rng);
    const HostTensor w = randomTensor({16, 16, 3, 3}, rng);
    ConvolutionParams p;
    p.strides = {1, 1};
    p.pads = {1, 1, 1, 1};
    p.dilations = {1, 1};
    auto net = makeSingleLayerNetwork(p, {&x, &w}, {true, false});
    ASSERT_TRUE(net.isOk()) << net.status().message();
    const std::pair<TensorFormat, std::string> formats[] = {
        {TensorFormat::blocked(8), "needs linear tensors"},
        {TensorFormat::nhwc(8), "needs linear tensors"},
        {TensorFormat{0, false, DataType::Float16}, "runs FP32 only, not FP16"},
    };
    for (const auto& [format, reason] : formats) {
        setActivationFormats(*net.value().layer, format);
        std::vector<tactics::SkippedTactic> skipped;
        EXPECT_TRUE(
            offeredTactics(provider(), tactics::LayerConfig::of(*net.value().layer), &skipped).empty());
        ASSERT_EQ(1u, skipped.size());
        EXPECT_EQ("kiln-cuda:dense:convolution", skipped[0].id);
        EXPECT_EQ(reason, skipped[0].reason);
    }
}

}  // namespace
}  // namespace kiln::test

// cuDNN convolution and deconvolution tactics against the reference kernels on random data: odd
// sizes, groups, depthwise, strides, dilations, asymmetric pads, 1 to 3 spatial axes, batch 1 and 3,
// bias, residual and every activation (fused into cuDNN's graph or applied by the Kiln epilogue),
// split outputs, in FP32 (linear NCHW) and FP16 (channels-last, channels padded to 8).
//
// Tolerances. FP32: the reference sums in double; cuDNN sums K products in FP32 in its own order, an
// error below K * 2^-24 * max|term| (inputs and weights lie in [-1, 1]), so atol 4 * K * 2^-24 and
// rtol 1e-5; Winograd and FFT engines transform inputs and outputs with constants of up to ~10 and
// sum transformed terms, ten times that. FP16: inputs, weights and bias are rounded to half (relative
// 2^-11 each), the products are summed in FP32 and the result rounded to half: the rounding errors
// of the K terms are independent, so their sum stays within a few sqrt(K) * 2^-11 * max|term|;
// atol 4 * sqrt(K) * 2^-11 and rtol 2 * 2^-11 for the output rounding.
#include <algorithm>
#include <cmath>
#include <optional>
#include <random>

#include <gtest/gtest.h>

#include "backends/cuda/cudnn/cudnn_provider.h"
#include "gpu_test_util.h"

namespace kiln::test {
namespace {

struct ConvCase {
    std::string name;
    Dims data;  // N, C, spatial...
    int64_t outChannels = 0;
    Dims kernel;
    std::vector<int64_t> strides;
    std::vector<int64_t> pads;
    std::vector<int64_t> dilations;
    int64_t groups = 1;
    bool bias = true;
    bool residual = false;
    std::optional<ActivationParams> activation{};
    std::vector<int64_t> outputChannels{};
};

int64_t reductionLength(const ConvCase& c) {
    int64_t k = c.data[1] / c.groups;
    for (int64_t extent : c.kernel) k *= extent;
    return k;
}

Dims outputDims(const ConvCase& c) {
    Dims out{c.data[0], c.outChannels};
    const size_t spatial = c.kernel.size();
    for (size_t i = 0; i < spatial; ++i) {
        const int64_t dilated = (c.kernel[i] - 1) * c.dilations[i] + 1;
        out.push_back((c.data[i + 2] + c.pads[i] + c.pads[i + spatial] - dilated) / c.strides[i] + 1);
    }
    return out;
}

void checkConvolution(const ConvCase& c, bool fp16) {
    std::mt19937 rng(11);
    const HostTensor data = randomTensor(c.data, rng);
    Dims weightDims{c.outChannels, c.data[1] / c.groups};
    weightDims.insert(weightDims.end(), c.kernel.begin(), c.kernel.end());
    const HostTensor weights = randomTensor(weightDims, rng);
    const HostTensor bias = randomTensor({c.outChannels}, rng);
    const HostTensor residual = randomTensor(outputDims(c), rng);
    ConvolutionParams params;
    params.strides = c.strides;
    params.pads = c.pads;
    params.dilations = c.dilations;
    params.groups = c.groups;
    params.activation = c.activation;
    params.outputChannels = c.outputChannels;
    std::vector<const HostTensor*> inputs{&data, &weights};
    if (c.bias || c.residual) inputs.push_back(c.bias ? &bias : nullptr);
    if (c.residual) inputs.push_back(&residual);
    auto net = makeSingleLayerNetwork(params, inputs, {true, false, false, true},
                                      std::max<size_t>(1, c.outputChannels.size()));
    ASSERT_TRUE(net.isOk()) << c.name << ": " << net.status().message();
    if (fp16) setActivationFormats(*net->layer, TensorFormat::nhwc(8, DataType::Float16));
    const double k = double(reductionLength(c));
    const tactics::LayerConfig config = tactics::LayerConfig::of(*net->layer);
    std::vector<tactics::SkippedTactic> skipped;
    auto tactics = offeredTactics(cuda::cudnnProvider(), config, &skipped);
    std::string reasons;
    for (const auto& skip : skipped) reasons += " " + skip.id + ": " + skip.reason + ";";
    ASSERT_FALSE(tactics.empty()) << c.name << (fp16 ? " FP16" : " FP32") << ": no cuDNN tactic;" << reasons;
    auto expected = runReference(*net->layer, inputs);
    ASSERT_TRUE(expected.isOk()) << expected.status().message();
    for (const auto& tactic : tactics) {
        const std::string label = c.name + (fp16 ? " FP16 " : " FP32 ") + tactic->id() + " (" + tactic->library() + ")";
        auto actual = runTactic(*tactic, config, inputs, gpuBackend());
        EXPECT_TRUE(actual.isOk()) << label << ": " << actual.status().message();
        if (!actual.isOk()) continue;
        const bool transformed = tactic->library().find("Winograd") != std::string::npos ||
                                 tactic->library().find("FFT") != std::string::npos;
        const float atol = fp16 ? float(4.0 * std::sqrt(k) * std::ldexp(1.0, -11))
                                : float(4.0 * k * std::ldexp(1.0, -24) * (transformed ? 10.0 : 1.0));
        const float rtol = fp16 ? float(2.0 * std::ldexp(1.0, -11)) : 1e-5f;
        for (size_t i = 0; i < expected->size(); ++i) {
            expectClose((*expected)[i], (*actual)[i], rtol, atol, label + " output " + std::to_string(i));
        }
    }
}

std::vector<ConvCase> cases() {
    const ActivationParams relu{ActivationType::Relu, 0.0f, 0.0f};
    const ActivationParams relu6{ActivationType::Clip, 0.0f, 6.0f};
    const ActivationParams sigmoid{ActivationType::Sigmoid, 0.0f, 0.0f};
    const ActivationParams leaky{ActivationType::LeakyRelu, 0.1f, 0.0f};
    return {
        {"3x3 odd", {1, 3, 17, 19}, 13, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}},
        {"3x3 relu batch 3", {3, 16, 9, 9}, 24, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, true, false, relu},
        {"1x1 stride 2 residual relu", {2, 32, 14, 14}, 64, {1, 1}, {2, 2}, {0, 0, 0, 0}, {1, 1}, 1, true, true, relu},
        {"7x7 stride 2 asymmetric pads", {1, 3, 31, 29}, 16, {7, 7}, {2, 2}, {3, 2, 3, 4}, {1, 1}},
        {"dilation 2", {1, 8, 20, 20}, 8, {3, 3}, {1, 1}, {2, 2, 2, 2}, {2, 2}},
        {"groups 4 relu6", {1, 16, 10, 10}, 32, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 4, true, false, relu6},
        {"depthwise 3x3", {3, 24, 15, 15}, 24, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, 24, true, false, relu6},
        {"depthwise odd channels", {1, 13, 11, 11}, 13, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 13},
        {"no bias", {1, 5, 8, 8}, 7, {3, 3}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1, false},
        {"sigmoid", {1, 8, 6, 6}, 8, {1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1, true, false, sigmoid},
        {"leaky relu residual", {1, 8, 6, 6}, 8, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1, true, true, leaky},
        {"split outputs", {3, 16, 7, 7}, 40, {1, 1}, {1, 1}, {0, 0, 0, 0}, {1, 1}, 1, true, false, relu, {8, 24, 8}},
        {"1-D", {2, 6, 33}, 10, {5}, {2}, {2, 1}, {1}},
        {"3-D", {1, 4, 6, 7, 8}, 6, {3, 3, 3}, {1, 1, 1}, {1, 1, 1, 1, 1, 1}, {1, 1, 1}},
    };
}

TEST(CudnnConvolution, Fp32MatchesReference) {
    KILN_REQUIRE_GPU();
    for (const ConvCase& c : cases()) checkConvolution(c, false);
}

TEST(CudnnConvolution, Fp16ChannelsLastMatchesReference) {
    KILN_REQUIRE_GPU();
    for (const ConvCase& c : cases()) {
        // Split outputs (horizontal fusion) are left out of channels-last builds.
        if (!c.outputChannels.empty()) continue;
        checkConvolution(c, true);
    }
}

TEST(CudnnConvolution, FindRecreatesEveryTacticById) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(3);
    const HostTensor data = randomTensor({1, 8, 12, 12}, rng);
    const HostTensor weights = randomTensor({16, 8, 3, 3}, rng);
    const HostTensor bias = randomTensor({16}, rng);
    ConvolutionParams params{{1, 1}, {1, 1, 1, 1}, {1, 1}, 1, ActivationParams{ActivationType::Relu, 0.0f, 0.0f}};
    auto net = makeSingleLayerNetwork(params, {&data, &weights, &bias}, {true, false, false});
    ASSERT_TRUE(net.isOk());
    const tactics::LayerConfig config = tactics::LayerConfig::of(*net->layer);
    auto tactics = offeredTactics(cuda::cudnnProvider(), config);
    ASSERT_FALSE(tactics.empty());
    for (const auto& tactic : tactics) {
        auto found = cuda::cudnnProvider().find(config, tactic->id());
        ASSERT_TRUE(found.isOk()) << tactic->id() << ": " << found.status().message();
        EXPECT_EQ(found.value()->id(), tactic->id());
        auto blobs = found.value()->prepareWeights();
        ASSERT_TRUE(blobs.isOk());
        EXPECT_TRUE(found.value()->instantiate(blobs.value()).isOk()) << tactic->id();
    }
    EXPECT_FALSE(cuda::cudnnProvider().find(config, "cudnn:conv:e99999").isOk());
    EXPECT_FALSE(cuda::cudnnProvider().find(config, "cudnn:conv:nonsense").isOk());
}

// A 1x1 convolution with 64 input channels; inputs and weights are dyadic (multiples of 1/8 and 1/64), so
// FP16 holds them exactly and FP32 accumulation sums them exactly. The weights (28/64 to 36/64) have an
// L2 norm of about 4 per output channel.
// - Bias about -32 (8 weight norms, above the 3 that cuDNN tactics round to FP16): the sums (about 32)
//   cancel against it, as a folded batch norm's do, and the outputs are of order 1. The fused graph must
//   add the bias in FP32 to the FP32 sum and round once: at most half a unit in the last place of the
//   output, 2^-11 of its magnitude. A bias rounded to FP16 would be off by 0.0123 (the biases sit that far
//   off the FP16 grid, spacing 2^-5 between 32 and 64), over three times that bound for outputs below 8.
// - Bias about 2 (half a weight norm): the fused graph takes it in FP16, which cuDNN's precompiled
//   engines need; the bias's rounding (at most 2^-11 of it) comes on top of the output's.
// The unfused variant writes the FP16 sum before its epilogue adds the FP32 bias, so the sum's rounding
// (2^-11 of it) comes on top of the output's: a bound it is held to in both cases.
TEST(CudnnConvolution, Fp16GraphsKeepALargeBiasInFp32) {
    KILN_REQUIRE_GPU();
    HostTensor data(DataType::Float32, {1, 64, 4, 4});
    for (int64_t i = 0; i < data.elementCount(); ++i) data.data<float>()[i] = float(6 + (i * 3) % 5) / 8.0f;
    HostTensor weights(DataType::Float32, {8, 64, 1, 1});
    for (int64_t i = 0; i < weights.elementCount(); ++i) weights.data<float>()[i] = float(28 + (i * 7) % 9) / 64.0f;
    for (const bool large : {true, false}) {
        SCOPED_TRACE(large ? "bias about -32" : "bias about 2");
        HostTensor bias(DataType::Float32, {8});
        for (int64_t c = 0; c < 8; ++c) {
            bias.data<float>()[c] = large ? -(32.0f + 0.25f * float(c) + 0.0123f) : 2.0f + 0.25f * float(c) + 0.0007f;
        }
        ConvolutionParams params;
        params.strides = {1, 1};
        params.pads = {0, 0, 0, 0};
        params.dilations = {1, 1};
        std::vector<const HostTensor*> inputs{&data, &weights, &bias};
        auto net = makeSingleLayerNetwork(params, inputs, {true, false, false, true}, 1);
        ASSERT_TRUE(net.isOk()) << net.status().message();
        setActivationFormats(*net->layer, TensorFormat::nhwc(8, DataType::Float16));
        const tactics::LayerConfig config = tactics::LayerConfig::of(*net->layer);
        auto tactics = offeredTactics(cuda::cudnnProvider(), config, nullptr);
        auto expected = runReference(*net->layer, inputs);
        ASSERT_TRUE(expected.isOk()) << expected.status().message();
        const HostTensor& want = (*expected)[0];
        const std::string fusedPrefix = large ? "cudnn:fused-fp32-bias:" : "cudnn:fused:";
        const std::string otherPrefix = large ? "cudnn:fused:" : "cudnn:fused-fp32-bias:";
        int fused = 0;
        for (const auto& tactic : tactics) {
            EXPECT_NE(tactic->id().rfind(otherPrefix, 0), 0u) << tactic->id() << " is offered for the wrong bias";
            if (large) {
                // The unfused convolution would round the sum to FP16 before its epilogue adds the bias.
                EXPECT_NE(tactic->id().rfind("cudnn:conv:", 0), 0u) << tactic->id() << " is offered beside the FP32-bias graph";
            }
            auto actual = runTactic(*tactic, config, inputs, gpuBackend());
            ASSERT_TRUE(actual.isOk()) << tactic->id() << ": " << actual.status().message();
            const bool isFused = tactic->id().rfind(fusedPrefix, 0) == 0;
            fused += isFused;
            for (int64_t i = 0; i < want.elementCount(); ++i) {
                const float y = want.data<float>()[i];
                if (large) {
                    ASSERT_LT(std::fabs(y), 8.0f) << "the sums must cancel against the bias";
                }
                const float b = bias.data<float>()[(i / 16) % 8];
                const float sum = y - b;
                const float bound = !isFused ? std::ldexp(std::fabs(y) + std::fabs(sum), -11) + 1e-6f
                                    : large  ? std::ldexp(std::fabs(y), -11) + 1e-6f
                                             : std::ldexp(std::fabs(y) + std::fabs(b), -11) + 1e-6f;
                EXPECT_LE(std::fabs((*actual)[0].data<float>()[i] - y), bound) << tactic->id() << " at " << i << ": " << y;
            }
        }
        EXPECT_GT(fused, 0) << "no " << fusedPrefix << " graph runs the convolution with its bias";
    }
}

TEST(CudnnDeconvolution, MatchesReference) {
    KILN_REQUIRE_GPU();
    struct Case {
        Dims data;
        int64_t outChannels;
        Dims kernel;
        std::vector<int64_t> strides, pads, dilations, outputPadding;
        int64_t groups;
    };
    std::mt19937 rng(5);
    for (const Case& c : std::vector<Case>{{{1, 4, 5, 6}, 6, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, {1, 1}, 1},
                                           {{3, 8, 7, 7}, 4, {4, 4}, {2, 2}, {1, 1, 1, 1}, {1, 1}, {0, 0}, 2},
                                           {{1, 3, 9}, 5, {3}, {1}, {0, 0}, {2}, {0}, 1}}) {
        const HostTensor data = randomTensor(c.data, rng);
        Dims weightDims{c.data[1], c.outChannels / c.groups};
        weightDims.insert(weightDims.end(), c.kernel.begin(), c.kernel.end());
        const HostTensor weights = randomTensor(weightDims, rng);
        const HostTensor bias = randomTensor({c.outChannels}, rng);
        DeconvolutionParams params{c.strides, c.pads, c.dilations, c.outputPadding, c.groups};
        auto net = makeSingleLayerNetwork(params, {&data, &weights, &bias}, {true, false, false});
        ASSERT_TRUE(net.isOk()) << net.status().message();
        int64_t k = c.data[1] / c.groups;
        for (int64_t extent : c.kernel) k *= extent;
        expectGpuTacticsMatchReference(cuda::cudnnProvider(), net.value(), {&data, nullptr, nullptr}, 1e-5f,
                                       float(40.0 * double(k) * std::ldexp(1.0, -24)), "deconvolution " + toString(c.data));
    }
}

}  // namespace
}  // namespace kiln::test

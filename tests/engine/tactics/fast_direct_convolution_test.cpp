// Kiln's direct convolution ("kiln:direct-convolution", AVX-512, nChw16c) against the reference: 1x1
// planes read as one row (with a partial last row), padded and unpadded 3x3, uneven pads, horizontal
// strides 1 and 2 and a vertical stride of 3, dilation, non-square kernels, channels and filters that pad
// their last block, groups of filter blocks that leave a smaller last group, rows wider than a tile, two
// images; the fused bias, residual and activation with the padded lanes written zero; a residual in the
// output's own memory. Refusals say why. Machines without AVX-512 check only that it is not offered.
//
// Tolerance: the kernel sums taps x C products of values in [-1, 1] with fused multiply-adds in another
// order than the reference; they differ by 1e-5 * sqrt(taps x C) (dotTolerance, as the oneDNN
// convolution tests allow) or 1e-4 relative (839 ulp).
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fast_test_helpers.h"

namespace kiln::test {
namespace {

const std::string kId = "kiln:direct-convolution";
constexpr int64_t kMaxUlp = 839;
const TensorFormat kBlocked = TensorFormat::blocked(16);

double absoluteFor(int64_t taps, int64_t channels) {
    return 1e-5 * std::sqrt(double(taps * channels));
}

ConvolutionParams conv(std::vector<int64_t> strides, std::vector<int64_t> pads,
                       std::vector<int64_t> dilations = {1, 1},
                       std::optional<ActivationParams> activation = std::nullopt) {
    return ConvolutionParams{std::move(strides), std::move(pads), std::move(dilations), 1, activation};
}

// The layer built from `inputs`, its tensors in blocks of 16, run by the tactic (AVX-512) and by the
// reference.
void checkDirect(const ConvolutionParams& params, const std::vector<const HostTensor*>& inputs,
                 const std::vector<bool>& isActivation, const std::string& what) {
    if (!cpu::fast::isaSupported(cpu::fast::Isa::Avx512)) GTEST_SKIP() << "this CPU has no AVX-512";
    const Dims& w = inputs[1]->dims();
    checkAgainstReferenceOn({cpu::fast::Isa::Avx512}, params, inputs, isActivation, kBlocked, kId, kMaxUlp,
                            absoluteFor(w[2] * w[3], w[1]), what);
}

TEST(KilnDirectConvolution, ShapesStridesPadsAndDilations) {
    std::mt19937 rng(130);
    struct Shape {
        Dims input;
        Dims weights;
        ConvolutionParams params;
    };
    const std::vector<Shape> shapes{
        // 3x3 with padding (the padded copy), 24 channels and 20 filters padding their blocks, two images.
        {{2, 24, 7, 9}, {20, 24, 3, 3}, conv({1, 1}, {1, 1, 1, 1})},
        // No padding, 48 filters (three blocks, in groups of four: one smaller group).
        {{1, 32, 5, 6}, {48, 32, 3, 3}, conv({1, 1}, {0, 0, 0, 0})},
        // Uneven pads.
        {{1, 16, 6, 7}, {16, 16, 3, 3}, conv({1, 1}, {0, 1, 2, 1})},
        // Rows of 4 take groups of four blocks: 72 filters are five blocks, a group of four and one of one.
        {{1, 40, 9, 4}, {72, 40, 3, 3}, conv({1, 1}, {1, 1, 1, 1})},
        // A row of 110 positions is eight tiles.
        {{1, 16, 3, 110}, {24, 16, 3, 3}, conv({1, 1}, {1, 1, 1, 1})},
        // 1x1 of stride 1: the plane as rows of 56 (63 positions: a full row and a partial one).
        {{2, 48, 7, 9}, {40, 48, 1, 1}, conv({1, 1}, {0, 0, 0, 0})},
        // 1x1 of stride 2 (a downsampling shortcut), rows of 20 in two tiles.
        {{1, 32, 14, 40}, {64, 32, 1, 1}, conv({2, 2}, {0, 0, 0, 0})},
        // 3x3 of stride 2 with padding, odd sizes, rows of 16 in two tiles.
        {{1, 24, 13, 31}, {32, 24, 3, 3}, conv({2, 2}, {1, 1, 1, 1})},
        // 7x7 of stride 2 (a stem).
        {{1, 16, 20, 20}, {16, 16, 7, 7}, conv({2, 2}, {3, 3, 3, 3})},
        // Dilation 2.
        {{1, 16, 9, 9}, {16, 16, 3, 3}, conv({1, 1}, {2, 2, 2, 2}, {2, 2})},
        // A vertical stride of 3 beside a horizontal one of 1, and a non-square kernel.
        {{1, 16, 10, 8}, {16, 16, 3, 1}, conv({3, 1}, {1, 0, 1, 0})},
        {{1, 16, 5, 12}, {32, 16, 1, 3}, conv({1, 2}, {0, 1, 0, 1})},
    };
    for (const Shape& s : shapes) {
        const HostTensor x = randomTensor(s.input, rng);
        const HostTensor w = randomTensor(s.weights, rng);
        checkDirect(s.params, {&x, &w}, {true, false},
                    toString(s.input) + " * " + toString(s.weights) + " strides " +
                        std::to_string(s.params.strides[0]) + "x" + std::to_string(s.params.strides[1]));
    }
}

TEST(KilnDirectConvolution, EpilogueBiasResidualActivation) {
    std::mt19937 rng(131);
    const HostTensor x = randomTensor({2, 24, 7, 6}, rng);
    const HostTensor w3 = randomTensor({20, 24, 3, 3}, rng);
    const HostTensor w1 = randomTensor({20, 24, 1, 1}, rng);
    const HostTensor bias = randomTensor({20}, rng);
    const HostTensor residual = randomTensor({2, 20, 7, 6}, rng);
    struct Case {
        std::string name;
        std::vector<const HostTensor*> inputs;
        std::vector<bool> activations;
        std::optional<ActivationParams> activation;
    };
    // ReLU alone is applied in the tile; with a residual, and every other activation, on the step runner.
    // Sigmoid maps the padded lanes' zeros to 0.5: they must still be written zero.
    const std::vector<Case> cases{
        {"bias", {&x, &w3, &bias}, {true, false, false}, std::nullopt},
        {"bias, ReLU", {&x, &w3, &bias}, {true, false, false}, ActivationParams{ActivationType::Relu}},
        {"bias, residual, ReLU",
         {&x, &w3, &bias, &residual},
         {true, false, false, true},
         ActivationParams{ActivationType::Relu}},
        {"residual, sigmoid",
         {&x, &w3, nullptr, &residual},
         {true, false, false, true},
         ActivationParams{ActivationType::Sigmoid}},
        {"1x1, bias, residual, ReLU",
         {&x, &w1, &bias, &residual},
         {true, false, false, true},
         ActivationParams{ActivationType::Relu}},
    };
    for (const Case& c : cases) {
        const bool pointwise = c.inputs[1] == &w1;
        checkDirect(
            conv({1, 1}, pointwise ? std::vector<int64_t>{0, 0, 0, 0} : std::vector<int64_t>{1, 1, 1, 1},
                 {1, 1}, c.activation),
            c.inputs, c.activations, c.name);
    }
}

// A residual that lies in the output's own memory (the output written over it in place) is read before
// the output is written: the same result as from separate memory.
TEST(KilnDirectConvolution, ResidualInTheOutputsMemory) {
    if (!cpu::fast::isaSupported(cpu::fast::Isa::Avx512)) GTEST_SKIP() << "this CPU has no AVX-512";
    std::mt19937 rng(133);
    const HostTensor x = randomTensor({1, 24, 7, 6}, rng);
    const HostTensor w = randomTensor({20, 24, 3, 3}, rng);
    const HostTensor bias = randomTensor({20}, rng);
    const HostTensor residual = randomTensor({1, 20, 7, 6}, rng);
    auto built =
        makeSingleLayerNetwork(conv({1, 1}, {1, 1, 1, 1}, {1, 1}, ActivationParams{ActivationType::Relu}),
                               {&x, &w, &bias, &residual}, {true, false, false, true});
    ASSERT_TRUE(built.isOk()) << built.status().message();
    setActivationFormats(*built->layer, kBlocked);
    auto expected = runReference(*built->layer, {&x, &w, &bias, &residual});
    ASSERT_TRUE(expected.isOk()) << expected.status().message();
    const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
    const Offer offer = enumerateKiln(cpu::fast::Isa::Avx512, config);
    const tactics::Tactic* tactic = offer.find(kId);
    ASSERT_NE(tactic, nullptr) << offer.skipReason(kId);
    auto blobs = tactic->prepareWeights();
    ASSERT_TRUE(blobs.isOk()) << blobs.status().message();
    auto kernel = tactic->instantiate(std::move(*blobs));
    ASSERT_TRUE(kernel.isOk()) << kernel.status().message();
    const std::vector<std::byte> input = tactics::toFormat(x, kBlocked, 1.0f);
    std::vector<std::byte> output = tactics::toFormat(residual, kBlocked, 1.0f);
    std::vector<std::byte> workspace(size_t(tactic->workspaceBytes()));
    ASSERT_GT(workspace.size(), 0u) << "a padded convolution copies its input into the workspace";
    tactics::KernelArgs args;
    args.inputs = {input.data(), nullptr, nullptr, output.data()};
    args.outputs = {output.data()};
    args.workspace = workspace.data();
    ASSERT_TRUE((*kernel)->run(args).isOk());
    const HostTensor actual =
        tactics::fromFormat(output.data(), DataType::Float32, residual.dims(), kBlocked, 1.0f);
    expectUlpClose((*expected)[0], actual, kMaxUlp, absoluteFor(9, 24), "in place");
}

TEST(KilnDirectConvolution, RefusesWhatItCannotRun) {
    std::mt19937 rng(132);
    const HostTensor x = randomTensor({1, 16, 8, 8}, rng);
    const HostTensor w = randomTensor({16, 16, 3, 3}, rng);
    const HostTensor grouped = randomTensor({16, 8, 3, 3}, rng);
    const ConvolutionParams plain = conv({1, 1}, {1, 1, 1, 1});
    // Only AVX-512 machines are offered it (checked on every CPU).
    {
        auto built = makeSingleLayerNetwork(plain, {&x, &w}, {true, false});
        ASSERT_TRUE(built.isOk()) << built.status().message();
        setActivationFormats(*built->layer, kBlocked);
        const Offer offer = enumerateKiln(cpu::fast::Isa::Avx2, tactics::LayerConfig::of(*built->layer));
        EXPECT_EQ(offer.find(kId), nullptr);
        EXPECT_NE(offer.skipReason(kId).find("AVX-512"), std::string::npos) << offer.skipReason(kId);
    }
    if (!cpu::fast::isaSupported(cpu::fast::Isa::Avx512)) GTEST_SKIP() << "this CPU has no AVX-512";
    EXPECT_EQ(skipReasonFor(plain, {&x, &w}, {true, false}, kBlocked, kId), "");
    EXPECT_NE(skipReasonFor(ConvolutionParams{{1, 1}, {1, 1, 1, 1}, {1, 1}, 2, std::nullopt}, {&x, &grouped},
                            {true, false}, kBlocked, kId)
                  .find("one group"),
              std::string::npos);
    EXPECT_NE(skipReasonFor(conv({1, 3}, {1, 1, 1, 1}), {&x, &w}, {true, false}, kBlocked, kId)
                  .find("horizontal stride of 1 or 2"),
              std::string::npos);
    for (TensorFormat format : {TensorFormat{}, TensorFormat::blocked(8)}) {
        EXPECT_NE(skipReasonFor(plain, {&x, &w}, {true, false}, format, kId).find("blocks of 16"),
                  std::string::npos)
            << formatName(format);
    }
    EXPECT_NE(skipReasonFor(plain, {&x, &w}, {true, false}, kBlocked, kId, DataType::Float16).find("FP32"),
              std::string::npos);
}

}  // namespace
}  // namespace kiln::test

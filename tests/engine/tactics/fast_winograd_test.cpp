// Kiln's Winograd convolutions F(2x2, 3x3) and F(4x4, 3x3) ("kiln:winograd:2x2", "kiln:winograd:4x4")
// against the reference, on every instruction set and in both channel blocks: partial tiles (odd output
// sizes), padded channels and filters, no padding and uneven padding, several filter groups and rows of tiles
// wider than a unit, the fused bias, residual and activation, with padded lanes written zero. Refusals say
// why.
//
// Tolerance: the direct convolution sums 9C products of values in [-1, 1]; the reference and a direct
// kernel differ by 1e-5 * sqrt(9C) (dotTolerance, as the oneDNN convolution tests allow) or 1e-4
// relative (839 ulp). Winograd rounds sums of larger terms. F(2x2, 3x3)'s inputs are sums of up to 4
// values, its weights of up to 9 halved twice (2.25 times the largest weight), and each output adds up
// to 9 of the 16 channel sums: four times the direct bound. F(4x4, 3x3) multiplies by constants up to 5
// in its input transform and 8 in its output transform and adds up to 36 sums per output: ten times the
// direct bound, as the oneDNN tests allow for oneDNN's own F(4x4, 3x3).
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fast_test_helpers.h"

namespace kiln::test {
namespace {

constexpr int64_t kMaxUlp = 839;

struct Variant {
    const char* id;
    double factor;  // of the direct convolution's absolute bound
};
const Variant kVariants[] = {{"kiln:winograd:2x2", 4.0}, {"kiln:winograd:4x4", 10.0}};

double absoluteFor(const Variant& variant, int64_t channels) {
    return variant.factor * 1e-5 * std::sqrt(9.0 * double(channels));
}

ConvolutionParams conv3x3(std::vector<int64_t> pads,
                          std::optional<ActivationParams> activation = std::nullopt) {
    return ConvolutionParams{{1, 1}, std::move(pads), {1, 1}, 1, activation};
}

TEST(KilnWinograd, ShapesWithPartialTilesPaddedChannelsAndSeveralUnits) {
    std::mt19937 rng(120);
    struct Shape {
        Dims input;
        int64_t filters;
        std::vector<int64_t> pads;
    };
    // 7 x 9 outputs leave partial tiles; 24 channels and 20 filters pad a block of 16 (and 20 one of 8);
    // no padding shrinks the output; pads 0,1 / 2,1 are uneven; 72 filters make two units of filters; a
    // row of 55 tiles is wider than a unit of 48.
    for (const Shape& s : std::vector<Shape>{{{1, 16, 8, 8}, 16, {1, 1, 1, 1}},
                                             {{2, 24, 7, 9}, 20, {1, 1, 1, 1}},
                                             {{1, 32, 5, 6}, 48, {0, 0, 0, 0}},
                                             {{1, 16, 6, 7}, 16, {0, 1, 2, 1}},
                                             {{1, 40, 9, 4}, 72, {1, 1, 1, 1}},
                                             {{1, 16, 3, 110}, 24, {1, 1, 1, 1}}}) {
        const HostTensor x = randomTensor(s.input, rng);
        const HostTensor w = randomTensor({s.filters, s.input[1], 3, 3}, rng);
        for (const Variant& variant : kVariants) {
            for (TensorFormat format : {TensorFormat::blocked(8), TensorFormat::blocked(16)}) {
                checkAgainstReference(conv3x3(s.pads), {&x, &w}, {true, false}, format, variant.id, kMaxUlp,
                                      absoluteFor(variant, s.input[1]),
                                      toString(s.input) + " -> " + std::to_string(s.filters) + " filters");
            }
        }
    }
}

TEST(KilnWinograd, EpilogueBiasResidualActivation) {
    std::mt19937 rng(121);
    const HostTensor x = randomTensor({2, 24, 7, 6}, rng);
    const HostTensor w = randomTensor({20, 24, 3, 3}, rng);
    const HostTensor bias = randomTensor({20}, rng);
    const HostTensor residual = randomTensor({2, 20, 7, 6}, rng);
    struct Case {
        std::string name;
        std::vector<const HostTensor*> inputs;
        std::vector<bool> activations;
        std::optional<ActivationParams> activation;
    };
    // Sigmoid maps the padded lanes' zeros to 0.5: they must still be written zero.
    const std::vector<Case> cases{
        {"bias", {&x, &w, &bias}, {true, false, false}, std::nullopt},
        {"bias, residual, ReLU",
         {&x, &w, &bias, &residual},
         {true, false, false, true},
         ActivationParams{ActivationType::Relu}},
        {"residual, sigmoid",
         {&x, &w, nullptr, &residual},
         {true, false, false, true},
         ActivationParams{ActivationType::Sigmoid}},
    };
    for (const Case& c : cases) {
        for (const Variant& variant : kVariants) {
            for (TensorFormat format : {TensorFormat::blocked(8), TensorFormat::blocked(16)}) {
                checkAgainstReference(conv3x3({1, 1, 1, 1}, c.activation), c.inputs, c.activations, format,
                                      variant.id, kMaxUlp, absoluteFor(variant, 24), c.name);
            }
        }
    }
}

// A residual that lies in the output's own memory (the output written over it in place) is read before
// the output is written: the same result as from separate memory.
TEST(KilnWinograd, ResidualInTheOutputsMemory) {
    std::mt19937 rng(123);
    const HostTensor x = randomTensor({1, 24, 7, 6}, rng);
    const HostTensor w = randomTensor({20, 24, 3, 3}, rng);
    const HostTensor bias = randomTensor({20}, rng);
    const HostTensor residual = randomTensor({1, 20, 7, 6}, rng);
    const TensorFormat format = TensorFormat::blocked(8);
    auto built = makeSingleLayerNetwork(conv3x3({1, 1, 1, 1}, ActivationParams{ActivationType::Relu}),
                                        {&x, &w, &bias, &residual}, {true, false, false, true});
    ASSERT_TRUE(built.isOk()) << built.status().message();
    setActivationFormats(*built->layer, format);
    auto expected = runReference(*built->layer, {&x, &w, &bias, &residual});
    ASSERT_TRUE(expected.isOk()) << expected.status().message();
    const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
    const std::vector<std::byte> input = tactics::toFormat(x, format, 1.0f);
    for (const Variant& variant : kVariants) {
        for (cpu::fast::Isa isa : testedIsas()) {
            const std::string where = std::string(variant.id) + " in place [" + cpu::fast::isaName(isa) + "]";
            const Offer offer = enumerateKiln(isa, config);
            const tactics::Tactic* tactic = offer.find(variant.id);
            ASSERT_NE(tactic, nullptr) << where << ": " << offer.skipReason(variant.id);
            auto blobs = tactic->prepareWeights();
            ASSERT_TRUE(blobs.isOk()) << where << ": " << blobs.status().message();
            auto kernel = tactic->instantiate(std::move(*blobs));
            ASSERT_TRUE(kernel.isOk()) << where << ": " << kernel.status().message();
            std::vector<std::byte> output = tactics::toFormat(residual, format, 1.0f);
            std::vector<std::byte> workspace(size_t(tactic->workspaceBytes()));
            tactics::KernelArgs args;
            args.inputs = {input.data(), nullptr, nullptr, output.data()};
            args.outputs = {output.data()};
            args.workspace = workspace.data();
            ASSERT_TRUE((*kernel)->run(args).isOk()) << where;
            const HostTensor actual =
                tactics::fromFormat(output.data(), DataType::Float32, residual.dims(), format, 1.0f);
            expectUlpClose((*expected)[0], actual, kMaxUlp, absoluteFor(variant, 24), where);
        }
    }
}

TEST(KilnWinograd, RefusesWhatItCannotRun) {
    const std::string id = "kiln:winograd:4x4";  // both tiles give the same reasons
    std::mt19937 rng(122);
    const HostTensor x = randomTensor({1, 16, 8, 8}, rng);
    const HostTensor w = randomTensor({16, 16, 3, 3}, rng);
    const HostTensor w5 = randomTensor({16, 16, 5, 5}, rng);
    const HostTensor grouped = randomTensor({16, 8, 3, 3}, rng);
    const TensorFormat blocked = TensorFormat::blocked(8);
    EXPECT_EQ(skipReasonFor(conv3x3({1, 1, 1, 1}), {&x, &w}, {true, false}, blocked, id), "");
    EXPECT_NE(skipReasonFor(ConvolutionParams{{2, 2}, {1, 1, 1, 1}, {1, 1}, 1}, {&x, &w}, {true, false},
                            blocked, id)
                  .find("stride 1"),
              std::string::npos);
    EXPECT_NE(skipReasonFor(ConvolutionParams{{1, 1}, {2, 2, 2, 2}, {2, 2}, 1}, {&x, &w}, {true, false},
                            blocked, id)
                  .find("dilation 1"),
              std::string::npos);
    EXPECT_NE(skipReasonFor(ConvolutionParams{{1, 1}, {1, 1, 1, 1}, {1, 1}, 2}, {&x, &grouped}, {true, false},
                            blocked, id)
                  .find("one group"),
              std::string::npos);
    EXPECT_NE(skipReasonFor(conv3x3({2, 2, 2, 2}), {&x, &w5}, {true, false}, blocked, id).find("3x3"),
              std::string::npos);
    EXPECT_NE(
        skipReasonFor(conv3x3({1, 1, 1, 1}), {&x, &w}, {true, false}, TensorFormat{}, id).find("blocked"),
        std::string::npos);
    const HostTensor narrow = randomTensor({1, 8, 8, 8}, rng);
    const HostTensor wNarrow = randomTensor({16, 8, 3, 3}, rng);
    EXPECT_NE(skipReasonFor(conv3x3({1, 1, 1, 1}), {&narrow, &wNarrow}, {true, false}, blocked, id)
                  .find("16 or more"),
              std::string::npos);
    EXPECT_NE(skipReasonFor(conv3x3({1, 1, 1, 1}), {&x, &w}, {true, false}, blocked, id, DataType::Float16)
                  .find("FP32"),
              std::string::npos);
}

}  // namespace
}  // namespace kiln::test

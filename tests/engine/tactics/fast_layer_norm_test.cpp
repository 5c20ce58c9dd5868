// Kiln's LayerNorm kernel (which runs InstanceNorm too) against the reference, on every instruction set: ViT's rows of 768, ConvNeXt's
// channels-last rows of 96, several trailing axes at once, with and without bias, a constant row (zero
// variance) and rows far from zero (where a one-pass E[x^2] - E[x]^2 would lose every digit).
//
// Tolerance: the mean and variance are accumulated in double in both (in a different order), so they
// agree far below a float ulp; the kernel then rounds the centre and the factor 1 / sqrt(variance +
// epsilon) to float and applies (x - centre) * factor * scale + bias in float, where the reference rounds
// once from double. That is at most five float roundings, each within half an ulp of an intermediate of
// magnitude below 16 here, so every element is within 5 * 2^-24 * 16 < 5e-6 of the reference (or a few
// ulp of it).
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fast_test_helpers.h"

namespace kiln::test {
namespace {

constexpr double kAbsolute = 5e-6;
constexpr int64_t kMaxUlp = 4;

struct LayerNormCase {
    Dims dims;
    int64_t axis;
};

Dims normalizedDims(const LayerNormCase& c) { return Dims(c.dims.begin() + c.axis, c.dims.end()); }

TEST(KilnLayerNorm, MatchesReferenceWithAndWithoutBias) {
    std::mt19937 rng(60);
    for (const LayerNormCase& c : std::vector<LayerNormCase>{
             {{1, 197, 768}, 2}, {{2, 7, 7, 96}, 3}, {{3, 4, 5}, 1}, {{5}, 0}, {{2, 3, 33}, 2}}) {
        const HostTensor x = randomTensor(c.dims, rng, -2.0f, 2.0f);
        const HostTensor scale = randomTensor(normalizedDims(c), rng, 0.5f, 1.5f);
        const HostTensor bias = randomTensor(normalizedDims(c), rng, -1.0f, 1.0f);
        const std::string what = toString(c.dims) + " from axis " + std::to_string(c.axis);
        checkAgainstReference(LayerNormParams{c.axis, 1e-5f}, {&x, &scale, &bias}, {true, false, false}, TensorFormat{},
                              "kiln:layer-norm", kMaxUlp, kAbsolute, what + " with bias");
        checkAgainstReference(LayerNormParams{c.axis, 1e-6f}, {&x, &scale}, {true, false}, TensorFormat{},
                              "kiln:layer-norm", kMaxUlp, kAbsolute, what + " without bias");
    }
}

// InstanceNorm runs on the same kernel: each (n, c) plane a row, scaled and shifted by its channel's values
// (the factor and the scale multiplied first, one rounding fewer than per position).
TEST(KilnLayerNorm, InstanceNormPlanesMatchReference) {
    std::mt19937 rng(64);
    for (const Dims& dims : std::vector<Dims>{{2, 5, 7, 7}, {1, 3, 100}, {1, 2, 3, 4, 5}}) {
        const HostTensor x = randomTensor(dims, rng, -2.0f, 2.0f);
        const HostTensor scale = randomTensor({dims[1]}, rng, 0.5f, 1.5f);
        const HostTensor bias = randomTensor({dims[1]}, rng, -1.0f, 1.0f);
        checkAgainstReference(InstanceNormParams{1e-5f}, {&x, &scale, &bias}, {true, false, false}, TensorFormat{},
                              "kiln:layer-norm", kMaxUlp, kAbsolute, "instance norm " + toString(dims));
    }
}

TEST(KilnLayerNorm, ConstantRowsAndRowsFarFromZero) {
    std::mt19937 rng(61);
    HostTensor x = randomTensor({4, 64}, rng, -1.0f, 1.0f);
    for (int64_t i = 0; i < 64; ++i) {
        x.data<float>()[i] = 3.25f;                                  // row 0: zero variance, y = bias
        x.data<float>()[64 + i] = 1000.0f + x.data<float>()[64 + i];  // row 1: mean 1000, spread 1
    }
    const HostTensor scale = randomTensor({64}, rng, 0.5f, 1.5f);
    const HostTensor bias = randomTensor({64}, rng, -1.0f, 1.0f);
    // Row 1's deviations are exact in float (x and its centre lie in [999, 1001], 2^-14 apart), so the
    // bound above holds there too.
    checkAgainstReference(LayerNormParams{1, 1e-5f}, {&x, &scale, &bias}, {true, false, false}, TensorFormat{},
                          "kiln:layer-norm", kMaxUlp, kAbsolute, "constant and offset rows");
}

// BF16 storage: the rows are read exactly and each result rounded once, so the reference's result on the
// same values, rounded to bfloat16, is equal or one bfloat16 step (2^-7 relative) away.
TEST(KilnLayerNorm, Bfloat16StorageIsReadExactlyAndRoundedOnce) {
    std::mt19937 rng(62);
    HostTensor x = randomTensor({2, 50, 768}, rng, -2.0f, 2.0f);
    for (int64_t i = 0; i < x.elementCount(); ++i) x.data<float>()[i] = bfloat16ToFloat(floatToBFloat16(x.data<float>()[i]));
    const HostTensor scale = randomTensor({768}, rng, 0.5f, 1.5f);
    const HostTensor bias = randomTensor({768}, rng, -1.0f, 1.0f);
    auto built = makeSingleLayerNetwork(LayerNormParams{2, 1e-5f}, {&x, &scale, &bias}, {true, false, false});
    ASSERT_TRUE(built.isOk()) << built.status().message();
    setActivationFormats(*built->layer, TensorFormat{0, false, DataType::BFloat16});
    const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
    auto reference = runReference(*built->layer, {&x, &scale, &bias});
    ASSERT_TRUE(reference.isOk()) << reference.status().message();
    HostTensor expected = (*reference)[0];
    for (int64_t i = 0; i < expected.elementCount(); ++i) {
        expected.data<float>()[i] = bfloat16ToFloat(floatToBFloat16(expected.data<float>()[i]));
    }
    for (cpu::fast::Isa isa : testedIsas()) {
        const Offer offer = enumerateKiln(isa, config);
        const tactics::Tactic* tactic = offer.find("kiln:layer-norm");
        ASSERT_NE(tactic, nullptr) << offer.skipReason("kiln:layer-norm");
        auto actual = runTactic(*tactic, config, {&x, &scale, &bias});
        ASSERT_TRUE(actual.isOk()) << actual.status().message();
        expectClose(expected, (*actual)[0], std::ldexp(1.0f, -7), 0.0f,
                    std::string("BF16 rows [") + cpu::fast::isaName(isa) + "]");
    }
}

TEST(KilnLayerNorm, RefusesBlockedTensors) {
    std::mt19937 rng(63);
    const HostTensor x = randomTensor({1, 16, 4, 4}, rng);
    const HostTensor scale = randomTensor({4}, rng);
    EXPECT_NE(skipReasonFor(LayerNormParams{3, 1e-5f}, {&x, &scale}, {true, false}, TensorFormat::blocked(8),
                            "kiln:layer-norm")
                  .find("linear"),
              std::string::npos);
}

}  // namespace
}  // namespace kiln::test

// Kiln's global average and max pooling against the reference: odd shapes, batch 1 and 3, 1 to 3
// spatial axes, linear and blocked by 8 and 16, on every instruction set. Max is exact. Averages sum in
// double like the reference but in another order (interleaved partial sums, planes split among
// threads), which moves the double sum by about 1e-16 relative, so the float result may differ in its
// last bit only (1 ulp). Blocked inputs also pool into linear outputs. Non-global windows and padding
// are skipped with a reason.
//
// Kiln's windowed pooling against the reference: windows, strides, dilations, padding (also windows
// wholly in it), ceil mode and count_include_pad, 1 and 2 spatial axes, blocked by 8 and 16 and
// channels-last, on every instruction set. Max is exact, NaN and infinities included. Averages sum in
// float where the reference sums in double: k taps of magnitude at most M summed in float are off by at
// most (k - 1) * 2^-24 * k * M, and the divisor is at least the k taps summed, so the average is off by
// at most (k - 1) * 2^-24 * M, plus half an ulp each of its own rounding and of the reference's (at most
// 2^-23 * M together): (k + 1) * 2^-24 * M.
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fast_test_helpers.h"

namespace kiln::test {
namespace {

PoolingParams globalPooling(PoolingType type, const Dims& dims) {
    PoolingParams p;
    p.type = type;
    p.kernel.assign(dims.begin() + 2, dims.end());
    p.strides.assign(dims.size() - 2, 1);
    p.pads.assign(2 * (dims.size() - 2), 0);
    p.dilations.assign(dims.size() - 2, 1);
    return p;
}

TEST(KilnGlobalPooling, MatchesReferenceInEveryFormat) {
    std::mt19937 rng(41);
    // {1, 1, 150, 150} and {1, 5, 100, 100} are one plane in every format: it is split among tasks.
    const std::vector<Dims> shapes{{1, 3, 5, 7},    {3, 20, 7, 9},   {2, 37, 1, 1},   {1, 19, 3, 4, 5},
                                   {2, 24, 13},     {1, 64, 56, 56}, {1, 2048, 7, 7}, {1, 1, 150, 150},
                                   {1, 5, 100, 100}};
    for (const Dims& dims : shapes) {
        HostTensor x = randomTensor(dims, rng, -4.0f, 4.0f);
        for (PoolingType type : {PoolingType::Average, PoolingType::Max}) {
            for (TensorFormat format : testedFormats()) {
                const int64_t maxUlp = type == PoolingType::Average ? 1 : 0;
                checkAgainstReference(globalPooling(type, dims), {&x}, {true}, format, "kiln:global-pooling", maxUlp,
                                      0.0, std::string(type == PoolingType::Max ? "max " : "average ") + toString(dims));
            }
        }
    }
}

// The global pooling before a CNN's classifier reads the last convolution's blocked output and writes
// the linear [N, C, 1, 1] that the flatten view needs: the channels leave their blocks, the padding lanes
// of a last block that channels do not fill are left out.
TEST(KilnGlobalPooling, BlockedInputsPoolIntoLinearOutputs) {
    std::mt19937 rng(44);
    const std::vector<Dims> shapes{
        {1, 2048, 7, 7}, {3, 20, 7, 9}, {2, 37, 1, 1}, {1, 19, 3, 4, 5}, {1, 5, 100, 100}};
    for (const Dims& dims : shapes) {
        HostTensor x = randomTensor(dims, rng, -4.0f, 4.0f);
        for (PoolingType type : {PoolingType::Average, PoolingType::Max}) {
            for (int block : {8, 16}) {
                const std::string what = std::string(type == PoolingType::Max ? "max " : "average ") +
                                         toString(dims) + " block" + std::to_string(block) + " to linear";
                checkAgainstReferenceFromTo(globalPooling(type, dims), x, TensorFormat::blocked(block),
                                            TensorFormat{}, "kiln:global-pooling",
                                            type == PoolingType::Average ? 1 : 0, what);
            }
        }
    }
    // Channels-last storage of another type is no channel block to take the channels out of.
    HostTensor x = randomTensor({1, 16, 4, 4}, rng);
    auto built = makeSingleLayerNetwork(globalPooling(PoolingType::Average, x.dims()), {&x}, {true});
    ASSERT_TRUE(built.isOk());
    built->layer->input(0)->setFormat(TensorFormat{16, false, DataType::Float16});
    built->layer->output(0)->setFormat(TensorFormat{});
    const Offer offer = enumerateKiln(cpu::fast::bestIsa(), tactics::LayerConfig::of(*built->layer));
    EXPECT_EQ(offer.find("kiln:global-pooling"), nullptr);
}

TEST(KilnGlobalPooling, MaxKeepsNaN) {
    std::mt19937 rng(42);
    HostTensor x = randomTensor({2, 20, 3, 3}, rng);
    x.data<float>()[4] = std::numeric_limits<float>::quiet_NaN();
    x.data<float>()[9 * 21 + 8] = std::numeric_limits<float>::quiet_NaN();
    for (TensorFormat format : testedFormats()) {
        checkAgainstReference(globalPooling(PoolingType::Max, x.dims()), {&x}, {true}, format, "kiln:global-pooling",
                              0, 0.0, "max with NaN");
    }
}

TEST(KilnGlobalPooling, SkipsWindowsAndPadding) {
    std::mt19937 rng(43);
    const HostTensor x = randomTensor({1, 16, 7, 7}, rng);
    PoolingParams window = globalPooling(PoolingType::Max, x.dims());
    window.kernel = {3, 3};
    window.strides = {2, 2};
    const std::string local = skipReasonFor(window, {&x}, {true}, TensorFormat{}, "kiln:global-pooling");
    EXPECT_NE(local.find("only global pooling"), std::string::npos) << local;

    PoolingParams padded = globalPooling(PoolingType::Average, x.dims());
    padded.pads = {1, 1, 1, 1};
    padded.kernel = {9, 9};
    const std::string pads = skipReasonFor(padded, {&x}, {true}, TensorFormat{}, "kiln:global-pooling");
    EXPECT_NE(pads, "");

    const std::string fp16 = skipReasonFor(globalPooling(PoolingType::Average, x.dims()), {&x}, {true},
                                           TensorFormat::blocked(16), "kiln:global-pooling", DataType::Float16);
    EXPECT_NE(fp16.find("FP32"), std::string::npos) << fp16;
}

std::vector<TensorFormat> windowFormats() {
    return {TensorFormat::blocked(8), TensorFormat::blocked(16), TensorFormat::nhwc(0),
            TensorFormat::nhwc(8)};
}

// The tolerance of an average of at most `taps` taps of magnitude at most `magnitude` (the file's comment).
double averageTolerance(const PoolingParams& p, double magnitude) {
    int64_t taps = 1;
    for (int64_t k : p.kernel)
        taps *= k;
    return double(taps + 1) * std::ldexp(1.0, -24) * magnitude;
}

TEST(KilnWindowPooling, MatchesReference) {
    std::mt19937 rng(45);
    struct Case {
        Dims dims;
        PoolingParams params;
        std::string what;
    };
    std::vector<Case> cases{
        {{2, 20, 13, 11}, pooling(PoolingType::Max, {3, 3}, {2, 2}, {0, 0, 0, 0}), "max 3x3/2"},
        {{1, 24, 14, 14}, pooling(PoolingType::Max, {3, 3}, {1, 1}, {1, 1, 1, 1}), "max 3x3/1 pad 1"},
        {{1, 33, 12, 13}, pooling(PoolingType::Max, {3, 3}, {2, 2}, {1, 1, 1, 1}), "max 3x3/2 pad 1"},
        {{1, 16, 10, 9}, pooling(PoolingType::Max, {2, 2}, {2, 2}, {0, 0, 0, 0}), "max 2x2/2"},
        {{2, 8, 9, 9},
         pooling(PoolingType::Max, {3, 3}, {1, 1}, {2, 2, 2, 2}, false, false, {2, 2}),
         "max 3x3/1 dilation 2"},
        {{1, 9, 6, 23}, pooling(PoolingType::Max, {1, 5}, {1, 2}, {0, 2, 0, 1}), "max 1x5 asymmetric pads"},
        {{3, 37, 9, 10}, pooling(PoolingType::Average, {3, 3}, {1, 1}, {1, 1, 1, 1}), "average 3x3/1 pad 1"},
        {{2, 19, 11, 12}, pooling(PoolingType::Average, {3, 3}, {2, 2}, {1, 1, 1, 1}), "average 3x3/2 pad 1"},
        {{1, 21, 7, 8},
         pooling(PoolingType::Average, {5, 4}, {2, 3}, {2, 1, 1, 2}),
         "average 5x4 asymmetric pads"},
        {{2, 18, 17}, pooling(PoolingType::Max, {3}, {2}, {1, 1}), "1-D max"},
        {{2, 18, 17}, pooling(PoolingType::Average, {4}, {3}, {1, 2}), "1-D average"},
    };
    // Ceil mode, and the padding counted or not.
    cases.push_back(
        {{2, 20, 13, 11}, pooling(PoolingType::Max, {3, 3}, {2, 2}, {0, 0, 0, 0}, true), "max ceil"});
    cases.push_back(
        {{2, 19, 11, 12}, pooling(PoolingType::Average, {3, 3}, {2, 2}, {1, 1, 1, 1}, true), "average ceil"});
    for (bool ceil : {false, true}) {
        const std::string mode = ceil ? " ceil" : "";
        cases.push_back({{3, 37, 9, 10},
                         pooling(PoolingType::Average, {3, 3}, {1, 1}, {1, 1, 1, 1}, ceil, true),
                         "average counting the padding" + mode});
        cases.push_back({{1, 21, 7, 8},
                         pooling(PoolingType::Average, {5, 4}, {2, 3}, {2, 1, 1, 2}, ceil, true),
                         "average 5x4 counting the padding" + mode});
    }
    for (const Case& c : cases) {
        HostTensor x = randomTensor(c.dims, rng, -4.0f, 4.0f);
        const bool average = c.params.type == PoolingType::Average;
        for (TensorFormat format : windowFormats()) {
            checkAgainstReference(c.params, {&x}, {true}, format, "kiln:window-pooling", average ? 1 : 0,
                                  average ? averageTolerance(c.params, 4.0) : 0.0,
                                  c.what + " " + toString(c.dims));
        }
    }
}

// A window with a NaN is NaN and infinities are values, as in the reference, wherever they lie in the
// window and in the block.
TEST(KilnWindowPooling, MaxKeepsNaNAndInfinities) {
    std::mt19937 rng(46);
    HostTensor x = randomTensor({2, 20, 9, 9}, rng);
    float* data = x.data<float>();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    data[4] = nan;                    // batch 0, channel 0, an edge row
    data[3 * 81 + 40] = nan;          // channel 3, the middle
    data[17 * 81 + 80] = inf;         // channel 17, the last position
    data[(20 + 5) * 81 + 10] = -inf;  // batch 1, channel 5
    data[(20 + 19) * 81 + 0] = nan;   // the last channel, the first position
    for (const PoolingParams& p : {pooling(PoolingType::Max, {3, 3}, {2, 2}, {1, 1, 1, 1}),
                                   pooling(PoolingType::Max, {3, 3}, {1, 1}, {0, 0, 0, 0})}) {
        for (TensorFormat format : windowFormats()) {
            checkAgainstReference(p, {&x}, {true}, format, "kiln:window-pooling", 0, 0.0,
                                  "max with NaN and infinities, stride " + std::to_string(p.strides[0]));
        }
    }
}

TEST(KilnWindowPooling, SkipsWhatItDoesNotRun) {
    std::mt19937 rng(47);
    const HostTensor x = randomTensor({1, 16, 7, 7}, rng);
    const PoolingParams p = pooling(PoolingType::Max, {3, 3}, {2, 2}, {1, 1, 1, 1});
    const std::string linear = skipReasonFor(p, {&x}, {true}, TensorFormat{}, "kiln:window-pooling");
    EXPECT_NE(linear.find("oneDNN"), std::string::npos) << linear;
    const std::string fp16 =
        skipReasonFor(p, {&x}, {true}, TensorFormat::blocked(16), "kiln:window-pooling", DataType::Float16);
    EXPECT_NE(fp16.find("FP32"), std::string::npos) << fp16;
    const std::string global = skipReasonFor(globalPooling(PoolingType::Average, x.dims()), {&x}, {true},
                                             TensorFormat::blocked(16), "kiln:window-pooling");
    EXPECT_NE(global.find("kiln:global-pooling"), std::string::npos) << global;
    const HostTensor volume = randomTensor({1, 16, 5, 5, 5}, rng);
    const std::string threeAxes =
        skipReasonFor(pooling(PoolingType::Max, {3, 3, 3}, {2, 2, 2}, {0, 0, 0, 0, 0, 0}), {&volume}, {true},
                      TensorFormat::blocked(16), "kiln:window-pooling");
    EXPECT_NE(threeAxes.find("1 or 2 spatial axes"), std::string::npos) << threeAxes;
}

}  // namespace
}  // namespace kiln::test

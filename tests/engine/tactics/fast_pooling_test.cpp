// Kiln's global average and max pooling against the reference: odd shapes, batch 1 and 3, 1 to 3
// spatial axes, linear and blocked by 8 and 16, on every instruction set. Max is exact. Averages sum in
// double like the reference but in another order (interleaved partial sums, planes split among
// threads), which moves the double sum by about 1e-16 relative, so the float result may differ in its
// last bit only (1 ulp). Blocked inputs also pool into linear outputs. Non-global windows and padding
// are skipped with a reason.
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

}  // namespace
}  // namespace kiln::test

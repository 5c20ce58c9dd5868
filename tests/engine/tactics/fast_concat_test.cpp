// Kiln's Concat kernel against the reference (a copy: results must match exactly): linear along every
// axis, blocked along channels when each input starts on a block boundary (the last input's channel
// count is odd so the output has padded lanes), and blocked along batch and spatial axes; rows larger
// than one copy chunk; a non-float type; dense channels-last along channels; the skip reasons for a
// channel offset inside a block and for padded or other-axis channels-last tensors.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fast_test_helpers.h"
#include "tactics/formats.h"

namespace kiln::test {
namespace {

void checkConcat(const std::vector<Dims>& inputDims, int64_t axis, TensorFormat format, std::mt19937& rng) {
    std::vector<HostTensor> tensors;
    for (const Dims& dims : inputDims) tensors.push_back(randomTensor(dims, rng));
    std::vector<const HostTensor*> inputs;
    for (const HostTensor& t : tensors) inputs.push_back(&t);
    std::string name = "concat axis " + std::to_string(axis) + " of";
    for (const Dims& dims : inputDims) name += " " + toString(dims);
    checkAgainstReference(ConcatParams{axis}, inputs, std::vector<bool>(inputs.size(), true), format, "kiln:concat",
                          0, 0.0, name);
}

TEST(KilnConcat, LinearAlongEveryAxis) {
    std::mt19937 rng(31);
    checkConcat({{1, 3, 5, 7}, {2, 3, 5, 7}}, 0, TensorFormat{}, rng);
    checkConcat({{3, 5, 4, 7}, {3, 11, 4, 7}, {3, 1, 4, 7}}, 1, TensorFormat{}, rng);
    checkConcat({{2, 3, 5, 7}, {2, 3, 2, 7}}, 2, TensorFormat{}, rng);
    checkConcat({{2, 3, 5, 7}, {2, 3, 5, 1}, {2, 3, 5, 4}}, 3, TensorFormat{}, rng);
    checkConcat({{2, 7}, {2, 9}}, 1, TensorFormat{}, rng);
    checkConcat({{5}, {0}, {3}}, 0, TensorFormat{}, rng);
    checkConcat({{1, 3, 2, 2, 5}, {1, 4, 2, 2, 5}}, 1, TensorFormat{}, rng);
    // One row per input larger than a copy chunk (batch 1 channel concat, 640 KB inputs).
    checkConcat({{1, 16, 100, 100}, {1, 16, 100, 100}}, 1, TensorFormat{}, rng);
}

TEST(KilnConcat, BlockedAlongChannelsOnBlockBoundaries) {
    std::mt19937 rng(32);
    for (int block : {8, 16}) {
        const TensorFormat format = TensorFormat::blocked(block);
        checkConcat({{1, 16, 5, 7}, {1, 32, 5, 7}, {1, 5, 5, 7}}, 1, format, rng);
        checkConcat({{3, 16, 4, 3}, {3, 19, 4, 3}}, 1, format, rng);
        checkConcat({{2, 48, 3, 2, 2}, {2, 16, 3, 2, 2}}, 1, format, rng);
        checkConcat({{1, 32, 100, 100}, {1, 16, 100, 100}}, 1, format, rng);
    }
}

// Dense channels-last along channels: one row per pixel, each input's channels one piece of it, at
// any channel counts. Stored in BF16 the bytes are copied as they are (inputs that bfloat16 holds
// exactly come back exactly). Padded channels, or another axis, would interleave: not offered. (INT8
// channels-last concats are tested in onednn_int8_convolution_test.cpp, where the builder gives the
// inputs the concat's scale.)
TEST(KilnConcat, ChannelsLastAlongUnpaddedChannels) {
    std::mt19937 rng(35);
    const TensorFormat channelsLast = TensorFormat::nhwc(0);
    checkConcat({{1, 4, 3, 3}, {1, 5, 3, 3}}, 1, channelsLast, rng);
    checkConcat({{2, 32, 7, 5}, {2, 3, 7, 5}, {2, 17, 7, 5}}, 1, channelsLast, rng);
    checkConcat({{1, 16, 2, 3, 4}, {1, 8, 2, 3, 4}}, 1, channelsLast, rng);
    checkConcat({{1, 64, 56, 56}, {1, 32, 56, 56}}, 1, channelsLast, rng);

    std::vector<HostTensor> tensors{randomTensor({1, 24, 6, 6}, rng), randomTensor({1, 9, 6, 6}, rng)};
    std::vector<const HostTensor*> inputs;
    for (HostTensor& tensor : tensors) {
        for (int64_t i = 0; i < tensor.elementCount(); ++i) {
            tensor.data<float>()[i] = bfloat16ToFloat(floatToBFloat16(tensor.data<float>()[i]));
        }
        inputs.push_back(&tensor);
    }
    checkAgainstReference(ConcatParams{1}, inputs, {true, true}, TensorFormat::nhwc(0, DataType::BFloat16),
                          "kiln:concat", 0, 0.0, "BF16 channels-last concat");

    const HostTensor a = randomTensor({1, 4, 3, 3}, rng);
    const HostTensor b = randomTensor({1, 4, 3, 3}, rng);
    EXPECT_NE(skipReasonFor(ConcatParams{1}, {&a, &b}, {true, true}, TensorFormat::nhwc(8), "kiln:concat")
                  .find("unpadded channels only"),
              std::string::npos);
    EXPECT_NE(skipReasonFor(ConcatParams{2}, {&a, &b}, {true, true}, channelsLast, "kiln:concat")
                  .find("unpadded channels only"),
              std::string::npos);
}

// INT8 channels-last inputs whose calibrated ranges differ from the output's are requantized on the way:
// each value q * scale of its input, rounded to the output's scale, as the simulated concat computes it;
// an input of the output's range is copied as it is.
TEST(KilnConcat, Int8InputsOfOtherScalesAreRequantized) {
    std::mt19937 rng(36);
    const HostTensor a = randomTensor({1, 24, 5, 6}, rng, -2.0f, 2.0f);
    const HostTensor b = randomTensor({1, 13, 5, 6}, rng, -6.0f, 6.0f);
    const HostTensor c = randomTensor({1, 8, 5, 6}, rng, -4.0f, 4.0f);
    auto built = makeSingleLayerNetwork(ConcatParams{1}, {&a, &b, &c}, {true, true, true});
    ASSERT_TRUE(built.isOk()) << built.status().message();
    Layer& layer = *built->layer;
    const float ranges[] = {2.0f, 6.0f, 4.0f};
    for (size_t i = 0; i < 3; ++i) layer.input(i)->setDynamicRange(ranges[i]);
    layer.output(0)->setDynamicRange(4.0f);  // input c shares it; a and b are requantized
    setActivationFormats(layer, TensorFormat::nhwc(0, DataType::Int8));
    const tactics::LayerConfig config = tactics::LayerConfig::of(layer);

    // What the values become: quantized with their input's scale, widened, quantized with the output's.
    const float outputScale = 4.0f / 127.0f;
    std::vector<const HostTensor*> inputs{&a, &b, &c};
    HostTensor stored[3];
    for (size_t i = 0; i < 3; ++i) {
        const float scale = ranges[i] / 127.0f;
        stored[i] = *inputs[i];
        for (int64_t e = 0; e < stored[i].elementCount(); ++e) {
            const float widened = float(tactics::quantizeToInt8(inputs[i]->data<float>()[e], scale)) * scale;
            const float q = std::nearbyint(widened * (1.0f / outputScale));
            stored[i].data<float>()[e] = float(std::clamp(q, -127.0f, 127.0f)) * outputScale;
        }
    }
    auto expected = runReference(layer, {&stored[0], &stored[1], &stored[2]});
    ASSERT_TRUE(expected.isOk());
    for (cpu::fast::Isa isa : testedIsas()) {
        const Offer offer = enumerateKiln(isa, config);
        const tactics::Tactic* tactic = offer.find("kiln:concat");
        ASSERT_NE(tactic, nullptr) << offer.skipReason("kiln:concat");
        auto actual = runTactic(*tactic, config, inputs);
        ASSERT_TRUE(actual.isOk()) << actual.status().message();
        expectUlpClose((*expected)[0], (*actual)[0], 0, 0.0, std::string("INT8 concat ") + cpu::fast::isaName(isa));
    }
}

TEST(KilnConcat, BlockedAlongBatchAndSpatialAxes) {
    std::mt19937 rng(33);
    for (int block : {8, 16}) {
        const TensorFormat format = TensorFormat::blocked(block);
        checkConcat({{1, 20, 5, 7}, {2, 20, 5, 7}}, 0, format, rng);
        checkConcat({{2, 20, 5, 7}, {2, 20, 3, 7}}, 2, format, rng);
        checkConcat({{2, 20, 5, 7}, {2, 20, 5, 2}, {2, 20, 5, 9}}, 3, format, rng);
        checkConcat({{1, 3, 4, 6}, {1, 3, 4, 6}}, 3, format, rng);
    }
}

TEST(KilnConcat, CopiesNonFloatTensors) {
    HostTensor a(DataType::Int64, {2, 3, 4});
    HostTensor b(DataType::Int64, {2, 5, 4});
    for (int64_t i = 0; i < a.elementCount(); ++i) a.data<int64_t>()[i] = i * 7 - 40;
    for (int64_t i = 0; i < b.elementCount(); ++i) b.data<int64_t>()[i] = -i * 1000000007LL;
    auto built = makeSingleLayerNetwork(ConcatParams{1}, {&a, &b}, {true, true});
    ASSERT_TRUE(built.isOk()) << built.status().message();
    const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
    const Offer offer = enumerateKiln(cpu::fast::bestIsa(), config);
    const tactics::Tactic* tactic = offer.find("kiln:concat");
    ASSERT_NE(tactic, nullptr) << offer.skipReason("kiln:concat");
    auto actual = runTactic(*tactic, config, {&a, &b});
    ASSERT_TRUE(actual.isOk()) << actual.status().message();
    auto expected = runReference(*built->layer, {&a, &b});
    ASSERT_TRUE(expected.isOk());
    EXPECT_EQ(std::memcmp((*actual)[0].bytes(), (*expected)[0].bytes(), (*expected)[0].byteSize()), 0);
}

TEST(KilnConcat, SkipsChannelOffsetsInsideABlock) {
    std::mt19937 rng(34);
    const HostTensor a = randomTensor({1, 12, 3, 3}, rng);
    const HostTensor b = randomTensor({1, 16, 3, 3}, rng);
    const std::string reason =
        skipReasonFor(ConcatParams{1}, {&a, &b}, {true, true}, TensorFormat::blocked(16), "kiln:concat");
    EXPECT_NE(reason.find("starts at channel 12"), std::string::npos) << reason;
    // The same inputs concatenate in linear format and at block 4... 12 is a multiple of 4 but not 8.
    EXPECT_EQ(skipReasonFor(ConcatParams{1}, {&a, &b}, {true, true}, TensorFormat{}, "kiln:concat"), "");
    EXPECT_NE(skipReasonFor(ConcatParams{1}, {&a, &b}, {true, true}, TensorFormat::blocked(8), "kiln:concat"), "");
}

}  // namespace
}  // namespace kiln::test

// Kiln's Concat kernel against the reference (a copy: results must match exactly): linear along every
// axis, blocked along channels when each input starts on a block boundary (the last input's channel
// count is odd so the output has padded lanes), and blocked along batch and spatial axes; rows larger
// than one copy chunk; a non-float type; the skip reasons for a channel offset inside a block and for
// FP32 channels-last tensors.
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kiln_test_helpers.h"

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

TEST(KilnConcat, ChannelsLastOnlyInInt8) {
    // FP32 channels-last is not offered (INT8 channels-last concats are tested in
    // onednn_int8_convolution_test.cpp, where the builder gives the inputs the concat's scale).
    std::mt19937 rng(35);
    const HostTensor a = randomTensor({1, 4, 3, 3}, rng);
    const HostTensor b = randomTensor({1, 4, 3, 3}, rng);
    EXPECT_NE(skipReasonFor(ConcatParams{1}, {&a, &b}, {true, true}, TensorFormat::nhwc(0), "kiln:concat")
                  .find("only when stored in INT8"),
              std::string::npos);
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

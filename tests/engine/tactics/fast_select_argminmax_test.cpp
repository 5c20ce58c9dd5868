// Kiln's Select (Where) and ArgMinMax kernels against the reference, exactly: Select with every operand
// broadcast along some axes (a lower-rank mask, a scalar, a full tensor), 1- and 8-byte elements, a
// tensor large enough for the threads; ArgMax and ArgMin along the first, a middle and the last axis, with
// ties (first or last index) and NaN, more inner positions than one chunk, and the refusal of blocked
// tensors.
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fast_test_helpers.h"

namespace kiln::test {
namespace {

HostTensor randomMask(const Dims& dims, std::mt19937& rng) {
    HostTensor mask(DataType::Bool, dims);
    std::bernoulli_distribution coin(0.5);
    for (int64_t i = 0; i < mask.elementCount(); ++i)
        mask.data<uint8_t>()[i] = coin(rng) ? 1 : 0;
    return mask;
}

void expectSameBytes(const LayerParams& params, const std::vector<const HostTensor*>& inputs,
                     const std::string& id, const std::string& what) {
    auto built = makeSingleLayerNetwork(params, inputs, std::vector<bool>(inputs.size(), true));
    ASSERT_TRUE(built.isOk()) << what << ": " << built.status().message();
    const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
    auto expected = runReference(*built->layer, inputs);
    ASSERT_TRUE(expected.isOk()) << what << ": " << expected.status().message();
    const Offer offer = enumerateKiln(cpu::fast::bestIsa(), config);
    const tactics::Tactic* tactic = offer.find(id);
    ASSERT_NE(tactic, nullptr) << what << ": " << offer.skipReason(id);
    auto actual = runTactic(*tactic, config, inputs);
    ASSERT_TRUE(actual.isOk()) << what << ": " << actual.status().message();
    const HostTensor& e = (*expected)[0];
    const HostTensor& a = (*actual)[0];
    ASSERT_EQ(a.dims(), e.dims()) << what;
    ASSERT_EQ(a.byteSize(), e.byteSize()) << what;
    const size_t size = dataTypeSize(e.type());
    for (int64_t i = 0; i < e.elementCount(); ++i) {
        ASSERT_EQ(std::memcmp(a.bytes() + i * size, e.bytes() + i * size, size), 0)
            << what << ", element " << i;
    }
}

TEST(KilnSelect, BroadcastOperandsAsTheReference) {
    std::mt19937 rng(100);
    const HostTensor full = randomTensor({2, 3, 4, 5}, rng);
    const HostTensor other = randomTensor({2, 3, 4, 5}, rng);
    const HostTensor row = randomTensor({5}, rng);
    const HostTensor column = randomTensor({3, 4, 1}, rng);
    const HostTensor scalar = randomTensor({1}, rng);
    const HostTensor fullMask = randomMask({2, 3, 4, 5}, rng);
    const HostTensor causal =
        randomMask({4, 5}, rng);  // Trilu's constant mask, broadcast over batch and heads
    const HostTensor channelMask = randomMask({1, 3, 1, 1}, rng);
    expectSameBytes(SelectParams{}, {&fullMask, &full, &other}, "kiln:select", "all full");
    expectSameBytes(SelectParams{}, {&causal, &full, &scalar}, "kiln:select", "lower-rank mask, scalar y");
    expectSameBytes(SelectParams{}, {&channelMask, &row, &column}, "kiln:select", "every operand broadcast");
    expectSameBytes(SelectParams{}, {&fullMask, &scalar, &row}, "kiln:select", "x scalar, y a row");
    HostTensor bytes(DataType::Int8, {4, 5});
    HostTensor longs(DataType::Int64, {2, 3, 4, 5});
    for (int64_t i = 0; i < bytes.elementCount(); ++i)
        bytes.data<int8_t>()[i] = int8_t(i * 13 - 100);
    for (int64_t i = 0; i < longs.elementCount(); ++i)
        longs.data<int64_t>()[i] = i * 1000000007LL;
    expectSameBytes(SelectParams{}, {&fullMask, &longs, &longs}, "kiln:select", "INT64");
    HostTensor bytesB(DataType::Int8, {1});
    bytesB.data<int8_t>()[0] = 7;
    expectSameBytes(SelectParams{}, {&causal, &bytes, &bytesB}, "kiln:select", "INT8");
    const HostTensor big = randomTensor({8, 12, 128, 128}, rng);
    const HostTensor bigMask = randomMask({128, 128}, rng);
    expectSameBytes(SelectParams{}, {&bigMask, &big, &scalar}, "kiln:select",
                    "attention-sized, on the threads");
}

TEST(KilnArgMinMax, EveryAxisTiesAndNaNAsTheReference) {
    std::mt19937 rng(101);
    // Few distinct values, so that ties are common.
    HostTensor x = randomTensor({3, 7, 5, 9}, rng);
    for (int64_t i = 0; i < x.elementCount(); ++i)
        x.data<float>()[i] = std::round(x.data<float>()[i] * 2.0f);
    x.data<float>()[4] = std::numeric_limits<float>::quiet_NaN();
    x.data<float>()[9 * 5] = std::numeric_limits<float>::quiet_NaN();  // leads its column along axis 1
    for (const bool max : {true, false}) {
        for (const bool last : {false, true}) {
            for (int64_t axis = 0; axis < 4; ++axis) {
                for (const bool keep : {true, false}) {
                    expectSameBytes(ArgMinMaxParams{max, axis, keep, last}, {&x}, "kiln:argminmax",
                                    std::string(max ? "argmax" : "argmin") + " axis " + std::to_string(axis) +
                                        (last ? " last index" : "") + (keep ? "" : " dropped"));
                }
            }
        }
    }
    // More inner positions than one task keeps (a segmentation map's classes at every pixel).
    const HostTensor scores = randomTensor({2, 21, 40, 60}, rng);
    expectSameBytes(ArgMinMaxParams{true, 1, true, false}, {&scores}, "kiln:argminmax", "classes per pixel");
    const HostTensor logits = randomTensor({16, 1000}, rng);
    expectSameBytes(ArgMinMaxParams{true, 1, false, false}, {&logits}, "kiln:argminmax",
                    "a classifier's scores");
}

TEST(KilnArgMinMax, RefusesOtherFormats) {
    std::mt19937 rng(102);
    const HostTensor x = randomTensor({1, 16, 4, 4}, rng);
    EXPECT_EQ(skipReasonFor(ArgMinMaxParams{true, 1, true, false}, {&x}, {true}, TensorFormat::blocked(16),
                            "kiln:argminmax"),
              "runs linear tensors stored in their own types only");
}

}  // namespace
}  // namespace kiln::test

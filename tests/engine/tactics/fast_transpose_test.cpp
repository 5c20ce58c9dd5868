// Kiln's Transpose kernel against the reference (a copy: results must match exactly): every
// permutation of ranks 2 to 4 and random ones of rank 5 and 6 on odd extents (unit axes included, so the
// simplification is exercised), the attention head split and merge of a ViT, a large 2-D transpose
// (many tiles, the threads), 1-, 2- and 8-byte elements, BF16 storage, channel-blocked inputs and outputs;
// and the simplification itself.
#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backends/cpu/fast/fast_transpose.h"
#include "fast_test_helpers.h"

namespace kiln::test {
namespace {

std::string permText(const std::vector<int64_t>& perm) {
    std::string text;
    for (int64_t axis : perm) text += (text.empty() ? "" : ",") + std::to_string(axis);
    return text;
}

// Why Kiln's transpose refuses `x` permuted by `perm` from format `in` to `out`.
std::string skipReasonForFormats(const HostTensor& x, const std::vector<int64_t>& perm, TensorFormat in,
                                 TensorFormat out) {
    auto built = makeSingleLayerNetwork(TransposeParams{perm}, {&x}, {true});
    if (!built.isOk()) return "network: " + built.status().message();
    built->layer->input(0)->setFormat(in);
    built->layer->output(0)->setFormat(out);
    const Offer offer = enumerateKiln(cpu::fast::bestIsa(), tactics::LayerConfig::of(*built->layer));
    return offer.find("kiln:transpose") ? std::string() : offer.skipReason("kiln:transpose");
}

void checkTranspose(const HostTensor& x, const std::vector<int64_t>& perm, TensorFormat format = {}) {
    checkAgainstReference(TransposeParams{perm}, {&x}, {true}, format, "kiln:transpose", 0, 0.0,
                          "transpose " + toString(x.dims()) + " perm " + permText(perm));
}

TEST(KilnTranspose, EveryPermutationOfSmallRanks) {
    std::mt19937 rng(40);
    for (const Dims& dims : std::vector<Dims>{{7, 5}, {3, 1, 6}, {4, 5, 3}, {2, 3, 1, 5}, {3, 4, 5, 6}, {1, 33, 2, 17}}) {
        std::vector<int64_t> perm(dims.size());
        std::iota(perm.begin(), perm.end(), int64_t(0));
        const HostTensor x = randomTensor(dims, rng);
        do {
            checkTranspose(x, perm);
        } while (std::next_permutation(perm.begin(), perm.end()));
    }
}

TEST(KilnTranspose, RandomPermutationsOfHigherRanks) {
    std::mt19937 rng(41);
    for (const Dims& dims : std::vector<Dims>{{2, 3, 4, 5, 6}, {3, 1, 7, 2, 5}, {2, 3, 2, 3, 2, 5}}) {
        const HostTensor x = randomTensor(dims, rng);
        std::vector<int64_t> perm(dims.size());
        std::iota(perm.begin(), perm.end(), int64_t(0));
        for (int round = 0; round < 12; ++round) {
            std::shuffle(perm.begin(), perm.end(), rng);
            checkTranspose(x, perm);
        }
    }
}

TEST(KilnTranspose, AttentionHeadsAndLargeTiles) {
    std::mt19937 rng(42);
    checkTranspose(randomTensor({1, 197, 12, 64}, rng), {0, 2, 1, 3});  // split heads
    checkTranspose(randomTensor({1, 12, 197, 64}, rng), {0, 2, 1, 3});  // merge them back
    checkTranspose(randomTensor({1, 12, 197, 64}, rng), {0, 1, 3, 2});  // K transposed for Q K^T
    checkTranspose(randomTensor({1, 768, 14, 14}, rng), {0, 2, 3, 1});  // NCHW to NHWC (ConvNeXt)
    checkTranspose(randomTensor({1, 14, 14, 768}, rng), {0, 3, 1, 2});
    checkTranspose(randomTensor({1000, 771}, rng), {1, 0});
}

TEST(KilnTranspose, OtherElementSizesAndBfloat16Storage) {
    HostTensor bytes(DataType::Int8, {5, 7, 3});
    HostTensor halves(DataType::Float16, {6, 35});
    HostTensor longs(DataType::Int64, {4, 9, 2});
    for (int64_t i = 0; i < bytes.elementCount(); ++i) bytes.data<int8_t>()[i] = int8_t(i * 37 % 251 - 125);
    for (int64_t i = 0; i < halves.elementCount(); ++i) halves.data<uint16_t>()[i] = uint16_t(0x3c00 + i * 13);
    for (int64_t i = 0; i < longs.elementCount(); ++i) longs.data<int64_t>()[i] = i * 1000000007LL - 99;
    for (const HostTensor* x : {&bytes, &halves, &longs}) {
        auto built = makeSingleLayerNetwork(TransposeParams{{2, 0, 1}}, {x}, {true});
        if (x->dims().size() == 2) built = makeSingleLayerNetwork(TransposeParams{{1, 0}}, {x}, {true});
        ASSERT_TRUE(built.isOk()) << built.status().message();
        const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
        auto expected = runReference(*built->layer, {x});
        ASSERT_TRUE(expected.isOk()) << expected.status().message();
        const Offer offer = enumerateKiln(cpu::fast::bestIsa(), config);
        const tactics::Tactic* tactic = offer.find("kiln:transpose");
        ASSERT_NE(tactic, nullptr) << offer.skipReason("kiln:transpose");
        auto actual = runTactic(*tactic, config, {x});
        ASSERT_TRUE(actual.isOk()) << actual.status().message();
        ASSERT_EQ((*actual)[0].byteSize(), (*expected)[0].byteSize());
        EXPECT_EQ(std::memcmp((*actual)[0].bytes(), (*expected)[0].bytes(), (*expected)[0].byteSize()), 0)
            << toString(x->type());
    }
    // BF16 storage: values bfloat16 holds come back exactly.
    std::mt19937 rng(43);
    HostTensor x = randomTensor({3, 40, 17}, rng);
    for (int64_t i = 0; i < x.elementCount(); ++i) x.data<float>()[i] = bfloat16ToFloat(floatToBFloat16(x.data<float>()[i]));
    checkTranspose(x, {1, 2, 0}, TensorFormat{0, false, DataType::BFloat16});
}

// DepthToSpace (both orders) and SpaceToDepth as transposes of ONNX's 6-D views: values moved exactly.
TEST(KilnTranspose, DepthToSpaceAndSpaceToDepth) {
    std::mt19937 rng(33);
    const HostTensor deep = randomTensor({2, 18, 5, 7}, rng);
    for (const bool crd : {false, true}) {
        checkAgainstReference(DepthToSpaceParams{3, crd}, {&deep}, {true}, TensorFormat{}, "kiln:transpose", 0, 0.0,
                              crd ? "DepthToSpace CRD" : "DepthToSpace DCR");
    }
    const HostTensor wide = randomTensor({2, 3, 8, 12}, rng);
    checkAgainstReference(SpaceToDepthParams{4}, {&wide}, {true}, TensorFormat{}, "kiln:transpose", 0, 0.0, "SpaceToDepth");
}

// A transpose whose input, output or both are channel-blocked (ConvNeXt's NCHW16c to NHWC and back,
// rank 3 and 5, the channel axis kept or moved, blocks of 8 and 16, batch above 1) against the reference
// on linear tensors: the values must come back exactly. Channels that do not fill whole blocks are refused.
void checkBlockedTranspose(const HostTensor& x, const std::vector<int64_t>& perm, TensorFormat in,
                           TensorFormat out) {
    const std::string what = "transpose " + toString(x.dims()) + " perm " + permText(perm) + " from " +
                             formatName(in) + " to " + formatName(out);
    checkAgainstReferenceFromTo(TransposeParams{perm}, x, in, out, "kiln:transpose", 0, what);
}

TEST(KilnTranspose, ChannelBlockedInputsAndOutputs) {
    std::mt19937 rng(44);
    const TensorFormat linear{};
    for (const int block : {8, 16}) {
        const TensorFormat blocked = TensorFormat::blocked(block);
        const HostTensor image = randomTensor({2, 3 * block, 5, 7}, rng);
        checkBlockedTranspose(image, {0, 2, 3, 1}, blocked, linear);  // NCHWc to NHWC
        checkBlockedTranspose(image, {0, 3, 1, 2}, blocked, linear);
        checkBlockedTranspose(image, {0, 1, 3, 2}, blocked, blocked);  // the channels stay: both blocked
        checkBlockedTranspose(image, {0, 1, 3, 2}, linear, blocked);
        checkBlockedTranspose(image, {1, 0, 2, 3}, blocked, linear);  // channels to the front
        const HostTensor channelsLast = randomTensor({2, 5, 7, 3 * block}, rng);
        checkBlockedTranspose(channelsLast, {0, 3, 1, 2}, linear, blocked);  // NHWC to NCHWc
        // Blocked on both sides with the channels from another input axis: two axes split.
        checkBlockedTranspose(randomTensor({1, 2 * block, 6, block}, rng), {0, 3, 2, 1}, blocked, blocked);
        checkBlockedTranspose(randomTensor({3, block, 4}, rng), {0, 2, 1}, blocked, linear);  // rank 3
        checkBlockedTranspose(randomTensor({2, block, 4, 8}, rng), {2, 1, 0, 3}, linear, blocked);
        checkBlockedTranspose(randomTensor({2, 2 * block, 3, 4, 5}, rng), {0, 2, 3, 4, 1}, blocked,
                              linear);  // rank 5
        checkBlockedTranspose(randomTensor({2, 3, 4, 5, 2 * block}, rng), {0, 4, 1, 2, 3}, linear, blocked);
        // Channels that do not fill the blocks: refused, with the reason.
        const HostTensor ragged = randomTensor({1, block + 3, 4, 4}, rng);
        const std::string reason = skipReasonForFormats(ragged, {0, 2, 3, 1}, blocked, linear);
        EXPECT_NE(reason.find("not a multiple of its block"), std::string::npos) << reason;
    }
    // Channels-last storage is not a channel-blocked format: refused.
    const HostTensor x = randomTensor({1, 8, 4, 4}, rng);
    EXPECT_EQ(skipReasonForFormats(x, {0, 2, 3, 1}, TensorFormat::nhwc(0), linear),
              "runs linear and channel-blocked tensors only");
}

TEST(KilnTranspose, SimplificationDropsUnitAxesAndMergesNeighbours) {
    Dims dims{1, 197, 12, 64};
    std::vector<int64_t> perm{0, 2, 1, 3};
    cpu::fast::simplifyPermutation(dims, perm);
    EXPECT_EQ(dims, (Dims{197, 12, 64}));
    EXPECT_EQ(perm, (std::vector<int64_t>{1, 0, 2}));

    dims = {2, 3, 4, 5};
    perm = {2, 3, 0, 1};  // two blocks swapped: a 2-D transpose of [6, 20]
    cpu::fast::simplifyPermutation(dims, perm);
    EXPECT_EQ(dims, (Dims{6, 20}));
    EXPECT_EQ(perm, (std::vector<int64_t>{1, 0}));

    dims = {1, 1};
    perm = {1, 0};
    cpu::fast::simplifyPermutation(dims, perm);
    EXPECT_EQ(dims, (Dims{1}));
    EXPECT_EQ(perm, (std::vector<int64_t>{0}));
}

}  // namespace
}  // namespace kiln::test

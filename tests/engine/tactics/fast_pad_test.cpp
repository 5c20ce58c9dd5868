// Kiln's Pad kernel against the reference (values moved, never computed: results must match exactly):
// constant, edge and reflect pads on every axis, on the innermost axis only and on outer axes only,
// negative pads that crop, pads wider than the row, a tensor large enough for the threads, rank 1,
// 1-, 2- and 8-byte elements with their value saturated to the type, BF16 storage; and the refusals.
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fast_test_helpers.h"

namespace kiln::test {
namespace {

const char* modeName(PadMode mode) {
    switch (mode) {
        case PadMode::Constant:
            return "constant";
        case PadMode::Edge:
            return "edge";
        case PadMode::Reflect:
            return "reflect";
    }
    return "?";
}

std::string padsText(const std::vector<int64_t>& pads) {
    std::string text;
    for (int64_t pad : pads)
        text += (text.empty() ? "" : ",") + std::to_string(pad);
    return text;
}

void checkPad(const HostTensor& x, PadMode mode, const std::vector<int64_t>& pads, double value = 0.0,
              TensorFormat format = {}) {
    checkAgainstReference(
        PadParams{mode, pads, value}, {&x}, {true}, format, "kiln:pad", 0, 0.0,
        std::string(modeName(mode)) + " pad " + padsText(pads) + " of " + toString(x.dims()));
}

TEST(KilnPad, EveryModeOnEveryAxis) {
    std::mt19937 rng(80);
    const HostTensor x = randomTensor({2, 3, 5, 7}, rng);
    for (const PadMode mode : {PadMode::Constant, PadMode::Edge, PadMode::Reflect}) {
        checkPad(x, mode, {0, 0, 1, 2, 0, 0, 3, 4}, 2.5);   // the spatial axes, as a CNN pads
        checkPad(x, mode, {1, 2, 0, 0, 1, 0, 0, 0}, -1.0);  // outer axes only: whole rows
        checkPad(x, mode, {0, 0, 0, 6, 0, 0, 0, 5});        // the innermost axis only, up to the extent
        checkPad(x, mode, {1, 1, 4, 3, 0, 2, 2, 1}, 0.5);   // every axis
        checkPad(x, mode, {0, 0, -1, -2, 0, -1, 1, -3});    // negative pads crop, beside positive ones
        checkPad(randomTensor({9}, rng), mode, {4, 8});     // rank 1
    }
    // Constant pads wider than the input's row, and a row cropped away entirely.
    checkPad(x, PadMode::Constant, {0, 0, 0, 20, 0, 0, 0, 30}, 3.0);
    checkPad(x, PadMode::Constant, {0, 0, 0, -7, 0, 0, 0, 4}, 3.0);
    // Large enough to run on the threads.
    checkPad(randomTensor({1, 64, 56, 56}, rng), PadMode::Reflect, {0, 0, 3, 3, 0, 0, 3, 3});
    checkPad(randomTensor({1, 64, 56, 56}, rng), PadMode::Constant, {0, 0, 1, 0, 0, 0, 2, 1}, -7.0);
}

TEST(KilnPad, OtherElementSizesSaturateTheValue) {
    HostTensor bytes(DataType::Int8, {3, 5});
    HostTensor halves(DataType::Float16, {4, 6});
    HostTensor longs(DataType::Int64, {2, 3, 4});
    for (int64_t i = 0; i < bytes.elementCount(); ++i)
        bytes.data<int8_t>()[i] = int8_t(i * 37 % 251 - 125);
    for (int64_t i = 0; i < halves.elementCount(); ++i)
        halves.data<uint16_t>()[i] = uint16_t(0x3c00 + i * 13);
    for (int64_t i = 0; i < longs.elementCount(); ++i)
        longs.data<int64_t>()[i] = i * 1000000007LL - 99;
    const std::vector<std::pair<const HostTensor*, double>> cases{
        {&bytes, 300.0}, {&halves, 1.5}, {&longs, -2.75}};
    for (const auto& [x, value] : cases) {
        for (const PadMode mode : {PadMode::Constant, PadMode::Edge, PadMode::Reflect}) {
            const size_t rank = x->dims().size();
            std::vector<int64_t> pads(2 * rank, 1);
            pads[0] = 0;
            pads[rank - 1] = 2;
            const std::string what = std::string(modeName(mode)) + " " + toString(x->type());
            auto built = makeSingleLayerNetwork(PadParams{mode, pads, value}, {x}, {true});
            ASSERT_TRUE(built.isOk()) << what << ": " << built.status().message();
            const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
            auto expected = runReference(*built->layer, {x});
            ASSERT_TRUE(expected.isOk()) << what << ": " << expected.status().message();
            const Offer offer = enumerateKiln(cpu::fast::bestIsa(), config);
            const tactics::Tactic* tactic = offer.find("kiln:pad");
            ASSERT_NE(tactic, nullptr) << what << ": " << offer.skipReason("kiln:pad");
            auto actual = runTactic(*tactic, config, {x});
            ASSERT_TRUE(actual.isOk()) << what << ": " << actual.status().message();
            ASSERT_EQ((*actual)[0].byteSize(), (*expected)[0].byteSize()) << what;
            EXPECT_EQ(std::memcmp((*actual)[0].bytes(), (*expected)[0].bytes(), (*expected)[0].byteSize()), 0)
                << what;
        }
    }
    // BF16 storage of an FP32 tensor: the value is stored in BF16 too (2.5 and the inputs hold exactly).
    std::mt19937 rng(81);
    HostTensor x = randomTensor({3, 4, 9}, rng);
    for (int64_t i = 0; i < x.elementCount(); ++i)
        x.data<float>()[i] = bfloat16ToFloat(floatToBFloat16(x.data<float>()[i]));
    checkPad(x, PadMode::Constant, {0, 1, 2, 0, 2, 1}, 2.5, TensorFormat{0, false, DataType::BFloat16});
    checkPad(x, PadMode::Reflect, {0, 1, 2, 0, 2, 1}, 0.0, TensorFormat{0, false, DataType::BFloat16});
}

TEST(KilnPad, RefusesBlockedTensors) {
    std::mt19937 rng(82);
    const HostTensor x = randomTensor({1, 16, 4, 4}, rng);
    EXPECT_EQ(skipReasonFor(PadParams{PadMode::Constant, {0, 0, 1, 1, 0, 0, 1, 1}, 0.0}, {&x}, {true},
                            TensorFormat::blocked(16), "kiln:pad"),
              "runs linear tensors only");
}

}  // namespace
}  // namespace kiln::test

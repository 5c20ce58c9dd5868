// Kiln's Reduce kernel against the reference: every offered reduction over the last axis (LayerNorm's
// mean), over a run of middle axes (global pooling's) and over everything, with unit axes in the way.
// Sums accumulate in double in both, Kiln's in four interleaved partial sums: the double results differ
// by far less than a float ulp, so the float results are equal or one ulp apart (where the double lands
// next to a rounding boundary). Max and min are exact, NaN included. Axes that are not one run are
// left to the reference, and said so.
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fast_test_helpers.h"

namespace kiln::test {
namespace {

struct ReduceCase {
    Dims dims;
    std::vector<int64_t> axes;
};

TEST(KilnReduce, EveryOfferedReductionMatchesReference) {
    std::mt19937 rng(50);
    const std::vector<ReduceCase> cases{
        {{1, 197, 768}, {2}},  {{2, 64, 7, 7}, {2, 3}}, {{2, 64, 7, 7}, {1}},    {{3, 5, 11}, {0, 1, 2}},
        {{4, 1, 9, 1}, {2}},   {{2, 1, 6, 5}, {0, 2}},  {{1, 3000, 3}, {1}},      {{7}, {0}},
    };
    for (const ReduceOp op : {ReduceOp::Sum, ReduceOp::Mean, ReduceOp::Max, ReduceOp::Min, ReduceOp::SumSquare,
                              ReduceOp::L1, ReduceOp::L2, ReduceOp::LogSum}) {
        const bool exact = op == ReduceOp::Max || op == ReduceOp::Min;
        // LogSum needs a positive sum.
        const float low = op == ReduceOp::LogSum ? 0.0f : -2.0f;
        for (const ReduceCase& c : cases) {
            const HostTensor x = randomTensor(c.dims, rng, low, 2.0f);
            for (const bool keepDims : {true, false}) {
                checkAgainstReference(ReduceParams{op, c.axes, keepDims}, {&x}, {true}, TensorFormat{}, "kiln:reduce",
                                      exact ? 0 : 1, 0.0,
                                      std::string(toString(op)) + " of " + toString(c.dims) + " over " +
                                          std::to_string(c.axes.size()) + " axes");
            }
        }
    }
}

// BF16 storage: values bfloat16 holds are read exactly, and the FP32 result is rounded once, so the
// reference's result on those values, rounded to bfloat16, is equal, or one bfloat16 step away where the
// two sums' last-bit difference crosses a rounding boundary.
TEST(KilnReduce, Bfloat16StorageIsReadExactlyAndRoundedOnce) {
    std::mt19937 rng(53);
    for (const ReduceCase& c : std::vector<ReduceCase>{{{1, 197, 768}, {2}}, {{2, 64, 7, 7}, {2, 3}}, {{2, 64, 7, 7}, {1}}}) {
        HostTensor x = randomTensor(c.dims, rng, -2.0f, 2.0f);
        for (int64_t i = 0; i < x.elementCount(); ++i) x.data<float>()[i] = bfloat16ToFloat(floatToBFloat16(x.data<float>()[i]));
        for (const ReduceOp op : {ReduceOp::Mean, ReduceOp::Max, ReduceOp::SumSquare}) {
            auto built = makeSingleLayerNetwork(ReduceParams{op, c.axes, true}, {&x}, {true});
            ASSERT_TRUE(built.isOk()) << built.status().message();
            setActivationFormats(*built->layer, TensorFormat{0, false, DataType::BFloat16});
            const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
            auto reference = runReference(*built->layer, {&x});
            ASSERT_TRUE(reference.isOk());
            HostTensor expected = (*reference)[0];
            for (int64_t i = 0; i < expected.elementCount(); ++i) {
                expected.data<float>()[i] = bfloat16ToFloat(floatToBFloat16(expected.data<float>()[i]));
            }
            const Offer offer = enumerateKiln(cpu::fast::bestIsa(), config);
            const tactics::Tactic* tactic = offer.find("kiln:reduce");
            ASSERT_NE(tactic, nullptr) << offer.skipReason("kiln:reduce");
            auto actual = runTactic(*tactic, config, {&x});
            ASSERT_TRUE(actual.isOk()) << actual.status().message();
            expectClose(expected, (*actual)[0], std::ldexp(1.0f, -7), 0.0f,
                        std::string(toString(op)) + " of BF16 " + toString(c.dims));
        }
    }
}

TEST(KilnReduce, NanWinsMaxAndMin) {
    std::mt19937 rng(51);
    HostTensor x = randomTensor({3, 40}, rng);
    x.data<float>()[45] = std::numeric_limits<float>::quiet_NaN();  // row 1
    for (const ReduceOp op : {ReduceOp::Max, ReduceOp::Min}) {
        checkAgainstReference(ReduceParams{op, {1}, true}, {&x}, {true}, TensorFormat{}, "kiln:reduce", 0, 0.0,
                              std::string(toString(op)) + " with a NaN");
    }
}

TEST(KilnReduce, LeavesOtherCasesToTheReference) {
    std::mt19937 rng(52);
    const HostTensor x = randomTensor({2, 3, 4}, rng);
    EXPECT_NE(skipReasonFor(ReduceParams{ReduceOp::Sum, {0, 2}, true}, {&x}, {true}, TensorFormat{}, "kiln:reduce")
                  .find("not one run"),
              std::string::npos);
    EXPECT_NE(skipReasonFor(ReduceParams{ReduceOp::Prod, {2}, true}, {&x}, {true}, TensorFormat{}, "kiln:reduce")
                  .find("reference"),
              std::string::npos);
}

}  // namespace
}  // namespace kiln::test

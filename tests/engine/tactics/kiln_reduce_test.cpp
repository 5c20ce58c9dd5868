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

#include "kiln_test_helpers.h"

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

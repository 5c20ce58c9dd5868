// Kiln's softmax against the reference along every kind of axis: the channels of a linear map, a middle
// axis, the last axis, the flattened 2-D form of opsets before 13; softmax and log-softmax.
//
// Tolerance, inputs in [-4, 4]: the kernel subtracts the maximum in float (the reference in double), a
// rounding of at most half an ulp of 8 = 2^-21, which exp turns into a relative error of 2^-21 (4 ulp of
// the result); the vector exp adds at most 3 ulp; the sum is in double in both; the product with the
// rounded reciprocal of the sum adds one: 8 ulp. Log-softmax's result, shifted - log(sum), is off by the
// subtraction's 2^-21 and half an ulp of log(sum) < 4: within 1e-6 absolute.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fast_test_helpers.h"

namespace kiln::test {
namespace {

struct SoftmaxCase {
    Dims dims;
    int64_t axis;
    bool flatten;
};

TEST(KilnSoftmax, MatchesReferenceAlongAnyAxis) {
    std::mt19937 rng(80);
    const std::vector<SoftmaxCase> cases{
        {{2, 21, 8, 9}, 1, false}, {{3, 5, 7}, 1, false}, {{4, 1000}, 1, false}, {{2, 3, 4, 5}, 1, true},
        {{1, 3, 600}, 1, false},   {{7}, 0, false},      {{2, 2, 300, 3}, 2, false},
    };
    for (const SoftmaxCase& c : cases) {
        const HostTensor x = randomTensor(c.dims, rng, -4.0f, 4.0f);
        const std::string what = toString(c.dims) + " axis " + std::to_string(c.axis) + (c.flatten ? " (2-D)" : "");
        checkAgainstReference(SoftmaxParams{c.axis, false, c.flatten}, {&x}, {true}, TensorFormat{}, "kiln:softmax", 8,
                              0.0, "softmax " + what);
        checkAgainstReference(SoftmaxParams{c.axis, true, c.flatten}, {&x}, {true}, TensorFormat{}, "kiln:softmax", 0,
                              1e-6, "log-softmax " + what);
    }
}

TEST(KilnSoftmax, RefusesBlockedTensors) {
    std::mt19937 rng(81);
    const HostTensor x = randomTensor({1, 16, 3, 3}, rng);
    EXPECT_NE(skipReasonFor(SoftmaxParams{1, false, false}, {&x}, {true}, TensorFormat::blocked(8), "kiln:softmax")
                  .find("linear"),
              std::string::npos);
}

}  // namespace
}  // namespace kiln::test

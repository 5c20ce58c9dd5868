// Kiln's LRN kernel against the reference: odd and even windows, windows wider than the channels, beta
// 0.75 (the square-root path) and others (pow), 1-D to 3-D spatial extents, a tensor large enough for
// the threads; and the refusals. The window sums are the reference's (double, same order) and both
// divide in double and round once to FP32; where beta is 0.75 the kernel's sqrt(t) * sqrt(sqrt(t))
// differs from pow(t, 0.75) in the last bits of the double, which moves the FP32 rounding by at most one
// unit in the last place; other betas call pow as the reference does and must match exactly.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fast_test_helpers.h"

namespace kiln::test {
namespace {

constexpr int64_t kMaxUlp = 1;

void checkLrn(const HostTensor& x, LrnParams params) {
    checkAgainstReference(params, {&x}, {true}, TensorFormat{}, "kiln:lrn",
                          params.beta == 0.75f ? kMaxUlp : 0, 0.0,
                          "LRN size " + std::to_string(params.size) + " beta " + std::to_string(params.beta) +
                              " of " + toString(x.dims()));
}

TEST(KilnLrn, MatchesReferenceWithinOneUlp) {
    std::mt19937 rng(110);
    const HostTensor x = randomTensor({2, 7, 5, 9}, rng, -3.0f, 3.0f);
    for (const int64_t size : {1, 3, 4, 5, 9}) {
        for (const float beta : {0.75f, 0.5f, 1.3f})
            checkLrn(x, LrnParams{size, 1e-2f, beta, 1.0f});
    }
    checkLrn(x, LrnParams{5, 2.0f, 0.75f, 2.0f});                               // large alpha and bias
    checkLrn(randomTensor({1, 3, 40}, rng), LrnParams{5, 1e-4f, 0.75f, 1.0f});  // 1-D, window wider than C
    checkLrn(randomTensor({1, 6, 2, 3, 4}, rng), LrnParams{3, 1e-3f, 0.6f, 1.5f});  // 3-D
    checkLrn(randomTensor({2, 64, 28, 28}, rng, -8.0f, 8.0f),
             LrnParams{5, 1e-4f, 0.75f, 1.0f});  // the threads
}

TEST(KilnLrn, RefusesBlockedTensors) {
    std::mt19937 rng(111);
    const HostTensor x = randomTensor({1, 16, 4, 4}, rng);
    EXPECT_EQ(
        skipReasonFor(LrnParams{5, 1e-4f, 0.75f, 1.0f}, {&x}, {true}, TensorFormat::blocked(16), "kiln:lrn"),
        "runs linear FP32 tensors only");
}

}  // namespace
}  // namespace kiln::test

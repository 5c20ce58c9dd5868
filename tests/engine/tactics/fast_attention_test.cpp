// Kiln's Attention kernel against the reference on random data: odd sizes, q, k, v and the output read and
// written through permutations (rows strided, k column-major), masks broadcast in several ways, enough
// keys that the queries run in several blocks, and values in whole vectors (the AVX-512 products).
//
// Tolerance: the reference computes in double. The kernel's scores are float products summed over D by
// sgemm or Kiln's tiles, within D * 2^-23 * scale * max|q| * max|k| of the exact ones (plus one rounding of
// the score); the mask add and the subtraction of the maximum round once each and the vector exp is within 2
// ulp, so each weight's relative error is at most twice the score error plus 4 * 2^-23. The output sums Sk
// weighted values of |v| <= max|v| (Sk roundings) and is scaled by 1 / sum (the sum in double, rounded
// twice). So every element is within max|v| * 2^-23 * (2 * (scale * D * max|q| * max|k| + 3) + 4 + Sk + 3).
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fast_test_helpers.h"

namespace kiln::test {
namespace {

struct AttentionCase {
    std::string what;
    Dims query, key, value;
    AttentionParams params;
    std::optional<Dims> mask;
};

double bound(const AttentionCase& c, int64_t depth, int64_t keys) {
    const double ulp = std::ldexp(1.0, -23);
    // Inputs in [-1, 1).
    return ulp * (2.0 * (double(c.params.scale) * double(depth) + 3.0) + 4.0 + double(keys) + 3.0);
}

void check(const AttentionCase& c, std::mt19937& rng) {
    const HostTensor q = randomTensor(c.query, rng, -1.0f, 1.0f);
    const HostTensor k = randomTensor(c.key, rng, -1.0f, 1.0f);
    const HostTensor v = randomTensor(c.value, rng, -1.0f, 1.0f);
    std::vector<const HostTensor*> inputs{&q, &k, &v};
    std::vector<bool> activations{true, true, true};
    HostTensor mask;
    if (c.mask) {
        mask = randomTensor(*c.mask, rng, -2.0f, 0.0f);
        inputs.push_back(&mask);
        activations.push_back(true);
    }
    const Dims qView = transposedDims(c.query, c.params.queryPerm);
    const Dims kView = transposedDims(c.key, c.params.keyPerm);
    checkAgainstReference(c.params, inputs, activations, TensorFormat{}, "kiln:attention", 0,
                          bound(c, qView.back(), kView[kView.size() - 2]), c.what);
}

TEST(KilnAttention, MatchesReferenceThroughPermutationsAndMasks) {
    std::mt19937 rng(70);
    const float scale = 0.125f;
    const std::vector<AttentionCase> cases{
        {"plain [2, 3, 5, 8] with 17 keys",
         {2, 3, 5, 8},
         {2, 3, 17, 8},
         {2, 3, 17, 6},
         {scale, {}, {}, {}, {}},
         {}},
        {"torch heads [S, B*H, D]",
         {7, 12, 16},
         {7, 12, 16},
         {7, 12, 16},
         {scale, {1, 0, 2}, {1, 0, 2}, {1, 0, 2}, {1, 0, 2}},
         {}},
        {"k column-major", {3, 9, 8}, {3, 8, 13}, {3, 13, 5}, {scale, {}, {0, 2, 1}, {}, {}}, {}},
        {"q and v column-major",
         {2, 8, 9},
         {2, 11, 8},
         {2, 4, 11},
         {scale, {0, 2, 1}, {}, {0, 2, 1}, {}},
         {}},
        {"BERT mask [B, 1, 1, Sk]",
         {2, 9, 3, 16},
         {2, 9, 3, 16},
         {2, 9, 3, 16},
         {0.25f, {0, 2, 1, 3}, {0, 2, 1, 3}, {0, 2, 1, 3}, {0, 2, 1, 3}},
         Dims{2, 1, 1, 9}},
        {"causal-style mask [Sq, Sk]",
         {3, 6, 8},
         {3, 10, 8},
         {3, 10, 8},
         {scale, {}, {}, {}, {}},
         Dims{6, 10}},
        {"mask over the keys only [Sk]", {1, 4, 8}, {1, 5, 8}, {1, 5, 8}, {scale, {}, {}, {}, {}}, Dims{5}},
        {"mask per query [Sq, 1]", {2, 4, 8}, {2, 5, 8}, {2, 5, 8}, {scale, {}, {}, {}, {}}, Dims{4, 1}},
        {"one query", {2, 1, 8}, {2, 33, 8}, {2, 33, 8}, {scale, {}, {}, {}, {}}, {}},
        // Whole vectors of v (AVX-512 runs the products on Kiln's tiles): 37 keys leave a partial panel of
        // k^T, 64-wide heads four panels of v; 200 keys take two passes over the keys in the second product.
        {"ViT-style heads [S, B*H, 64]",
         {37, 3, 64},
         {37, 3, 64},
         {37, 3, 64},
         {scale, {1, 0, 2}, {1, 0, 2}, {1, 0, 2}, {1, 0, 2}},
         {}},
        {"200 keys, 32-wide values",
         {2, 19, 40},
         {2, 200, 40},
         {2, 200, 32},
         {scale, {}, {}, {}, {}},
         Dims{19, 200}},
        // 16384 / 3000 keys: blocks of 8 queries, the last one partial.
        {"3000 keys, 20 queries in three blocks",
         {1, 20, 32},
         {1, 3000, 32},
         {1, 3000, 24},
         {scale, {}, {}, {}, {}},
         Dims{1, 3000}},
    };
    for (const AttentionCase& c : cases) check(c, rng);
}

TEST(KilnAttention, RunsLinearFp32TensorsOnly) {
    std::mt19937 rng(71);
    const HostTensor q = randomTensor({2, 3, 4, 8}, rng);
    const HostTensor k = randomTensor({2, 3, 5, 8}, rng);
    EXPECT_EQ(skipReasonFor(AttentionParams{}, {&q, &k, &k}, {true, true, true}, TensorFormat{}, "kiln:attention"), "");
    EXPECT_NE(skipReasonFor(AttentionParams{}, {&q, &k, &k}, {true, true, true}, TensorFormat::blocked(16),
                            "kiln:attention")
                  .find("linear FP32"),
              std::string::npos);
}

}  // namespace
}  // namespace kiln::test

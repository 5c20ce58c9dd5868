// Kiln's Expand and Tile kernels against the reference (copies: results must match exactly): a class
// token expanded to the batch, a per-channel row broadcast over a map, a scalar to a tensor, rank grown;
// tiles along every axis, along the innermost only (input rows repeated), and a repeat of 1.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fast_test_helpers.h"

namespace kiln::test {
namespace {

TEST(KilnExpand, MatchesReferenceExactly) {
    std::mt19937 rng(80);
    const std::vector<std::pair<Dims, Dims>> cases{
        {{1, 1, 768}, {8, 1, 768}}, {{1, 64, 1, 1}, {2, 64, 7, 9}}, {{}, {3, 5}}, {{5, 1}, {2, 3, 5, 4}}, {{7}, {7}},
    };
    for (const auto& [from, to] : cases) {
        const HostTensor x = randomTensor(from, rng);
        checkAgainstReference(ExpandParams{to}, {&x}, {true}, TensorFormat{}, "kiln:expand", 0, 0.0,
                              "expand " + toString(from) + " to " + toString(to));
    }
}

TEST(KilnTile, MatchesReferenceExactly) {
    std::mt19937 rng(81);
    const HostTensor x = randomTensor({2, 3, 5}, rng);
    for (const std::vector<int64_t>& repeats :
         std::vector<std::vector<int64_t>>{{2, 3, 4}, {1, 1, 7}, {3, 1, 1}, {1, 1, 1}, {2, 2, 1}}) {
        checkAgainstReference(TileParams{repeats}, {&x}, {true}, TensorFormat{}, "kiln:tile", 0, 0.0,
                              "tile " + toString(Dims(repeats.begin(), repeats.end())));
    }
}

}  // namespace
}  // namespace kiln::test

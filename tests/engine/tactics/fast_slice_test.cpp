// Kiln's Slice kernel against the reference (a copy: results must match exactly): the query/key/value
// split of an attention projection (rows copied whole), steps above 1 and negative ones, slices of every
// axis at once, single elements, other element sizes.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fast_test_helpers.h"

namespace kiln::test {
namespace {

void checkSlice(const HostTensor& x, SliceParams params, const std::string& what) {
    checkAgainstReference(params, {&x}, {true}, TensorFormat{}, "kiln:slice", 0, 0.0, what + " of " + toString(x.dims()));
}

TEST(KilnSlice, MatchesReferenceExactly) {
    std::mt19937 rng(60);
    const HostTensor qkv = randomTensor({197, 1, 2304}, rng);
    for (int64_t part = 0; part < 3; ++part) {
        checkSlice(qkv, {{0, 0, part * 768}, {197, 1, (part + 1) * 768}, {1, 1, 1}}, "q/k/v part " + std::to_string(part));
    }
    const HostTensor x = randomTensor({4, 9, 13, 6}, rng);
    checkSlice(x, {{1, 2, 0, 1}, {4, 9, 13, 5}, {1, 3, 2, 1}}, "steps 3 and 2");
    checkSlice(x, {{3, 8, 12, 5}, {-1, -1, -1, -1}, {-1, -2, -3, -1}}, "negative steps");
    checkSlice(x, {{2, 4, 6, 3}, {3, 5, 7, 4}, {1, 1, 1, 1}}, "one element");
    checkSlice(x, {{0, 0, 0, 0}, {4, 9, 13, 6}, {1, 1, 1, 1}}, "everything");
    checkSlice(randomTensor({10}, rng), {{9}, {-1}, {-4}}, "rank 1 backwards");
}

TEST(KilnSlice, OtherElementSizes) {
    HostTensor longs(DataType::Int64, {5, 8});
    for (int64_t i = 0; i < longs.elementCount(); ++i) longs.data<int64_t>()[i] = i * 1000000007LL;
    auto built = makeSingleLayerNetwork(SliceParams{{1, 1}, {5, 8}, {2, 3}}, {&longs}, {true});
    ASSERT_TRUE(built.isOk()) << built.status().message();
    const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
    auto expected = runReference(*built->layer, {&longs});
    ASSERT_TRUE(expected.isOk());
    const Offer offer = enumerateKiln(cpu::fast::bestIsa(), config);
    const tactics::Tactic* tactic = offer.find("kiln:slice");
    ASSERT_NE(tactic, nullptr) << offer.skipReason("kiln:slice");
    auto actual = runTactic(*tactic, config, {&longs});
    ASSERT_TRUE(actual.isOk()) << actual.status().message();
    ASSERT_EQ((*actual)[0].elementCount(), (*expected)[0].elementCount());
    for (int64_t i = 0; i < (*expected)[0].elementCount(); ++i) {
        EXPECT_EQ((*actual)[0].data<int64_t>()[i], (*expected)[0].data<int64_t>()[i]) << i;
    }
}

}  // namespace
}  // namespace kiln::test

namespace kiln::test {
namespace {

// Split that no pass made views: each part's rows copied, along the first, a middle and the last axis.
TEST(KilnSplit, EachPartHoldsItsRows) {
    std::mt19937 rng(71);
    const HostTensor x = randomTensor({4, 6, 10}, rng);
    for (const SplitParams& params : {SplitParams{0, {1, 3}}, SplitParams{1, {2, 0, 4}}, SplitParams{2, {3, 3, 4}}}) {
        const std::string what = "split axis " + std::to_string(params.axis);
        auto built = makeSingleLayerNetwork(params, {&x}, {true}, params.sizes.size());
        ASSERT_TRUE(built.isOk()) << what << ": " << built.status().message();
        const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
        auto expected = runReference(*built->layer, {&x});
        ASSERT_TRUE(expected.isOk()) << what << ": " << expected.status().message();
        const Offer offer = enumerateKiln(cpu::fast::bestIsa(), config);
        const tactics::Tactic* tactic = offer.find("kiln:split");
        ASSERT_NE(tactic, nullptr) << what << ": " << offer.skipReason("kiln:split");
        auto actual = runTactic(*tactic, config, {&x});
        ASSERT_TRUE(actual.isOk()) << what << ": " << actual.status().message();
        ASSERT_EQ(actual->size(), params.sizes.size()) << what;
        for (size_t k = 0; k < params.sizes.size(); ++k) {
            expectUlpClose((*expected)[k], (*actual)[k], 0, 0.0, what + " part " + std::to_string(k));
        }
    }
}

// Reshape and Identity that no pass made a view: the bytes copied as they are; blocked tensors refused.
TEST(KilnCopy, ReshapeAndIdentityCopyTheBytes) {
    std::mt19937 rng(70);
    const HostTensor x = randomTensor({2, 3, 40}, rng);
    checkAgainstReference(ReshapeParams{{6, 40}}, {&x}, {true}, TensorFormat{}, "kiln:copy", 0, 0.0, "reshape");
    checkAgainstReference(IdentityParams{}, {&x}, {true}, TensorFormat{}, "kiln:copy", 0, 0.0, "identity");
    EXPECT_NE(skipReasonFor(IdentityParams{}, {&x}, {true}, TensorFormat::blocked(8), "kiln:copy").find("linear"),
              std::string::npos);
}

}  // namespace
}  // namespace kiln::test

// Kiln's Gather kernel against the reference (a copy: results must match exactly): an embedding lookup
// (INT64 indices, repeated and negative ones), a class token taken from a sequence (axis 1, one index),
// INT32 indices along the last axis; an index out of range is refused at run time with the reference's
// message.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fast_test_helpers.h"

namespace kiln::test {
namespace {

HostTensor indexTensor(DataType type, const Dims& dims, const std::vector<int64_t>& values) {
    HostTensor indices(type, dims);
    for (size_t i = 0; i < values.size(); ++i) {
        if (type == DataType::Int32) {
            indices.data<int32_t>()[i] = int32_t(values[i]);
        } else {
            indices.data<int64_t>()[i] = values[i];
        }
    }
    return indices;
}

TEST(KilnGather, MatchesReferenceExactly) {
    std::mt19937 rng(70);
    const HostTensor table = randomTensor({50, 96}, rng);
    const HostTensor tokens = indexTensor(DataType::Int64, {2, 5}, {3, 3, 49, -1, 0, 7, -50, 12, 12, 48});
    checkAgainstReference(GatherParams{0}, {&table, &tokens}, {true, false}, TensorFormat{}, "kiln:gather", 0, 0.0,
                          "embedding lookup");
    const HostTensor sequence = randomTensor({2, 197, 768}, rng);
    const HostTensor first = indexTensor(DataType::Int64, {}, {0});
    checkAgainstReference(GatherParams{1}, {&sequence, &first}, {true, false}, TensorFormat{}, "kiln:gather", 0, 0.0,
                          "class token");
    const HostTensor x = randomTensor({3, 4, 9}, rng);
    const HostTensor lanes = indexTensor(DataType::Int32, {4}, {8, 0, -3, 2});
    checkAgainstReference(GatherParams{2}, {&x, &lanes}, {true, false}, TensorFormat{}, "kiln:gather", 0, 0.0,
                          "last axis, INT32 indices");
}

TEST(KilnGather, RefusesAnIndexOutOfRangeAtRunTime) {
    std::mt19937 rng(71);
    const HostTensor table = randomTensor({10, 4}, rng);
    const HostTensor bad = indexTensor(DataType::Int64, {2}, {1, 10});
    auto built = makeSingleLayerNetwork(GatherParams{0}, {&table, &bad}, {true, true});
    ASSERT_TRUE(built.isOk()) << built.status().message();
    const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
    const Offer offer = enumerateKiln(cpu::fast::bestIsa(), config);
    const tactics::Tactic* tactic = offer.find("kiln:gather");
    ASSERT_NE(tactic, nullptr) << offer.skipReason("kiln:gather");
    auto actual = runTactic(*tactic, config, {&table, &bad});
    ASSERT_FALSE(actual.isOk());
    EXPECT_NE(actual.status().message().find("index 10 at position 1"), std::string::npos) << actual.status().message();
}

}  // namespace
}  // namespace kiln::test

// Timing cache files: what is written is read back; corrupt, truncated, foreign and stale files are
// reported and ignored; layer signatures tell apart what times differently.
#include "builder/timing_cache.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "support/test_util.h"

namespace kiln::test {
namespace {

namespace fs = std::filesystem;

class TimingCacheFile : public ::testing::Test {
protected:
    void SetUp() override {
        m_dir = fs::temp_directory_path() / ("kiln-timing-cache-" + std::to_string(::getpid()));
        fs::create_directories(m_dir);
        m_path = (m_dir / "cache.timing").string();
    }
    void TearDown() override { fs::remove_all(m_dir); }

    builder::TimingCache sampleCache(const std::string& device) {
        builder::TimingCache cache(device);
        cache.store("Convolution|kernel 3x3", {"onednn:b", {{"onednn:a", "oneDNN", 2.5, "", false},
                                                           {"onednn:b", "oneDNN", 1.25, "", true},
                                                           {"reference:naive", "Kiln", -1.0, "not timed", false}}});
        builder::TimingCache::Entry pooling{"onednn:pool", {{"onednn:pool", "oneDNN", 4.0, "", true}}};
        pooling.timingBatch = 8;  // timed on 8 images of a larger batch
        cache.store("Pooling|max 2x2 batch 64", pooling);
        return cache;
    }

    void writeBytes(const std::string& bytes) {
        std::ofstream(m_path, std::ios::binary) << bytes;
    }

    fs::path m_dir;
    std::string m_path;
};

TEST_F(TimingCacheFile, RoundTripsEveryCandidate) {
    ASSERT_TRUE(sampleCache("cpu x86_64 avx2").save(m_path).isOk());
    std::vector<std::string> warnings;
    const auto cache = builder::TimingCache::load(m_path, "cpu x86_64 avx2", warnings);
    EXPECT_TRUE(warnings.empty());
    ASSERT_EQ(cache.size(), 2u);
    const auto* entry = cache.find("Convolution|kernel 3x3");
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->chosen, "onednn:b");
    ASSERT_EQ(entry->candidates.size(), 3u);
    EXPECT_EQ(entry->candidates[0].milliseconds, 2.5);
    EXPECT_TRUE(entry->candidates[1].chosen);
    EXPECT_FALSE(entry->candidates[0].chosen);
    EXPECT_EQ(entry->candidates[2].skipReason, "not timed");
    EXPECT_EQ(entry->timingBatch, 0);
    const auto* partial = cache.find("Pooling|max 2x2 batch 64");
    ASSERT_NE(partial, nullptr);
    EXPECT_EQ(partial->timingBatch, 8);
    EXPECT_EQ(cache.find("Pooling"), nullptr);
}

TEST_F(TimingCacheFile, AMissingFileIsAnEmptyCacheWithoutWarning) {
    std::vector<std::string> warnings;
    EXPECT_EQ(builder::TimingCache::load(m_path, "cpu", warnings).size(), 0u);
    EXPECT_TRUE(warnings.empty());
}

TEST_F(TimingCacheFile, CorruptTruncatedAndForeignFilesAreIgnoredWithAWarning) {
    const std::string good = sampleCache("cpu x86_64 avx2").serialize();
    struct Case {
        std::string name;
        std::string bytes;
        std::string device;
        std::string expected;  // part of the warning
    };
    std::string flipped = good;
    flipped.back() = char(flipped.back() ^ 0x40);
    const std::vector<Case> cases = {
        {"not a cache", "hello, world, this is not a timing cache", "cpu x86_64 avx2", "is not a Kiln timing cache"},
        {"empty", "", "cpu x86_64 avx2", "is not a Kiln timing cache"},
        {"truncated", good.substr(0, good.size() - 3), "cpu x86_64 avx2", "truncated"},
        {"flipped bit", flipped, "cpu x86_64 avx2", "corrupt"},
        {"other device", good, "cpu x86_64 avx avx2 avx512f", "do not apply here"},
    };
    for (const Case& c : cases) {
        writeBytes(c.bytes);
        std::vector<std::string> warnings;
        const auto cache = builder::TimingCache::load(m_path, c.device, warnings);
        EXPECT_EQ(cache.size(), 0u) << c.name;
        ASSERT_EQ(warnings.size(), 1u) << c.name;
        EXPECT_NE(warnings[0].find(c.expected), std::string::npos) << c.name << ": " << warnings[0];
        EXPECT_NE(warnings[0].find("ignored"), std::string::npos) << c.name << ": " << warnings[0];
    }
}

TEST(LayerSignature, DiffersInShapeFormatAndParametersButNotInWeightValues) {
    auto makeNetwork = [](int64_t size, uint32_t weightSeed, ActivationType activation) {
        auto network = std::make_unique<NetworkDefinition>();
        Tensor* x = network->addInput("x", DataType::Float32, {1, 8, size, size}).value();
        Tensor* w = network->addConstant("w", randomTensor({8, 8, 3, 3}, weightSeed)).value();
        ConvolutionParams params{{1, 1}, {1, 1, 1, 1}, {1, 1}, 1, ActivationParams{activation}};
        network->addLayer("conv", params, {x, w}, {"y"}).value();
        return network;
    };
    auto signature = [](const NetworkDefinition& network) {
        return builder::layerSignature(*network.findLayer("conv"), DataType::Float32);
    };
    const auto base = makeNetwork(8, 1, ActivationType::Relu);
    EXPECT_EQ(signature(*base), signature(*makeNetwork(8, 2, ActivationType::Relu)));
    EXPECT_NE(signature(*base), signature(*makeNetwork(9, 1, ActivationType::Relu)));
    EXPECT_NE(signature(*base), signature(*makeNetwork(8, 1, ActivationType::Sigmoid)));
    const auto blocked = makeNetwork(8, 1, ActivationType::Relu);
    blocked->findTensor("x")->setFormat(TensorFormat{8});
    EXPECT_NE(signature(*base), signature(*blocked));
    EXPECT_NE(signature(*base), builder::layerSignature(*base->findLayer("conv"), DataType::Float16));
}

}  // namespace
}  // namespace kiln::test

// Close calls timed again in the network, with kernels whose times are known: one runs fast while its
// data is still in the cache from its own last run (as when it is timed alone) and slowly after another
// kernel has run (as in the network), the other takes the same time either way. Timing in the network
// must prefer the second where the first only won alone, keep the choice where it also wins in the
// network, drop choices that are faster themselves but slow the layers after them, leave everything as
// it was when the network cannot run, and a warm timing cache must give the same choices without
// running anything.
#include "builder/network_timing.h"

#include <atomic>
#include <chrono>

#include <gtest/gtest.h>

#include "backends/cpu/cpu_backend.h"
#include "builder/memory_planner.h"
#include "runtime/compiled_kernels.h"
#include "support/test_util.h"

namespace kiln::test {
namespace {

using std::chrono::microseconds;

std::atomic<const void*> g_lastKernel{nullptr};  // the fake kernel that ran last
std::atomic<int> g_runs{0};
std::atomic<bool> g_evicted{false};  // the next kernel to run pays kEvictedMicroseconds more

constexpr microseconds kEvictedMicroseconds{3000};

void spin(microseconds duration) {
    const auto end = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < end) {
    }
}

// `warm` when it ran last (its data in the cache), `cold` after another kernel; cold == warm: steady.
// An evicting kernel leaves the next kernel kEvictedMicroseconds more to do (its data evicted).
class CacheKernel final : public tactics::Kernel {
public:
    CacheKernel(microseconds warm, microseconds cold, bool fails = false, bool evicts = false)
        : m_warm(warm), m_cold(cold), m_fails(fails), m_evicts(evicts) {}
    Status run(const tactics::KernelArgs&) const override {
        ++g_runs;
        if (m_fails) return internalError("the fake kernel fails on purpose");
        const microseconds extra = g_evicted.exchange(m_evicts) ? kEvictedMicroseconds : microseconds(0);
        spin((g_lastKernel.exchange(this) == this ? m_warm : m_cold) + extra);
        return Status::ok();
    }

private:
    microseconds m_warm;
    microseconds m_cold;
    bool m_fails;
    bool m_evicts;
};

std::unique_ptr<tactics::Kernel> steady(int us) {
    return std::make_unique<CacheKernel>(microseconds(us), microseconds(us));
}
std::unique_ptr<tactics::Kernel> cacheBound(int warmUs, int coldUs) {
    return std::make_unique<CacheKernel>(microseconds(warmUs), microseconds(coldUs));
}

// A candidate other than the choice, made to run in the network.
builder::TacticChoice alternative(std::string id, std::unique_ptr<tactics::Kernel> kernel,
                                  int64_t workspace) {
    builder::TacticChoice choice;
    choice.tacticId = std::move(id);
    choice.kernel = std::move(kernel);
    choice.workspaceBytes = workspace;
    return choice;
}

// The tactics of FakeProvider, by id: "fake:cached" fast alone and slow in the network, "fake:steady"
// the same in both, "fake:first" for the first layer.
class FakeTactic final : public tactics::Tactic {
public:
    explicit FakeTactic(std::string id) : m_id(std::move(id)) {}
    std::string id() const override { return m_id; }
    std::string library() const override { return "Fake"; }
    int64_t workspaceBytes() const override { return m_id == "fake:steady" ? 4096 : 0; }
    Result<std::unique_ptr<tactics::Kernel>> instantiate(std::vector<tactics::WeightBlob>) const override {
        if (m_id == "fake:cached") return cacheBound(300, 1500);
        return steady(m_id == "fake:steady" ? 700 : 200);
    }

private:
    std::string m_id;
};

class FakeProvider final : public tactics::TacticProvider {
public:
    std::string name() const override { return "fake"; }
    void enumerate(const tactics::LayerConfig&, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                   std::vector<tactics::SkippedTactic>&) const override {
        for (const char* id : {"fake:first", "fake:cached", "fake:steady"}) tactics.push_back(std::make_unique<FakeTactic>(id));
    }
};

class NetworkTiming : public ::testing::Test {
protected:
    // x -> relu "a" -> relu "b" -> relu "c" -> y: "a" and "c" run fake:first; "b" runs `tactic`, timed
    // alone at `milliseconds`, beside fake candidates `others` (id, time alone).
    void SetUp() override {
        Tensor* x = m_network.addInput("x", DataType::Float32, {1, 4, 5, 5}).value();
        Tensor* a = m_network.addLayer("a", ActivationParams{ActivationType::Relu}, {x}, {"ya"}).value()->output(0);
        Tensor* b = m_network.addLayer("b", ActivationParams{ActivationType::Relu}, {a}, {"yb"}).value()->output(0);
        Tensor* c =
            m_network.addLayer("c", ActivationParams{ActivationType::Relu}, {b}, {"yc"}).value()->output(0);
        ASSERT_TRUE(m_network.markOutput(c).isOk());
        auto memory = planMemory(m_network);
        ASSERT_TRUE(memory.isOk()) << memory.status().message();
        m_memory = std::move(memory).value();
    }

    void choose(const std::string& tactic, std::unique_ptr<tactics::Kernel> kernel, double milliseconds,
                std::vector<std::pair<std::string, double>> others) {
        m_kernels = std::make_shared<detail::CompiledKernels>();
        m_kernels->layers.push_back({"fake:first", {}, steady(200)});
        m_kernels->layers.push_back({tactic, {}, std::move(kernel)});
        m_kernels->layers.push_back({"fake:first", {}, steady(200)});
        m_workspaces = {0, 0, 0};
        m_records.assign(3, LayerRecord{});
        for (size_t i : {0, 2}) {
            m_records[i].name = i == 0 ? "a" : "c";
            m_records[i].tactic = "fake:first";
            m_records[i].candidates = {{"fake:first", "Fake", 0.2, "", true}};
        }
        m_records[1].name = "b";
        m_records[1].tactic = tactic;
        m_records[1].candidates = {{tactic, "Fake", milliseconds, "", true}};
        for (const auto& [id, ms] : others) m_records[1].candidates.push_back({id, "Fake", ms, "", false});
    }

    Result<builder::NetworkTimingResult> time(std::vector<builder::TacticChoice> alternativesOfB) {
        std::vector<std::vector<builder::TacticChoice>> alternatives(3);
        alternatives[1] = std::move(alternativesOfB);
        return builder::timeInNetwork(backends::cpuBackend(), m_network, m_memory, 0, m_kernels, m_workspaces,
                                      alternatives, m_records, m_limits, nullptr);
    }

    const TacticCandidate& candidate(const std::string& id) {
        for (const TacticCandidate& c : m_records[1].candidates) {
            if (c.tactic == id) return c;
        }
        ADD_FAILURE() << "no candidate " << id;
        return m_records[1].candidates.front();
    }

    NetworkDefinition m_network;
    MemoryPlan m_memory;
    std::shared_ptr<detail::CompiledKernels> m_kernels;
    std::vector<int64_t> m_workspaces;
    std::vector<LayerRecord> m_records;
    builder::NetworkTimingLimits m_limits;
};

TEST_F(NetworkTiming, ACandidateThatOnlyWonAloneLosesToOneFasterInTheNetwork) {
    choose("fake:cached", cacheBound(300, 1500), 0.3, {{"fake:steady", 0.35}});
    std::vector<builder::TacticChoice> alternatives;
    alternatives.push_back(alternative("fake:steady", steady(700), 4096));
    auto timed = time(std::move(alternatives));
    ASSERT_TRUE(timed.isOk()) << timed.status().message();
    EXPECT_EQ(timed->layers, 1);
    EXPECT_EQ(timed->changed, 1);
    EXPECT_TRUE(timed->kept);
    EXPECT_LT(timed->mixedMilliseconds, timed->aloneMilliseconds);
    EXPECT_GE(timed->rounds, m_limits.leastRounds);
    EXPECT_EQ(m_kernels->layers[1].tacticId, "fake:steady");
    EXPECT_EQ(m_records[1].tactic, "fake:steady");
    EXPECT_TRUE(candidate("fake:steady").chosen);
    EXPECT_FALSE(candidate("fake:cached").chosen);
    // Each candidate's median in the network: the cached one always ran after layer "a".
    EXPECT_GE(candidate("fake:cached").networkMilliseconds, 1.5);
    EXPECT_GE(candidate("fake:steady").networkMilliseconds, 0.7);
    EXPECT_LT(candidate("fake:steady").networkMilliseconds, 1.5);
    // The times alone stay as they were; the workspace is the new choice's.
    EXPECT_DOUBLE_EQ(candidate("fake:cached").milliseconds, 0.3);
    EXPECT_EQ(m_workspaces[1], 4096);
    EXPECT_EQ(m_kernels->workspaceBytes, 4096);
    // The layer without alternatives was not given a network time.
    EXPECT_LT(m_records[0].candidates[0].networkMilliseconds, 0.0);
}

TEST_F(NetworkTiming, AChoiceThatAlsoWinsInTheNetworkStays) {
    choose("fake:steady", steady(300), 0.3, {{"fake:cached", 0.32}});
    const tactics::Kernel* chosen = m_kernels->layers[1].kernel.get();
    std::vector<builder::TacticChoice> alternatives;
    alternatives.push_back(alternative("fake:cached", cacheBound(100, 1500), 0));
    auto timed = time(std::move(alternatives));
    ASSERT_TRUE(timed.isOk()) << timed.status().message();
    EXPECT_EQ(timed->changed, 0);
    EXPECT_EQ(timed->aloneMilliseconds, 0.0);  // nothing to check end to end
    EXPECT_EQ(m_kernels->layers[1].tacticId, "fake:steady");
    EXPECT_EQ(m_kernels->layers[1].kernel.get(), chosen);
    EXPECT_TRUE(candidate("fake:steady").chosen);
    EXPECT_LT(candidate("fake:steady").networkMilliseconds, candidate("fake:cached").networkMilliseconds);
}

// fake:evicting is faster than the choice in the network by its own time, but the layer after it pays
// 3 ms more: the network with it runs slower end to end, and the choice stays.
TEST_F(NetworkTiming, ACandidateThatSlowsTheLayersAfterItIsNotKept) {
    choose("fake:steady", steady(600), 0.6, {{"fake:evicting", 0.62}});
    const tactics::Kernel* chosen = m_kernels->layers[1].kernel.get();
    std::vector<builder::TacticChoice> alternatives;
    alternatives.push_back(
        alternative("fake:evicting",
                    std::make_unique<CacheKernel>(microseconds(200), microseconds(200), false, true), 4096));
    auto timed = time(std::move(alternatives));
    ASSERT_TRUE(timed.isOk()) << timed.status().message();
    EXPECT_LT(candidate("fake:evicting").networkMilliseconds, candidate("fake:steady").networkMilliseconds);
    EXPECT_FALSE(timed->kept);
    EXPECT_EQ(timed->changed, 0);
    EXPECT_GT(timed->mixedMilliseconds, timed->aloneMilliseconds + 2.0);
    EXPECT_EQ(m_kernels->layers[1].tacticId, "fake:steady");
    EXPECT_EQ(m_kernels->layers[1].kernel.get(), chosen);
    EXPECT_EQ(m_records[1].tactic, "fake:steady");
    EXPECT_TRUE(candidate("fake:steady").chosen);
    EXPECT_FALSE(candidate("fake:evicting").chosen);
    EXPECT_EQ(m_workspaces[1], 0);
    EXPECT_EQ(m_kernels->workspaceBytes, 0);
}

TEST_F(NetworkTiming, ANetworkThatCannotRunKeepsItsChoices) {
    choose("fake:cached", cacheBound(300, 1500), 0.3, {{"fake:steady", 0.35}});
    const tactics::Kernel* chosen = m_kernels->layers[1].kernel.get();
    std::vector<builder::TacticChoice> alternatives;
    alternatives.push_back(
        alternative("fake:steady", std::make_unique<CacheKernel>(microseconds(1), microseconds(1), true), 0));
    auto timed = time(std::move(alternatives));
    ASSERT_FALSE(timed.isOk());
    EXPECT_NE(timed.status().message().find("layer 'b'"), std::string::npos) << timed.status().message();
    EXPECT_EQ(m_kernels->layers[1].tacticId, "fake:cached");
    EXPECT_EQ(m_kernels->layers[1].kernel.get(), chosen);
    EXPECT_EQ(m_records[1].tactic, "fake:cached");
    EXPECT_TRUE(candidate("fake:cached").chosen);
    EXPECT_EQ(m_kernels->workspaceBytes, 0);
}

TEST_F(NetworkTiming, VariantsCountTheCandidatesWithinOnePointSevenOfTheChoiceAtMostTwo) {
    choose("fake:cached", cacheBound(300, 1500), 1.0,
           {{"x:a", 1.2}, {"x:b", 1.5}, {"x:c", 1.69}, {"x:d", 2.0}});
    EXPECT_EQ(builder::networkVariants(m_records), 3);
    choose("fake:cached", cacheBound(300, 1500), 1.0, {{"x:a", 1.6}, {"x:d", 1.8}});
    EXPECT_EQ(builder::networkVariants(m_records), 2);
    choose("fake:cached", cacheBound(300, 1500), 1.0, {{"x:d", 1.8}});
    EXPECT_EQ(builder::networkVariants(m_records), 1);
}

TEST_F(NetworkTiming, ANetworkTooLongForTheBudgetIsNotTimed) {
    choose("fake:cached", cacheBound(300, 1500), 300.0, {{"fake:steady", 310.0}});
    const std::string refusal = builder::networkTimingRefusal(m_records, 2, m_limits);
    EXPECT_NE(refusal.find("about 391 ms"), std::string::npos) << refusal;
    EXPECT_NE(refusal.find("the 23 runs of 2 variants"), std::string::npos) << refusal;
    choose("fake:cached", cacheBound(300, 1500), 0.3, {{"fake:steady", 0.35}});
    EXPECT_EQ(builder::networkTimingRefusal(m_records, 2, m_limits), "");
}

TEST_F(NetworkTiming, AWarmTimingCacheGivesTheSameChoicesWithoutRunningTheNetwork) {
    const FakeProvider provider;
    auto stream = backends::cpuBackend().createStream();
    ASSERT_TRUE(stream.isOk());
    builder::TimingDevice device{backends::cpuBackend(), {&provider}, *stream.value()};
    builder::TimingCache cache("fake device");
    BuilderConfig config;

    choose("fake:cached", cacheBound(300, 1500), 0.3, {{"fake:steady", 0.35}});
    BuildReport report;
    report.layersAfter = m_records;
    ASSERT_TRUE(builder::chooseInNetwork(device, m_network, m_memory, config, m_kernels, m_workspaces, report, cache)
                    .isOk());
    EXPECT_EQ(report.networkTimedLayers, 1);
    EXPECT_EQ(report.networkChangedLayers, 1);
    EXPECT_FALSE(report.networkTimingFromCache);
    EXPECT_EQ(m_kernels->layers[1].tacticId, "fake:steady");
    const builder::TimingCache::Entry* entry =
        cache.find(builder::networkTimingKey(m_network, *m_network.layers()[1], false));
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->chosen, "fake:steady");

    // A rebuild: the choices alone again, the cache as the first build left it.
    choose("fake:cached", cacheBound(300, 1500), 0.3, {{"fake:steady", 0.35}});
    BuildReport rebuilt;
    rebuilt.layersAfter = m_records;
    g_runs = 0;
    ASSERT_TRUE(builder::chooseInNetwork(device, m_network, m_memory, config, m_kernels, m_workspaces, rebuilt, cache)
                    .isOk());
    EXPECT_EQ(g_runs.load(), 0);
    EXPECT_TRUE(rebuilt.networkTimingFromCache);
    EXPECT_EQ(rebuilt.networkChangedLayers, 1);
    EXPECT_EQ(m_kernels->layers[1].tacticId, "fake:steady");
    EXPECT_EQ(m_kernels->workspaceBytes, 4096);
    EXPECT_EQ(rebuilt.layersAfter[1].tactic, "fake:steady");
    for (const TacticCandidate& c : rebuilt.layersAfter[1].candidates) {
        EXPECT_EQ(c.chosen, c.tactic == "fake:steady") << c.tactic;
        EXPECT_GT(c.networkMilliseconds, 0.0) << c.tactic;
    }
}

}  // namespace
}  // namespace kiln::test

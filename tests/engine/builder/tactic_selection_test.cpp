// Tactic selection with providers whose tactics take known times: the fastest wins, every candidate is
// recorded with its time or the reason it was skipped, and the timing cache replaces timing.
#include "builder/tactic_selection.h"

#include <atomic>
#include <chrono>

#include <gtest/gtest.h>

#include "backends/cpu/reference/reference_tactics.h"
#include "support/test_util.h"

namespace kiln::test {
namespace {

std::atomic<int> g_runs{0};
std::vector<int64_t> g_instantiatedBatches;  // the batch of each kernel a fake tactic instantiated

class SpinKernel final : public tactics::Kernel {
public:
    SpinKernel(std::chrono::microseconds duration, bool fails, std::chrono::microseconds slow = {}, int slowRuns = 0)
        : m_duration(duration), m_slow(slow), m_slowRuns(slowRuns), m_fails(fails) {}
    Status run(const tactics::KernelArgs&) const override {
        ++g_runs;
        if (m_fails) return internalError("the fake kernel fails on purpose");
        const bool slow = m_runs++ < m_slowRuns;
        const auto end = std::chrono::steady_clock::now() + (slow ? m_slow : m_duration);
        while (std::chrono::steady_clock::now() < end) {
        }
        return Status::ok();
    }

private:
    std::chrono::microseconds m_duration;
    std::chrono::microseconds m_slow;  // the duration of the first m_slowRuns runs
    int m_slowRuns;
    bool m_fails;
    mutable std::atomic<int> m_runs{0};
};

struct FakeSpec {
    std::string id;
    int microseconds = 0;
    int64_t workspace = 0;
    bool fails = false;
    int slowMicroseconds = 0;  // the duration of the first slowRuns runs (first use)
    int slowRuns = 0;
    int largeBatchMicroseconds = 0;  // the duration for a layer of more than 8 images, when not zero
};

class FakeTactic final : public tactics::Tactic {
public:
    FakeTactic(FakeSpec spec, int64_t batch) : m_spec(std::move(spec)), m_batch(batch) {}
    std::string id() const override { return m_spec.id; }
    std::string library() const override { return "Fake"; }
    int64_t workspaceBytes() const override { return m_spec.workspace; }
    Result<std::unique_ptr<tactics::Kernel>> instantiate(std::vector<tactics::WeightBlob>) const override {
        g_instantiatedBatches.push_back(m_batch);
        return std::unique_ptr<tactics::Kernel>(std::make_unique<SpinKernel>(
            std::chrono::microseconds(m_batch > 8 && m_spec.largeBatchMicroseconds
                                          ? m_spec.largeBatchMicroseconds
                                          : m_spec.microseconds),
            m_spec.fails, std::chrono::microseconds(m_spec.slowMicroseconds), m_spec.slowRuns));
    }

private:
    FakeSpec m_spec;
    int64_t m_batch;
};

class FakeProvider final : public tactics::TacticProvider {
public:
    explicit FakeProvider(std::vector<FakeSpec> specs) : m_specs(std::move(specs)) {}
    std::string name() const override { return "fake"; }
    void enumerate(const tactics::LayerConfig& config, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                   std::vector<tactics::SkippedTactic>& skipped) const override {
        const int64_t batch = config.layer->input(0)->dims()[0];
        for (const FakeSpec& spec : m_specs)
            tactics.push_back(std::make_unique<FakeTactic>(spec, batch));
        skipped.push_back({"fake:blocked-only", "Fake", "needs blocked tensors"});
    }

private:
    std::vector<FakeSpec> m_specs;
};

// Chooses on the CPU backend with `providers` in place of the backend's own.
Result<builder::TacticChoice> choose(const std::vector<const tactics::TacticProvider*>& providers, const Layer& layer,
                                     const BuilderConfig& config, builder::TimingCache* cache) {
    auto stream = backends::cpuBackend().createStream();
    if (!stream) return stream.status();
    builder::TimingDevice device{backends::cpuBackend(), providers, *stream.value()};
    return builder::chooseTactic(device, layer, config, cache);
}

class TacticSelection : public ::testing::Test {
protected:
    TacticSelection() {
        Tensor* x = m_network.addInput("x", DataType::Float32, {1, 4, 5, 5}).value();
        m_layer = m_network.addLayer("relu", ActivationParams{ActivationType::Relu}, {x}, {"y"}).value();
        m_config.timingIterations = 3;
    }

    const TacticCandidate* candidate(const builder::TacticChoice& choice, const std::string& id) {
        for (const TacticCandidate& c : choice.candidates) {
            if (c.tactic == id) return &c;
        }
        ADD_FAILURE() << "no candidate " << id;
        return nullptr;
    }

    NetworkDefinition m_network;
    Layer* m_layer = nullptr;
    BuilderConfig m_config;
};

const FakeProvider kProvider({{"fake:slow", 3000}, {"fake:fast", 300}, {"fake:greedy", 100, int64_t(4) << 30},
                              {"fake:broken", 0, 0, true}});

TEST_F(TacticSelection, TheFastestWinsAndEveryCandidateIsRecorded) {
    const std::vector<const tactics::TacticProvider*> providers = {&kProvider, &cpu::referenceProvider()};
    auto choice = choose(providers, *m_layer, m_config, nullptr);
    ASSERT_TRUE(choice.isOk()) << choice.status().message();
    EXPECT_EQ(choice->tacticId, "fake:fast");
    EXPECT_FALSE(choice->fromCache);
    ASSERT_NE(choice->kernel, nullptr);
    EXPECT_EQ(choice->candidates.size(), 6u);
    const TacticCandidate* fast = candidate(*choice, "fake:fast");
    const TacticCandidate* slow = candidate(*choice, "fake:slow");
    ASSERT_TRUE(fast && slow);
    EXPECT_TRUE(fast->chosen);
    EXPECT_FALSE(slow->chosen);
    // The spin loops are lower bounds on each run's time.
    EXPECT_GE(slow->milliseconds, 3.0);
    EXPECT_GE(fast->milliseconds, 0.3);
    EXPECT_LT(fast->milliseconds, slow->milliseconds);
    EXPECT_NE(candidate(*choice, "fake:greedy")->skipReason.find("workspace"), std::string::npos);
    EXPECT_LT(candidate(*choice, "fake:greedy")->milliseconds, 0.0);
    EXPECT_NE(candidate(*choice, "fake:broken")->skipReason.find("fails on purpose"), std::string::npos);
    EXPECT_EQ(candidate(*choice, "fake:blocked-only")->skipReason, "needs blocked tensors");
    EXPECT_NE(candidate(*choice, "reference:naive")->skipReason.find("not timed"), std::string::npos);
}

// Long runs vary little: once a candidate's runs (its warm-up included, when that takes a third of the
// 100 ms budget) add up to 100 ms it stops after three, while a short kernel gets every configured run
// after its warm-up.
TEST_F(TacticSelection, LongCandidatesAreTimedThreeTimesShortOnesAsOftenAsConfigured) {
    m_config.timingIterations = 10;
    const FakeProvider provider({{"fake:long", 40000}, {"fake:short", 2000}});
    g_runs = 0;
    auto choice = choose({&provider}, *m_layer, m_config, nullptr);
    ASSERT_TRUE(choice.isOk()) << choice.status().message();
    // fake:long: its warm-up counts (40 ms >= 100 / 3), then 2 more: 3 x 40 ms >= 100 ms; fake:short: the
    // warm-up, then 10 x 2 ms, under the budget.
    EXPECT_EQ(g_runs.load(), 3 + 1 + 10);
    EXPECT_GE(candidate(*choice, "fake:long")->milliseconds, 40.0);
    EXPECT_EQ(choice->tacticId, "fake:short");
}

// A layer with one candidate has nothing to choose: after its warm-up it is timed once, for the report.
TEST_F(TacticSelection, ASoleCandidateIsTimedOnce) {
    m_config.timingIterations = 10;
    const FakeProvider provider({{"fake:only", 2000}});
    g_runs = 0;
    auto choice = choose({&provider}, *m_layer, m_config, nullptr);
    ASSERT_TRUE(choice.isOk()) << choice.status().message();
    EXPECT_EQ(g_runs.load(), 1 + 1);
    EXPECT_GE(candidate(*choice, "fake:only")->milliseconds, 2.0);
}

// A long candidate slower than the best in its warm-up and its next run stops there: its median of three
// cannot win.
TEST_F(TacticSelection, ALongCandidateStopsOnceItsMedianCannotWin) {
    m_config.timingIterations = 10;
    const FakeProvider provider({{"fake:fast", 40000}, {"fake:slow", 60000}});
    g_runs = 0;
    auto choice = choose({&provider}, *m_layer, m_config, nullptr);
    ASSERT_TRUE(choice.isOk()) << choice.status().message();
    EXPECT_EQ(choice->tacticId, "fake:fast");
    EXPECT_EQ(g_runs.load(), 3 + 2);
    EXPECT_GE(candidate(*choice, "fake:slow")->milliseconds, 60.0);
}

// Exhaustive timing, the reference the early stops are checked against: the same long candidates each
// timed ten times after their warm-up, and a sole candidate too.
TEST_F(TacticSelection, ExhaustiveTimingStopsNoCandidateEarly) {
    m_config.timingIterations = 10;
    m_config.exhaustiveTiming = true;
    const FakeProvider provider({{"fake:fast", 40000}, {"fake:slow", 60000}});
    g_runs = 0;
    auto choice = choose({&provider}, *m_layer, m_config, nullptr);
    ASSERT_TRUE(choice.isOk()) << choice.status().message();
    EXPECT_EQ(choice->tacticId, "fake:fast");
    EXPECT_EQ(g_runs.load(), 2 * (1 + 10));
    const FakeProvider sole({{"fake:only", 2000}});
    g_runs = 0;
    ASSERT_TRUE(choose({&sole}, *m_layer, m_config, nullptr).isOk());
    EXPECT_EQ(g_runs.load(), 1 + 10);
}

// A slow start (its warm-up and first run at 35 ms, first use) makes a candidate count its warm-up (at
// least a third of the 100 ms budget), but its fast runs after that still win: two samples above the best
// stop it only when they already add up to the budget (35 + 35 < 100, with 30 ms to spare for a loaded
// machine's late wake-ups: the timing goes on, and the median of 35, 35, 5, 5, 5, 5 is 5).
TEST_F(TacticSelection, ASlowStartDoesNotStopAFastCandidate) {
    m_config.timingIterations = 10;
    const FakeProvider provider({{"fake:steady", 20000}, {"fake:warming", 5000, 0, false, 35000, 2}});
    auto choice = choose({&provider}, *m_layer, m_config, nullptr);
    ASSERT_TRUE(choice.isOk()) << choice.status().message();
    EXPECT_EQ(choice->tacticId, "fake:warming");
    EXPECT_LT(candidate(*choice, "fake:warming")->milliseconds, 20.0);
}

// Candidates within 15 % of each other are timed again in a run-off, one run of each in turn: a candidate
// timed in a slow moment of the machine (its warm-up and first three runs at 1.2 ms, 0.9 ms after that)
// loses to a steady 1.1 ms one when timed alone, and wins the run-off, whose medians it reports. A
// candidate far from the best (3 ms) is not timed again.
TEST_F(TacticSelection, CloseCandidatesAreTimedAgainInTurns) {
    const FakeProvider provider(
        {{"fake:steady", 1100}, {"fake:unlucky", 900, 0, false, 1200, 4}, {"fake:far", 3000}});
    g_runs = 0;
    auto choice = choose({&provider}, *m_layer, m_config, nullptr);
    ASSERT_TRUE(choice.isOk()) << choice.status().message();
    EXPECT_EQ(choice->tacticId, "fake:unlucky");
    EXPECT_TRUE(candidate(*choice, "fake:unlucky")->chosen);
    EXPECT_LT(candidate(*choice, "fake:unlucky")->milliseconds, 1.1);
    EXPECT_GE(candidate(*choice, "fake:steady")->milliseconds, 1.1);
    // Each timed after its warm-up (3 runs each), then five run-off rounds of the two close ones.
    EXPECT_EQ(g_runs.load(), 3 * (1 + 3) + 5 * 2);
}

// A candidate whose first three runs are all over 1.5 times the best stops there, whatever --avgTiming
// asks for: fake:slow (3 ms against 1 ms) is run three times after its warm-up, fake:close (1.2 ms) ten.
TEST_F(TacticSelection, AClearlySlowerCandidateStopsAfterThreeRuns) {
    m_config.timingIterations = 10;
    const FakeProvider provider({{"fake:fast", 1000}, {"fake:slow", 3000}, {"fake:close", 1200}});
    g_runs = 0;
    auto choice = choose({&provider}, *m_layer, m_config, nullptr);
    ASSERT_TRUE(choice.isOk()) << choice.status().message();
    EXPECT_EQ(choice->tacticId, "fake:fast");
    EXPECT_EQ(g_runs.load(), (1 + 10) + (1 + 3) + (1 + 10));
}

// A convolution of 64 images on the CPU is timed on 8 of them (64 / 8), and the fastest tactic is
// instantiated again for the whole batch; exhaustive timing, a smaller batch and a layer of another
// kind are timed as they are.
TEST_F(TacticSelection, LongLayersOfALargeBatchAreTimedOnPartOfIt) {
    const FakeProvider provider({{"fake:slow", 3000}, {"fake:fast", 300}});
    const auto convolution = [&](int64_t batch) {
        Tensor* x =
            m_network.addInput("x" + std::to_string(batch), DataType::Float32, {batch, 4, 5, 5}).value();
        Tensor* w = m_network.addConstant("w" + std::to_string(batch), randomTensor({2, 4, 3, 3}, 1)).value();
        return m_network
            .addLayer("conv" + std::to_string(batch), ConvolutionParams{{1, 1}, {1, 1, 1, 1}, {1, 1}, 1},
                      {x, w}, {"y" + std::to_string(batch)})
            .value();
    };
    const Layer* large = convolution(64);
    g_instantiatedBatches.clear();
    auto choice = choose({&provider}, *large, m_config, nullptr);
    ASSERT_TRUE(choice.isOk()) << choice.status().message();
    EXPECT_EQ(choice->tacticId, "fake:fast");
    EXPECT_EQ(choice->timingBatch, 8);
    EXPECT_EQ(choice->candidates.size(), 3u);  // both fakes and the skipped blocked-only one
    EXPECT_GE(candidate(*choice, "fake:slow")->milliseconds, 3.0);
    EXPECT_TRUE(candidate(*choice, "fake:fast")->chosen);
    // Both candidates at 8 images, then the chosen one at 64: the kernel the plan runs.
    EXPECT_EQ(g_instantiatedBatches, (std::vector<int64_t>{8, 8, 64}));

    BuilderConfig exhaustive = m_config;
    exhaustive.exhaustiveTiming = true;
    g_instantiatedBatches.clear();
    auto whole = choose({&provider}, *large, exhaustive, nullptr);
    ASSERT_TRUE(whole.isOk()) << whole.status().message();
    EXPECT_EQ(whole->timingBatch, 0);
    EXPECT_EQ(g_instantiatedBatches, (std::vector<int64_t>{64, 64}));

    // 32 images are still timed on 8 (the least part); 31 and an activation layer of 64 are timed whole.
    g_instantiatedBatches.clear();
    auto part = choose({&provider}, *convolution(32), m_config, nullptr);
    ASSERT_TRUE(part.isOk()) << part.status().message();
    EXPECT_EQ(part->timingBatch, 8);
    g_instantiatedBatches.clear();
    auto small = choose({&provider}, *convolution(31), m_config, nullptr);
    ASSERT_TRUE(small.isOk()) << small.status().message();
    EXPECT_EQ(small->timingBatch, 0);
    EXPECT_EQ(g_instantiatedBatches, (std::vector<int64_t>{31, 31}));
    Tensor* activations = m_network.addInput("z", DataType::Float32, {64, 4, 5, 5}).value();
    const Layer* relu =
        m_network.addLayer("relu64", ActivationParams{ActivationType::Relu}, {activations}, {"r"}).value();
    auto pointwise = choose({&provider}, *relu, m_config, nullptr);
    ASSERT_TRUE(pointwise.isOk()) << pointwise.status().message();
    EXPECT_EQ(pointwise->timingBatch, 0);

    // Merged sibling convolutions write several outputs, each with the batch first.
    Tensor* siblingsInput = m_network.addInput("s", DataType::Float32, {64, 4, 5, 5}).value();
    const Layer* siblings =
        m_network
            .addLayer("siblings", ConvolutionParams{{1, 1}, {1, 1, 1, 1}, {1, 1}, 1, std::nullopt, {1, 1}},
                      {siblingsInput, m_network.addConstant("ws", randomTensor({2, 4, 3, 3}, 2)).value()},
                      {"s1", "s2"})
            .value();
    g_instantiatedBatches.clear();
    auto merged = choose({&provider}, *siblings, m_config, nullptr);
    ASSERT_TRUE(merged.isOk()) << merged.status().message();
    EXPECT_EQ(merged->timingBatch, 8);
    EXPECT_EQ(g_instantiatedBatches, (std::vector<int64_t>{8, 8, 64}));
}

// Candidates within 1.5 times the fastest on part of the batch are timed again on all of it, which
// decides, the fastest two of them only; the others are left out, the report saying why.
TEST_F(TacticSelection, CloseCandidatesOnPartOfTheBatchAreTimedOnAllOfIt) {
    FakeSpec first{"fake:first", 300};
    first.largeBatchMicroseconds = 3000;
    FakeSpec second{"fake:second", 400};
    second.largeBatchMicroseconds = 1500;
    FakeSpec third{"fake:third", 420};
    third.largeBatchMicroseconds = 1000;
    const FakeProvider provider({first, second, third, {"fake:slow", 3000}});
    Tensor* x = m_network.addInput("x64", DataType::Float32, {64, 4, 5, 5}).value();
    Tensor* w = m_network.addConstant("w64", randomTensor({2, 4, 3, 3}, 1)).value();
    const Layer* conv =
        m_network.addLayer("conv64", ConvolutionParams{{1, 1}, {1, 1, 1, 1}, {1, 1}, 1}, {x, w}, {"y64"})
            .value();
    g_instantiatedBatches.clear();
    auto choice = choose({&provider}, *conv, m_config, nullptr);
    ASSERT_TRUE(choice.isOk()) << choice.status().message();
    EXPECT_EQ(choice->tacticId, "fake:second");
    EXPECT_EQ(choice->timingBatch, 0);  // the times it reports are the whole batch's
    EXPECT_GE(candidate(*choice, "fake:first")->milliseconds, 3.0);
    EXPECT_GE(candidate(*choice, "fake:second")->milliseconds, 1.5);
    EXPECT_LT(candidate(*choice, "fake:slow")->milliseconds, 0.0);
    EXPECT_NE(
        candidate(*choice, "fake:slow")->skipReason.find("times slower than fake:first on 8 of its images"),
        std::string::npos)
        << candidate(*choice, "fake:slow")->skipReason;
    EXPECT_LT(candidate(*choice, "fake:third")->milliseconds, 0.0);
    EXPECT_NE(candidate(*choice, "fake:third")->skipReason.find("2 faster ones were timed on all of them"),
              std::string::npos)
        << candidate(*choice, "fake:third")->skipReason;
    EXPECT_EQ(g_instantiatedBatches, (std::vector<int64_t>{8, 8, 8, 8, 64, 64}));
}

// Pooling kernels stream every image alike, so close candidates on part of the batch are not timed
// again on all of it: the fastest there is instantiated for the whole batch.
TEST_F(TacticSelection, PoolingIsDecidedOnPartOfTheBatch) {
    FakeSpec first{"fake:first", 300};
    first.largeBatchMicroseconds = 3000;
    FakeSpec second{"fake:second", 400};
    second.largeBatchMicroseconds = 1500;
    const FakeProvider provider({first, second});
    Tensor* x = m_network.addInput("p64", DataType::Float32, {64, 4, 9, 9}).value();
    PoolingParams params;
    params.kernel = {3, 3};
    params.strides = {2, 2};
    params.pads = {0, 0, 0, 0};
    params.dilations = {1, 1};
    const Layer* pool = m_network.addLayer("pool64", params, {x}, {"q64"}).value();
    g_instantiatedBatches.clear();
    auto choice = choose({&provider}, *pool, m_config, nullptr);
    ASSERT_TRUE(choice.isOk()) << choice.status().message();
    EXPECT_EQ(choice->tacticId, "fake:first");
    EXPECT_EQ(choice->timingBatch, 8);
    EXPECT_EQ(g_instantiatedBatches, (std::vector<int64_t>{8, 8, 64}));
}

TEST_F(TacticSelection, TheReferenceIsTimedWhenItIsTheOnlyTactic) {
    const std::vector<const tactics::TacticProvider*> providers = {&cpu::referenceProvider()};
    auto choice = choose(providers, *m_layer, m_config, nullptr);
    ASSERT_TRUE(choice.isOk()) << choice.status().message();
    EXPECT_EQ(choice->tacticId, "reference:naive");
    EXPECT_GE(candidate(*choice, "reference:naive")->milliseconds, 0.0);
}

TEST_F(TacticSelection, ACachedChoiceSkipsTimingAndAStaleOneIsTimedAgain) {
    const std::vector<const tactics::TacticProvider*> providers = {&kProvider};
    builder::TimingCache cache("cpu test");
    auto first = choose(providers, *m_layer, m_config, &cache);
    ASSERT_TRUE(first.isOk()) << first.status().message();
    EXPECT_EQ(cache.size(), 1u);

    g_runs = 0;
    auto second = choose(providers, *m_layer, m_config, &cache);
    ASSERT_TRUE(second.isOk()) << second.status().message();
    EXPECT_TRUE(second->fromCache);
    EXPECT_EQ(second->tacticId, "fake:fast");
    EXPECT_EQ(g_runs.load(), 0);
    EXPECT_EQ(second->candidates.size(), first->candidates.size());

    // The cache names a tactic this build does not offer: it is not trusted, the layer is timed.
    const std::string signature = builder::layerSignature(*m_layer, DataType::Float32);
    cache.store(signature, {"fake:gone", {{"fake:gone", "Fake", 0.001, "", true}}});
    auto third = choose(providers, *m_layer, m_config, &cache);
    ASSERT_TRUE(third.isOk()) << third.status().message();
    EXPECT_FALSE(third->fromCache);
    EXPECT_EQ(third->tacticId, "fake:fast");
    EXPECT_GT(g_runs.load(), 0);
    EXPECT_EQ(cache.find(signature)->chosen, "fake:fast");
}

TEST_F(TacticSelection, NoRunnableTacticIsAnErrorNamingTheReasons) {
    const FakeProvider onlyBroken({{"fake:broken", 0, 0, true}});
    const std::vector<const tactics::TacticProvider*> providers = {&onlyBroken};
    auto choice = choose(providers, *m_layer, m_config, nullptr);
    ASSERT_FALSE(choice.isOk());
    EXPECT_EQ(choice.status().code(), StatusCode::Unsupported);
    EXPECT_NE(choice.status().message().find("layer 'relu'"), std::string::npos);
    EXPECT_NE(choice.status().message().find("fails on purpose"), std::string::npos);

    m_layer->output(0)->setFormat(TensorFormat{8});
    const std::vector<const tactics::TacticProvider*> reference = {&cpu::referenceProvider()};
    auto none = choose(reference, *m_layer, m_config, nullptr);
    ASSERT_FALSE(none.isOk());
    EXPECT_NE(none.status().message().find("needs linear"), std::string::npos) << none.status().message();
}

TEST_F(TacticSelection, ACancelStopsTiming) {
    struct CancelAtOnce : IProgressMonitor {
        void phaseStarted(const std::string&, int, int) override {}
        bool shouldCancel() override { return true; }
    } monitor;
    m_config.progress = &monitor;
    const std::vector<const tactics::TacticProvider*> providers = {&kProvider};
    auto choice = choose(providers, *m_layer, m_config, nullptr);
    ASSERT_FALSE(choice.isOk());
    EXPECT_EQ(choice.status().code(), StatusCode::Cancelled);
}

}  // namespace
}  // namespace kiln::test

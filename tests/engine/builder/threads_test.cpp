// --threads: a build times its tactics on the threads asked, records them in the engine and the plan,
// keys the timing cache by them, and the engine's kernels run on them whatever the calling thread's
// OpenMP count is.
#include <omp.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "kiln/builder.h"
#include "kiln/plan.h"

namespace kiln::test {
namespace {

// Hears, for every layer, how many threads the kernels that just ran could use.
class ThreadCountProfiler : public IProfiler {
public:
    void reportLayerTime(const std::string&, float) override { counts.push_back(omp_get_max_threads()); }
    std::vector<int> counts;
};

TEST(Threads, TheEngineRunsOnTheThreadsItWasBuiltFor) {
    BuilderConfig config;
    config.timingIterations = 1;
    config.threads = 1;
    auto engine = Builder::build(smallConvReluNetwork(), config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    EXPECT_EQ(engine.value()->report().threads, 1);
    EXPECT_NE(engine.value()->report().toJson().find("\"threads\": 1"), std::string::npos);

    // The plan keeps the count.
    auto bytes = serializePlan(*engine.value());
    ASSERT_TRUE(bytes.isOk()) << bytes.status().message();
    auto loaded = deserializePlan(*bytes);
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    EXPECT_EQ(loaded.value()->report().threads, 1);

    // The caller's thread allows 3; the engine's kernels run on 1, and the caller's count is left as it was.
    omp_set_num_threads(3);
    auto context = loaded.value()->createExecutionContext();
    ASSERT_TRUE(context.isOk());
    ThreadCountProfiler profiler;
    (*context)->setProfiler(&profiler);
    ASSERT_TRUE((*context)->execute(randomInputs(smallConvReluNetwork(), 1)).isOk());
    ASSERT_FALSE(profiler.counts.empty());
    for (int count : profiler.counts) EXPECT_EQ(count, 1);
    EXPECT_EQ(omp_get_max_threads(), 3);

    // Without a count, the caller's stays in force.
    config.threads = 0;
    auto every = Builder::build(smallConvReluNetwork(), config);
    ASSERT_TRUE(every.isOk());
    auto everyContext = every.value()->createExecutionContext();
    ASSERT_TRUE(everyContext.isOk());
    ThreadCountProfiler allThreads;
    (*everyContext)->setProfiler(&allThreads);
    ASSERT_TRUE((*everyContext)->execute(randomInputs(smallConvReluNetwork(), 1)).isOk());
    for (int count : allThreads.counts) EXPECT_EQ(count, 3);
    omp_set_num_threads(omp_get_num_procs());
}

// A context's smaller team (other programs keeping cores busy) runs kernels made for more threads: oneDNN
// primitives, whose thread count is fixed when they are made, are made again for the smaller team and
// give the same values.
TEST(Threads, KernelsMadeForMoreThreadsRunOnFewer) {
    omp_set_num_threads(2);
    BuilderConfig config;
    config.timingIterations = 1;
    config.threads = 0;  // the caller's count, as the kernels are made and as they run
    auto engine = Builder::build(smallConvReluNetwork(), config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    auto context = engine.value()->createExecutionContext();
    ASSERT_TRUE(context.isOk());
    (*context)->setAdaptiveThreads(false);
    const TensorMap inputs = randomInputs(smallConvReluNetwork(), 5);
    auto two = (*context)->execute(inputs);
    ASSERT_TRUE(two.isOk()) << two.status().message();
    EXPECT_EQ((*context)->lastRunThreads(), 2);
    omp_set_num_threads(1);
    ThreadCountProfiler profiler;
    (*context)->setProfiler(&profiler);
    auto one = (*context)->execute(inputs);
    ASSERT_TRUE(one.isOk()) << one.status().message();
    EXPECT_EQ((*context)->lastRunThreads(), 1);
    for (int count : profiler.counts) EXPECT_EQ(count, 1);
    // 27 products per output, each output summed by one thread whatever the team: the values agree to
    // within FP32 rounding of another accumulation order at most.
    expectSameOutputs(*one, *two, 1e-6, 1e-6);
    omp_set_num_threads(omp_get_num_procs());
}

TEST(Threads, TheTimingCacheIsKeyedByTheThreadCount) {
    const std::filesystem::path cache = std::filesystem::temp_directory_path() / "kiln_threads_test.timing";
    std::filesystem::remove(cache);
    BuilderConfig config;
    config.timingIterations = 1;
    config.timingCachePath = cache.string();
    config.threads = 1;
    ASSERT_TRUE(Builder::build(smallConvReluNetwork(), config).isOk());
    auto again = Builder::build(smallConvReluNetwork(), config);
    ASSERT_TRUE(again.isOk());
    EXPECT_GT(again.value()->report().timingCacheHits, 0);
    EXPECT_EQ(again.value()->report().timingCacheMisses, 0);
    // Timings made on one thread are no answer for two: the cache is another machine's for this build.
    config.threads = 2;
    auto other = Builder::build(smallConvReluNetwork(), config);
    ASSERT_TRUE(other.isOk());
    EXPECT_EQ(other.value()->report().timingCacheHits, 0);
    EXPECT_GT(other.value()->report().timingCacheMisses, 0);
    std::filesystem::remove(cache);
}

TEST(Threads, ACountOutOfRangeIsRefused) {
    BuilderConfig config;
    config.threads = -1;
    auto engine = Builder::build(smallConvReluNetwork(), config);
    ASSERT_FALSE(engine.isOk());
    EXPECT_NE(engine.status().message().find("thread count is -1"), std::string::npos) << engine.status().message();
    config.threads = kMaxThreads + 1;
    EXPECT_FALSE(Builder::build(smallConvReluNetwork(), config).isOk());
}

}  // namespace
}  // namespace kiln::test

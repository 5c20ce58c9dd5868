// The profiling toolkit: statistics (median of an even count, nearest-rank percentiles, NaN for no
// runs), averages of consecutive runs, layer summaries from collected times, and trtexec's profile and
// times JSON layouts.
#include <cmath>

#include <gtest/gtest.h>

#include "kiln/profiling.h"

namespace kiln::test {
namespace {

TEST(Profiling, StatisticsOfTimes) {
    // 1..10 shuffled: median (5 + 6) / 2, mean 5.5, p90 the 9th value, p95 and p99 the 10th, p0 the 1st.
    const std::vector<double> times{7, 3, 10, 1, 5, 9, 2, 8, 6, 4};
    const TimeStatistics stats = timeStatistics(times, {0.0, 90.0, 95.0, 99.0});
    EXPECT_EQ(stats.count, 10);
    EXPECT_EQ(stats.minimum, 1.0);
    EXPECT_EQ(stats.maximum, 10.0);
    EXPECT_EQ(stats.median, 5.5);
    EXPECT_EQ(stats.mean, 5.5);
    ASSERT_EQ(stats.percentiles.size(), 4u);
    EXPECT_EQ(stats.percentiles[0], (std::pair<double, double>{0.0, 1.0}));
    EXPECT_EQ(stats.percentiles[1], (std::pair<double, double>{90.0, 9.0}));
    EXPECT_EQ(stats.percentiles[2], (std::pair<double, double>{95.0, 10.0}));
    EXPECT_EQ(stats.percentiles[3], (std::pair<double, double>{99.0, 10.0}));
    EXPECT_EQ(median({4.0, 1.0, 3.0}), 3.0);

    const TimeStatistics none = timeStatistics({}, {90.0});
    EXPECT_EQ(none.count, 0);
    EXPECT_TRUE(std::isnan(none.minimum) && std::isnan(none.median) && std::isnan(none.percentiles[0].second));
}

TEST(Profiling, AveragesOfConsecutiveRuns) {
    EXPECT_EQ(windowAverages({1, 3, 5, 7, 9}, 2), (std::vector<double>{2.0, 6.0}));  // the lone 9 is dropped
    EXPECT_EQ(windowAverages({1, 3}, 5), (std::vector<double>{2.0}));              // fewer runs than a window
    EXPECT_TRUE(windowAverages({}, 3).empty());
}

TEST(Profiling, LayerSummariesAndTheTrtexecProfileLayout) {
    LayerTimeCollector collector;
    for (int run = 0; run < 2; ++run) {
        collector.reportLayerTime("conv", run == 0 ? 3.0f : 5.0f);
        collector.reportLayerTime("relu \"fused\"", 1.0f);
    }
    const std::vector<LayerTimeSummary> layers = summarizeLayerTimes(collector, 2);
    ASSERT_EQ(layers.size(), 2u);
    EXPECT_EQ(layers[0].name, "conv");  // execution order
    EXPECT_EQ(layers[0].totalMs, 8.0);
    EXPECT_EQ(layers[0].averageMs, 4.0);
    EXPECT_EQ(layers[0].medianMs, 4.0);
    EXPECT_EQ(layers[0].percentage, 80.0);  // 8 of the 10 ms summed over both runs
    EXPECT_EQ(layers[1].percentage, 20.0);
    EXPECT_EQ(profileJson(layers, 2),
              "[\n"
              "  {\n    \"count\": 2\n  },\n"
              "  {\n    \"name\": \"conv\",\n    \"timeMs\": 8,\n    \"averageMs\": 4,\n    \"medianMs\": 4,\n"
              "    \"percentage\": 80\n  },\n"
              "  {\n    \"name\": \"relu \\\"fused\\\"\",\n    \"timeMs\": 2,\n    \"averageMs\": 1,\n    \"medianMs\": 1,\n"
              "    \"percentage\": 20\n  }\n"
              "]\n");
    collector.clear();
    EXPECT_TRUE(collector.layers().empty());
}

TEST(Profiling, TheTrtexecTimesLayout) {
    RunTimes run;
    run.startMs = 1.0;
    run.endMs = 4.0;
    run.computeStartMs = 1.5;
    run.computeEndMs = 3.5;
    EXPECT_EQ(run.latencyMs(), 3.0);
    EXPECT_EQ(run.computeMs(), 2.0);
    EXPECT_EQ(timesJson({run}),
              "[\n  {\n    \"startHtoDMs\": 1,\n    \"endHtoDMs\": 1,\n    \"startComputeMs\": 1.5,\n"
              "    \"endComputeMs\": 3.5,\n    \"startDtoHMs\": 4,\n    \"endDtoHMs\": 4,\n    \"latencyMs\": 3,\n"
              "    \"computeMs\": 2,\n    \"h2dMs\": 0,\n    \"d2hMs\": 0\n  }\n]\n");
}

}  // namespace
}  // namespace kiln::test

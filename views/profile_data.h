// What a profiling run measured, as the workbench hands it to the profile view: per executed layer its
// median time per run and share, and every run's end-to-end latency. Plus the statistics the view and
// its exports show, computed the way `kiln profile` computes them (median of an even count is the mean
// of the middle two; percentiles are nearest-rank) so that the workbench and the CLI agree.
#pragma once

#include <QString>
#include <vector>

#include "kiln/profiling.h"

namespace kiln::views {

struct LayerProfile {
    QString name;
    QString type;
    QString precision;
    QString tactic;
    double milliseconds = 0.0;  // median per run
    double percent = 0.0;       // share of the sum of every layer's time
    // Mean per run; negative when unknown, where the median stands in (exports need it: trtexec's
    // profile layout has averageMs and the total timeMs = averageMs * runs).
    double averageMilliseconds = -1.0;
};

struct ProfileResult {
    std::vector<LayerProfile> layers;            // execution order
    std::vector<double> endToEndMilliseconds;    // one per run
    int iterations = 0;
    // The engine's summary of the same runs, in execution order, where the profile was measured here:
    // the JSON export writes it as `kiln profile --exportProfile` does, byte for byte.
    std::vector<LayerTimeSummary> engineLayers;
};

// Statistics of a list of times (the engine's, kiln/profiling.h); NaN for an empty list, so that no one
// mistakes the absence of runs for a time of zero.
using kiln::mean;
using kiln::median;
using kiln::percentile;
double minimum(const std::vector<double>& values);
double maximum(const std::vector<double>& values);

struct LatencyStatistics {
    int count = 0;  // runs; the rest are NaN when zero
    double minimum = 0.0;
    double median = 0.0;
    double mean = 0.0;
    double p90 = 0.0;
    double p99 = 0.0;
    double maximum = 0.0;
};
LatencyStatistics latencyStatistics(const std::vector<double>& milliseconds);

// One layer's profile from its time in every run: median, mean; percent is left for assignPercentages.
LayerProfile summarizeLayerTimes(const QString& name, const std::vector<double>& millisecondsPerRun);
// One layer's profile from the engine's summary: its median and mean, and its share of the summed time.
LayerProfile layerProfileOf(const LayerTimeSummary& summary);
// The trtexec profile JSON of `profile`: the engine's summary where it has one, else one made from its
// layers (total = mean x runs).
std::string profileJsonOf(const ProfileResult& profile);
// Sets every layer's percent to its share of the sum of the layers' medians (all zero when the sum is).
void assignPercentages(std::vector<LayerProfile>& layers);

// Time per layer type, slowest type first (ties by name).
struct TypeBreakdown {
    QString type;
    int layerCount = 0;
    double milliseconds = 0.0;  // sum of the layers' medians
    double percent = 0.0;       // share of the sum over all layers
};
std::vector<TypeBreakdown> breakdownByType(const std::vector<LayerProfile>& layers);

// The layers' medians added up: the time the layers account for in a typical run.
double totalLayerMilliseconds(const std::vector<LayerProfile>& layers);

}  // namespace kiln::views

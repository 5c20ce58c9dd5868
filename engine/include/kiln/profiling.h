// Profiling toolkit shared by every tool that times an engine (the `kiln` command, the workbench):
// a profiler that keeps each layer's time in every run, the statistics of a list of times, and the
// writers of trtexec's profile and times JSON layouts, so that two tools measuring the same runs
// report the same figures and write the same bytes.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "kiln/runtime.h"

namespace kiln {

// Keeps each layer's time in every profiled run, layers in the order they first executed.
class LayerTimeCollector : public IProfiler {
public:
    struct Layer {
        std::string name;
        std::vector<double> milliseconds;  // one per run
    };

    void reportLayerTime(const std::string& layerName, float milliseconds) override;

    const std::vector<Layer>& layers() const { return m_layers; }
    void clear();

private:
    std::unordered_map<std::string, size_t> m_index;
    std::vector<Layer> m_layers;
};

// Statistics of a list of times; NaN for an empty list, so that no one takes the absence of runs for a
// time of zero. The median of an even count is the mean of the middle two.
double median(std::vector<double> values);
double mean(const std::vector<double>& values);
// Nearest-rank percentile, `percent` clamped to [0, 100]: the smallest value with at least `percent`%
// of the values at or below it (0 gives the minimum, 100 the maximum).
double percentile(std::vector<double> values, double percent);

struct TimeStatistics {
    int count = 0;  // the rest are NaN when zero
    double minimum = 0.0;
    double maximum = 0.0;
    double mean = 0.0;
    double median = 0.0;
    std::vector<std::pair<double, double>> percentiles;  // (percent, value), in the order asked
};
TimeStatistics timeStatistics(const std::vector<double>& milliseconds, const std::vector<double>& percents = {90.0, 99.0});

// The means of each `window` consecutive values (trtexec's --avgRuns); a shorter last window is
// dropped unless it is the only one.
std::vector<double> windowAverages(const std::vector<double>& values, int window);

// One layer over the profiled runs, as trtexec's --exportProfile reports it: the time summed over the
// runs, the mean and median per run, and the share of the summed time of every layer.
struct LayerTimeSummary {
    std::string name;
    double totalMs = 0.0;
    double averageMs = 0.0;
    double medianMs = 0.0;
    double percentage = 0.0;
};
// Layers in execution order; `runs` divides the totals (a layer that ran in fewer runs is not averaged
// over more).
std::vector<LayerTimeSummary> summarizeLayerTimes(const LayerTimeCollector& collector, int runs);

// trtexec's --exportProfile layout: [{"count": runs}, {"name", "timeMs", "averageMs", "medianMs",
// "percentage"}, ...], layers in execution order, with a final newline.
std::string profileJson(const std::vector<LayerTimeSummary>& layers, int runs);

// One timed run, in milliseconds since the first timed run began: its span on the host (inputs given
// to outputs returned) and its compute span (equal to the host span where there is no device, or the
// span of a separate run on device-resident inputs).
struct RunTimes {
    double startMs = 0.0;
    double endMs = 0.0;
    double computeStartMs = 0.0;
    double computeEndMs = 0.0;
    double latencyMs() const { return endMs - startMs; }
    double computeMs() const { return computeEndMs - computeStartMs; }
};

// trtexec's --exportTimes layout: one object per run with "startHtoDMs", "endHtoDMs",
// "startComputeMs", "endComputeMs", "startDtoHMs", "endDtoHMs", "latencyMs", "computeMs", "h2dMs" and
// "d2hMs". Kiln times a run's copies with it, so the copies' spans are given as empty at the run's ends.
std::string timesJson(const std::vector<RunTimes>& runs);

// Seeded random values for an engine's inputs, so that two runs (and two tools) see the same data:
// floating-point inputs uniform in [-amplitude, amplitude), drawn in binding order from one generator;
// integer and boolean inputs are mostly indices, sizes or masks, where random values would be out of
// range, and keep the zero fill. Shape tensors get no value: a context runs its current values for
// them (the profile's opt values until setShapeTensorValues).
HostTensor randomInput(const Binding& input, std::mt19937& generator, float amplitude = 1.0f);
TensorMap randomInputs(const std::vector<Binding>& bindings, uint32_t seed, float amplitude = 1.0f);

}  // namespace kiln

// Two engines of one model side by side, as TensorRT Engine Explorer compares engines: FP32 against
// FP16, fused against unfused, yesterday's plan against today's. Layers are matched through their
// provenance (the model nodes each built layer came from): layers of either engine that share a node are
// one group, so a fused "conv + relu" of one engine meets the separate conv and relu of the other, and a
// concat elided in one meets the copying concat of the other. Layers the builder made (reformats) have no
// nodes and stand alone.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "kiln/runtime.h"

namespace kiln {

// A layer's time per run (the median over the profiled runs), by built layer name.
using LayerTimes = std::map<std::string, double>;

struct LayerGroupComparison {
    std::vector<std::string> layersA;  // built layers of engine A, in its order (elided ones too)
    std::vector<std::string> layersB;
    std::vector<std::string> nodes;    // the model nodes they came from, in A's order then B's
    double millisecondsA = 0.0;        // the group's layers' times summed (elided layers take none)
    double millisecondsB = 0.0;
    std::string precisionA;            // the executed layers' precisions ("FP32", "FP16, FP32"), empty if none
    std::string precisionB;
    std::string tacticA;               // the executed layers' tactics, joined by ", "
    std::string tacticB;
    std::string formatA;               // their output formats ("NCHW16c")
    std::string formatB;
};

struct EngineSummary {
    int64_t executedLayers = 0;
    int64_t elidedLayers = 0;
    int64_t arenaBytes = 0;
    int64_t weightBytes = 0;
    double latencyMs = 0.0;  // the end-to-end median the caller measured (0: not measured)
};

struct EngineComparison {
    EngineSummary a;
    EngineSummary b;
    std::vector<LayerGroupComparison> groups;  // in engine A's layer order, then B's groups without A layers
};

EngineComparison compareEngines(const Engine& a, const Engine& b, const LayerTimes& timesA, const LayerTimes& timesB,
                                double latencyA = 0.0, double latencyB = 0.0);

// One engine's share of a side-by-side profile: each executed layer's median time per run, and every run's
// end-to-end time in milliseconds.
struct SideProfile {
    LayerTimes layerTimes;
    std::vector<double> latenciesMs;
};

// Profiles engines side by side for compareEngines, as `kiln compare-plans` and the workbench's comparison
// window do: `runs` timed runs of each context on its inputs (`inputs[i]` for `contexts[i]`), in rounds of
// `roundRuns` alternating between the contexts, so that all see the machine in the same state. Warm-up is
// the caller's. `progress(done, total)` follows each run; returning false stops with StatusCode::Cancelled.
// On a failed run, `failed` (when given) is set to the index of the context that failed.
Result<std::vector<SideProfile>> profileSideBySide(const std::vector<ExecutionContext*>& contexts,
                                                   const std::vector<TensorMap>& inputs, int runs,
                                                   int roundRuns = 10,
                                                   const std::function<bool(int done, int total)>& progress = {},
                                                   size_t* failed = nullptr);

// The groups as CSV (a header, then one row per group) and the comparison as JSON.
std::string comparisonCsv(const EngineComparison& comparison);
std::string comparisonJson(const EngineComparison& comparison);

}  // namespace kiln

// Choosing each layer's tactic: every tactic the backend's providers offer for the layer (with the
// formats format assignment gave it) is run on dummy data, one warm-up run and then the configured
// number of timed runs, and the one with the lowest median wins. Every candidate's time, or why it
// was not timed, goes into the build report. A timing cache entry for the layer's signature replaces
// the timing when the tactic it chose can still be made; the builder always keeps one, so identical
// layers are timed once per build.
#pragma once

#include <chrono>
#include <limits>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "builder/timing_cache.h"
#include "kiln/build_report.h"
#include "kiln/builder.h"
#include "kiln/network.h"
#include "tactics/tactic.h"

namespace kiln::builder {

struct TacticChoice {
    std::string tacticId;
    std::vector<tactics::WeightBlob> weights;
    std::unique_ptr<tactics::Kernel> kernel;
    int64_t workspaceBytes = 0;
    std::vector<TacticCandidate> candidates;
    bool fromCache = false;      // the timings came from a cache entry, not from timing this layer
    bool fromThisBuild = false;  // that entry was timed earlier in this build, for an identical layer
    double timingMilliseconds = 0.0;  // spent timing this layer
    int64_t timingBatch = 0;          // the batch the candidates ran at, when not the layer's own

    // The median time of candidate `tactic`; negative when it was not timed.
    double timedMilliseconds(const std::string& tactic) const {
        for (const TacticCandidate& candidate : candidates) {
            if (candidate.tactic == tactic) return candidate.milliseconds;
        }
        return -1.0;
    }
};

// Where candidates are timed: the backend's providers, memory, queue and timer.
struct TimingDevice {
    const backends::Backend& backend;
    std::vector<const tactics::TacticProvider*> providers;
    backends::Stream& stream;
    // The memory of the timing runs (dummy inputs and outputs, workspace), kept from layer to layer and
    // replaced by a larger one where a layer needs more: fresh buffers for every layer were faulted in
    // page by page again, a fifth of a batch-64 build's time on the CPU.
    std::shared_ptr<backends::DeviceBuffer> dataBuffer;
    std::shared_ptr<backends::DeviceBuffer> workspaceBuffer;
};

// The key a layer's timings are cached under: its signature in the precision it runs in, with TF32.
std::string timingSignature(const Layer& layer, bool tf32);

// Whether some tactic can run `layer` as it is configured now within `workspaceLimit` bytes of scratch
// memory (no timing). An entry of `cache` for the layer's signature answers without asking the
// providers (for cuDNN, without heuristics queries).
bool hasTactic(const std::vector<const tactics::TacticProvider*>& providers, const Layer& layer,
               const TimingCache* cache = nullptr, bool tf32 = false,
               int64_t workspaceLimit = std::numeric_limits<int64_t>::max());

// Tactic `id` for `layer` made again by the provider that offers it (weights prepared, kernel made),
// without timing: nothing where it cannot be made here or needs more workspace than the limit.
std::optional<TacticChoice> recreateTactic(const TimingDevice& device, const Layer& layer,
                                           const BuilderConfig& config, const std::string& id);

// Milliseconds of the steady clock since `start`.
double millisecondsSince(std::chrono::steady_clock::time_point start);

// Times the candidates of `layer` (or takes the cache's choice) and returns the fastest, instantiated.
// Fails when no tactic can run the layer, naming the reasons.
Result<TacticChoice> chooseTactic(TimingDevice& device, const Layer& layer, const BuilderConfig& config,
                                  TimingCache* cache);

}  // namespace kiln::builder

// Close calls timed again in the network. A candidate is timed alone, run after run on the same data and
// weights, which stay in the core's caches between runs; in the network each layer finds its weights
// where the layers before it left them, and a tactic that prepares more of them (Winograd F(4x4, 3x3)
// keeps four times a 3x3 filter's weights) loses more there than it gained alone: ResNet-50's layer4
// 3x3 convolutions took 0.95 ms with F(4x4) and 0.75 ms with F(2x2) alone, 2.24 and 1.19 ms in the
// network, and isolated timing, with its machine-speed drift, chose F(4x4) in some builds.
//
// Where the network is short enough to run a few dozen times (batch 1 of most models), the candidates
// that came within kNetworkFactor of a layer's choice run in it: a variant of the network per rank of
// alternative (each layer's second-fastest candidate, then its third; layers with fewer keep their
// choice), run in turns with the network as chosen, every layer timed by the profiler. Each layer then
// takes the tactic with the lowest median in the network, and those tactics together are kept where the
// network with them runs faster end to end than with the choices alone. CPU only for now: it runs contexts of
// the engine being built on the machine's memory.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "builder/tactic_selection.h"
#include "builder/timing_cache.h"
#include "kiln/build_report.h"
#include "kiln/builder.h"
#include "kiln/network.h"
#include "kiln/runtime.h"

namespace kiln::detail {
struct CompiledKernels;
}

namespace kiln::builder {

struct NetworkTimingLimits {
    // The time the variants and the end-to-end check may run for: none run where the network's estimated
    // time (the chosen candidates' times, with the slowdown the network showed) times the runs would
    // exceed it; after leastRounds, no further round of the variants starts once two thirds of it are
    // spent, and no further pair of the check once it is spent.
    double budgetMilliseconds = 6000.0;
    int leastRounds = 5;
    int mostRounds = 15;
};

// The timed candidates of `layer` (its build record `record`) within kNetworkFactor of the chosen one's
// time, fastest first, at most two, made again by their providers; a candidate that cannot be made
// again within the workspace limit is left out.
std::vector<TacticChoice> networkAlternatives(const TimingDevice& device, const Layer& layer,
                                              const LayerRecord& record, const BuilderConfig& config);

// The variants of the network that timing it would run: one, plus the most alternatives any layer of
// `records` has (counted from its candidates' times, without making them).
int networkVariants(const std::vector<LayerRecord>& records);

// Whether the network whose layers have the chosen candidates of `records` would fit the budget of
// `limits` with `variants` versions of it; otherwise the reason it is not timed.
std::string networkTimingRefusal(const std::vector<LayerRecord>& records, int variants,
                                 const NetworkTimingLimits& limits);

// What timing in the network did, for the build report.
struct NetworkTimingResult {
    int layers = 0;    // layers with alternatives
    int changed = 0;   // of them, layers whose tactic changed
    int rounds = 0;    // runs of each variant (after a warm-up run)
    double milliseconds = 0.0;
    // The check of the layers' choices together: median end-to-end times of the network with them and
    // with the choices alone (0 where no layer chose otherwise), and whether they were kept.
    double mixedMilliseconds = 0.0;
    double aloneMilliseconds = 0.0;
    bool kept = false;
};

// Runs `network` (its memory planned in `memory`) with `kernels` as chosen and with the alternatives of
// each layer (`alternatives`, one list per network layer) in turns, on `threads` threads (0: every core),
// and finds each layer's tactic whose median time in the network is the lowest; then runs the network
// with those tactics together in turns with the choices alone, end to end, and keeps them only where
// they are faster (a layer's own time leaves out what it costs the layers after it). Each candidate's
// networkMilliseconds in `records` is set; where the new tactics are kept, `kernels`, `workspaces`
// (each layer's workspace bytes) and the records' tactic and chosen flags are updated. On an error (a network
// that cannot run on dummy inputs) the choices stay as they were and the status says why; a cancel returns
// cancelled().
Result<NetworkTimingResult> timeInNetwork(const backends::Backend& backend, const NetworkDefinition& network,
                                          const MemoryPlan& memory, int threads,
                                          const std::shared_ptr<detail::CompiledKernels>& kernels,
                                          std::vector<int64_t>& workspaces,
                                          std::vector<std::vector<TacticChoice>>& alternatives,
                                          std::vector<LayerRecord>& records,
                                          const NetworkTimingLimits& limits, IProgressMonitor* progress);

// The timing cache's key for the choice in the network of layer `layer` of `network`: a hash of every
// executed layer's timing signature in order (the same network, formats and precisions) and the layer's
// name.
std::string networkTimingKey(const NetworkDefinition& network, const Layer& layer, bool tf32);

// What the builder runs after memory planning: where a layer has close candidates, takes the choices in
// the network from `cache` when it has them for every such layer (a rebuild with a warm cache), else
// times them in the network (timeInNetwork) and stores them in `cache`; fills in the report's network
// fields. A network that cannot be run on dummy inputs keeps its choices and the report says why; only
// a cancel is an error.
Status chooseInNetwork(TimingDevice& device, const NetworkDefinition& network, const MemoryPlan& memory,
                       const BuilderConfig& config, const std::shared_ptr<detail::CompiledKernels>& kernels,
                       std::vector<int64_t>& workspaces, BuildReport& report, TimingCache& cache,
                       const NetworkTimingLimits& limits = {});

}  // namespace kiln::builder

#include "builder/network_timing.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <utility>

#include "kiln/profiling.h"
#include "runtime/compiled_kernels.h"

namespace kiln::builder {

namespace {

// Candidates up to this many times the chosen one's time alone run in the network: the network moved
// ResNet-50's layers by up to twice their time alone. oneDNN's Winograd F(4x4) on its 3x3 convolutions
// ran 0.6 ms alone against 0.95 ms for F(2x2) (1.6 times), and 1.9 against 1.1 ms in the network, where
// its four-times-larger weights come from memory; with 1.3 such a choice stayed whenever the machine's
// drift put F(2x2) past it. The runs do not grow with the factor (at most kMostAlternatives variants).
constexpr double kNetworkFactor = 1.7;
constexpr size_t kMostAlternatives = 2;
// A run of the network took 1.15 (ViT-B/16) to 1.3 times (ResNet-50) its layers' times alone, at
// batch 1: the estimate of a run's time that the budget is checked against.
constexpr double kNetworkSlowdown = 1.3;
constexpr uint32_t kInputSeed = 20261207u;
// A layer takes another candidate only where that ran at least this much faster in the network than its
// choice: the medians of close kernels there differ by a percent or two from one build to the next, and
// a mix of many such changes, noise all, makes the end-to-end check below a coin toss that can throw
// away a change that matters along with them (a SqueezeNet batch-8 build whose mix was rejected kept a
// classifier convolution 12 % slower than another build's choice).
constexpr double kNetworkMargin = 0.03;

// The timed candidates of `record` other than the chosen one within kNetworkFactor of it, fastest first.
std::vector<const TacticCandidate*> closeCandidates(const LayerRecord& record) {
    std::vector<const TacticCandidate*> close;
    const double chosen = record.chosenMilliseconds();
    if (chosen < 0.0) return close;
    for (const TacticCandidate& candidate : record.candidates) {
        if (!candidate.chosen && candidate.milliseconds >= 0.0 && candidate.milliseconds <= kNetworkFactor * chosen)
            close.push_back(&candidate);
    }
    std::stable_sort(close.begin(), close.end(), [](const TacticCandidate* a, const TacticCandidate* b) {
        return a->milliseconds < b->milliseconds;
    });
    return close;
}

// FNV-1a over every executed layer's timing signature, in network order.
std::string networkHash(const NetworkDefinition& network, bool tf32) {
    uint64_t hash = 14695981039346656037ull;
    for (const auto& layer : network.layers()) {
        if (layer->isElided()) continue;
        for (const char c : timingSignature(*layer, tf32) + "\n") {
            hash ^= uint8_t(c);
            hash *= 1099511628211ull;
        }
    }
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
    return text;
}

// The timing cache's key for layer `layer` of the network whose hash is `hash`.
std::string keyOf(const std::string& hash, const Layer& layer) {
    return "network " + hash + " " + layer.name();
}

// Layer `index` runs `tactic` from now on: its kernel, workspace, tactic and chosen flags. The kernels'
// workspace is set again afterwards (setWorkspace).
void adopt(size_t index, TacticChoice& tactic, detail::CompiledKernels& kernels,
           std::vector<int64_t>& workspaces, LayerRecord& record) {
    for (TacticCandidate& candidate : record.candidates)
        candidate.chosen = candidate.tactic == tactic.tacticId;
    record.tactic = tactic.tacticId;
    workspaces[index] = tactic.workspaceBytes;
    kernels.layers[index] = {tactic.tacticId, std::move(tactic.weights), std::move(tactic.kernel)};
}

void setWorkspace(detail::CompiledKernels& kernels, const std::vector<int64_t>& workspaces) {
    kernels.workspaceBytes = 0;
    for (int64_t bytes : workspaces) kernels.workspaceBytes = std::max(kernels.workspaceBytes, bytes);
}

}  // namespace

int networkVariants(const std::vector<LayerRecord>& records) {
    size_t most = 0;
    for (const LayerRecord& record : records) most = std::max(most, std::min(kMostAlternatives, closeCandidates(record).size()));
    return 1 + int(most);
}

std::vector<TacticChoice> networkAlternatives(const TimingDevice& device, const Layer& layer,
                                              const LayerRecord& record, const BuilderConfig& config) {
    std::vector<TacticChoice> alternatives;
    for (const TacticCandidate* candidate : closeCandidates(record)) {
        if (alternatives.size() == kMostAlternatives) break;
        if (auto alternative = recreateTactic(device, layer, config, candidate->tactic))
            alternatives.push_back(std::move(*alternative));
    }
    return alternatives;
}

std::string networkTimingRefusal(const std::vector<LayerRecord>& records, int variants,
                                 const NetworkTimingLimits& limits) {
    double run = 0.0;
    for (const LayerRecord& record : records)
        run += std::max(record.chosenMilliseconds(), 0.0);
    // Each variant's warm-up and least rounds, then the check's warm-up and least pairs.
    const int runs = variants * (1 + limits.leastRounds) + 1 + 2 * limits.leastRounds;
    const double estimate = run * kNetworkSlowdown * runs;
    if (estimate <= limits.budgetMilliseconds) return {};
    char text[200];
    std::snprintf(
        text, sizeof text,
        "a run of the network takes about %.0f ms: the %d runs of %d variants and their check would take "
        "more than %.0f s",
        run * kNetworkSlowdown, runs, variants, limits.budgetMilliseconds / 1000.0);
    return text;
}

Result<NetworkTimingResult> timeInNetwork(const backends::Backend& backend, const NetworkDefinition& network,
                                          const MemoryPlan& memory, int threads,
                                          const std::shared_ptr<detail::CompiledKernels>& kernels,
                                          std::vector<int64_t>& workspaces,
                                          std::vector<std::vector<TacticChoice>>& alternatives,
                                          std::vector<LayerRecord>& records,
                                          const NetworkTimingLimits& limits, IProgressMonitor* progress) {
    const auto start = std::chrono::steady_clock::now();
    NetworkTimingResult result;
    size_t variants = 1;
    for (const auto& layer : alternatives) {
        variants = std::max(variants, 1 + layer.size());
        if (!layer.empty()) ++result.layers;
    }
    if (variants == 1) return result;
    const auto& layers = network.layers();
    if (alternatives.size() != layers.size() || workspaces.size() != layers.size() ||
        records.size() != layers.size() || kernels->layers.size() != layers.size()) {
        return internalError("network timing: the layers, kernels, workspaces and records differ in number");
    }

    // One engine for every variant: its context's workspace is the largest any of them needs, and the
    // variants swap their kernels into it between runs.
    const int64_t chosenWorkspace = kernels->workspaceBytes;
    for (const auto& layer : alternatives) {
        for (const TacticChoice& alternative : layer) {
            kernels->workspaceBytes = std::max(kernels->workspaceBytes, alternative.workspaceBytes);
        }
    }
    BuildReport report;
    report.threads = threads;
    auto engine = std::make_shared<Engine>(network.clone(), memory, std::move(report), backend.name(), kernels);
    auto context = engine->createExecutionContext();
    kernels->workspaceBytes = chosenWorkspace;
    KILN_RETURN_IF_ERROR(context.status().withContext("network timing"));
    context.value()->setAdaptiveThreads(false);
    const TensorMap inputs = randomInputs(engine->bindings(), kInputSeed);

    auto swapVariant = [&](size_t variant) {
        if (variant == 0) return;
        for (size_t i = 0; i < layers.size(); ++i) {
            if (alternatives[i].size() >= variant) std::swap(kernels->layers[i].kernel, alternatives[i][variant - 1].kernel);
        }
    };
    std::vector<LayerTimeCollector> collectors(variants);
    auto runVariant = [&](size_t variant, IProfiler* profiler) -> Status {
        if (progress && progress->shouldCancel()) return cancelled("the build was cancelled");
        swapVariant(variant);
        context.value()->setProfiler(profiler);
        auto ran = context.value()->execute(inputs);
        swapVariant(variant);  // back to the choices
        return ran.status();
    };
    // A warm-up run of each (first use of the kernels made again), then rounds in turns, the order
    // rotated, while the budget lasts.
    const auto warmUpStart = std::chrono::steady_clock::now();
    for (size_t v = 0; v < variants; ++v) {
        KILN_RETURN_IF_ERROR(runVariant(v, nullptr).withContext("network timing"));
    }
    const double round = millisecondsSince(warmUpStart);
    // Two thirds of the budget for the variants, the rest for the check of the mixed choice below.
    for (int r = 0; r < limits.mostRounds; ++r) {
        if (r >= limits.leastRounds &&
            millisecondsSince(start) + round > limits.budgetMilliseconds * 2.0 / 3.0)
            break;
        for (size_t k = 0; k < variants; ++k) {
            const size_t v = (k + size_t(r)) % variants;
            KILN_RETURN_IF_ERROR(runVariant(v, &collectors[v]).withContext("network timing"));
        }
        ++result.rounds;
    }

    // Each layer's median in each variant, by name (the profiler reports names).
    auto medians = [&](size_t variant) {
        std::map<std::string, double> byName;
        for (const LayerTimeCollector::Layer& layer : collectors[variant].layers())
            byName[layer.name] = median(layer.milliseconds);
        return byName;
    };
    std::vector<std::map<std::string, double>> times;
    for (size_t v = 0; v < variants; ++v) times.push_back(medians(v));
    std::vector<size_t> best(layers.size(), 0);  // per layer, the variant fastest there
    for (size_t i = 0; i < layers.size(); ++i) {
        if (alternatives[i].empty()) continue;
        LayerRecord& record = records[i];
        const std::string& name = layers[i]->name();
        auto timeOf = [&](size_t variant) {
            auto it = times[variant].find(name);
            return it == times[variant].end() ? std::numeric_limits<double>::infinity() : it->second;
        };
        auto candidateOf = [&](const std::string& tactic) -> TacticCandidate* {
            for (TacticCandidate& candidate : record.candidates) {
                if (candidate.tactic == tactic) return &candidate;
            }
            return nullptr;
        };
        for (size_t v = 0; v <= alternatives[i].size(); ++v) {
            const std::string& tactic = v == 0 ? kernels->layers[i].tacticId : alternatives[i][v - 1].tacticId;
            if (TacticCandidate* candidate = candidateOf(tactic); candidate && std::isfinite(timeOf(v)))
                candidate->networkMilliseconds = timeOf(v);
            if (timeOf(v) < timeOf(best[i])) best[i] = v;
        }
        if (timeOf(best[i]) > (1.0 - kNetworkMargin) * timeOf(0)) best[i] = 0;
    }

    // A layer's time in the network leaves out what its kernel costs the layers after it (a larger
    // workspace or weights evicting theirs): the layers' choices together run again in turns with the
    // choices alone, end to end, and are kept only where they are faster.
    auto swapMixed = [&] {
        for (size_t i = 0; i < layers.size(); ++i) {
            if (best[i] > 0) std::swap(kernels->layers[i].kernel, alternatives[i][best[i] - 1].kernel);
        }
    };
    const bool anyChange = std::any_of(best.begin(), best.end(), [](size_t v) { return v > 0; });
    if (anyChange) {
        std::vector<double> mixed, alone;
        auto runTimed = [&](bool mixedChoice) -> Status {
            if (progress && progress->shouldCancel()) return cancelled("the build was cancelled");
            if (mixedChoice) swapMixed();
            context.value()->setProfiler(nullptr);
            const auto began = std::chrono::steady_clock::now();
            auto ran = context.value()->execute(inputs);
            const double milliseconds = millisecondsSince(began);
            if (mixedChoice) swapMixed();
            (mixedChoice ? mixed : alone).push_back(milliseconds);
            return ran.status();
        };
        KILN_RETURN_IF_ERROR(runTimed(true).withContext("network timing"));  // a warm-up of the mix
        mixed.clear();
        const double pair = 2.0 * round / double(variants);
        for (int r = 0; r < limits.mostRounds; ++r) {
            if (r >= limits.leastRounds && millisecondsSince(start) + pair > limits.budgetMilliseconds) break;
            KILN_RETURN_IF_ERROR(runTimed(r % 2 == 0).withContext("network timing"));
            KILN_RETURN_IF_ERROR(runTimed(r % 2 != 0).withContext("network timing"));
        }
        result.mixedMilliseconds = median(mixed);
        result.aloneMilliseconds = median(alone);
    }
    result.kept = anyChange && result.mixedMilliseconds < result.aloneMilliseconds;
    for (size_t i = 0; i < layers.size() && result.kept; ++i) {
        if (best[i] == 0) continue;
        adopt(i, alternatives[i][best[i] - 1], *kernels, workspaces, records[i]);
        ++result.changed;
    }
    setWorkspace(*kernels, workspaces);
    alternatives.clear();
    result.milliseconds = millisecondsSince(start);
    return result;
}

std::string networkTimingKey(const NetworkDefinition& network, const Layer& layer, bool tf32) {
    return keyOf(networkHash(network, tf32), layer);
}

Status chooseInNetwork(TimingDevice& device, const NetworkDefinition& network, const MemoryPlan& memory,
                       const BuilderConfig& config, const std::shared_ptr<detail::CompiledKernels>& kernels,
                       std::vector<int64_t>& workspaces, BuildReport& report, TimingCache& cache,
                       const NetworkTimingLimits& limits) {
    const auto& layers = network.layers();
    std::vector<LayerRecord>& records = report.layersAfter;
    const std::string hash = networkHash(network, config.tf32);
    const auto keyAt = [&](size_t i) { return keyOf(hash, *layers[i]); };
    std::vector<size_t> close;  // the layers with close candidates
    for (size_t i = 0; i < layers.size() && i < records.size(); ++i) {
        if (!layers[i]->isElided() && !closeCandidates(records[i]).empty()) close.push_back(i);
    }
    if (close.empty()) return Status::ok();

    // A warm cache: every such layer's choice in the network, made again where it is not the choice alone.
    const bool cached =
        std::all_of(close.begin(), close.end(), [&](size_t i) { return cache.find(keyAt(i)) != nullptr; });
    if (cached) {
        std::map<size_t, TacticChoice> made;
        bool complete = true;
        for (size_t i : close) {
            const std::string& chosen = cache.find(keyAt(i))->chosen;
            if (chosen == kernels->layers[i].tacticId) continue;
            auto alternative = recreateTactic(device, *layers[i], config, chosen);
            if (!alternative) {
                complete = false;  // timed again below
                break;
            }
            made.emplace(i, std::move(*alternative));
        }
        if (complete) {
            for (size_t i : close) {
                const TimingCache::Entry& entry = *cache.find(keyAt(i));
                records[i].candidates = entry.candidates;
                for (TacticCandidate& candidate : records[i].candidates) candidate.chosen = candidate.tactic == entry.chosen;
                records[i].tactic = entry.chosen;
            }
            for (auto& [i, alternative] : made)
                adopt(i, alternative, *kernels, workspaces, records[i]);
            setWorkspace(*kernels, workspaces);
            report.networkTimedLayers = int(close.size());
            report.networkChangedLayers = int(made.size());
            report.networkTimingFromCache = true;
            return Status::ok();
        }
    }

    std::vector<std::vector<TacticChoice>> alternatives(layers.size());
    for (size_t i : close) {
        if (config.progress && config.progress->shouldCancel()) return cancelled("the build was cancelled");
        alternatives[i] = networkAlternatives(device, *layers[i], records[i], config);
    }
    auto timed = timeInNetwork(device.backend, network, memory, config.threads, kernels, workspaces, alternatives,
                               records, limits, config.progress);
    if (!timed) {
        if (timed.status().code() == StatusCode::Cancelled) return timed.status();
        report.networkTimingSkipped = timed.status().message();
        return Status::ok();
    }
    report.networkTimedLayers = timed->layers;
    report.networkChangedLayers = timed->changed;
    report.networkTimingRounds = timed->rounds;
    report.networkTimingMilliseconds = timed->milliseconds;
    report.networkMixedMilliseconds = timed->mixedMilliseconds;
    report.networkAloneMilliseconds = timed->aloneMilliseconds;
    for (size_t i : close) {
        const bool timedThere = std::any_of(records[i].candidates.begin(), records[i].candidates.end(),
                                            [](const TacticCandidate& c) { return c.networkMilliseconds >= 0.0; });
        if (timedThere) cache.store(keyAt(i), {records[i].tactic, records[i].candidates});
    }
    return Status::ok();
}

}  // namespace kiln::builder

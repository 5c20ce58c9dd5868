// `kiln profile`: runs a plan, or a model built in memory, with a profiler that hears the time of every
// executed layer, and reports where the time goes (layers sorted by time, with their share, precision
// and tactic) and the end-to-end latency distribution. --exportProfile writes the per-layer times in
// the layout of trtexec's --exportProfile, so tools that read that file can read this one.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "commands.h"
#include "engine_loading.h"
#include "file_output.h"
#include "kiln/json_writer.h"
#include "text_table.h"

namespace kiln::cli {

namespace {

// Collects each layer's time in every profiled run, layers kept in the order they first executed.
class AccumulatingProfiler : public IProfiler {
public:
    struct LayerTimes {
        std::string name;
        std::vector<double> milliseconds;  // one per run
    };

    void reportLayerTime(const std::string& layerName, float milliseconds) override {
        const auto [it, inserted] = m_index.emplace(layerName, m_layers.size());
        if (inserted) m_layers.push_back({layerName, {}});
        m_layers[it->second].milliseconds.push_back(milliseconds);
    }

    const std::vector<LayerTimes>& layers() const { return m_layers; }

private:
    std::map<std::string, size_t> m_index;
    std::vector<LayerTimes> m_layers;
};

double median(std::vector<double> values) {
    if (values.empty()) return 0.0;
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

// Nearest-rank percentile of sorted values: the smallest value with at least `percent`% of the values
// at or below it.
double percentile(const std::vector<double>& sorted, double percent) {
    const size_t rank = size_t(std::ceil(percent / 100.0 * double(sorted.size())));
    return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

struct LayerSummary {
    std::string name;
    double totalMs = 0.0;
    double averageMs = 0.0;
    double medianMs = 0.0;
    double percentage = 0.0;
};

std::vector<LayerSummary> summarizeLayers(const AccumulatingProfiler& profiler, int iterations) {
    std::vector<LayerSummary> layers;
    double total = 0.0;
    for (const auto& layer : profiler.layers()) {
        LayerSummary summary;
        summary.name = layer.name;
        for (double ms : layer.milliseconds)
            summary.totalMs += ms;
        summary.averageMs = summary.totalMs / iterations;
        summary.medianMs = median(layer.milliseconds);
        total += summary.totalMs;
        layers.push_back(summary);
    }
    for (LayerSummary& layer : layers)
        layer.percentage = total > 0.0 ? layer.totalMs / total * 100.0 : 0.0;
    return layers;
}

std::string profileJson(const std::vector<LayerSummary>& layers, int iterations) {
    std::ostringstream text;
    JsonWriter json(text);
    json.beginArray();
    json.beginObject();
    json.key("count");
    json.value(iterations);
    json.endObject();
    for (const LayerSummary& layer : layers) {
        json.beginObject();
        json.key("name");
        json.value(layer.name);
        json.key("timeMs");
        json.value(layer.totalMs);
        json.key("averageMs");
        json.value(layer.averageMs);
        json.key("medianMs");
        json.value(layer.medianMs);
        json.key("percentage");
        json.value(layer.percentage);
        json.endObject();
    }
    json.endArray();
    text << '\n';
    return text.str();
}

std::string formatPercent(double percent) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(1) << percent << '%';
    return out.str();
}

void printLayerTable(const Engine& engine, std::vector<LayerSummary> layers) {
    std::map<std::string, const LayerRecord*> records;
    for (const LayerRecord& record : engine.report().layersAfter)
        records[record.name] = &record;
    std::map<std::string, std::string> kinds;
    for (const auto& layer : engine.network().layers())
        kinds[layer->name()] = toString(layer->kind());

    std::stable_sort(layers.begin(), layers.end(),
                     [](const LayerSummary& a, const LayerSummary& b) { return a.totalMs > b.totalMs; });
    TextTable table({"Layer", "Type", "Average", "%", "Precision", "Tactic"});
    double average = 0.0;
    for (const LayerSummary& layer : layers) {
        const auto record = records.find(layer.name);
        const bool known = record != records.end();
        table.addRow({layer.name, kinds.count(layer.name) != 0 ? kinds.at(layer.name) : std::string("-"),
                      formatMs(layer.averageMs), formatPercent(layer.percentage),
                      known ? record->second->precision : std::string("-"),
                      known && !record->second->tactic.empty() ? record->second->tactic : std::string("-")});
        average += layer.averageMs;
    }
    std::cout << "Layers (" << layers.size() << " executed, slowest first):\n";
    table.print(std::cout);
    std::cout << "  Sum of layer averages: " << formatMs(average) << "\n";
}

void printLatency(std::vector<double> times) {
    std::sort(times.begin(), times.end());
    double sum = 0.0;
    for (double t : times)
        sum += t;
    std::cout << "Latency: min " << formatMs(times.front()) << ", median " << formatMs(median(times))
              << ", mean " << formatMs(sum / double(times.size())) << ", max " << formatMs(times.back())
              << ", p90 " << formatMs(percentile(times, 90.0)) << ", p99 "
              << formatMs(percentile(times, 99.0)) << '\n';
}

// Every timed run: its latency (host copies included) and its compute time (device-resident inputs;
// the latency again where there is no device).
std::string timesJson(const std::vector<double>& latencies, const std::vector<double>& computeTimes) {
    std::ostringstream out;
    JsonWriter json(out);
    json.beginArray();
    for (size_t i = 0; i < latencies.size(); ++i) {
        json.beginObject();
        json.key("latencyMs");
        json.value(latencies[i]);
        json.key("computeMs");
        json.value(i < computeTimes.size() ? computeTimes[i] : latencies[i]);
        json.endObject();
    }
    json.endArray();
    out << '\n';
    return out.str();
}

}  // namespace

int profileCommand(const std::vector<std::string>& args) {
    Result<Parsed<ProfileOptions>> parsed = parseProfileArguments(args);
    if (!parsed) return fail(kExitUsage, parsed.status().message());
    if (parsed->helpRequested) {
        std::cout << profileHelp();
        return kExitSuccess;
    }
    const ProfileOptions& options = parsed->options;
    if (options.profilePath) {
        if (Status status = checkDestination("--exportProfile", *options.profilePath); !status) {
            return fail(kExitFailure, status.message());
        }
    }
    if (options.layerInfoPath) {
        if (Status status = checkDestination("--exportLayerInfo", *options.layerInfoPath); !status) {
            return fail(kExitFailure, status.message());
        }
    }
    if (options.timesPath) {
        if (Status status = checkDestination("--exportTimes", *options.timesPath); !status) {
            return fail(kExitFailure, status.message());
        }
    }
    {
        std::vector<NamedPath> paths = {{isPlanFile(options.modelPath) ? "the plan" : "the model", options.modelPath, false}};
        for (const InputFile& input : options.inputs) paths.push_back({"--input " + input.name, input.path, false});
        if (options.profilePath) paths.push_back({"--exportProfile", *options.profilePath, true});
        if (options.layerInfoPath) paths.push_back({"--exportLayerInfo", *options.layerInfoPath, true});
        if (options.timesPath) paths.push_back({"--exportTimes", *options.timesPath, true});
        for (NamedPath& cache : builderCachePaths(options.builder)) {
            // A cache is written back: it must be a place a file can go, like any output.
            if (Status status = checkDestination(cache.flag, cache.path); !status) return fail(kExitFailure, status.message());
            paths.push_back(std::move(cache));
        }
        if (Status status = checkDistinctPaths(paths); !status) return fail(kExitUsage, status.message());
    }

    EngineRequest request;
    request.path = options.modelPath;
    request.shapes = options.shapes;
    request.inputFiles = options.inputs;
    request.enableFusion = !options.noFusion;
    request.builder = options.builder;
    PreparedEngine prepared;
    if (int code = prepareEngine(request, prepared); code != kExitSuccess) return code;
    Result<std::unique_ptr<ExecutionContext>> context = createContext(prepared);
    if (!context) return fail(kExitFailure, context.status().message());

    (*context)->setGraphReplay(options.cudaGraph);
    for (int i = 0; i < options.warmUp; ++i) {
        Result<TensorMap> outputs = (*context)->execute(prepared.inputs);
        if (!outputs) return fail(kExitFailure, outputs.status().message());
    }
    AccumulatingProfiler profiler;
    (*context)->setProfiler(&profiler);
    std::vector<double> times;
    for (int i = 0; i < options.iterations; ++i) {
        const auto start = std::chrono::steady_clock::now();
        Result<TensorMap> outputs = (*context)->execute(prepared.inputs);
        const auto stop = std::chrono::steady_clock::now();
        if (!outputs) return fail(kExitFailure, outputs.status().message());
        times.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
    }
    (*context)->setProfiler(nullptr);

    // On a device the end-to-end figure is the compute time of runs on inputs already in device memory
    // (where execute() left them), as trtexec's GPU compute time: copies between host and device are
    // the application's to overlap.
    std::vector<double> computeTimes;
    if (prepared.engine->usesDeviceMemory()) {
        for (int i = 0; i < options.warmUp + options.iterations; ++i) {
            const auto start = std::chrono::steady_clock::now();
            Status ran = (*context)->enqueueV3(nullptr);
            if (ran.isOk()) ran = (*context)->synchronize();
            const auto stop = std::chrono::steady_clock::now();
            if (!ran.isOk()) return fail(kExitFailure, ran.message());
            if (i >= options.warmUp) computeTimes.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
        }
    }

    const std::vector<LayerSummary> layers = summarizeLayers(profiler, options.iterations);
    // The exports are written together: all of them, or none.
    std::vector<std::pair<std::string, std::string>> files;
    if (options.profilePath) files.emplace_back(*options.profilePath, profileJson(layers, options.iterations));
    if (options.timesPath) files.emplace_back(*options.timesPath, timesJson(times, computeTimes));
    if (options.layerInfoPath) files.emplace_back(*options.layerInfoPath, prepared.engine->layerInformationJson());
    if (Status status = writeFilesTogether(files); !status) return fail(kExitFailure, status.message());

    std::cout << (prepared.fromPlan ? "Plan: " : "Model: ") << options.modelPath;
    if (!prepared.fromPlan)
        std::cout << (options.noFusion ? " (built without fusion)" : " (built with fusion)");
    std::cout << "\n\n";
    prepared.inputTable.print(std::cout);
    std::cout << '\n';
    printLayerTable(*prepared.engine, layers);
    std::cout << '\n';
    printLatency(times);
    std::cout << "(" << options.iterations << " profiled " << (options.iterations == 1 ? "run" : "runs")
              << " after " << options.warmUp << " warm-up)\n";
    if (!computeTimes.empty()) {
        std::cout << "\nDevice: " << prepared.engine->deviceDescription() << "\nGPU compute ";
        printLatency(computeTimes);
        const std::string& reason = (*context)->graphFallbackReason();
        std::cout << "(" << options.iterations << " runs on device-resident inputs, "
                  << ((*context)->lastRunReplayed() ? std::string("replayed as a CUDA graph")
                      : !options.cudaGraph ? std::string("CUDA graphs off")
                                           : "not replayed: " + reason)
                  << ")\n";
    }
    if (options.profilePath) std::cout << "Profile: " << *options.profilePath << '\n';
    if (options.layerInfoPath) std::cout << "Layer information: " << *options.layerInfoPath << '\n';
    if (options.timesPath) std::cout << "Times: " << *options.timesPath << '\n';
    std::cout.flush();
    if (!std::cout) return fail(kExitFailure, "could not write to standard output");
    return kExitSuccess;
}

}  // namespace kiln::cli

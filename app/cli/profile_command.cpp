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

#include "build_progress.h"
#include "commands.h"
#include "engine_loading.h"
#include "file_output.h"
#include "kiln/profiling.h"
#include "text_table.h"
#include "timed_runs.h"

namespace kiln::cli {

namespace {

std::string formatPercent(double percent) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(1) << percent << '%';
    return out.str();
}

void printLayerTable(const Engine& engine, std::vector<LayerTimeSummary> layers) {
    std::map<std::string, const LayerRecord*> records;
    for (const LayerRecord& record : engine.report().layersAfter)
        records[record.name] = &record;
    std::map<std::string, std::string> kinds;
    for (const auto& layer : engine.network().layers())
        kinds[layer->name()] = toString(layer->kind());

    std::stable_sort(layers.begin(), layers.end(),
                     [](const LayerTimeSummary& a, const LayerTimeSummary& b) { return a.totalMs > b.totalMs; });
    TextTable table({"Layer", "Type", "Average", "%", "Precision", "Tactic"});
    double average = 0.0;
    for (const LayerTimeSummary& layer : layers) {
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
    request.weights = options.weightsPath.value_or("");
    request.shapes = options.shapes;
    request.inputFiles = options.inputs;
    request.enableFusion = !options.noFusion;
    request.builder = options.builder;
    PreparedEngine prepared;
    if (int code = prepareEngine(request, prepared); code != kExitSuccess) return code;
    Result<std::unique_ptr<ExecutionContext>> context = createContext(prepared);
    if (!context) return fail(kExitFailure, context.status().message());

    (*context)->setGraphReplay(options.cudaGraph);
    (*context)->setAdaptiveThreads(options.adaptiveThreads);
    const RunSchedule schedule{options.iterations, options.durationS};
    LayerTimeCollector collector;
    const bool device = prepared.engine->usesDeviceMemory();
    // Runs on device-resident inputs whose outputs stay on the device, as trtexec's GPU compute time:
    // execute() leaves the inputs in the engine's device memory for them.
    auto onDevice = [&]() -> Status {
        KILN_RETURN_IF_ERROR((*context)->enqueueV3(nullptr));
        return (*context)->synchronize();
    };
    const bool withoutTransfers = options.noDataTransfers && device;
    if (options.noDataTransfers && !device && !options.builder.quiet) {
        std::cerr << "kiln: warning: --noDataTransfers has no effect on the " << prepared.engine->backend()
                  << " backend: its runs read and write host memory, with no transfers to leave out\n";
    }
    if (withoutTransfers) {
        if (Status placed = (*context)->execute(prepared.inputs).status(); !placed) return fail(kExitFailure, placed.message());
    }
    ThreadTally threads;
    auto once = [&]() -> Status {
        Status ran = withoutTransfers ? onDevice() : (*context)->execute(prepared.inputs).status();
        threads.add((*context)->lastRunThreads());
        return ran;
    };
    if (Status warmed = warmUp(options.warmUpMs, once); !warmed) return fail(kExitFailure, warmed.message());
    // Without --separateProfileRun the timed runs are the profiled ones, as trtexec's --dumpProfile.
    if (!options.separateProfileRun) (*context)->setProfiler(&collector);
    Result<std::vector<RunTimes>> runs = invalidArgument("not run");
    {
        // "run k of n, about s left" on a terminal while the runs go (nothing in a log or with --quiet).
        BuildProgress progress("kiln: profiling '" + options.modelPath + "'", options.builder.quiet
                                                                            ? BuildProgress::Show::Nothing
                                                                            : BuildProgress::Show::OnTerminal);
        progress.phaseStarted("timed runs", 0, 1);
        threads.counting = true;
        runs = timeRuns(schedule, once, [&progress](int index, int expected) { progress.itemStarted(index, expected, "run"); });
        threads.counting = false;
    }
    if (!runs) return fail(kExitFailure, runs.status().message());
    if (options.separateProfileRun) {
        (*context)->setProfiler(&collector);
        for (size_t i = 0; i < runs->size(); ++i) {
            if (Status ran = once(); !ran) return fail(kExitFailure, ran.message());
        }
    }
    (*context)->setProfiler(nullptr);
    const int profiledRuns = int(runs->size());

    // On a device the end-to-end figure is the compute time of runs on inputs already in device memory
    // (where execute() left them), as trtexec's GPU compute time: copies between host and device are
    // the application's to overlap.
    if (device && !withoutTransfers) {
        if (Status warmed = warmUp(options.warmUpMs, onDevice); !warmed) return fail(kExitFailure, warmed.message());
        Result<std::vector<RunTimes>> computeRuns = timeRuns({int(runs->size()), 0.0}, onDevice);
        if (!computeRuns) return fail(kExitFailure, computeRuns.status().message());
        for (size_t i = 0; i < runs->size(); ++i) {
            // Placed inside the host run's span, ending with it: the part of the run that computes.
            RunTimes& run = (*runs)[i];
            run.computeStartMs = run.endMs - std::min((*computeRuns)[i].latencyMs(), run.latencyMs());
        }
    }

    const std::vector<LayerTimeSummary> layers = summarizeLayerTimes(collector, profiledRuns);
    // The exports are written together: all of them, or none.
    std::vector<std::pair<std::string, std::string>> files;
    if (options.profilePath) files.emplace_back(*options.profilePath, profileJson(layers, profiledRuns));
    if (options.timesPath) files.emplace_back(*options.timesPath, timesJson(*runs));
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
    const std::vector<double> times = latencies(*runs);
    printLatency(std::cout, withoutTransfers ? "Latency (no data transfers)" : "Latency", times, options.percentiles,
                 options.avgRuns);
    std::cout << "(" << runs->size() << " timed " << (runs->size() == 1 ? "run" : "runs") << " after "
              << options.warmUpMs << " ms of warm-up"
              << (options.separateProfileRun ? ", without the profiler; then as many profiled runs)\n"
                                             : ", profiled)\n");
    if (device) {
        std::vector<double> computeTimes;
        for (const RunTimes& run : *runs) computeTimes.push_back(run.computeMs());
        std::cout << "\nDevice: " << prepared.engine->deviceDescription() << '\n';
        printLatency(std::cout, "GPU compute", computeTimes, options.percentiles, options.avgRuns);
        const std::string& reason = (*context)->graphFallbackReason();
        std::cout << "(" << computeTimes.size() << " runs on device-resident inputs, "
                  << ((*context)->lastRunReplayed() ? std::string("replayed as a CUDA graph")
                      : !options.cudaGraph ? std::string("CUDA graphs off")
                                           : "not replayed: " + reason)
                  << ")\n";
    }
    printThroughput(std::cout, *runs, batchOf(prepared));
    printThreads(std::cout, threads);
    if (options.profilePath) std::cout << "Profile: " << *options.profilePath << '\n';
    if (options.layerInfoPath) std::cout << "Layer information: " << *options.layerInfoPath << '\n';
    if (options.timesPath) std::cout << "Times: " << *options.timesPath << '\n';
    std::cout.flush();
    if (!std::cout) return fail(kExitFailure, "could not write to standard output");
    return kExitSuccess;
}

}  // namespace kiln::cli

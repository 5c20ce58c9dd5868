// `kiln compare`: the model built in several precisions, every tensor both engines compute compared,
// latencies side by side, and on request the bisection that names the layers to keep in FP32.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>

#include "commands.h"
#include "build_progress.h"
#include "calibration_loading.h"
#include "engine_loading.h"
#include "file_output.h"
#include "kiln/json_writer.h"
#include "kiln/precision.h"
#include "kiln/profiling.h"
#include "model_loading.h"
#include "timed_runs.h"

namespace kiln::cli {

namespace {

// Each layer's average time per run, from the profiled runs.
class LayerAverages {
public:
    void collect(const LayerTimeCollector& collector, int runs) {
        for (const LayerTimeSummary& layer : summarizeLayerTimes(collector, runs)) m_average[layer.name] = layer.averageMs;
    }
    double average(const std::string& layer) const {
        auto it = m_average.find(layer);
        return it == m_average.end() ? 0.0 : it->second;
    }

private:
    std::map<std::string, double> m_average;
};

struct PrecisionRun {
    DataType precision = DataType::Float32;
    std::shared_ptr<Engine> engine;
    TensorRecording recording;
    std::vector<TensorError> errors;  // against the reference; empty for the reference
    double medianMs = 0.0;
    LayerAverages layerTimes;
};

std::string precisionName(DataType precision) {
    switch (precision) {
        case DataType::Float16: return "fp16";
        case DataType::BFloat16: return "bf16";
        case DataType::Int8: return "int8";
        default: return "fp32";
    }
}

std::string number(double value, const char* format = "%.3g") {
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    if (std::isnan(value)) return "nan";
    char text[32];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

// The median time of `iterations` runs after `warmUpMs` of warm-up, and every layer's average time in
// profiled runs.
Status timePrecision(PrecisionRun& run, const TensorMap& inputs, int iterations, int warmUpMs) {
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<ExecutionContext> context, run.engine->createExecutionContext());
    const bool device = run.engine->usesDeviceMemory();
    auto once = [&]() -> Status {
        if (!device) return context->execute(inputs).status();
        KILN_RETURN_IF_ERROR(context->enqueueV3(nullptr));
        return context->synchronize();
    };
    KILN_RETURN_IF_ERROR(context->execute(inputs).status());  // device runs read what this leaves
    KILN_RETURN_IF_ERROR(warmUp(warmUpMs, once));
    KILN_ASSIGN_OR_RETURN(const std::vector<RunTimes> runs, timeRuns(RunSchedule{iterations, 0.0}, once));
    run.medianMs = median(latencies(runs));
    LayerTimeCollector collector;
    context->setProfiler(&collector);
    for (int i = 0; i < iterations; ++i) KILN_RETURN_IF_ERROR(context->execute(inputs).status());
    context->setProfiler(nullptr);
    run.layerTimes.collect(collector, iterations);
    return Status::ok();
}

double relative(const TensorError& error) {
    return error.nonFinite ? INFINITY : error.maxAbsoluteError / std::max(error.referenceMaxAbs, 1e-300);
}

void printComparison(const PrecisionRun& reference, const PrecisionRun& run, bool allTensors) {
    std::cout << "\n" << precisionName(run.precision) << " against " << precisionName(reference.precision);
    const BuildReport& report = run.engine->report();
    if (const int simulated = report.simulatedLayerCount(); simulated > 0) {
        std::cout << " (" << simulated << " of " << report.executedLayerCount() << " layers simulated)";
    }
    std::cout << ": " << run.errors.size() << " tensors compared\n";
    std::vector<const TensorError*> shown;
    std::vector<const TensorError*> layers;
    for (const TensorError& error : run.errors) (error.isNetworkOutput ? shown : layers).push_back(&error);
    if (!allTensors) {
        std::stable_sort(layers.begin(), layers.end(),
                         [](const TensorError* a, const TensorError* b) { return relative(*a) > relative(*b); });
        if (layers.size() > 10) layers.resize(10);
    }
    shown.insert(shown.end(), layers.begin(), layers.end());
    TextTable table({"Tensor", "Layer", "ms", "Max abs err", "Mean rel err", "Cosine", "SNR dB"});
    for (const TensorError* error : shown) {
        table.addRow({error->tensor + (error->isNetworkOutput ? " (output)" : ""),
                      error->layer,
                      formatMs(run.layerTimes.average(error->layer)), number(error->maxAbsoluteError),
                      number(error->meanRelativeError), number(error->cosineSimilarity, "%.6f"),
                      number(error->snrDb, "%.1f")});
    }
    table.print(std::cout);
}

void writeErrorJson(JsonWriter& json, const TensorError& error) {
    json.beginObject();
    json.key("tensor");
    json.value(error.tensor);
    json.key("layer");
    json.value(error.layer);
    json.key("nodes");
    json.stringArray(error.nodes);
    json.key("output");
    json.value(error.isNetworkOutput);
    json.key("maxAbsoluteError");
    json.value(std::isfinite(error.maxAbsoluteError) ? error.maxAbsoluteError : -1.0);
    json.key("meanRelativeError");
    json.value(error.meanRelativeError);
    json.key("cosineSimilarity");
    json.value(error.cosineSimilarity);
    json.key("snrDb");
    json.value(std::isfinite(error.snrDb) ? error.snrDb : (error.snrDb > 0 ? 999.0 : -999.0));
    json.key("nonFinite");
    json.value(error.nonFinite);
    json.endObject();
}

std::string compareJson(const std::vector<PrecisionRun>& runs, const BisectionResult* bisection,
                        double tolerance) {
    std::ostringstream out;
    JsonWriter json(out);
    json.beginObject();
    json.key("reference");
    json.value(precisionName(runs.front().precision));
    json.key("precisions");
    json.beginArray();
    for (const PrecisionRun& run : runs) {
        json.beginObject();
        json.key("precision");
        json.value(precisionName(run.precision));
        json.key("medianMs");
        json.value(run.medianMs);
        json.key("speedup");
        json.value(runs.front().medianMs / std::max(run.medianMs, 1e-9));
        json.key("layers");
        json.beginArray();
        for (const auto& layer : run.engine->network().layers()) {
            if (layer->isElided()) continue;
            json.beginObject();
            json.key("name");
            json.value(layer->name());
            json.key("averageMs");
            json.value(run.layerTimes.average(layer->name()));
            json.endObject();
        }
        json.endArray();
        json.key("tensors");
        json.beginArray();
        for (const TensorError& error : run.errors) writeErrorJson(json, error);
        json.endArray();
        json.endObject();
    }
    json.endArray();
    if (bisection) {
        json.key("bisection");
        json.beginObject();
        json.key("tolerance");
        json.value(tolerance);
        json.key("found");
        json.value(bisection->found);
        json.key("keepInFp32");
        json.stringArray(bisection->keptNodes);
        json.key("layerPrecisions");
        json.value(bisection->layerPrecisionsArgument());
        json.key("steps");
        json.beginArray();
        for (const BisectionStep& step : bisection->steps) {
            json.beginObject();
            json.key("keptNodes");
            json.stringArray(step.keptNodes);
            json.key("meets");
            json.value(step.meets);
            json.key("worstOutputError");
            json.value(std::isfinite(step.worstOutputError) ? step.worstOutputError : -1.0);
            json.endObject();
        }
        json.endArray();
        json.endObject();
    }
    json.endObject();
    out << '\n';
    return out.str();
}

}  // namespace

int compareCommand(const std::vector<std::string>& args) {
    Result<Parsed<CompareOptions>> parsed = parseCompareArguments(args);
    if (!parsed) return fail(kExitUsage, parsed.status().message());
    if (parsed->helpRequested) {
        std::cout << compareHelp();
        return kExitSuccess;
    }
    const CompareOptions& options = parsed->options;
    if (isPlanFile(options.modelPath)) {
        return fail(kExitUsage, "kiln compare builds the model in every precision: give the ONNX model, not a plan");
    }
    if (options.jsonPath && *options.jsonPath != "-") {
        if (Status status = checkDestination("--json", *options.jsonPath); !status) return fail(kExitFailure, status.message());
        std::vector<NamedPath> paths = {{"the model", options.modelPath, false}, {"--json", *options.jsonPath, true}};
        for (const InputFile& input : options.inputs) paths.push_back({"--input " + input.name, input.path, false});
        if (Status status = checkDistinctPaths(paths); !status) return fail(kExitUsage, status.message());
    }
    if (options.bisect && options.precisions.size() != 2) {
        return fail(kExitUsage, "--bisect compares one reduced precision with the reference: give two --precisions");
    }

    // The reference engine settles the shapes and the inputs; every other precision uses the same.
    EngineRequest request;
    request.path = options.modelPath;
    request.shapes = options.shapes;
    request.inputFiles = options.inputs;
    request.enableFusion = !options.noFusion;
    request.builder = options.builder;
    request.builder.fp16 = options.precisions.front() == DataType::Float16;
    request.builder.bf16 = options.precisions.front() == DataType::BFloat16;
    request.builder.int8 = options.precisions.front() == DataType::Int8;
    request.builder.layerPrecisions.clear();
    PreparedEngine prepared;
    if (int code = prepareEngine(request, prepared); code != kExitSuccess) return code;
    ShapeMap shapes;
    for (const Binding& binding : prepared.engine->bindings()) {
        if (binding.isInput) shapes[binding.name] = binding.dims;
    }
    Result<NetworkDefinition> network = importModel(options.modelPath, "", shapes);
    if (!network) return fail(kExitFailure, network.status().message());

    std::vector<PrecisionRun> runs;
    std::map<std::string, float> int8Ranges;
    for (size_t i = 0; i < options.precisions.size(); ++i) {
        PrecisionRun run;
        run.precision = options.precisions[i];
        if (i == 0) {
            run.engine = prepared.engine;
        } else {
            BuilderOptions builder = options.builder;
            builder.fp16 = run.precision == DataType::Float16;
            builder.bf16 = run.precision == DataType::BFloat16;
            builder.int8 = run.precision == DataType::Int8;
            BuilderConfig config = builderConfig(!options.noFusion, builder);
            if (needsCalibration(builder)) {
                CalibrationTable table;
                if (int code = obtainCalibration(options.modelPath, "", shapes, builder, table); code != kExitSuccess) return code;
                config.dynamicRanges = dynamicRanges(table);
                int8Ranges = config.dynamicRanges;
            }
            auto engine = buildWithProgress("kiln: building the " + precisionName(run.precision) + " engine", builder,
                                            config, [&] { return Builder::build(*network, config); });
            if (!engine && engine.status().code() == StatusCode::Cancelled) return cancelledBuildExit();
            if (!engine) {
                return fail(kExitFailure, "building the " + precisionName(run.precision) + " engine failed: " +
                                              engine.status().message());
            }
            run.engine = std::move(engine).value();
        }
        auto recording = recordTensors(*run.engine, prepared.inputs);
        if (!recording) return fail(kExitFailure, recording.status().message());
        run.recording = std::move(recording).value();
        if (i > 0) run.errors = compareRecordings(runs.front().recording, run.recording, run.engine->network());
        if (Status timed = timePrecision(run, prepared.inputs, options.iterations, options.warmUpMs); !timed) {
            return fail(kExitFailure, timed.message());
        }
        runs.push_back(std::move(run));
    }

    std::optional<BisectionResult> bisection;
    if (options.bisect) {
        BuilderOptions builder = options.builder;
        builder.fp16 = runs.back().precision == DataType::Float16;
        builder.bf16 = runs.back().precision == DataType::BFloat16;
        builder.int8 = runs.back().precision == DataType::Int8;
        BuilderConfig config = builderConfig(!options.noFusion, builder);
        config.dynamicRanges = int8Ranges;
        std::cout << "Bisection: which layers to keep in FP32 so that every output is within " << options.tolerance
                  << " of its largest magnitude\n";
        auto result = bisectPrecision(*network, config, prepared.inputs,
                                      runs.front().recording, options.tolerance, [](const BisectionStep& step) {
                                          std::cout << "  " << step.keptNodes.size() << " kept in FP32: worst output error "
                                                    << number(step.worstOutputError)
                                                    << (step.meets ? " (meets)" : " (too large)") << '\n';
                                      });
        if (!result) return fail(kExitFailure, "the bisection failed: " + result.status().message());
        bisection = std::move(result).value();
    }

    if (options.jsonPath) {
        const std::string json = compareJson(runs, bisection ? &*bisection : nullptr, options.tolerance);
        if (*options.jsonPath == "-") {
            std::cout << json;
            std::cout.flush();
            return std::cout ? kExitSuccess : fail(kExitFailure, "could not write to standard output");
        }
        if (Status status = writeFileAtomically(*options.jsonPath, json); !status) return fail(kExitFailure, status.message());
    }

    std::cout << "Model: " << options.modelPath << " on " << runs.front().engine->deviceDescription() << "\n\n";
    prepared.inputTable.print(std::cout);
    for (size_t i = 1; i < runs.size(); ++i) printComparison(runs.front(), runs[i], options.allTensors);
    std::cout << "\nLatency (median of " << options.iterations << " runs):";
    for (const PrecisionRun& run : runs) {
        std::cout << ' ' << precisionName(run.precision) << ' ' << formatMs(run.medianMs);
        if (&run != &runs.front()) std::cout << " (" << number(runs.front().medianMs / run.medianMs, "%.2f") << "x)";
        std::cout << (&run == &runs.back() ? "\n" : ",");
    }
    if (bisection) {
        if (!bisection->found) {
            std::cout << "\nEven with every " << precisionName(runs.back().precision)
                      << " layer in FP32 the outputs miss the tolerance\n";
        } else if (bisection->keptNodes.empty()) {
            std::cout << "\nThe " << precisionName(runs.back().precision) << " engine meets the tolerance as it is\n";
        } else {
            std::cout << "\nKeep " << bisection->keptNodes.size() << " layer(s) in FP32 (" << bisection->steps.size()
                      << " builds tried):\n  --layerPrecisions " << bisection->layerPrecisionsArgument() << '\n';
        }
    }
    if (options.jsonPath) std::cout << "JSON: " << *options.jsonPath << '\n';
    std::cout.flush();
    return std::cout ? kExitSuccess : fail(kExitFailure, "could not write to standard output");
}

}  // namespace kiln::cli

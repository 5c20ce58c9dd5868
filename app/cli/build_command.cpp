// `kiln build`: imports an ONNX model, builds an engine (passes, tactics, memory plan) and writes it as
// a plan, with the layer information and build report as JSON when asked. Prints what the build did:
// layer counts before and after, the changes of each pass, the activation arena against the sum of all
// activations, and the time of each phase. Every destination is checked before the build starts and
// every file is written atomically, so a failed command leaves no partial file.
#include <filesystem>
#include <iomanip>
#include <map>
#include <iostream>

#include "build_progress.h"
#include "calibration_loading.h"
#include "commands.h"
#include "engine_loading.h"
#include "file_output.h"
#include "kiln/builder.h"
#include "kiln/onnx_parser.h"
#include "kiln/plan.h"
#include "model_loading.h"
#include "text_table.h"

namespace kiln::cli {

namespace {

void printSummary(const BuildOptions& options, const Engine& engine) {
    const BuildReport& report = engine.report();
    std::ostream& out = std::cout;
    out << "Model: " << options.modelPath << "\n";
    out << "Built for " << engine.backend() << " (" << engine.deviceDescription() << ")"
        << (options.noFusion ? " without fusion" : " with fusion") << (options.builder.fp16 ? ", FP16 allowed" : "")
        << (options.builder.bf16 ? ", BF16 allowed" : "") << (options.builder.int8 ? ", INT8 allowed" : "")
        << (engine.report().threads > 0 ? ", on " + std::to_string(engine.report().threads) + " CPU threads" : "")
        << "\n";
    const std::vector<OptimizationProfile> profiles = engine.profiles();
    for (size_t p = 0; p < profiles.size(); ++p) {
        out << "Optimization profile " << p << ":";
        for (const auto& [name, range] : profiles[p].inputs) out << " " << name << " " << toString(range) << ";";
        out << "\n";
    }
    if (!profiles.empty()) {
        out << "The network and tactics below are those of profile 0's opt shapes; other shapes reuse them.\n";
    }
    out << "\n";

    int64_t elided = 0;
    for (const LayerRecord& record : report.layersAfter)
        elided += record.elided ? 1 : 0;
    out << "Layers: " << report.layersBefore.size() << " -> " << report.layersAfter.size();
    if (elided > 0) {
        out << " (" << int64_t(report.layersAfter.size()) - elided << " executed, " << elided
            << " elided: their outputs are views of other tensors)";
    }
    out << "\n\n";

    // Passes in the order they first changed something, which is the pipeline's order.
    std::vector<std::pair<std::string, int>> perPass;
    for (const PassChange& change : report.changes) {
        if (perPass.empty() || perPass.back().first != change.pass) perPass.emplace_back(change.pass, 0);
        ++perPass.back().second;
    }
    if (perPass.empty()) {
        out << "Passes: no pass changed the network\n\n";
    } else {
        out << "Passes:\n";
        TextTable passes({"Pass", "Changes"});
        for (const auto& [pass, count] : perPass)
            passes.addRow({pass, std::to_string(count)});
        passes.print(out);
        out << '\n';
    }

    // Precision: how many executed layers run in each, and why a layer does not run in the build's.
    std::map<std::string, int> precisions;
    for (const LayerRecord& record : report.layersAfter) {
        if (!record.elided) ++precisions[record.precision];
    }
    out << "Precision:";
    for (const auto& [precision, count] : precisions) out << ' ' << count << ' ' << precision;
    if (const int simulated = report.simulatedLayerCount(); simulated > 0) {
        out << " (" << simulated << " of " << report.executedLayerCount()
            << " layers simulated on this CPU: FP32 kernels, tensors rounded to the reduced type between layers)";
    }
    out << '\n';
    for (const PassChange& change : report.changes) {
        if (change.pass == "precision constraints" || change.pass == "precision and formats") {
            out << "  " << printable(change.description) << '\n';
        }
    }
    out << '\n';

    out << "Activation memory: arena " << formatBytes(report.arenaBytes) << " for "
        << formatBytes(report.activationBytes) << " of activations";
    if (report.activationBytes > 0) {
        const double ratio = double(report.arenaBytes) / double(report.activationBytes);
        out << std::fixed << std::setprecision(2) << " (ratio " << ratio;
        // Tiny networks' arenas exceed their activations (every tensor starts at a 64-byte boundary):
        // reuse then saves nothing, and a negative saving would only confuse.
        if (ratio < 1.0) out << ", reuse saves " << std::setprecision(0) << (1.0 - ratio) * 100.0 << "%";
        else out << ", alignment padding exceeds what reuse saves";
        out << ")";
    }
    out << "\n";

    int64_t reformats = 0;
    int timedOnPart = 0;
    std::map<std::string, int> tactics;
    for (const LayerRecord& record : report.layersAfter) {
        if (record.kind == "Reformat") ++reformats;
        if (record.timingBatch > 0 && !record.timingFromCache) ++timedOnPart;
        if (!record.tactic.empty()) ++tactics[record.tactic];
    }
    out << "Reformats: " << reformats << "\n";
    out << "Tactics: " << report.timingCacheMisses << " layers timed in " << formatMs(report.timingMilliseconds)
        << ", " << report.timingCacheHits << " from the timing cache, " << report.timingReuses
        << " reusing an identical layer's timings\n";
    if (timedOnPart > 0) {
        out << "  " << timedOnPart
            << " of the layers timed were timed on part of their batch, their times measured "
            << "there (--exhaustiveTiming times every layer at its own batch)\n";
    }
    if (report.networkTimingFromCache) {
        out << "  " << report.networkTimedLayers
            << " layers with close candidates took their choice in the network "
            << "from the timing cache: " << report.networkChangedLayers << " changed tactic\n";
    } else if (report.networkTimedLayers > 0) {
        out << "  " << report.networkTimedLayers
            << " layers with close candidates timed again in the network (" << report.networkTimingRounds
            << " runs of each variant, " << formatMs(report.networkTimingMilliseconds) << ")";
        if (report.networkAloneMilliseconds <= 0.0) {
            out << ": each kept its choice\n";
        } else {
            out << ": with the tactics fastest there the network ran "
                << formatMs(report.networkMixedMilliseconds) << " against "
                << formatMs(report.networkAloneMilliseconds) << " with the choices alone (medians): "
                << (report.networkChangedLayers > 0
                        ? std::to_string(report.networkChangedLayers) + " changed tactic"
                        : std::string("none changed"))
                << "\n";
        }
    } else if (!report.networkTimingSkipped.empty()) {
        out << "  Close candidates not timed in the network: " << report.networkTimingSkipped << "\n";
    }
    TextTable chosen({"Tactic", "Layers"});
    for (const auto& [tactic, count] : tactics) chosen.addRow({tactic, std::to_string(count)});
    chosen.print(out);

    double total = 0.0;
    std::string phases;
    for (const PhaseTime& phase : report.phases) {
        phases += (phases.empty() ? "" : ", ") + phase.phase + " " + formatMs(phase.milliseconds);
        total += phase.milliseconds;
    }
    out << "Build time: " << formatMs(total) << " (" << phases << ")\n";
}

// --minShapes/--optShapes/--maxShapes as optimization profiles; an input --shapes fixes is fixed in each.
Result<std::vector<OptimizationProfile>> profilesOf(const BuildOptions& options) {
    const size_t count = options.minShapes.size();
    if (options.optShapes.size() != count || options.maxShapes.size() != count) {
        return invalidArgument("--minShapes, --optShapes and --maxShapes are given " + std::to_string(count) + ", " +
                               std::to_string(options.optShapes.size()) + " and " +
                               std::to_string(options.maxShapes.size()) +
                               " times; give all three once per optimization profile");
    }
    std::vector<OptimizationProfile> profiles(count);
    for (size_t p = 0; p < count; ++p) {
        const ShapeMap* maps[] = {&options.minShapes[p], &options.optShapes[p], &options.maxShapes[p]};
        const char* flags[] = {"--minShapes", "--optShapes", "--maxShapes"};
        for (int i = 0; i < 3; ++i) {
            for (const auto& [name, dims] : *maps[i]) {
                for (int j = 0; j < 3; ++j) {
                    if (!maps[j]->count(name)) {
                        return invalidArgument("optimization profile " + std::to_string(p) + ": input '" + name +
                                               "' has " + flags[i] + " but no " + flags[j] + "; give all three");
                    }
                }
                if (options.shapes.count(name)) {
                    return invalidArgument("input '" + name + "' is given by --shapes and by " + flags[i] +
                                           "; --shapes fixes an input, the others give it a range: give one");
                }
                profiles[p].inputs[name] = {maps[0]->at(name), maps[1]->at(name), maps[2]->at(name)};
            }
        }
        for (const auto& [name, dims] : options.shapes) profiles[p].inputs[name] = {dims, dims, dims};
    }
    return profiles;
}

}  // namespace

int buildCommand(const std::vector<std::string>& args) {
    Result<Parsed<BuildOptions>> parsed = parseBuildArguments(args);
    if (!parsed) return fail(kExitUsage, parsed.status().message());
    if (parsed->helpRequested) {
        std::cout << buildHelp();
        return kExitSuccess;
    }
    const BuildOptions& options = parsed->options;

    if (Status status = checkDestination("-o", options.planPath); !status)
        return fail(kExitFailure, status.message());
    if (options.layerInfoPath) {
        if (Status status = checkDestination("--exportLayerInfo", *options.layerInfoPath); !status) {
            return fail(kExitFailure, status.message());
        }
    }
    if (options.reportPath) {
        if (Status status = checkDestination("--exportReport", *options.reportPath); !status) {
            return fail(kExitFailure, status.message());
        }
    }
    {
        std::vector<NamedPath> paths = {{"the model", options.modelPath, false}, {"-o", options.planPath, true}};
        if (options.layerInfoPath) paths.push_back({"--exportLayerInfo", *options.layerInfoPath, true});
        if (options.reportPath) paths.push_back({"--exportReport", *options.reportPath, true});
        for (NamedPath& cache : builderCachePaths(options.builder)) {
            // A cache is written back: it must be a place a file can go, like any output.
            if (Status status = checkDestination(cache.flag, cache.path); !status) return fail(kExitFailure, status.message());
            paths.push_back(std::move(cache));
        }
        if (Status status = checkDistinctPaths(paths); !status) return fail(kExitUsage, status.message());
    }
    if (isPlanFile(options.modelPath)) {
        return fail(kExitFailure,
                    "'" + options.modelPath +
                        "' is already a Kiln plan; 'kiln build' takes an ONNX model (run, inspect "
                        "or profile the plan directly)");
    }

    Result<std::vector<OptimizationProfile>> profiles = profilesOf(options);
    if (!profiles) return fail(kExitUsage, profiles.status().message());
    const std::string weights = options.weightsPath.value_or("");
    if (!weights.empty() && !profiles->empty()) {
        return fail(kExitUsage, "dynamic shapes (--minShapes, --optShapes, --maxShapes) need an ONNX model; a Caffe "
                                "net's prototxt fixes its input shapes");
    }
    if (profiles->empty()) {
        // A model with shape tensors keeps them as inputs (as TensorRT does): --shapes fixes their values
        // in one profile of a dynamic build, and the plan takes exactly those values.
        Result<std::vector<OnnxInputInfo>> inputs = readModelInputs(options.modelPath);
        if (!inputs) return fail(kExitFailure, inputs.status().message());
        if (hasShapeTensors(*inputs)) {
            if (Status status = checkShapesForModel(*inputs, options.shapes); !status) {
                return fail(kExitUsage, status.message());
            }
            profiles->push_back(fixedProfile(options.shapes));
        }
    }
    const bool dynamic = !profiles->empty();
    // A dynamic build calibrates at profile 0's opt shapes.
    ShapeMap shapes = options.shapes;
    if (dynamic) {
        for (const auto& [name, range] : profiles->front().inputs) shapes[name] = range.opt;
    }
    std::optional<NetworkDefinition> network;
    std::shared_ptr<const NetworkSource> source;
    if (dynamic) {
        Result<std::shared_ptr<const NetworkSource>> read = onnxNetworkSource(options.modelPath);
        if (!read) return fail(kExitFailure, read.status().message());
        source = std::move(read).value();
    } else if (int code = importWithShapes(options.modelPath, weights, options.shapes, network); code != kExitSuccess) {
        return code;
    }
    BuilderConfig config = builderConfig(!options.noFusion, options.builder);
    config.profiles = *profiles;
    if (needsCalibration(options.builder)) {
        CalibrationTable table;
        if (int code = obtainCalibration(options.modelPath, weights, shapes, options.builder, table); code != kExitSuccess) {
            return code;
        }
        config.dynamicRanges = dynamicRanges(table);
    }
    Result<std::shared_ptr<Engine>> engine =
        buildWithProgress("kiln: building '" + options.modelPath + "'", options.builder, config, [&] {
            return dynamic ? Builder::build(source, config) : Builder::build(*network, config);
        });
    if (!engine && engine.status().code() == StatusCode::Cancelled) return cancelledBuildExit();
    if (!engine) {
        return fail(kExitFailure,
                    "building '" + options.modelPath + "' failed: " + engine.status().message());
    }

    // The plan and the exports are written together: all of them, or none.
    Result<std::string> plan = serializePlan(**engine);
    if (!plan) return fail(kExitFailure, "-o '" + options.planPath + "': " + plan.status().message());
    std::vector<std::pair<std::string, std::string>> files{{options.planPath, std::move(plan).value()}};
    if (options.layerInfoPath) files.emplace_back(*options.layerInfoPath, (*engine)->layerInformationJson());
    if (options.reportPath) files.emplace_back(*options.reportPath, (*engine)->report().toJson());
    if (Status status = writeFilesTogether(files); !status) return fail(kExitFailure, status.message());

    printSummary(options, **engine);
    std::error_code error;
    const auto planBytes = std::filesystem::file_size(options.planPath, error);
    std::cout << "\nPlan: " << options.planPath;
    if (!error) std::cout << " (" << formatBytes(int64_t(planBytes)) << ")";
    std::cout << '\n';
    if (options.layerInfoPath) std::cout << "Layer information: " << *options.layerInfoPath << '\n';
    if (options.reportPath) std::cout << "Build report: " << *options.reportPath << '\n';
    std::cout.flush();
    if (!std::cout) return fail(kExitFailure, "could not write to standard output");
    return kExitSuccess;
}

}  // namespace kiln::cli

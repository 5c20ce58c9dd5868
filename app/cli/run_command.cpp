// `kiln run`: loads a plan, or imports an ONNX model and builds it in memory, feeds it .npy inputs (or
// seeded random values), runs it with an execution context, reports latency and saves the outputs as
// .npy files. Every check that can fail runs before the engine does, and the output directory is only
// created once the run has succeeded, so a failed command leaves nothing behind.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <filesystem>
#include <iostream>
#include <set>

#include "commands.h"
#include "engine_loading.h"
#include "file_output.h"
#include "kiln/npy.h"
#include "kiln/precision.h"
#include "kiln/reference_executor.h"
#include "model_loading.h"
#include "text_table.h"
#include "timed_runs.h"

namespace kiln::cli {

namespace {

namespace fs = std::filesystem;

// A file name for an output: names like "logits/Softmax:0" keep their letters, digits, '.', '-' and
// '_', everything else becomes '_', and a leading '.' is replaced so no hidden or special file appears.
std::string safeFileStem(const std::string& name) {
    std::string stem;
    for (char c : name) {
        const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                          c == '.' || c == '-' || c == '_';
        stem += safe ? c : '_';
    }
    if (stem.empty() || stem[0] == '.') stem.insert(stem.begin(), '_');
    return stem;
}

struct OutputFile {
    const Tensor* tensor = nullptr;
    std::string fileName;
    bool renamed = false;
};

// One distinct file per output, even when two names sanitise to the same stem.
std::vector<OutputFile> outputFiles(const NetworkDefinition& network) {
    std::vector<OutputFile> files;
    std::set<std::string> used;
    for (const Tensor* tensor : network.outputs()) {
        const std::string stem = safeFileStem(tensor->name());
        std::string fileName = stem + ".npy";
        for (int suffix = 2; used.count(fileName) != 0; ++suffix) {
            fileName = stem + "_" + std::to_string(suffix) + ".npy";
        }
        used.insert(fileName);
        files.push_back({tensor, fileName, fileName != tensor->name() + ".npy"});
    }
    return files;
}

// The tolerances of --check where the command line gives none: for the lowest precision the build allows.
std::pair<double, double> defaultTolerances(const BuilderOptions& builder) {
    bool reduced = builder.fp16 || builder.bf16;
    bool int8 = builder.int8;
    for (const auto& [pattern, precision] : builder.layerPrecisions) {
        int8 = int8 || precision == DataType::Int8;
        reduced = reduced || precision == DataType::Float16 || precision == DataType::BFloat16;
    }
    if (int8) return {1e-1, 1e-1};
    if (reduced) return {2e-2, 2e-2};
    return {1e-4, 1e-3};
}

struct OutputCheck {
    double maxAbsolute = 0.0;
    double maxRelative = 0.0;  // |a - b| / |b| where b != 0
    int64_t worstIndex = -1;   // the element furthest beyond its tolerance (or closest to it)
    double worstActual = 0.0;
    double worstExpected = 0.0;
    int64_t failing = 0;       // elements beyond atol + rtol * |reference|
    std::string problem;       // a type or shape mismatch (no element is compared then)
};

double valueAt(const HostTensor& tensor, int64_t i) {
    switch (tensor.type()) {
        case DataType::Float32: return tensor.data<float>()[i];
        case DataType::Float16: return halfToFloat(tensor.data<uint16_t>()[i]);
        case DataType::BFloat16: return bfloat16ToFloat(tensor.data<uint16_t>()[i]);
        case DataType::Int8: return tensor.data<int8_t>()[i];
        case DataType::Int32: return tensor.data<int32_t>()[i];
        case DataType::Int64: return double(tensor.data<int64_t>()[i]);
        case DataType::Bool: return tensor.data<uint8_t>()[i] != 0;
    }
    return 0.0;
}

OutputCheck checkOutput(const HostTensor& actual, const HostTensor& expected, double atol, double rtol) {
    OutputCheck check;
    if (actual.dims() != expected.dims()) {
        check.problem = "dims " + toString(actual.dims()) + ", the reference's " + toString(expected.dims());
        return check;
    }
    if (actual.type() != expected.type()) {
        check.problem = std::string("type ") + toString(actual.type()) + ", the reference's " + toString(expected.type());
        return check;
    }
    double worstExcess = -std::numeric_limits<double>::infinity();
    for (int64_t i = 0; i < expected.elementCount(); ++i) {
        const double x = valueAt(actual, i);
        const double y = valueAt(expected, i);
        const bool same = x == y || (std::isnan(x) && std::isnan(y));
        const double error = same ? 0.0 : std::isnan(x) || std::isnan(y) ? std::numeric_limits<double>::infinity()
                                                                          : std::fabs(x - y);
        check.maxAbsolute = std::max(check.maxAbsolute, error);
        if (y != 0.0 && !std::isnan(y)) check.maxRelative = std::max(check.maxRelative, error / std::fabs(y));
        const double excess = error - (atol + rtol * std::fabs(y));
        if (excess > 0.0) ++check.failing;
        if (excess > worstExcess) {
            worstExcess = excess;
            check.worstIndex = i;
            check.worstActual = x;
            check.worstExpected = y;
        }
    }
    return check;
}

std::string number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", value);
    return text;
}


// --checkLayers: every tensor the engine computes (observed, so the engine keeps its fusions) that the
// reference run has too, in execution order, against atol + rtol * |reference|; prints a table and the
// first tensor beyond tolerance. Returns whether all are within it.
Result<bool> checkLayers(const Engine& engine, const TensorMap& inputs, const TensorMap& expected, double atol,
                         double rtol) {
    KILN_ASSIGN_OR_RETURN(const TensorRecording recording, recordTensors(engine, inputs));
    TextTable table({"Tensor", "Layer", "Max abs error", "Max rel error", "Beyond tolerance"});
    std::string first;
    int checked = 0;
    for (const auto& layer : engine.network().layers()) {
        if (layer->isElided()) continue;
        for (const Tensor* output : layer->outputs()) {
            if (!output) continue;
            const auto actual = recording.find(output->name());
            const auto reference = expected.find(output->name());
            if (actual == recording.end() || reference == expected.end()) continue;  // the builder's own tensors
            const HostTensor& value = actual->second.value;
            if (value.type() != DataType::Float32 || reference->second.type() != DataType::Float32) continue;
            const OutputCheck check = checkOutput(value, reference->second, atol, rtol);
            ++checked;
            const bool beyond = !check.problem.empty() || check.failing > 0;
            if (beyond && first.empty()) first = output->name() + " (layer " + layer->name() + ")";
            table.addRow({output->name(), layer->name(), check.problem.empty() ? number(check.maxAbsolute) : "-",
                          check.problem.empty() ? number(check.maxRelative) : "-",
                          check.problem.empty() ? std::to_string(check.failing) + " of " + std::to_string(value.elementCount())
                                                : check.problem});
        }
    }
    std::cout << "\nEvery tensor the engine and the model share (" << checked << ", in execution order):\n";
    table.print(std::cout);
    if (!first.empty()) std::cout << "First tensor beyond tolerance: " << first << '\n';
    return first.empty();
}

}  // namespace

int runCommand(const std::vector<std::string>& args) {
    Result<Parsed<RunOptions>> parsed = parseRunArguments(args);
    if (!parsed) return fail(kExitUsage, parsed.status().message());
    if (parsed->helpRequested) {
        std::cout << runHelp();
        return kExitSuccess;
    }
    RunOptions options = parsed->options;
    options.check = options.check || options.checkLayers;

    if (options.outputDirectory) {
        std::error_code error;
        if (fs::exists(*options.outputDirectory, error) &&
            !fs::is_directory(*options.outputDirectory, error)) {
            return fail(kExitUsage, "--outputDir '" + *options.outputDirectory +
                                        "' exists and is not a directory; give a directory path");
        }
    }

    EngineRequest request;
    request.path = options.modelPath;
    request.shapes = options.shapes;
    request.inputFiles = options.inputs;
    request.enableFusion = !options.noFusion;
    request.builder = options.builder;
    PreparedEngine prepared;
    if (int code = prepareEngine(request, prepared); code != kExitSuccess) return code;
    if (options.check && prepared.fromPlan) {
        return fail(kExitUsage, "--check runs the model as imported to compare with; give the ONNX model the plan "
                                "was built from instead of the plan");
    }
    Result<std::unique_ptr<ExecutionContext>> context = createContext(prepared);
    if (!context) return fail(kExitFailure, context.status().message());

    (*context)->setGraphReplay(options.cudaGraph);
    Result<TensorMap> outputs = TensorMap();
    auto once = [&]() -> Status {
        outputs = (*context)->execute(prepared.inputs);
        return outputs.status();
    };
    if (Status warmed = warmUp(options.warmUpMs, once); !warmed) return fail(kExitFailure, warmed.message());
    Result<std::vector<RunTimes>> runs = timeRuns({options.iterations, options.durationS}, once);
    if (!runs) return fail(kExitFailure, runs.status().message());

    const std::vector<OutputFile> outputFileNames = outputFiles(prepared.engine->network());
    for (const OutputFile& file : outputFileNames) {
        if (outputs->count(file.tensor->name()) == 0) {
            return fail(kExitFailure, "the run produced no value for output '" + file.tensor->name() +
                                          "'; this is a bug in Kiln, please report it with the model");
        }
    }
    if (options.outputDirectory) {
        // Every output or none: the files are written together, and a folder this run created is removed
        // again when they cannot be.
        std::error_code error;
        const bool existed = fs::exists(*options.outputDirectory, error);
        fs::create_directories(*options.outputDirectory, error);
        if (error) {
            return fail(kExitFailure,
                        "cannot create --outputDir '" + *options.outputDirectory + "': " + error.message());
        }
        std::vector<std::pair<std::string, std::string>> files;
        for (const OutputFile& file : outputFileNames) {
            files.emplace_back((fs::path(*options.outputDirectory) / file.fileName).string(),
                               npyBytes(outputs->at(file.tensor->name())));
        }
        if (Status status = writeFilesTogether(files); !status) {
            if (!existed) fs::remove(*options.outputDirectory, error);  // only if still empty
            return fail(kExitFailure, status.message());
        }
    }

    std::cout << (prepared.fromPlan ? "Plan: " : "Model: ") << options.modelPath;
    if (!prepared.fromPlan)
        std::cout << (options.noFusion ? " (built without fusion)" : " (built with fusion)");
    std::cout << "\n\n";
    prepared.inputTable.print(std::cout);
    std::cout << '\n';
    printLatency(std::cout, "Latency", latencies(*runs), options.percentiles, 0);
    std::cout << "(" << runs->size() << " timed " << (runs->size() == 1 ? "run" : "runs") << " after "
              << options.warmUpMs << " ms of warm-up)\n";
    if (runs->size() > 1) printThroughput(std::cout, *runs, batchOf(prepared));
    std::cout << '\n';

    TextTable outputTable({"Output", "Type", "Dims", "File"});
    bool anyRenamed = false;
    for (const OutputFile& file : outputFileNames) {
        const HostTensor& value = outputs->at(file.tensor->name());
        std::string where = "-";
        if (options.outputDirectory) {
            where = (fs::path(*options.outputDirectory) / file.fileName).string();
            if (file.renamed) where += " *";
            anyRenamed = anyRenamed || file.renamed;
        }
        outputTable.addRow({file.tensor->name(), toString(value.type()), toString(value.dims()), where});
    }
    outputTable.print(std::cout);
    if (anyRenamed) {
        std::cout
            << "\n* file name differs from the output name: characters other than letters, digits, '.', '-'\n"
               "  and '_' were replaced by '_' (and a suffix added where two names collided)\n";
    }
    int exitCode = kExitSuccess;
    if (options.check) {
        // The reference: the model's network as imported, at the shapes of the inputs, on the reference kernels.
        ShapeMap shapes;
        for (const auto& [name, value] : prepared.inputs) shapes[name] = value.dims();
        Result<NetworkDefinition> network = importModel(options.modelPath, shapes);
        if (!network) return fail(kExitFailure, "--check: " + network.status().message());
        if (options.checkLayers) {
            // Every tensor a layer of the model computes comes back from the reference run.
            for (const auto& layer : network->layers()) {
                for (Tensor* output : layer->outputs()) {
                    if (output && !output->isNetworkOutput()) {
                        if (Status marked = network->markOutput(output); !marked) {
                            return fail(kExitFailure, "--checkLayers: " + marked.message());
                        }
                    }
                }
            }
        }
        Result<TensorMap> expected = ReferenceExecutor(*network).execute(prepared.inputs);
        if (!expected) return fail(kExitFailure, "--check: the reference run failed: " + expected.status().message());
        const auto [defaultAtol, defaultRtol] = defaultTolerances(options.builder);
        const double atol = options.atol.value_or(defaultAtol);
        const double rtol = options.rtol.value_or(defaultRtol);
        TextTable table({"Output", "Max abs error", "Max rel error", "Beyond tolerance", "Worst element"});
        bool pass = true;
        for (const OutputFile& file : outputFileNames) {
            const std::string& name = file.tensor->name();
            if (!expected->count(name)) return fail(kExitFailure, "--check: the reference run has no output '" + name + "'");
            const OutputCheck check = checkOutput(outputs->at(name), expected->at(name), atol, rtol);
            if (!check.problem.empty()) {
                table.addRow({name, "-", "-", "all", check.problem});
                pass = false;
                continue;
            }
            pass = pass && check.failing == 0;
            const std::string worst = check.worstIndex < 0 ? "-"
                                                           : "#" + std::to_string(check.worstIndex) + ": " +
                                                                 number(check.worstActual) + " vs " +
                                                                 number(check.worstExpected);
            table.addRow({name, number(check.maxAbsolute), number(check.maxRelative),
                          std::to_string(check.failing) + " of " + std::to_string(outputs->at(name).elementCount()), worst});
        }
        std::cout << "\nCheck against the reference kernels (each element within " << number(atol) << " + "
                  << number(rtol) << " * |reference|):\n";
        table.print(std::cout);
        if (options.checkLayers) {
            Result<bool> layersPass = checkLayers(*prepared.engine, prepared.inputs, *expected, atol, rtol);
            if (!layersPass) return fail(kExitFailure, "--checkLayers: " + layersPass.status().message());
            pass = pass && *layersPass;
        }
        std::cout << (pass ? "Check: PASS\n" : "Check: FAIL\n");
        if (!pass) exitCode = kExitFailure;
    }
    std::cout.flush();
    if (!std::cout) return fail(kExitFailure, "could not write to standard output");
    if (exitCode != kExitSuccess) {
        std::cerr << "kiln: error: " << (options.checkLayers ? "--checkLayers: tensors" : "--check: outputs")
                  << " differ from the reference beyond the tolerance (see the table)\n";
    }
    return exitCode;
}

}  // namespace kiln::cli

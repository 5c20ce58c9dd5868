// `kiln run`: loads a plan, or imports an ONNX model and builds it in memory, feeds it .npy inputs (or
// seeded random values), runs it with an execution context, reports latency and saves the outputs as
// .npy files. Every check that can fail runs before the engine does, and the output directory is only
// created once the run has succeeded, so a failed command leaves nothing behind.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>

#include "commands.h"
#include "engine_loading.h"
#include "file_output.h"
#include "kiln/npy.h"
#include "kiln/reference_check.h"
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

// The precision --check's default tolerances are for: the lowest the build allows.
DataType lowestPrecision(const BuilderOptions& builder) {
    bool reduced = builder.fp16 || builder.bf16;
    bool int8 = builder.int8;
    for (const auto& [pattern, precision] : builder.layerPrecisions) {
        int8 = int8 || precision == DataType::Int8;
        reduced = reduced || precision == DataType::Float16 || precision == DataType::BFloat16;
    }
    return int8 ? DataType::Int8 : reduced ? DataType::Float16 : DataType::Float32;
}

std::string number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", value);
    return text;
}

std::string beyondText(const TensorCheck& check) {
    return check.problem.empty() ? std::to_string(check.failing) + " of " + std::to_string(check.elements)
                                 : check.problem;
}

void printCheck(const ReferenceCheck& check) {
    TextTable table({"Output", "Max abs error", "Max rel error", "Beyond tolerance", "Worst element"});
    for (const TensorCheck& output : check.outputs) {
        if (!output.problem.empty()) {
            table.addRow({output.tensor, "-", "-", "all", output.problem});
            continue;
        }
        const std::string worst = output.worstIndex < 0 ? "-"
                                                        : "#" + std::to_string(output.worstIndex) + ": " +
                                                              number(output.worstActual) + " vs " +
                                                              number(output.worstExpected);
        table.addRow({output.tensor, number(output.maxAbsolute), number(output.maxRelative), beyondText(output), worst});
    }
    std::cout << "\nCheck against the reference kernels (each element within " << number(check.tolerance.atol)
              << " + " << number(check.tolerance.rtol) << " * |reference|):\n";
    table.print(std::cout);
    if (check.layers.empty()) return;
    TextTable layers({"Tensor", "Layer", "Max abs error", "Max rel error", "Beyond tolerance"});
    const TensorCheck* first = nullptr;
    for (const TensorCheck& tensor : check.layers) {
        if (!first && !tensor.withinTolerance()) first = &tensor;
        layers.addRow({tensor.tensor, tensor.layer, tensor.problem.empty() ? number(tensor.maxAbsolute) : "-",
                       tensor.problem.empty() ? number(tensor.maxRelative) : "-", beyondText(tensor)});
    }
    std::cout << "\nEvery tensor the engine and the model share (" << check.layers.size() << ", in execution order):\n";
    layers.print(std::cout);
    if (first) std::cout << "First tensor beyond tolerance: " << first->tensor << " (layer " << first->layer << ")\n";
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
    request.weights = options.weightsPath.value_or("");
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
    (*context)->setAdaptiveThreads(options.adaptiveThreads);
    Result<TensorMap> outputs = TensorMap();
    ThreadTally threads;
    auto once = [&]() -> Status {
        outputs = (*context)->execute(prepared.inputs);
        threads.add((*context)->lastRunThreads());
        return outputs.status();
    };
    if (Status warmed = warmUp(options.warmUpMs, once); !warmed) return fail(kExitFailure, warmed.message());
    threads.counting = true;
    Result<std::vector<RunTimes>> runs = timeRuns({options.iterations, options.durationS}, once);
    if (!runs) return fail(kExitFailure, runs.status().message());
    threads.counting = false;

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
    printThreads(std::cout, threads);
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
        for (const auto& [name, value] : prepared.inputs) {
            auto binding = std::find_if(prepared.engine->bindings().begin(), prepared.engine->bindings().end(),
                                        [&name = name](const Binding& b) { return b.name == name; });
            const bool shapeTensor = binding != prepared.engine->bindings().end() && binding->isShapeTensor;
            shapes[name] = shapeTensor ? value.valuesAsInt64() : value.dims();  // a shape tensor's entry: its values
        }
        Result<NetworkDefinition> network = importModel(options.modelPath, options.weightsPath.value_or(""), shapes);
        if (!network) return fail(kExitFailure, "--check: " + network.status().message());
        ElementTolerance tolerance = defaultTolerance(lowestPrecision(options.builder));
        tolerance.atol = options.atol.value_or(tolerance.atol);
        tolerance.rtol = options.rtol.value_or(tolerance.rtol);
        Result<ReferenceCheck> check = checkAgainstReference(*prepared.engine, std::move(*network), prepared.inputs,
                                                             tolerance, options.checkLayers);
        if (!check) {
            return fail(kExitFailure, (options.checkLayers ? "--checkLayers: " : "--check: ") + check.status().message());
        }
        printCheck(*check);
        std::cout << (check->pass() ? "Check: PASS\n" : "Check: FAIL\n");
        if (!check->pass()) exitCode = kExitFailure;
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

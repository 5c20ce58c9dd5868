// `kiln run`: imports a model, feeds it .npy inputs (or seeded random values), runs it with the CPU
// reference executor, reports latency and saves the outputs as .npy files. Every check that can fail
// runs before the model does, and the output directory is only created once the run has succeeded,
// so a failed command leaves nothing behind.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "commands.h"
#include "kiln/npy.h"
#include "kiln/reference_executor.h"
#include "model_loading.h"
#include "text_table.h"

namespace kiln::cli {

namespace {

namespace fs = std::filesystem;

struct LoadedInput {
    std::string path;
    HostTensor tensor;
};

// Checks a file's array against the model's declared input, where symbolic dimensions match any
// extent; catches a wrong file before the parser sees its shape.
Status checkAgainstDeclared(const OnnxInputInfo& input, const LoadedInput& file) {
    bool matches = file.tensor.type() == input.type && file.tensor.dims().size() == input.dims.size();
    for (size_t i = 0; matches && i < input.dims.size(); ++i) {
        matches = input.dims[i] < 0 || input.dims[i] == file.tensor.dims()[i];
    }
    if (matches) return Status::ok();
    return invalidArgument("input '" + input.name + "': '" + file.path + "' holds " +
                           toString(file.tensor.type()) + " " + toString(file.tensor.dims()) +
                           " but the model expects " + toString(input.type) + " " + declaredShape(input) +
                           "; give an array of that type and shape");
}

// Checks a file's array against the imported network's input, whose shape may come from --shapes.
Status checkAgainstNetwork(const Tensor& input, const LoadedInput& file, const ShapeMap& shapes) {
    if (file.tensor.type() == input.type() && file.tensor.dims() == input.dims()) return Status::ok();
    std::string message = "input '" + input.name() + "': '" + file.path + "' holds " +
                          toString(file.tensor.type()) + " " + toString(file.tensor.dims()) +
                          " but the network expects " + toString(input.type()) + " " + toString(input.dims());
    if (shapes.count(input.name()) != 0) {
        message += " (set by --shapes); make --shapes and the file agree";
    } else {
        message += "; give an array of that type and shape";
    }
    return invalidArgument(message);
}

HostTensor randomInput(const Tensor& input, std::mt19937& generator) {
    HostTensor tensor(input.type(), input.dims());
    std::uniform_real_distribution<float> distribution(-1.0f, 1.0f);
    const int64_t count = tensor.elementCount();
    if (input.type() == DataType::Float32) {
        float* data = tensor.data<float>();
        for (int64_t i = 0; i < count; ++i)
            data[i] = distribution(generator);
    } else if (input.type() == DataType::Float16) {
        uint16_t* data = tensor.data<uint16_t>();
        for (int64_t i = 0; i < count; ++i)
            data[i] = floatToHalf(distribution(generator));
    }
    // Integer and boolean inputs are usually indices, sizes or masks, where random values would
    // mostly be out of range; the zero fill of HostTensor is the safe choice.
    return tensor;
}

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

std::string formatMs(double ms) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(3) << ms << " ms";
    return out.str();
}

struct Timing {
    double minMs = 0.0;
    double medianMs = 0.0;
    double maxMs = 0.0;
};

Timing summarize(std::vector<double> times) {
    std::sort(times.begin(), times.end());
    const size_t n = times.size();
    const double median = n % 2 == 1 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2.0;
    return {times.front(), median, times.back()};
}

}  // namespace

int runCommand(const std::vector<std::string>& args) {
    Result<Parsed<RunOptions>> parsed = parseRunArguments(args);
    if (!parsed) return fail(kExitUsage, parsed.status().message());
    if (parsed->helpRequested) {
        std::cout << runHelp();
        return kExitSuccess;
    }
    const RunOptions& options = parsed->options;

    if (options.outputDirectory) {
        std::error_code error;
        if (fs::exists(*options.outputDirectory, error) &&
            !fs::is_directory(*options.outputDirectory, error)) {
            return fail(kExitUsage, "--output-dir '" + *options.outputDirectory +
                                        "' exists and is not a directory; give a directory path");
        }
    }

    Result<std::vector<OnnxInputInfo>> declared = readOnnxInputs(options.modelPath);
    if (!declared) return fail(kExitFailure, declared.status().message());
    std::vector<std::string> shapeNames;
    for (const auto& [name, dims] : options.shapes)
        shapeNames.push_back(name);
    std::vector<std::string> fileNames;
    for (const InputFile& input : options.inputs)
        fileNames.push_back(input.name);
    if (Status status = checkInputNames(*declared, shapeNames, "--shapes"); !status) {
        return fail(kExitUsage, status.message());
    }
    if (Status status = checkInputNames(*declared, fileNames, "--input"); !status) {
        return fail(kExitUsage, status.message());
    }
    if (Status status = checkShapesAgree(*declared, options.shapes); !status) {
        return fail(kExitUsage, status.message());
    }

    // Files give the shapes of symbolic inputs that --shapes leaves open.
    std::map<std::string, LoadedInput> files;
    ShapeMap shapes = options.shapes;
    for (const InputFile& input : options.inputs) {
        Result<HostTensor> tensor = readNpy(input.path);
        if (!tensor) return fail(kExitFailure, "--input " + input.name + ": " + tensor.status().message());
        LoadedInput loaded{input.path, std::move(tensor).value()};
        for (const OnnxInputInfo& info : *declared) {
            if (info.name != input.name) continue;
            if (Status status = checkAgainstDeclared(info, loaded); !status) {
                return fail(kExitFailure, status.message());
            }
            const bool symbolic =
                std::any_of(info.dims.begin(), info.dims.end(), [](int64_t d) { return d < 0; });
            if (symbolic && shapes.count(info.name) == 0) shapes[info.name] = loaded.tensor.dims();
        }
        files.emplace(input.name, std::move(loaded));
    }
    if (Status status = checkShapesGiven(*declared, shapes); !status) {
        return fail(kExitUsage, status.message() + ", or give the inputs as --input NAME=FILE.npy");
    }

    Result<NetworkDefinition> network = importModel(options.modelPath, shapes);
    if (!network) return fail(kExitFailure, network.status().message());

    TensorMap inputs;
    TextTable inputTable({"Input", "Type", "Dims", "Values"});
    std::mt19937 generator(0);
    for (const Tensor* input : network->inputs()) {
        const auto file = files.find(input->name());
        if (file != files.end()) {
            if (Status status = checkAgainstNetwork(*input, file->second, options.shapes); !status) {
                return fail(kExitFailure, status.message());
            }
            inputs[input->name()] = file->second.tensor;
            inputTable.addRow(
                {input->name(), toString(input->type()), toString(input->dims()), file->second.path});
        } else {
            inputs[input->name()] = randomInput(*input, generator);
            inputTable.addRow({input->name(), toString(input->type()), toString(input->dims()),
                               isFloatingPoint(input->type()) ? "random in [-1, 1), seed 0" : "zeros"});
        }
    }

    const ReferenceExecutor executor(*network);
    Result<TensorMap> outputs = TensorMap();
    std::vector<double> times;
    for (int i = 0; i < options.warmUp + options.iterations; ++i) {
        const auto start = std::chrono::steady_clock::now();
        outputs = executor.execute(inputs);
        const auto stop = std::chrono::steady_clock::now();
        if (!outputs) return fail(kExitFailure, outputs.status().message());
        if (i >= options.warmUp)
            times.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
    }

    const std::vector<OutputFile> outputFileNames = outputFiles(*network);
    for (const OutputFile& file : outputFileNames) {
        if (outputs->count(file.tensor->name()) == 0) {
            return fail(kExitFailure, "the run produced no value for output '" + file.tensor->name() +
                                          "'; this is a bug in Kiln, please report it with the model");
        }
    }
    if (options.outputDirectory) {
        std::error_code error;
        fs::create_directories(*options.outputDirectory, error);
        if (error) {
            return fail(kExitFailure,
                        "cannot create --output-dir '" + *options.outputDirectory + "': " + error.message());
        }
        for (const OutputFile& file : outputFileNames) {
            const std::string path = (fs::path(*options.outputDirectory) / file.fileName).string();
            if (Status status = writeNpy(path, outputs->at(file.tensor->name())); !status) {
                return fail(kExitFailure, status.message());
            }
        }
    }

    std::cout << "Model: " << options.modelPath << "\n\n";
    inputTable.print(std::cout);
    const Timing timing = summarize(times);
    std::cout << "\nLatency: min " << formatMs(timing.minMs) << ", median " << formatMs(timing.medianMs)
              << ", max " << formatMs(timing.maxMs) << " (" << options.iterations << " timed "
              << (options.iterations == 1 ? "run" : "runs") << " after " << options.warmUp << " warm-up)\n\n";

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
    std::cout.flush();
    if (!std::cout) return fail(kExitFailure, "could not write to standard output");
    return kExitSuccess;
}

}  // namespace kiln::cli

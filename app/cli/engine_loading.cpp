// Loading plans and building models for `run` and `profile`; see engine_loading.h. Every check that can
// fail runs before the engine does.
#include "engine_loading.h"

#include "kiln/device.h"

#include "build_progress.h"
#include "calibration_loading.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>

#include "commands.h"
#include "kiln/builder.h"
#include "kiln/npy.h"
#include "kiln/plan.h"
#include "kiln/profiling.h"
#include "model_loading.h"

namespace kiln::cli {

namespace {

struct LoadedInput {
    std::string path;
    HostTensor tensor;
};

using LoadedInputs = std::map<std::string, LoadedInput>;

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

// Checks a file's array against the engine's input binding, whose shape may come from --shapes.
Status checkAgainstBinding(const Binding& input, const LoadedInput& file, const ShapeMap& shapes,
                           const char* owner) {
    if (file.tensor.type() == input.type && file.tensor.dims() == input.dims) return Status::ok();
    std::string message = "input '" + input.name + "': '" + file.path + "' holds " +
                          toString(file.tensor.type()) + " " + toString(file.tensor.dims()) + " but the " +
                          owner + " expects " + toString(input.type) + " " + toString(input.dims);
    if (shapes.count(input.name) != 0) {
        message += " (set by --shapes); make --shapes and the file agree";
    } else {
        message += "; give an array of that type and shape";
    }
    return invalidArgument(message);
}

std::string knownInputs(const Engine& engine) {
    std::string known;
    for (const Binding& binding : engine.bindings()) {
        if (binding.isInput) known += (known.empty() ? "'" : ", '") + binding.name + "'";
    }
    return known.empty() ? std::string("none") : known;
}

const Binding* findInput(const Engine& engine, const std::string& name) {
    for (const Binding& binding : engine.bindings()) {
        if (binding.isInput && binding.name == name) return &binding;
    }
    return nullptr;
}

int loadInputFile(const InputFile& input, LoadedInputs& files) {
    Result<HostTensor> tensor = readNpy(input.path);
    if (!tensor) return fail(kExitFailure, "--input " + input.name + ": " + tensor.status().message());
    files.emplace(input.name, LoadedInput{input.path, std::move(tensor).value()});
    return kExitSuccess;
}

int loadPlan(const EngineRequest& request, PreparedEngine& prepared, LoadedInputs& files) {
    Result<std::shared_ptr<Engine>> engine = readPlanFile(request.path);
    if (!engine) return fail(kExitFailure, engine.status().message());
    if (Status status = checkShapesAgainstPlan(**engine, request.shapes); !status) {
        return fail(kExitUsage, status.message());
    }
    const std::string& built = (*engine)->backend();
    if (request.builder.backend && *request.builder.backend != built) {
        return fail(kExitUsage, "the plan was built for the " + built + " backend and runs there; leave out --backend " +
                                    *request.builder.backend + ", or rebuild the plan with 'kiln build MODEL --backend " +
                                    *request.builder.backend + "'");
    }
    for (const InputFile& input : request.inputFiles) {
        if (findInput(**engine, input.name) == nullptr) {
            return fail(kExitUsage, "--input names input '" + input.name +
                                        "', which the plan does not have; its inputs are " +
                                        knownInputs(**engine));
        }
    }
    for (const InputFile& input : request.inputFiles) {
        if (int code = loadInputFile(input, files); code != kExitSuccess) return code;
    }
    prepared.engine = std::move(engine).value();
    prepared.fromPlan = true;
    return kExitSuccess;
}

int importAndBuild(const EngineRequest& request, PreparedEngine& prepared, LoadedInputs& files) {
    Result<std::vector<OnnxInputInfo>> declared = readModelInputs(request.path);
    if (!declared) return fail(kExitFailure, declared.status().message());
    std::vector<std::string> shapeNames;
    for (const auto& [name, dims] : request.shapes)
        shapeNames.push_back(name);
    std::vector<std::string> fileNames;
    for (const InputFile& input : request.inputFiles)
        fileNames.push_back(input.name);
    if (Status status = checkInputNames(*declared, shapeNames, "--shapes"); !status) {
        return fail(kExitUsage, status.message());
    }
    if (Status status = checkInputNames(*declared, fileNames, "--input"); !status) {
        return fail(kExitUsage, status.message());
    }
    if (Status status = checkShapesAgree(*declared, request.shapes); !status) {
        return fail(kExitUsage, status.message());
    }

    // Files give the shapes of symbolic inputs that --shapes leaves open.
    ShapeMap shapes = request.shapes;
    for (const InputFile& input : request.inputFiles) {
        if (int code = loadInputFile(input, files); code != kExitSuccess) return code;
        const LoadedInput& loaded = files.at(input.name);
        for (const OnnxInputInfo& info : *declared) {
            if (info.name != input.name) continue;
            if (Status status = checkAgainstDeclared(info, loaded); !status) {
                return fail(kExitFailure, status.message());
            }
            const bool symbolic =
                std::any_of(info.dims.begin(), info.dims.end(), [](int64_t d) { return d < 0; });
            if (info.isShapeTensor && shapes.count(info.name) == 0) {  // the file gives a shape tensor's values
                shapes[info.name] = loaded.tensor.valuesAsInt64();
            } else if (symbolic && shapes.count(info.name) == 0) {
                shapes[info.name] = loaded.tensor.dims();
            }
        }
    }
    if (Status status = checkShapesGiven(*declared, shapes); !status) {
        return fail(kExitUsage, status.message() + ", or give the inputs as --input NAME=FILE.npy");
    }

    // A model with shape tensors keeps them as inputs: it is built from its source for one profile that
    // fixes every shape and value.
    std::shared_ptr<const NetworkSource> source;
    Result<NetworkDefinition> network = NetworkDefinition();
    if (hasShapeTensors(*declared)) {
        Result<std::shared_ptr<const NetworkSource>> read = onnxNetworkSource(request.path);
        if (!read) return fail(kExitFailure, read.status().message());
        source = std::move(read).value();
    } else {
        network = importModel(request.path, request.weights, shapes, prepared.logger.get());
        if (!network) return fail(kExitFailure, network.status().message());
    }
    BuilderConfig config = builderConfig(request.enableFusion, request.builder);
    if (source) config.profiles = {fixedProfile(shapes)};
    if (needsCalibration(request.builder)) {
        CalibrationTable table;
        if (int code = obtainCalibration(request.path, request.weights, shapes, request.builder, table);
            code != kExitSuccess) {
            return code;
        }
        config.dynamicRanges = dynamicRanges(table);
    }
    Result<std::shared_ptr<Engine>> engine = buildWithProgress("kiln: building '" + request.path + "'", request.builder,
                                                               config, [&] {
        return source ? Builder::build(source, config) : Builder::build(*network, config);
    });
    if (!engine && engine.status().code() == StatusCode::Cancelled) return cancelledBuildExit();
    if (!engine)
        return fail(kExitFailure, "building '" + request.path + "' failed: " + engine.status().message());
    prepared.engine = std::move(engine).value();
    prepared.fromPlan = false;
    return kExitSuccess;
}

}  // namespace

Status checkShapesAgainstPlan(const Engine& engine, const ShapeMap& shapes) {
    const std::vector<OptimizationProfile> profiles = engine.profiles();
    for (const auto& [name, dims] : shapes) {
        const Binding* input = findInput(engine, name);
        if (input == nullptr) {
            return invalidArgument("--shapes names input '" + name +
                                   "', which the plan does not have; its inputs are " + knownInputs(engine));
        }
        if (!profiles.empty() && profiles.front().inputs.count(name)) {  // a dynamic input: any shape of the profile
            if (Status inside = checkShapeInProfile(name, dims, profiles.front(), 0); !inside) {
                return invalidArgument("--shapes: " + inside.message());
            }
            continue;
        }
        if (input->dims != dims) {
            return invalidArgument(
                "--shapes gives input '" + name + "' the shape " + toString(dims) +
                ", but the plan was built for " + toString(input->dims) +
                "; a plan's shapes are fixed: leave out --shapes, or rebuild the plan with "
                "'kiln build MODEL --shapes " +
                name + ":" + toString(dims) + "'");
        }
    }
    return Status::ok();
}

OptimizationProfile fixedProfile(const ShapeMap& shapes) {
    OptimizationProfile profile;
    for (const auto& [name, dims] : shapes) profile.inputs[name] = {dims, dims, dims};
    return profile;
}

std::vector<NamedPath> builderCachePaths(const BuilderOptions& options) {
    std::vector<NamedPath> paths;
    if (options.timingCachePath) paths.push_back({"--timingCacheFile", *options.timingCachePath, true});
    if (options.calibCachePath) paths.push_back({"--calibCache", *options.calibCachePath, true});
    return paths;
}

BuilderConfig builderConfig(bool enableFusion, const BuilderOptions& options) {
    setMemoryBudgetBytes(uint64_t(options.memoryLimitMiB) << 20);
    BuilderConfig config;
    config.backend = options.backend.value_or("cpu");
    config.tf32 = options.tf32;
    config.fp16 = options.fp16;
    config.bf16 = options.bf16;
    config.int8 = options.int8;
    for (const auto& [pattern, precision] : options.layerPrecisions) config.layerPrecisions.push_back({pattern, precision});
    config.precisionConstraints = options.precisionConstraints;
    config.enableFusion = enableFusion;
    config.timingIterations = options.timingIterations;
    config.workspaceLimit = int64_t(options.workspaceMiB) << 20;
    config.timingCachePath = options.timingCachePath.value_or("");
    config.flushCaches = options.flushL2;
    config.exhaustiveTiming = options.exhaustiveTiming;
    config.networkTiming = !options.noNetworkTiming;
    config.threads = options.threads;
    return config;
}

Result<std::unique_ptr<ExecutionContext>> createContext(const PreparedEngine& prepared) {
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<ExecutionContext> context, prepared.engine->createExecutionContext());
    context->setLogger(prepared.logger.get());
    if (!prepared.engine->hasDynamicShapes()) return context;
    for (const auto& [name, value] : prepared.inputs) {
        const Binding* input = findInput(*prepared.engine, name);
        if (input && input->isShapeTensor) {
            KILN_RETURN_IF_ERROR(context->setShapeTensorValues(name, value.valuesAsInt64()));
        } else {
            KILN_RETURN_IF_ERROR(context->setInputShape(name, value.dims()));
        }
    }
    for (const Binding& binding : prepared.engine->bindings()) {
        KILN_RETURN_IF_ERROR(context->tensorShape(binding.name).status());  // derives the shape's engine
    }
    return context;
}

int prepareEngine(const EngineRequest& request, PreparedEngine& prepared) {
    setMemoryBudgetBytes(uint64_t(request.builder.memoryLimitMiB) << 20);
    prepared.logger = std::make_shared<StderrLogger>(request.builder);
    LoadedInputs files;
    const int code = isPlanFile(request.path) ? loadPlan(request, prepared, files)
                                              : importAndBuild(request, prepared, files);
    if (code != kExitSuccess) return code;

    const char* owner = prepared.fromPlan ? "plan" : "network";
    std::mt19937 generator(0);
    const std::vector<OptimizationProfile> profiles = prepared.engine->profiles();
    for (Binding input : prepared.engine->bindings()) {
        if (!input.isInput) continue;
        const auto file = files.find(input.name);
        if (input.isShapeTensor) {
            // Its values: --shapes's, else its file's, else its profile's opt values.
            const auto given = request.shapes.find(input.name);
            Dims values = profiles.front().inputs.at(input.name).opt;
            std::string from = "opt values of the plan's profile";
            if (given != request.shapes.end()) {
                values = given->second;
                from = "set by --shapes";
            } else if (file != files.end()) {
                if (Status status = checkAgainstBinding(input, file->second, request.shapes, owner); !status) {
                    return fail(kExitFailure, status.message());
                }
                values = file->second.tensor.valuesAsInt64();
                from = file->second.path;
            }
            if (Status inside = checkShapeInProfile(input.name, values, profiles.front(), 0); !inside) {
                return fail(kExitFailure, inside.message());
            }
            Result<HostTensor> tensor = integerTensor(input.type, input.dims, values);
            if (!tensor) return fail(kExitFailure, "shape tensor '" + input.name + "': " + tensor.status().message());
            prepared.inputs[input.name] = std::move(tensor).value();
            prepared.inputTable.addRow({input.name, toString(input.type), toString(input.dims),
                                        "shape tensor: values " + toString(values) + " (" + from + ")"});
            continue;
        }
        // A dynamic input runs the shape --shapes gives, else its file's, else its profile's opt shape.
        if (!profiles.empty() && profiles.front().inputs.count(input.name)) {
            const auto given = request.shapes.find(input.name);
            input.dims = given != request.shapes.end() ? given->second
                         : file != files.end()         ? file->second.tensor.dims()
                                                       : profiles.front().inputs.at(input.name).opt;
            if (Status inside = checkShapeInProfile(input.name, input.dims, profiles.front(), 0); !inside) {
                return fail(kExitFailure, (file != files.end() ? "'" + file->second.path + "': " : std::string()) +
                                              inside.message());
            }
        }
        if (file != files.end()) {
            if (Status status = checkAgainstBinding(input, file->second, request.shapes, owner); !status) {
                return fail(kExitFailure, status.message());
            }
            prepared.inputs[input.name] = file->second.tensor;
            prepared.inputTable.addRow(
                {input.name, toString(input.type), toString(input.dims), file->second.path});
        } else {
            const uint64_t bytes = uint64_t(std::max<int64_t>(volume(input.dims), 0)) * dataTypeSize(input.type);
            if (const uint64_t budget = memoryBudgetBytes(); budget > 0 && bytes > budget) {
                return fail(kExitFailure, "input '" + input.name + "' (" + toString(input.dims) + ") needs " +
                                              formatByteCount(bytes) + ", more than " + describeMemoryBudget() +
                                              "; use smaller shapes");
            }
            prepared.inputs[input.name] = randomInput(input, generator);
            prepared.inputTable.addRow({input.name, toString(input.type), toString(input.dims),
                                        isFloatingPoint(input.type) ? "random in [-1, 1), seed 0" : "zeros"});
        }
    }
    return kExitSuccess;
}

int64_t batchOf(const PreparedEngine& prepared) {
    const auto& inputs = prepared.engine->network().inputs();
    if (inputs.empty()) return 1;
    const auto value = prepared.inputs.find(inputs.front()->name());
    if (value == prepared.inputs.end() || value->second.dims().size() < 2) return 1;
    return std::max<int64_t>(1, value->second.dims().front());
}

}  // namespace kiln::cli

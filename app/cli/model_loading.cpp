// Model import for the CLI commands; see model_loading.h.
#include "model_loading.h"

#include <algorithm>

#include "commands.h"
#include "kiln/caffe_parser.h"

namespace kiln::cli {

std::string declaredShape(const OnnxInputInfo& input) {
    if (input.dims.empty()) return "scalar";
    std::string text;
    for (const std::string& extent : declaredExtents(input)) text += (text.empty() ? "" : "x") + extent;
    return text;
}

Status checkInputNames(const std::vector<OnnxInputInfo>& inputs, const std::vector<std::string>& names,
                       const std::string& flag) {
    for (const std::string& name : names) {
        bool found = false;
        for (const OnnxInputInfo& input : inputs)
            found = found || input.name == name;
        if (found) continue;
        std::string known;
        for (const OnnxInputInfo& input : inputs)
            known += (known.empty() ? "'" : ", '") + input.name + "'";
        return invalidArgument(flag + " names input '" + name +
                               "', which the model does not have; its inputs are " +
                               (known.empty() ? std::string("none") : known));
    }
    return Status::ok();
}

Status checkShapesAgree(const std::vector<OnnxInputInfo>& inputs, const ShapeMap& shapes) {
    for (const OnnxInputInfo& input : inputs) {
        const auto shape = shapes.find(input.name);
        if (shape == shapes.end()) continue;
        const Dims& dims = shape->second;
        if (input.isShapeTensor) {  // --shapes gives its values, as trtexec's does
            const int64_t count = volume(input.dims);
            if (int64_t(dims.size()) == count) continue;
            return invalidArgument("--shapes gives shape tensor '" + input.name + "' " + std::to_string(dims.size()) +
                                   " values (" + toString(dims) + "), but it holds " + std::to_string(count) +
                                   " (its values decide shapes, so --shapes gives values, not dimensions)");
        }
        bool agrees = dims.size() == input.dims.size();
        for (size_t i = 0; agrees && i < dims.size(); ++i)
            agrees = input.dims[i] < 0 || input.dims[i] == dims[i];
        if (agrees) continue;
        return invalidArgument("--shapes gives input '" + input.name + "' the shape " + toString(dims) +
                               ", but the model declares " + declaredShape(input) +
                               "; keep its rank and fixed extents and choose only the symbolic ones");
    }
    return Status::ok();
}

Status checkShapesGiven(const std::vector<OnnxInputInfo>& inputs, const ShapeMap& shapes) {
    std::string problems;
    ShapeMap suggestion;
    for (const OnnxInputInfo& input : inputs) {
        if (shapes.count(input.name) != 0) continue;
        if (input.isShapeTensor) {
            problems += "\n  input '" + input.name + "' (" + toString(input.type) + " " + declaredShape(input) +
                        ") is a shape tensor: its values decide shapes, and --shapes gives them";
            suggestion[input.name] = Dims(size_t(volume(input.dims)), 1);
            continue;
        }
        Dims example;
        std::string unresolved;
        for (size_t i = 0; i < input.dims.size(); ++i) {
            example.push_back(input.dims[i] >= 0 ? input.dims[i] : 1);
            if (input.dims[i] >= 0) continue;
            const bool named = i < input.dimNames.size() && !input.dimNames[i].empty();
            unresolved += std::string(unresolved.empty() ? "" : ", ") +
                          (named ? "symbolic dimension '" + input.dimNames[i] + "'"
                                 : std::string("an unknown dimension")) +
                          " (axis " + std::to_string(i) + ")";
        }
        if (unresolved.empty()) continue;
        problems += "\n  input '" + input.name + "' (" + declaredShape(input) + ") has " + unresolved;
        suggestion[input.name] = example;
    }
    if (problems.empty()) return Status::ok();
    return invalidArgument("the model has inputs without a concrete shape:" + problems +
                           "\ngive their shapes with --shapes, e.g. --shapes " + formatShapes(suggestion));
}

Status checkShapesForModel(const std::vector<OnnxInputInfo>& inputs, const ShapeMap& shapes) {
    std::vector<std::string> names;
    for (const auto& [name, dims] : shapes) names.push_back(name);
    KILN_RETURN_IF_ERROR(checkInputNames(inputs, names, "--shapes"));
    KILN_RETURN_IF_ERROR(checkShapesAgree(inputs, shapes));
    return checkShapesGiven(inputs, shapes);
}

Result<std::vector<OnnxInputInfo>> readModelInputs(const std::string& path) {
    if (!isCaffePrototxtPath(path)) return readOnnxInputs(path);
    KILN_ASSIGN_OR_RETURN(const std::vector<CaffeInputInfo> declared, readCaffeInputs(path));
    std::vector<OnnxInputInfo> inputs;
    for (const CaffeInputInfo& input : declared) {
        inputs.push_back({input.name, DataType::Float32, input.dims, std::vector<std::string>(input.dims.size()), false});
    }
    return inputs;
}

bool hasShapeTensors(const std::vector<OnnxInputInfo>& inputs) {
    return std::any_of(inputs.begin(), inputs.end(), [](const OnnxInputInfo& input) { return input.isShapeTensor; });
}

namespace {

// Parse options with `shapes`, where a shape tensor's entry gives its values: the network is imported
// with them as constants.
Result<OnnxParseOptions> parseOptions(const std::vector<OnnxInputInfo>& inputs, const ShapeMap& shapes) {
    OnnxParseOptions options;
    options.inputShapes = shapes;
    for (const OnnxInputInfo& input : inputs) {
        auto values = shapes.find(input.name);
        if (!input.isShapeTensor || values == shapes.end()) continue;
        KILN_ASSIGN_OR_RETURN(options.inputValues[input.name],
                              shapeTensorValue(input, values->second).withContext("--shapes " + input.name));
        options.inputShapes.erase(input.name);
    }
    return options;
}

// A Caffe net: its prototxt with the caffemodel `weights`, at `shapes` (which agree with the declared ones).
Result<NetworkDefinition> importCaffeNet(const std::string& path, const std::string& weights, const ShapeMap& shapes,
                                         ILogger* logger) {
    if (weights.empty()) {
        return invalidArgument("'" + path + "' is a Caffe net description: give its trained weights with --weights "
                               "FILE.caffemodel");
    }
    CaffeParseOptions options;
    options.inputShapes = shapes;
    options.logger = logger;
    KILN_ASSIGN_OR_RETURN(NetworkDefinition network, parseCaffeFiles(path, weights, options));
    KILN_RETURN_IF_ERROR(network.validate().withContext(path));
    return network;
}

}  // namespace

Result<NetworkDefinition> importModel(const std::string& path, const std::string& weights, const ShapeMap& shapes,
                                      ILogger* logger) {
    if (isCaffePrototxtPath(path)) return importCaffeNet(path, weights, shapes, logger);
    KILN_ASSIGN_OR_RETURN(const std::vector<OnnxInputInfo> inputs, readOnnxInputs(path));
    KILN_ASSIGN_OR_RETURN(OnnxParseOptions options, parseOptions(inputs, shapes));
    options.logger = logger;
    KILN_ASSIGN_OR_RETURN(NetworkDefinition network, parseOnnxFile(path, options));
    KILN_RETURN_IF_ERROR(network.validate().withContext(path));
    return network;
}

int importAssumingShapes(const std::string& path, const std::string& weights, const ShapeMap& shapes,
                         std::optional<NetworkDefinition>& network, std::string& assumed, ShapeMap* importedShapes) {
    if (isCaffePrototxtPath(path)) {  // a Caffe net's shapes are fixed: nothing to assume
        if (int code = importWithShapes(path, weights, shapes, network); code != kExitSuccess) return code;
        assumed.clear();
        if (importedShapes) {
            importedShapes->clear();
            for (const Tensor* input : network->inputs()) (*importedShapes)[input->name()] = input->dims();
        }
        return kExitSuccess;
    }
    Result<std::vector<OnnxInputInfo>> inputs = readOnnxInputs(path);
    if (!inputs) return fail(kExitFailure, inputs.status().message());
    std::vector<std::string> shapeNames;
    for (const auto& [name, dims] : shapes) shapeNames.push_back(name);
    if (Status status = checkInputNames(*inputs, shapeNames, "--shapes"); !status) return fail(kExitUsage, status.message());
    if (Status status = checkShapesAgree(*inputs, shapes); !status) return fail(kExitUsage, status.message());
    Result<OnnxParseOptions> options = parseOptions(*inputs, shapes);
    if (!options) return fail(kExitUsage, options.status().message());
    Result<AssumedShapesImport> imported = parseOnnxFileAssumingShapes(path, *options);
    if (!imported) {
        // No assumed size works: ask for the shapes that are missing, else report the import's error.
        if (Status status = checkShapesGiven(*inputs, shapes); !status) return fail(kExitUsage, status.message());
        return fail(kExitFailure, imported.status().message());
    }
    if (Status valid = imported->network.validate().withContext(path); !valid) return fail(kExitFailure, valid.message());
    assumed.clear();
    for (const std::string& input : imported->assumedInputs) {
        assumed += (assumed.empty() ? "" : "; ") + input + " as " + toString(imported->inputShapes.at(input));
    }
    if (importedShapes) *importedShapes = imported->inputShapes;
    network = std::move(imported->network);
    return kExitSuccess;
}

int importWithShapes(const std::string& path, const std::string& weights, const ShapeMap& shapes,
                     std::optional<NetworkDefinition>& network) {
    Result<std::vector<OnnxInputInfo>> inputs = readModelInputs(path);
    if (!inputs) return fail(kExitFailure, inputs.status().message());
    if (Status status = checkShapesForModel(*inputs, shapes); !status) return fail(kExitUsage, status.message());
    Result<NetworkDefinition> imported = importModel(path, weights, shapes);
    if (!imported) return fail(kExitFailure, imported.status().message());
    network = std::move(imported).value();
    return kExitSuccess;
}

}  // namespace kiln::cli

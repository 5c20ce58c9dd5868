// Running and judging one ONNX backend test case; see conformance_case.h.
#include "conformance_case.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include <onnx/onnx_pb.h>

#include "kiln/builder.h"
#include "kiln/onnx_parser.h"
#include "kiln/reference_executor.h"

namespace kiln::conformance {

namespace {

namespace fs = std::filesystem;

CaseResult failed(std::string reason) {
    return {Outcome::Failed, std::move(reason)};
}

// Unsupported is Kiln declining a valid model; any other error on a valid conformance model is a
// Kiln bug and counts as a failure.
CaseResult fromStatus(const Status& status, const std::string& stage) {
    std::string message = status.message();
    // Keep one line per case in verbose output readable; the first line says what went wrong.
    message = message.substr(0, message.find('\n'));
    if (message.size() > 300)
        message = message.substr(0, 300) + "...";
    return {status.code() == StatusCode::Unsupported ? Outcome::Unsupported : Outcome::Failed,
            stage + ": " + toString(status.code()) + ": " + message};
}

// Names a graph input or output that is a sequence, map or optional rather than a tensor: such
// cases cannot be fed or checked with tensors at all.
std::optional<std::string> nonTensorValue(const fs::path& modelPath) {
    onnx::ModelProto model;
    std::ifstream in(modelPath, std::ios::binary);
    if (!in || !model.ParseFromIstream(&in))
        return std::nullopt;  // the parser reports this itself
    for (const auto* values : {&model.graph().input(), &model.graph().output()}) {
        for (const onnx::ValueInfoProto& value : *values) {
            if (value.has_type() && !value.type().has_tensor_type()) {
                return "graph value '" + value.name() + "' is a sequence, map or optional, not a tensor";
            }
        }
    }
    return std::nullopt;
}

// input_0.pb, input_1.pb, ... up to the first missing index.
std::vector<fs::path> numberedFiles(const fs::path& dataSet, const std::string& prefix) {
    std::vector<fs::path> files;
    for (int i = 0;; ++i) {
        fs::path path = dataSet / (prefix + std::to_string(i) + ".pb");
        if (!fs::exists(path))
            break;
        files.push_back(std::move(path));
    }
    return files;
}

std::string indexText(const Dims& dims, int64_t flat) {
    std::vector<int64_t> index(dims.size());
    for (size_t axis = dims.size(); axis-- > 0;) {
        if (dims[axis] == 0)
            break;
        index[axis] = flat % dims[axis];
        flat /= dims[axis];
    }
    std::string text = "[";
    for (size_t i = 0; i < index.size(); ++i)
        text += (i > 0 ? "," : "") + std::to_string(index[i]);
    return text + "]";
}

Result<TensorMap> runNetwork(const NetworkDefinition& network, const TensorMap& inputs, ExecutionPath path) {
    if (path == ExecutionPath::Reference) return ReferenceExecutor(network).execute(inputs);
    KILN_ASSIGN_OR_RETURN(std::shared_ptr<Engine> engine, Builder::build(network, BuilderConfig{}));
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<ExecutionContext> context, engine->createExecutionContext());
    return context->execute(inputs);
}

CaseResult runDataSet(const fs::path& modelPath, const fs::path& dataSet,
                      const std::vector<OnnxInputInfo>& declared, ExecutionPath path) {
    const std::vector<fs::path> inputFiles = numberedFiles(dataSet, "input_");
    const std::vector<fs::path> outputFiles = numberedFiles(dataSet, "output_");
    const std::string setName = dataSet.filename().string();
    if (inputFiles.size() != declared.size()) {
        return failed(setName + " has " + std::to_string(inputFiles.size()) +
                      " inputs but the model declares " + std::to_string(declared.size()));
    }

    TensorMap inputs;
    OnnxParseOptions options;
    for (size_t k = 0; k < inputFiles.size(); ++k) {
        Result<HostTensor> tensor = readOnnxTensorFile(inputFiles[k].string());
        if (!tensor)
            return fromStatus(tensor.status(), "reading " + inputFiles[k].filename().string());
        options.inputShapes[declared[k].name] = tensor->dims();
        inputs[declared[k].name] = std::move(tensor).value();
    }
    std::vector<HostTensor> expected;
    for (const fs::path& file : outputFiles) {
        Result<HostTensor> tensor = readOnnxTensorFile(file.string());
        if (!tensor)
            return fromStatus(tensor.status(), "reading " + file.filename().string());
        expected.push_back(std::move(tensor).value());
    }

    // A graph input that decides a shape (a shape tensor) is given as a value, as TensorRT takes
    // shape-tensor values on the host: the import names each one it needs, and is tried again.
    std::vector<std::string> shapeInputs;
    options.shapeInputsFound = &shapeInputs;
    Result<NetworkDefinition> network = parseOnnxFile(modelPath.string(), options);
    while (!network && !shapeInputs.empty() && inputs.count(shapeInputs.back()) != 0) {
        const std::string name = shapeInputs.back();
        options.inputValues[name] = inputs.at(name);
        options.inputShapes.erase(name);
        inputs.erase(name);
        network = parseOnnxFile(modelPath.string(), options);
    }
    if (!network)
        return fromStatus(network.status(), "import");
    if (Status status = network->validate(); !status)
        return fromStatus(status, "validate");
    if (network->outputs().size() != expected.size()) {
        return failed("the network has " + std::to_string(network->outputs().size()) + " outputs but " +
                      setName + " expects " + std::to_string(expected.size()));
    }

    Result<TensorMap> outputs = runNetwork(*network, inputs, path);
    if (!outputs)
        return fromStatus(outputs.status(), "run");
    for (size_t k = 0; k < expected.size(); ++k) {
        const std::string& name = network->outputs()[k]->name();
        const auto actual = outputs->find(name);
        if (actual == outputs->end())
            return failed("run: no value for output '" + name + "'");
        const std::string mismatch = compareOutput(actual->second, expected[k]);
        if (!mismatch.empty())
            return failed(setName + " output " + std::to_string(k) + " '" + name + "': " + mismatch);
    }
    return {Outcome::Passed, {}};
}

}  // namespace

std::string compareOutput(const HostTensor& actual, const HostTensor& expected) {
    if (actual.type() != expected.type()) {
        return std::string("type ") + toString(actual.type()) + ", expected " + toString(expected.type());
    }
    if (actual.dims() != expected.dims()) {
        return "dims " + toString(actual.dims()) + ", expected " + toString(expected.dims());
    }
    const bool floating = isFloatingPoint(expected.type());
    int64_t mismatches = 0;
    int64_t first = -1;
    double worst = 0.0;
    for (int64_t i = 0; i < expected.elementCount(); ++i) {
        bool equal = false;
        double difference = 0.0;
        if (floating) {
            const double a = actual.valueAsDouble(i);
            const double b = expected.valueAsDouble(i);
            if (std::isnan(a) || std::isnan(b)) {
                equal = std::isnan(a) && std::isnan(b);
            } else if (std::isinf(a) || std::isinf(b)) {
                equal = a == b;
            } else {
                difference = std::abs(a - b);
                equal = difference <= kAbsoluteTolerance + kRelativeTolerance * std::abs(b);
            }
        } else {
            equal = actual.valueAsInt64(i) == expected.valueAsInt64(i);
        }
        if (equal)
            continue;
        ++mismatches;
        if (first < 0)
            first = i;
        worst = std::max(worst, difference);
    }
    if (mismatches == 0)
        return {};
    std::ostringstream out;
    out.precision(9);
    out << mismatches << " of " << expected.elementCount() << " elements differ; first at "
        << indexText(expected.dims(), first) << ": ";
    if (floating) {
        out << actual.valueAsDouble(first) << ", expected " << expected.valueAsDouble(first)
            << " (rtol 1e-3, atol 1e-7); largest difference " << worst;
    } else {
        out << actual.valueAsInt64(first) << ", expected " << expected.valueAsInt64(first);
    }
    return out.str();
}

CaseResult runCase(const fs::path& caseDirectory, ExecutionPath path) {
    const fs::path modelPath = caseDirectory / "model.onnx";
    if (std::optional<std::string> reason = nonTensorValue(modelPath))
        return {Outcome::Unsupported, *reason};

    std::vector<fs::path> dataSets;
    std::error_code error;
    for (const fs::directory_entry& entry : fs::directory_iterator(caseDirectory, error)) {
        if (entry.is_directory() && entry.path().filename().string().rfind("test_data_set_", 0) == 0) {
            dataSets.push_back(entry.path());
        }
    }
    if (error)
        return failed("cannot list " + caseDirectory.string() + ": " + error.message());
    if (dataSets.empty())
        return failed("no test_data_set_* folder in " + caseDirectory.string());
    std::sort(dataSets.begin(), dataSets.end());

    Result<std::vector<OnnxInputInfo>> declared = readOnnxInputs(modelPath.string());
    if (!declared)
        return fromStatus(declared.status(), "reading model inputs");
    for (const fs::path& dataSet : dataSets) {
        CaseResult result = runDataSet(modelPath, dataSet, *declared, path);
        if (result.outcome != Outcome::Passed)
            return result;
    }
    return {Outcome::Passed, {}};
}

}  // namespace kiln::conformance

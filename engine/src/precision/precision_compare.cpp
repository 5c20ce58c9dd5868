// Recording every tensor of a run, comparing two recordings, and the bisection that finds which
// layers must stay in FP32.
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "kiln/precision.h"

namespace kiln {

namespace {

class Recorder final : public ITensorObserver {
public:
    explicit Recorder(TensorRecording& recording) : m_recording(recording) {}
    void observe(const Layer& layer, const Tensor& tensor, const HostTensor& value) override {
        if (value.type() != DataType::Float32) return;
        m_recording[tensor.name()] = {value, layer.name(), layer.provenance(), tensor.isNetworkOutput()};
    }

private:
    TensorRecording& m_recording;
};

TensorError compareTensor(const RecordedTensor& reference, const RecordedTensor& compared, const std::string& name) {
    TensorError error;
    error.tensor = name;
    error.layer = compared.layer;
    error.nodes = compared.nodes;
    error.isNetworkOutput = compared.isNetworkOutput;
    const float* r = reference.value.data<float>();
    const float* a = compared.value.data<float>();
    double dot = 0.0, normR = 0.0, normA = 0.0, sumAbsR = 0.0, sumAbsDiff = 0.0, sumSqDiff = 0.0;
    for (int64_t i = 0; i < reference.value.elementCount(); ++i) {
        const double rv = r[i];
        const double av = a[i];
        if (!std::isfinite(av) && std::isfinite(rv)) {
            error.nonFinite = true;
            continue;
        }
        if (!std::isfinite(rv)) continue;
        const double diff = std::abs(av - rv);
        error.maxAbsoluteError = std::max(error.maxAbsoluteError, diff);
        error.referenceMaxAbs = std::max(error.referenceMaxAbs, std::abs(rv));
        dot += av * rv;
        normR += rv * rv;
        normA += av * av;
        sumAbsR += std::abs(rv);
        sumAbsDiff += diff;
        sumSqDiff += diff * diff;
    }
    error.meanRelativeError = sumAbsR > 0.0 ? sumAbsDiff / sumAbsR : (sumAbsDiff > 0.0 ? 1.0 : 0.0);
    error.cosineSimilarity = normR > 0.0 && normA > 0.0 ? dot / std::sqrt(normR * normA) : (normR == normA ? 1.0 : 0.0);
    error.snrDb = sumSqDiff > 0.0 ? 10.0 * std::log10(normR / sumSqDiff) : std::numeric_limits<double>::infinity();
    if (error.nonFinite) {
        error.maxAbsoluteError = std::numeric_limits<double>::infinity();
        error.cosineSimilarity = 0.0;
        error.snrDb = -std::numeric_limits<double>::infinity();
    }
    return error;
}

// The error of a tensor relative to its scale; infinite for non-finite values.
double relativeError(const TensorError& error) {
    if (error.nonFinite) return std::numeric_limits<double>::infinity();
    return error.maxAbsoluteError / std::max(error.referenceMaxAbs, std::numeric_limits<double>::min());
}

double worstOutputError(const std::vector<TensorError>& errors) {
    double worst = 0.0;
    for (const TensorError& error : errors) {
        if (error.isNetworkOutput) worst = std::max(worst, relativeError(error));
    }
    return worst;
}

// The layers of a reduced-precision engine ranked by the error each adds to the error of its inputs,
// each named by its first model node. Layers the builder added (reformats between formats) name
// themselves and no node of `network`: a precision constraint cannot name them, so they are no
// candidates; keeping their readers in FP32 removes them.
std::vector<std::string> rankCandidates(const Engine& engine, const std::vector<TensorError>& errors,
                                        const NetworkDefinition& network) {
    std::set<std::string> modelNodes;
    for (const auto& layer : network.layers()) {
        modelNodes.insert(layer->provenance().begin(), layer->provenance().end());
    }
    std::map<std::string, double> errorOf;
    for (const TensorError& error : errors) errorOf[error.tensor] = relativeError(error);
    std::map<std::string, std::string> precisionOf;
    for (const LayerRecord& record : engine.report().layersAfter) precisionOf[record.name] = record.precision;
    std::vector<std::pair<double, std::string>> ranked;
    std::set<std::string> named;
    for (const auto& layer : engine.network().layers()) {
        if (layer->isElided() || layer->provenance().empty() || precisionOf[layer->name()] == "FP32") continue;
        double inputError = 0.0;
        for (const Tensor* input : layer->inputs()) {
            if (!input) continue;
            auto it = errorOf.find(input->name());
            if (it != errorOf.end()) inputError = std::max(inputError, it->second);
        }
        double outputError = 0.0;
        for (const Tensor* output : layer->outputs()) {
            auto it = errorOf.find(output->name());
            if (it != errorOf.end()) outputError = std::max(outputError, it->second);
        }
        const double added = std::isinf(outputError) ? (std::isinf(inputError) ? 0.0 : outputError)
                                                     : outputError - (std::isinf(inputError) ? outputError : inputError);
        const std::string& node = layer->provenance().front();
        if (!modelNodes.count(node)) continue;
        if (named.insert(node).second) ranked.emplace_back(added, node);
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<std::string> nodes;
    for (const auto& [added, node] : ranked) nodes.push_back(node);
    return nodes;
}

}  // namespace

Result<TensorRecording> recordTensors(const Engine& engine, const TensorMap& inputs) {
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<ExecutionContext> context, engine.createExecutionContext());
    TensorRecording recording;
    Recorder recorder(recording);
    context->setTensorObserver(&recorder);
    KILN_ASSIGN_OR_RETURN(TensorMap outputs, context->execute(inputs));
    // Constant outputs are no layer's: record them as they are.
    for (const auto& [name, value] : outputs) {
        if (!recording.count(name) && value.type() == DataType::Float32) recording[name] = {value, "", {}, true};
    }
    return recording;
}

std::vector<TensorError> compareRecordings(const TensorRecording& reference, const TensorRecording& compared,
                                           const NetworkDefinition& comparedNetwork) {
    std::vector<TensorError> errors;
    std::set<std::string> done;
    auto add = [&](const std::string& name) {
        auto r = reference.find(name);
        auto c = compared.find(name);
        if (r == reference.end() || c == compared.end() || !done.insert(name).second) return;
        if (r->second.value.dims() != c->second.value.dims()) return;
        errors.push_back(compareTensor(r->second, c->second, name));
    };
    for (const auto& layer : comparedNetwork.layers()) {
        for (const Tensor* output : layer->outputs()) add(output->name());
    }
    for (const auto& [name, value] : compared) add(name);
    return errors;
}

bool outputsMeetTolerance(const std::vector<TensorError>& errors, double tolerance) {
    bool anyOutput = false;
    for (const TensorError& error : errors) {
        if (!error.isNetworkOutput) continue;
        anyOutput = true;
        if (!(relativeError(error) <= tolerance)) return false;
    }
    return anyOutput;
}

std::string BisectionResult::layerPrecisionsArgument() const {
    std::string argument;
    for (const std::string& node : keptNodes) argument += (argument.empty() ? "" : ",") + node + ":fp32";
    return argument;
}

Result<BisectionResult> bisectPrecision(const NetworkDefinition& network, const BuilderConfig& config,
                                        const TensorMap& inputs, const TensorRecording& reference, double tolerance,
                                        const std::function<void(const BisectionStep&)>& progress) {
    if (!(tolerance > 0.0)) return invalidArgument("the bisection tolerance must be positive");
    BisectionResult result;
    std::shared_ptr<Engine> first;
    std::vector<TensorError> firstErrors;
    // Builds with `kept` in FP32, runs, compares; remembers the step.
    auto attempt = [&](const std::vector<std::string>& kept) -> Result<bool> {
        BuilderConfig step = config;
        for (const std::string& node : kept) step.layerPrecisions.push_back({node, DataType::Float32});
        KILN_ASSIGN_OR_RETURN(std::shared_ptr<Engine> engine, Builder::build(network, step));
        KILN_ASSIGN_OR_RETURN(TensorRecording recording, recordTensors(*engine, inputs));
        std::vector<TensorError> errors = compareRecordings(reference, recording, engine->network());
        BisectionStep record{kept, outputsMeetTolerance(errors, tolerance), worstOutputError(errors)};
        result.steps.push_back(record);
        if (progress) progress(record);
        if (!first) {
            first = engine;
            firstErrors = std::move(errors);
        }
        return record.meets;
    };
    KILN_ASSIGN_OR_RETURN(const bool meetsAlready, attempt({}));
    if (meetsAlready) {
        result.found = true;
        return result;
    }
    const std::vector<std::string> candidates = rankCandidates(*first, firstErrors, network);
    auto prefix = [&](size_t count) { return std::vector<std::string>(candidates.begin(), candidates.begin() + long(count)); };
    size_t failing = 0;  // a prefix length known not to meet the tolerance
    size_t meeting = 0;  // a prefix length known to meet it (0: none found yet)
    for (size_t count = 1;; count = std::min(count * 2, candidates.size())) {
        KILN_ASSIGN_OR_RETURN(const bool meets, attempt(prefix(count)));
        if (meets) {
            meeting = count;
            break;
        }
        failing = count;
        if (count == candidates.size()) return result;  // not even every candidate in FP32 suffices
    }
    while (meeting - failing > 1) {
        const size_t middle = (failing + meeting) / 2;
        KILN_ASSIGN_OR_RETURN(const bool meets, attempt(prefix(middle)));
        (meets ? meeting : failing) = middle;
    }
    std::vector<std::string> kept = prefix(meeting);
    // Drop every layer the others make unnecessary, the least harmful first.
    for (size_t i = kept.size(); i-- > 0 && kept.size() > 1;) {
        std::vector<std::string> without = kept;
        without.erase(without.begin() + long(i));
        KILN_ASSIGN_OR_RETURN(const bool meets, attempt(without));
        if (meets) kept = std::move(without);
    }
    result.keptNodes = std::move(kept);
    result.found = true;
    return result;
}

}  // namespace kiln

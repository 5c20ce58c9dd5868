// The engine against the reference executor, element by element (kiln/reference_check.h).
#include "kiln/reference_check.h"

#include <cmath>
#include <limits>

#include "kiln/precision.h"
#include "kiln/reference_executor.h"

namespace kiln {

ElementTolerance defaultTolerance(DataType lowest) {
    switch (lowest) {
        case DataType::Int8: return {1e-1, 1e-1};
        case DataType::Float16:
        case DataType::BFloat16: return {2e-2, 2e-2};
        default: return {1e-4, 1e-3};
    }
}

TensorCheck checkTensor(const std::string& name, const HostTensor& actual, const HostTensor& reference,
                        ElementTolerance tolerance) {
    TensorCheck check;
    check.tensor = name;
    check.elements = reference.elementCount();
    if (actual.dims() != reference.dims()) {
        check.problem = "dims " + toString(actual.dims()) + ", the reference's " + toString(reference.dims());
        return check;
    }
    if (actual.type() != reference.type()) {
        check.problem = std::string("type ") + toString(actual.type()) + ", the reference's " + toString(reference.type());
        return check;
    }
    double worstExcess = -std::numeric_limits<double>::infinity();
    for (int64_t i = 0; i < check.elements; ++i) {
        const double x = actual.valueAsDouble(i);
        const double y = reference.valueAsDouble(i);
        const bool same = x == y || (std::isnan(x) && std::isnan(y));
        const double error = same ? 0.0
                             : std::isnan(x) || std::isnan(y) ? std::numeric_limits<double>::infinity()
                                                              : std::fabs(x - y);
        check.maxAbsolute = std::max(check.maxAbsolute, error);
        if (y != 0.0 && !std::isnan(y)) check.maxRelative = std::max(check.maxRelative, error / std::fabs(y));
        const double excess = error - (tolerance.atol + tolerance.rtol * std::fabs(y));
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

bool ReferenceCheck::pass() const { return firstBeyond() == nullptr; }

const TensorCheck* ReferenceCheck::firstBeyond() const {
    for (const TensorCheck& check : layers) {
        if (!check.withinTolerance()) return &check;
    }
    for (const TensorCheck& check : outputs) {
        if (!check.withinTolerance()) return &check;
    }
    return nullptr;
}

Result<ReferenceCheck> checkAgainstReference(const Engine& engine, NetworkDefinition model, const TensorMap& inputs,
                                             ElementTolerance tolerance, bool everyLayer) {
    ReferenceCheck result;
    result.tolerance = tolerance;
    if (everyLayer) {
        // Every tensor a layer of the model computes comes back from the reference run.
        for (const auto& layer : model.layers()) {
            for (Tensor* output : layer->outputs()) {
                if (output && !output->isNetworkOutput()) {
                    KILN_RETURN_IF_ERROR(model.markOutput(output).withContext("marking the model's tensors as outputs"));
                }
            }
        }
    }
    // Shape tensors are constants of the model as imported: the reference takes only its own inputs.
    TensorMap modelInputs;
    for (const Tensor* input : model.inputs()) {
        if (auto value = inputs.find(input->name()); value != inputs.end()) modelInputs.insert(*value);
    }
    KILN_ASSIGN_OR_RETURN(const TensorMap expected,
                          ReferenceExecutor(model).execute(modelInputs).withContext("the reference run failed"));
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<ExecutionContext> context, engine.createExecutionContext());
    KILN_ASSIGN_OR_RETURN(const TensorMap actual, context->execute(inputs));

    const NetworkDefinition& network = engine.network();
    for (const Tensor* output : network.outputs()) {
        const std::string& name = output->name();
        auto value = actual.find(name);
        if (value == actual.end()) return internalError("the engine's run gave no value for output '" + name + "'");
        auto reference = expected.find(name);
        if (reference == expected.end()) {
            return invalidArgument("the model has no output '" + name +
                                   "': check against the model the engine was built from");
        }
        TensorCheck check = checkTensor(name, value->second, reference->second, tolerance);
        if (const Layer* producer = output->producer()) check.layer = producer->name();
        result.outputs.push_back(std::move(check));
    }
    if (!everyLayer) return result;

    KILN_ASSIGN_OR_RETURN(const TensorRecording recording, recordTensors(engine, inputs));
    for (const auto& layer : network.layers()) {
        if (layer->isElided()) continue;
        for (const Tensor* output : layer->outputs()) {
            if (!output) continue;
            const auto value = recording.find(output->name());
            const auto reference = expected.find(output->name());
            if (value == recording.end() || reference == expected.end()) continue;  // the builder's own tensors
            if (value->second.value.type() != DataType::Float32 || reference->second.type() != DataType::Float32) continue;
            TensorCheck check = checkTensor(output->name(), value->second.value, reference->second, tolerance);
            check.layer = layer->name();
            result.layers.push_back(std::move(check));
        }
    }
    return result;
}

}  // namespace kiln

// Engine and ExecutionContext: the engine keeps the optimized network, its memory plan and build
// report; a context runs it inside one arena, skipping elided layers (their outputs are aliases that
// earlier layers already wrote), and reports each executed layer's time to the profiler.
#include "kiln/runtime.h"

#include <chrono>
#include <cstring>
#include <sstream>

#include "kiln/json_writer.h"

namespace kiln {

Engine::Engine(NetworkDefinition network, MemoryPlan memory, BuildReport report, std::string backend)
    : m_network(std::move(network)), m_memory(std::move(memory)), m_report(std::move(report)),
      m_backend(std::move(backend)) {
    for (const Tensor* input : m_network.inputs()) m_bindings.push_back({input->name(), input->type(), input->dims(), true});
    for (const Tensor* output : m_network.outputs()) {
        m_bindings.push_back({output->name(), output->type(), output->dims(), false});
    }
}

namespace {

void writeTensorInfo(JsonWriter& json, const Tensor* tensor) {
    json.beginObject();
    json.key("Name");
    json.value(tensor ? tensor->name() : std::string());
    if (tensor) {
        json.key("Location");
        json.value(tensor->isConstant() ? "Constant" : "Host");
        json.key("Dimensions");
        json.intArray(tensor->dims());
        json.key("Format/Datatype");
        json.value(std::string("Row major linear ") + toString(tensor->type()));
    }
    json.endObject();
}

}  // namespace

std::string Engine::layerInformationJson() const {
    std::map<std::string, const LayerRecord*> records;
    for (const LayerRecord& record : m_report.layersAfter) records[record.name] = &record;
    std::ostringstream out;
    JsonWriter json(out);
    json.beginObject();
    json.key("Layers");
    json.beginArray();
    for (const auto& layer : m_network.layers()) {
        json.beginObject();
        json.key("Name");
        json.value(layer->name());
        json.key("LayerType");
        json.value(toString(layer->kind()));
        json.key("Inputs");
        json.beginArray();
        for (const Tensor* input : layer->inputs()) {
            if (input) writeTensorInfo(json, input);
        }
        json.endArray();
        json.key("Outputs");
        json.beginArray();
        for (const Tensor* output : layer->outputs()) writeTensorInfo(json, output);
        json.endArray();
        json.key("ParameterType");
        json.value(toString(layer->kind()));
        json.key("Parameters");
        json.value(describeLayer(*layer));
        json.key("Origin");
        json.stringArray(layer->provenance());
        auto record = records.find(layer->name());
        json.key("Precision");
        json.value(record != records.end() ? record->second->precision : std::string("FP32"));
        json.key("TacticName");
        json.value(record != records.end() ? record->second->tactic : std::string());
        json.key("Elided");
        json.value(layer->isElided());
        json.endObject();
    }
    json.endArray();
    json.key("Bindings");
    json.beginArray();
    for (const Binding& binding : m_bindings) json.value(binding.name);
    json.endArray();
    json.endObject();
    out << '\n';
    return out.str();
}

Result<std::unique_ptr<ExecutionContext>> Engine::createExecutionContext() const {
    if (m_backend != "cpu") {
        return unsupported("this engine was built for backend '" + m_backend +
                           "', which this build of Kiln cannot run; rebuild it for 'cpu'");
    }
    return std::make_unique<ExecutionContext>(shared_from_this());
}

ExecutionContext::ExecutionContext(std::shared_ptr<const Engine> engine)
    : m_engine(std::move(engine)), m_arena(size_t(m_engine->memoryPlan().arenaBytes)) {}

Result<TensorMap> ExecutionContext::execute(const TensorMap& inputs) {
    const NetworkDefinition& network = m_engine->network();
    const MemoryPlan& plan = m_engine->memoryPlan();
    auto viewOf = [&](const Tensor* tensor) -> Result<HostTensor> {
        auto it = plan.offsets.find(tensor->name());
        if (it == plan.offsets.end()) {
            return internalError("the memory plan has no place for tensor '" + tensor->name() + "'");
        }
        return HostTensor::view(tensor->type(), tensor->dims(), m_arena.data() + it->second);
    };

    for (const Tensor* input : network.inputs()) {
        auto it = inputs.find(input->name());
        if (it == inputs.end()) {
            return invalidArgument("no value given for input '" + input->name() + "' (" + toString(input->type()) +
                                   " " + toString(input->dims()) + ")");
        }
        if (it->second.type() != input->type() || it->second.dims() != input->dims()) {
            return invalidArgument("input '" + input->name() + "' is " + toString(it->second.type()) + " " +
                                   toString(it->second.dims()) + "; the engine expects " + toString(input->type()) +
                                   " " + toString(input->dims()));
        }
        KILN_ASSIGN_OR_RETURN(HostTensor slot, viewOf(input));
        std::memcpy(slot.bytes(), it->second.bytes(), slot.byteSize());
    }
    for (const auto& [name, value] : inputs) {
        const Tensor* tensor = network.findTensor(name);
        if (!tensor || !tensor->isNetworkInput()) return invalidArgument("'" + name + "' is not an input of the engine");
    }

    for (const auto& layer : network.layers()) {
        if (layer->isElided()) continue;
        std::vector<HostTensor> inputViews;
        inputViews.reserve(layer->inputs().size());
        std::vector<const HostTensor*> layerInputs;
        for (const Tensor* input : layer->inputs()) {
            if (!input) {
                layerInputs.push_back(nullptr);
            } else if (input->isConstant()) {
                layerInputs.push_back(input->constantData().get());
            } else {
                KILN_ASSIGN_OR_RETURN(HostTensor view, viewOf(input));
                inputViews.push_back(std::move(view));
                layerInputs.push_back(&inputViews.back());
            }
        }
        std::vector<HostTensor> layerOutputs;
        for (const Tensor* output : layer->outputs()) {
            KILN_ASSIGN_OR_RETURN(HostTensor view, viewOf(output));
            layerOutputs.push_back(std::move(view));
        }
        const auto start = std::chrono::steady_clock::now();
        KILN_RETURN_IF_ERROR(runReferenceLayer(*layer, layerInputs, layerOutputs));
        if (m_profiler) {
            const std::chrono::duration<float, std::milli> elapsed = std::chrono::steady_clock::now() - start;
            m_profiler->reportLayerTime(layer->name(), elapsed.count());
        }
    }

    TensorMap outputs;
    for (const Tensor* output : network.outputs()) {
        if (output->isConstant()) {
            outputs[output->name()] = *output->constantData();
            continue;
        }
        KILN_ASSIGN_OR_RETURN(HostTensor view, viewOf(output));
        HostTensor owned(output->type(), output->dims());
        std::memcpy(owned.bytes(), view.bytes(), owned.byteSize());
        outputs[output->name()] = std::move(owned);
    }
    return outputs;
}

std::future<Result<TensorMap>> ExecutionContext::enqueue(TensorMap inputs) {
    return std::async(std::launch::async, [this, inputs = std::move(inputs)] { return execute(inputs); });
}

}  // namespace kiln

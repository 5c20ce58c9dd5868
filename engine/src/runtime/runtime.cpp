// Engine and ExecutionContext: the engine keeps the optimized network, its memory plan and build
// report; a context runs it inside one arena, skipping elided layers (their outputs are aliases that
// earlier layers already wrote), and reports each executed layer's time to the profiler.
#include "kiln/runtime.h"

#include <chrono>
#include <cstring>
#include <sstream>

#include "kiln/json_writer.h"
#include "runtime/compiled_kernels.h"

namespace kiln {

Engine::Engine(NetworkDefinition network, MemoryPlan memory, BuildReport report, std::string backend,
               std::shared_ptr<const detail::CompiledKernels> kernels)
    : m_network(std::move(network)), m_memory(std::move(memory)), m_report(std::move(report)),
      m_backend(std::move(backend)), m_kernels(std::move(kernels)) {
    for (const Tensor* input : m_network.inputs()) m_bindings.push_back({input->name(), input->type(), input->dims(), true});
    for (const Tensor* output : m_network.outputs()) {
        m_bindings.push_back({output->name(), output->type(), output->dims(), false});
    }
    if (!m_kernels) {
        std::vector<std::string> tacticIds;
        for (const auto& layer : m_network.layers()) tacticIds.push_back(layer->isElided() ? "" : "reference:naive");
        auto reference = detail::instantiateKernels(m_network, "cpu", std::move(tacticIds),
                                                    std::vector<std::vector<tactics::WeightBlob>>(m_network.layers().size()));
        if (reference) {
            m_kernels = std::move(reference).value();
        } else {
            m_kernelStatus = reference.status();
            m_kernels = std::make_shared<detail::CompiledKernels>();
        }
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
        const TensorFormat format = tensor->format();
        json.value(format.isLinear() ? std::string("Row major linear ") + toString(tensor->type())
                                     : std::string("Channel major ") + toString(tensor->type()) + " format where channel % " +
                                           std::to_string(format.channelBlock) + " == 0 (" +
                                           toString(format, tensor->dims().size()) + ")");
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
    KILN_RETURN_IF_ERROR(m_kernelStatus);
    for (const auto& tensor : m_network.tensors()) {
        if (!tensor->isConstant() && !tensor->alias() && !m_memory.offsets.count(tensor->name()) &&
            (tensor->producer() || tensor->isNetworkInput())) {
            return internalError("the memory plan has no place for tensor '" + tensor->name() + "'");
        }
    }
    return std::make_unique<ExecutionContext>(shared_from_this());
}

namespace {

constexpr size_t kAlignment = 64;

size_t alignUp(size_t value) { return (value + kAlignment - 1) / kAlignment * kAlignment; }

}  // namespace

ExecutionContext::ExecutionContext(std::shared_ptr<const Engine> engine) : m_engine(std::move(engine)) {
    const size_t arenaBytes = alignUp(size_t(m_engine->memoryPlan().arenaBytes));
    const size_t workspaceBytes = alignUp(size_t(m_engine->kernels().workspaceBytes));
    m_memory.resize(arenaBytes + workspaceBytes + kAlignment);
    m_arena = reinterpret_cast<std::byte*>(alignUp(reinterpret_cast<uintptr_t>(m_memory.data())));
    m_workspace = m_arena + arenaBytes;

    const NetworkDefinition& network = m_engine->network();
    const MemoryPlan& plan = m_engine->memoryPlan();
    auto place = [&](const Tensor* tensor) -> std::byte* {
        auto it = plan.offsets.find(tensor->name());
        return it == plan.offsets.end() ? nullptr : m_arena + it->second;
    };
    for (size_t i = 0; i < network.layers().size(); ++i) {
        const Layer& layer = *network.layers()[i];
        if (layer.isElided()) continue;
        Step step;
        step.layer = i;
        for (const Tensor* input : layer.inputs()) {
            step.inputs.push_back(!input ? nullptr : input->isConstant() ? input->constantData()->bytes() : place(input));
        }
        for (const Tensor* output : layer.outputs()) step.outputs.push_back(place(output));
        m_steps.push_back(std::move(step));
    }
}

Result<TensorMap> ExecutionContext::execute(const TensorMap& inputs) {
    const NetworkDefinition& network = m_engine->network();
    const MemoryPlan& plan = m_engine->memoryPlan();
    auto viewOf = [&](const Tensor* tensor) -> Result<HostTensor> {
        auto it = plan.offsets.find(tensor->name());
        if (it == plan.offsets.end()) {
            return internalError("the memory plan has no place for tensor '" + tensor->name() + "'");
        }
        return HostTensor::view(tensor->type(), tensor->dims(), m_arena + it->second);
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

    const detail::CompiledKernels& kernels = m_engine->kernels();
    for (const Step& step : m_steps) {
        const tactics::Kernel* kernel = kernels.layers[step.layer].kernel.get();
        const Layer& layer = *network.layers()[step.layer];
        if (!kernel) return internalError("layer '" + layer.name() + "' has no kernel");
        const tactics::KernelArgs args{step.inputs, step.outputs, m_workspace};
        const auto start = std::chrono::steady_clock::now();
        KILN_RETURN_IF_ERROR(kernel->run(args).withContext("layer '" + layer.name() + "'"));
        if (m_profiler) {
            const std::chrono::duration<float, std::milli> elapsed = std::chrono::steady_clock::now() - start;
            m_profiler->reportLayerTime(layer.name(), elapsed.count());
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

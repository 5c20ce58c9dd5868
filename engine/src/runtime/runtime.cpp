// Engine and ExecutionContext: the engine keeps the optimized network, its memory plan and build
// report; a context runs it inside one arena in its backend's memory, skipping elided layers (their
// outputs are aliases that earlier layers already wrote), and reports each executed layer's time,
// measured by the backend's timer, to the profiler.
#include "kiln/runtime.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <set>
#include <sstream>

#include <omp.h>

#include "backends/backend.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/team_size.h"
#include "kiln/device.h"
#include "kiln/json_writer.h"
#include "runtime/compiled_kernels.h"
#include "runtime/dynamic_shapes.h"
#include "tactics/formats.h"
#include "tactics/plugin_tactics.h"

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
        // Plugin layers run their plugin's own FP32 tactic: a plugin is its own reference.
        for (const auto& layer : m_network.layers()) {
            tacticIds.push_back(layer->isElided() ? ""
                                : layer->kind() == LayerKind::Plugin
                                    ? tactics::pluginTacticId(*layer, DataType::Float32)
                                    : "reference:naive");
        }
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

std::vector<OptimizationProfile> Engine::profiles() const {
    std::vector<OptimizationProfile> profiles;
    if (m_dynamic) {
        for (const detail::ProfileInfo& info : m_dynamic->profiles) profiles.push_back(info.profile);
    }
    return profiles;
}

void Engine::setDynamicShapes(std::shared_ptr<const detail::DynamicShapes> dynamic,
                              const std::vector<std::string>& warnings) {
    m_dynamic = std::move(dynamic);
    m_report.warnings.insert(m_report.warnings.end(), warnings.begin(), warnings.end());
    if (!m_dynamic) return;
    // A dimension any profile lets vary is -1, as TensorRT reports it; outputs' follow from their inputs.
    std::map<std::string, Dims> varying;
    for (const detail::ProfileInfo& info : m_dynamic->profiles) {
        for (const auto& [name, range] : info.profile.inputs) {
            if (range.values) continue;
            Dims& dims = varying.emplace(name, range.opt).first->second;
            for (size_t axis = 0; axis < dims.size() && axis < range.min.size(); ++axis) {
                if (range.min[axis] != range.max[axis]) dims[axis] = -1;
            }
        }
    }
    // An output dimension varies when it differs between the networks of a profile's min and max
    // shapes (imported only, not built); one that cannot be told is -1.
    std::map<std::string, Dims> outputs;
    for (const detail::ProfileInfo& info : m_dynamic->profiles) {
        for (const auto which : {&ShapeRange::min, &ShapeRange::max}) {
            std::map<std::string, Dims> shapes;
            for (const auto& [name, range] : info.profile.inputs) shapes[name] = range.*which;
            auto network = m_dynamic->source->instantiate(shapes);
            for (const Binding& binding : m_bindings) {
                if (binding.isInput) continue;
                const Tensor* tensor = network.isOk() ? network.value().findTensor(binding.name) : nullptr;
                Dims& dims = outputs.emplace(binding.name, binding.dims).first->second;
                if (!tensor || tensor->dims().size() != dims.size()) {
                    dims.assign(dims.size(), -1);
                    continue;
                }
                for (size_t axis = 0; axis < dims.size(); ++axis) {
                    if (tensor->dims()[axis] != dims[axis]) dims[axis] = -1;
                }
            }
        }
    }
    for (Binding& binding : m_bindings) {
        auto it = binding.isInput ? varying.find(binding.name) : outputs.find(binding.name);
        if (it != (binding.isInput ? varying.end() : outputs.end())) binding.dims = it->second;
    }
    // Shape tensors are constants in every derived network; they are bindings all the same, after the
    // other inputs, as TensorRT lists them among its I/O tensors.
    auto firstOutput = std::find_if(m_bindings.begin(), m_bindings.end(), [](const Binding& b) { return !b.isInput; });
    std::vector<Binding> shapeTensors;
    for (const SourceInput& input : m_dynamic->source->inputs()) {
        const bool bound = std::any_of(m_bindings.begin(), m_bindings.end(), [&](const Binding& b) { return b.name == input.name; });
        if (input.isShapeTensor && !bound) shapeTensors.push_back({input.name, input.type, input.dims, true, true});
    }
    m_bindings.insert(firstOutput, shapeTensors.begin(), shapeTensors.end());
}

int64_t Engine::workspaceBytes() const { return m_kernels ? m_kernels->workspaceBytes : 0; }

int64_t Engine::contextMemoryBytes() const {
    int64_t arena = m_memory.arenaBytes;
    int64_t workspace = workspaceBytes();
    if (m_dynamic) {
        for (const detail::ProfileInfo& info : m_dynamic->profiles) {
            arena = std::max(arena, info.arenaBytes);
            workspace = std::max(workspace, info.workspaceBytes);
        }
    }
    return std::max<int64_t>(arena, 0) + std::max<int64_t>(workspace, 0);
}

int64_t Engine::weightBytes() const {
    std::set<const std::byte*> counted;
    int64_t total = 0;
    for (size_t i = 0; i < m_network.layers().size() && i < m_kernels->layers.size(); ++i) {
        const Layer& layer = *m_network.layers()[i];
        const detail::LayerKernel& entry = m_kernels->layers[i];
        if (layer.isElided()) continue;
        for (const tactics::WeightBlob& blob : entry.weights) {
            if (!blob.empty() && counted.insert(blob.data()).second) total += int64_t(blob.size());
        }
        for (size_t index = 0; index < layer.inputs().size(); ++index) {
            const Tensor* input = layer.input(index);
            if (!input || !input->isConstant() || (entry.kernel && !entry.kernel->readsInput(index))) continue;
            const HostTensor& data = *input->constantData();
            if (data.byteSize() > 0 && counted.insert(data.bytes()).second) total += int64_t(data.byteSize());
        }
    }
    return total;
}

bool Engine::usesDeviceMemory() const {
    const backends::Backend* backend = backends::findBackend(m_backend);
    return backend && !backend->hostAddressable();
}

std::string Engine::deviceDescription() const {
    const backends::Backend* backend = backends::findBackend(m_backend);
    if (!backend) return "no backend named '" + m_backend + "'";
    if (const auto reason = backend->unavailableReason()) return m_backend + " unavailable: " + *reason;
    return backend->deviceDescription();
}

namespace {

void writeTensorInfo(JsonWriter& json, const Tensor* tensor, bool onDevice) {
    json.beginObject();
    json.key("Name");
    json.value(tensor ? tensor->name() : std::string());
    if (tensor) {
        json.key("Location");
        json.value(tensor->isConstant() ? "Constant" : onDevice ? "Device" : "Host");
        json.key("Dimensions");
        json.intArray(tensor->dims());
        json.key("Format/Datatype");
        const TensorFormat format = tensor->format();
        const std::string stored = toString(storageType(tensor->type(), format));
        const std::string layout = toString(format, tensor->dims().size());
        json.value(format.isLinear() ? "Row major linear " + stored
                   : format.channelsLast
                       ? "Channel last " + stored + " format where channel % " + std::to_string(format.channelBlock) +
                             " == 0 (" + layout + ")"
                       : "Channel major " + stored + " format where channel % " + std::to_string(format.channelBlock) +
                             " == 0 (" + layout + ")");
    }
    json.endObject();
}

// TensorRT's name of an activation (nvinfer1::ActivationType as trtexec writes it).
const char* tensorRtActivation(ActivationType type) {
    switch (type) {
        case ActivationType::Relu: return "RELU";
        case ActivationType::LeakyRelu: return "LEAKY_RELU";
        case ActivationType::Sigmoid: return "SIGMOID";
        case ActivationType::Tanh: return "TANH";
        case ActivationType::Clip: return "CLIP";
        case ActivationType::HardSigmoid: return "HARD_SIGMOID";
        case ActivationType::HardSwish: return "HARD_SWISH";
        case ActivationType::Elu: return "ELU";
        case ActivationType::Selu: return "SELU";
        case ActivationType::Softplus: return "SOFTPLUS";
        case ActivationType::Gelu: return "GELU_ERF";
        case ActivationType::GeluTanh: return "GELU_TANH";
    }
    return "NONE";
}

// TensorRT's name of a weights type: "Float", "Half", "Int8", as its layer information writes them.
const char* tensorRtWeightsType(const std::string& precision) {
    if (precision == "FP16") return "Half";
    if (precision == "INT8") return "Int8";
    if (precision == "BF16") return "BFloat16";
    return "Float";
}

void writeWeights(JsonWriter& json, const char* key, const Tensor* weights, const std::string& precision) {
    json.key(key);
    json.beginObject();
    json.key("Type");
    json.value(tensorRtWeightsType(precision));
    json.key("Count");
    json.value(weights ? volume(weights->dims()) : int64_t(0));
    json.endObject();
}

std::vector<int64_t> half(const std::vector<int64_t>& pads, bool second) {
    const size_t n = pads.size() / 2;
    return second ? std::vector<int64_t>(pads.begin() + std::ptrdiff_t(n), pads.end())
                  : std::vector<int64_t>(pads.begin(), pads.begin() + std::ptrdiff_t(n));
}

// The typed fields TensorRT's --exportLayerInfo gives a layer of this kind (with
// --profilingVerbosity=detailed), so that tools written for TensorRT's exports read Kiln's.
void writeTypedFields(JsonWriter& json, const Layer& layer, const std::string& precision) {
    auto activation = [&](const std::optional<ActivationParams>& fused) {
        json.key("Activation");
        json.value(fused ? tensorRtActivation(fused->type) : "NONE");
    };
    switch (layer.kind()) {
        case LayerKind::Convolution:
        case LayerKind::Deconvolution: {
            const bool conv = layer.kind() == LayerKind::Convolution;
            const Dims& w = layer.input(1)->dims();
            const auto& strides = conv ? layer.paramsAs<ConvolutionParams>().strides : layer.paramsAs<DeconvolutionParams>().strides;
            const auto& pads = conv ? layer.paramsAs<ConvolutionParams>().pads : layer.paramsAs<DeconvolutionParams>().pads;
            const auto& dilations = conv ? layer.paramsAs<ConvolutionParams>().dilations : layer.paramsAs<DeconvolutionParams>().dilations;
            const int64_t groups = conv ? layer.paramsAs<ConvolutionParams>().groups : layer.paramsAs<DeconvolutionParams>().groups;
            json.key("Kernel");
            json.intArray(w.size() > 2 ? std::vector<int64_t>(w.begin() + 2, w.end()) : std::vector<int64_t>{});
            json.key("PaddingMode");
            json.value("kEXPLICIT_ROUND_DOWN");
            json.key("PrePadding");
            json.intArray(half(pads, false));
            json.key("PostPadding");
            json.intArray(half(pads, true));
            json.key("Stride");
            json.intArray(strides);
            json.key("Dilation");
            json.intArray(dilations);
            json.key("OutMaps");
            json.value(conv ? (w.empty() ? int64_t(0) : w[0]) : (w.size() > 1 ? w[1] * groups : int64_t(0)));
            json.key("Groups");
            json.value(groups);
            writeWeights(json, "Weights", layer.input(1), precision);
            writeWeights(json, "Bias", layer.input(2), precision);
            json.key("HasBias");
            json.value(int64_t(layer.input(2) ? 1 : 0));
            activation(conv ? layer.paramsAs<ConvolutionParams>().activation : std::nullopt);
            break;
        }
        case LayerKind::Pooling: {
            const auto& p = layer.paramsAs<PoolingParams>();
            json.key("PoolingType");
            json.value(p.type == PoolingType::Max ? "MAX" : "AVERAGE");
            json.key("WindowSize");
            json.intArray(p.kernel);
            json.key("PaddingMode");
            json.value(p.ceilMode ? "kEXPLICIT_ROUND_UP" : "kEXPLICIT_ROUND_DOWN");
            json.key("PrePadding");
            json.intArray(half(p.pads, false));
            json.key("PostPadding");
            json.intArray(half(p.pads, true));
            json.key("Stride");
            json.intArray(p.strides);
            json.key("BlendFactor");
            json.value(0.0);
            json.key("AverageCountExcludesPadding");
            json.value(!p.countIncludePad);
            break;
        }
        case LayerKind::Activation: {
            const auto& p = layer.paramsAs<ActivationParams>();
            json.key("ActivationType");
            json.value(tensorRtActivation(p.type));
            json.key("Alpha");
            json.value(double(p.alpha));
            json.key("Beta");
            json.value(double(p.beta));
            break;
        }
        case LayerKind::Gemm:
        case LayerKind::MatMul: {
            const Tensor* weights = layer.input(1) && layer.input(1)->isConstant() ? layer.input(1) : nullptr;
            if (weights) writeWeights(json, "Weights", weights, precision);
            const Tensor* bias = layer.input(2);
            if (bias && bias->isConstant()) writeWeights(json, "Bias", bias, precision);
            activation(layer.kind() == LayerKind::Gemm ? layer.paramsAs<GemmParams>().activation
                                                       : layer.paramsAs<MatMulParams>().activation);
            break;
        }
        default:
            break;
    }
}

// TensorRT writes a tactic as a 64-bit value; Kiln's tactics are names, so the value is the name's 64-bit
// FNV-1a hash (stable across runs and machines), beside the name in TacticName.
std::string tacticValue(const std::string& tactic) {
    uint64_t hash = 0xcbf29ce484222325ull;
    for (const char c : tactic) {
        hash ^= uint8_t(c);
        hash *= 0x100000001b3ull;
    }
    char text[24];
    std::snprintf(text, sizeof(text), "0x%016llx", static_cast<unsigned long long>(hash));
    return text;
}

}  // namespace

std::string Engine::layerInformationJson() const {
    const bool onDevice = usesDeviceMemory();
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
            if (input) writeTensorInfo(json, input, onDevice);
        }
        json.endArray();
        json.key("Outputs");
        json.beginArray();
        for (const Tensor* output : layer->outputs()) writeTensorInfo(json, output, onDevice);
        json.endArray();
        json.key("ParameterType");
        json.value(toString(layer->kind()));
        json.key("Parameters");
        json.value(describeLayer(*layer));
        json.key("Origin");
        json.stringArray(layer->provenance());
        auto record = records.find(layer->name());
        const std::string precision = record != records.end() ? record->second->precision : std::string("FP32");
        writeTypedFields(json, *layer, precision);
        json.key("Precision");
        json.value(precision);
        json.key("TacticName");
        json.value(record != records.end() ? record->second->tactic : std::string());
        json.key("TacticValue");
        json.value(tacticValue(record != records.end() ? record->second->tactic : std::string()));
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
    const backends::Backend* backend = backends::findBackend(m_backend);
    if (!backend) return unsupported("this engine was built for backend '" + m_backend + "', which kiln does not have");
    if (const auto reason = backend->unavailableReason()) {
        return unsupported("this engine was built for the " + m_backend + " backend, which is unavailable here: " +
                           *reason + "; rebuild it with --backend cpu");
    }
    KILN_RETURN_IF_ERROR(m_kernelStatus);
    for (const auto& tensor : m_network.tensors()) {
        if (!tensor->isConstant() && !tensor->alias() && !m_memory.offsets.count(tensor->name()) &&
            (tensor->producer() || tensor->isNetworkInput())) {
            return internalError("the memory plan has no place for tensor '" + tensor->name() + "'");
        }
    }
    if (backend->hostAddressable()) {
        const auto needed = uint64_t(contextMemoryBytes());
        const uint64_t budget = memoryBudgetBytes();
        if (budget > 0 && needed > budget) {
            return unsupported("an execution context of this engine needs " + formatByteCount(needed) +
                               " (activations and workspace), more than " + describeMemoryBudget() +
                               "; rebuild it for smaller shapes");
        }
    }
    std::unique_ptr<ExecutionContext> context(new ExecutionContext(shared_from_this()));
    context->m_backend = backend;
    KILN_RETURN_IF_ERROR(context->initialize());
    return context;
}

namespace {

constexpr size_t kAlignment = 256;

size_t alignUp(size_t value) { return (value + kAlignment - 1) / kAlignment * kAlignment; }

}  // namespace

ExecutionContext::ExecutionContext(std::shared_ptr<const Engine> engine) : m_root(engine), m_engine(std::move(engine)) {
    if (const detail::DynamicShapes* dynamic = m_root->dynamicShapes(); dynamic && !dynamic->profiles.empty()) {
        for (const auto& [name, range] : dynamic->profiles[0].profile.inputs) m_shapes[name] = range.opt;
    }
}

ExecutionContext::~ExecutionContext() {
    // Work still queued reads and writes this context's memory: let it finish first. All of it is on
    // the own queue (enqueueV3 on a caller's queue too); the caller's queue may be gone by now.
    if (m_stream) (void)m_stream->synchronize();
}

Status ExecutionContext::initialize() {
    // A dynamic engine's context holds the memory of the largest shape of any profile, so that every
    // shape runs in it.
    int64_t arenaBytes = m_engine->memoryPlan().arenaBytes;
    int64_t workspaceBytes = m_engine->kernels().workspaceBytes;
    if (const detail::DynamicShapes* dynamic = m_root->dynamicShapes()) {
        for (const detail::ProfileInfo& info : dynamic->profiles) {
            arenaBytes = std::max(arenaBytes, info.arenaBytes);
            workspaceBytes = std::max(workspaceBytes, info.workspaceBytes);
        }
    }
    KILN_ASSIGN_OR_RETURN(m_memory,
                          m_backend->allocate(std::max<size_t>(alignUp(size_t(arenaBytes)) + alignUp(size_t(workspaceBytes)),
                                                               kAlignment))
                              .withContext("the execution context's memory"));
    KILN_ASSIGN_OR_RETURN(m_stream, m_backend->createStream());
    m_bindingAddresses.assign(m_root->bindings().size(), nullptr);
    return bind(m_engine);
}

Status ExecutionContext::bind(std::shared_ptr<const Engine> engine) {
    const size_t arenaBytes = alignUp(size_t(engine->memoryPlan().arenaBytes));
    const size_t needed = arenaBytes + alignUp(size_t(engine->kernels().workspaceBytes));
    if (m_memory->size() < needed) {  // a shape larger than the profiles promised: the memory grows
        KILN_RETURN_IF_ERROR(m_stream->synchronize());
        KILN_ASSIGN_OR_RETURN(m_memory, m_backend->allocate(needed).withContext("the execution context's memory"));
    }
    m_engine = std::move(engine);
    m_arena = m_memory->data();
    m_workspace = m_arena + arenaBytes;
    m_steps.clear();
    m_bindingMemory.clear();
    m_layerTimers.clear();
    m_recording.reset();
    m_streamSetUp = false;  // new kernels may have lazy set-up to finish outside a recording

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
    for (const Binding& binding : m_root->bindings()) {
        const Tensor* tensor = network.findTensor(binding.name);
        m_bindingMemory.push_back(tensor && !tensor->isConstant() ? place(tensor) : nullptr);
    }
    return Status::ok();
}

namespace {

// The values of a shape tensor given as a host tensor (INT32 or INT64, as the binding declares).
Result<std::vector<int64_t>> valuesOf(const Binding& binding, const HostTensor& value) {
    if (value.type() != binding.type || value.dims() != binding.dims) {
        return invalidArgument("shape tensor '" + binding.name + "' is " + toString(value.type()) + " " +
                               toString(value.dims()) + "; the engine expects " + toString(binding.type) + " " +
                               toString(binding.dims));
    }
    return value.valuesAsInt64();
}

}  // namespace

Status ExecutionContext::setShapeTensorValues(const std::string& name, const std::vector<int64_t>& values) {
    KILN_ASSIGN_OR_RETURN(const size_t index, bindingIndex(name));
    if (!m_root->bindings()[index].isShapeTensor) {
        return invalidArgument("'" + name + "' is not a shape tensor; give its shape with setInputShape");
    }
    const detail::DynamicShapes* dynamic = m_root->dynamicShapes();
    const Dims dims(values.begin(), values.end());
    KILN_RETURN_IF_ERROR(checkShapeInProfile(name, dims, dynamic->profiles[m_profile].profile, m_profile));
    if (m_shapes[name] != dims) {
        m_shapes[name] = dims;
        m_shapesChanged = true;
    }
    return Status::ok();
}

Result<std::vector<int64_t>> ExecutionContext::shapeTensorValues(const std::string& name) const {
    KILN_ASSIGN_OR_RETURN(const size_t index, bindingIndex(name));
    if (!m_root->bindings()[index].isShapeTensor) return invalidArgument("'" + name + "' is not a shape tensor");
    const Dims& values = m_shapes.at(name);
    return std::vector<int64_t>(values.begin(), values.end());
}

Status ExecutionContext::setInputShape(const std::string& name, const Dims& dims) {
    const detail::DynamicShapes* dynamic = m_root->dynamicShapes();
    if (auto index = bindingIndex(name); index && m_root->bindings()[*index].isShapeTensor) {
        const Binding& binding = m_root->bindings()[*index];
        if (dims == binding.dims) return Status::ok();
        return invalidArgument("shape tensor '" + name + "' has the fixed shape " + toString(binding.dims) +
                               "; its values, not its shape, vary: set them with setShapeTensorValues");
    }
    if (!dynamic || !m_shapes.count(name)) {  // a static input: only its own shape
        KILN_ASSIGN_OR_RETURN(const size_t index, bindingIndex(name));
        const Binding& binding = m_root->bindings()[index];
        if (!binding.isInput) return invalidArgument("'" + name + "' is an output; only inputs have shapes to set");
        if (binding.dims != dims) {
            return invalidArgument("input '" + name + "' has the fixed shape " + toString(binding.dims) +
                                   " in this engine; it cannot run " + toString(dims) +
                                   ": rebuild with --minShapes/--optShapes/--maxShapes for a range of shapes");
        }
        return Status::ok();
    }
    KILN_RETURN_IF_ERROR(checkShapeInProfile(name, dims, dynamic->profiles[m_profile].profile, m_profile));
    if (m_shapes[name] != dims) {
        m_shapes[name] = dims;
        m_shapesChanged = true;
    }
    return Status::ok();
}

Status ExecutionContext::setOptimizationProfile(size_t index) {
    const detail::DynamicShapes* dynamic = m_root->dynamicShapes();
    const size_t count = dynamic ? dynamic->profiles.size() : 1;
    if (index >= count) {
        return invalidArgument("optimization profile " + std::to_string(index) + " does not exist; the engine has " +
                               std::to_string(count) + " (0 to " + std::to_string(count - 1) + ")");
    }
    if (!dynamic || index == m_profile) return Status::ok();
    m_profile = index;
    for (const auto& [name, range] : dynamic->profiles[index].profile.inputs) m_shapes[name] = range.opt;
    m_shapesChanged = true;
    return Status::ok();
}

Status ExecutionContext::prepareShapes() {
    if (!m_shapesChanged) return Status::ok();
    const detail::DynamicShapes* dynamic = m_root->dynamicShapes();
    const auto start = std::chrono::steady_clock::now();
    KILN_ASSIGN_OR_RETURN(std::shared_ptr<const Engine> specialized, dynamic->specialize(m_shapes, m_profile));
    m_shapesChanged = false;
    if (specialized == m_engine) return Status::ok();
    if (m_logger) {
        std::string shapes;
        for (const auto& [name, dims] : m_shapes) shapes += (shapes.empty() ? "" : ", ") + name + " " + toString(dims);
        char took[32];
        std::snprintf(took, sizeof took, "%.1f ms", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
        m_logger->log(Severity::Info, "running at " + shapes + " (optimization profile " + std::to_string(m_profile) +
                                          "; its engine was ready or derived in " + took + ")");
    }
    KILN_RETURN_IF_ERROR(m_stream->synchronize());  // queued runs still use the old steps' memory
    return bind(std::move(specialized));
}

Result<Dims> ExecutionContext::tensorShape(const std::string& name) {
    KILN_RETURN_IF_ERROR(prepareShapes());
    KILN_ASSIGN_OR_RETURN(const size_t index, bindingIndex(name));
    // A shape tensor is folded into each derived network: its shape is its binding's.
    if (m_root->bindings()[index].isShapeTensor) return m_root->bindings()[index].dims;
    const Tensor* tensor = m_engine->network().findTensor(name);
    if (!tensor) return internalError("binding '" + name + "' has no tensor in the engine's network");
    return tensor->dims();
}

Result<size_t> ExecutionContext::bindingIndex(const std::string& name) const {
    const auto& bindings = m_root->bindings();
    for (size_t i = 0; i < bindings.size(); ++i) {
        if (bindings[i].name == name) return i;
    }
    return invalidArgument("'" + name + "' is not an input or output of the engine");
}

namespace {

Status noMemoryOf(const Binding& binding) {
    if (binding.isShapeTensor) {
        return invalidArgument("'" + binding.name + "' is a shape tensor, read on the host: it has no memory of its "
                               "own; give its values with setShapeTensorValues");
    }
    return invalidArgument("'" + binding.name + "' is a constant output and has no memory of its own");
}

}  // namespace

Result<void*> ExecutionContext::tensorAddress(const std::string& name) const {
    KILN_ASSIGN_OR_RETURN(const size_t index, bindingIndex(name));
    if (!m_bindingMemory[index]) return noMemoryOf(m_root->bindings()[index]);
    return static_cast<void*>(m_bindingMemory[index]);
}

Status ExecutionContext::setTensorAddress(const std::string& name, void* address) {
    KILN_ASSIGN_OR_RETURN(const size_t index, bindingIndex(name));
    if (!m_bindingMemory[index]) return noMemoryOf(m_root->bindings()[index]);
    m_bindingAddresses[index] = address;
    return Status::ok();
}

void ExecutionContext::setGraphReplay(bool enabled) {
    m_graphReplay = enabled;
    if (!enabled) m_recording.reset();
}

Status ExecutionContext::synchronize() { return m_stream->synchronize(); }

Status ExecutionContext::issueSteps(backends::Stream& stream) {
    const NetworkDefinition& network = m_engine->network();
    const detail::CompiledKernels& kernels = m_engine->kernels();
    const bool profiling = m_profiler != nullptr;
    if (profiling && m_layerTimers.size() != m_steps.size()) {
        m_layerTimers.clear();
        for (size_t i = 0; i < m_steps.size(); ++i) {
            KILN_ASSIGN_OR_RETURN(auto timer, m_backend->createTimer());
            m_layerTimers.push_back(std::move(timer));
        }
    }
    size_t nextLayer = 0;  // elided layers before a step are observed at their place in network order
    auto observeElidedUpTo = [&](size_t end) -> Status {
        for (; nextLayer < end; ++nextLayer) {
            const Layer& layer = *network.layers()[nextLayer];
            if (m_observer && layer.isElided()) KILN_RETURN_IF_ERROR(observeOutputs(layer, stream));
        }
        return Status::ok();
    };
    for (size_t i = 0; i < m_steps.size(); ++i) {
        const Step& step = m_steps[i];
        const tactics::Kernel* kernel = kernels.layers[step.layer].kernel.get();
        const Layer& layer = *network.layers()[step.layer];
        if (!kernel) return internalError("layer '" + layer.name() + "' has no kernel");
        KILN_RETURN_IF_ERROR(observeElidedUpTo(step.layer));
        tactics::KernelArgs args;
        args.inputs = step.inputs;
        args.outputs = step.outputs;
        args.workspace = m_workspace;
        args.stream = &stream;
        m_backend->pushRange(layer.name());
        if (profiling) m_layerTimers[i]->start(stream);
        const Status ran = kernel->run(args);
        if (profiling) m_layerTimers[i]->stop(stream);
        m_backend->popRange();
        KILN_RETURN_IF_ERROR(ran.withContext("layer '" + layer.name() + "'"));
        nextLayer = step.layer + 1;
        if (m_observer) KILN_RETURN_IF_ERROR(observeOutputs(layer, stream));
    }
    KILN_RETURN_IF_ERROR(observeElidedUpTo(network.layers().size()));
    return Status::ok();
}

Status ExecutionContext::observeOutputs(const Layer& layer, backends::Stream& stream) {
    const MemoryPlan& plan = m_engine->memoryPlan();
    KILN_RETURN_IF_ERROR(stream.synchronize());
    for (const Tensor* output : layer.outputs()) {
        auto it = plan.offsets.find(output->name());
        if (it == plan.offsets.end()) continue;
        const size_t bytes = size_t(output->storageBytes());
        std::vector<std::byte> stored(bytes);
        KILN_RETURN_IF_ERROR(m_backend->copy(stored.data(), m_arena + it->second, bytes,
                                             backends::CopyDirection::DeviceToHost, stream));
        KILN_RETURN_IF_ERROR(stream.synchronize());
        m_observer->observe(layer, *output,
                            tactics::fromFormat(stored.data(), output->type(), output->dims(), output->format(),
                                                tactics::storageScale(*output)));
    }
    return Status::ok();
}

// One run on `stream`: the caller's inputs copied in, the layers (replayed from a recording where
// possible), the outputs copied out to the caller's addresses.
Status ExecutionContext::issueRun(backends::Stream& stream) {
    // CPU kernels run on this thread, on the threads the engine was built for, or fewer while other
    // programs keep cores busy (setAdaptiveThreads).
    const bool cpuEngine = m_engine->backend() == "cpu";
    const bool adapt = cpuEngine && m_adaptiveThreads;
    if (adapt && (!m_team || m_teamEngine != m_engine.get())) {
        m_team = std::make_unique<cpu::TeamSizer>(m_engine->report().threads);  // other shapes: other times
        m_teamEngine = m_engine.get();
    }
    if (adapt && m_team->onSmallerTeam()) m_team->observeRunning(cpu::runningTasks());
    const int teamSize = adapt ? m_team->next() : m_engine->report().threads;
    const cpu::KernelThreads threads(teamSize);
    m_lastRunThreads = cpuEngine ? (teamSize > 0 ? teamSize : omp_get_max_threads()) : 0;
    const auto started = std::chrono::steady_clock::now();
    const auto& bindings = m_root->bindings();
    const NetworkDefinition& network = m_engine->network();
    auto copyBindings = [&](bool inputs) -> Status {
        for (size_t i = 0; i < bindings.size(); ++i) {
            if (bindings[i].isInput != inputs || !m_bindingAddresses[i] || !m_bindingMemory[i]) continue;
            const size_t bytes = size_t(network.findTensor(bindings[i].name)->storageBytes());
            void* target = inputs ? static_cast<void*>(m_bindingMemory[i]) : m_bindingAddresses[i];
            const void* source = inputs ? m_bindingAddresses[i] : static_cast<const void*>(m_bindingMemory[i]);
            KILN_RETURN_IF_ERROR(
                m_backend->copy(target, source, bytes, backends::CopyDirection::DeviceToDevice, stream));
        }
        return Status::ok();
    };
    auto work = [&]() -> Status {
        KILN_RETURN_IF_ERROR(copyBindings(true));
        KILN_RETURN_IF_ERROR(issueSteps(stream));
        return copyBindings(false);
    };
    m_lastRunReplayed = false;
    // The first run is never recorded: kernels and the queue's library handles finish their lazy
    // set-up in it (creating a handle while recording would break the recording).
    const bool replay =
        m_graphReplay && !m_profiler && !m_observer && m_graphFallbackReason.empty() && m_streamSetUp;
    if (m_recording && m_recordedAddresses != m_bindingAddresses) m_recording.reset();
    if (replay && !m_recording) {
        auto recording = m_backend->capture(stream, work);
        if (recording) {
            m_recording = std::move(recording).value();
            m_recordedAddresses = m_bindingAddresses;
        } else {
            m_graphFallbackReason = recording.status().message();
            if (m_logger) m_logger->log(Severity::Info, "runs are not replayed from a recording: " + m_graphFallbackReason);
        }
    }
    if (replay && m_recording) {
        KILN_RETURN_IF_ERROR(m_recording->launch(stream));
        m_lastRunReplayed = true;
    } else {
        KILN_RETURN_IF_ERROR(work());
        m_streamSetUp = true;
    }
    if (adapt) {
        // The CPU backend has run the layers by now: the wall time is the run's.
        m_team->record(teamSize, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
    }
    if (m_profiler) {
        KILN_RETURN_IF_ERROR(stream.synchronize());
        for (size_t i = 0; i < m_steps.size(); ++i) {
            KILN_ASSIGN_OR_RETURN(const double milliseconds, m_layerTimers[i]->milliseconds());
            m_profiler->reportLayerTime(network.layers()[m_steps[i].layer]->name(), float(milliseconds));
        }
    }
    return Status::ok();
}

// A run on a caller's queue goes on the context's own queue, after the work issued to the caller's
// queue so far and before the work issued to it next, ordered by the backend (events on CUDA) rather
// than by waiting on the host. So the own queue's library handles and recording serve every caller's
// queue, runs from two caller queues never race for the arena, and nothing uses the caller's queue
// after enqueueV3 returns: the caller may destroy it, once synchronized, before the context.
Status ExecutionContext::enqueueV3(void* nativeStream) {
    KILN_RETURN_IF_ERROR(prepareShapes());
    if (!nativeStream || nativeStream == m_stream->native()) return issueRun(*m_stream);
    if (!m_callerStream || m_callerStream->native() != nativeStream) {
        KILN_ASSIGN_OR_RETURN(m_callerStream, m_backend->wrapStream(nativeStream));
    }
    KILN_RETURN_IF_ERROR(m_stream->waitFor(*m_callerStream));
    const Status ran = issueRun(*m_stream);
    // Joined back after a failure too: a caller recording its queue cannot end the recording while
    // the own queue, drawn into it by the wait above, has not rejoined.
    const Status joined = m_callerStream->waitFor(*m_stream);
    return ran.isOk() ? joined : ran;
}

Result<TensorMap> ExecutionContext::execute(const TensorMap& inputs) {
    std::set<std::string> shapeTensors;
    if (m_root->hasDynamicShapes()) {
        for (const auto& [name, value] : inputs) {
            auto index = bindingIndex(name);
            if (index && m_root->bindings()[*index].isShapeTensor) {
                KILN_ASSIGN_OR_RETURN(const std::vector<int64_t> values, valuesOf(m_root->bindings()[*index], value));
                KILN_RETURN_IF_ERROR(setShapeTensorValues(name, values));
                shapeTensors.insert(name);
            } else if (m_shapes.count(name)) {
                KILN_RETURN_IF_ERROR(setInputShape(name, value.dims()));
            }
        }
        KILN_RETURN_IF_ERROR(prepareShapes());
    }
    const NetworkDefinition& network = m_engine->network();
    const auto& bindings = m_root->bindings();
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
    }
    for (const auto& [name, value] : inputs) {
        const Tensor* tensor = network.findTensor(name);
        if ((!tensor || !tensor->isNetworkInput()) && !shapeTensors.count(name)) {
            return invalidArgument("'" + name + "' is not an input of the engine");
        }
    }

    // Host tensors go through staging memory on a device backend (page-locked: the fastest copies);
    // on the CPU they are copied straight into the arena.
    const bool direct = m_backend->hostAddressable();
    std::vector<size_t> stagingAt(bindings.size(), 0);
    if (!direct) {
        size_t total = 0;
        for (size_t i = 0; i < bindings.size(); ++i) {
            stagingAt[i] = total;
            if (m_bindingMemory[i]) total += alignUp(size_t(network.findTensor(bindings[i].name)->storageBytes()));
        }
        if (!m_staging || m_staging->size() < total) {
            KILN_ASSIGN_OR_RETURN(m_staging, m_backend->allocateStaging(std::max<size_t>(total, kAlignment)));
        }
    }
    backends::Stream& stream = *m_stream;
    std::vector<void*> callerAddresses(bindings.size(), nullptr);
    std::swap(callerAddresses, m_bindingAddresses);  // execute() uses the context's own binding memory
    auto restore = [&] { std::swap(callerAddresses, m_bindingAddresses); };
    for (size_t i = 0; i < bindings.size(); ++i) {
        if (!bindings[i].isInput || !m_bindingMemory[i]) continue;
        const HostTensor& value = inputs.at(bindings[i].name);
        if (value.byteSize() == 0) continue;  // an empty tensor: nothing to copy (and no pointer to copy from)
        if (direct) {
            std::memcpy(m_bindingMemory[i], value.bytes(), value.byteSize());
            continue;
        }
        std::byte* staged = m_staging->data() + stagingAt[i];
        std::memcpy(staged, value.bytes(), value.byteSize());
        if (Status copied = m_backend->copy(m_bindingMemory[i], staged, value.byteSize(),
                                            backends::CopyDirection::HostToDevice, stream);
            !copied.isOk()) {
            restore();
            return copied;
        }
    }
    Status ran = issueRun(stream);
    restore();
    KILN_RETURN_IF_ERROR(ran);
    if (!direct) {
        for (size_t i = 0; i < bindings.size(); ++i) {
            if (bindings[i].isInput || !m_bindingMemory[i]) continue;
            const size_t bytes = size_t(network.findTensor(bindings[i].name)->storageBytes());
            KILN_RETURN_IF_ERROR(m_backend->copy(m_staging->data() + stagingAt[i], m_bindingMemory[i], bytes,
                                                 backends::CopyDirection::DeviceToHost, stream));
        }
    }
    KILN_RETURN_IF_ERROR(stream.synchronize());

    TensorMap outputs;
    for (size_t i = 0; i < bindings.size(); ++i) {
        if (bindings[i].isInput) continue;
        const Tensor* output = network.findTensor(bindings[i].name);
        if (output->isConstant()) {
            outputs[output->name()] = *output->constantData();
            continue;
        }
        HostTensor owned(output->type(), output->dims());
        if (owned.byteSize() > 0) {
            std::memcpy(owned.bytes(), direct ? m_bindingMemory[i] : m_staging->data() + stagingAt[i], owned.byteSize());
        }
        outputs[output->name()] = std::move(owned);
    }
    return outputs;
}

std::future<Result<TensorMap>> ExecutionContext::enqueue(TensorMap inputs) {
    return std::async(std::launch::async, [this, inputs = std::move(inputs)] { return execute(inputs); });
}

}  // namespace kiln

// cuDNN graph API plumbing: descriptors, heuristics, engine configurations by id, plans, execution.
#include "backends/cuda/cudnn/cudnn_graph.h"

#include <algorithm>
#include <charconv>

#include "backends/cuda/cuda_common.h"

namespace kiln::cuda::cudnn {

namespace {

constexpr int kMaxNotes = 16;

template <typename Note>
std::vector<Note> notesOf(const Descriptor& engine, cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type) {
    Note notes[kMaxNotes];
    int64_t count = 0;
    if (cudnnBackendGetAttribute(engine.get(), name, type, kMaxNotes, &count, notes) != CUDNN_STATUS_SUCCESS) return {};
    return std::vector<Note>(notes, notes + std::clamp<int64_t>(count, 0, kMaxNotes));
}

// The engine, knobs and notes of a finalized engine configuration.
Result<EngineChoice> describe(const Descriptor& config) {
    KILN_ASSIGN_OR_RETURN(Descriptor engine, Descriptor::make(CUDNN_BACKEND_ENGINE_DESCRIPTOR, "an engine"));
    cudnnBackendDescriptor_t engineHandle = engine.get();
    int64_t count = 0;
    KILN_CUDNN_RETURN_IF_ERROR(cudnnBackendGetAttribute(config.get(), CUDNN_ATTR_ENGINECFG_ENGINE,
                                                        CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &count, &engineHandle),
                               "reading an engine configuration's engine");
    EngineChoice choice;
    KILN_CUDNN_RETURN_IF_ERROR(cudnnBackendGetAttribute(engine.get(), CUDNN_ATTR_ENGINE_GLOBAL_INDEX, CUDNN_TYPE_INT64,
                                                        1, &count, &choice.engine),
                               "reading an engine's index");
    choice.numericalNotes = notesOf<cudnnBackendNumericalNote_t>(engine, CUDNN_ATTR_ENGINE_NUMERICAL_NOTE,
                                                                 CUDNN_TYPE_NUMERICAL_NOTE);
    choice.behaviorNotes = notesOf<cudnnBackendBehaviorNote_t>(engine, CUDNN_ATTR_ENGINE_BEHAVIOR_NOTE,
                                                               CUDNN_TYPE_BEHAVIOR_NOTE);
    std::vector<Descriptor> knobs;
    std::vector<cudnnBackendDescriptor_t> knobHandles;
    for (int i = 0; i < CUDNN_KNOB_TYPE_COUNTS; ++i) {
        KILN_ASSIGN_OR_RETURN(Descriptor knob, Descriptor::make(CUDNN_BACKEND_KNOB_CHOICE_DESCRIPTOR, "a knob choice"));
        knobHandles.push_back(knob.get());
        knobs.push_back(std::move(knob));
    }
    KILN_CUDNN_RETURN_IF_ERROR(cudnnBackendGetAttribute(config.get(), CUDNN_ATTR_ENGINECFG_KNOB_CHOICES,
                                                        CUDNN_TYPE_BACKEND_DESCRIPTOR, int64_t(knobHandles.size()),
                                                        &count, knobHandles.data()),
                               "reading an engine configuration's knobs");
    for (int64_t i = 0; i < std::min<int64_t>(count, int64_t(knobs.size())); ++i) {
        cudnnBackendKnobType_t type{};
        int64_t value = 0;
        int64_t got = 0;
        KILN_CUDNN_RETURN_IF_ERROR(cudnnBackendGetAttribute(knobs[size_t(i)].get(), CUDNN_ATTR_KNOB_CHOICE_KNOB_TYPE,
                                                            CUDNN_TYPE_KNOB_TYPE, 1, &got, &type),
                                   "reading a knob's type");
        KILN_CUDNN_RETURN_IF_ERROR(cudnnBackendGetAttribute(knobs[size_t(i)].get(), CUDNN_ATTR_KNOB_CHOICE_KNOB_VALUE,
                                                            CUDNN_TYPE_INT64, 1, &got, &value),
                                   "reading a knob's value");
        choice.knobs.emplace_back(int64_t(type), value);
    }
    std::sort(choice.knobs.begin(), choice.knobs.end());
    return choice;
}

}  // namespace

Result<Descriptor> Descriptor::make(cudnnBackendDescriptorType_t type, const char* what) {
    Descriptor descriptor;
    descriptor.m_what = what;
    KILN_CUDNN_RETURN_IF_ERROR(cudnnBackendCreateDescriptor(type, &descriptor.m_handle),
                               std::string("creating ") + what + " descriptor");
    return descriptor;
}

Descriptor& Descriptor::operator=(Descriptor&& other) noexcept {
    if (this != &other) {
        if (m_handle) cudnnBackendDestroyDescriptor(m_handle);
        m_handle = std::exchange(other.m_handle, nullptr);
        m_what = other.m_what;
    }
    return *this;
}

Descriptor::~Descriptor() {
    if (m_handle) cudnnBackendDestroyDescriptor(m_handle);
}

Status Descriptor::set(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type, int64_t count,
                       const void* values) {
    KILN_CUDNN_RETURN_IF_ERROR(cudnnBackendSetAttribute(m_handle, name, type, count, values),
                               std::string("setting attribute ") + std::to_string(int(name)) + " of " + m_what);
    return Status::ok();
}

Status Descriptor::finalize() {
    KILN_CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(m_handle), std::string("finalizing ") + m_what);
    return Status::ok();
}

bool EngineChoice::has(cudnnBackendNumericalNote_t note) const {
    return std::find(numericalNotes.begin(), numericalNotes.end(), note) != numericalNotes.end();
}

bool EngineChoice::has(cudnnBackendBehaviorNote_t note) const {
    return std::find(behaviorNotes.begin(), behaviorNotes.end(), note) != behaviorNotes.end();
}

std::string EngineChoice::key() const {
    std::string key = "e" + std::to_string(engine);
    for (const auto& [type, value] : knobs) key += ".k" + std::to_string(type) + "=" + std::to_string(value);
    return key;
}

Result<EngineChoice> EngineChoice::parse(const std::string& key) {
    const Status malformed = invalidModel("'" + key + "' does not name a cuDNN engine configuration; rebuild the plan");
    EngineChoice choice;
    const char* at = key.data();
    const char* end = key.data() + key.size();
    auto number = [&](int64_t& value) {
        const auto [next, error] = std::from_chars(at, end, value);
        if (error != std::errc() || next == at) return false;
        at = next;
        return true;
    };
    if (at == end || *at++ != 'e' || !number(choice.engine)) return malformed;
    while (at != end) {
        int64_t type = 0;
        int64_t value = 0;
        if (end - at < 2 || at[0] != '.' || at[1] != 'k') return malformed;
        at += 2;
        if (!number(type) || at == end || *at++ != '=' || !number(value)) return malformed;
        if (type < 0 || type >= CUDNN_KNOB_TYPE_COUNTS) return malformed;
        choice.knobs.emplace_back(type, value);
    }
    return choice;
}

std::string EngineChoice::notes() const {
    std::string text;
    auto add = [&text](const char* note) { text += (text.empty() ? "" : ", ") + std::string(note); };
    if (has(CUDNN_NUMERICAL_NOTE_TENSOR_CORE)) add("tensor cores");
    if (has(CUDNN_NUMERICAL_NOTE_DOWN_CONVERT_INPUTS)) add("down-converts inputs");
    if (has(CUDNN_NUMERICAL_NOTE_FFT)) add("FFT");
    if (has(CUDNN_NUMERICAL_NOTE_WINOGRAD)) add("Winograd");
    if (has(CUDNN_NUMERICAL_NOTE_NONDETERMINISTIC)) add("nondeterministic");
    if (has(CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION)) add("compiled at run time");
    return text;
}

Result<std::vector<EngineChoice>> engineChoices(const OperationGraph& graph) {
    std::vector<EngineChoice> choices;
    for (const cudnnBackendHeurMode_t mode : {CUDNN_HEUR_MODE_A, CUDNN_HEUR_MODE_B, CUDNN_HEUR_MODE_FALLBACK}) {
        KILN_ASSIGN_OR_RETURN(Descriptor heuristics, Descriptor::make(CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR, "a heuristics"));
        KILN_RETURN_IF_ERROR(heuristics.setDescriptor(CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH, graph.graph));
        KILN_RETURN_IF_ERROR(heuristics.setOne(CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, mode));
        if (!heuristics.finalize().isOk()) continue;  // a mode that does not apply to this graph
        int64_t count = 0;
        KILN_CUDNN_RETURN_IF_ERROR(cudnnBackendGetAttribute(heuristics.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS,
                                                            CUDNN_TYPE_BACKEND_DESCRIPTOR, 0, &count, nullptr),
                                   "counting the heuristics' engine configurations");
        std::vector<Descriptor> configs;
        std::vector<cudnnBackendDescriptor_t> handles;
        for (int64_t i = 0; i < count; ++i) {
            KILN_ASSIGN_OR_RETURN(Descriptor config, Descriptor::make(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR,
                                                                      "an engine configuration"));
            handles.push_back(config.get());
            configs.push_back(std::move(config));
        }
        int64_t got = 0;
        if (count > 0) {
            KILN_CUDNN_RETURN_IF_ERROR(cudnnBackendGetAttribute(heuristics.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS,
                                                                CUDNN_TYPE_BACKEND_DESCRIPTOR, count, &got, handles.data()),
                                       "reading the heuristics' engine configurations");
        }
        for (int64_t i = 0; i < std::min(got, count); ++i) {
            auto choice = describe(configs[size_t(i)]);
            if (!choice) continue;
            const std::string key = choice.value().key();
            if (std::none_of(choices.begin(), choices.end(), [&](const EngineChoice& c) { return c.key() == key; })) {
                choices.push_back(std::move(choice).value());
            }
        }
    }
    return choices;
}

Result<ExecutionPlan> makeExecutionPlan(cudnnHandle_t handle, const OperationGraph& graph, const EngineChoice& choice) {
    KILN_ASSIGN_OR_RETURN(Descriptor engine, Descriptor::make(CUDNN_BACKEND_ENGINE_DESCRIPTOR, "an engine"));
    KILN_RETURN_IF_ERROR(engine.setDescriptor(CUDNN_ATTR_ENGINE_OPERATION_GRAPH, graph.graph));
    KILN_RETURN_IF_ERROR(engine.setOne(CUDNN_ATTR_ENGINE_GLOBAL_INDEX, CUDNN_TYPE_INT64, choice.engine));
    KILN_RETURN_IF_ERROR(engine.finalize());
    std::vector<Descriptor> knobs;
    std::vector<cudnnBackendDescriptor_t> knobHandles;
    for (const auto& [type, value] : choice.knobs) {
        KILN_ASSIGN_OR_RETURN(Descriptor knob, Descriptor::make(CUDNN_BACKEND_KNOB_CHOICE_DESCRIPTOR, "a knob choice"));
        const auto knobType = cudnnBackendKnobType_t(type);
        KILN_RETURN_IF_ERROR(knob.setOne(CUDNN_ATTR_KNOB_CHOICE_KNOB_TYPE, CUDNN_TYPE_KNOB_TYPE, knobType));
        KILN_RETURN_IF_ERROR(knob.setOne(CUDNN_ATTR_KNOB_CHOICE_KNOB_VALUE, CUDNN_TYPE_INT64, value));
        KILN_RETURN_IF_ERROR(knob.finalize());
        knobHandles.push_back(knob.get());
        knobs.push_back(std::move(knob));
    }
    KILN_ASSIGN_OR_RETURN(Descriptor config, Descriptor::make(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR, "an engine configuration"));
    KILN_RETURN_IF_ERROR(config.setDescriptor(CUDNN_ATTR_ENGINECFG_ENGINE, engine));
    if (!knobHandles.empty()) {
        KILN_RETURN_IF_ERROR(config.set(CUDNN_ATTR_ENGINECFG_KNOB_CHOICES, CUDNN_TYPE_BACKEND_DESCRIPTOR,
                                        int64_t(knobHandles.size()), knobHandles.data()));
    }
    KILN_RETURN_IF_ERROR(config.finalize());
    ExecutionPlan result;
    KILN_ASSIGN_OR_RETURN(result.plan, Descriptor::make(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR, "an execution plan"));
    KILN_RETURN_IF_ERROR(result.plan.setOne(CUDNN_ATTR_EXECUTION_PLAN_HANDLE, CUDNN_TYPE_HANDLE, handle));
    KILN_RETURN_IF_ERROR(result.plan.setDescriptor(CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG, config));
    KILN_RETURN_IF_ERROR(result.plan.finalize());
    int64_t count = 0;
    KILN_CUDNN_RETURN_IF_ERROR(cudnnBackendGetAttribute(result.plan.get(), CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE,
                                                        CUDNN_TYPE_INT64, 1, &count, &result.workspaceBytes),
                               "reading an execution plan's workspace size");
    return result;
}

Result<Descriptor> makeTensor(int64_t uid, cudnnDataType_t type, const std::vector<int64_t>& dims,
                              const std::vector<int64_t>& strides, int64_t alignment, bool isVirtual) {
    KILN_ASSIGN_OR_RETURN(Descriptor tensor, Descriptor::make(CUDNN_BACKEND_TENSOR_DESCRIPTOR, "a tensor"));
    KILN_RETURN_IF_ERROR(tensor.setOne(CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_TYPE_DATA_TYPE, type));
    KILN_RETURN_IF_ERROR(tensor.setInts(CUDNN_ATTR_TENSOR_DIMENSIONS, dims));
    KILN_RETURN_IF_ERROR(tensor.setInts(CUDNN_ATTR_TENSOR_STRIDES, strides));
    KILN_RETURN_IF_ERROR(tensor.setOne(CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_TYPE_INT64, uid));
    KILN_RETURN_IF_ERROR(tensor.setOne(CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, CUDNN_TYPE_INT64, alignment));
    if (isVirtual) KILN_RETURN_IF_ERROR(tensor.setOne(CUDNN_ATTR_TENSOR_IS_VIRTUAL, CUDNN_TYPE_BOOLEAN, true));
    KILN_RETURN_IF_ERROR(tensor.finalize());
    return tensor;
}

Status execute(cudnnHandle_t handle, const Descriptor& plan, const std::vector<int64_t>& uids,
               const std::vector<void*>& pointers, void* workspace) {
    KILN_ASSIGN_OR_RETURN(Descriptor pack, Descriptor::make(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR, "a variant pack"));
    KILN_RETURN_IF_ERROR(pack.set(CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_TYPE_INT64, int64_t(uids.size()), uids.data()));
    KILN_RETURN_IF_ERROR(
        pack.set(CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR, int64_t(pointers.size()), pointers.data()));
    KILN_RETURN_IF_ERROR(pack.setOne(CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_TYPE_VOID_PTR, workspace));
    KILN_RETURN_IF_ERROR(pack.finalize());
    KILN_CUDNN_RETURN_IF_ERROR(cudnnBackendExecute(handle, plan.get(), pack.get()), "running a cuDNN plan");
    return Status::ok();
}

Result<BuildHandle> buildHandle() {
    static std::mutex mutex;
    static cudnnHandle_t handle = nullptr;
    BuildHandle result{nullptr, std::unique_lock<std::mutex>(mutex)};
    if (!handle) KILN_CUDNN_RETURN_IF_ERROR(cudnnCreate(&handle), "creating cuDNN's build handle");
    result.handle = handle;
    return result;
}

}  // namespace kiln::cuda::cudnn

// The runtime: an Engine is an immutable, built network (weights shared by all its contexts); an
// ExecutionContext owns one activation arena and runs the engine, synchronously or asynchronously, on
// the backend the engine was built for. Several contexts of one engine run concurrently on different
// threads (and, on CUDA, on different streams).
#pragma once

#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kiln/logger.h"
#include "kiln/build_report.h"
#include "kiln/network.h"
#include "kiln/network_source.h"
#include "kiln/reference_executor.h"
#include "kiln/status.h"
#include "kiln/types.h"

namespace kiln {

struct Binding {
    std::string name;
    DataType type = DataType::Float32;
    Dims dims;
    bool isInput = false;
    // An input whose values decide shapes (network_source.h): given on the host, its values chosen per
    // run with ExecutionContext::setShapeTensorValues (or execute()); it has no memory of its own.
    bool isShapeTensor = false;
};

// Receives the time of each executed (fused) layer, in execution order, once per execute().
class IProfiler {
public:
    virtual ~IProfiler() = default;
    virtual void reportLayerTime(const std::string& layerName, float milliseconds) = 0;
};

// Receives the value of every activation as soon as the layer that writes it has run (in network
// order; a view once the layers writing its bytes have run), as a linear host tensor of the tensor's
// own type whatever its format and memory. For calibration and precision comparison: observing every
// tensor needs no extra network outputs, so the engine keeps its fusions, but observed runs wait for
// the device after every layer and are not replayed from a recording.
class ITensorObserver {
public:
    virtual ~ITensorObserver() = default;
    virtual void observe(const Layer& layer, const Tensor& tensor, const HostTensor& value) = 0;
};

// Where each activation lives in an execution context's arena: byte offsets by tensor name. Aliased
// tensors have the offset of their bytes inside their base's.
struct MemoryPlan {
    int64_t arenaBytes = 0;
    std::map<std::string, int64_t> offsets;
};

class ExecutionContext;

namespace cpu {
class TeamSizer;  // how many threads a CPU context's next run uses (engine internals)
}

namespace detail {
struct CompiledKernels;  // the kernels the builder chose (engine internals)
struct DynamicShapes;    // the source, profiles and shape specializations of a dynamic engine
}

class Engine : public std::enable_shared_from_this<Engine> {
public:
    // Without `kernels`, every layer runs its reference kernel (the network must be all linear).
    Engine(NetworkDefinition network, MemoryPlan memory, BuildReport report, std::string backend,
           std::shared_ptr<const detail::CompiledKernels> kernels = nullptr);

    const std::vector<Binding>& bindings() const { return m_bindings; }
    const BuildReport& report() const { return m_report; }
    const NetworkDefinition& network() const { return m_network; }
    const MemoryPlan& memoryPlan() const { return m_memory; }
    const std::string& backend() const { return m_backend; }
    // Whether the engine's tensors live in device memory (a GPU backend) rather than host memory.
    bool usesDeviceMemory() const;
    // The device the engine runs on, for people: "NVIDIA H200 (sm_90, 132 SMs, cuDNN 9.19.0)".
    std::string deviceDescription() const;
    const detail::CompiledKernels& kernels() const { return *m_kernels; }
    // The scratch memory its kernels need, and what one execution context allocates: the arena and
    // the workspace (for dynamic shapes, those of the largest shape of any profile).
    int64_t workspaceBytes() const;
    int64_t contextMemoryBytes() const;
    // The host memory the engine itself holds for its layers: the constants its kernels read and the
    // weights they prepared, each counted once (a loaded plan's are read in place from its bytes).
    int64_t weightBytes() const;

    // Layer information in the layout of trtexec's --exportLayerInfo.
    std::string layerInformationJson() const;

    Result<std::unique_ptr<ExecutionContext>> createExecutionContext() const;

    // Dynamic shapes: an engine built from a NetworkSource for optimization profiles runs any shape
    // inside them. Its network, kernels and bindings are those of the first profile's opt shapes,
    // except that bindings() says -1 for every dimension a profile lets vary.
    bool hasDynamicShapes() const { return m_dynamic != nullptr; }
    std::vector<OptimizationProfile> profiles() const;
    const detail::DynamicShapes* dynamicShapes() const { return m_dynamic.get(); }
    // Set once, by the builder or the plan reader, before the engine is shared; `warnings` (about the
    // profiles' ranges) join the build report's.
    void setDynamicShapes(std::shared_ptr<const detail::DynamicShapes> dynamic,
                          const std::vector<std::string>& warnings = {});

private:
    NetworkDefinition m_network;
    MemoryPlan m_memory;
    BuildReport m_report;
    std::string m_backend;
    std::vector<Binding> m_bindings;
    std::shared_ptr<const detail::CompiledKernels> m_kernels;
    std::shared_ptr<const detail::DynamicShapes> m_dynamic;
    Status m_kernelStatus;  // why the default kernels could not be made, if they could not
};

namespace backends {
class Backend;
class CapturedWork;
class DeviceBuffer;
class Stream;
class Timer;
}  // namespace backends

// Runs an engine. A context owns its activation arena and workspace in the engine's backend memory
// (device memory for CUDA engines) and its own queue; contexts of one engine run concurrently.
//
// Two ways to run: execute() / enqueue(TensorMap) take and return host tensors and wait for the
// result; enqueueV3(stream) issues one run on a device queue and returns at once, reading inputs
// from and writing outputs to device memory (the context's own binding memory, tensorAddress(), or
// the caller's, setTensorAddress()), as TensorRT's IExecutionContext does. Where the backend can
// record a run and replay it (CUDA graphs), runs after the first replay the recording
// unless a profiler is attached or replay was turned off; graphFallbackReason() says why a run is not
// replayed. Every run executes on the context's own queue: enqueueV3 on a caller's queue orders the
// run after the work already issued there and the caller's later work after the run, without waiting
// on the host, and keeps no use of the caller's queue, which may be destroyed before the context.
class ExecutionContext {
public:
    ~ExecutionContext();
    ExecutionContext(const ExecutionContext&) = delete;
    ExecutionContext& operator=(const ExecutionContext&) = delete;

    const Engine& engine() const { return *m_root; }

    // Not owned; null turns profiling off. Profiled runs are not replayed from a recording and wait
    // for the device before they return, so that every layer's time is known.
    void setProfiler(IProfiler* profiler) { m_profiler = profiler; }
    // Not owned; null turns observation off.
    void setTensorObserver(ITensorObserver* observer) { m_observer = observer; }
    // Not owned; may be null. Hears (info) when new input shapes make the context derive another engine
    // and when runs cannot be replayed from a recording, and why.
    void setLogger(ILogger* logger) { m_logger = logger; }

    // Runs the engine on `inputs` (every input binding, matching type and dims); returns the outputs.
    Result<TensorMap> execute(const TensorMap& inputs);

    // Runs on another thread; the context must not be used again until the future is ready.
    std::future<Result<TensorMap>> enqueue(TensorMap inputs);

    // The bytes of binding `name` in this context's memory, in the engine's backend memory.
    Result<void*> tensorAddress(const std::string& name) const;
    // Makes enqueueV3 read input `name` from, or write output `name` to, `address` (backend memory of
    // at least the binding's size) instead of the context's own binding memory; null undoes it. An
    // output without an address of the caller's is left in the context's memory, at tensorAddress().
    Status setTensorAddress(const std::string& name, void* address);
    // Issues one run on `stream` (a cudaStream_t for CUDA engines; null: the context's own queue) and
    // returns without waiting, except with a profiler attached.
    Status enqueueV3(void* stream);
    // Waits for the context's own queue.
    Status synchronize();

    // Dynamic shapes: the shape input `name` has from the next run on, inside the current profile
    // (checked here: rank, negative or out-of-range dimensions are refused, naming the range). A shape
    // no context has run before derives its network and kernels first (once per engine and shape).
    // Until set, an input has its profile's opt shape. execute() sets the shapes of the tensors it is given.
    Status setInputShape(const std::string& name, const Dims& dims);
    // Shape tensors: the values shape tensor `name` has from the next run on, inside the current profile's
    // range (checked here, as setInputShape checks dimensions). Until set, its profile's opt values.
    // execute() sets them from the tensor it is given.
    Status setShapeTensorValues(const std::string& name, const std::vector<int64_t>& values);
    Result<std::vector<int64_t>> shapeTensorValues(const std::string& name) const;
    // The shape binding `name` has in the next run: an input's, or the output shape inferred from them.
    Result<Dims> tensorShape(const std::string& name);
    // Which optimization profile the next runs use; its opt shapes replace the inputs' shapes.
    Status setOptimizationProfile(size_t index);
    size_t optimizationProfile() const { return m_profile; }

    // Whether runs are recorded once and replayed (CUDA graphs); on by default.
    void setGraphReplay(bool enabled);
    bool graphReplay() const { return m_graphReplay; }
    // Why runs are not replayed from a recording; empty while they are (or will be, from the second run).
    const std::string& graphFallbackReason() const { return m_graphFallbackReason; }
    // Whether the last run was a replay.
    bool lastRunReplayed() const { return m_lastRunReplayed; }

    // CPU engines: whether runs may use fewer threads than the engine's while other programs keep
    // cores busy (on by default). A run's team of threads then waits at every layer for the members
    // the system has descheduled; the context times its runs, tries a team half the size when the
    // recent runs are clearly slower than the best, keeps it when it is faster, and tries the larger
    // team again now and then. Off: every run uses the engine's threads.
    void setAdaptiveThreads(bool enabled) { m_adaptiveThreads = enabled; }
    bool adaptiveThreads() const { return m_adaptiveThreads; }
    // The threads the CPU kernels of the last run used (0 before the first run, and on other backends).
    int lastRunThreads() const { return m_lastRunThreads; }

private:
    friend class Engine;
    explicit ExecutionContext(std::shared_ptr<const Engine> engine);
    Status initialize();
    // Runs `engine` (the root engine or one of its shape specializations) from the next run on.
    Status bind(std::shared_ptr<const Engine> engine);
    // Binds the specialization of the shapes set, if they changed.
    Status prepareShapes();
    Status issueRun(backends::Stream& stream);
    Status issueSteps(backends::Stream& stream);
    Status observeOutputs(const Layer& layer, backends::Stream& stream);
    Result<size_t> bindingIndex(const std::string& name) const;

    std::shared_ptr<const Engine> m_root;    // the engine the context was made from
    std::shared_ptr<const Engine> m_engine;  // what runs: m_root, or its specialization for m_shapes
    std::map<std::string, Dims> m_shapes;    // dynamic inputs' shapes for the next run
    size_t m_profile = 0;
    bool m_shapesChanged = false;
    const backends::Backend* m_backend = nullptr;
    std::shared_ptr<backends::DeviceBuffer> m_memory;   // the arena and the kernels' workspace
    std::shared_ptr<backends::DeviceBuffer> m_staging;  // host staging for execute() on a device backend
    std::unique_ptr<backends::Stream> m_stream;        // every run executes here
    std::unique_ptr<backends::Stream> m_callerStream;  // wraps the last caller's queue given to enqueueV3
    std::byte* m_arena = nullptr;
    std::byte* m_workspace = nullptr;
    // Per executed layer: where its inputs and outputs lie (arena or constant data), resolved once.
    struct Step {
        size_t layer = 0;
        std::vector<const std::byte*> inputs;
        std::vector<std::byte*> outputs;
    };
    std::vector<Step> m_steps;
    std::vector<std::byte*> m_bindingMemory;    // per engine binding: its bytes in the arena (null: constant)
    std::vector<void*> m_bindingAddresses;      // per engine binding: the caller's address, or null
    std::vector<std::unique_ptr<backends::Timer>> m_layerTimers;
    IProfiler* m_profiler = nullptr;
    ITensorObserver* m_observer = nullptr;
    bool m_graphReplay = true;
    std::unique_ptr<backends::CapturedWork> m_recording;
    std::vector<void*> m_recordedAddresses;  // the caller's addresses the recording copies from and to
    std::string m_graphFallbackReason;
    ILogger* m_logger = nullptr;
    // Whether a plain run has finished the lazy set-up (library handles) of the own queue; runs are
    // recorded from the second on.
    bool m_streamSetUp = false;
    bool m_lastRunReplayed = false;
    bool m_adaptiveThreads = true;
    int m_lastRunThreads = 0;
    std::unique_ptr<cpu::TeamSizer> m_team;     // CPU engines: the team size of each run
    const Engine* m_teamEngine = nullptr;       // what the team's times were measured on
};

}  // namespace kiln

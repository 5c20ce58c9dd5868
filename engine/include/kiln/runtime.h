// The runtime: an Engine is an immutable, built network (weights shared by all its contexts); an
// ExecutionContext owns one activation arena and runs the engine, synchronously or asynchronously.
// Several contexts of one engine run concurrently on different threads.
#pragma once

#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kiln/build_report.h"
#include "kiln/network.h"
#include "kiln/reference_executor.h"
#include "kiln/status.h"
#include "kiln/types.h"

namespace kiln {

struct Binding {
    std::string name;
    DataType type = DataType::Float32;
    Dims dims;
    bool isInput = false;
};

// Receives the time of each executed (fused) layer, in execution order, once per execute().
class IProfiler {
public:
    virtual ~IProfiler() = default;
    virtual void reportLayerTime(const std::string& layerName, float milliseconds) = 0;
};

// Where each activation lives in an execution context's arena: byte offsets by tensor name. Aliased
// tensors have the offset of their bytes inside their base's.
struct MemoryPlan {
    int64_t arenaBytes = 0;
    std::map<std::string, int64_t> offsets;
};

class ExecutionContext;

namespace detail {
struct CompiledKernels;  // the kernels the builder chose (engine internals)
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
    const detail::CompiledKernels& kernels() const { return *m_kernels; }

    // Layer information in the layout of trtexec's --exportLayerInfo.
    std::string layerInformationJson() const;

    Result<std::unique_ptr<ExecutionContext>> createExecutionContext() const;

private:
    NetworkDefinition m_network;
    MemoryPlan m_memory;
    BuildReport m_report;
    std::string m_backend;
    std::vector<Binding> m_bindings;
    std::shared_ptr<const detail::CompiledKernels> m_kernels;
    Status m_kernelStatus;  // why the default kernels could not be made, if they could not
};

class ExecutionContext {
public:
    explicit ExecutionContext(std::shared_ptr<const Engine> engine);

    const Engine& engine() const { return *m_engine; }

    // Not owned; null turns profiling off.
    void setProfiler(IProfiler* profiler) { m_profiler = profiler; }

    // Runs the engine on `inputs` (every input binding, matching type and dims); returns the outputs.
    Result<TensorMap> execute(const TensorMap& inputs);

    // Runs on another thread; the context must not be used again until the future is ready.
    std::future<Result<TensorMap>> enqueue(TensorMap inputs);

private:
    std::shared_ptr<const Engine> m_engine;
    std::vector<std::byte> m_memory;  // the arena and the kernels' workspace, each 64-byte aligned
    std::byte* m_arena = nullptr;
    std::byte* m_workspace = nullptr;
    // Per executed layer: where its inputs and outputs lie (arena or constant data), resolved once.
    struct Step {
        size_t layer = 0;
        std::vector<const std::byte*> inputs;
        std::vector<std::byte*> outputs;
    };
    std::vector<Step> m_steps;
    IProfiler* m_profiler = nullptr;
};

}  // namespace kiln

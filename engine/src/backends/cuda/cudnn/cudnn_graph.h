// A thin layer over cuDNN's graph (backend) API: descriptors that free themselves, attribute setters
// that turn failures into Status values naming what was being set, and the steps every graph-based
// tactic takes — the engine configurations the heuristics offer (modes A and B, then the fallback
// list), an engine configuration rebuilt from its engine index and knob choices (how a tactic id
// names it in a plan), and execution plans with their workspace.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <cudnn.h>

#include "kiln/status.h"

namespace kiln::cuda::cudnn {

class Descriptor {
public:
    Descriptor() = default;
    static Result<Descriptor> make(cudnnBackendDescriptorType_t type, const char* what);
    Descriptor(Descriptor&& other) noexcept : m_handle(std::exchange(other.m_handle, nullptr)), m_what(other.m_what) {}
    Descriptor& operator=(Descriptor&& other) noexcept;
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    ~Descriptor();

    cudnnBackendDescriptor_t get() const { return m_handle; }
    // Sets `count` values of attribute `name`.
    Status set(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type, int64_t count, const void* values);
    template <typename T>
    Status setOne(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type, const T& value) {
        return set(name, type, 1, &value);
    }
    Status setInts(cudnnBackendAttributeName_t name, const std::vector<int64_t>& values) {
        return set(name, CUDNN_TYPE_INT64, int64_t(values.size()), values.data());
    }
    Status setDescriptor(cudnnBackendAttributeName_t name, const Descriptor& value) {
        const cudnnBackendDescriptor_t handle = value.get();
        return set(name, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &handle);
    }
    Status finalize();

private:
    cudnnBackendDescriptor_t m_handle = nullptr;
    const char* m_what = "";
};

// An operation graph and every descriptor it refers to, kept alive together. Tensors are named by
// unique ids; `inputs` and `outputs` list the non-virtual ones.
struct OperationGraph {
    std::vector<Descriptor> parts;
    Descriptor graph;
};

// One engine configuration as the heuristics give it: the engine's global index and its knob
// choices, with the engine's numerical and behaviour notes.
struct EngineChoice {
    int64_t engine = 0;
    std::vector<std::pair<int64_t, int64_t>> knobs;  // (cudnnBackendKnobType_t, value)
    std::vector<cudnnBackendNumericalNote_t> numericalNotes;
    std::vector<cudnnBackendBehaviorNote_t> behaviorNotes;

    bool has(cudnnBackendNumericalNote_t note) const;
    bool has(cudnnBackendBehaviorNote_t note) const;
    // "e12.k3=1.k17=0": the engine and knobs, as tactic ids carry them.
    std::string key() const;
    static Result<EngineChoice> parse(const std::string& key);
    // A short name of what the engine does, from its notes: "tensor cores, winograd".
    std::string notes() const;
};

// The engine configurations the heuristics offer for `graph`: mode A's, then mode B's and the
// fallback list's that are new, in that order.
Result<std::vector<EngineChoice>> engineChoices(const OperationGraph& graph);

// A finalized execution plan for `choice` on `graph`, with the workspace it needs.
struct ExecutionPlan {
    Descriptor plan;
    int64_t workspaceBytes = 0;
};
Result<ExecutionPlan> makeExecutionPlan(cudnnHandle_t handle, const OperationGraph& graph, const EngineChoice& choice);

// A tensor descriptor: dense, in the given dims and strides.
Result<Descriptor> makeTensor(int64_t uid, cudnnDataType_t type, const std::vector<int64_t>& dims,
                              const std::vector<int64_t>& strides, int64_t alignment, bool isVirtual);

// Runs `plan` with the tensors' device addresses by unique id.
Status execute(cudnnHandle_t handle, const Descriptor& plan, const std::vector<int64_t>& uids,
               const std::vector<void*>& pointers, void* workspace);

// The handle the provider builds graphs and plans with (not for running: each stream has its own).
// Guarded by the returned lock's mutex.
struct BuildHandle {
    cudnnHandle_t handle = nullptr;
    std::unique_lock<std::mutex> lock;
};
Result<BuildHandle> buildHandle();

}  // namespace kiln::cuda::cudnn

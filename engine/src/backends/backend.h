// A compute backend behind one narrow interface (like ggml's backend table): its name, whether this
// build and machine can run it and why not, the device fingerprint plans and timing caches are keyed
// by, its tactic providers and preferred formats, and the memory, queue and timer that the builder,
// the tactic timing, the memory planner and the runtime use. Nothing outside a backend compares
// backend names; each asks its backend object. Engine headers never include a device library's
// headers: device handles cross this interface as opaque pointers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kiln/status.h"
#include "kiln/types.h"

namespace kiln::tactics {
class TacticProvider;
}

namespace kiln::backends {

// Bytes in the backend's memory (device memory for "cuda", ordinary host memory for "cpu"), aligned
// to at least 256 bytes, freed when the last owner lets go.
class DeviceBuffer {
public:
    virtual ~DeviceBuffer() = default;
    std::byte* data() const { return m_data; }
    size_t size() const { return m_size; }

protected:
    std::byte* m_data = nullptr;
    size_t m_size = 0;
};

// A queue that kernels are issued to in order. The CPU backend's queue runs everything at once on the
// calling thread. A device queue also carries the library handles its kernels need (cuDNN, cuBLASLt),
// so that kernels shared by several execution contexts never share a handle.
class Stream {
public:
    virtual ~Stream() = default;
    // The native queue: a cudaStream_t for "cuda"; null for "cpu".
    virtual void* native() const = 0;
    // Waits until everything issued so far has finished; reports a failure of any of it.
    virtual Status synchronize() = 0;
    // Makes the work issued to this stream from now on wait for the work issued to `other` so far. A
    // device backend orders the two queues without blocking the host (a CUDA event), which also works
    // while `other` is being recorded into a CUDA graph, and keeps no use of `other` after the call.
    // The default waits for `other` on the host.
    virtual Status waitFor(Stream& other);
};

// Measures the time between two points of a stream (CUDA events; the steady clock on the CPU).
class Timer {
public:
    virtual ~Timer() = default;
    virtual void start(Stream& stream) = 0;
    virtual void stop(Stream& stream) = 0;
    // Milliseconds between start and stop; waits for stop to be reached.
    virtual Result<double> milliseconds() = 0;
};

// A recorded sequence of kernel launches that replays as one (a CUDA graph).
class CapturedWork {
public:
    virtual ~CapturedWork() = default;
    virtual Status launch(Stream& stream) = 0;
};

enum class CopyDirection : uint8_t { HostToDevice, DeviceToHost, DeviceToDevice };

class Backend {
public:
    virtual ~Backend() = default;

    virtual const char* name() const = 0;  // "cpu", "cuda"
    // Why this build or machine cannot run the backend ("no CUDA device is present"), or nothing.
    virtual std::optional<std::string> unavailableReason() const = 0;
    // One line naming what kernel choices depend on, starting with the backend name. Only meaningful
    // when the backend is available.
    virtual std::string fingerprint() const = 0;
    // Why a plan stamped with `fingerprint` cannot run here ("another GPU", "another cuDNN: 9.19.0 in
    // the plan, 9.14.0 here"), or nothing when it can. The default demands equal fingerprints.
    virtual std::optional<std::string> incompatibility(const std::string& fingerprint) const;
    // A short description of the device for people: "AMD EPYC ... (AVX-512)", "NVIDIA H200 (sm_90)".
    virtual std::string deviceDescription() const = 0;

    virtual std::vector<const tactics::TacticProvider*> providers() const = 0;
    // Whether builds may run layers in `precision` (FP32 always).
    virtual bool supportsPrecision(DataType precision) const = 0;
    // The format convolutions and the layers around them should have in a build of `precision`
    // (linear FP32: every tensor stays as the network has it).
    virtual TensorFormat preferredFormat(DataType precision) const = 0;
    // Whether the backend runs the layers that attention fusion and MatMul epilogue fusion create (none by
    // default: the builder leaves those passes out).
    virtual bool runsAttention() const { return false; }
    virtual bool runsMatMulEpilogues() const { return false; }
    // Whether a layer's candidates rank the same on a few of its images as on all of them, their times
    // growing with the batch in proportion (the CPU: a few images keep every core busy). The builder then
    // times long layers of large batches on part of the batch. Not on a GPU, where occupancy and waves
    // of blocks change with the batch.
    virtual bool ranksTacticsOnPartOfTheBatch() const { return false; }

    // Whether kernel memory is host memory that can be read and written directly.
    virtual bool hostAddressable() const = 0;
    virtual Result<std::shared_ptr<DeviceBuffer>> allocate(size_t bytes) const = 0;
    // Host memory the device copies to and from fastest (page-locked on CUDA).
    virtual Result<std::shared_ptr<DeviceBuffer>> allocateStaging(size_t bytes) const = 0;
    // Issues a copy on `stream`; host memory must stay valid until the stream is synchronized.
    virtual Status copy(void* target, const void* source, size_t bytes, CopyDirection direction,
                        Stream& stream) const = 0;
    virtual Status fill(void* target, int value, size_t bytes, Stream& stream) const = 0;

    virtual Result<std::unique_ptr<Stream>> createStream() const = 0;
    // A stream over a queue the caller owns (a cudaStream_t); it is not destroyed with the wrapper.
    virtual Result<std::unique_ptr<Stream>> wrapStream(void* native) const = 0;
    virtual Result<std::unique_ptr<Timer>> createTimer() const = 0;

    // Records what `work` issues on `stream` without running it; replayed by CapturedWork::launch.
    // Unsupported where the backend has no such thing, with the reason.
    virtual Result<std::unique_ptr<CapturedWork>> capture(Stream& stream, const std::function<Status()>& work) const;
    // Evicts the device caches before a timed run, so that kernels are timed with cold caches. Does
    // nothing where there is no such cache to evict.
    virtual Status flushCaches(Stream& stream) const;
    // Marks the work issued between push and pop with a name that profilers (Nsight Systems) show.
    virtual void pushRange(const std::string& name) const;
    virtual void popRange() const;
};

// The backend called `name`; null when Kiln has no backend of that name. A backend this build was
// compiled without still exists and says why it is unavailable.
const Backend* findBackend(const std::string& name);
// The providers of backend `name`, in the order their tactics are listed (Backend::providers()); none
// for a name Kiln does not know.
std::vector<const tactics::TacticProvider*> providersFor(const std::string& name);
const Backend& cpuBackend();
// Every backend name, in the order a user is offered them.
std::vector<std::string> backendNames();

// The backend called `name` when it can run here; otherwise an error that says why and what to do.
Result<const Backend*> availableBackend(const std::string& name);

}  // namespace kiln::backends

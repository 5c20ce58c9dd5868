// The CUDA backend object: device 0's memory, streams, event timers, CUDA-graph capture, L2 flushing
// and NVTX ranges, and the fingerprint plans are stamped with. A plan is refused on another GPU, with
// another CUDA runtime, cuDNN or cuBLASLt; a newer driver alone does not matter.
#include "backends/cuda/cuda_backend.h"

#include <nvtx3/nvToolsExt.h>

#include <vector>

#include "backends/cuda/cublaslt/cublaslt_provider.h"
#include "backends/cuda/cuda_common.h"
#include "backends/cuda/cudnn/cudnn_provider.h"
#include "backends/cuda/kiln/kiln_cuda_provider.h"
#include "tactics/plugin_tactics.h"

namespace kiln::cuda {

namespace {

constexpr const char* kSeparator = " | ";

std::vector<std::string> fingerprintFields(const std::string& fingerprint) {
    std::vector<std::string> fields;
    size_t at = 0;
    for (;;) {
        const size_t next = fingerprint.find(kSeparator, at);
        fields.push_back(fingerprint.substr(at, next == std::string::npos ? std::string::npos : next - at));
        if (next == std::string::npos) return fields;
        at = next + std::string(kSeparator).size();
    }
}

class PinnedBuffer final : public backends::DeviceBuffer {
public:
    static Result<std::shared_ptr<backends::DeviceBuffer>> allocate(size_t bytes) {
        auto buffer = std::shared_ptr<PinnedBuffer>(new PinnedBuffer);
        void* data = nullptr;
        if (const cudaError_t error = cudaMallocHost(&data, bytes == 0 ? 256 : bytes); error != cudaSuccess) {
            cudaGetLastError();
            return unsupported("cannot allocate " + std::to_string(bytes) + " bytes of page-locked host memory: " +
                               cudaGetErrorString(error));
        }
        buffer->m_data = static_cast<std::byte*>(data);
        buffer->m_size = bytes;
        return std::shared_ptr<backends::DeviceBuffer>(std::move(buffer));
    }
    ~PinnedBuffer() override {
        if (m_data) cudaFreeHost(m_data);
    }
};

class EventTimer final : public backends::Timer {
public:
    EventTimer(cudaEvent_t start, cudaEvent_t stop) : m_start(start), m_stop(stop) {}
    ~EventTimer() override {
        cudaEventDestroy(m_start);
        cudaEventDestroy(m_stop);
    }
    void start(backends::Stream& stream) override { cudaEventRecord(m_start, static_cast<cudaStream_t>(stream.native())); }
    void stop(backends::Stream& stream) override { cudaEventRecord(m_stop, static_cast<cudaStream_t>(stream.native())); }
    Result<double> milliseconds() override {
        KILN_CUDA_RETURN_IF_ERROR(cudaEventSynchronize(m_stop), "waiting for a timed run");
        float milliseconds = 0.0f;
        KILN_CUDA_RETURN_IF_ERROR(cudaEventElapsedTime(&milliseconds, m_start, m_stop), "reading a CUDA event timer");
        return double(milliseconds);
    }

private:
    cudaEvent_t m_start;
    cudaEvent_t m_stop;
};

class CudaGraph final : public backends::CapturedWork {
public:
    CudaGraph(cudaGraph_t graph, cudaGraphExec_t exec) : m_graph(graph), m_exec(exec) {}
    ~CudaGraph() override {
        cudaGraphExecDestroy(m_exec);
        cudaGraphDestroy(m_graph);
    }
    Status launch(backends::Stream& stream) override {
        KILN_CUDA_RETURN_IF_ERROR(cudaGraphLaunch(m_exec, static_cast<cudaStream_t>(stream.native())),
                                  "replaying the recorded run");
        return Status::ok();
    }

private:
    cudaGraph_t m_graph;
    cudaGraphExec_t m_exec;
};

class CudaBackend final : public backends::Backend {
public:
    const char* name() const override { return "cuda"; }

    std::optional<std::string> unavailableReason() const override {
        const DeviceInfo& device = deviceInfo();
        if (!device.present) return device.problem;
        return std::nullopt;
    }

    std::string fingerprint() const override {
        const DeviceInfo& device = deviceInfo();
        if (!device.present) return "cuda unavailable: " + device.problem;
        const std::string separator = kSeparator;
        return "cuda " + device.name + separator + "sm_" + std::to_string(device.major) + std::to_string(device.minor) +
               separator + std::to_string(device.multiprocessors) + " SMs" + separator + "driver " +
               cudaVersion(device.driverVersion) + separator + "CUDA " + cudaVersion(device.runtimeVersion) +
               separator + "cuDNN " + libraryVersion(device.cudnnVersion) + separator + "cuBLASLt " +
               libraryVersion(device.cublasLtVersion);
    }

    std::optional<std::string> incompatibility(const std::string& planFingerprint) const override {
        const std::vector<std::string> plan = fingerprintFields(planFingerprint);
        const std::vector<std::string> here = fingerprintFields(fingerprint());
        if (plan.size() != here.size()) return std::string("another kind of device");
        if (plan[0] != here[0] || plan[1] != here[1] || plan[2] != here[2]) {
            const auto gpu = [](const std::vector<std::string>& fields) {
                const std::string& name = fields[0];
                return (name.rfind("cuda ", 0) == 0 ? name.substr(5) : name) + " " + fields[1] + " " + fields[2];
            };
            return "another GPU: " + gpu(plan) + " in the plan, " + gpu(here) + " here";
        }
        const char* names[] = {"CUDA runtime", "cuDNN", "cuBLASLt"};
        for (size_t i = 4; i < 7; ++i) {
            if (plan[i] != here[i]) return std::string("another ") + names[i - 4] + ": " + plan[i] + " in the plan, " + here[i] + " here";
        }
        return std::nullopt;  // the driver may differ: newer drivers run older runtimes' kernels
    }

    std::string deviceDescription() const override {
        const DeviceInfo& device = deviceInfo();
        if (!device.present) return "no CUDA device: " + device.problem;
        return device.name + " (sm_" + std::to_string(device.major) + std::to_string(device.minor) + ", " +
               std::to_string(device.multiprocessors) + " SMs, cuDNN " + libraryVersion(device.cudnnVersion) + ")";
    }

    std::vector<const tactics::TacticProvider*> providers() const override {
        return {&cudnnProvider(), &cublasLtProvider(), &kilnCudaProvider(), &tactics::cudaPluginProvider()};
    }

    bool supportsPrecision(DataType precision) const override {
        return precision == DataType::Float32 || precision == DataType::Float16;
    }
    // FP16 builds keep activations channels-last with channels padded to 8, stored as FP16: the layout
    // and type cuDNN's tensor-core kernels read and write.
    TensorFormat preferredFormat(DataType precision) const override {
        if (precision == DataType::Float16) return TensorFormat::nhwc(8, DataType::Float16);
        return {};
    }

    bool hostAddressable() const override { return false; }

    Result<std::shared_ptr<backends::DeviceBuffer>> allocate(size_t bytes) const override {
        KILN_ASSIGN_OR_RETURN(std::shared_ptr<CudaBuffer> buffer, CudaBuffer::allocate(bytes));
        return std::shared_ptr<backends::DeviceBuffer>(std::move(buffer));
    }

    Result<std::shared_ptr<backends::DeviceBuffer>> allocateStaging(size_t bytes) const override {
        return PinnedBuffer::allocate(bytes);
    }

    Status copy(void* target, const void* source, size_t bytes, backends::CopyDirection direction,
                backends::Stream& stream) const override {
        if (bytes == 0) return Status::ok();
        const cudaMemcpyKind kind = direction == backends::CopyDirection::HostToDevice   ? cudaMemcpyHostToDevice
                                    : direction == backends::CopyDirection::DeviceToHost ? cudaMemcpyDeviceToHost
                                                                                         : cudaMemcpyDeviceToDevice;
        KILN_CUDA_RETURN_IF_ERROR(
            cudaMemcpyAsync(target, source, bytes, kind, static_cast<cudaStream_t>(stream.native())), "a copy");
        return Status::ok();
    }

    Status fill(void* target, int value, size_t bytes, backends::Stream& stream) const override {
        if (bytes == 0) return Status::ok();
        KILN_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(target, value, bytes, static_cast<cudaStream_t>(stream.native())),
                                  "a fill");
        return Status::ok();
    }

    Result<std::unique_ptr<backends::Stream>> createStream() const override {
        if (const auto reason = unavailableReason()) return unsupported("no CUDA stream: " + *reason);
        cudaStream_t stream = nullptr;
        KILN_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "creating a stream");
        return std::unique_ptr<backends::Stream>(std::make_unique<CudaStream>(stream, true));
    }

    Result<std::unique_ptr<backends::Stream>> wrapStream(void* native) const override {
        return std::unique_ptr<backends::Stream>(std::make_unique<CudaStream>(static_cast<cudaStream_t>(native), false));
    }

    Result<std::unique_ptr<backends::Timer>> createTimer() const override {
        cudaEvent_t start = nullptr;
        cudaEvent_t stop = nullptr;
        KILN_CUDA_RETURN_IF_ERROR(cudaEventCreate(&start), "creating a CUDA event");
        if (const cudaError_t error = cudaEventCreate(&stop); error != cudaSuccess) {
            cudaEventDestroy(start);
            return cudaFailure(error, "creating a CUDA event");
        }
        return std::unique_ptr<backends::Timer>(std::make_unique<EventTimer>(start, stop));
    }

    Result<std::unique_ptr<backends::CapturedWork>> capture(backends::Stream& stream,
                                                            const std::function<Status()>& work) const override {
        const auto native = static_cast<cudaStream_t>(stream.native());
        // A stream the caller is recording (enqueueV3 inside its own capture) must not be touched: a
        // second capture on it would fail and could invalidate the caller's.
        cudaStreamCaptureStatus captureStatus = cudaStreamCaptureStatusNone;
        KILN_CUDA_RETURN_IF_ERROR(cudaStreamIsCapturing(native, &captureStatus),
                                  "asking whether the stream is being recorded");
        if (captureStatus != cudaStreamCaptureStatusNone) {
            return unsupported("the caller records the stream into a CUDA graph of its own");
        }
        KILN_CUDA_RETURN_IF_ERROR(cudaStreamBeginCapture(native, cudaStreamCaptureModeThreadLocal),
                                  "starting to record a CUDA graph");
        const Status issued = work();
        cudaGraph_t graph = nullptr;
        const cudaError_t ended = cudaStreamEndCapture(native, &graph);
        if (!issued.isOk() || ended != cudaSuccess) {
            cudaGetLastError();
            if (graph) cudaGraphDestroy(graph);
            return unsupported("the run cannot be recorded as a CUDA graph: " +
                               (issued.isOk() ? std::string(cudaGetErrorString(ended)) : issued.message()));
        }
        cudaGraphExec_t exec = nullptr;
        if (const cudaError_t error = cudaGraphInstantiate(&exec, graph, 0); error != cudaSuccess) {
            cudaGetLastError();
            cudaGraphDestroy(graph);
            return unsupported(std::string("the recorded CUDA graph cannot be instantiated: ") + cudaGetErrorString(error));
        }
        return std::unique_ptr<backends::CapturedWork>(std::make_unique<CudaGraph>(graph, exec));
    }

    Status flushCaches(backends::Stream& stream) const override {
        std::lock_guard<std::mutex> lock(m_flushMutex);
        const size_t bytes = size_t(std::max(deviceInfo().l2CacheBytes, 1 << 20)) * 2;
        if (!m_flushBuffer) {
            KILN_ASSIGN_OR_RETURN(m_flushBuffer, CudaBuffer::allocate(bytes));
        }
        return fill(m_flushBuffer->data(), 0, bytes, stream);
    }

    void pushRange(const std::string& name) const override { nvtxRangePushA(name.c_str()); }
    void popRange() const override { nvtxRangePop(); }

private:
    mutable std::mutex m_flushMutex;
    mutable std::shared_ptr<CudaBuffer> m_flushBuffer;
};

}  // namespace

const backends::Backend& cudaBackend() {
    static const CudaBackend backend;
    return backend;
}

int deviceCount() {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess) {
        cudaGetLastError();
        return 0;
    }
    return count;
}

}  // namespace kiln::cuda

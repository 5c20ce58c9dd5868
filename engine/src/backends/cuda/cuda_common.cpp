// Errors, streams with their library handles, kernel-owned device memory and device 0's facts.
#include "backends/cuda/cuda_common.h"
#include "backends/cuda/cublaslt/cublaslt_library.h"

#include <cstdio>

namespace kiln::cuda {

Status cudaFailure(cudaError_t error, const std::string& what) {
    // A failed call is also the thread's last error; cleared, so that the next launch's check does not
    // report it again (sticky errors stay whatever is done).
    cudaGetLastError();
    return internalError(what + " failed on the GPU: " + cudaGetErrorName(error) + " (" + cudaGetErrorString(error) +
                         ")");
}

Status cudnnFailure(cudnnStatus_t status, const std::string& what) {
    char detail[512] = {};
    cudnnGetLastErrorString(detail, sizeof detail);
    std::string message = what + " failed in cuDNN: " + cudnnGetErrorString(status);
    if (detail[0]) message += std::string(" (") + detail + ")";
    // cuDNN 9 reports details within a category (CUDNN_STATUS_NOT_SUPPORTED_SHAPE is 3002): compare those.
    const int category = CUDNN_STATUS_CATEGORY(int(status));
    return category == CUDNN_STATUS_NOT_SUPPORTED || category == CUDNN_STATUS_BAD_PARAM
               ? unsupported(std::move(message))
               : internalError(std::move(message));
}

namespace {

const char* cublasStatusName(cublasStatus_t status) {
    switch (status) {
        case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
        case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
        case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
        case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
        case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
        case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
        case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
        case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
        case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
        case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
    }
    return "an unknown cuBLAS status";
}

}  // namespace

Status cublasFailure(cublasStatus_t status, const std::string& what) {
    std::string message = what + " failed in cuBLASLt: " + cublasStatusName(status) + " (" +
                          std::to_string(int(status)) + ")";
    return status == CUBLAS_STATUS_NOT_SUPPORTED || status == CUBLAS_STATUS_INVALID_VALUE
               ? unsupported(std::move(message))
               : internalError(std::move(message));
}

CudaStream::~CudaStream() {
    if (m_cudnn) cudnnDestroy(m_cudnn);
    if (m_cublasLt) lt::cublasLtDestroy(m_cublasLt);
    // Not the stream: an event still pending is released once the device reaches it.
    if (m_waitEvent) cudaEventDestroy(m_waitEvent);
    if (m_owned && m_stream) cudaStreamDestroy(m_stream);
}

Status CudaStream::synchronize() {
    KILN_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(m_stream), "waiting for the stream");
    return Status::ok();
}

Status CudaStream::waitFor(backends::Stream& other) {
    const auto source = static_cast<cudaStream_t>(other.native());
    if (source == m_stream) return Status::ok();
    if (!m_waitEvent) {
        KILN_CUDA_RETURN_IF_ERROR(cudaEventCreateWithFlags(&m_waitEvent, cudaEventDisableTiming),
                                  "creating a CUDA event");
    }
    // The wait takes the event as recorded now; recording it again later does not change the wait.
    KILN_CUDA_RETURN_IF_ERROR(cudaEventRecord(m_waitEvent, source), "marking the work of another stream");
    KILN_CUDA_RETURN_IF_ERROR(cudaStreamWaitEvent(m_stream, m_waitEvent, 0), "ordering a stream after another");
    return Status::ok();
}

Result<cudnnHandle_t> CudaStream::cudnn() {
    if (!m_cudnn) {
        // Kept only once bound: a handle left on the default stream would run outside this stream's order.
        cudnnHandle_t handle = nullptr;
        KILN_CUDNN_RETURN_IF_ERROR(cudnnCreate(&handle), "creating a cuDNN handle");
        if (const cudnnStatus_t status = cudnnSetStream(handle, m_stream); status != CUDNN_STATUS_SUCCESS) {
            Status failure = cudnnFailure(status, "binding the cuDNN handle to its stream");
            cudnnDestroy(handle);
            return failure;
        }
        m_cudnn = handle;
    }
    return m_cudnn;
}

Result<cublasLtHandle_t> CudaStream::cublasLt() {
    if (!m_cublasLt) {
        if (std::string why = lt::loadError(); !why.empty()) return unsupported(why);
        KILN_CUBLAS_RETURN_IF_ERROR(lt::cublasLtCreate(&m_cublasLt), "creating a cuBLASLt handle");
    }
    return m_cublasLt;
}

CudaStream& streamOf(const tactics::KernelArgs& args) { return static_cast<CudaStream&>(*args.stream); }

Result<std::shared_ptr<CudaBuffer>> CudaBuffer::allocate(size_t bytes) {
    auto buffer = std::shared_ptr<CudaBuffer>(new CudaBuffer);
    void* data = nullptr;
    if (const cudaError_t error = cudaMalloc(&data, bytes == 0 ? 256 : bytes); error != cudaSuccess) {
        cudaGetLastError();
        return unsupported("cannot allocate " + std::to_string(bytes) + " bytes of GPU memory: " +
                           cudaGetErrorString(error));
    }
    buffer->m_data = static_cast<std::byte*>(data);
    buffer->m_size = bytes;
    return buffer;
}

CudaBuffer::~CudaBuffer() {
    if (m_data) cudaFree(m_data);
}

Result<std::shared_ptr<CudaBuffer>> upload(const void* host, size_t bytes) {
    KILN_ASSIGN_OR_RETURN(std::shared_ptr<CudaBuffer> buffer, CudaBuffer::allocate(bytes));
    if (bytes) KILN_CUDA_RETURN_IF_ERROR(cudaMemcpy(buffer->data(), host, bytes, cudaMemcpyHostToDevice), "uploading constants");
    return buffer;
}

Status LayerConstants::upload(const Layer& layer) {
    m_copies.assign(layer.inputs().size(), nullptr);
    for (size_t i = 0; i < layer.inputs().size(); ++i) {
        const Tensor* input = layer.input(i);
        if (!input || !input->isConstant()) continue;
        const HostTensor& data = *input->constantData();
        KILN_ASSIGN_OR_RETURN(m_copies[i], cuda::upload(data.bytes(), data.byteSize()));
    }
    return Status::ok();
}

std::string libraryVersion(size_t version) {
    return std::to_string(version / 10000) + "." + std::to_string(version / 100 % 100) + "." +
           std::to_string(version % 100);
}

std::string cudaVersion(int version) {
    return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

const DeviceInfo& deviceInfo() {
    static const DeviceInfo info = [] {
        DeviceInfo device;
        int count = 0;
        if (const cudaError_t error = cudaGetDeviceCount(&count); error != cudaSuccess) {
            cudaGetLastError();
            int runtime = 0;
            cudaRuntimeGetVersion(&runtime);
            device.problem = error == cudaErrorInsufficientDriver
                                 ? "no usable NVIDIA driver (none is installed, or it is older than CUDA " +
                                       cudaVersion(runtime) + ", which this kiln was built with)"
                             : error == cudaErrorNoDevice ? std::string("no CUDA device is present")
                                                          : std::string("CUDA cannot be initialized: ") +
                                                                cudaGetErrorString(error);
            return device;
        }
        if (count == 0) {
            device.problem = "no CUDA device is present";
            return device;
        }
        cudaDeviceProp properties{};
        if (const cudaError_t error = cudaGetDeviceProperties(&properties, 0); error != cudaSuccess) {
            cudaGetLastError();
            device.problem = std::string("CUDA device 0 cannot be queried: ") + cudaGetErrorString(error);
            return device;
        }
        device.name = properties.name;
        device.major = properties.major;
        device.minor = properties.minor;
        device.multiprocessors = properties.multiProcessorCount;
        device.l2CacheBytes = properties.l2CacheSize;
        cudaDriverGetVersion(&device.driverVersion);
        cudaRuntimeGetVersion(&device.runtimeVersion);
        device.cudnnVersion = cudnnGetVersion();
        device.cublasLtVersion = lt::cublasLtGetVersion();
        if (device.cudnnVersion / 10000 != CUDNN_MAJOR) {
            device.problem = "cuDNN " + libraryVersion(device.cudnnVersion) + " is loaded, but this kiln needs cuDNN " +
                             std::to_string(CUDNN_MAJOR) + ".x";
            return device;
        }
        device.present = true;
        return device;
    }();
    return info;
}

}  // namespace kiln::cuda

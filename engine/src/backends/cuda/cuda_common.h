// What every part of the CUDA backend shares: errors of the CUDA runtime, cuDNN and cuBLASLt turned
// into Status values, the stream type that carries a context's library handles, device memory that
// kernels own (constants and prepared weights, uploaded once), and the facts about device 0.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include <cublasLt.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include "backends/backend.h"
#include "kiln/network.h"
#include "kiln/status.h"
#include "tactics/tactic.h"

namespace kiln::cuda {

Status cudaFailure(cudaError_t error, const std::string& what);
Status cudnnFailure(cudnnStatus_t status, const std::string& what);
Status cublasFailure(cublasStatus_t status, const std::string& what);

#define KILN_CUDA_RETURN_IF_ERROR(expr, what)                                            \
    do {                                                                                 \
        const cudaError_t kilnCudaError_ = (expr);                                       \
        if (kilnCudaError_ != cudaSuccess) return ::kiln::cuda::cudaFailure(kilnCudaError_, what); \
    } while (false)

#define KILN_CUDNN_RETURN_IF_ERROR(expr, what)                                           \
    do {                                                                                 \
        const cudnnStatus_t kilnCudnnStatus_ = (expr);                                   \
        if (kilnCudnnStatus_ != CUDNN_STATUS_SUCCESS) return ::kiln::cuda::cudnnFailure(kilnCudnnStatus_, what); \
    } while (false)

#define KILN_CUBLAS_RETURN_IF_ERROR(expr, what)                                          \
    do {                                                                                 \
        const cublasStatus_t kilnCublasStatus_ = (expr);                                 \
        if (kilnCublasStatus_ != CUBLAS_STATUS_SUCCESS) return ::kiln::cuda::cublasFailure(kilnCublasStatus_, what); \
    } while (false)

// A CUDA stream with the cuDNN and cuBLASLt handles of the work issued to it, made on first use. One
// per execution context (and one for the builder's timing), so kernels never share a handle. Kernels
// run only on streams Kiln owns; a wrapper of a caller's stream is only ordered against them, so no
// handle is ever bound to a stream the caller may destroy first.
class CudaStream final : public backends::Stream {
public:
    CudaStream(cudaStream_t stream, bool owned) : m_stream(stream), m_owned(owned) {}
    ~CudaStream() override;
    void* native() const override { return m_stream; }
    cudaStream_t stream() const { return m_stream; }
    Status synchronize() override;
    Status waitFor(backends::Stream& other) override;
    Result<cudnnHandle_t> cudnn();
    Result<cublasLtHandle_t> cublasLt();

private:
    cudaStream_t m_stream = nullptr;
    bool m_owned = false;
    cudnnHandle_t m_cudnn = nullptr;
    cublasLtHandle_t m_cublasLt = nullptr;
    cudaEvent_t m_waitEvent = nullptr;  // recorded on the stream waitFor waits for; made on first use
};

// The CUDA stream of a kernel run (kernels of this backend are only ever run with one).
CudaStream& streamOf(const tactics::KernelArgs& args);

// Device memory owned by its holder.
class CudaBuffer final : public backends::DeviceBuffer {
public:
    static Result<std::shared_ptr<CudaBuffer>> allocate(size_t bytes);
    ~CudaBuffer() override;
    template <typename T>
    T* as() const {
        return reinterpret_cast<T*>(m_data);
    }
};

// A copy of `bytes` host bytes in device memory (synchronous; for instantiating kernels).
Result<std::shared_ptr<CudaBuffer>> upload(const void* host, size_t bytes);

// Device copies of a layer's constant inputs, made when a kernel is instantiated, and the device
// address of any input of a run: the copy for constants, the argument for activations.
class LayerConstants {
public:
    Status upload(const Layer& layer);
    const std::byte* input(const tactics::KernelArgs& args, size_t index) const {
        return m_copies.size() > index && m_copies[index] ? m_copies[index]->data() : args.inputs[index];
    }

private:
    std::vector<std::shared_ptr<CudaBuffer>> m_copies;  // per input; null for activations and absent ones
};

// Device 0 as the backend sees it.
struct DeviceInfo {
    bool present = false;
    std::string problem;  // why there is no usable device, when there is none
    std::string name;
    int major = 0;
    int minor = 0;
    int multiprocessors = 0;
    int l2CacheBytes = 0;
    int driverVersion = 0;   // cudaDriverGetVersion: 1000 * major + 10 * minor
    int runtimeVersion = 0;  // cudaRuntimeGetVersion
    size_t cudnnVersion = 0;
    size_t cublasLtVersion = 0;
};
const DeviceInfo& deviceInfo();

// "9.19.0" from cuDNN's 91900; "13.1.0" from cuBLASLt's 130100; "13.0" from CUDA's 13000.
std::string libraryVersion(size_t version);
std::string cudaVersion(int version);

// Threads per block and blocks for one thread per element.
inline constexpr int kThreadsPerBlock = 256;
inline unsigned blocksFor(int64_t elements) {
    const int64_t blocks = (elements + kThreadsPerBlock - 1) / kThreadsPerBlock;
    return unsigned(blocks < 1 ? 1 : blocks > 1048576 ? 1048576 : blocks);
}

}  // namespace kiln::cuda

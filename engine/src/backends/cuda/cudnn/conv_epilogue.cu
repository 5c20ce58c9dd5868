// The convolution epilogue kernel: one thread per element of the whole output, which finds its
// output by channel (at most kMaxEpilogueOutputs, passed by value).
#include "backends/cuda/cudnn/conv_epilogue.h"

#include <cuda_fp16.h>

#include "backends/cuda/cuda_common.h"
#include "backends/cuda/kiln/kiln_cuda_pointwise_math.cuh"

namespace kiln::cuda {

namespace {

struct EpilogueOutputs {
    int count = 0;
    float* data[kMaxEpilogueOutputs] = {};
    int64_t firstChannel[kMaxEpilogueOutputs] = {};
    int64_t channels[kMaxEpilogueOutputs] = {};
};

__global__ void convEpilogueKernel(const float* source, const float* bias, const float* residual, bool hasActivation,
                                   ActivationParams activation, int64_t channels, int64_t spatial, int64_t count,
                                   EpilogueOutputs outputs) {
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += int64_t(gridDim.x) * blockDim.x) {
        const int64_t s = i % spatial;
        const int64_t c = i / spatial % channels;
        const int64_t n = i / spatial / channels;
        // The reference adds the bias to the convolution sum, then the residual, then activates.
        float value = source[i];
        if (bias) value += bias[c];
        if (residual) value += residual[i];
        if (hasActivation) value = activate(activation.type, activation.alpha, activation.beta, value);
        int j = 0;
        while (j + 1 < outputs.count && c >= outputs.firstChannel[j + 1]) ++j;
        const int64_t local = c - outputs.firstChannel[j];
        outputs.data[j][(n * outputs.channels[j] + local) * spatial + s] = value;
    }
}

__global__ void channelsLastEpilogueKernel(__half* data, const float* bias, const __half* residual, bool hasActivation,
                                           ActivationParams activation, int64_t channels, int64_t padded, int64_t count) {
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += int64_t(gridDim.x) * blockDim.x) {
        const int64_t c = i % padded;
        if (c >= channels) {
            data[i] = __float2half_rn(0.0f);
            continue;
        }
        float value = __half2float(data[i]);
        if (bias) value += bias[c];
        if (residual) value += __half2float(residual[i]);
        if (hasActivation) value = activate(activation.type, activation.alpha, activation.beta, value);
        data[i] = __float2half_rn(value);
    }
}

}  // namespace

Status runChannelsLastEpilogue(const ChannelsLastEpilogue& epilogue, void* data, cudaStream_t stream) {
    const int64_t count = epilogue.positions * epilogue.padded;
    if (count == 0) return Status::ok();
    channelsLastEpilogueKernel<<<blocksFor(count), kThreadsPerBlock, 0, stream>>>(
        static_cast<__half*>(data), epilogue.bias,
        static_cast<const __half*>(epilogue.residual), epilogue.activation.has_value(),
        epilogue.activation.value_or(ActivationParams{}), epilogue.channels, epilogue.padded, count);
    KILN_CUDA_RETURN_IF_ERROR(cudaGetLastError(), "launching the channels-last convolution epilogue");
    return Status::ok();
}

Status runConvEpilogue(const ConvEpilogue& epilogue, const float* source, const std::vector<float*>& outputs,
                       cudaStream_t stream) {
    EpilogueOutputs targets;
    if (outputs.size() > size_t(kMaxEpilogueOutputs) || outputs.size() != epilogue.outputChannels.size()) {
        return internalError("a convolution epilogue has " + std::to_string(outputs.size()) + " outputs");
    }
    targets.count = int(outputs.size());
    int64_t first = 0;
    for (size_t j = 0; j < outputs.size(); ++j) {
        targets.data[j] = outputs[j];
        targets.firstChannel[j] = first;
        targets.channels[j] = epilogue.outputChannels[j];
        first += epilogue.outputChannels[j];
    }
    const int64_t count = epilogue.batch * epilogue.channels * epilogue.spatial;
    if (count == 0) return Status::ok();
    convEpilogueKernel<<<blocksFor(count), kThreadsPerBlock, 0, stream>>>(
        source, epilogue.bias, epilogue.residual, epilogue.activation.has_value(),
        epilogue.activation.value_or(ActivationParams{}), epilogue.channels, epilogue.spatial, count, targets);
    KILN_CUDA_RETURN_IF_ERROR(cudaGetLastError(), "launching the convolution epilogue");
    return Status::ok();
}

}  // namespace kiln::cuda

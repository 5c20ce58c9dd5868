// The epilogue of a convolution that cuDNN ran alone: bias, residual and activation applied to its
// output, and the channels split over several outputs (horizontal fusion), in one pass.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <cuda_runtime_api.h>

#include "kiln/layers.h"
#include "kiln/status.h"

namespace kiln::cuda {

inline constexpr int kMaxEpilogueOutputs = 8;

struct ConvEpilogue {
    int64_t batch = 0;
    int64_t channels = 0;  // of the convolution's whole output
    int64_t spatial = 0;   // output positions per channel
    const float* bias = nullptr;      // [channels] or null
    const float* residual = nullptr;  // [batch, channels, spatial] or null
    std::optional<ActivationParams> activation;
    std::vector<int64_t> outputChannels;  // per output; one entry: every channel
};

// Reads `source` ([batch, channels, spatial], may equal the single output) and writes every output.
Status runConvEpilogue(const ConvEpilogue& epilogue, const float* source, const std::vector<float*>& outputs,
                       cudaStream_t stream);

// The same for an FP16 channels-last convolution output, in place: [positions][padded channels] half
// values, bias [padded channels] in half (zero beyond `channels`), a residual of the output's layout.
// Padded channels are written as zero whatever the activation makes of zero.
struct ChannelsLastEpilogue {
    int64_t positions = 0;  // batch times spatial positions
    int64_t channels = 0;
    int64_t padded = 0;
    const float* bias = nullptr;     // float[padded] or null (FP32, as the folded bias needs)
    const void* residual = nullptr;  // __half[positions][padded] or null
    std::optional<ActivationParams> activation;
};
Status runChannelsLastEpilogue(const ChannelsLastEpilogue& epilogue, void* data, cudaStream_t stream);

}  // namespace kiln::cuda

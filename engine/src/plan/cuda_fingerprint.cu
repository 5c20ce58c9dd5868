// The CUDA device fingerprint: the name and compute capability of device 0, which decide what the
// kernels of a CUDA plan were compiled and timed for.
#include <cuda_runtime_api.h>

#include "plan/device_fingerprint.h"

namespace kiln {

std::string cudaFingerprint() {
    cudaDeviceProp properties{};
    if (cudaGetDeviceProperties(&properties, 0) != cudaSuccess)
        return "cuda unavailable: device 0 cannot be queried";
    return std::string("cuda ") + properties.name + " sm_" + std::to_string(properties.major) +
           std::to_string(properties.minor);
}

}  // namespace kiln

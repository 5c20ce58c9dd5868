// The CUDA backend: cuDNN's graph API for convolutions, cuBLASLt for matrix products and Kiln's own
// CUDA kernels for the rest, on device 0. Available where a device and a driver are present.
#pragma once

#include "backends/backend.h"

namespace kiln::cuda {

const backends::Backend& cudaBackend();

// CUDA devices present now; 0 when there is no device or no usable driver.
int deviceCount();

}  // namespace kiln::cuda

// CUDA availability probe: compiled when the toolkit is found; at run time it reports whether a
// device is present so that CPU-only machines fall back cleanly.
#include <cuda_runtime.h>

#include "kiln/device.h"

namespace kiln {

int cudaDeviceCount() {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess) return 0;
    return count;
}

}  // namespace kiln

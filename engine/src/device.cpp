// CPU-only builds: no CUDA devices.
#include "kiln/device.h"

namespace kiln {

#ifndef KILN_HAVE_CUDA
int cudaDeviceCount() { return 0; }
#endif

}  // namespace kiln

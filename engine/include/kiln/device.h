// What compute devices this build can use.
#pragma once

namespace kiln {

// True when this build of the engine includes the CUDA backend.
constexpr bool builtWithCuda() {
#ifdef KILN_HAVE_CUDA
    return true;
#else
    return false;
#endif
}

// Number of CUDA devices present now; 0 when the CUDA backend is not built or no device (or driver)
// is present.
int cudaDeviceCount();

}  // namespace kiln

// What compute devices this build can use: the CUDA backend answers where it is built.
#include "kiln/device.h"

#include "backends/backend.h"

#ifdef KILN_HAVE_CUDA
#include "backends/cuda/cuda_backend.h"
#endif

namespace kiln {

int cudaDeviceCount() {
#ifdef KILN_HAVE_CUDA
    return cuda::deviceCount();
#else
    return 0;
#endif
}

std::vector<BackendInfo> backendInfos() {
    std::vector<BackendInfo> infos;
    for (const std::string& name : backends::backendNames()) {
        const backends::Backend* backend = backends::findBackend(name);
        const auto reason = backend->unavailableReason();
        infos.push_back({name, !reason, reason ? *reason : backend->deviceDescription()});
    }
    return infos;
}

}  // namespace kiln

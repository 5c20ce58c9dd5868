// What compute devices this build can use: the CUDA backend answers where it is built.
#include "kiln/device.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>

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

uint64_t physicalMemoryBytes() {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long pageSize = sysconf(_SC_PAGESIZE);
    return pages > 0 && pageSize > 0 ? uint64_t(pages) * uint64_t(pageSize) : 0;
}

namespace {
std::atomic<uint64_t>& configuredBudget() {
    static std::atomic<uint64_t> budget{0};
    return budget;
}
}  // namespace

uint64_t memoryBudgetBytes() {
    const uint64_t configured = configuredBudget().load();
    return configured > 0 ? configured : physicalMemoryBytes();
}

void setMemoryBudgetBytes(uint64_t bytes) { configuredBudget().store(bytes); }

std::string describeMemoryBudget() {
    const uint64_t configured = configuredBudget().load();
    return configured > 0 ? "the memory budget of " + formatByteCount(configured) + " (--memoryLimit)"
                          : "this machine's " + formatByteCount(physicalMemoryBytes()) + " of memory";
}

std::string formatByteCount(uint64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double value = double(bytes);
    int unit = 0;
    while (value >= 1024.0 && unit < 6) {
        value /= 1024.0;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
    return text;
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

// Device fingerprints: what a plan's kernel choices depend on, compared when a plan is loaded. For the
// CPU that is the architecture and the ISA extensions kernels pick between; a plan timed with AVX-512
// kernels is refused on a machine without them rather than run slowly or fault.
#include "plan/device_fingerprint.h"

#include "kiln/device.h"
#include "kiln/plan.h"

namespace kiln {

namespace {

std::string cpuFingerprint() {
#if defined(__x86_64__) || defined(__i386__)
#if defined(__x86_64__)
    std::string fingerprint = "cpu x86_64";
#else
    std::string fingerprint = "cpu x86";
#endif
    __builtin_cpu_init();
    // Listed from the oldest extension to the newest, the order kernels fall back through.
    const auto add = [&fingerprint](bool supported, const char* name) {
        if (supported) fingerprint += std::string(" ") + name;
    };
    add(__builtin_cpu_supports("sse4.2"), "sse4.2");
    add(__builtin_cpu_supports("avx"), "avx");
    add(__builtin_cpu_supports("avx2"), "avx2");
    add(__builtin_cpu_supports("fma"), "fma");
    add(__builtin_cpu_supports("f16c"), "f16c");
    add(__builtin_cpu_supports("avx512f"), "avx512f");
    add(__builtin_cpu_supports("avx512bw"), "avx512bw");
    add(__builtin_cpu_supports("avx512vl"), "avx512vl");
    add(__builtin_cpu_supports("avx512vnni"), "avx512vnni");
    add(__builtin_cpu_supports("avx512bf16"), "avx512bf16");
    return fingerprint;
#elif defined(__aarch64__)
    return "cpu aarch64";
#else
    return "cpu unknown-architecture";
#endif
}

}  // namespace

std::optional<std::string> backendUnavailableReason(const std::string& backend) {
    if (backend == "cpu") return std::nullopt;
    if (backend == "cuda") {
        if (!builtWithCuda()) return std::string("this kiln was built without CUDA");
        if (cudaDeviceCount() == 0) return std::string("no CUDA device is present");
        return std::nullopt;
    }
    return "kiln has no backend named '" + backend + "'";
}

std::string deviceFingerprint(const std::string& backend) {
    if (const auto reason = backendUnavailableReason(backend)) return backend + " unavailable: " + *reason;
#ifdef KILN_HAVE_CUDA
    if (backend == "cuda") return cudaFingerprint();
#endif
    return cpuFingerprint();
}

}  // namespace kiln

// Device fingerprints: what a plan's kernel choices depend on, compared when a plan is loaded. Each
// backend answers for itself (backends/backend.h); a plan timed with AVX-512 kernels is refused on a
// machine without them, a CUDA plan on another GPU or with another cuDNN, rather than run slowly or
// fault.
#include "plan/device_fingerprint.h"

#include "backends/backend.h"
#include "kiln/plan.h"

namespace kiln {

std::optional<std::string> backendUnavailableReason(const std::string& backend) {
    const backends::Backend* found = backends::findBackend(backend);
    if (!found) return "kiln has no backend named '" + backend + "'";
    return found->unavailableReason();
}

std::string deviceFingerprint(const std::string& backend) {
    if (const auto reason = backendUnavailableReason(backend)) return backend + " unavailable: " + *reason;
    return backends::findBackend(backend)->fingerprint();
}

}  // namespace kiln

// The pieces of deviceFingerprint() (kiln/plan.h) that the plan reader needs on their own.
#pragma once

#include <optional>
#include <string>

namespace kiln {

// Why this build or machine cannot run `backend`, or nothing when it can.
std::optional<std::string> backendUnavailableReason(const std::string& backend);

#ifdef KILN_HAVE_CUDA
// "cuda <device name> sm_<major><minor>" for CUDA device 0; only called when a device is present.
std::string cudaFingerprint();
#endif

}  // namespace kiln

// The piece of deviceFingerprint() (kiln/plan.h) that the plan reader needs on its own.
#pragma once

#include <optional>
#include <string>

namespace kiln {

// Why this build or machine cannot run `backend`, or nothing when it can.
std::optional<std::string> backendUnavailableReason(const std::string& backend);

}  // namespace kiln

// The memory planner: from each activation's lifetime (the layer that writes it to the last layer that
// reads it or any of its aliases) to a byte offset in one arena, reusing space freed by earlier
// tensors. Network inputs and outputs live in the arena too, for the whole run.
#pragma once

#include <cstdint>

#include "kiln/network.h"
#include "kiln/runtime.h"
#include "kiln/status.h"

namespace kiln {

inline constexpr int64_t kArenaAlignment = 64;

Result<MemoryPlan> planMemory(const NetworkDefinition& network);

// Sum of the sizes of every activation that owns its bytes (aliases excluded), without reuse.
int64_t activationBytes(const NetworkDefinition& network);

}  // namespace kiln

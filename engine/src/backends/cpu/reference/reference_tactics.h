// The reference kernels as tactics: every layer kind, linear formats only. Always available, never
// fast; the builder falls back to them when no other tactic can run a layer.
#pragma once

#include "tactics/tactic.h"

namespace kiln::cpu {

const tactics::TacticProvider& referenceProvider();

}  // namespace kiln::cpu

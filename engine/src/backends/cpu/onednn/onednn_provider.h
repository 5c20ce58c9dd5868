// The onednn CPU tactics as one provider.
#pragma once

#include "tactics/tactic.h"

namespace kiln::cpu {

const tactics::TacticProvider& onednnProvider();

}  // namespace kiln::cpu

// The onednn CPU tactics as one provider.
#pragma once

#include "tactics/tactic.h"

namespace kiln::cpu {

const tactics::TacticProvider& onednnProvider();

// Whether oneDNN runs AMX kernels on this CPU (BF16 and INT8 tile instructions). oneDNN chooses them
// for channels-last activations only.
bool onednnHasAmx();
// Whether oneDNN runs BF16 kernels on this CPU (AVX-512 BF16 or later).
bool onednnHasBf16();

}  // namespace kiln::cpu

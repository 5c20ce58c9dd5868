// The Kiln CPU tactics as one provider: reformat, pointwise (chain, activation, unary, elementwise),
// concat and global pooling, FP32 (reformat and concat: any element type), linear and blocked formats.
#pragma once

#include <memory>

#include "backends/cpu/kiln/kiln_common.h"
#include "tactics/tactic.h"

namespace kiln::cpu {

// The provider the CPU backend lists; its kernels use the widest instruction set of this CPU.
const tactics::TacticProvider& kilnProvider();

// The same tactics restricted to `isa` (tests run every instruction set's kernels through it).
std::unique_ptr<tactics::TacticProvider> makeKilnProvider(fast::Isa isa);

}  // namespace kiln::cpu

// Kiln's own fast CPU kernels (this folder, namespace kiln::cpu::fast) as one tactic provider: reformat,
// pointwise (chain, activation, unary, elementwise), concat, pooling, and the shuffles, reductions and
// normalizations, FP32 (reformat and concat: any element type), linear and blocked formats. Its tactic
// ids start with "kiln:", the provider name that plans and timing caches record.
#pragma once

#include <memory>

#include "backends/cpu/fast/fast_common.h"
#include "tactics/tactic.h"

namespace kiln::cpu {

// The provider the CPU backend lists; its kernels use the widest instruction set of this CPU.
const tactics::TacticProvider& fastProvider();

// The same tactics restricted to `isa` (tests run every instruction set's kernels through it).
std::unique_ptr<tactics::TacticProvider> makeFastProvider(fast::Isa isa);

}  // namespace kiln::cpu

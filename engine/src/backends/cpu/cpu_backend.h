// The CPU backend: host memory, kernels that run when they are called, the steady clock as timer.
#pragma once

#include "backends/backend.h"

namespace kiln::cpu {

const backends::Backend& cpuBackend();

// "cpu x86_64 sse4.2 avx avx2 fma f16c avx512f ...": the architecture and the ISA extensions kernels
// choose between, oldest first.
std::string cpuFingerprint();

}  // namespace kiln::cpu

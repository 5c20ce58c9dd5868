// The CPU backend: host memory, kernels that run when they are called, the steady clock as timer.
#pragma once

#include "backends/backend.h"

namespace kiln::cpu {

const backends::Backend& cpuBackend();

// "cpu x86_64 sse4.2 avx avx2 fma f16c avx512f ...": the architecture and the ISA extensions kernels
// choose between, oldest first.
std::string cpuFingerprint();

// While it exists, the kernels this thread starts run on `threads` OpenMP threads (0: as before); the
// count before is restored when it ends. OpenMP keeps the count per thread, so contexts running on
// other threads keep theirs.
class KernelThreads {
public:
    explicit KernelThreads(int threads);
    ~KernelThreads();
    KernelThreads(const KernelThreads&) = delete;
    KernelThreads& operator=(const KernelThreads&) = delete;

private:
    int m_previous = 0;
};

}  // namespace kiln::cpu

// Bounded OpenMP spinning for Kiln's programs; see kiln/openmp_spinning.h.
#include "kiln/openmp_spinning.h"

#include <cstdlib>
#include <unistd.h>

namespace kiln {

const char* const kOpenMpSpinCount = "10000";

void rerunWithBoundedOpenMpSpinning(char** argv) {
    if (std::getenv("GOMP_SPINCOUNT") != nullptr || std::getenv("OMP_WAIT_POLICY") != nullptr) return;
    if (setenv("GOMP_SPINCOUNT", kOpenMpSpinCount, 1) != 0) return;
    execv("/proc/self/exe", argv);
    // Not run again (no /proc, say): this process keeps libgomp's default, and so do its children.
    unsetenv("GOMP_SPINCOUNT");
}

}  // namespace kiln

// Kiln's own CUDA kernels as a tactic provider ("kiln-cuda").
#pragma once

#include "tactics/tactic.h"

namespace kiln::cuda {

const tactics::TacticProvider& kilnCudaProvider();

}  // namespace kiln::cuda

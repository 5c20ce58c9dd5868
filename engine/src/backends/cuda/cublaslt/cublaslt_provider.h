// cuBLASLt as a tactic provider ("cublaslt"): Gemm and MatMul layers with bias and activation
// epilogues, one tactic per algorithm its heuristic offers.
#pragma once

#include "tactics/tactic.h"

namespace kiln::cuda {

const tactics::TacticProvider& cublasLtProvider();

}  // namespace kiln::cuda

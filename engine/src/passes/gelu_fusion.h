// GELU fusion: the exact (erf) GELU as exporters write it before opset 20,
//   x * (1 + Erf(x / sqrt(2))) * 0.5     or     (x * 0.5) * (1 + Erf(x / sqrt(2)))
// (the division may be a multiplication by 1 / sqrt(2), and each binary op may take its operands in
// either order), becomes one Gelu activation: one pass over the data instead of five, and an activation
// that vertical fusion can apply as a convolution or Gemm writes its output.
#pragma once

#include "passes/pass.h"

namespace kiln::passes {

Status fuseGelus(NetworkDefinition& network, PassLog& log);

}  // namespace kiln::passes

// GELU fusion: GELU as exporters write it before opset 20 becomes one activation. The exact (erf) form
//   x * (1 + Erf(x / sqrt(2))) * 0.5     or     (x * 0.5) * (1 + Erf(x / sqrt(2)))
// (the division may be a multiplication by 1 / sqrt(2)) becomes Gelu; the tanh approximation
//   x * (1 + Tanh(sqrt(2/pi) * (x + 0.044715 * x^3))) * 0.5      (or with x * 0.5 first)
// with x^3 as Pow(x, 3), x * (x * x) or (x * x) * x, becomes GeluTanh. Each binary op may take its
// operands in either order. One pass over the data instead of five to nine, and an activation that
// vertical fusion can apply as a convolution or Gemm writes its output.
#pragma once

#include "passes/pass.h"

namespace kiln::passes {

Status fuseGelus(NetworkDefinition& network, PassLog& log);

}  // namespace kiln::passes

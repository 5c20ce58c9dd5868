// Layer-norm fusion: the decomposed layer normalization that exporters write for opsets before 17,
//   mean = ReduceMean(x, trailing axes); d = x - mean; var = ReduceMean(d^2 (Pow 2 or d * d));
//   y = d / Sqrt(var + epsilon) [* scale] [+ bias]    (scale and bias constants)
// becomes one LayerNorm layer, which reads x once instead of six layers passing five intermediate
// tensors. Constant scale and bias that broadcast over the normalised axes are expanded to their shape.
#pragma once

#include "passes/pass.h"

namespace kiln::passes {

Status fuseLayerNorms(NetworkDefinition& network, PassLog& log);

}  // namespace kiln::passes

// Attention fusion: scaled dot-product attention as exporters write it,
//   [Transpose] q, k, v (the head split)    scores = MatMul(q, k^T) [* or / scalar] [+ mask]
//   Softmax(scores, last axis)              out = MatMul(softmax, v) [Transpose] (the head merge)
// with scalar scalings of q or k^T before the first MatMul, in any order with their transposes, becomes
// one Attention layer (kiln/layers.h) that reads q, k and v where their transposes found them, applies the
// product of the scales once, and writes the merged heads directly: one kernel instead of up to nine
// layers, and the scores of a block of queries never leave the cache. Only where the build's backend runs
// Attention layers (the pipeline leaves the pass out elsewhere).
#pragma once

#include "passes/pass.h"

namespace kiln::passes {

Status fuseAttention(NetworkDefinition& network, PassLog& log);

}  // namespace kiln::passes

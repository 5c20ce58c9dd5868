// Identity elimination: an Identity layer (ONNX Identity, Dropout at inference) only copies, so its
// readers are rewired to read its input and the layer goes. When its output is a network output, the
// producer of its input writes that output directly instead. The copy stays only between a network
// input (or constant) and a network output, or when both its input and its output are network outputs.
#pragma once

#include "passes/pass.h"

namespace kiln::passes {

Status eliminateIdentities(NetworkDefinition& network, PassLog& log);

}  // namespace kiln::passes

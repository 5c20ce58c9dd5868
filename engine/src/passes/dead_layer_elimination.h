// Dead-layer elimination: a layer none of whose outputs reaches a network output does work nobody
// sees; it is removed, with the tensors and constants only it used.
#pragma once

#include "passes/pass.h"

namespace kiln::passes {

Status eliminateDeadLayers(NetworkDefinition& network, PassLog& log);

}  // namespace kiln::passes

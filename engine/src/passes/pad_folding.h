// Pad folding: a zero Pad that pads nothing is removed, and a zero Pad of the spatial axes read only
// by a convolution or an average pooling becomes that layer's own padding (exporters write
// AvgPool(padding, count_include_pad) and padded convolutions this way).
#pragma once

#include "passes/pass.h"

namespace kiln::passes {

Status foldPads(NetworkDefinition& network, PassLog& log);

}  // namespace kiln::passes

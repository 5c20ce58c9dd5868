// Concat elimination: when a Concat's inputs are contiguous slices of its output (every axis before the
// concat axis has extent 1), each input becomes an alias of its slice, so its producer writes straight
// into the concat output, and the Concat is elided. Chains of concats (DenseNet, where every layer reads
// the concat of all earlier features) are handled by visiting the last Concat first: an earlier Concat
// whose inputs already lie, in order and back to back, inside one buffer becomes an alias of that range
// itself. A Concat whose inputs are partly placed elsewhere, or that reads a network input, a constant,
// a network output or one tensor twice, keeps its copy.
#pragma once

#include "passes/pass.h"

namespace kiln::passes {

Status eliminateConcats(NetworkDefinition& network, PassLog& log);

}  // namespace kiln::passes

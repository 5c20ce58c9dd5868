// What an Engine runs: for every layer of its network, in network order, the tactic the builder chose,
// the weights that tactic prepared (kept for writing plans) and the kernel made from them; elided
// layers have none. Built by the builder or by the plan reader, immutable afterwards.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kiln/status.h"
#include "tactics/tactic.h"

namespace kiln::detail {

struct LayerKernel {
    std::string tacticId;  // empty for elided layers
    std::vector<tactics::WeightBlob> weights;
    std::unique_ptr<tactics::Kernel> kernel;
};

struct CompiledKernels {
    std::vector<LayerKernel> layers;  // one per network layer, in network order
    int64_t workspaceBytes = 0;       // the largest workspace any kernel needs
};

// Recreates, for every executed layer of `network`, the tactic named by `tacticIds` (one per layer,
// empty for elided layers) from the providers of `backend` and instantiates it with `weights`.
Result<std::shared_ptr<const CompiledKernels>> instantiateKernels(const NetworkDefinition& network,
                                                                  const std::string& backend,
                                                                  std::vector<std::string> tacticIds,
                                                                  std::vector<std::vector<tactics::WeightBlob>> weights);

}  // namespace kiln::detail

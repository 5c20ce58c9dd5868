// Runs a network layer by layer with the CPU reference kernels: written for clarity, not speed, they
// are the oracle every optimized kernel is checked against, and what runs when nothing faster exists.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "kiln/network.h"
#include "kiln/status.h"
#include "kiln/types.h"

namespace kiln {

using TensorMap = std::map<std::string, HostTensor>;

class ReferenceExecutor {
public:
    // The network must outlive the executor and must have passed validate().
    explicit ReferenceExecutor(const NetworkDefinition& network) : m_network(network) {}

    // Runs the network on `inputs` (one per network input, matching its type and dims) and returns
    // every network output by name.
    Result<TensorMap> execute(const TensorMap& inputs) const;

private:
    const NetworkDefinition& m_network;
};

// Runs one layer with its reference kernel. `outputs` are allocated by the caller with the types and
// dims of the layer's output tensors.
Status runReferenceLayer(const Layer& layer, const std::vector<const HostTensor*>& inputs,
                         std::vector<HostTensor>& outputs);

// The bytes of `layer`'s outputs: what folding it holds as constants.
uint64_t outputBytes(const Layer& layer);

// If every input of `layer` is a constant, computes its outputs, turns them into constants and
// removes the layer; returns whether it did. Used by parsers to fold shape sub-graphs at import. Plugin
// layers are never folded: they run when the engine runs.
Result<bool> foldConstantLayer(NetworkDefinition& network, Layer* layer);

}  // namespace kiln

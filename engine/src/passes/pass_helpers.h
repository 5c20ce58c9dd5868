// Small read-only queries and naming rules that several passes share: who reads a tensor, whether it
// is the base of an alias, the provenance of a fused layer, and fresh names for the layers and
// constants a pass creates.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "kiln/network.h"

namespace kiln::passes {

// How many layer input slots read `tensor` (a layer reading it twice counts twice).
int readCount(const NetworkDefinition& network, const Tensor* tensor);

// The only layer that reads `tensor`, through exactly one input slot; null when it has no reader,
// several readers, is read twice by one layer, or is a network output (its value must stay visible).
Layer* soleReader(const NetworkDefinition& network, const Tensor* tensor);

// Whether some other tensor is an alias of `tensor`.
bool isAliasBase(const NetworkDefinition& network, const Tensor* tensor);

// The union of the layers' provenance, in order, each node once.
std::vector<std::string> mergedProvenance(std::initializer_list<const Layer*> layers);
std::vector<std::string> mergedProvenance(const std::vector<const Layer*>& layers);

// `base` when no tensor (layer) has that name yet, else `base` with the first free suffix "_2", "_3", ...
std::string freshTensorName(const NetworkDefinition& network, const std::string& base);
std::string freshLayerName(const NetworkDefinition& network, const std::string& base);
// A fresh layer name for a pattern fused into one layer: the layers' common name prefix up to its last
// separator ('/', '.', ':' or '_') followed by `kind`: "/blocks.0/norm1/ReduceMean", "/blocks.0/norm1/Sub",
// ... and "LayerNorm" give "/blocks.0/norm1/LayerNorm".
std::string patternLayerName(const NetworkDefinition& network, const std::vector<Layer*>& layers,
                             const std::string& kind);

// A constant's FP32 data, or null when `tensor` is no FP32 constant.
const HostTensor* floatConstant(const Tensor* tensor);

bool sameActivation(const std::optional<ActivationParams>& a, const std::optional<ActivationParams>& b);

}  // namespace kiln::passes

// The queries and naming rules shared by the passes.
#include "passes/pass_helpers.h"

#include <algorithm>

namespace kiln::passes {

int readCount(const NetworkDefinition& network, const Tensor* tensor) {
    int count = 0;
    for (const auto& layer : network.layers()) {
        count += int(std::count(layer->inputs().begin(), layer->inputs().end(), tensor));
    }
    return count;
}

Layer* soleReader(const NetworkDefinition& network, const Tensor* tensor) {
    if (tensor->isNetworkOutput() || readCount(network, tensor) != 1) return nullptr;
    return network.consumersOf(tensor).front();
}

bool isAliasBase(const NetworkDefinition& network, const Tensor* tensor) {
    return std::any_of(network.tensors().begin(), network.tensors().end(),
                       [&](const auto& other) { return other->alias() && other->alias()->base == tensor; });
}

std::vector<std::string> mergedProvenance(const std::vector<const Layer*>& layers) {
    std::vector<std::string> merged;
    for (const Layer* layer : layers) {
        for (const std::string& node : layer->provenance()) {
            if (std::find(merged.begin(), merged.end(), node) == merged.end()) merged.push_back(node);
        }
    }
    return merged;
}

std::vector<std::string> mergedProvenance(std::initializer_list<const Layer*> layers) {
    return mergedProvenance(std::vector<const Layer*>(layers));
}

std::string freshTensorName(const NetworkDefinition& network, const std::string& base) {
    std::string name = base;
    for (int suffix = 2; network.findTensor(name); ++suffix)
        name = base + "_" + std::to_string(suffix);
    return name;
}

std::string freshLayerName(const NetworkDefinition& network, const std::string& base) {
    std::string name = base;
    for (int suffix = 2; network.findLayer(name); ++suffix)
        name = base + "_" + std::to_string(suffix);
    return name;
}

std::string patternLayerName(const NetworkDefinition& network, const std::vector<Layer*>& layers,
                             const std::string& kind) {
    std::string prefix = layers.empty() ? std::string() : layers.front()->name();
    for (const Layer* layer : layers) {
        const std::string& name = layer->name();
        prefix.erase(std::mismatch(prefix.begin(), prefix.end(), name.begin(), name.end()).first, prefix.end());
    }
    const size_t cut = prefix.find_last_of("/.:_");
    return freshLayerName(network, (cut == std::string::npos ? std::string() : prefix.substr(0, cut + 1)) + kind);
}

const HostTensor* floatConstant(const Tensor* tensor) {
    if (!tensor || !tensor->isConstant() || tensor->type() != DataType::Float32) return nullptr;
    return tensor->constantData().get();
}

bool sameActivation(const std::optional<ActivationParams>& a, const std::optional<ActivationParams>& b) {
    if (a.has_value() != b.has_value()) return false;
    return !a || (a->type == b->type && a->alpha == b->alpha && a->beta == b->beta);
}

}  // namespace kiln::passes

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

bool isElementwiseOp(const Layer* layer, ElementwiseOp op) {
    return layer && layer->kind() == LayerKind::Elementwise && layer->paramsAs<ElementwiseParams>().op == op;
}

Tensor* otherOperand(const Layer& layer, const Tensor* tensor) {
    if (layer.inputs().size() != 2 || (layer.input(0) == tensor) == (layer.input(1) == tensor)) return nullptr;
    return layer.input(0) == tensor ? layer.input(1) : layer.input(0);
}

bool fusibleBeside(const Layer* layer, const Layer* anchor) {
    return layer && !layer->isElided() && layer->precisionConstraint() == anchor->precisionConstraint() &&
           layer->outputs().size() == 1 && !layer->output(0)->alias() && layer->output(0)->type() == DataType::Float32;
}

Layer* soleFeeder(const NetworkDefinition& network, const Tensor* tensor, const Layer* reader) {
    Layer* producer = tensor->producer();
    if (!fusibleBeside(producer, reader) || soleReader(network, producer->output(0)) != reader) return nullptr;
    return producer;
}

std::string joinedNames(const std::vector<Layer*>& layers) {
    std::string names;
    for (const Layer* layer : layers) names += (names.empty() ? "" : ", ") + layer->name();
    return names;
}

Status mergeSiblings(NetworkDefinition& network, const std::vector<Layer*>& siblings, const std::string& name,
                     LayerParams params, const std::vector<Tensor*>& inputs) {
    std::vector<std::string> temporaryNames;
    std::vector<Tensor*> outputs;
    for (size_t i = 0; i < siblings.size(); ++i) {
        temporaryNames.push_back(freshTensorName(network, name + ".output" + std::to_string(i)));
        outputs.push_back(siblings[i]->output(0));
    }
    KILN_ASSIGN_OR_RETURN(Layer * merged, network.addLayer(name, std::move(params), inputs, temporaryNames));
    merged->setProvenance(mergedProvenance(std::vector<const Layer*>(siblings.begin(), siblings.end())));
    merged->setPrecisionConstraint(siblings.front()->precisionConstraint());
    for (Layer* layer : siblings)
        KILN_RETURN_IF_ERROR(network.removeLayer(layer));
    for (size_t i = 0; i < outputs.size(); ++i)
        KILN_RETURN_IF_ERROR(network.redirectOutput(merged, i, outputs[i]));
    return Status::ok();
}

Status fuseInto(NetworkDefinition& network, const std::vector<Layer*>& layers, Layer* kept, LayerParams params,
                const std::vector<Tensor*>& inputs, Tensor* result, const std::string& name) {
    const std::vector<std::string> provenance = mergedProvenance(std::vector<const Layer*>(layers.begin(), layers.end()));
    for (Layer* layer : layers) {
        if (layer != kept) KILN_RETURN_IF_ERROR(network.removeLayer(layer));
    }
    KILN_RETURN_IF_ERROR(network.updateLayer(kept, std::move(params), inputs));
    if (kept->output(0) != result) KILN_RETURN_IF_ERROR(network.redirectOutput(kept, 0, result));
    KILN_RETURN_IF_ERROR(network.renameLayer(kept, name));
    kept->setProvenance(provenance);
    return Status::ok();
}

}  // namespace kiln::passes

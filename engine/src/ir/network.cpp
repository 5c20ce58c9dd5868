// NetworkDefinition: construction with eager shape inference, mutation for folding, and validation.
#include "kiln/network.h"

#include <algorithm>
#include <set>
#include <sstream>

namespace kiln {

Status NetworkDefinition::checkNewName(const std::string& name, const char* what) const {
    if (name.empty()) return invalidArgument(std::string(what) + " name is empty; give every " + what + " a name");
    if (std::string(what) == "layer") {
        if (m_layersByName.count(name)) {
            return invalidModel("duplicate layer name '" + name + "'; layer names must be unique");
        }
    } else if (m_tensorsByName.count(name)) {
        return invalidModel("duplicate tensor name '" + name + "'; every tensor must have its own name");
    }
    return Status::ok();
}

namespace {

// "per-tensor scale 0.05", "per-axis 0 (16 scales)": whether the scale is one value or one per index
// along the axis is told by the scale input, not by the parameters.
std::string describeQuantization(const Layer& layer, int64_t axis) {
    const Tensor* scale = layer.input(1);
    if (!scale) return describeParams(layer.params());
    if (volume(scale->dims()) != 1) {
        return "per-axis " + std::to_string(axis) + " (" + std::to_string(volume(scale->dims())) + " scales)";
    }
    std::ostringstream text;
    text << "per-tensor";
    if (scale->isConstant() && scale->type() == DataType::Float32) {
        text << " scale " << scale->constantData()->data<float>()[0];
    }
    return text.str();
}

}  // namespace

std::string describeLayer(const Layer& layer) {
    if (layer.kind() == LayerKind::Quantize) return describeQuantization(layer, layer.paramsAs<QuantizeParams>().axis);
    if (layer.kind() == LayerKind::Dequantize) {
        return describeQuantization(layer, layer.paramsAs<DequantizeParams>().axis);
    }
    const std::string params = describeParams(layer.params());
    const bool convolution = layer.kind() == LayerKind::Convolution || layer.kind() == LayerKind::Deconvolution;
    const Tensor* weights = layer.input(1);
    if (!convolution || !weights || weights->dims().size() < 3) return params;
    const Dims kernel(weights->dims().begin() + 2, weights->dims().end());
    const bool residual = layer.kind() == LayerKind::Convolution && layer.input(3);
    return "kernel " + toString(kernel) + " " + params + (residual ? " + residual add" : "");
}

Result<Tensor*> NetworkDefinition::addInput(const std::string& name, DataType type, const Dims& dims) {
    KILN_RETURN_IF_ERROR(checkNewName(name, "tensor"));
    KILN_RETURN_IF_ERROR(checkDims(dims, "input '" + name + "'"));
    auto tensor = std::make_unique<Tensor>();
    tensor->m_name = name;
    tensor->m_type = type;
    tensor->m_dims = dims;
    tensor->m_isInput = true;
    Tensor* raw = tensor.get();
    m_tensors.push_back(std::move(tensor));
    m_tensorsByName[name] = raw;
    m_inputs.push_back(raw);
    return raw;
}

Result<Tensor*> NetworkDefinition::addConstant(const std::string& name, std::shared_ptr<const HostTensor> data) {
    if (!data) return invalidArgument("constant '" + name + "' has no data");
    KILN_RETURN_IF_ERROR(checkNewName(name, "tensor"));
    auto tensor = std::make_unique<Tensor>();
    tensor->m_name = name;
    tensor->m_type = data->type();
    tensor->m_dims = data->dims();
    tensor->m_constant = std::move(data);
    Tensor* raw = tensor.get();
    m_tensors.push_back(std::move(tensor));
    m_tensorsByName[name] = raw;
    return raw;
}

Result<Tensor*> NetworkDefinition::addConstant(const std::string& name, HostTensor data) {
    return addConstant(name, std::make_shared<const HostTensor>(std::move(data)));
}

Result<Layer*> NetworkDefinition::addLayer(const std::string& name, LayerParams params,
                                           const std::vector<Tensor*>& inputs,
                                           const std::vector<std::string>& outputNames) {
    KILN_RETURN_IF_ERROR(checkNewName(name, "layer"));
    const std::string context = "layer '" + name + "' (" + toString(kindOf(params)) + ")";
    std::vector<const Tensor*> constInputs;
    for (size_t i = 0; i < inputs.size(); ++i) {
        Tensor* input = inputs[i];
        if (input && findTensor(input->name()) != input) {
            return invalidArgument(context + ": input " + std::to_string(i) + " ('" + input->name() +
                                   "') does not belong to this network");
        }
        constInputs.push_back(input);
    }
    if (outputNames.empty()) return invalidArgument(context + ": a layer needs at least one output");
    std::set<std::string> seen;
    for (const std::string& outputName : outputNames) {
        if (!seen.insert(outputName).second) {
            return invalidModel(context + ": output name '" + outputName + "' is used twice");
        }
        Status status = checkNewName(outputName, "tensor");
        if (!status.isOk()) return status.withContext(context);
    }
    auto inferred = inferLayerOutputs(params, constInputs, outputNames.size());
    if (!inferred.isOk()) return inferred.status().withContext(context);
    if (inferred->size() != outputNames.size()) {
        return invalidModel(context + ": it produces " + std::to_string(inferred->size()) + " outputs, but " +
                            std::to_string(outputNames.size()) + " output names were given");
    }
    for (size_t i = 0; i < inferred->size(); ++i) {
        Status status = checkDims((*inferred)[i].dims, "output '" + outputNames[i] + "'");
        if (!status.isOk()) return status.withContext(context);
    }

    auto layer = std::make_unique<Layer>();
    layer->m_name = name;
    layer->m_params = std::move(params);
    layer->m_inputs = inputs;
    layer->m_provenance = {name};
    for (size_t i = 0; i < outputNames.size(); ++i) {
        auto tensor = std::make_unique<Tensor>();
        tensor->m_name = outputNames[i];
        tensor->m_type = (*inferred)[i].type;
        tensor->m_dims = (*inferred)[i].dims;
        tensor->m_producer = layer.get();
        layer->m_outputs.push_back(tensor.get());
        m_tensorsByName[outputNames[i]] = tensor.get();
        m_tensors.push_back(std::move(tensor));
    }
    Layer* raw = layer.get();
    m_layers.push_back(std::move(layer));
    m_layersByName[name] = raw;
    return raw;
}

Status NetworkDefinition::markOutput(Tensor* tensor) {
    if (!tensor || findTensor(tensor->name()) != tensor) {
        return invalidArgument("markOutput: the tensor does not belong to this network");
    }
    if (tensor->m_isOutput) return invalidModel("tensor '" + tensor->name() + "' is marked as an output twice");
    tensor->m_isOutput = true;
    m_outputs.push_back(tensor);
    return Status::ok();
}

Status NetworkDefinition::makeConstant(Tensor* tensor, std::shared_ptr<const HostTensor> data) {
    if (!tensor || findTensor(tensor->name()) != tensor) {
        return invalidArgument("makeConstant: the tensor does not belong to this network");
    }
    if (tensor->m_producer || tensor->m_isInput) {
        return invalidArgument("makeConstant: tensor '" + tensor->name() + "' is still produced by a layer or is an input");
    }
    if (!data || data->type() != tensor->m_type || data->dims() != tensor->m_dims) {
        return invalidArgument("makeConstant: data for '" + tensor->name() + "' does not match its type and dims");
    }
    tensor->m_constant = std::move(data);
    return Status::ok();
}

Status NetworkDefinition::removeLayer(Layer* layer) {
    auto it = std::find_if(m_layers.begin(), m_layers.end(), [&](const auto& l) { return l.get() == layer; });
    if (it == m_layers.end()) return invalidArgument("removeLayer: the layer does not belong to this network");
    for (Tensor* output : layer->m_outputs) output->m_producer = nullptr;
    m_layersByName.erase(layer->m_name);
    m_layers.erase(it);
    return Status::ok();
}

void NetworkDefinition::removeUnusedTensors() {
    std::set<const Tensor*> used;
    for (const auto& layer : m_layers) {
        for (const Tensor* t : layer->m_inputs) used.insert(t);
        for (const Tensor* t : layer->m_outputs) used.insert(t);
    }
    std::erase_if(m_tensors, [&](const std::unique_ptr<Tensor>& t) {
        const bool unused = !t->m_isInput && !t->m_isOutput && !t->m_producer && !used.count(t.get());
        if (unused) m_tensorsByName.erase(t->m_name);
        return unused;
    });
}

NetworkDefinition NetworkDefinition::clone() const {
    NetworkDefinition copy;
    copy.m_name = m_name;
    std::map<const Tensor*, Tensor*> tensorMap;
    for (const auto& tensor : m_tensors) {
        auto cloned = std::make_unique<Tensor>(*tensor);
        cloned->m_producer = nullptr;
        tensorMap[tensor.get()] = cloned.get();
        copy.m_tensorsByName[cloned->m_name] = cloned.get();
        copy.m_tensors.push_back(std::move(cloned));
    }
    for (const auto& tensor : copy.m_tensors) {
        if (tensor->m_alias) tensor->m_alias->base = tensorMap.at(tensor->m_alias->base);
    }
    for (const auto& layer : m_layers) {
        auto cloned = std::make_unique<Layer>(*layer);
        for (Tensor*& input : cloned->m_inputs) {
            if (input) input = tensorMap.at(input);
        }
        for (Tensor*& output : cloned->m_outputs) {
            output = tensorMap.at(output);
            output->m_producer = cloned.get();
        }
        copy.m_layersByName[cloned->m_name] = cloned.get();
        copy.m_layers.push_back(std::move(cloned));
    }
    for (const Tensor* input : m_inputs) copy.m_inputs.push_back(tensorMap.at(input));
    for (const Tensor* output : m_outputs) copy.m_outputs.push_back(tensorMap.at(output));
    return copy;
}

Status NetworkDefinition::updateLayer(Layer* layer, LayerParams params, const std::vector<Tensor*>& inputs) {
    if (!layer || findLayer(layer->m_name) != layer) {
        return invalidArgument("updateLayer: the layer does not belong to this network");
    }
    const std::string context = "layer '" + layer->m_name + "' (" + toString(kindOf(params)) + ")";
    std::vector<const Tensor*> constInputs;
    for (Tensor* input : inputs) {
        if (input && findTensor(input->name()) != input) {
            return invalidArgument(context + ": input '" + input->name() + "' does not belong to this network");
        }
        constInputs.push_back(input);
    }
    auto inferred = inferLayerOutputs(params, constInputs, layer->m_outputs.size());
    if (!inferred.isOk()) return inferred.status().withContext(context);
    if (inferred->size() != layer->m_outputs.size()) {
        return invalidArgument(context + ": the update changes the number of outputs");
    }
    for (size_t i = 0; i < inferred->size(); ++i) {
        const Tensor* output = layer->m_outputs[i];
        if ((*inferred)[i].type != output->m_type || (*inferred)[i].dims != output->m_dims) {
            return invalidArgument(context + ": the update changes output '" + output->m_name + "' from " +
                                   toString(output->m_type) + " " + toString(output->m_dims) + " to " +
                                   toString((*inferred)[i].type) + " " + toString((*inferred)[i].dims));
        }
    }
    layer->m_params = std::move(params);
    layer->m_inputs = inputs;
    return Status::ok();
}

Status NetworkDefinition::renameLayer(Layer* layer, const std::string& name) {
    if (!layer || findLayer(layer->m_name) != layer) {
        return invalidArgument("renameLayer: the layer does not belong to this network");
    }
    if (name == layer->m_name) return Status::ok();
    KILN_RETURN_IF_ERROR(checkNewName(name, "layer"));
    m_layersByName.erase(layer->m_name);
    layer->m_name = name;
    m_layersByName[name] = layer;
    return Status::ok();
}

Status NetworkDefinition::redirectOutput(Layer* layer, size_t index, Tensor* tensor) {
    if (!layer || findLayer(layer->m_name) != layer || index >= layer->m_outputs.size()) {
        return invalidArgument("redirectOutput: no such layer output");
    }
    if (!tensor || findTensor(tensor->m_name) != tensor) {
        return invalidArgument("redirectOutput: the tensor does not belong to this network");
    }
    if (tensor->m_producer || tensor->m_isInput || tensor->m_constant) {
        return invalidArgument("redirectOutput: tensor '" + tensor->m_name +
                               "' is already produced, an input or a constant");
    }
    Tensor* previous = layer->m_outputs[index];
    if (previous->m_type != tensor->m_type || previous->m_dims != tensor->m_dims) {
        return invalidArgument("redirectOutput: tensor '" + tensor->m_name + "' (" + toString(tensor->m_type) + " " +
                               toString(tensor->m_dims) + ") does not match output '" + previous->m_name + "' (" +
                               toString(previous->m_type) + " " + toString(previous->m_dims) + ")");
    }
    previous->m_producer = nullptr;
    tensor->m_producer = layer;
    layer->m_outputs[index] = tensor;
    return Status::ok();
}

Status NetworkDefinition::replaceUses(Tensor* from, Tensor* to) {
    if (!from || !to || findTensor(from->m_name) != from || findTensor(to->m_name) != to) {
        return invalidArgument("replaceUses: the tensors do not belong to this network");
    }
    if (from->m_type != to->m_type || from->m_dims != to->m_dims) {
        return invalidArgument("replaceUses: '" + to->m_name + "' (" + toString(to->m_type) + " " +
                               toString(to->m_dims) + ") cannot stand for '" + from->m_name + "' (" +
                               toString(from->m_type) + " " + toString(from->m_dims) + ")");
    }
    for (const auto& layer : m_layers) {
        for (Tensor*& input : layer->m_inputs) {
            if (input == from) input = to;
        }
    }
    return Status::ok();
}

Status NetworkDefinition::clearAlias(Tensor* tensor) {
    if (!tensor || findTensor(tensor->m_name) != tensor) {
        return invalidArgument("clearAlias: the tensor does not belong to this network");
    }
    // setAlias names only bases that alias nothing, so no tensor lies in one that is an alias.
    tensor->m_alias.reset();
    return Status::ok();
}

Status NetworkDefinition::setAlias(Tensor* tensor, Tensor* base, int64_t byteOffset) {
    if (!tensor || !base || findTensor(tensor->m_name) != tensor || findTensor(base->m_name) != base) {
        return invalidArgument("setAlias: the tensors do not belong to this network");
    }
    int64_t offset = byteOffset;
    while (base->m_alias) {
        offset += base->m_alias->byteOffset;
        base = base->m_alias->base;
    }
    if (tensor == base) return invalidArgument("setAlias: tensor '" + tensor->m_name + "' cannot alias itself");
    for (const Tensor* t : {static_cast<const Tensor*>(tensor), static_cast<const Tensor*>(base)}) {
        if (t->m_isInput || t->m_constant) {
            return invalidArgument("setAlias: '" + t->m_name + "' is a network input or a constant");
        }
    }
    const int64_t bytes = volume(tensor->m_dims) * int64_t(dataTypeSize(tensor->m_type));
    const int64_t baseBytes = volume(base->m_dims) * int64_t(dataTypeSize(base->m_type));
    if (offset < 0 || offset + bytes > baseBytes) {
        return invalidArgument("setAlias: " + std::to_string(bytes) + " bytes of '" + tensor->m_name +
                               "' at offset " + std::to_string(offset) + " do not fit in the " +
                               std::to_string(baseBytes) + " bytes of '" + base->m_name + "'");
    }
    for (const auto& other : m_tensors) {
        if (other->m_alias && other->m_alias->base == tensor) {
            other->m_alias = TensorAlias{base, other->m_alias->byteOffset + offset};
        }
    }
    tensor->m_alias = TensorAlias{base, offset};
    return Status::ok();
}

Status NetworkDefinition::setElided(Layer* layer, bool elided) {
    if (!layer || findLayer(layer->m_name) != layer) {
        return invalidArgument("setElided: the layer does not belong to this network");
    }
    layer->m_elided = elided;
    return Status::ok();
}

Status NetworkDefinition::sortTopologically() {
    // Repeatedly take the first layer, in present order, whose inputs are all available.
    std::set<const Tensor*> available;
    for (const auto& tensor : m_tensors) {
        if (tensor->m_isInput || tensor->m_constant || !tensor->m_producer) available.insert(tensor.get());
    }
    std::vector<std::unique_ptr<Layer>> pending = std::move(m_layers);
    m_layers.clear();
    while (!pending.empty()) {
        auto ready = std::find_if(pending.begin(), pending.end(), [&](const std::unique_ptr<Layer>& layer) {
            return std::all_of(layer->m_inputs.begin(), layer->m_inputs.end(),
                               [&](const Tensor* t) { return !t || available.count(t); });
        });
        if (ready == pending.end()) {
            std::string names;
            for (const auto& layer : pending) names += (names.empty() ? "'" : ", '") + layer->m_name + "'";
            for (auto& layer : pending) m_layers.push_back(std::move(layer));
            return invalidModel("the layers " + names + " depend on each other in a cycle");
        }
        for (const Tensor* output : (*ready)->m_outputs) available.insert(output);
        m_layers.push_back(std::move(*ready));
        pending.erase(ready);
    }
    return Status::ok();
}

Tensor* NetworkDefinition::findTensor(const std::string& name) const {
    auto it = m_tensorsByName.find(name);
    return it == m_tensorsByName.end() ? nullptr : it->second;
}

Layer* NetworkDefinition::findLayer(const std::string& name) const {
    auto it = m_layersByName.find(name);
    return it == m_layersByName.end() ? nullptr : it->second;
}

std::vector<Layer*> NetworkDefinition::consumersOf(const Tensor* tensor) const {
    std::vector<Layer*> consumers;
    for (const auto& layer : m_layers) {
        if (std::find(layer->m_inputs.begin(), layer->m_inputs.end(), tensor) != layer->m_inputs.end()) {
            consumers.push_back(layer.get());
        }
    }
    return consumers;
}

Status NetworkDefinition::validate() const {
    std::set<std::string> tensorNames;
    for (const auto& tensor : m_tensors) {
        if (!tensorNames.insert(tensor->m_name).second) {
            return invalidModel("duplicate tensor name '" + tensor->m_name + "'");
        }
    }
    std::set<std::string> layerNames;
    std::set<const Tensor*> available;
    for (const auto& tensor : m_tensors) {
        if (tensor->m_isInput || tensor->m_constant) available.insert(tensor.get());
    }
    for (const auto& layer : m_layers) {
        if (!layerNames.insert(layer->m_name).second) {
            return invalidModel("duplicate layer name '" + layer->m_name + "'");
        }
        for (size_t i = 0; i < layer->m_inputs.size(); ++i) {
            const Tensor* input = layer->m_inputs[i];
            if (input && !available.count(input)) {
                const bool producedLater = input->m_producer != nullptr;
                return invalidModel("layer '" + layer->m_name + "' reads tensor '" + input->m_name + "' " +
                                    (producedLater ? "before the layer that produces it runs (the graph has a cycle or "
                                                     "is out of order)"
                                                   : "that no layer produces and that is neither an input nor a constant"));
            }
        }
        for (const Tensor* output : layer->m_outputs) {
            if (output->m_producer != layer.get()) {
                return invalidModel("tensor '" + output->m_name + "' is written by more than one layer");
            }
            available.insert(output);
        }
    }
    if (m_outputs.empty()) return invalidModel("the network has no outputs; mark at least one tensor as output");
    for (const Tensor* output : m_outputs) {
        if (!available.count(output)) {
            return invalidModel("network output '" + output->m_name + "' is not produced by any layer");
        }
    }
    return Status::ok();
}

}  // namespace kiln

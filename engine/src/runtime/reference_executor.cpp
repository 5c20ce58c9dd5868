// The reference executor runs layers in network order, keeping each intermediate tensor until its last
// reader has run, each layer dispatched to its reference kernel; and constant folding of a single
// layer, used at import.
#include "kiln/reference_executor.h"

#include <algorithm>
#include <unordered_map>

#include "backends/cpu/reference/reference_kernels.h"
#include "kiln/device.h"

namespace kiln {

Status runReferenceLayer(const Layer& layer, const std::vector<const HostTensor*>& inputs,
                         std::vector<HostTensor>& outputs) {
    if (outputs.size() != layer.outputs().size()) {
        return internalError("layer '" + layer.name() + "': " + std::to_string(outputs.size()) +
                             " output buffers for " + std::to_string(layer.outputs().size()) + " outputs");
    }
    Status status = std::visit([&](const auto& p) { return cpu::runReference(p, inputs, outputs); }, layer.params());
    return status.withContext("layer '" + layer.name() + "' (" + toString(layer.kind()) + ")");
}

Result<TensorMap> ReferenceExecutor::execute(const TensorMap& inputs) const {
    std::unordered_map<const Tensor*, const HostTensor*> values;
    for (const Tensor* input : m_network.inputs()) {
        auto it = inputs.find(input->name());
        if (it == inputs.end()) {
            return invalidArgument("no value given for network input '" + input->name() + "' (" +
                                   toString(input->type()) + " " + toString(input->dims()) + ")");
        }
        if (it->second.type() != input->type() || it->second.dims() != input->dims()) {
            return invalidArgument("input '" + input->name() + "' is " + toString(it->second.type()) + " " +
                                   toString(it->second.dims()) + "; the network expects " +
                                   toString(input->type()) + " " + toString(input->dims()));
        }
        values[input] = &it->second;
    }
    for (const auto& [name, value] : inputs) {
        const Tensor* tensor = m_network.findTensor(name);
        if (!tensor || !tensor->isNetworkInput()) {
            return invalidArgument("'" + name + "' is not an input of the network");
        }
    }

    // Remaining reads per tensor, so that intermediates are released as soon as possible.
    std::unordered_map<const Tensor*, int> pendingReads;
    for (const auto& layer : m_network.layers()) {
        for (const Tensor* input : layer->inputs()) {
            if (input) ++pendingReads[input];
        }
    }
    std::unordered_map<const Tensor*, HostTensor> intermediates;
    for (const auto& layer : m_network.layers()) {
        std::vector<const HostTensor*> layerInputs;
        for (const Tensor* input : layer->inputs()) {
            if (!input) {
                layerInputs.push_back(nullptr);
            } else if (input->isConstant()) {
                layerInputs.push_back(input->constantData().get());
            } else if (auto it = values.find(input); it != values.end()) {
                layerInputs.push_back(it->second);
            } else {
                return internalError("layer '" + layer->name() + "' reads '" + input->name() +
                                     "' before it was computed; validate() the network first");
            }
        }
        std::vector<HostTensor> layerOutputs;
        for (const Tensor* output : layer->outputs()) layerOutputs.emplace_back(output->type(), output->dims());
        KILN_RETURN_IF_ERROR(runReferenceLayer(*layer, layerInputs, layerOutputs));
        for (size_t i = 0; i < layerOutputs.size(); ++i) {
            const Tensor* output = layer->outputs()[i];
            HostTensor& stored = intermediates[output] = std::move(layerOutputs[i]);
            values[output] = &stored;
        }
        for (const Tensor* input : layer->inputs()) {
            if (input && --pendingReads[input] == 0 && !input->isNetworkOutput() && intermediates.count(input)) {
                values.erase(input);
                intermediates.erase(input);
            }
        }
    }

    TensorMap outputs;
    for (const Tensor* output : m_network.outputs()) {
        if (output->isConstant()) {
            outputs[output->name()] = *output->constantData();
        } else if (auto it = values.find(output); it != values.end()) {
            outputs[output->name()] = *it->second;
        } else {
            return internalError("network output '" + output->name() + "' was not computed");
        }
    }
    return outputs;
}

uint64_t outputBytes(const Layer& layer) {
    uint64_t bytes = 0;
    for (const Tensor* output : layer.outputs())
        bytes += uint64_t(std::max<int64_t>(output->storageBytes(), 0));
    return bytes;
}

Result<bool> foldConstantLayer(NetworkDefinition& network, Layer* layer) {
    // A plugin runs when the engine runs, as its author wrote it: never folded away.
    if (layer->kind() == LayerKind::Plugin) return false;
    std::vector<const HostTensor*> inputs;
    for (const Tensor* input : layer->inputs()) {
        if (input && !input->isConstant()) return false;
        inputs.push_back(input ? input->constantData().get() : nullptr);
    }
    // A constant no machine of this size could hold (a hostile model's ConstantOfShape or Expand of a
    // huge shape) is refused before it is allocated.
    const uint64_t bytes = outputBytes(*layer);
    if (const uint64_t budget = memoryBudgetBytes(); budget > 0 && bytes > budget) {  // 0: not known
        return unsupported("layer '" + layer->name() + "' computes constants of " + formatByteCount(bytes) +
                           ", more than " + describeMemoryBudget() + "; check the shapes it is given");
    }
    std::vector<HostTensor> outputs;
    for (const Tensor* output : layer->outputs()) outputs.emplace_back(output->type(), output->dims());
    KILN_RETURN_IF_ERROR(runReferenceLayer(*layer, inputs, outputs));
    const std::vector<Tensor*> outputTensors = layer->outputs();
    KILN_RETURN_IF_ERROR(network.removeLayer(layer));
    for (size_t i = 0; i < outputTensors.size(); ++i) {
        KILN_RETURN_IF_ERROR(
            network.makeConstant(outputTensors[i], std::make_shared<const HostTensor>(std::move(outputs[i]))));
    }
    return true;
}

}  // namespace kiln

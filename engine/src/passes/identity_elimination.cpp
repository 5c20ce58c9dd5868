// Identity elimination: match (which of the two rewirings applies), then rewrite.
#include "passes/identity_elimination.h"

#include <algorithm>
#include <optional>

namespace kiln::passes {
namespace {

enum class Rewiring {
    ReadersReadInput,      // the output is an intermediate: its readers read the input instead
    ProducerWritesOutput,  // the output is a network output: the input's producer writes it directly
};

std::optional<Rewiring> matchIdentity(const Layer& layer) {
    if (layer.kind() != LayerKind::Identity || layer.isElided()) return std::nullopt;
    const Tensor* input = layer.input(0);
    const Tensor* output = layer.output(0);
    if (input->alias() || output->alias()) return std::nullopt;
    if (!output->isNetworkOutput()) return Rewiring::ReadersReadInput;
    if (input->producer() && !input->isNetworkOutput()) return Rewiring::ProducerWritesOutput;
    return std::nullopt;
}

}  // namespace

Status eliminateIdentities(NetworkDefinition& network, PassLog& log) {
    bool changed = false;
    size_t index = 0;
    while (index < network.layers().size()) {
        Layer* layer = network.layers()[index].get();
        const std::optional<Rewiring> rewiring = matchIdentity(*layer);
        if (!rewiring) {
            ++index;
            continue;
        }
        const std::string name = layer->name();
        Tensor* input = layer->input(0);
        Tensor* output = layer->output(0);
        KILN_RETURN_IF_ERROR(network.removeLayer(layer));
        if (*rewiring == Rewiring::ReadersReadInput) {
            KILN_RETURN_IF_ERROR(network.replaceUses(output, input));
        } else {
            Layer* producer = input->producer();
            const auto& outputs = producer->outputs();
            const size_t slot = size_t(std::find(outputs.begin(), outputs.end(), input) - outputs.begin());
            KILN_RETURN_IF_ERROR(network.redirectOutput(producer, slot, output));
            KILN_RETURN_IF_ERROR(network.replaceUses(input, output));
        }
        log.record(makeMessage("pass.removed_identity", {name}), {});
        changed = true;
    }
    if (changed) network.removeUnusedTensors();
    return Status::ok();
}

}  // namespace kiln::passes

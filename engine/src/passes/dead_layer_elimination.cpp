// Dead-layer elimination by one backward sweep: walking the layers from last to first, a layer is live
// when one of its outputs is a network output or is read by a live layer; its inputs then become
// needed. Layers are topologically ordered, so every reader is decided before its producer.
#include "passes/dead_layer_elimination.h"

#include <algorithm>
#include <set>

namespace kiln::passes {

Status eliminateDeadLayers(NetworkDefinition& network, PassLog& log) {
    std::set<const Tensor*> needed(network.outputs().begin(), network.outputs().end());
    std::vector<Layer*> dead;
    const auto& layers = network.layers();
    for (auto it = layers.rbegin(); it != layers.rend(); ++it) {
        Layer* layer = it->get();
        const bool live = std::any_of(layer->outputs().begin(), layer->outputs().end(),
                                      [&](const Tensor* t) { return needed.count(t) > 0; });
        if (!live) {
            dead.push_back(layer);
            continue;
        }
        for (const Tensor* input : layer->inputs()) {
            if (input) needed.insert(input);
        }
    }
    if (dead.empty()) return Status::ok();
    // Report in network order.
    std::reverse(dead.begin(), dead.end());
    for (Layer* layer : dead) {
        const std::string name = layer->name();
        KILN_RETURN_IF_ERROR(network.removeLayer(layer));
        log.record(makeMessage("pass.removed_dead", {name}), {});
    }
    network.removeUnusedTensors();
    return Status::ok();
}

}  // namespace kiln::passes

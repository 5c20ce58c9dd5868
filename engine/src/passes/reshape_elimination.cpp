// Reshape elimination: match each Reshape read-only, then alias its output to its input and elide it.
#include "passes/reshape_elimination.h"

namespace kiln::passes {
namespace {

bool matchReshape(const Layer& layer) {
    if (layer.kind() != LayerKind::Reshape || layer.isElided()) return false;
    const Tensor* input = layer.input(0);
    const Tensor* output = layer.output(0);
    return !input->isNetworkInput() && !input->isConstant() && !output->isNetworkOutput() &&
           !output->alias() && input->type() == output->type();
}

}  // namespace

Status eliminateReshapes(NetworkDefinition& network, PassLog& log) {
    for (const auto& layer : network.layers()) {
        if (!matchReshape(*layer)) continue;
        KILN_RETURN_IF_ERROR(network.setAlias(layer->output(0), layer->input(0), 0));
        KILN_RETURN_IF_ERROR(network.setElided(layer.get(), true));
        log.record(makeMessage("pass.elided_view", {layer->name(), layer->output(0)->name(), layer->input(0)->name()}),
                   {layer->name()});
    }
    return Status::ok();
}

}  // namespace kiln::passes

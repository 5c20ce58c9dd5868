// Reshape elimination: match each Reshape, and each Transpose that keeps the order of its axes of extent
// above 1, read-only, then alias its output to its input and elide it.
#include "passes/reshape_elimination.h"

namespace kiln::passes {
namespace {

// Whether transposing `dims` by `perm` keeps every element where it is in row-major order: the axes of
// extent above 1 come out in the order they went in.
bool movesOnlyUnitAxes(const Dims& dims, const std::vector<int64_t>& perm) {
    int64_t previous = -1;
    for (int64_t axis : perm) {
        if (axis < 0 || axis >= int64_t(dims.size())) return false;
        if (dims[size_t(axis)] == 1) continue;
        if (axis < previous) return false;
        previous = axis;
    }
    return true;
}

bool matchView(const Layer& layer) {
    const bool reshape = layer.kind() == LayerKind::Reshape;
    const bool transpose = layer.kind() == LayerKind::Transpose &&
                           movesOnlyUnitAxes(layer.input(0)->dims(), layer.paramsAs<TransposeParams>().perm);
    if (!(reshape || transpose) || layer.isElided()) return false;
    const Tensor* input = layer.input(0);
    const Tensor* output = layer.output(0);
    return !input->isNetworkInput() && !input->isConstant() && !output->isNetworkOutput() &&
           !output->alias() && input->type() == output->type();
}

}  // namespace

Status eliminateReshapes(NetworkDefinition& network, PassLog& log) {
    for (const auto& layer : network.layers()) {
        if (!matchView(*layer)) continue;
        KILN_RETURN_IF_ERROR(network.setAlias(layer->output(0), layer->input(0), 0));
        KILN_RETURN_IF_ERROR(network.setElided(layer.get(), true));
        log.record(makeMessage("pass.elided_view", {layer->name(), layer->output(0)->name(), layer->input(0)->name()}),
                   {layer->name()});
    }
    return Status::ok();
}

}  // namespace kiln::passes

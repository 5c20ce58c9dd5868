// Concat elimination: decide read-only how a Concat's output and inputs can be placed, then set the
// aliases and elide it.
#include "passes/concat_elimination.h"

#include <algorithm>
#include <optional>

#include "passes/pass_helpers.h"

namespace kiln::passes {
namespace {

struct Placement {
    std::vector<int64_t> sliceOffsets;  // byte offset of each input inside the concat output
    // Set when every input already aliases one buffer: where the concat output lies in it.
    std::optional<TensorAlias> outputAlias;
};

std::optional<std::vector<int64_t>> contiguousSlices(const Layer& concat) {
    const Tensor* output = concat.output(0);
    const Dims& dims = output->dims();
    const auto axis = size_t(concat.paramsAs<ConcatParams>().axis);
    if (volume(Dims(dims.begin(), dims.begin() + std::ptrdiff_t(axis))) != 1) return std::nullopt;
    const int64_t unitBytes = volume(Dims(dims.begin() + std::ptrdiff_t(axis) + 1, dims.end())) *
                              int64_t(dataTypeSize(output->type()));
    std::vector<int64_t> offsets;
    int64_t offset = 0;
    for (const Tensor* input : concat.inputs()) {
        offsets.push_back(offset);
        offset += input->dims()[axis] * unitBytes;
    }
    return offsets;
}

// An input that nothing has placed yet and that its producer can write anywhere.
bool isMovable(const Layer& concat, const Tensor* input) {
    const auto& inputs = concat.inputs();
    return input->producer() && !input->producer()->isElided() && !input->isNetworkOutput() &&
           !input->alias() && std::count(inputs.begin(), inputs.end(), input) == 1;
}

std::optional<Placement> matchConcat(const NetworkDefinition& network, const Layer& concat) {
    if (concat.kind() != LayerKind::Concat || concat.isElided()) return std::nullopt;
    const Tensor* output = concat.output(0);
    if (output->isNetworkOutput()) return std::nullopt;
    auto offsets = contiguousSlices(concat);
    if (!offsets) return std::nullopt;
    const auto& inputs = concat.inputs();

    // Every input still free: each moves into its slice of the output, wherever that output lies.
    const bool allMovable =
        std::all_of(inputs.begin(), inputs.end(), [&](const Tensor* t) { return isMovable(concat, t); });
    if (allMovable) {
        if (isAliasBase(network, output)) return std::nullopt;
        return Placement{std::move(*offsets), std::nullopt};
    }

    // Every input already placed, back to back in one buffer: the output is that range.
    std::optional<TensorAlias> where;
    for (size_t i = 0; i < inputs.size(); ++i) {
        const auto& alias = inputs[i]->alias();
        if (!alias) return std::nullopt;
        const TensorAlias implied{alias->base, alias->byteOffset - (*offsets)[i]};
        if (where && (where->base != implied.base || where->byteOffset != implied.byteOffset))
            return std::nullopt;
        where = implied;
    }
    if (where->base == output || where->byteOffset < 0) return std::nullopt;
    if (output->alias()) {
        const TensorAlias& present = *output->alias();
        if (present.base != where->base || present.byteOffset != where->byteOffset) return std::nullopt;
    } else if (isAliasBase(network, output)) {
        return std::nullopt;
    }
    return Placement{std::move(*offsets), where};
}

}  // namespace

Status eliminateConcats(NetworkDefinition& network, PassLog& log) {
    std::vector<Layer*> concats;
    for (const auto& layer : network.layers()) {
        if (layer->kind() == LayerKind::Concat) concats.push_back(layer.get());
    }
    // Last first, so that the largest concat of a chain owns the buffer the earlier ones lie in.
    for (auto it = concats.rbegin(); it != concats.rend(); ++it) {
        Layer* concat = *it;
        const std::optional<Placement> placement = matchConcat(network, *concat);
        if (!placement) continue;
        Tensor* output = concat->output(0);
        Message message;
        if (placement->outputAlias) {
            if (!output->alias()) {
                KILN_RETURN_IF_ERROR(network.setAlias(output, placement->outputAlias->base,
                                                      placement->outputAlias->byteOffset));
            }
            message = makeMessage("pass.elided_concat_back_to_back", {concat->name(), placement->outputAlias->base->name()});
        } else {
            std::string names;
            for (size_t i = 0; i < concat->inputs().size(); ++i) {
                Tensor* input = concat->inputs()[i];
                KILN_RETURN_IF_ERROR(network.setAlias(input, output, placement->sliceOffsets[i]));
                names += (names.empty() ? "" : ", ") + input->name();
            }
            message = makeMessage("pass.elided_concat_in_place", {concat->name(), names, output->name()});
        }
        KILN_RETURN_IF_ERROR(network.setElided(concat, true));
        log.record(std::move(message), {concat->name()});
    }
    return Status::ok();
}

}  // namespace kiln::passes

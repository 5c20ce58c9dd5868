// Pad folding: match (a constant-zero Pad, and what it can fold into), then rewrite. Folding into an
// average pooling makes it count padded positions, which is exact: the Pad's zeros were counted too.
#include "passes/pad_folding.h"

#include <algorithm>
#include <optional>

#include "passes/pass_helpers.h"

namespace kiln::passes {
namespace {

bool isZeroPad(const Layer& layer) {
    if (layer.kind() != LayerKind::Pad || layer.isElided() || layer.inputs().size() != 1) return false;
    const PadParams& p = layer.paramsAs<PadParams>();
    if (p.mode != PadMode::Constant || p.value != 0.0) return false;
    const Tensor* input = layer.input(0);
    const Tensor* output = layer.output(0);
    return !input->alias() && !output->alias() && input->type() == DataType::Float32 &&
           std::all_of(p.pads.begin(), p.pads.end(), [](int64_t pad) { return pad >= 0; });
}

// The spatial pads (begins, then ends) of a Pad of a rank-r tensor that pads only spatial axes.
std::optional<std::vector<int64_t>> spatialPads(const PadParams& p, size_t rank) {
    if (p.pads.size() != 2 * rank || rank < 3) return std::nullopt;
    if (p.pads[0] || p.pads[1] || p.pads[rank] || p.pads[rank + 1]) return std::nullopt;
    std::vector<int64_t> pads;
    for (size_t axis = 2; axis < rank; ++axis) pads.push_back(p.pads[axis]);
    for (size_t axis = 2; axis < rank; ++axis) pads.push_back(p.pads[rank + axis]);
    return pads;
}

// The reader's parameters with the Pad folded in, when that is exact.
std::optional<LayerParams> folded(const Layer& reader, const Tensor* padded, const std::vector<int64_t>& pads) {
    if (reader.input(0) != padded || std::count(reader.inputs().begin(), reader.inputs().end(), padded) != 1) {
        return std::nullopt;
    }
    auto add = [&](std::vector<int64_t> own) -> std::optional<std::vector<int64_t>> {
        if (own.size() != pads.size()) return std::nullopt;
        for (size_t i = 0; i < own.size(); ++i) own[i] += pads[i];
        return own;
    };
    if (reader.kind() == LayerKind::Convolution) {
        ConvolutionParams p = reader.paramsAs<ConvolutionParams>();
        auto sum = add(p.pads);
        if (!sum) return std::nullopt;
        p.pads = *sum;
        return LayerParams(p);
    }
    if (reader.kind() == LayerKind::Pooling) {
        PoolingParams p = reader.paramsAs<PoolingParams>();
        const bool ownPads = std::any_of(p.pads.begin(), p.pads.end(), [](int64_t pad) { return pad != 0; });
        if (p.type != PoolingType::Average || p.ceilMode || (ownPads && !p.countIncludePad)) return std::nullopt;
        auto sum = add(p.pads);
        if (!sum) return std::nullopt;
        p.pads = *sum;
        p.countIncludePad = true;
        return LayerParams(p);
    }
    return std::nullopt;
}

}  // namespace

Status foldPads(NetworkDefinition& network, PassLog& log) {
    bool changed = false;
    size_t index = 0;
    while (index < network.layers().size()) {
        Layer* pad = network.layers()[index].get();
        if (!isZeroPad(*pad)) {
            ++index;
            continue;
        }
        Tensor* input = pad->input(0);
        Tensor* output = pad->output(0);
        const PadParams& params = pad->paramsAs<PadParams>();
        const bool nothing = std::all_of(params.pads.begin(), params.pads.end(), [](int64_t p) { return p == 0; });
        if (nothing && !output->isNetworkOutput()) {
            const std::string name = pad->name();
            KILN_RETURN_IF_ERROR(network.removeLayer(pad));
            KILN_RETURN_IF_ERROR(network.replaceUses(output, input));
            log.record(makeMessage("pass.removed_empty_pad", {name}), {});
            changed = true;
            continue;
        }
        Layer* reader = soleReader(network, output);
        const auto pads = spatialPads(params, output->dims().size());
        std::optional<LayerParams> merged;
        if (reader && pads && !output->isNetworkOutput()) merged = folded(*reader, output, *pads);
        if (!merged) {
            ++index;
            continue;
        }
        std::vector<Tensor*> inputs = reader->inputs();
        inputs[0] = input;
        const std::string name = pad->name();
        std::vector<std::string> provenance = pad->provenance();
        KILN_RETURN_IF_ERROR(network.removeLayer(pad));
        KILN_RETURN_IF_ERROR(network.updateLayer(reader, *merged, inputs));
        for (const std::string& node : reader->provenance()) provenance.push_back(node);
        reader->setProvenance(provenance);
        log.record(makeMessage("pass.folded_pad", {name, reader->name()}), {reader->name()});
        changed = true;
    }
    if (changed) network.removeUnusedTensors();
    return Status::ok();
}

}  // namespace kiln::passes

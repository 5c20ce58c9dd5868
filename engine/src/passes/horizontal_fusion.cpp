// Horizontal fusion: match the siblings of each Convolution read-only, then build the fused layer, which
// writes the siblings' own output tensors.
#include "passes/horizontal_fusion.h"

#include <cstring>
#include <optional>
#include <string>

#include "passes/pass_helpers.h"

namespace kiln::passes {
namespace {

bool isCandidate(const NetworkDefinition& network, const Layer& layer) {
    if (layer.kind() != LayerKind::Convolution || layer.isElided()) return false;
    const auto& p = layer.paramsAs<ConvolutionParams>();
    const Tensor* output = layer.output(0);
    if (p.groups != 1 || !p.outputChannels.empty() || layer.input(3) != nullptr) return false;
    if (!floatConstant(layer.input(1)) || (layer.input(2) && !floatConstant(layer.input(2)))) return false;
    return !output->isNetworkOutput() && !output->alias() && !isAliasBase(network, output);
}

bool compatible(const Layer& a, const Layer& b) {
    const auto& pa = a.paramsAs<ConvolutionParams>();
    const auto& pb = b.paramsAs<ConvolutionParams>();
    const Dims& wa = a.input(1)->dims();
    const Dims& wb = b.input(1)->dims();
    return a.input(0) == b.input(0) && Dims(wa.begin() + 2, wa.end()) == Dims(wb.begin() + 2, wb.end()) &&
           pa.strides == pb.strides && pa.pads == pb.pads && pa.dilations == pb.dilations &&
           sameActivation(pa.activation, pb.activation) &&
           a.precisionConstraint() == b.precisionConstraint() && a.output(0)->type() == b.output(0)->type();
}

// The siblings of `first` in network order, `first` included.
std::vector<Layer*> matchSiblings(const NetworkDefinition& network, Layer* first) {
    if (!isCandidate(network, *first)) return {};
    std::vector<Layer*> siblings;
    for (Layer* reader : network.consumersOf(first->input(0))) {
        if (reader == first || (isCandidate(network, *reader) && compatible(*first, *reader))) {
            siblings.push_back(reader);
        }
    }
    return siblings;
}

// The siblings' weights (and biases, zero where a sibling has none) stacked along the output channels,
// which are the outermost axis of both.
std::pair<HostTensor, HostTensor> stackWeights(const std::vector<Layer*>& siblings) {
    Dims weightDims = siblings.front()->input(1)->dims();
    int64_t channels = 0;
    for (const Layer* layer : siblings)
        channels += layer->input(1)->dims()[0];
    weightDims[0] = channels;
    HostTensor weights(DataType::Float32, weightDims);
    HostTensor bias(DataType::Float32, {channels});
    std::byte* weightsAt = weights.bytes();
    float* biasAt = bias.data<float>();
    for (const Layer* layer : siblings) {
        const HostTensor& w = *layer->input(1)->constantData();
        std::memcpy(weightsAt, w.bytes(), w.byteSize());
        weightsAt += w.byteSize();
        if (layer->input(2)) {
            const HostTensor& b = *layer->input(2)->constantData();
            std::memcpy(biasAt, b.bytes(), b.byteSize());
        }
        biasAt += w.dims()[0];
    }
    return {std::move(weights), std::move(bias)};
}

Status rewrite(NetworkDefinition& network, const std::vector<Layer*>& siblings, PassLog& log) {
    std::string name;
    ConvolutionParams params = siblings.front()->paramsAs<ConvolutionParams>();
    bool anyBias = false;
    for (const Layer* layer : siblings) {
        name += (name.empty() ? "" : " || ") + layer->name();
        params.outputChannels.push_back(layer->input(1)->dims()[0]);
        anyBias = anyBias || layer->input(2) != nullptr;
    }
    name = freshLayerName(network, name);
    auto [weightData, biasData] = stackWeights(siblings);
    KILN_ASSIGN_OR_RETURN(Tensor * weights, network.addConstant(freshTensorName(network, name + ".weight"),
                                                                std::move(weightData)));
    Tensor* bias = nullptr;
    if (anyBias) {
        KILN_ASSIGN_OR_RETURN(
            bias, network.addConstant(freshTensorName(network, name + ".bias"), std::move(biasData)));
    }
    // The siblings' own output tensors stay; the fused convolution takes over writing each of them.
    KILN_RETURN_IF_ERROR(mergeSiblings(network, siblings, name, std::move(params),
                                       {siblings.front()->input(0), weights, bias}));
    log.record(makeMessage("pass.fused_horizontal", {name}), {name});
    return Status::ok();
}

}  // namespace

Status fuseHorizontally(NetworkDefinition& network, PassLog& log) {
    const auto match = [&](Layer* layer) -> std::optional<std::vector<Layer*>> {
        std::vector<Layer*> siblings = matchSiblings(network, layer);
        if (siblings.size() < 2) return std::nullopt;
        return siblings;
    };
    return rewriteEachMatchAndSort(
        network, match, [&](const std::vector<Layer*>& siblings) { return rewrite(network, siblings, log); });
}

}  // namespace kiln::passes

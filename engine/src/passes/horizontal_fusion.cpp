// Horizontal fusion: match the siblings of each Convolution read-only, then build the fused layer and
// the elided Slices that stand for the siblings' outputs.
#include "passes/horizontal_fusion.h"

#include <cstring>

#include "passes/pass_helpers.h"

namespace kiln::passes {
namespace {

bool isCandidate(const NetworkDefinition& network, const Layer& layer) {
    if (layer.kind() != LayerKind::Convolution || layer.isElided()) return false;
    const auto& p = layer.paramsAs<ConvolutionParams>();
    const Tensor* data = layer.input(0);
    const Tensor* output = layer.output(0);
    if (p.groups != 1 || data->dims()[0] != 1 || layer.input(3) != nullptr) return false;
    if (!floatConstant(layer.input(1)) || (layer.input(2) && !floatConstant(layer.input(2)))) return false;
    if (output->isNetworkOutput() || output->alias() || isAliasBase(network, output)) return false;
    for (const Layer* reader : network.consumersOf(output)) {
        if (reader->kind() == LayerKind::Concat) return false;
    }
    return true;
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
    std::vector<const Layer*> members;
    bool anyBias = false;
    for (const Layer* layer : siblings) {
        name += (name.empty() ? "" : " || ") + layer->name();
        members.push_back(layer);
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
    Tensor* data = siblings.front()->input(0);
    KILN_ASSIGN_OR_RETURN(Layer * fused,
                          network.addLayer(name, siblings.front()->params(), {data, weights, bias},
                                           {freshTensorName(network, name + ".output")}));
    fused->setProvenance(mergedProvenance(members));
    fused->setPrecisionConstraint(siblings.front()->precisionConstraint());
    Tensor* fusedOutput = fused->output(0);
    const Dims& fusedDims = fusedOutput->dims();

    int64_t channelStart = 0;
    for (Layer* layer : siblings) {
        Tensor* output = layer->output(0);
        const std::string siblingName = layer->name();
        const std::vector<std::string> provenance = layer->provenance();
        const int64_t channels = output->dims()[1];
        KILN_RETURN_IF_ERROR(network.removeLayer(layer));

        SliceParams slice;
        for (size_t axis = 0; axis < fusedDims.size(); ++axis) {
            slice.starts.push_back(axis == 1 ? channelStart : 0);
            slice.ends.push_back(axis == 1 ? channelStart + channels : fusedDims[axis]);
            slice.steps.push_back(1);
        }
        KILN_ASSIGN_OR_RETURN(
            Layer * view,
            network.addLayer(freshLayerName(network, siblingName + " slice"), slice, {fusedOutput},
                             {freshTensorName(network, output->name() + ".slice")}));
        KILN_RETURN_IF_ERROR(network.redirectOutput(view, 0, output));
        view->setProvenance(provenance);
        // Batch 1: channels [start, start + count) of the fused output are one contiguous run of bytes.
        const int64_t planeBytes =
            volume(Dims(fusedDims.begin() + 2, fusedDims.end())) * int64_t(dataTypeSize(output->type()));
        KILN_RETURN_IF_ERROR(network.setAlias(output, fusedOutput, channelStart * planeBytes));
        KILN_RETURN_IF_ERROR(network.setElided(view, true));
        channelStart += channels;
    }
    log.record("fused " + name + " (one convolution; each sibling's output is a view of its channels)",
               {name});
    return Status::ok();
}

}  // namespace

Status fuseHorizontally(NetworkDefinition& network, PassLog& log) {
    bool changed = false;
    for (size_t index = 0; index < network.layers().size();) {
        const std::vector<Layer*> siblings = matchSiblings(network, network.layers()[index].get());
        if (siblings.size() < 2) {
            ++index;
            continue;
        }
        KILN_RETURN_IF_ERROR(rewrite(network, siblings, log));
        changed = true;
    }
    if (!changed) return Status::ok();
    network.removeUnusedTensors();
    return network.sortTopologically();
}

}  // namespace kiln::passes

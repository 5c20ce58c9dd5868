// Pointwise-chain fusion: match a run of pointwise layers read-only, from its first layer through each
// sole reader, then turn the first layer into the chain and remove the rest. Batch-norm constants are
// computed in double and rounded once to float; other operands are the layers' own constants.
#include "passes/pointwise_chain_fusion.h"

#include <cmath>
#include <optional>

#include "ir/shape_inference.h"
#include "passes/pass_helpers.h"

namespace kiln::passes {
namespace {

// The FP32 tensor a pointwise layer transforms, or null when the layer cannot be a chain step. An
// elementwise step's other operand is a constant, or the data the chain starts from (`chainInput`,
// e.g. x * sigmoid(x)); the chain then reads that tensor as an operand too.
Tensor* chainData(const Layer& layer, const Tensor* chainInput = nullptr) {
    if (layer.isElided() || layer.outputs().size() != 1 || layer.output(0)->alias()) return nullptr;
    Tensor* output = layer.output(0);
    if (output->type() != DataType::Float32) return nullptr;
    switch (layer.kind()) {
        case LayerKind::BatchNorm: {
            if (output->dims().size() < 2) return nullptr;
            for (size_t i = 1; i <= 4; ++i) {
                const HostTensor* constant = floatConstant(layer.input(i));
                if (!constant || constant->dims() != Dims{output->dims()[1]}) return nullptr;
            }
            return layer.input(0);
        }
        case LayerKind::Activation: return layer.input(0);
        case LayerKind::Unary:
            return layer.paramsAs<UnaryParams>().op != UnaryOp::Not ? layer.input(0) : nullptr;
        case LayerKind::Elementwise: {
            if (!detail::isArithmetic(layer.paramsAs<ElementwiseParams>().op)) return nullptr;
            const bool firstConstant = floatConstant(layer.input(0)) != nullptr ||
                                       (chainInput && layer.input(0) == chainInput && layer.input(1) != chainInput);
            const bool secondConstant = floatConstant(layer.input(1)) != nullptr ||
                                        (chainInput && layer.input(1) == chainInput && layer.input(0) != chainInput);
            if (firstConstant == secondConstant) return nullptr;
            Tensor* data = firstConstant ? layer.input(1) : layer.input(0);
            const Tensor* constant = firstConstant ? layer.input(0) : layer.input(1);
            const bool broadcasts = detail::broadcastsTo(constant->dims(), output->dims());
            return data->dims() == output->dims() && broadcasts ? data : nullptr;
        }
        default: return nullptr;
    }
}

std::optional<std::vector<Layer*>> matchAt(const NetworkDefinition& network, Layer* first) {
    if (!chainData(*first)) return std::nullopt;
    std::vector<Layer*> chain{first};
    for (;;) {
        const Layer* last = chain.back();
        Layer* next = soleReader(network, last->output(0));
        if (!next || next->precisionConstraint() != first->precisionConstraint()) break;
        if (chainData(*next, chainData(*first)) != last->output(0)) break;
        chain.push_back(next);
    }
    if (chain.size() == 1 && first->kind() != LayerKind::BatchNorm) return std::nullopt;
    return chain;
}

// scale = gamma / sqrt(variance + epsilon), shift = beta - mean * scale, shaped [C, 1, ...] to broadcast
// along axis 1 of the data.
Result<std::pair<Tensor*, Tensor*>> batchNormConstants(NetworkDefinition& network, const Layer& bn) {
    const float epsilon = bn.paramsAs<BatchNormParams>().epsilon;
    const HostTensor& gamma = *bn.input(1)->constantData();
    const HostTensor& beta = *bn.input(2)->constantData();
    const HostTensor& mean = *bn.input(3)->constantData();
    const HostTensor& variance = *bn.input(4)->constantData();
    const Dims& dataDims = bn.output(0)->dims();
    Dims dims(dataDims.size() - 1, 1);
    dims[0] = dataDims[1];
    HostTensor scale(DataType::Float32, dims);
    HostTensor shift(DataType::Float32, dims);
    for (int64_t c = 0; c < dataDims[1]; ++c) {
        const double s =
            double(gamma.data<float>()[c]) / std::sqrt(double(variance.data<float>()[c]) + epsilon);
        scale.data<float>()[c] = float(s);
        shift.data<float>()[c] = float(double(beta.data<float>()[c]) - double(mean.data<float>()[c]) * s);
    }
    const std::string scaleName = freshTensorName(network, bn.name() + ".scale");
    KILN_ASSIGN_OR_RETURN(Tensor * scaleTensor, network.addConstant(scaleName, std::move(scale)));
    const std::string shiftName = freshTensorName(network, bn.name() + ".shift");
    KILN_ASSIGN_OR_RETURN(Tensor * shiftTensor, network.addConstant(shiftName, std::move(shift)));
    return std::make_pair(scaleTensor, shiftTensor);
}

Status rewrite(NetworkDefinition& network, const std::vector<Layer*>& chain, PassLog& log) {
    Layer* first = chain.front();
    std::vector<Tensor*> inputs{chainData(*first)};
    PointwiseChainParams params;
    std::string name;
    std::vector<const Layer*> fused;
    for (const Layer* layer : chain) {
        PointwiseStep step;
        switch (layer->kind()) {
            case LayerKind::BatchNorm: {
                KILN_ASSIGN_OR_RETURN(auto constants, batchNormConstants(network, *layer));
                step.kind = PointwiseStep::Kind::ScaleShift;
                step.operand = int64_t(inputs.size());
                step.shiftOperand = step.operand + 1;
                inputs.push_back(constants.first);
                inputs.push_back(constants.second);
                break;
            }
            case LayerKind::Activation:
                step.kind = PointwiseStep::Kind::Activation;
                step.activation = layer->paramsAs<ActivationParams>();
                break;
            case LayerKind::Unary:
                step.kind = PointwiseStep::Kind::Unary;
                step.unary = layer->paramsAs<UnaryParams>().op;
                break;
            default:
                step.kind = PointwiseStep::Kind::Elementwise;
                step.op = layer->paramsAs<ElementwiseParams>().op;
                // The first layer's data is the chain input itself, not an operand read beside it.
                step.operandFirst = chainData(*layer, layer == first ? nullptr : inputs.front()) == layer->input(1);
                step.operand = int64_t(inputs.size());
                inputs.push_back(step.operandFirst ? layer->input(0) : layer->input(1));
                break;
        }
        params.steps.push_back(step);
        name += (name.empty() ? "" : " + ") + layer->name();
        fused.push_back(layer);
    }
    // A lone BatchNorm keeps its name; a new name must not collide with another layer's.
    if (chain.size() > 1) name = freshLayerName(network, name);
    const std::vector<std::string> provenance = mergedProvenance(fused);
    const std::string steps = describeParams(params);
    Tensor* result = chain.back()->output(0);

    for (size_t i = chain.size(); i-- > 1;)
        KILN_RETURN_IF_ERROR(network.removeLayer(chain[i]));
    KILN_RETURN_IF_ERROR(network.updateLayer(first, std::move(params), inputs));
    if (result != first->output(0)) KILN_RETURN_IF_ERROR(network.redirectOutput(first, 0, result));
    if (name != first->name()) KILN_RETURN_IF_ERROR(network.renameLayer(first, name));
    first->setProvenance(provenance);
    log.record(makeMessage("pass.fused_pointwise_chain", {name, steps}), {name});
    return Status::ok();
}

}  // namespace

Status fusePointwiseChains(NetworkDefinition& network, PassLog& log) {
    // A chain matches no further once fused (a PointwiseChain is no chain step).
    KILN_ASSIGN_OR_RETURN(const bool changed,
                          rewriteEachMatch(
                              network, [&](Layer* layer) { return matchAt(network, layer); },
                              [&](const std::vector<Layer*>& chain) { return rewrite(network, chain, log); }));
    if (changed) network.removeUnusedTensors();
    return Status::ok();
}

}  // namespace kiln::passes

// Layer-norm fusion (layer_norm_fusion.h): match read-only from each ReduceMean over trailing axes,
// following every intermediate to its only reader (the deviation d has exactly two: the square and the
// division), then turn the Sub (whose output has the data's shape) into the LayerNorm and remove the rest.
#include "passes/layer_norm_fusion.h"

#include <algorithm>
#include <optional>

#include "ir/shape_inference.h"
#include "passes/pass_helpers.h"

namespace kiln::passes {
namespace {

struct Match {
    std::vector<Layer*> layers;  // in network order, the ReduceMean first
    Tensor* data = nullptr;
    Tensor* result = nullptr;
    int64_t axis = 0;
    float epsilon = 0.0f;
    const HostTensor* scale = nullptr;  // null: 1 everywhere
    const HostTensor* bias = nullptr;   // null: no bias
};

std::optional<float> scalarConstant(const Tensor* tensor) {
    const HostTensor* constant = floatConstant(tensor);
    if (!constant || constant->elementCount() != 1) return std::nullopt;
    return constant->data<float>()[0];
}

// The first axis of a mean over the trailing axes of an FP32 tensor that keeps its dimensions.
std::optional<int64_t> trailingMeanAxis(const Layer& layer) {
    if (layer.kind() != LayerKind::Reduce || layer.isElided() || layer.output(0)->alias()) return std::nullopt;
    const auto& p = layer.paramsAs<ReduceParams>();
    const int64_t rank = int64_t(layer.input(0)->dims().size());
    if (p.op != ReduceOp::Mean || !p.keepDims || p.axes.empty() || layer.input(0)->type() != DataType::Float32) {
        return std::nullopt;
    }
    for (size_t i = 0; i < p.axes.size(); ++i) {
        if (p.axes[i] != rank - int64_t(p.axes.size()) + int64_t(i)) return std::nullopt;
    }
    return p.axes.front();
}

// A constant that varies along the normalised axes at most (axes before `axis` of `dims` are 1 or
// absent once it is right-aligned with them).
const HostTensor* perPositionConstant(const Tensor* tensor, const Dims& dims, int64_t axis) {
    const HostTensor* constant = floatConstant(tensor);
    if (!constant || !detail::broadcastsTo(constant->dims(), dims)) return nullptr;
    const int64_t lead = int64_t(dims.size()) - int64_t(constant->dims().size());
    for (int64_t i = 0; i < int64_t(constant->dims().size()); ++i) {
        if (lead + i < axis && constant->dims()[size_t(i)] != 1) return nullptr;
    }
    return constant;
}

// `constant` broadcast to `target` (the normalised axes), right-aligned.
HostTensor expandedTo(const HostTensor& constant, const Dims& target) {
    HostTensor result(DataType::Float32, target);
    const Dims& from = constant.dims();
    const int64_t lead = int64_t(target.size()) - int64_t(from.size());
    const int64_t count = result.elementCount();
    for (int64_t flat = 0; flat < count; ++flat) {
        int64_t rest = flat;
        int64_t source = 0;
        int64_t stride = 1;
        for (int64_t i = int64_t(target.size()) - 1; i >= 0; --i) {
            const int64_t index = rest % target[size_t(i)];
            rest /= target[size_t(i)];
            const int64_t j = i - lead;
            if (j < 0) continue;
            if (from[size_t(j)] != 1) source += index * stride;
            stride *= from[size_t(j)];
        }
        result.data<float>()[flat] = constant.data<float>()[source];
    }
    return result;
}

std::optional<Match> matchAt(const NetworkDefinition& network, Layer* mean) {
    const std::optional<int64_t> axis = trailingMeanAxis(*mean);
    if (!axis) return std::nullopt;
    Match m;
    m.axis = *axis;
    m.data = mean->input(0);
    const Dims& dims = m.data->dims();
    const auto sameConstraint = [&](const Layer* layer) {
        return layer && !layer->isElided() && layer->precisionConstraint() == mean->precisionConstraint() &&
               layer->outputs().size() == 1 && !layer->output(0)->alias();
    };
    Layer* sub = soleReader(network, mean->output(0));
    if (!sameConstraint(sub) || !isElementwiseOp(sub, ElementwiseOp::Sub) || sub->input(0) != m.data ||
        sub->input(1) != mean->output(0) || sub->output(0)->dims() != dims) {
        return std::nullopt;
    }
    // The deviation feeds the square and the division, nothing else.
    Tensor* deviation = sub->output(0);
    if (deviation->isNetworkOutput()) return std::nullopt;
    const std::vector<Layer*> readers = network.consumersOf(deviation);
    if (readers.size() != 2) return std::nullopt;
    Layer* square = nullptr;
    Layer* div = nullptr;
    for (Layer* reader : readers) {
        if (isElementwiseOp(reader, ElementwiseOp::Div) && reader->input(0) == deviation && reader->input(1) != deviation) {
            div = reader;
        } else if (isElementwiseOp(reader, ElementwiseOp::Pow) && reader->input(0) == deviation &&
                   scalarConstant(reader->input(1)) == 2.0f) {
            square = reader;
        } else if (isElementwiseOp(reader, ElementwiseOp::Mul) && reader->input(0) == deviation &&
                   reader->input(1) == deviation) {
            square = reader;
        }
    }
    if (!sameConstraint(square) || !sameConstraint(div)) return std::nullopt;
    if (readCount(network, deviation) != (square->input(1) == deviation ? 3 : 2)) return std::nullopt;
    Layer* variance = soleReader(network, square->output(0));
    if (!sameConstraint(variance) || trailingMeanAxis(*variance) != axis || variance->input(0) != square->output(0)) {
        return std::nullopt;
    }
    Layer* addEpsilon = soleReader(network, variance->output(0));
    if (!sameConstraint(addEpsilon) || !isElementwiseOp(addEpsilon, ElementwiseOp::Add)) return std::nullopt;
    const std::optional<float> epsilon = scalarConstant(otherOperand(*addEpsilon, variance->output(0)));
    if (!epsilon || !(*epsilon >= 0.0f)) return std::nullopt;
    m.epsilon = *epsilon;
    Layer* sqrt = soleReader(network, addEpsilon->output(0));
    if (!sameConstraint(sqrt) || sqrt->kind() != LayerKind::Unary || sqrt->paramsAs<UnaryParams>().op != UnaryOp::Sqrt) {
        return std::nullopt;
    }
    if (soleReader(network, sqrt->output(0)) != div || div->input(1) != sqrt->output(0) || div->output(0)->dims() != dims) {
        return std::nullopt;
    }
    m.layers = {mean, sub, square, variance, addEpsilon, sqrt, div};
    m.result = div->output(0);
    // Optional scale, then optional bias, each a constant over the normalised axes.
    Layer* next = soleReader(network, m.result);
    if (sameConstraint(next) && isElementwiseOp(next, ElementwiseOp::Mul) && next->output(0)->dims() == dims) {
        if (const HostTensor* scale = perPositionConstant(otherOperand(*next, m.result), dims, m.axis)) {
            m.scale = scale;
            m.layers.push_back(next);
            m.result = next->output(0);
            next = soleReader(network, m.result);
        }
    }
    if (sameConstraint(next) && isElementwiseOp(next, ElementwiseOp::Add) && next->output(0)->dims() == dims) {
        if (const HostTensor* bias = perPositionConstant(otherOperand(*next, m.result), dims, m.axis)) {
            m.bias = bias;
            m.layers.push_back(next);
            m.result = next->output(0);
        }
    }
    return m;
}

Status rewrite(NetworkDefinition& network, const Match& m, PassLog& log) {
    const Dims& dims = m.data->dims();
    const Dims normalized(dims.begin() + m.axis, dims.end());
    const std::string name = patternLayerName(network, m.layers, "LayerNorm");
    HostTensor scale(DataType::Float32, normalized);
    if (m.scale) {
        scale = expandedTo(*m.scale, normalized);
    } else {
        std::fill(scale.data<float>(), scale.data<float>() + scale.elementCount(), 1.0f);
    }
    std::vector<Tensor*> inputs{m.data};
    KILN_ASSIGN_OR_RETURN(Tensor * scaleTensor, network.addConstant(freshTensorName(network, name + ".scale"),
                                                                    std::move(scale)));
    inputs.push_back(scaleTensor);
    if (m.bias) {
        KILN_ASSIGN_OR_RETURN(Tensor * biasTensor, network.addConstant(freshTensorName(network, name + ".bias"),
                                                                       expandedTo(*m.bias, normalized)));
        inputs.push_back(biasTensor);
    }
    std::string fused;
    for (const Layer* layer : m.layers) fused += (fused.empty() ? "" : ", ") + layer->name();
    const std::vector<std::string> provenance = mergedProvenance(std::vector<const Layer*>(m.layers.begin(), m.layers.end()));
    // The Sub becomes the LayerNorm: its output already has the data's shape.
    Layer* kept = m.layers[1];
    for (size_t i = m.layers.size(); i-- > 0;) {
        if (i != 1) KILN_RETURN_IF_ERROR(network.removeLayer(m.layers[i]));
    }
    const LayerNormParams params{m.axis, m.epsilon};
    const std::string description = describeParams(params);
    KILN_RETURN_IF_ERROR(network.updateLayer(kept, params, inputs));
    if (m.result != kept->output(0)) KILN_RETURN_IF_ERROR(network.redirectOutput(kept, 0, m.result));
    KILN_RETURN_IF_ERROR(network.renameLayer(kept, name));
    kept->setProvenance(provenance);
    log.record(makeMessage("pass.fused_layer_norm", {name, description, fused}), {name});
    return Status::ok();
}

}  // namespace

Status fuseLayerNorms(NetworkDefinition& network, PassLog& log) {
    KILN_ASSIGN_OR_RETURN(const bool changed,
                          rewriteEachMatch(
                              network, [&](Layer* layer) { return matchAt(network, layer); },
                              [&](const Match& match) { return rewrite(network, match, log); }));
    if (changed) network.removeUnusedTensors();
    return Status::ok();
}

}  // namespace kiln::passes

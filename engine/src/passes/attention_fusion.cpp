// Attention fusion (attention_fusion.h): match read-only from each Softmax, forward to the MatMul with v
// and an output transpose, back through the mask add and scaling to the MatMul of q and k^T and the
// scalings and transposes of its operands; then turn the layer that writes the result into the Attention
// layer (everything the pattern reads is computed before it) and remove the rest.
#include "passes/attention_fusion.h"

#include <optional>

#include "passes/pass_helpers.h"

namespace kiln::passes {
namespace {

struct Match {
    std::vector<Layer*> layers;
    Tensor* query = nullptr;
    Tensor* key = nullptr;
    Tensor* value = nullptr;
    Tensor* mask = nullptr;
    Tensor* result = nullptr;
    AttentionParams params;
};

// The factor a scalar Mul or Div by a one-element constant applies to `data`, its other operand (a Div
// only as the dividend); nothing for any other layer.
std::optional<double> scalarFactor(const Layer& layer, const Tensor* data) {
    if (layer.inputs().size() != 2 || layer.output(0)->dims() != data->dims()) return std::nullopt;
    const bool mul = isElementwiseOp(&layer, ElementwiseOp::Mul);
    if (!mul && !(isElementwiseOp(&layer, ElementwiseOp::Div) && layer.input(0) == data)) return std::nullopt;
    const Tensor* other = layer.input(0) == data ? layer.input(1) : layer.input(0);
    if (other == data) return std::nullopt;
    const HostTensor* constant = floatConstant(other);
    if (!constant || constant->elementCount() != 1) return std::nullopt;
    const double value = constant->data<float>()[0];
    if (mul) return value;
    if (value == 0.0) return std::nullopt;
    return 1.0 / value;
}

class Matcher {
public:
    Matcher(const NetworkDefinition& network, const Layer& softmax) : m_network(network), m_softmax(softmax) {}

    // The producer of `tensor` when the pattern may take it: fusible and read by `reader` alone.
    Layer* feeder(const Tensor* tensor, const Layer* reader) const { return soleFeeder(m_network, tensor, reader); }

    // Walks back from operand `tensor` of `reader` through scalar scalings and at most one transpose, each
    // read by the next alone; returns the tensor before them and the transpose's permutation (empty when
    // none), multiplying `scale` by the scalings' factors.
    // Without `scale` (v), only a transpose is taken: a scaled v scales the output, not the scores.
    Tensor* operandSource(Tensor* tensor, const Layer* reader, std::vector<int64_t>& perm, double* scale,
                          std::vector<Layer*>& layers) const {
        for (Layer* producer = feeder(tensor, reader); producer; producer = feeder(tensor, reader)) {
            if (producer->kind() == LayerKind::Transpose && perm.empty()) {
                perm = producer->paramsAs<TransposeParams>().perm;
                tensor = producer->input(0);
            } else if (scale && producer->inputs().size() == 2) {
                Tensor* data = floatConstant(producer->input(0)) ? producer->input(1) : producer->input(0);
                const std::optional<double> factor = scalarFactor(*producer, data);
                if (!factor) break;
                *scale *= *factor;
                tensor = data;
            } else {
                break;
            }
            layers.push_back(producer);
            reader = producer;
        }
        return tensor;
    }

    std::optional<Match> match() const {
        const auto& softmax = m_softmax.paramsAs<SoftmaxParams>();
        const Tensor* probabilities = m_softmax.output(0);
        const size_t rank = probabilities->dims().size();
        if (!fusibleBeside(&m_softmax, &m_softmax) || softmax.log || softmax.flattenFromAxis || rank < 2 || softmax.axis != int64_t(rank) - 1) {
            return std::nullopt;
        }
        Match m;
        m.layers.push_back(const_cast<Layer*>(&m_softmax));
        // After the softmax: the product with v.
        Layer* weighted = soleReader(m_network, probabilities);
        if (!fusibleBeside(weighted, &m_softmax) || weighted->kind() != LayerKind::MatMul || weighted->input(0) != probabilities) {
            return std::nullopt;
        }
        m.layers.push_back(weighted);
        // Before it: the mask add, a scaling of the scores, the product of q and k^T.
        double scale = 1.0;
        Tensor* scores = m_softmax.input(0);
        Layer* producer = feeder(scores, &m_softmax);
        if (isElementwiseOp(producer, ElementwiseOp::Add) && producer->inputs().size() == 2) {
            for (int side = 0; side < 2 && !m.mask; ++side) {
                Layer* before = feeder(producer->input(side), producer);
                if (before && (before->kind() == LayerKind::MatMul || scalarFactor(*before, before->input(0)) ||
                               scalarFactor(*before, before->input(1)))) {
                    m.mask = producer->input(1 - side);
                    scores = producer->input(side);
                }
            }
            if (!m.mask || m.mask->type() != DataType::Float32) return std::nullopt;
            m.layers.push_back(producer);
            producer = feeder(scores, producer);
        }
        if (producer && producer->kind() != LayerKind::MatMul && producer->inputs().size() == 2) {
            Tensor* data = floatConstant(producer->input(0)) ? producer->input(1) : producer->input(0);
            const std::optional<double> factor = scalarFactor(*producer, data);
            if (!factor) return std::nullopt;
            scale *= *factor;
            m.layers.push_back(producer);
            producer = feeder(data, producer);
        }
        if (!producer || producer->kind() != LayerKind::MatMul) return std::nullopt;
        Layer* product = producer;
        m.layers.push_back(product);
        if (product->input(0)->dims().size() != rank || product->input(1)->dims().size() != rank ||
            weighted->input(1)->dims().size() != rank) {
            return std::nullopt;
        }
        m.query = operandSource(product->input(0), product, m.params.queryPerm, &scale, m.layers);
        std::vector<int64_t> keyTransposedPerm;
        m.key = operandSource(product->input(1), product, keyTransposedPerm, &scale, m.layers);
        m.value = operandSource(weighted->input(1), weighted, m.params.valuePerm, nullptr, m.layers);
        // The product reads k^T; the layer reads k: the key permutation is k^T's with its last two swapped.
        m.params.keyPerm = keyTransposedPerm;
        if (m.params.keyPerm.empty()) {
            for (size_t axis = 0; axis < rank; ++axis) m.params.keyPerm.push_back(int64_t(axis));
        }
        std::swap(m.params.keyPerm[rank - 1], m.params.keyPerm[rank - 2]);
        if (isIdentity(m.params.keyPerm)) m.params.keyPerm.clear();
        // After the product with v: the transpose that merges the heads, when it keeps the last axis last.
        m.result = weighted->output(0);
        Layer* merge = soleReader(m_network, m.result);
        if (fusibleBeside(merge, &m_softmax) && merge->kind() == LayerKind::Transpose &&
            merge->paramsAs<TransposeParams>().perm.back() == int64_t(rank) - 1) {
            m.params.outputPerm = merge->paramsAs<TransposeParams>().perm;
            m.result = merge->output(0);
            m.layers.push_back(merge);
        }
        m.params.scale = float(scale);
        for (Tensor* input : {m.query, m.key, m.value}) {
            if (input->type() != DataType::Float32) return std::nullopt;
        }
        // The layer's own checks (permutations that keep rows or columns contiguous, shapes that agree, a
        // mask that broadcasts) decide the rest.
        std::vector<const Tensor*> inputs{m.query, m.key, m.value};
        if (m.mask) inputs.push_back(m.mask);
        const Result<std::vector<TensorDesc>> outputs = inferLayerOutputs(LayerParams(m.params), inputs, 1);
        if (!outputs.isOk() || outputs->size() != 1 || (*outputs)[0].dims != m.result->dims()) return std::nullopt;
        return m;
    }

private:
    static bool isIdentity(const std::vector<int64_t>& perm) {
        for (size_t axis = 0; axis < perm.size(); ++axis) {
            if (perm[axis] != int64_t(axis)) return false;
        }
        return true;
    }

    const NetworkDefinition& m_network;
    const Layer& m_softmax;
};

std::optional<Match> matchAt(const NetworkDefinition& network, Layer* layer) {
    if (layer->kind() != LayerKind::Softmax) return std::nullopt;
    return Matcher(network, *layer).match();
}

Status rewrite(NetworkDefinition& network, const Match& m, PassLog& log) {
    const std::string name = patternLayerName(network, m.layers, "Attention");
    const std::string fused = joinedNames(m.layers);
    std::vector<Tensor*> inputs{m.query, m.key, m.value};
    if (m.mask) inputs.push_back(m.mask);
    // The layer that writes the result reads, through the others, everything the pattern reads: it runs
    // after all of it, and its output keeps its shape.
    KILN_RETURN_IF_ERROR(fuseInto(network, m.layers, m.result->producer(), m.params, inputs, m.result, name));
    log.record(makeMessage("pass.fused_attention", {name, fused}), {name});
    return Status::ok();
}

}  // namespace

Status fuseAttention(NetworkDefinition& network, PassLog& log) {
    // A match starts at the softmax and removes layers before it: look again from the start.
    KILN_ASSIGN_OR_RETURN(const bool changed,
                          rewriteEachMatch(
                              network, [&](Layer* layer) { return matchAt(network, layer); },
                              [&](const Match& match) { return rewrite(network, match, log); }, Rescan::FromStart));
    if (changed) network.removeUnusedTensors();
    return Status::ok();
}

}  // namespace kiln::passes

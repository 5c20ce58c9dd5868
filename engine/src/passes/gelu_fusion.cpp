// GELU fusion (gelu_fusion.h): match read-only from each Erf, back to the scaling of x before it and
// forward through the sole readers after it, then turn the scaling layer (its output has x's shape) into
// the activation and remove the rest.
#include "passes/gelu_fusion.h"

#include <cmath>
#include <optional>

#include "passes/pass_helpers.h"

namespace kiln::passes {
namespace {

struct Match {
    std::vector<Layer*> layers;  // in network order: the scaling of x first
    Tensor* data = nullptr;
    Tensor* result = nullptr;
};

bool isElementwise(const Layer* layer, ElementwiseOp op) {
    return layer && layer->kind() == LayerKind::Elementwise && layer->paramsAs<ElementwiseParams>().op == op;
}

// The one-element FP32 constant operand of a binary layer whose other operand is `tensor`.
std::optional<float> constantBeside(const Layer& layer, const Tensor* tensor) {
    if (layer.inputs().size() != 2 || (layer.input(0) == tensor) == (layer.input(1) == tensor)) return std::nullopt;
    const HostTensor* constant = floatConstant(layer.input(0) == tensor ? layer.input(1) : layer.input(0));
    if (!constant || constant->elementCount() != 1) return std::nullopt;
    return constant->data<float>()[0];
}

// Whether `value` is `expected` to float precision (exporters write sqrt(2) with 7 to 17 digits).
bool near(std::optional<float> value, double expected) {
    return value && std::fabs(double(*value) - expected) <= 4e-7 * std::fabs(expected);
}

// The other operand of a binary layer, one of whose operands is `tensor`.
Tensor* otherOperand(const Layer& layer, const Tensor* tensor) {
    if (layer.inputs().size() != 2 || (layer.input(0) == tensor) == (layer.input(1) == tensor)) return nullptr;
    return layer.input(0) == tensor ? layer.input(1) : layer.input(0);
}

std::optional<Match> matchAt(const NetworkDefinition& network, Layer* erf) {
    if (erf->kind() != LayerKind::Unary || erf->paramsAs<UnaryParams>().op != UnaryOp::Erf) return std::nullopt;
    const auto usable = [&](const Layer* layer) {
        return layer && !layer->isElided() && layer->precisionConstraint() == erf->precisionConstraint() &&
               layer->outputs().size() == 1 && !layer->output(0)->alias() &&
               layer->output(0)->type() == DataType::Float32;
    };
    // Before the Erf: x / sqrt(2) or x * (1 / sqrt(2)), read by the Erf alone.
    Layer* scaling = erf->input(0)->producer();
    if (!usable(scaling) || soleReader(network, scaling->output(0)) != erf || scaling->inputs().size() != 2) {
        return std::nullopt;
    }
    Tensor* x = nullptr;
    if (isElementwise(scaling, ElementwiseOp::Div) && near(constantBeside(*scaling, scaling->input(0)), std::sqrt(2.0)) &&
        floatConstant(scaling->input(1))) {
        x = scaling->input(0);
    } else if (isElementwise(scaling, ElementwiseOp::Mul)) {
        for (Tensor* candidate : scaling->inputs()) {
            if (!floatConstant(candidate) && near(constantBeside(*scaling, candidate), std::sqrt(0.5))) x = candidate;
        }
    }
    if (!x || x->type() != DataType::Float32 || scaling->output(0)->dims() != x->dims()) return std::nullopt;
    // After it: + 1, then the two products with x and 0.5 in either order.
    Layer* plusOne = soleReader(network, erf->output(0));
    if (!usable(plusOne) || !isElementwise(plusOne, ElementwiseOp::Add) ||
        constantBeside(*plusOne, erf->output(0)) != 1.0f) {
        return std::nullopt;
    }
    Layer* product = soleReader(network, plusOne->output(0));
    if (!usable(product) || !isElementwise(product, ElementwiseOp::Mul)) return std::nullopt;
    Tensor* factor = otherOperand(*product, plusOne->output(0));
    if (!factor) return std::nullopt;
    Match m;
    m.data = x;
    if (factor == x) {
        // x * (1 + erf) * 0.5
        Layer* half = soleReader(network, product->output(0));
        if (!usable(half) || !isElementwise(half, ElementwiseOp::Mul) || constantBeside(*half, product->output(0)) != 0.5f) {
            return std::nullopt;
        }
        m.layers = {scaling, erf, plusOne, product, half};
        m.result = half->output(0);
    } else {
        // (x * 0.5) * (1 + erf): the halving of x is read by the product alone.
        Layer* half = factor->producer();
        if (!usable(half) || !isElementwise(half, ElementwiseOp::Mul) || constantBeside(*half, x) != 0.5f ||
            soleReader(network, half->output(0)) != product) {
            return std::nullopt;
        }
        m.layers = {scaling, half, erf, plusOne, product};
        m.result = product->output(0);
    }
    if (m.result->dims() != x->dims()) return std::nullopt;
    return m;
}

Status rewrite(NetworkDefinition& network, const Match& m, PassLog& log) {
    const std::string name = patternLayerName(network, m.layers, "Gelu");
    std::string fused;
    for (const Layer* layer : m.layers) fused += (fused.empty() ? "" : ", ") + layer->name();
    const std::vector<std::string> provenance = mergedProvenance(std::vector<const Layer*>(m.layers.begin(), m.layers.end()));
    // The scaling of x becomes the activation: its output already has x's shape, and it runs first.
    Layer* kept = m.layers.front();
    for (size_t i = m.layers.size(); i-- > 1;)
        KILN_RETURN_IF_ERROR(network.removeLayer(m.layers[i]));
    KILN_RETURN_IF_ERROR(network.updateLayer(kept, ActivationParams{ActivationType::Gelu}, {m.data}));
    KILN_RETURN_IF_ERROR(network.redirectOutput(kept, 0, m.result));
    KILN_RETURN_IF_ERROR(network.renameLayer(kept, name));
    kept->setProvenance(provenance);
    log.record("fused " + name + " (GELU, from " + fused + ")", {name});
    return Status::ok();
}

}  // namespace

Status fuseGelus(NetworkDefinition& network, PassLog& log) {
    // A match starts at the Erf and removes layers before it (the halving of x may come first), which
    // would let the next position skip a layer: look again from the start.
    KILN_ASSIGN_OR_RETURN(const bool changed,
                          rewriteEachMatch(
                              network, [&](Layer* layer) { return matchAt(network, layer); },
                              [&](const Match& match) { return rewrite(network, match, log); }, Rescan::FromStart));
    if (changed) network.removeUnusedTensors();
    return Status::ok();
}

}  // namespace kiln::passes

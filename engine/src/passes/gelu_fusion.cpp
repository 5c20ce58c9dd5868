// GELU fusion (gelu_fusion.h): match read-only from each Erf or Tanh, back through the layers that compute
// its argument from x and forward through the sole readers after it, then turn the first layer (it reads
// x, and its output has x's shape) into the activation and remove the rest.
#include "passes/gelu_fusion.h"

#include <cmath>
#include <optional>

#include "passes/pass_helpers.h"

namespace kiln::passes {
namespace {

struct Match {
    std::vector<Layer*> layers;  // the first reads x
    Tensor* data = nullptr;
    Tensor* result = nullptr;
    ActivationType type = ActivationType::Gelu;
};

// The one-element FP32 constant operand of a binary layer whose other operand is `tensor`.
std::optional<float> constantBeside(const Layer& layer, const Tensor* tensor) {
    const Tensor* other = otherOperand(layer, tensor);
    const HostTensor* constant = other ? floatConstant(other) : nullptr;
    if (!constant || constant->elementCount() != 1) return std::nullopt;
    return constant->data<float>()[0];
}

// Whether `value` is `expected` to float precision (exporters write sqrt(2) with 7 to 17 digits).
bool near(std::optional<float> value, double expected) {
    return value && std::fabs(double(*value) - expected) <= 4e-7 * std::fabs(expected);
}

// Before an Erf: x / sqrt(2) or x * (1 / sqrt(2)), read by the Erf alone. Appends the scaling layer.
Tensor* erfArgument(const NetworkDefinition& network, Layer* erf, std::vector<Layer*>& layers) {
    if (erf->kind() != LayerKind::Unary || erf->paramsAs<UnaryParams>().op != UnaryOp::Erf) return nullptr;
    Layer* scaling = soleFeeder(network, erf->input(0), erf);
    if (!scaling || scaling->inputs().size() != 2) return nullptr;
    Tensor* x = nullptr;
    if (isElementwiseOp(scaling, ElementwiseOp::Div) && near(constantBeside(*scaling, scaling->input(0)), std::sqrt(2.0)) &&
        floatConstant(scaling->input(1))) {
        x = scaling->input(0);
    } else if (isElementwiseOp(scaling, ElementwiseOp::Mul)) {
        for (Tensor* candidate : scaling->inputs()) {
            if (!floatConstant(candidate) && near(constantBeside(*scaling, candidate), std::sqrt(0.5))) x = candidate;
        }
    }
    if (!x || scaling->output(0)->dims() != x->dims()) return nullptr;
    layers.push_back(scaling);
    return x;
}

// x^3 as Pow(x, 3), x * (x * x) or (x * x) * x, each step read by the next alone. Appends its layers.
bool isCubeOf(const NetworkDefinition& network, Layer* cube, const Tensor* x, std::vector<Layer*>& layers) {
    if (isElementwiseOp(cube, ElementwiseOp::Pow) && cube->input(0) == x && constantBeside(*cube, x) == 3.0f) {
        layers.push_back(cube);
        return true;
    }
    if (!isElementwiseOp(cube, ElementwiseOp::Mul) || cube->inputs().size() != 2) return false;
    for (int side = 0; side < 2; ++side) {
        if (cube->input(side) != x) continue;
        Layer* square = soleFeeder(network, cube->input(1 - side), cube);
        if (square && isElementwiseOp(square, ElementwiseOp::Mul) && square->inputs().size() == 2 &&
            square->input(0) == x && square->input(1) == x) {
            layers.push_back(square);
            layers.push_back(cube);
            return true;
        }
    }
    return false;
}

// Before a Tanh: sqrt(2 / pi) * (x + 0.044715 * x^3), each step read by the next alone. Appends its layers
// in network order.
Tensor* tanhArgument(const NetworkDefinition& network, Layer* tanh, std::vector<Layer*>& layers) {
    if (tanh->kind() != LayerKind::Activation || tanh->paramsAs<ActivationParams>().type != ActivationType::Tanh) {
        return nullptr;
    }
    Layer* scaling = soleFeeder(network, tanh->input(0), tanh);
    if (!isElementwiseOp(scaling, ElementwiseOp::Mul)) return nullptr;
    Layer* sum = nullptr;
    for (Tensor* candidate : scaling->inputs()) {
        if (!floatConstant(candidate) && near(constantBeside(*scaling, candidate), std::sqrt(2.0 / M_PI))) {
            sum = soleFeeder(network, candidate, scaling);
        }
    }
    if (!isElementwiseOp(sum, ElementwiseOp::Add) || sum->inputs().size() != 2) return nullptr;
    for (int side = 0; side < 2; ++side) {
        Tensor* x = sum->input(side);
        Layer* term = soleFeeder(network, sum->input(1 - side), sum);
        if (!isElementwiseOp(term, ElementwiseOp::Mul) || x->type() != DataType::Float32) continue;
        for (Tensor* cubed : term->inputs()) {
            if (floatConstant(cubed) || !near(constantBeside(*term, cubed), 0.044715)) continue;
            Layer* cube = soleFeeder(network, cubed, term);
            std::vector<Layer*> found;
            if (!cube || !isCubeOf(network, cube, x, found)) continue;
            if (sum->output(0)->dims() != x->dims() || scaling->output(0)->dims() != x->dims()) return nullptr;
            layers.insert(layers.end(), found.begin(), found.end());
            layers.insert(layers.end(), {term, sum, scaling});
            return x;
        }
    }
    return nullptr;
}

std::optional<Match> matchAt(const NetworkDefinition& network, Layer* nonlinearity) {
    std::vector<Layer*> before;
    Tensor* x = erfArgument(network, nonlinearity, before);
    const bool exact = x != nullptr;
    if (!x) x = tanhArgument(network, nonlinearity, before);
    if (!x || x->type() != DataType::Float32 || !fusibleBeside(nonlinearity, nonlinearity)) return std::nullopt;
    // After it: + 1, then the two products with x and 0.5 in either order.
    Layer* plusOne = soleReader(network, nonlinearity->output(0));
    if (!fusibleBeside(plusOne, nonlinearity) || !isElementwiseOp(plusOne, ElementwiseOp::Add) ||
        constantBeside(*plusOne, nonlinearity->output(0)) != 1.0f) {
        return std::nullopt;
    }
    Layer* product = soleReader(network, plusOne->output(0));
    if (!fusibleBeside(product, nonlinearity) || !isElementwiseOp(product, ElementwiseOp::Mul)) return std::nullopt;
    Tensor* factor = otherOperand(*product, plusOne->output(0));
    if (!factor) return std::nullopt;
    Match m;
    m.data = x;
    m.type = exact ? ActivationType::Gelu : ActivationType::GeluTanh;
    m.layers = before;
    if (factor == x) {
        // x * (1 + erf) * 0.5
        Layer* half = soleReader(network, product->output(0));
        if (!fusibleBeside(half, nonlinearity) || !isElementwiseOp(half, ElementwiseOp::Mul) ||
            constantBeside(*half, product->output(0)) != 0.5f) {
            return std::nullopt;
        }
        m.layers.insert(m.layers.end(), {nonlinearity, plusOne, product, half});
        m.result = half->output(0);
    } else {
        // (x * 0.5) * (1 + erf): the halving of x is read by the product alone.
        Layer* half = factor->producer();
        if (!fusibleBeside(half, nonlinearity) || !isElementwiseOp(half, ElementwiseOp::Mul) ||
            constantBeside(*half, x) != 0.5f || soleReader(network, half->output(0)) != product) {
            return std::nullopt;
        }
        m.layers.insert(m.layers.end(), {half, nonlinearity, plusOne, product});
        m.result = product->output(0);
    }
    if (m.result->dims() != x->dims()) return std::nullopt;
    return m;
}

Status rewrite(NetworkDefinition& network, const Match& m, PassLog& log) {
    const std::string name = patternLayerName(network, m.layers, "Gelu");
    const std::string fused = joinedNames(m.layers);
    // The first layer, which reads x, becomes the activation: its output already has x's shape (or x's
    // square's, which is x's), and it runs first.
    KILN_RETURN_IF_ERROR(fuseInto(network, m.layers, m.layers.front(), ActivationParams{m.type}, {m.data}, m.result, name));
    const char* id = m.type == ActivationType::Gelu ? "pass.fused_gelu" : "pass.fused_gelu_tanh";
    log.record(makeMessage(id, {name, fused}), {name});
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

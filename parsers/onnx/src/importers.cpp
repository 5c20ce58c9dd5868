// One importer per ONNX op, registered in the single table at the bottom of this file. Each turns the
// node's attributes and constant inputs into fully resolved Kiln layer parameters (auto padding,
// negative axes, defaults, opset differences) so nothing downstream interprets ONNX conventions.
// Shared helpers cover the common shapes of op: unary, activation, broadcasting binary, variadic
// chains, and convolution and pooling geometry.
#include "importers.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <type_traits>

#include "kiln/device.h"
#include "tensor_proto.h"

namespace kiln::onnx_import {

namespace {

std::string joinInts(const std::vector<int64_t>& values) {
    std::string text;
    for (size_t i = 0; i < values.size(); ++i)
        text += (i ? "," : "") + std::to_string(values[i]);
    return text;
}

// A one-element tensor of `type` holding `value`, for the helper constants some ops need.
HostTensor scalarTensor(DataType type, double value) {
    HostTensor tensor(type, {});
    switch (type) {
        case DataType::Float32:
            tensor.data<float>()[0] = static_cast<float>(value);
            break;
        case DataType::Float16:
            tensor.data<uint16_t>()[0] = floatToHalf(static_cast<float>(value));
            break;
        case DataType::Int8:
            tensor.data<int8_t>()[0] = static_cast<int8_t>(value);
            break;
        case DataType::Int32:
            tensor.data<int32_t>()[0] = static_cast<int32_t>(value);
            break;
        case DataType::Int64:
            tensor.data<int64_t>()[0] = static_cast<int64_t>(value);
            break;
        case DataType::Bool:
            tensor.data<uint8_t>()[0] = value != 0.0 ? 1 : 0;
            break;
        case DataType::BFloat16:
            tensor.data<uint16_t>()[0] = floatToBFloat16(static_cast<float>(value));
            break;
    }
    return tensor;
}

HostTensor int64Tensor(const std::vector<int64_t>& values) {
    HostTensor tensor(DataType::Int64, {static_cast<int64_t>(values.size())});
    std::copy(values.begin(), values.end(), tensor.data<int64_t>());
    return tensor;
}

Result<std::vector<float>> constantFloats(const NodeContext& n, size_t i, const std::string& role) {
    KILN_ASSIGN_OR_RETURN(auto data, n.constantInput(i, role));
    std::vector<float> values(static_cast<size_t>(data->elementCount()));
    for (size_t k = 0; k < values.size(); ++k) {
        values[k] = static_cast<float>(data->valueAsDouble(static_cast<int64_t>(k)));
    }
    return values;
}

// A per-spatial-axis attribute (strides, dilations, output_padding) with its default filled in.
Result<std::vector<int64_t>> spatialAttr(const NodeContext& n, const std::string& name, size_t spatial,
                                         int64_t fallback, int64_t minimum) {
    std::vector<int64_t> values = n.intsAttr(name);
    if (values.empty()) return std::vector<int64_t>(spatial, fallback);
    if (values.size() != spatial) {
        return invalidModel("attribute '" + name + "' has " + std::to_string(values.size()) +
                            " values; the op has " + std::to_string(spatial) + " spatial axes");
    }
    for (int64_t v : values) {
        if (v < minimum) {
            return invalidModel("attribute '" + name + "' is [" + joinInts(values) +
                                "]; values must be at least " + std::to_string(minimum));
        }
    }
    return values;
}

// Begin then end pads per spatial axis, from explicit `pads` or computed for auto_pad SAME_* the way
// ONNX defines it: output = ceil(input / stride), SAME_UPPER puts the odd pad at the end.
Result<std::vector<int64_t>> resolvePads(const NodeContext& n, const Dims& input, const Dims& kernel,
                                         const std::vector<int64_t>& strides,
                                         const std::vector<int64_t>& dilations) {
    const size_t spatial = input.size();
    const std::string autoPad = n.stringAttr("auto_pad", "NOTSET");
    std::vector<int64_t> pads(2 * spatial, 0);
    if (autoPad == "NOTSET") {
        std::vector<int64_t> given = n.intsAttr("pads");
        if (given.empty()) return pads;
        if (given.size() != 2 * spatial) {
            return invalidModel("attribute 'pads' has " + std::to_string(given.size()) +
                                " values; expected " + std::to_string(2 * spatial) +
                                " (begin and end for each spatial axis)");
        }
        for (int64_t p : given) {
            if (p < 0)
                return invalidModel("attribute 'pads' is [" + joinInts(given) +
                                    "]; pads must not be negative");
        }
        return given;
    }
    if (autoPad == "VALID") return pads;
    if (autoPad != "SAME_UPPER" && autoPad != "SAME_LOWER") {
        return invalidModel("attribute 'auto_pad' is '" + autoPad +
                            "'; expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");
    }
    for (size_t i = 0; i < spatial; ++i) {
        const int64_t output = (input[i] + strides[i] - 1) / strides[i];
        const int64_t effectiveKernel = (kernel[i] - 1) * dilations[i] + 1;
        const int64_t total = std::max<int64_t>(0, (output - 1) * strides[i] + effectiveKernel - input[i]);
        const int64_t small = total / 2;
        pads[i] = autoPad == "SAME_UPPER" ? small : total - small;
        pads[i + spatial] = total - pads[i];
    }
    return pads;
}

Result<Tensor*> inputWithRankAtLeast(const NodeContext& n, size_t i, size_t rank, const char* role) {
    KILN_ASSIGN_OR_RETURN(Tensor * tensor, n.input(i));
    if (tensor->dims().size() < rank) {
        return invalidModel("input " + std::to_string(i) + " ('" + tensor->name() + "', " + role +
                            ") has dims " + toString(tensor->dims()) + "; expected at least " +
                            std::to_string(rank) + " dimensions");
    }
    return tensor;
}

// Inputs 0 to count - 1, every one required.
Result<std::vector<Tensor*>> requiredInputs(const NodeContext& n, size_t count) {
    std::vector<Tensor*> inputs;
    for (size_t i = 0; i < count; ++i) {
        KILN_ASSIGN_OR_RETURN(Tensor * t, n.input(i));
        inputs.push_back(t);
    }
    return inputs;
}

// `inputs` followed by input `i` when the node gives it (a bias, Gemm's C).
std::vector<Tensor*> withOptionalInput(const NodeContext& n, std::vector<Tensor*> inputs, size_t i) {
    if (Tensor* optional = n.optionalInput(i)) inputs.push_back(optional);
    return inputs;
}

// ---- shared shapes of op ----

Status unary(NodeContext& n, UnaryOp op) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    return n.addLayer(UnaryParams{op}, {x}, n.outputName(0)).status();
}

Status activation(NodeContext& n, ActivationType type, float alpha = 0.0f, float beta = 0.0f) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    return n.addLayer(ActivationParams{type, alpha, beta}, {x}, n.outputName(0)).status();
}

// Softsign: x / (1 + |x|).
Status importSoftsign(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    KILN_ASSIGN_OR_RETURN(Tensor * one,
                          n.addConstant(n.internalTensorName("one"), scalarTensor(x->type(), 1.0)));
    KILN_ASSIGN_OR_RETURN(Tensor * magnitude,
                          n.addLayer(UnaryParams{UnaryOp::Abs}, {x}, n.internalTensorName("abs")));
    KILN_ASSIGN_OR_RETURN(Tensor * denominator,
                          n.addLayer(ElementwiseParams{ElementwiseOp::Add}, {magnitude, one},
                                     n.internalTensorName("denominator")));
    return n.addLayer(ElementwiseParams{ElementwiseOp::Div}, {x, denominator}, n.outputName(0)).status();
}

// Mish (opset 18): x * tanh(softplus(x)).
Status importMish(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    KILN_ASSIGN_OR_RETURN(Tensor * softplus, n.addLayer(ActivationParams{ActivationType::Softplus}, {x},
                                                        n.internalTensorName("softplus")));
    KILN_ASSIGN_OR_RETURN(Tensor * gate, n.addLayer(ActivationParams{ActivationType::Tanh}, {softplus},
                                                    n.internalTensorName("tanh")));
    return n.addLayer(ElementwiseParams{ElementwiseOp::Mul}, {x, gate}, n.outputName(0)).status();
}

// Gelu is an operator from opset 20: erf's form, or with approximate="tanh" the tanh approximation.
// (The checker refuses it in models of earlier opsets.)
Status importGelu(NodeContext& n) {
    const std::string approximate = n.stringAttr("approximate", "none");
    if (approximate == "none") return activation(n, ActivationType::Gelu);
    if (approximate == "tanh") return activation(n, ActivationType::GeluTanh);
    return invalidModel("attribute 'approximate' is '" + approximate + "'; expected none or tanh");
}

// Before opset 7 the arithmetic, comparison and logic ops broadcast only with broadcast=1, and only B
// onto A: B's dims match a contiguous run of A's dims starting at `axis` (suffix matching without axis),
// or B has one element. Reshaping B to A's rank with trailing 1s makes that numpy broadcasting.
Result<Tensor*> legacyBroadcastOperand(NodeContext& n, Tensor* a, Tensor* b) {
    const Dims& aDims = a->dims();
    const Dims& bDims = b->dims();
    if (n.intAttr("broadcast", 0) == 0) {
        if (aDims != bDims) {
            return invalidModel("inputs have dims " + toString(aDims) + " and " + toString(bDims) +
                                "; before opset 7 they must be equal unless the node sets broadcast=1");
        }
        return b;
    }
    const int64_t rankA = static_cast<int64_t>(aDims.size());
    const int64_t rankB = static_cast<int64_t>(bDims.size());
    Dims aligned = bDims;
    if (volume(bDims) == 1) {
        aligned.clear();
    } else if (n.attribute("axis")) {
        KILN_ASSIGN_OR_RETURN(int64_t axis, normalizeAxis(n.intAttr("axis", 0), rankA, "axis"));
        if (axis + rankB > rankA) {
            return invalidModel("B of dims " + toString(bDims) + " does not fit into A of dims " +
                                toString(aDims) + " from axis " + std::to_string(axis));
        }
        aligned.resize(static_cast<size_t>(rankA - axis), 1);
    }
    bool fits = aligned.size() <= aDims.size();
    const size_t offset = fits ? aDims.size() - aligned.size() : 0;
    for (size_t i = 0; fits && i < aligned.size(); ++i)
        fits = aligned[i] == 1 || aligned[i] == aDims[offset + i];
    if (!fits) {
        return invalidModel("B of dims " + toString(bDims) + " cannot be broadcast onto A of dims " +
                            toString(aDims) + (n.attribute("axis") ? " from the given axis" : ""));
    }
    if (aligned == bDims) return b;
    return n.addLayer(ReshapeParams{aligned}, {b}, n.internalTensorName("broadcast_operand"));
}

Status binary(NodeContext& n, ElementwiseOp op) {
    KILN_ASSIGN_OR_RETURN(Tensor * a, n.input(0));
    KILN_ASSIGN_OR_RETURN(Tensor * b, n.input(1));
    if (n.opset() < 7) {
        KILN_ASSIGN_OR_RETURN(b, legacyBroadcastOperand(n, a, b));
    }
    return n.addLayer(ElementwiseParams{op}, {a, b}, n.outputName(0)).status();
}

// Folds a variadic op into a chain of binary layers; the last writes `outputName`.
Result<Tensor*> chain(NodeContext& n, ElementwiseOp op, const std::string& outputName) {
    KILN_ASSIGN_OR_RETURN(std::vector<Tensor*> inputs, requiredInputs(n, n.inputCount()));
    if (inputs.empty()) return invalidModel("the op needs at least one input");
    if (inputs.size() == 1) return n.addLayer(IdentityParams{}, {inputs[0]}, outputName);
    Tensor* acc = inputs[0];
    for (size_t i = 1; i < inputs.size(); ++i) {
        const std::string name =
            i + 1 == inputs.size() ? outputName : n.internalTensorName("partial" + std::to_string(i));
        KILN_ASSIGN_OR_RETURN(acc, n.addLayer(ElementwiseParams{op}, {acc, inputs[i]}, name));
    }
    return acc;
}

Status variadic(NodeContext& n, ElementwiseOp op) {
    return chain(n, op, n.outputName(0)).status();
}

Status reshapeTo(NodeContext& n, Tensor* x, Dims dims) {
    KILN_RETURN_IF_ERROR(checkDims(dims, "output shape"));
    if (volume(dims) != volume(x->dims())) {
        return invalidModel("cannot reshape '" + x->name() + "' of dims " + toString(x->dims()) + " to " +
                            toString(dims) + ": the element counts differ");
    }
    return n.addLayer(ReshapeParams{std::move(dims)}, {x}, n.outputName(0)).status();
}

// Attribute before `inputOpset`, constant input from it on (axes, split, ...).
Result<std::vector<int64_t>> intsFromAttrOrInput(const NodeContext& n, const std::string& name, size_t input,
                                                 int64_t inputOpset) {
    if (n.opset() < inputOpset) return n.intsAttr(name);
    if (!n.hasInput(input)) return std::vector<int64_t>{};
    return n.constantInts(input, name);
}

// ---- convolution, matrix products, normalization ----

// What Conv and ConvTranspose read alike: data and weights of one rank (at least 3), whose trailing
// extents are the spatial input and the kernel (a kernel_shape attribute must agree with the weights),
// and the group, strides and dilations attributes.
struct ConvGeometry {
    Tensor* x = nullptr;
    Tensor* w = nullptr;
    size_t spatial = 0;
    Dims in;
    Dims kernel;
    int64_t groups = 1;
    std::vector<int64_t> strides;
    std::vector<int64_t> dilations;
};

Result<ConvGeometry> convGeometry(const NodeContext& n) {
    ConvGeometry g;
    KILN_ASSIGN_OR_RETURN(g.x, inputWithRankAtLeast(n, 0, 3, "data"));
    KILN_ASSIGN_OR_RETURN(g.w, inputWithRankAtLeast(n, 1, 3, "weights"));
    const Dims& xDims = g.x->dims();
    const Dims& wDims = g.w->dims();
    g.spatial = wDims.size() - 2;
    if (xDims.size() != g.spatial + 2) {
        return invalidModel("data '" + g.x->name() + "' has dims " + toString(xDims) + " but weights '" +
                            g.w->name() + "' have dims " + toString(wDims) + "; their ranks must match");
    }
    g.kernel.assign(wDims.begin() + 2, wDims.end());
    const std::vector<int64_t> kernelAttr = n.intsAttr("kernel_shape");
    if (!kernelAttr.empty() && kernelAttr != g.kernel) {
        return invalidModel("attribute 'kernel_shape' is [" + joinInts(kernelAttr) + "] but weights '" +
                            g.w->name() + "' have kernel " + toString(g.kernel));
    }
    g.groups = n.intAttr("group", 1);
    KILN_ASSIGN_OR_RETURN(g.strides, spatialAttr(n, "strides", g.spatial, 1, 1));
    KILN_ASSIGN_OR_RETURN(g.dilations, spatialAttr(n, "dilations", g.spatial, 1, 1));
    g.in.assign(xDims.begin() + 2, xDims.end());
    return g;
}

Status importConv(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(ConvGeometry g, convGeometry(n));
    ConvolutionParams p;
    p.groups = g.groups;
    p.strides = g.strides;
    p.dilations = g.dilations;
    KILN_ASSIGN_OR_RETURN(p.pads, resolvePads(n, g.in, g.kernel, p.strides, p.dilations));
    return n.addLayer(p, withOptionalInput(n, {g.x, g.w}, 2), n.outputName(0)).status();
}

// Padding follows the ONNX ConvTranspose definition: with output_shape or auto_pad SAME_*, the total
// padding is what makes the output that size; when the output is larger than the unpadded result the
// difference goes into the output padding instead.
Status importConvTranspose(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(ConvGeometry g, convGeometry(n));
    const size_t spatial = g.spatial;
    const Dims& in = g.in;
    const Dims& kernel = g.kernel;
    DeconvolutionParams p;
    p.groups = g.groups;
    p.strides = g.strides;
    p.dilations = g.dilations;
    KILN_ASSIGN_OR_RETURN(p.outputPadding, spatialAttr(n, "output_padding", spatial, 0, 0));

    std::vector<int64_t> outputShape = n.intsAttr("output_shape");
    if (outputShape.size() == spatial + 2) outputShape.erase(outputShape.begin(), outputShape.begin() + 2);
    if (!outputShape.empty() && outputShape.size() != spatial) {
        return invalidModel("attribute 'output_shape' is [" + joinInts(outputShape) + "]; expected " +
                            std::to_string(spatial) + " spatial extents");
    }
    const std::string autoPad = n.stringAttr("auto_pad", "NOTSET");
    const bool same = autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
    if (!same && autoPad != "NOTSET" && autoPad != "VALID") {
        return invalidModel("attribute 'auto_pad' is '" + autoPad +
                            "'; expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");
    }
    p.pads.assign(2 * spatial, 0);
    if (outputShape.empty() && autoPad == "NOTSET") {
        KILN_ASSIGN_OR_RETURN(p.pads, resolvePads(n, in, kernel, p.strides, p.dilations));
    }
    for (size_t i = 0; i < spatial && (same || !outputShape.empty()); ++i) {
        const int64_t target = outputShape.empty() ? in[i] * p.strides[i] : outputShape[i];
        const int64_t unpadded =
            p.strides[i] * (in[i] - 1) + p.outputPadding[i] + (kernel[i] - 1) * p.dilations[i] + 1;
        const int64_t total = unpadded - target;
        if (total < 0) {
            p.outputPadding[i] -= total;
            continue;
        }
        const int64_t small = total / 2;
        p.pads[i] = autoPad == "SAME_UPPER" ? small : total - small;
        p.pads[i + spatial] = total - p.pads[i];
    }
    return n.addLayer(p, withOptionalInput(n, {g.x, g.w}, 2), n.outputName(0)).status();
}

// Before opset 7 C is required and `broadcast` says whether it may be smaller than [M, N]; the shapes it
// then allows ([N], one element) broadcast the same way under the numpy rules the layer applies.
Status importGemm(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * a, n.input(0));
    KILN_ASSIGN_OR_RETURN(Tensor * b, n.input(1));
    GemmParams p;
    p.transA = n.intAttr("transA", 0) != 0;
    p.transB = n.intAttr("transB", 0) != 0;
    p.alpha = n.floatAttr("alpha", 1.0f);
    p.beta = n.floatAttr("beta", 1.0f);
    return n.addLayer(p, withOptionalInput(n, {a, b}, 2), n.outputName(0)).status();
}

Status importMatMul(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * a, n.input(0));
    KILN_ASSIGN_OR_RETURN(Tensor * b, n.input(1));
    return n.addLayer(MatMulParams{}, {a, b}, n.outputName(0)).status();
}

Status importBatchNormalization(NodeContext& n) {
    for (size_t i = 1; i < n.outputCount(); ++i) {
        if (n.hasOutput(i)) {
            return unsupported("output " + std::to_string(i) + " ('" + n.proto().output(static_cast<int>(i)) +
                               "') is a training statistic; Kiln imports BatchNormalization for inference "
                               "only: export the model in eval mode");
        }
    }
    if (n.intAttr("training_mode", 0) != 0) {
        return unsupported("training_mode=1 is not supported; export the model in eval mode");
    }
    // Opsets 1-6 say test mode with is_test; like ONNX's version converter, Kiln takes a node without
    // the attribute as inference and refuses an explicit is_test=0.
    if (n.opset() < 7 && n.attribute("is_test") && n.intAttr("is_test", 0) == 0) {
        return unsupported(
            "is_test=0 asks for training-mode statistics; Kiln imports BatchNormalization for "
            "inference only: export the model in eval mode");
    }
    if (n.intAttr("spatial", 1) == 0) {
        return unsupported("spatial=0 (per-element statistics) is not supported");
    }
    KILN_ASSIGN_OR_RETURN(std::vector<Tensor*> inputs, requiredInputs(n, 5));
    return n.addLayer(BatchNormParams{n.floatAttr("epsilon", 1e-5f)}, inputs, n.outputName(0)).status();
}

Status importInstanceNormalization(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(std::vector<Tensor*> inputs, requiredInputs(n, 3));
    return n.addLayer(InstanceNormParams{n.floatAttr("epsilon", 1e-5f)}, inputs, n.outputName(0)).status();
}

// GroupNormalization (opset 18): the channels in num_groups groups, each group normalised over its channels
// and positions, then scaled and shifted per channel (from opset 21; per group in opset 18, each group's
// value applying to its channels). A LayerNorm over [N, G, C / G * positions] between two Reshapes, then
// Mul and Add by the scale and bias shaped [C, 1, ...] (constants fold).
Status importGroupNormalization(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, inputWithRankAtLeast(n, 0, 3, "X"));
    const Dims& dims = x->dims();
    if (!n.attribute("num_groups")) return invalidModel("attribute 'num_groups' is required");
    const int64_t groups = n.intAttr("num_groups", 0);
    const int64_t channels = dims[1];
    if (groups <= 0 || channels % groups != 0) {
        return invalidModel("attribute 'num_groups' is " + std::to_string(groups) +
                            ", which does not divide the " + std::to_string(channels) +
                            " channels of input dims " + toString(dims));
    }
    const int64_t perValue = n.opset() >= 21 ? 1 : channels / groups;  // channels each scale value covers
    Dims channelShape(dims.size() - 1, 1);  // [C, 1, ...]: broadcasts over the positions
    channelShape[0] = channels;
    auto perChannel = [&](size_t index, const char* role) -> Result<Tensor*> {
        KILN_ASSIGN_OR_RETURN(Tensor * value, n.input(index));
        const int64_t expected = channels / perValue;
        if (volume(value->dims()) != expected || value->dims().size() != 1) {
            return invalidModel(std::string(role) + " '" + value->name() + "' has dims " +
                                toString(value->dims()) + "; expected [" + std::to_string(expected) +
                                "], one value per " +
                                (perValue == 1 ? "channel (opset 21 and later)" : "group (opset 18 to 20)"));
        }
        const std::string tag = std::string(role) + "_per_channel";
        if (perValue > 1) {
            KILN_ASSIGN_OR_RETURN(value, n.addLayer(ReshapeParams{{expected, 1}}, {value},
                                                    n.internalTensorName(tag + "_column")));
            KILN_ASSIGN_OR_RETURN(value, n.addLayer(ExpandParams{{expected, perValue}}, {value},
                                                    n.internalTensorName(tag + "_expanded")));
        }
        return n.addLayer(ReshapeParams{channelShape}, {value}, n.internalTensorName(tag));
    };
    KILN_ASSIGN_OR_RETURN(Tensor * scale, perChannel(1, "scale"));
    KILN_ASSIGN_OR_RETURN(Tensor * bias, perChannel(2, "bias"));
    const int64_t groupSize = volume(dims) / (dims[0] * groups);
    KILN_ASSIGN_OR_RETURN(Tensor * grouped, n.addLayer(ReshapeParams{{dims[0], groups, groupSize}}, {x},
                                                       n.internalTensorName("grouped")));
    KILN_ASSIGN_OR_RETURN(Tensor * one,
                          n.addConstant(n.internalTensorName("one"), scalarTensor(x->type(), 1.0)));
    KILN_ASSIGN_OR_RETURN(Tensor * ones,
                          n.addLayer(ExpandParams{{groupSize}}, {one}, n.internalTensorName("ones")));
    LayerNormParams norm;
    norm.axis = 2;
    norm.epsilon = n.floatAttr("epsilon", 1e-5f);
    KILN_ASSIGN_OR_RETURN(Tensor * normalized,
                          n.addLayer(norm, {grouped, ones}, n.internalTensorName("normalized")));
    KILN_ASSIGN_OR_RETURN(normalized,
                          n.addLayer(ReshapeParams{dims}, {normalized}, n.internalTensorName("ungrouped")));
    KILN_ASSIGN_OR_RETURN(Tensor * scaled, n.addLayer(ElementwiseParams{ElementwiseOp::Mul},
                                                      {normalized, scale}, n.internalTensorName("scaled")));
    return n.addLayer(ElementwiseParams{ElementwiseOp::Add}, {scaled, bias}, n.outputName(0)).status();
}

// Scale or bias of LayerNormalization as the normalised axes' shape: broadcast by an Expand (folded at
// once for a constant) where the model gives a smaller shape.
Result<Tensor*> perPositionInput(NodeContext& n, Tensor* tensor, const Dims& normalized, const char* role) {
    const Dims& dims = tensor->dims();
    if (dims == normalized) return tensor;
    bool broadcasts = dims.size() <= normalized.size();
    for (size_t i = 0; broadcasts && i < dims.size(); ++i) {
        const int64_t extent = normalized[normalized.size() - dims.size() + i];
        broadcasts = dims[i] == 1 || dims[i] == extent;
    }
    if (!broadcasts) {
        return invalidModel(std::string(role) + " '" + tensor->name() + "' has shape " + toString(dims) +
                            ", which does not broadcast to the normalised shape " + toString(normalized));
    }
    return n.addLayer(ExpandParams{normalized}, {tensor}, n.internalTensorName(std::string(role) + "_expanded"));
}

// Y is one LayerNorm layer. The optional Mean and InvStdDev outputs (training statistics, shaped like X
// with 1s on the normalised axes) are computed beside it: ReduceMean, and 1 / Sqrt(mean of the squared
// deviations + epsilon).
Status importLayerNormalization(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    const Dims& dims = x->dims();
    const int64_t rank = static_cast<int64_t>(dims.size());
    if (rank == 0) return invalidModel("X is a scalar; LayerNormalization needs at least one axis to normalise");
    LayerNormParams p;
    KILN_ASSIGN_OR_RETURN(p.axis, normalizeAxis(n.intAttr("axis", -1), rank, "axis"));
    p.epsilon = n.floatAttr("epsilon", 1e-5f);
    const Dims normalized(dims.begin() + p.axis, dims.end());
    KILN_ASSIGN_OR_RETURN(Tensor * scale, n.input(1));
    KILN_ASSIGN_OR_RETURN(scale, perPositionInput(n, scale, normalized, "Scale"));
    std::vector<Tensor*> inputs{x, scale};
    if (Tensor* bias = n.optionalInput(2)) {
        KILN_ASSIGN_OR_RETURN(bias, perPositionInput(n, bias, normalized, "B"));
        inputs.push_back(bias);
    }
    KILN_RETURN_IF_ERROR(n.addLayer(p, inputs, n.outputName(0)).status());
    if (!n.hasOutput(1) && !n.hasOutput(2)) return Status::ok();
    ReduceParams mean{ReduceOp::Mean, {}, true};
    for (int64_t axis = p.axis; axis < rank; ++axis) mean.axes.push_back(axis);
    const std::string meanName = n.hasOutput(1) ? n.outputName(1) : n.internalTensorName("mean");
    KILN_ASSIGN_OR_RETURN(Tensor * meanTensor, n.addLayer(mean, {x}, meanName));
    if (!n.hasOutput(2)) return Status::ok();
    KILN_ASSIGN_OR_RETURN(Tensor * deviation, n.addLayer(ElementwiseParams{ElementwiseOp::Sub}, {x, meanTensor},
                                                         n.internalTensorName("deviation")));
    KILN_ASSIGN_OR_RETURN(Tensor * squared, n.addLayer(ElementwiseParams{ElementwiseOp::Mul}, {deviation, deviation},
                                                       n.internalTensorName("squared")));
    KILN_ASSIGN_OR_RETURN(Tensor * variance, n.addLayer(mean, {squared}, n.internalTensorName("variance")));
    HostTensor epsilonValue(DataType::Float32, {});
    epsilonValue.data<float>()[0] = p.epsilon;
    KILN_ASSIGN_OR_RETURN(Tensor * epsilon, n.addConstant(n.internalTensorName("epsilon"), std::move(epsilonValue)));
    KILN_ASSIGN_OR_RETURN(Tensor * shifted, n.addLayer(ElementwiseParams{ElementwiseOp::Add}, {variance, epsilon},
                                                       n.internalTensorName("variance_epsilon")));
    KILN_ASSIGN_OR_RETURN(Tensor * deviationScale,
                          n.addLayer(UnaryParams{UnaryOp::Sqrt}, {shifted}, n.internalTensorName("std_dev")));
    return n.addLayer(UnaryParams{UnaryOp::Reciprocal}, {deviationScale}, n.outputName(2)).status();
}

Status importLrn(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    LrnParams p;
    const auto* size = n.attribute("size");
    if (!size) return invalidModel("attribute 'size' is required");
    p.size = size->i();
    p.alpha = n.floatAttr("alpha", 1e-4f);
    p.beta = n.floatAttr("beta", 0.75f);
    p.bias = n.floatAttr("bias", 1.0f);
    return n.addLayer(p, {x}, n.outputName(0)).status();
}

// ---- activations ----

// Integer inputs (opset 12+) and bounds computed at run time (opset 11+) are clipped with elementwise Max
// then Min against the bound tensors, since the Clip activation takes constant floating-point bounds.
// A bound is one value; one of rank 1 meeting a scalar input is reshaped to a scalar so that
// broadcasting keeps the input's dims.
Status clipWithTensors(NodeContext& n, Tensor* x) {
    Tensor* value = x;
    for (size_t i = 1; i <= 2; ++i) {
        if (!n.hasInput(i)) continue;
        const char* role = i == 1 ? "min" : "max";
        KILN_ASSIGN_OR_RETURN(Tensor * bound, n.input(i));
        if (volume(bound->dims()) != 1) {
            return invalidModel(std::string("input ") + std::to_string(i) + " ('" + bound->name() + "', " +
                                role + ") has dims " + toString(bound->dims()) + "; it must hold one value");
        }
        if (bound->type() != x->type()) {
            return invalidModel(std::string("input ") + std::to_string(i) + " ('" + bound->name() + "', " +
                                role + ") is " + toString(bound->type()) + " but the data is " +
                                toString(x->type()));
        }
        if (bound->dims().size() > x->dims().size()) {
            KILN_ASSIGN_OR_RETURN(bound, n.addLayer(ReshapeParams{Dims{}}, {bound},
                                                    n.internalTensorName(std::string(role) + "_scalar")));
        }
        const bool last = !n.hasInput(2) || i == 2;
        const std::string name = last ? n.outputName(0) : n.internalTensorName("clipped_below");
        KILN_ASSIGN_OR_RETURN(value,
                              n.addLayer(ElementwiseParams{i == 1 ? ElementwiseOp::Max : ElementwiseOp::Min},
                                         {value, bound}, name));
    }
    if (value == x) return n.addLayer(IdentityParams{}, {x}, n.outputName(0)).status();
    return Status::ok();
}

Status importClip(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    if (!isFloatingPoint(x->type())) return clipWithTensors(n, x);
    float low = -std::numeric_limits<float>::infinity();
    float high = std::numeric_limits<float>::infinity();
    if (n.opset() < 11) {
        low = n.floatAttr("min", low);
        high = n.floatAttr("max", high);
    } else {
        for (size_t i = 1; i <= 2; ++i) {
            const Tensor* bound = n.optionalInput(i);
            if (bound && !bound->isConstant()) return clipWithTensors(n, x);
        }
        if (n.hasInput(1)) {
            KILN_ASSIGN_OR_RETURN(double v, n.constantScalar(1, "min"));
            low = static_cast<float>(v);
        }
        if (n.hasInput(2)) {
            KILN_ASSIGN_OR_RETURN(double v, n.constantScalar(2, "max"));
            high = static_cast<float>(v);
        }
    }
    return activation(n, ActivationType::Clip, low, high);
}

// Opset 6 gave the defaults more digits.
Status importSelu(NodeContext& n) {
    const bool legacy = n.opset() < 6;
    return activation(n, ActivationType::Selu,
                      n.floatAttr("alpha", legacy ? 1.6732f : 1.67326319217681884765625f),
                      n.floatAttr("gamma", legacy ? 1.0507f : 1.05070102214813232421875f));
}

// Before opset 7 a slope of C values applies per channel (axis 1), not numpy-aligned to the last axis;
// reshaping it to [C, 1, ...] says the same with numpy broadcasting.
Status importPRelu(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    KILN_ASSIGN_OR_RETURN(Tensor * slope, n.input(1));
    const Dims& xDims = x->dims();
    const Dims& slopeDims = slope->dims();
    if (n.opset() < 7 && slopeDims.size() == 1 && slopeDims[0] != 1 && xDims.size() >= 2 &&
        slopeDims[0] == xDims[1]) {
        Dims perChannel(xDims.size() - 1, 1);
        perChannel[0] = slopeDims[0];
        if (perChannel != slopeDims) {
            KILN_ASSIGN_OR_RETURN(
                slope, n.addLayer(ReshapeParams{perChannel}, {slope}, n.internalTensorName("slope")));
        }
    }
    return n.addLayer(ElementwiseParams{ElementwiseOp::PRelu}, {x, slope}, n.outputName(0)).status();
}

// From opset 12 the exponent may have another type than the base; the result has the base's type, so
// the exponent is cast to it.
Status importPow(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * base, n.input(0));
    KILN_ASSIGN_OR_RETURN(Tensor * exponent, n.input(1));
    if (n.opset() < 7) {
        KILN_ASSIGN_OR_RETURN(exponent, legacyBroadcastOperand(n, base, exponent));
    }
    if (exponent->type() != base->type()) {
        KILN_ASSIGN_OR_RETURN(
            exponent, n.addLayer(CastParams{base->type()}, {exponent}, n.internalTensorName("exponent")));
    }
    return n.addLayer(ElementwiseParams{ElementwiseOp::Pow}, {base, exponent}, n.outputName(0)).status();
}

// ---- variadic ----

Status importMean(NodeContext& n) {
    if (n.inputCount() == 1) return variadic(n, ElementwiseOp::Add);
    KILN_ASSIGN_OR_RETURN(Tensor * sum, chain(n, ElementwiseOp::Add, n.internalTensorName("sum")));
    if (!isFloatingPoint(sum->type())) {
        return invalidModel("Mean needs floating-point inputs, not " + std::string(toString(sum->type())));
    }
    KILN_ASSIGN_OR_RETURN(Tensor * count,
                          n.addConstant(n.internalTensorName("count"),
                                        scalarTensor(sum->type(), static_cast<double>(n.inputCount()))));
    return n.addLayer(ElementwiseParams{ElementwiseOp::Div}, {sum, count}, n.outputName(0)).status();
}

// ---- pooling ----

Status pooling(NodeContext& n, PoolingType type) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, inputWithRankAtLeast(n, 0, 3, "data"));
    const size_t spatial = x->dims().size() - 2;
    PoolingParams p;
    p.type = type;
    p.kernel = n.intsAttr("kernel_shape");
    if (p.kernel.size() != spatial) {
        return invalidModel("attribute 'kernel_shape' is [" + joinInts(p.kernel) + "]; expected " +
                            std::to_string(spatial) + " values for input dims " + toString(x->dims()));
    }
    KILN_ASSIGN_OR_RETURN(p.strides, spatialAttr(n, "strides", spatial, 1, 1));
    if (type == PoolingType::Max) {
        KILN_ASSIGN_OR_RETURN(p.dilations, spatialAttr(n, "dilations", spatial, 1, 1));
        if (n.intAttr("storage_order", 0) != 0) {
            return unsupported("storage_order=1 (column-major indices) is not supported");
        }
        if (n.hasOutput(1)) {
            return unsupported("the Indices output ('" + n.proto().output(1) + "') is not supported");
        }
    } else {
        // AveragePool has dilations from opset 19; Kiln's average pooling reads adjacent elements only.
        KILN_ASSIGN_OR_RETURN(p.dilations, spatialAttr(n, "dilations", spatial, 1, 1));
        if (std::any_of(p.dilations.begin(), p.dilations.end(), [](int64_t d) { return d != 1; })) {
            return unsupported("average pooling with dilations [" + joinInts(p.dilations) +
                               "] is not supported (only 1)");
        }
        p.countIncludePad = n.intAttr("count_include_pad", 0) != 0;
    }
    p.ceilMode = n.intAttr("ceil_mode", 0) != 0;
    const Dims in(x->dims().begin() + 2, x->dims().end());
    KILN_ASSIGN_OR_RETURN(p.pads, resolvePads(n, in, p.kernel, p.strides, p.dilations));
    return n.addLayer(p, {x}, n.outputName(0)).status();
}

Status globalPooling(NodeContext& n, PoolingType type) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, inputWithRankAtLeast(n, 0, 3, "data"));
    const size_t spatial = x->dims().size() - 2;
    PoolingParams p;
    p.type = type;
    p.kernel.assign(x->dims().begin() + 2, x->dims().end());
    p.strides.assign(spatial, 1);
    p.dilations.assign(spatial, 1);
    p.pads.assign(2 * spatial, 0);
    return n.addLayer(p, {x}, n.outputName(0)).status();
}

// ---- softmax, reductions ----

Status softmax(NodeContext& n, bool log) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    const int64_t rank = static_cast<int64_t>(x->dims().size());
    SoftmaxParams p;
    KILN_ASSIGN_OR_RETURN(p.axis, normalizeAxis(n.intAttr("axis", n.opset() >= 13 ? -1 : 1), rank, "axis"));
    p.log = log;
    p.flattenFromAxis = n.opset() < 13;
    return n.addLayer(p, {x}, n.outputName(0)).status();
}

Status reduce(NodeContext& n, ReduceOp op) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    const int64_t rank = static_cast<int64_t>(x->dims().size());
    std::vector<int64_t> axes;
    // ReduceSum takes its axes as an input from opset 13, the other reductions from opset 18.
    const int64_t axesInputOpset = n.opType() == "ReduceSum" ? 13 : 18;
    if (n.opset() >= axesInputOpset) {
        KILN_ASSIGN_OR_RETURN(axes, intsFromAttrOrInput(n, "axes", 1, axesInputOpset));
    } else {
        axes = n.intsAttr("axes");
    }
    ReduceParams p;
    p.op = op;
    p.keepDims = n.intAttr("keepdims", 1) != 0;
    if (axes.empty()) {
        if (n.intAttr("noop_with_empty_axes", 0) != 0)
            return n.addLayer(IdentityParams{}, {x}, n.outputName(0)).status();
        if (rank == 0) return unsupported("reducing a scalar input is not supported");
        axes.resize(static_cast<size_t>(rank));
        std::iota(axes.begin(), axes.end(), 0);
    }
    for (int64_t& axis : axes) {
        KILN_ASSIGN_OR_RETURN(axis, normalizeAxis(axis, rank, "axis"));
    }
    std::sort(axes.begin(), axes.end());
    if (std::adjacent_find(axes.begin(), axes.end()) != axes.end()) {
        return invalidModel("axes [" + joinInts(axes) + "] name an axis twice");
    }
    p.axes = axes;
    return n.addLayer(p, {x}, n.outputName(0)).status();
}

Status argMinMax(NodeContext& n, bool max) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    ArgMinMaxParams p;
    p.max = max;
    KILN_ASSIGN_OR_RETURN(
        p.axis, normalizeAxis(n.intAttr("axis", 0), static_cast<int64_t>(x->dims().size()), "axis"));
    p.keepDims = n.intAttr("keepdims", 1) != 0;
    p.selectLastIndex = n.intAttr("select_last_index", 0) != 0;
    return n.addLayer(p, {x}, n.outputName(0)).status();
}

// ---- shape manipulation ----

Status importConcat(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(std::vector<Tensor*> inputs, requiredInputs(n, n.inputCount()));
    if (inputs.empty()) return invalidModel("Concat needs at least one input");
    // Before opset 4 the axis is optional and defaults to 1.
    const auto* axisAttr = n.attribute("axis");
    if (!axisAttr && n.opset() >= 4) return invalidModel("attribute 'axis' is required");
    ConcatParams p;
    KILN_ASSIGN_OR_RETURN(p.axis, normalizeAxis(axisAttr ? axisAttr->i() : 1,
                                                static_cast<int64_t>(inputs[0]->dims().size()), "axis"));
    return n.addLayer(p, inputs, n.outputName(0)).status();
}

Status importSplit(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    SplitParams p;
    KILN_ASSIGN_OR_RETURN(
        p.axis, normalizeAxis(n.intAttr("axis", 0), static_cast<int64_t>(x->dims().size()), "axis"));
    const int64_t extent = x->dims()[static_cast<size_t>(p.axis)];
    const int64_t parts = static_cast<int64_t>(n.outputCount());
    if (parts == 0) return invalidModel("Split has no outputs");
    KILN_ASSIGN_OR_RETURN(p.sizes, intsFromAttrOrInput(n, "split", 1, 13));
    // Opset 1 also takes the sizes as an optional second input.
    if (n.opset() < 2 && p.sizes.empty() && n.hasInput(1)) {
        KILN_ASSIGN_OR_RETURN(p.sizes, n.constantInts(1, "split"));
    }
    // Opset 18: num_outputs parts of ceil(extent / num_outputs), the last one smaller.
    if (n.opset() >= 18 && n.attribute("num_outputs")) {
        const int64_t count = n.intAttr("num_outputs", 0);
        if (!p.sizes.empty()) return invalidModel("both input 'split' and attribute 'num_outputs' are given");
        if (count != parts) {
            return invalidModel("attribute 'num_outputs' is " + std::to_string(count) + " but the node has " +
                                std::to_string(parts) + " outputs");
        }
        const int64_t chunk = (extent + parts - 1) / parts;
        if (chunk * (parts - 1) >= extent && parts > 1) {
            return invalidModel("axis " + std::to_string(p.axis) + " of extent " + std::to_string(extent) +
                                " leaves nothing for the last of " + std::to_string(parts) + " parts of " +
                                std::to_string(chunk));
        }
        p.sizes.assign(static_cast<size_t>(parts), chunk);
        p.sizes.back() = extent - chunk * (parts - 1);
    }
    if (p.sizes.empty()) {
        if (extent % parts != 0) {
            return invalidModel("axis " + std::to_string(p.axis) + " of extent " + std::to_string(extent) +
                                " cannot be split into " + std::to_string(parts) +
                                " equal parts; give 'split'");
        }
        p.sizes.assign(static_cast<size_t>(parts), extent / parts);
    }
    if (static_cast<int64_t>(p.sizes.size()) != parts) {
        return invalidModel("'split' has " + std::to_string(p.sizes.size()) + " sizes but the node has " +
                            std::to_string(parts) + " outputs");
    }
    std::vector<std::string> names;
    for (size_t i = 0; i < static_cast<size_t>(parts); ++i)
        names.push_back(n.outputName(i));
    return n.addLayer(p, {x}, names).status();
}

// Starts and ends are clamped exactly as the ONNX Slice definition says, so the layer never sees an
// out-of-range index.
Status importSlice(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    const Dims& dims = x->dims();
    const int64_t rank = static_cast<int64_t>(dims.size());
    std::vector<int64_t> starts, ends, axes, steps;
    if (n.opset() < 10) {
        starts = n.intsAttr("starts");
        ends = n.intsAttr("ends");
        axes = n.intsAttr("axes");
    } else {
        KILN_ASSIGN_OR_RETURN(starts, n.constantInts(1, "starts"));
        KILN_ASSIGN_OR_RETURN(ends, n.constantInts(2, "ends"));
        if (n.hasInput(3)) {
            KILN_ASSIGN_OR_RETURN(axes, n.constantInts(3, "axes"));
        }
        if (n.hasInput(4)) {
            KILN_ASSIGN_OR_RETURN(steps, n.constantInts(4, "steps"));
        }
    }
    if (axes.empty()) {
        axes.resize(starts.size());
        std::iota(axes.begin(), axes.end(), 0);
    }
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size()) {
        return invalidModel("starts, ends, axes and steps have different lengths (" +
                            std::to_string(starts.size()) + ", " + std::to_string(ends.size()) + ", " +
                            std::to_string(axes.size()) + ", " + std::to_string(steps.size()) + ")");
    }
    SliceParams p;
    p.starts.assign(dims.size(), 0);
    p.ends = dims;
    p.steps.assign(dims.size(), 1);
    std::vector<bool> seen(dims.size(), false);
    for (size_t k = 0; k < starts.size(); ++k) {
        KILN_ASSIGN_OR_RETURN(int64_t axis, normalizeAxis(axes[k], rank, "axis"));
        const size_t a = static_cast<size_t>(axis);
        if (seen[a]) return invalidModel("axis " + std::to_string(axis) + " is sliced twice");
        seen[a] = true;
        const int64_t step = steps[k];
        if (step == 0)
            return invalidModel("step 0 on axis " + std::to_string(axis) + "; steps must not be zero");
        const int64_t dim = dims[a];
        int64_t start = starts[k] < 0 ? starts[k] + dim : starts[k];
        int64_t end = ends[k] < 0 ? ends[k] + dim : ends[k];
        if (dim == 0) {
            start = end = 0;
        } else if (step > 0) {
            start = std::clamp<int64_t>(start, 0, dim);
            end = std::clamp<int64_t>(end, 0, dim);
        } else {
            start = std::clamp<int64_t>(start, 0, dim - 1);
            end = std::clamp<int64_t>(end, -1, dim - 1);
        }
        p.starts[a] = start;
        p.ends[a] = end;
        p.steps[a] = step;
    }
    return n.addLayer(p, {x}, n.outputName(0)).status();
}

Status importReshape(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    std::vector<int64_t> shape;
    if (n.opset() < 5) {
        if (!n.attribute("shape")) return invalidModel("attribute 'shape' is required before opset 5");
        shape = n.intsAttr("shape");
    } else {
        KILN_ASSIGN_OR_RETURN(shape, n.constantInts(1, "shape"));
    }
    const bool allowZero = n.opset() >= 14 && n.intAttr("allowzero", 0) != 0;
    const Dims& in = x->dims();
    Dims out(shape.size());
    int64_t inferred = -1;
    int64_t known = 1;
    for (size_t i = 0; i < shape.size(); ++i) {
        int64_t s = shape[i];
        if (s == 0 && !allowZero) {
            if (i >= in.size()) {
                return invalidModel("shape [" + joinInts(shape) + "] copies dimension " + std::to_string(i) +
                                    " (0), but the input " + toString(in) + " has only " +
                                    std::to_string(in.size()));
            }
            s = in[i];
        }
        if (s == -1) {
            if (inferred >= 0) return invalidModel("shape [" + joinInts(shape) + "] has more than one -1");
            inferred = static_cast<int64_t>(i);
            continue;
        }
        if (s < 0 || s > kMaxElementCount) {
            return invalidModel("shape [" + joinInts(shape) + "] has an invalid extent " + std::to_string(s));
        }
        out[i] = s;
        if (s != 0 && known > kMaxElementCount / s) {
            return invalidModel("shape [" + joinInts(shape) + "] has more than 2^40 elements");
        }
        known *= s;
    }
    if (inferred >= 0) {
        if (known == 0 || volume(in) % known != 0) {
            return invalidModel("cannot infer the -1 in shape [" + joinInts(shape) + "] for input dims " +
                                toString(in));
        }
        out[static_cast<size_t>(inferred)] = volume(in) / known;
    }
    return reshapeTo(n, x, out);
}

Status importFlatten(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    const Dims& in = x->dims();
    const int64_t rank = static_cast<int64_t>(in.size());
    int64_t axis = n.intAttr("axis", 1);
    if (axis < -rank || axis > rank) {
        return invalidModel("axis " + std::to_string(axis) + " is out of range for rank " +
                            std::to_string(rank));
    }
    if (axis < 0) axis += rank;
    return reshapeTo(
        n, x, {volume(Dims(in.begin(), in.begin() + axis)), volume(Dims(in.begin() + axis, in.end()))});
}

Status importTranspose(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    TransposeParams p;
    p.perm = n.intsAttr("perm");
    if (p.perm.empty()) {
        p.perm.resize(x->dims().size());
        std::iota(p.perm.rbegin(), p.perm.rend(), 0);
    }
    return n.addLayer(p, {x}, n.outputName(0)).status();
}

Status importSqueeze(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    const Dims& in = x->dims();
    const int64_t rank = static_cast<int64_t>(in.size());
    KILN_ASSIGN_OR_RETURN(std::vector<int64_t> axes, intsFromAttrOrInput(n, "axes", 1, 13));
    std::vector<bool> drop(in.size(), false);
    if (axes.empty()) {
        for (size_t i = 0; i < in.size(); ++i)
            drop[i] = in[i] == 1;
    }
    for (int64_t axis : axes) {
        KILN_ASSIGN_OR_RETURN(int64_t a, normalizeAxis(axis, rank, "axis"));
        if (in[static_cast<size_t>(a)] != 1) {
            return invalidModel("axis " + std::to_string(a) + " of input dims " + toString(in) +
                                " has extent " + std::to_string(in[static_cast<size_t>(a)]) +
                                "; only extent-1 axes can be squeezed");
        }
        drop[static_cast<size_t>(a)] = true;
    }
    Dims out;
    for (size_t i = 0; i < in.size(); ++i) {
        if (!drop[i]) out.push_back(in[i]);
    }
    return reshapeTo(n, x, out);
}

Status importUnsqueeze(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    const Dims& in = x->dims();
    std::vector<int64_t> axes;
    if (n.opset() < 13) {
        axes = n.intsAttr("axes");
    } else {
        KILN_ASSIGN_OR_RETURN(axes, n.constantInts(1, "axes"));
    }
    const int64_t outRank = static_cast<int64_t>(in.size() + axes.size());
    std::vector<bool> inserted(static_cast<size_t>(outRank), false);
    for (int64_t axis : axes) {
        KILN_ASSIGN_OR_RETURN(int64_t a, normalizeAxis(axis, outRank, "axis"));
        if (inserted[static_cast<size_t>(a)])
            return invalidModel("axes [" + joinInts(axes) + "] repeat an axis");
        inserted[static_cast<size_t>(a)] = true;
    }
    Dims out;
    size_t next = 0;
    for (size_t i = 0; i < inserted.size(); ++i)
        out.push_back(inserted[i] ? 1 : in[next++]);
    return reshapeTo(n, x, out);
}

Status importGather(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * data, n.input(0));
    KILN_ASSIGN_OR_RETURN(Tensor * indices, n.input(1));
    GatherParams p;
    KILN_ASSIGN_OR_RETURN(
        p.axis, normalizeAxis(n.intAttr("axis", 0), static_cast<int64_t>(data->dims().size()), "axis"));
    return n.addLayer(p, {data, indices}, n.outputName(0)).status();
}

Status importShape(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    const Dims& dims = x->dims();
    const int64_t rank = static_cast<int64_t>(dims.size());
    int64_t start = n.opset() >= 15 ? n.intAttr("start", 0) : 0;
    int64_t end = n.opset() >= 15 ? n.intAttr("end", rank) : rank;
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    start = std::clamp<int64_t>(start, 0, rank);
    end = std::clamp<int64_t>(end, start, rank);
    return n
        .addConstant(n.outputName(0),
                     int64Tensor(std::vector<int64_t>(dims.begin() + start, dims.begin() + end)))
        .status();
}

Status importSize(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    return n
        .addConstant(n.outputName(0), scalarTensor(DataType::Int64, static_cast<double>(volume(x->dims()))))
        .status();
}

Status importConstant(NodeContext& n) {
    HostTensor value;
    if (const auto* attr = n.attribute("value")) {
        onnx::TensorProto proto = attr->t();
        if (proto.name().empty()) proto.set_name(n.proto().output(0));
        KILN_ASSIGN_OR_RETURN(value, tensorFromProto(proto, n.context().baseDirectory()));
    } else if (const auto* f = n.attribute("value_float")) {
        value = scalarTensor(DataType::Float32, f->f());
    } else if (const auto* fs = n.attribute("value_floats")) {
        value = HostTensor(DataType::Float32, {fs->floats_size()});
        std::copy(fs->floats().begin(), fs->floats().end(), value.data<float>());
    } else if (const auto* i = n.attribute("value_int")) {
        value = scalarTensor(DataType::Int64, 0);
        value.data<int64_t>()[0] = i->i();
    } else if (const auto* is = n.attribute("value_ints")) {
        value = int64Tensor({is->ints().begin(), is->ints().end()});
    } else if (n.attribute("sparse_value") || n.attribute("value_string") || n.attribute("value_strings")) {
        return unsupported("sparse and string constants are not supported");
    } else {
        return invalidModel("Constant has no value attribute");
    }
    return n.addConstant(n.outputName(0), std::move(value)).status();
}

// A constant the importer computes, refused when it would not fit the memory budget (a hostile model
// can ask for any length).
Status checkComputedConstant(NodeContext& n, DataType type, const Dims& dims, const std::string& what) {
    KILN_RETURN_IF_ERROR(checkDims(dims, what));
    const uint64_t bytes = uint64_t(volume(dims)) * dataTypeSize(type);
    if (const uint64_t budget = memoryBudgetBytes(); budget > 0 && bytes > budget) {
        return unsupported(what + " needs " + formatByteCount(bytes) + ", more than " + describeMemoryBudget());
    }
    return n.context().holdComputedConstant(bytes, what);
}

Status importConstantOfShape(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(std::vector<int64_t> shape, n.constantInts(0, "shape"));
    const Dims dims(shape.begin(), shape.end());
    KILN_RETURN_IF_ERROR(checkDims(dims, "the requested shape"));
    HostTensor element = scalarTensor(DataType::Float32, 0.0);
    if (const auto* attr = n.attribute("value")) {
        onnx::TensorProto proto = attr->t();
        if (proto.name().empty()) proto.set_name(n.proto().output(0) + " value");
        KILN_ASSIGN_OR_RETURN(element, tensorFromProto(proto, n.context().baseDirectory()));
        if (element.elementCount() != 1) {
            return invalidModel("attribute 'value' must hold one element, not " +
                                std::to_string(element.elementCount()));
        }
    }
    KILN_RETURN_IF_ERROR(checkComputedConstant(n, element.type(), dims, "the requested shape"));
    HostTensor out(element.type(), dims);
    const size_t size = element.byteSize();
    for (int64_t i = 0; i < out.elementCount(); ++i) {
        std::copy(element.bytes(), element.bytes() + size, out.bytes() + static_cast<size_t>(i) * size);
    }
    return n.addConstant(n.outputName(0), std::move(out)).status();
}

// Range: start, start + delta, ... up to limit (excluded; down to it for a negative delta). Its length
// depends on the values, so they must be constants; exported models compute them from static shapes.
// The result is a constant of the inputs' type.
Status importRange(NodeContext& n) {
    std::shared_ptr<const HostTensor> operands[3];
    const char* roles[3] = {"start", "limit", "delta"};
    for (size_t i = 0; i < 3; ++i) {
        KILN_ASSIGN_OR_RETURN(operands[i], n.constantInput(i, roles[i]));
        if (operands[i]->elementCount() != 1) {
            return invalidModel(std::string("input ") + std::to_string(i) + " (" + roles[i] +
                                ") must hold one value, not " + std::to_string(operands[i]->elementCount()));
        }
        if (operands[i]->type() != operands[0]->type()) {
            return invalidModel(std::string("input ") + std::to_string(i) + " (" + roles[i] + ") is " +
                                toString(operands[i]->type()) + " but start is " + toString(operands[0]->type()) +
                                "; Range takes one type");
        }
    }
    const DataType type = operands[0]->type();
    if (type != DataType::Float32 && type != DataType::Int32 && type != DataType::Int64) {
        return unsupported(std::string("Range of ") + toString(type) + " values; Kiln computes FP32, INT32 and INT64 ranges");
    }
    if (type == DataType::Float32) {
        const float start = operands[0]->data<float>()[0], limit = operands[1]->data<float>()[0],
                    delta = operands[2]->data<float>()[0];
        char text[96];
        std::snprintf(text, sizeof text, "Range from %g to %g by %g", double(start), double(limit), double(delta));
        if (delta == 0.0f || !std::isfinite(start) || !std::isfinite(limit) || !std::isfinite(delta)) {
            return invalidModel(std::string(text) + " has no length; delta must be finite and not 0");
        }
        const double length = std::ceil((double(limit) - double(start)) / double(delta));
        if (length > double(kMaxElementCount)) return invalidModel(std::string(text) + " has more than 2^40 elements");
        const int64_t count = length > 0.0 ? int64_t(length) : 0;
        KILN_RETURN_IF_ERROR(checkComputedConstant(n, type, {count}, "Range's output"));
        HostTensor out(type, {count});
        for (int64_t i = 0; i < count; ++i) out.data<float>()[i] = start + float(i) * delta;
        return n.addConstant(n.outputName(0), std::move(out)).status();
    }
    const int64_t start = operands[0]->valueAsInt64(0), limit = operands[1]->valueAsInt64(0),
                  delta = operands[2]->valueAsInt64(0);
    if (delta == 0) return invalidModel("Range's delta is 0; it must not be, or the range never ends");
    // ceil((limit - start) / delta) without overflow: the distance in 128 bits.
    const __int128 distance = __int128(limit) - __int128(start);
    const __int128 steps = distance / delta + ((distance % delta != 0 && ((distance > 0) == (delta > 0))) ? 1 : 0);
    if (steps > __int128(kMaxElementCount)) {
        return invalidModel("Range from " + std::to_string(start) + " to " + std::to_string(limit) + " by " +
                            std::to_string(delta) + " has more than 2^40 elements");
    }
    const int64_t count = steps > 0 ? int64_t(steps) : 0;
    KILN_RETURN_IF_ERROR(checkComputedConstant(n, type, {count}, "Range's output"));
    HostTensor out(type, {count});
    for (int64_t i = 0; i < count; ++i) {
        const auto value = int64_t(__int128(start) + __int128(i) * delta);  // within [start, limit)
        if (type == DataType::Int32) {
            out.data<int32_t>()[i] = int32_t(value);
        } else {
            out.data<int64_t>()[i] = value;
        }
    }
    return n.addConstant(n.outputName(0), std::move(out)).status();
}

// ScatterND: a copy of data in which the slices that indices address are replaced by updates, or
// combined with them (reduction add, mul, max, min; opset 16). Only on constants: exported models
// build masks with it from static shapes (Swin's shifted windows); the result is a constant.
Status importScatterNd(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(auto data, n.constantInput(0, "data"));
    KILN_ASSIGN_OR_RETURN(auto indices, n.constantInput(1, "indices"));
    KILN_ASSIGN_OR_RETURN(auto updates, n.constantInput(2, "updates"));
    const std::string reduction = n.stringAttr("reduction", "none");
    enum class Reduction { None, Add, Mul, Max, Min };
    const std::map<std::string, Reduction> reductions = {{"none", Reduction::None}, {"add", Reduction::Add},
                                                         {"mul", Reduction::Mul}, {"max", Reduction::Max},
                                                         {"min", Reduction::Min}};
    if (reductions.count(reduction) == 0) {
        return invalidModel("attribute 'reduction' is '" + reduction + "'; expected none, add, mul, max or min");
    }
    const Reduction op = reductions.at(reduction);
    if (indices->type() != DataType::Int64 && indices->type() != DataType::Int32) {
        return invalidModel(std::string("input 1 (indices) is ") + toString(indices->type()) +
                            "; ScatterND takes INT64 (or INT32) indices");
    }
    if (updates->type() != data->type()) {
        return invalidModel(std::string("input 2 (updates) is ") + toString(updates->type()) + " but data is " +
                            toString(data->type()) + "; ScatterND takes updates of data's type");
    }
    const Dims& dataDims = data->dims();
    const Dims& indexDims = indices->dims();
    if (indexDims.empty() || indexDims.back() < 1 || indexDims.back() > int64_t(dataDims.size())) {
        return invalidModel("input 1 (indices) has shape " + toString(indexDims) + "; its last extent must be 1 to " +
                            std::to_string(dataDims.size()) + " (the rank of data)");
    }
    const size_t depth = size_t(indexDims.back());
    Dims expected(indexDims.begin(), indexDims.end() - 1);
    expected.insert(expected.end(), dataDims.begin() + int64_t(depth), dataDims.end());
    if (updates->dims() != expected) {
        return invalidModel("input 2 (updates) has shape " + toString(updates->dims()) + "; indices " +
                            toString(indexDims) + " and data " + toString(dataDims) + " make it " + toString(expected));
    }
    const bool arithmetic = data->type() == DataType::Float32 || data->type() == DataType::Int32 ||
                            data->type() == DataType::Int64;
    if (reduction != "none" && !arithmetic) {
        return unsupported("ScatterND with reduction '" + reduction + "' on " + toString(data->type()) +
                           " values; Kiln combines FP32, INT32 and INT64 values");
    }
    HostTensor out(data->type(), dataDims);  // owned: data may be a view of the model's bytes
    std::copy(data->bytes(), data->bytes() + data->byteSize(), out.bytes());
    const int64_t slice = volume(Dims(dataDims.begin() + int64_t(depth), dataDims.end()));
    const int64_t slices = volume(Dims(indexDims.begin(), indexDims.end() - 1));
    const size_t elementSize = dataTypeSize(data->type());
    for (int64_t u = 0; u < slices; ++u) {
        int64_t offset = 0;
        for (size_t j = 0; j < depth; ++j) {
            int64_t index = indices->valueAsInt64(u * int64_t(depth) + int64_t(j));
            const int64_t extent = dataDims[j];
            if (index < -extent || index >= extent) {
                return invalidModel("input 1 (indices) holds " + std::to_string(index) + " for axis " + std::to_string(j) +
                                    " of extent " + std::to_string(extent));
            }
            if (index < 0) index += extent;
            offset = offset * extent + index;
        }
        offset *= slice;
        if (op == Reduction::None) {
            std::copy(updates->bytes() + size_t(u * slice) * elementSize, updates->bytes() + size_t((u + 1) * slice) * elementSize,
                      out.bytes() + size_t(offset) * elementSize);
            continue;
        }
        // Integers wrap on overflow, as ONNX Runtime's do (computed unsigned, where wrapping is defined).
        auto combine = [&](auto* target, const auto* source) {
            using T = std::remove_reference_t<decltype(*target)>;
            auto wrapping = [](auto f, T x, T y) {
                if constexpr (std::is_integral_v<T>) {
                    using U = std::make_unsigned_t<T>;
                    return T(f(U(x), U(y)));
                } else {
                    return f(x, y);
                }
            };
            for (int64_t i = 0; i < slice; ++i) {
                T& a = target[offset + i];
                const T b = source[u * slice + i];
                switch (op) {
                    case Reduction::Add: a = wrapping(std::plus<>(), a, b); break;
                    case Reduction::Mul: a = wrapping(std::multiplies<>(), a, b); break;
                    case Reduction::Max: a = std::max(a, b); break;
                    case Reduction::Min: a = std::min(a, b); break;
                    case Reduction::None: a = b; break;
                }
            }
        };
        if (data->type() == DataType::Float32) {
            combine(out.data<float>(), updates->data<float>());
        } else if (data->type() == DataType::Int32) {
            combine(out.data<int32_t>(), updates->data<int32_t>());
        } else {
            combine(out.data<int64_t>(), updates->data<int64_t>());
        }
    }
    return n.addConstant(n.outputName(0), std::move(out)).status();
}

// Einsum, lowered to Transpose, ReduceSum, Reshape and MatMul layers. Operands are contracted two at a
// time, left to right: a label both operands have is a batch axis of the MatMul when the output or a
// later operand keeps it and is summed by the MatMul otherwise; a label of one operand only is kept
// (it becomes a row or a column of the MatMul) or, when nothing later needs it, summed first. Spaces
// are ignored; "..." stands for the same number of leading axes in every operand (right-aligned, as
// NumPy broadcasts them), and an extent of 1 broadcasts against any other. A label repeated within one
// operand (a diagonal or trace) is not supported.
namespace {

struct EinsumTerm {
    Tensor* tensor = nullptr;
    std::string labels;  // one per axis; ellipsis axes take labels that are not letters
};

int64_t extentOf(const EinsumTerm& term, char label) {
    return term.tensor->dims()[term.labels.find(label)];
}

Result<Tensor*> einsumLayer(NodeContext& n, LayerParams params, Tensor* input, const std::string& what) {
    return n.addLayer(std::move(params), {input}, n.internalTensorName(what));
}

// Sums the axes of `term` whose labels `keep` lacks.
Result<EinsumTerm> sumAxesNotIn(NodeContext& n, EinsumTerm term, const std::string& keep) {
    ReduceParams p{ReduceOp::Sum, {}, false};
    std::string kept;
    for (size_t i = 0; i < term.labels.size(); ++i) {
        if (keep.find(term.labels[i]) == std::string::npos) {
            p.axes.push_back(int64_t(i));
        } else {
            kept += term.labels[i];
        }
    }
    if (p.axes.empty()) return term;
    KILN_ASSIGN_OR_RETURN(term.tensor, einsumLayer(n, p, term.tensor, "einsum_sum"));
    term.labels = kept;
    return term;
}

// `term` with its axes in the order of `labels` (a permutation of its own).
Result<EinsumTerm> permuteTo(NodeContext& n, EinsumTerm term, const std::string& labels) {
    if (term.labels == labels) return term;
    TransposeParams p;
    for (char label : labels) p.perm.push_back(int64_t(term.labels.find(label)));
    KILN_ASSIGN_OR_RETURN(term.tensor, einsumLayer(n, p, term.tensor, "einsum_transpose"));
    term.labels = labels;
    return term;
}

Result<Tensor*> reshapeTo(NodeContext& n, Tensor* tensor, const Dims& dims) {
    if (tensor->dims() == dims) return tensor;
    return einsumLayer(n, ReshapeParams{dims}, tensor, "einsum_reshape");
}

int64_t productOf(const EinsumTerm& term, const std::string& labels) {
    int64_t product = 1;
    for (char label : labels) product *= extentOf(term, label);
    return product;
}

// The contraction of `a` and `b`, keeping the labels in `keep` (those of the output and of later operands).
Result<EinsumTerm> contractPair(NodeContext& n, EinsumTerm a, EinsumTerm b, const std::string& keep) {
    // A summed label of extent 1 in one operand broadcasts: it is summed out of the other operand
    // first, and dropped from the first (a sum over one element).
    std::string broadcastSums;
    for (char label : a.labels) {
        if (b.labels.find(label) == std::string::npos || keep.find(label) != std::string::npos) continue;
        const int64_t ea = extentOf(a, label), eb = extentOf(b, label);
        if (ea != eb && (ea == 1 || eb == 1)) broadcastSums += label;
    }
    auto without = [&](const std::string& labels) {
        std::string kept;
        for (char label : labels) {
            if (broadcastSums.find(label) == std::string::npos) kept += label;
        }
        return kept;
    };
    KILN_ASSIGN_OR_RETURN(a, sumAxesNotIn(n, a, without(keep + b.labels)));
    KILN_ASSIGN_OR_RETURN(b, sumAxesNotIn(n, b, without(keep + a.labels)));
    std::string batch, contracted, rows, columns;
    for (char label : a.labels) {
        if (b.labels.find(label) == std::string::npos) {
            rows += label;
        } else {
            (keep.find(label) != std::string::npos ? batch : contracted) += label;
        }
    }
    for (char label : b.labels) {
        if (a.labels.find(label) == std::string::npos) columns += label;
    }
    for (char label : batch + contracted) {
        const int64_t ea = extentOf(a, label), eb = extentOf(b, label);
        const bool broadcast = batch.find(label) != std::string::npos && (ea == 1 || eb == 1);
        if (ea != eb && !broadcast) {
            return invalidModel(std::string("label '") + label + "' has extent " + std::to_string(ea) +
                                " in one operand and " + std::to_string(eb) +
                                " in the other; a label's extents must agree (or one be 1)");
        }
    }
    KILN_ASSIGN_OR_RETURN(a, permuteTo(n, a, batch + rows + contracted));
    KILN_ASSIGN_OR_RETURN(b, permuteTo(n, b, batch + contracted + columns));
    Dims batchA, batchB, batchOut;
    for (char label : batch) {
        batchA.push_back(extentOf(a, label));
        batchB.push_back(extentOf(b, label));
        batchOut.push_back(extentOf(a, label) == 1 ? extentOf(b, label) : extentOf(a, label));
    }
    const int64_t m = productOf(a, rows), k = productOf(a, contracted), nColumns = productOf(b, columns);
    Dims aDims = batchA, bDims = batchB;
    aDims.insert(aDims.end(), {m, k});
    bDims.insert(bDims.end(), {k, nColumns});
    KILN_ASSIGN_OR_RETURN(Tensor * left, reshapeTo(n, a.tensor, aDims));
    KILN_ASSIGN_OR_RETURN(Tensor * right, reshapeTo(n, b.tensor, bDims));
    KILN_ASSIGN_OR_RETURN(Tensor * product,
                          n.addLayer(MatMulParams{}, {left, right}, n.internalTensorName("einsum_matmul")));
    Dims outDims = batchOut;
    for (char label : rows) outDims.push_back(extentOf(a, label));
    for (char label : columns) outDims.push_back(extentOf(b, label));
    EinsumTerm result;
    KILN_ASSIGN_OR_RETURN(result.tensor, reshapeTo(n, product, outDims));
    result.labels = batch + rows + columns;
    return result;
}

}  // namespace

Status importEinsum(NodeContext& n) {
    std::string equation;
    for (char c : n.stringAttr("equation", "")) {
        if (c != ' ') equation += c;
    }
    if (equation.empty()) return invalidModel("attribute 'equation' is missing or empty");
    const size_t arrow = equation.find("->");
    const std::string lhs = equation.substr(0, arrow);
    std::vector<std::string> terms;
    for (size_t start = 0;;) {
        const size_t comma = lhs.find(',', start);
        terms.push_back(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    if (terms.size() != n.inputCount()) {
        return invalidModel("equation '" + equation + "' names " + std::to_string(terms.size()) + " operands; the node has " +
                            std::to_string(n.inputCount()) + " inputs");
    }
    // Ellipsis axes take the labels '0', '1', ... (right-aligned over the most any operand has).
    std::vector<EinsumTerm> operands;
    size_t ellipsisRank = 0;
    for (size_t i = 0; i < terms.size(); ++i) {
        KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(i));
        if (x->type() != DataType::Float32) {
            return unsupported("input " + std::to_string(i) + " ('" + x->name() + "') is " + toString(x->type()) +
                               "; Kiln computes Einsum on FP32 values");
        }
        const size_t dots = terms[i].find("...");
        const std::string letters = dots == std::string::npos ? terms[i] : terms[i].substr(0, dots) + terms[i].substr(dots + 3);
        for (char c : letters) {
            if (!std::isalpha(static_cast<unsigned char>(c))) {
                return invalidModel("equation '" + equation + "': operand " + std::to_string(i) + " has '" +
                                    std::string(1, c) + "'; labels are letters, with at most one '...'");
            }
        }
        const size_t rank = x->dims().size();
        if (dots == std::string::npos ? letters.size() != rank : letters.size() > rank) {
            return invalidModel("equation '" + equation + "': operand " + std::to_string(i) + " ('" + terms[i] +
                                "') does not fit input " + std::to_string(i) + " of rank " + std::to_string(rank));
        }
        const size_t ellipsis = dots == std::string::npos ? 0 : rank - letters.size();
        ellipsisRank = std::max(ellipsisRank, ellipsis);
        operands.push_back({x, terms[i]});
        operands.back().labels = dots == std::string::npos ? terms[i] : terms[i].substr(0, dots) + std::string(ellipsis, '*') +
                                                                           terms[i].substr(dots + 3);
    }
    if (ellipsisRank > 10) {
        return unsupported("equation '" + equation + "': '...' stands for " + std::to_string(ellipsisRank) +
                           " axes; Kiln takes at most 10");
    }
    std::string ellipsisLabels;
    for (size_t i = 0; i < ellipsisRank; ++i) ellipsisLabels += char('0' + i);
    for (EinsumTerm& term : operands) {
        const size_t first = term.labels.find('*');
        if (first == std::string::npos) continue;
        const size_t count = size_t(std::count(term.labels.begin(), term.labels.end(), '*'));
        term.labels.replace(first, count, ellipsisLabels.substr(ellipsisRank - count));
    }
    for (size_t i = 0; i < operands.size(); ++i) {
        std::string seen;
        for (char label : operands[i].labels) {
            if (seen.find(label) != std::string::npos) {
                return unsupported("equation '" + equation + "' repeats '" + std::string(1, label) + "' within operand " +
                                   std::to_string(i) + " (a diagonal or trace); Kiln supports each label once per operand");
            }
            seen += label;
        }
    }
    std::string output;
    if (arrow == std::string::npos) {
        // Implicit output: the ellipsis axes, then the letters that occur once, in alphabetical order.
        std::map<char, int> counts;
        for (const EinsumTerm& term : operands) {
            for (char label : term.labels) ++counts[label];
        }
        output = ellipsisLabels;
        for (const auto& [label, count] : counts) {
            if (count == 1 && std::isalpha(static_cast<unsigned char>(label))) output += label;
        }
    } else {
        const std::string rhs = equation.substr(arrow + 2);
        const size_t dots = rhs.find("...");
        const std::string letters = dots == std::string::npos ? rhs : rhs.substr(0, dots) + rhs.substr(dots + 3);
        for (char c : letters) {
            if (!std::isalpha(static_cast<unsigned char>(c))) {
                return invalidModel("equation '" + equation + "': the output has '" + std::string(1, c) +
                                    "'; labels are letters, with at most one '...'");
            }
        }
        if (dots == std::string::npos && ellipsisRank > 0) {
            return invalidModel("equation '" + equation + "': the operands have '...' axes but the output does not; "
                                "write '...' in the output (or sum those axes with explicit labels)");
        }
        output = dots == std::string::npos ? rhs : rhs.substr(0, dots) + ellipsisLabels + rhs.substr(dots + 3);
        for (size_t i = 0; i < output.size(); ++i) {
            const char label = output[i];
            const bool known = std::any_of(operands.begin(), operands.end(), [&](const EinsumTerm& t) {
                return t.labels.find(label) != std::string::npos;
            });
            if (output.find(label, i + 1) != std::string::npos || !known) {
                return invalidModel("equation '" + equation + "': the output label '" + std::string(1, label) +
                                    "' is repeated or names no operand's axis");
            }
        }
    }
    EinsumTerm result = operands[0];
    for (size_t i = 1; i < operands.size(); ++i) {
        std::string keep = output;
        for (size_t j = i + 1; j < operands.size(); ++j) keep += operands[j].labels;
        KILN_ASSIGN_OR_RETURN(result, contractPair(n, result, operands[i], keep));
    }
    KILN_ASSIGN_OR_RETURN(result, sumAxesNotIn(n, result, output));
    KILN_ASSIGN_OR_RETURN(result, permuteTo(n, result, output));
    return n.addLayer(IdentityParams{}, {result.tensor}, n.outputName(0)).status();
}

Status importIdentity(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    return n.addLayer(IdentityParams{}, {x}, n.outputName(0)).status();
}

// At inference Dropout passes its input through; its optional mask keeps everything.
Status importDropout(NodeContext& n) {
    if (n.opset() >= 12 && n.hasInput(2)) {
        KILN_ASSIGN_OR_RETURN(double training, n.constantScalar(2, "training_mode"));
        // In training mode with ratio 0 nothing is dropped and nothing scaled (PyTorch writes that for
        // functional dropout with p = 0, as Swin's attention has): the op passes its input through.
        double ratio = 0.5;
        if (training != 0.0 && n.hasInput(1)) {
            KILN_ASSIGN_OR_RETURN(ratio, n.constantScalar(1, "ratio"));
        }
        if (training != 0.0 && ratio != 0.0) {
            return unsupported("training_mode=true with a ratio other than 0 (without the input, 0.5) drops values "
                               "at random; Kiln runs inference only: export the model in eval mode");
        }
    }
    if (n.opset() < 7 && n.attribute("is_test") && n.intAttr("is_test", 0) == 0) {
        return unsupported(
            "is_test=0 asks for random dropout (training); Kiln runs inference only: export "
            "the model in eval mode");
    }
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    KILN_RETURN_IF_ERROR(n.addLayer(IdentityParams{}, {x}, n.outputName(0)).status());
    if (n.hasOutput(1)) {
        // The mask is BOOL from opset 10; before, it has the data's type.
        const DataType maskType = n.opset() < 10 ? x->type() : DataType::Bool;
        HostTensor mask(maskType, x->dims());
        const HostTensor one = scalarTensor(maskType, 1.0);
        for (int64_t i = 0; i < mask.elementCount(); ++i) {
            std::copy(one.bytes(), one.bytes() + one.byteSize(),
                      mask.bytes() + static_cast<size_t>(i) * one.byteSize());
        }
        KILN_RETURN_IF_ERROR(n.addConstant(n.outputName(1), std::move(mask)).status());
    }
    return Status::ok();
}

// Opset 18's Pad with an axes input: its pads (begins of the listed axes, then their ends) spread over
// every axis of the input.
Result<std::vector<int64_t>> padsOnAxes(const std::vector<int64_t>& pads, const std::vector<int64_t>& axes,
                                        const Dims& dims) {
    const int64_t rank = static_cast<int64_t>(dims.size());
    if (pads.size() != 2 * axes.size()) {
        return invalidModel("pads [" + joinInts(pads) + "] has " + std::to_string(pads.size()) +
                            " values; the " + std::to_string(axes.size()) + " axes [" + joinInts(axes) +
                            "] need " + std::to_string(2 * axes.size()));
    }
    std::vector<int64_t> full(2 * dims.size(), 0);
    std::vector<bool> seen(dims.size(), false);
    for (size_t i = 0; i < axes.size(); ++i) {
        KILN_ASSIGN_OR_RETURN(const int64_t axis, normalizeAxis(axes[i], rank, "axis"));
        if (seen[size_t(axis)]) return invalidModel("axes [" + joinInts(axes) + "] name an axis twice");
        seen[size_t(axis)] = true;
        full[size_t(axis)] = pads[i];
        full[dims.size() + size_t(axis)] = pads[axes.size() + i];
    }
    return full;
}

Status importPad(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    PadParams p;
    const std::string mode = n.stringAttr("mode", "constant");
    if (mode == "constant") {
        p.mode = PadMode::Constant;
    } else if (mode == "reflect") {
        p.mode = PadMode::Reflect;
    } else if (mode == "edge") {
        p.mode = PadMode::Edge;
    } else {
        return unsupported("pad mode '" + mode + "' is not supported (constant, reflect, edge are)");
    }
    if (n.opset() < 11) {
        p.pads = n.intsAttr(n.opset() < 2 ? "paddings" : "pads");
        p.value = n.floatAttr("value", 0.0f);
    } else {
        KILN_ASSIGN_OR_RETURN(p.pads, n.constantInts(1, "pads"));
        if (n.hasInput(2)) {
            KILN_ASSIGN_OR_RETURN(p.value, n.constantScalar(2, "constant_value"));
        }
        // Opset 18: pads for the axes listed in input 3 only (begins, then ends), none on the others.
        if (n.opset() >= 18 && n.hasInput(3)) {
            KILN_ASSIGN_OR_RETURN(const std::vector<int64_t> axes, n.constantInts(3, "axes"));
            KILN_ASSIGN_OR_RETURN(p.pads, padsOnAxes(p.pads, axes, x->dims()));
        }
    }
    if (p.pads.size() != 2 * x->dims().size()) {
        return invalidModel("pads [" + joinInts(p.pads) + "] has " + std::to_string(p.pads.size()) +
                            " values; input dims " + toString(x->dims()) + " need " +
                            std::to_string(2 * x->dims().size()));
    }
    return n.addLayer(p, {x}, n.outputName(0)).status();
}

// ---- resizing ----

Result<ResizeMode> resizeMode(const NodeContext& n) {
    const std::string mode = n.stringAttr("mode", "nearest");
    if (mode == "nearest") return ResizeMode::Nearest;
    if (mode == "linear" || mode == "bilinear") return ResizeMode::Linear;
    if (mode == "cubic") return unsupported("mode 'cubic' is not supported (nearest and linear are)");
    return invalidModel("attribute 'mode' is '" + mode + "'; expected nearest, linear or cubic");
}

// Output dims come from `sizes` when given, else floor(input * scale) per axis.
Status addResize(NodeContext& n, Tensor* x, ResizeParams p, std::vector<float> scales,
                 std::vector<int64_t> sizes) {
    const Dims& in = x->dims();
    if (!sizes.empty()) {
        if (sizes.size() != in.size()) {
            return invalidModel("sizes [" + joinInts(sizes) + "] do not match the input rank " +
                                std::to_string(in.size()));
        }
        p.outputDims = sizes;
        for (size_t i = 0; i < in.size(); ++i) {
            p.scales.push_back(in[i] == 0 ? 1.0f : static_cast<float>(sizes[i]) / static_cast<float>(in[i]));
        }
    } else {
        if (scales.size() != in.size()) {
            return invalidModel("scales have " + std::to_string(scales.size()) +
                                " values; the input has rank " + std::to_string(in.size()));
        }
        for (size_t i = 0; i < in.size(); ++i) {
            if (!(scales[i] > 0.0f) || !std::isfinite(scales[i])) {
                return invalidModel("scale " + std::to_string(scales[i]) + " on axis " + std::to_string(i) +
                                    " must be positive");
            }
            p.outputDims.push_back(static_cast<int64_t>(std::floor(static_cast<double>(in[i]) * scales[i])));
        }
        p.scales = scales;
    }
    KILN_RETURN_IF_ERROR(checkDims(p.outputDims, "the resized output"));
    return n.addLayer(p, {x}, n.outputName(0)).status();
}

// Before opset 11 Resize and Upsample map output to input coordinates as out / scale, nearest rounding
// down: that is the asymmetric transform with floor.
ResizeParams legacyResizeParams(ResizeMode mode) {
    ResizeParams p;
    p.mode = mode;
    p.coordinateMode = ResizeCoordinateMode::Asymmetric;
    p.nearestMode = ResizeNearestMode::Floor;
    return p;
}

Status importResize(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    KILN_ASSIGN_OR_RETURN(ResizeMode mode, resizeMode(n));
    if (n.opset() < 11) {
        KILN_ASSIGN_OR_RETURN(std::vector<float> scales, constantFloats(n, 1, "scales"));
        return addResize(n, x, legacyResizeParams(mode), scales, {});
    }
    ResizeParams p;
    p.mode = mode;
    static const std::map<std::string, ResizeCoordinateMode> coordinateModes = {
        {"half_pixel", ResizeCoordinateMode::HalfPixel},
        {"pytorch_half_pixel", ResizeCoordinateMode::PytorchHalfPixel},
        {"align_corners", ResizeCoordinateMode::AlignCorners},
        {"asymmetric", ResizeCoordinateMode::Asymmetric},
        {"tf_half_pixel_for_nn", ResizeCoordinateMode::TfHalfPixelForNn},
    };
    const std::string coordinate = n.stringAttr("coordinate_transformation_mode", "half_pixel");
    if (coordinate == "half_pixel_symmetric" && n.opset() >= 19) {
        return unsupported(
            "coordinate_transformation_mode 'half_pixel_symmetric' is not supported (half_pixel, "
            "pytorch_half_pixel, align_corners, asymmetric and tf_half_pixel_for_nn are)");
    }
    if (coordinate == "tf_crop_and_resize") {
        return unsupported(
            "coordinate_transformation_mode 'tf_crop_and_resize' (with a region of interest) "
            "is not supported");
    }
    auto c = coordinateModes.find(coordinate);
    if (c == coordinateModes.end()) {
        return invalidModel("attribute 'coordinate_transformation_mode' is '" + coordinate +
                            "', not an ONNX mode");
    }
    p.coordinateMode = c->second;
    static const std::map<std::string, ResizeNearestMode> nearestModes = {
        {"round_prefer_floor", ResizeNearestMode::RoundPreferFloor},
        {"round_prefer_ceil", ResizeNearestMode::RoundPreferCeil},
        {"floor", ResizeNearestMode::Floor},
        {"ceil", ResizeNearestMode::Ceil},
    };
    const std::string nearest = n.stringAttr("nearest_mode", "round_prefer_floor");
    auto m = nearestModes.find(nearest);
    if (m == nearestModes.end()) {
        return invalidModel("attribute 'nearest_mode' is '" + nearest + "', not an ONNX mode");
    }
    p.nearestMode = m->second;
    std::vector<float> scales;
    std::vector<int64_t> sizes;
    if (n.hasInput(2)) {
        KILN_ASSIGN_OR_RETURN(scales, constantFloats(n, 2, "scales"));
    }
    if (n.hasInput(3)) {
        KILN_ASSIGN_OR_RETURN(sizes, n.constantInts(3, "sizes"));
    }
    if (scales.empty() == sizes.empty()) {
        return invalidModel("exactly one of 'scales' and 'sizes' must be given");
    }
    if (n.opset() >= 18) {
        const std::string policy = n.stringAttr("keep_aspect_ratio_policy", "stretch");
        if (policy != "stretch" && !sizes.empty()) {
            return unsupported("keep_aspect_ratio_policy '" + policy +
                               "' is not supported (stretch is); give "
                               "the output sizes of every axis");
        }
        // Scales or sizes for the listed axes only; the others keep their extent.
        const std::vector<int64_t> axes = n.intsAttr("axes");
        if (!axes.empty()) {
            const Dims& in = x->dims();
            const size_t given = scales.empty() ? sizes.size() : scales.size();
            if (given != axes.size()) {
                return invalidModel(std::string(scales.empty() ? "sizes" : "scales") + " have " +
                                    std::to_string(given) + " values for the " + std::to_string(axes.size()) +
                                    " axes [" + joinInts(axes) + "]");
            }
            std::vector<float> fullScales(scales.empty() ? 0 : in.size(), 1.0f);
            std::vector<int64_t> fullSizes(sizes.empty() ? std::vector<int64_t>{} : in);
            std::vector<bool> seen(in.size(), false);
            for (size_t i = 0; i < axes.size(); ++i) {
                KILN_ASSIGN_OR_RETURN(const int64_t axis,
                                      normalizeAxis(axes[i], static_cast<int64_t>(in.size()), "axis"));
                if (seen[size_t(axis)])
                    return invalidModel("axes [" + joinInts(axes) + "] name an axis twice");
                seen[size_t(axis)] = true;
                if (scales.empty()) {
                    fullSizes[size_t(axis)] = sizes[i];
                } else {
                    fullScales[size_t(axis)] = scales[i];
                }
            }
            scales = std::move(fullScales);
            sizes = std::move(fullSizes);
        }
        // Antialiasing widens the filter where an axis shrinks; enlarging axes are resized as without it.
        if (n.intAttr("antialias", 0) != 0 && mode != ResizeMode::Nearest) {
            const Dims& in = x->dims();
            for (size_t i = 0; i < in.size(); ++i) {
                const bool shrinks = scales.empty() ? (i < sizes.size() && sizes[i] < in[i])
                                                    : (i < scales.size() && scales[i] < 1.0f);
                if (shrinks) {
                    return unsupported("antialias=1 on axis " + std::to_string(i) +
                                       ", which shrinks, is not supported (resize without antialiasing)");
                }
            }
        }
    }
    return addResize(n, x, p, scales, sizes);
}

Status importUpsample(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    KILN_ASSIGN_OR_RETURN(ResizeMode mode, resizeMode(n));
    std::vector<float> scales;
    if (n.opset() < 7) {
        // Opset 1 scales the two trailing axes of a 4-D input by height_scale and width_scale.
        if (x->dims().size() != 4) {
            return invalidModel("input dims " + toString(x->dims()) +
                                " must be 4-D [N, C, H, W] before opset 7");
        }
        if (!n.attribute("height_scale") || !n.attribute("width_scale")) {
            return invalidModel("attributes 'height_scale' and 'width_scale' are required before opset 7");
        }
        scales = {1.0f, 1.0f, n.floatAttr("height_scale", 1.0f), n.floatAttr("width_scale", 1.0f)};
    } else if (n.opset() < 9) {
        scales = n.floatsAttr("scales");
    } else {
        KILN_ASSIGN_OR_RETURN(scales, constantFloats(n, 1, "scales"));
    }
    return addResize(n, x, legacyResizeParams(mode), scales, {});
}

// ---- types, broadcasting, selection, rearrangement ----

Status importCast(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    const auto* to = n.attribute("to");
    if (!to) return invalidModel("attribute 'to' is required");
    int32_t onnxType = static_cast<int32_t>(to->i());
    // Before opset 6 'to' names the type ("FLOAT") instead of giving its number.
    if (n.opset() < 6) {
        onnx::TensorProto_DataType parsed;
        if (!onnx::TensorProto_DataType_Parse(to->s(), &parsed)) {
            return invalidModel("attribute 'to' is '" + to->s() + "', not an ONNX data type name");
        }
        onnxType = static_cast<int32_t>(parsed);
    }
    KILN_ASSIGN_OR_RETURN(DataType type, dataTypeFromOnnx(onnxType, "the target type"));
    return n.addLayer(CastParams{type}, {x}, n.outputName(0)).status();
}

// CastLike (opset 15): Cast to the type of its second input.
Status importCastLike(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    KILN_ASSIGN_OR_RETURN(Tensor * like, n.input(1));
    return n.addLayer(CastParams{like->type()}, {x}, n.outputName(0)).status();
}

// Trilu (opset 14): the elements on and above (upper=1) or on and below (upper=0) the k-th diagonal of the
// two trailing axes, zeros elsewhere: a Select of x and zero by a constant mask that broadcasts over the
// leading axes.
Status importTrilu(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    const Dims& dims = x->dims();
    if (dims.size() < 2) return invalidModel("input dims " + toString(dims) + " need at least two axes");
    int64_t k = 0;
    if (n.hasInput(1)) {
        KILN_ASSIGN_OR_RETURN(const std::vector<int64_t> values, n.constantInts(1, "k"));
        if (values.size() != 1) return invalidModel("input 1 (k) must hold one value");
        k = values[0];
    }
    const bool upper = n.intAttr("upper", 1) != 0;
    const int64_t rows = dims[dims.size() - 2];
    const int64_t columns = dims.back();
    HostTensor mask(DataType::Bool, {rows, columns});
    for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < columns; ++j) {
            mask.data<uint8_t>()[i * columns + j] = upper ? j - i >= k : j - i <= k;
        }
    }
    KILN_ASSIGN_OR_RETURN(Tensor * keep, n.addConstant(n.internalTensorName("mask"), std::move(mask)));
    KILN_ASSIGN_OR_RETURN(Tensor * zero,
                          n.addConstant(n.internalTensorName("zero"), scalarTensor(x->type(), 0.0)));
    return n.addLayer(SelectParams{}, {keep, x, zero}, n.outputName(0)).status();
}

Status importExpand(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    KILN_ASSIGN_OR_RETURN(std::vector<int64_t> shape, n.constantInts(1, "shape"));
    const Dims& in = x->dims();
    const size_t rank = std::max(in.size(), shape.size());
    Dims out(rank);
    for (size_t i = 0; i < rank; ++i) {
        const int64_t a = i < rank - in.size() ? 1 : in[i - (rank - in.size())];
        const int64_t b = i < rank - shape.size() ? 1 : shape[i - (rank - shape.size())];
        if (a != b && a != 1 && b != 1) {
            return invalidModel("input dims " + toString(in) + " cannot be expanded to shape [" +
                                joinInts(shape) + "]");
        }
        out[i] = a == 1 ? b : a;
    }
    KILN_RETURN_IF_ERROR(checkDims(out, "the expanded shape"));
    return n.addLayer(ExpandParams{out}, {x}, n.outputName(0)).status();
}

Status importTile(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    std::vector<int64_t> repeats;
    if (n.opset() < 6) {
        // Opset 1 repeats along one axis: inputs `tiles` (a count) and `axis`.
        KILN_ASSIGN_OR_RETURN(double tiles, n.constantScalar(1, "tiles"));
        KILN_ASSIGN_OR_RETURN(double axisValue, n.constantScalar(2, "axis"));
        KILN_ASSIGN_OR_RETURN(int64_t axis, normalizeAxis(static_cast<int64_t>(axisValue),
                                                          static_cast<int64_t>(x->dims().size()), "axis"));
        repeats.assign(x->dims().size(), 1);
        repeats[static_cast<size_t>(axis)] = static_cast<int64_t>(tiles);
    } else {
        KILN_ASSIGN_OR_RETURN(repeats, n.constantInts(1, "repeats"));
    }
    return n.addLayer(TileParams{repeats}, {x}, n.outputName(0)).status();
}

// Mod (opset 10) with the elementwise layers: r = a - trunc(a / b) * b is the remainder with the
// dividend's sign (fmod=1, C's fmod; integer Div already truncates); with fmod=0 (integers only) the
// remainder takes the divisor's sign, as Python's %: r + b where r and b have opposite signs.
Status importMod(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * a, n.input(0));
    KILN_ASSIGN_OR_RETURN(Tensor * b, n.input(1));
    const int64_t fmod = n.intAttr("fmod", 0);
    if (fmod != 0 && fmod != 1) return invalidModel("attribute 'fmod' is " + std::to_string(fmod) + "; expected 0 or 1");
    const bool floating = isFloatingPoint(a->type());
    if (floating && fmod != 1) {
        return invalidModel(std::string("Mod of ") + toString(a->type()) + " tensors needs fmod=1 (the ONNX specification "
                            "defines fmod=0 for integers only); set the node's fmod attribute to 1");
    }
    auto layer = [&](LayerParams params, std::vector<Tensor*> inputs, const std::string& suffix) {
        return n.addLayer(std::move(params), inputs, suffix.empty() ? n.outputName(0) : n.internalTensorName(suffix));
    };
    KILN_ASSIGN_OR_RETURN(Tensor * zero, n.addConstant(n.internalTensorName("zero"), scalarTensor(a->type(), 0.0)));
    KILN_ASSIGN_OR_RETURN(Tensor * quotient, layer(ElementwiseParams{ElementwiseOp::Div}, {a, b}, "quotient"));
    if (floating) {  // trunc: towards zero
        KILN_ASSIGN_OR_RETURN(Tensor * negative, layer(ElementwiseParams{ElementwiseOp::Less}, {quotient, zero}, "negative"));
        KILN_ASSIGN_OR_RETURN(Tensor * up, layer(UnaryParams{UnaryOp::Ceil}, {quotient}, "ceil"));
        KILN_ASSIGN_OR_RETURN(Tensor * down, layer(UnaryParams{UnaryOp::Floor}, {quotient}, "floor"));
        KILN_ASSIGN_OR_RETURN(quotient, layer(SelectParams{}, {negative, up, down}, "trunc"));
    }
    KILN_ASSIGN_OR_RETURN(Tensor * product, layer(ElementwiseParams{ElementwiseOp::Mul}, {quotient, b}, "product"));
    if (fmod == 1) return layer(ElementwiseParams{ElementwiseOp::Sub}, {a, product}, "").status();
    KILN_ASSIGN_OR_RETURN(Tensor * r, layer(ElementwiseParams{ElementwiseOp::Sub}, {a, product}, "remainder"));
    KILN_ASSIGN_OR_RETURN(Tensor * rNegative, layer(ElementwiseParams{ElementwiseOp::Less}, {r, zero}, "r_negative"));
    KILN_ASSIGN_OR_RETURN(Tensor * rPositive, layer(ElementwiseParams{ElementwiseOp::Greater}, {r, zero}, "r_positive"));
    KILN_ASSIGN_OR_RETURN(Tensor * bNegative, layer(ElementwiseParams{ElementwiseOp::Less}, {b, zero}, "b_negative"));
    KILN_ASSIGN_OR_RETURN(Tensor * bPositive, layer(ElementwiseParams{ElementwiseOp::Greater}, {b, zero}, "b_positive"));
    KILN_ASSIGN_OR_RETURN(Tensor * upward, layer(ElementwiseParams{ElementwiseOp::And}, {rNegative, bPositive}, "r_below"));
    KILN_ASSIGN_OR_RETURN(Tensor * downward, layer(ElementwiseParams{ElementwiseOp::And}, {rPositive, bNegative}, "r_above"));
    KILN_ASSIGN_OR_RETURN(Tensor * opposite, layer(ElementwiseParams{ElementwiseOp::Or}, {upward, downward}, "opposite"));
    KILN_ASSIGN_OR_RETURN(Tensor * shifted, layer(ElementwiseParams{ElementwiseOp::Add}, {r, b}, "shifted"));
    return layer(SelectParams{}, {opposite, shifted, r}, "").status();
}

Status importWhere(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * condition, n.input(0));
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(1));
    KILN_ASSIGN_OR_RETURN(Tensor * y, n.input(2));
    return n.addLayer(SelectParams{}, {condition, x, y}, n.outputName(0)).status();
}

Result<int64_t> blockSize(const NodeContext& n) {
    const auto* attr = n.attribute("blocksize");
    if (!attr) return invalidModel("attribute 'blocksize' is required");
    if (attr->i() < 1) return invalidModel("blocksize " + std::to_string(attr->i()) + " must be at least 1");
    return attr->i();
}

Status importDepthToSpace(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    DepthToSpaceParams p;
    KILN_ASSIGN_OR_RETURN(p.blockSize, blockSize(n));
    const std::string mode = n.stringAttr("mode", "DCR");
    if (mode != "DCR" && mode != "CRD")
        return invalidModel("attribute 'mode' is '" + mode + "'; expected DCR or CRD");
    p.columnRowDepth = mode == "CRD";
    return n.addLayer(p, {x}, n.outputName(0)).status();
}

Status importSpaceToDepth(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    SpaceToDepthParams p;
    KILN_ASSIGN_OR_RETURN(p.blockSize, blockSize(n));
    return n.addLayer(p, {x}, n.outputName(0)).status();
}

// ---- quantization ----

constexpr const char* kSymmetricAdvice =
    "Kiln's INT8 is symmetric: quantize with zero point 0 (ONNX Runtime: quant_format QDQ, activation_type "
    "QInt8, weight_type QInt8, extra option ActivationSymmetric=True)";

// The axis of a per-axis scale (ONNX's default is 1); a one-value scale has none and gets 0.
Result<int64_t> quantizationAxis(const NodeContext& n, const Tensor* x, const Tensor* scale) {
    if (volume(scale->dims()) == 1 && scale->dims().size() <= 1) return int64_t(0);
    if (n.opset() < 13) {
        return invalidModel("input 1 ('" + scale->name() + "', scale) has dims " + toString(scale->dims()) +
                            "; before opset 13 the scale is one value");
    }
    return normalizeAxis(n.intAttr("axis", 1), static_cast<int64_t>(x->dims().size()), "axis");
}

// An activation's zero point must be a constant 0: Kiln stores activations in INT8 with a symmetric
// scale only. Quantized constants fold at import, so any zero point is exact for them.
Status checkSymmetric(const NodeContext& n, const Tensor* data) {
    const Tensor* zeroPoint = n.optionalInput(2);
    if (!zeroPoint || data->isConstant()) return Status::ok();
    const std::string what = "input 2 ('" + zeroPoint->name() + "', zero point)";
    if (!zeroPoint->isConstant()) return unsupported(what + " is computed at run time; " + kSymmetricAdvice);
    const HostTensor& values = *zeroPoint->constantData();
    for (int64_t i = 0; i < values.elementCount(); ++i) {
        if (values.valueAsInt64(i) != 0) {
            return unsupported(what + " holds " + std::to_string(values.valueAsInt64(i)) + ", not 0; " +
                               kSymmetricAdvice);
        }
    }
    return Status::ok();
}

// Opset 10; per-axis scales and `axis` from opset 13.
// Opset 21's blocked quantization (block_size) gives each block of an axis its own scale.
Status refuseBlockedQuantization(const NodeContext& n) {
    const int64_t blockSize = n.intAttr("block_size", 0);
    if (blockSize != 0) {
        return unsupported("blocked quantization (block_size " + std::to_string(blockSize) +
                           ") is not supported: give one scale, or one per channel along 'axis'");
    }
    return Status::ok();
}

Status importQuantizeLinear(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    KILN_ASSIGN_OR_RETURN(Tensor * scale, n.input(1));
    KILN_RETURN_IF_ERROR(refuseBlockedQuantization(n));
    // Opset 21: output_dtype names the output type where no zero point does; Kiln quantizes to INT8.
    const int64_t outputType = n.intAttr("output_dtype", 0);
    if (outputType != 0 && outputType != onnx::TensorProto_DataType_INT8) {
        return unsupported("output_dtype " + std::to_string(outputType) +
                           " is not supported (INT8, 3, is); " + kSymmetricAdvice);
    }
    // Without a zero point ONNX quantizes to UINT8, which Kiln does not have.
    if (!n.hasInput(2)) {
        return unsupported(std::string("no zero point is given, which makes the output UINT8 in ONNX; ") +
                           kSymmetricAdvice);
    }
    KILN_ASSIGN_OR_RETURN(Tensor * zeroPoint, n.input(2));
    KILN_RETURN_IF_ERROR(checkSymmetric(n, x));
    KILN_ASSIGN_OR_RETURN(int64_t axis, quantizationAxis(n, x, scale));
    return n.addLayer(QuantizeParams{axis}, {x, scale, zeroPoint}, n.outputName(0)).status();
}

Status importDequantizeLinear(NodeContext& n) {
    KILN_ASSIGN_OR_RETURN(Tensor * x, n.input(0));
    KILN_ASSIGN_OR_RETURN(Tensor * scale, n.input(1));
    KILN_RETURN_IF_ERROR(refuseBlockedQuantization(n));
    KILN_RETURN_IF_ERROR(checkSymmetric(n, x));
    KILN_ASSIGN_OR_RETURN(int64_t axis, quantizationAxis(n, x, scale));
    return n.addLayer(DequantizeParams{axis}, withOptionalInput(n, {x, scale}, 2), n.outputName(0)).status();
}

const std::map<std::string, ImporterFn>& importerTable() {
    static const std::map<std::string, ImporterFn> table = {
        {"Conv", importConv},
        {"ConvTranspose", importConvTranspose},
        {"Gemm", importGemm},
        {"MatMul", importMatMul},
        {"BatchNormalization", importBatchNormalization},
        {"InstanceNormalization", importInstanceNormalization},
        {"GroupNormalization", importGroupNormalization},
        {"LayerNormalization", importLayerNormalization},
        {"LRN", importLrn},

        {"Relu", [](NodeContext& n) { return activation(n, ActivationType::Relu); }},
        {"LeakyRelu",
         [](NodeContext& n) {
             return activation(n, ActivationType::LeakyRelu, n.floatAttr("alpha", 0.01f));
         }},
        {"Sigmoid", [](NodeContext& n) { return activation(n, ActivationType::Sigmoid); }},
        {"Tanh", [](NodeContext& n) { return activation(n, ActivationType::Tanh); }},
        {"Clip", importClip},
        {"HardSigmoid",
         [](NodeContext& n) {
             return activation(n, ActivationType::HardSigmoid, n.floatAttr("alpha", 0.2f),
                               n.floatAttr("beta", 0.5f));
         }},
        {"HardSwish", [](NodeContext& n) { return activation(n, ActivationType::HardSwish); }},
        {"Elu",
         [](NodeContext& n) { return activation(n, ActivationType::Elu, n.floatAttr("alpha", 1.0f)); }},
        {"Selu", importSelu},
        {"Softplus", [](NodeContext& n) { return activation(n, ActivationType::Softplus); }},
        {"Gelu", importGelu},
        {"Softsign", importSoftsign},
        {"Mish", importMish},
        {"PRelu", importPRelu},

        {"Erf", [](NodeContext& n) { return unary(n, UnaryOp::Erf); }},
        {"Exp", [](NodeContext& n) { return unary(n, UnaryOp::Exp); }},
        {"Log", [](NodeContext& n) { return unary(n, UnaryOp::Log); }},
        {"Sqrt", [](NodeContext& n) { return unary(n, UnaryOp::Sqrt); }},
        {"Abs", [](NodeContext& n) { return unary(n, UnaryOp::Abs); }},
        {"Neg", [](NodeContext& n) { return unary(n, UnaryOp::Neg); }},
        {"Reciprocal", [](NodeContext& n) { return unary(n, UnaryOp::Reciprocal); }},
        {"Sin", [](NodeContext& n) { return unary(n, UnaryOp::Sin); }},
        {"Cos", [](NodeContext& n) { return unary(n, UnaryOp::Cos); }},
        {"Tan", [](NodeContext& n) { return unary(n, UnaryOp::Tan); }},
        {"Asin", [](NodeContext& n) { return unary(n, UnaryOp::Asin); }},
        {"Acos", [](NodeContext& n) { return unary(n, UnaryOp::Acos); }},
        {"Atan", [](NodeContext& n) { return unary(n, UnaryOp::Atan); }},
        {"Sinh", [](NodeContext& n) { return unary(n, UnaryOp::Sinh); }},
        {"Cosh", [](NodeContext& n) { return unary(n, UnaryOp::Cosh); }},
        {"Asinh", [](NodeContext& n) { return unary(n, UnaryOp::Asinh); }},
        {"Acosh", [](NodeContext& n) { return unary(n, UnaryOp::Acosh); }},
        {"Atanh", [](NodeContext& n) { return unary(n, UnaryOp::Atanh); }},
        {"Sign", [](NodeContext& n) { return unary(n, UnaryOp::Sign); }},
        {"Round", [](NodeContext& n) { return unary(n, UnaryOp::Round); }},
        {"Floor", [](NodeContext& n) { return unary(n, UnaryOp::Floor); }},
        {"Ceil", [](NodeContext& n) { return unary(n, UnaryOp::Ceil); }},
        {"Not", [](NodeContext& n) { return unary(n, UnaryOp::Not); }},

        {"Add", [](NodeContext& n) { return binary(n, ElementwiseOp::Add); }},
        {"Sub", [](NodeContext& n) { return binary(n, ElementwiseOp::Sub); }},
        {"Mul", [](NodeContext& n) { return binary(n, ElementwiseOp::Mul); }},
        {"Div", [](NodeContext& n) { return binary(n, ElementwiseOp::Div); }},
        {"Pow", importPow},
        {"Equal", [](NodeContext& n) { return binary(n, ElementwiseOp::Equal); }},
        {"Less", [](NodeContext& n) { return binary(n, ElementwiseOp::Less); }},
        {"Greater", [](NodeContext& n) { return binary(n, ElementwiseOp::Greater); }},
        {"And", [](NodeContext& n) { return binary(n, ElementwiseOp::And); }},
        {"Or", [](NodeContext& n) { return binary(n, ElementwiseOp::Or); }},
        {"Max", [](NodeContext& n) { return variadic(n, ElementwiseOp::Max); }},
        {"Min", [](NodeContext& n) { return variadic(n, ElementwiseOp::Min); }},
        {"Sum", [](NodeContext& n) { return variadic(n, ElementwiseOp::Add); }},
        {"Mean", importMean},
        {"Where", importWhere},
        {"Trilu", importTrilu},
        {"Mod", importMod},

        {"MaxPool", [](NodeContext& n) { return pooling(n, PoolingType::Max); }},
        {"AveragePool", [](NodeContext& n) { return pooling(n, PoolingType::Average); }},
        {"GlobalMaxPool", [](NodeContext& n) { return globalPooling(n, PoolingType::Max); }},
        {"GlobalAveragePool", [](NodeContext& n) { return globalPooling(n, PoolingType::Average); }},

        {"Softmax", [](NodeContext& n) { return softmax(n, false); }},
        {"LogSoftmax", [](NodeContext& n) { return softmax(n, true); }},
        {"ReduceMean", [](NodeContext& n) { return reduce(n, ReduceOp::Mean); }},
        {"ReduceSum", [](NodeContext& n) { return reduce(n, ReduceOp::Sum); }},
        {"ReduceMax", [](NodeContext& n) { return reduce(n, ReduceOp::Max); }},
        {"ReduceMin", [](NodeContext& n) { return reduce(n, ReduceOp::Min); }},
        {"ReduceProd", [](NodeContext& n) { return reduce(n, ReduceOp::Prod); }},
        {"ReduceL1", [](NodeContext& n) { return reduce(n, ReduceOp::L1); }},
        {"ReduceL2", [](NodeContext& n) { return reduce(n, ReduceOp::L2); }},
        {"ReduceSumSquare", [](NodeContext& n) { return reduce(n, ReduceOp::SumSquare); }},
        {"ReduceLogSum", [](NodeContext& n) { return reduce(n, ReduceOp::LogSum); }},
        {"ReduceLogSumExp", [](NodeContext& n) { return reduce(n, ReduceOp::LogSumExp); }},
        {"ArgMax", [](NodeContext& n) { return argMinMax(n, true); }},
        {"ArgMin", [](NodeContext& n) { return argMinMax(n, false); }},

        {"Concat", importConcat},
        {"Split", importSplit},
        {"Slice", importSlice},
        {"Reshape", importReshape},
        {"Flatten", importFlatten},
        {"Transpose", importTranspose},
        {"Squeeze", importSqueeze},
        {"Unsqueeze", importUnsqueeze},
        {"Gather", importGather},
        {"Shape", importShape},
        {"Size", importSize},
        {"Constant", importConstant},
        {"ConstantOfShape", importConstantOfShape},
        {"Range", importRange},
        {"ScatterND", importScatterNd},
        {"Einsum", importEinsum},
        {"Identity", importIdentity},
        {"Dropout", importDropout},
        {"Pad", importPad},
        {"Resize", importResize},
        {"Upsample", importUpsample},
        {"Cast", importCast},
        {"CastLike", importCastLike},
        {"Expand", importExpand},
        {"Tile", importTile},
        {"DepthToSpace", importDepthToSpace},
        {"SpaceToDepth", importSpaceToDepth},

        {"QuantizeLinear", importQuantizeLinear},
        {"DequantizeLinear", importDequantizeLinear},
    };
    return table;
}

}  // namespace

ImporterFn findImporter(const std::string& opType) {
    const auto& table = importerTable();
    auto it = table.find(opType);
    return it == table.end() ? nullptr : it->second;
}

std::shared_ptr<const PluginCreator> findPluginCreator(const onnx::NodeProto& node) {
    const bool defaultDomain = node.domain().empty() || node.domain() == "ai.onnx";
    const auto creators =
        PluginRegistry::global().findAll(node.op_type(), defaultDomain ? "" : node.domain());
    if (creators.empty()) return nullptr;
    if (defaultDomain && findImporter(node.op_type()) && !creators.front()->replacesBuiltin()) return nullptr;
    return creators.front();
}

Status importPlugin(NodeContext& node, const PluginCreator& creator) {
    const std::string key = pluginKey(creator.name(), creator.version(), creator.pluginNamespace());
    PluginFields fields;
    for (const onnx::AttributeProto& attribute : node.proto().attribute()) {
        switch (attribute.type()) {
            case onnx::AttributeProto::INT:
                fields.push_back(PluginField::ofInt(attribute.name(), attribute.i()));
                break;
            case onnx::AttributeProto::FLOAT:
                fields.push_back(PluginField::ofFloat(attribute.name(), attribute.f()));
                break;
            case onnx::AttributeProto::STRING:
                fields.push_back(PluginField::ofString(attribute.name(), attribute.s()));
                break;
            case onnx::AttributeProto::INTS:
                fields.push_back(PluginField::ofInts(attribute.name(),
                                                     {attribute.ints().begin(), attribute.ints().end()}));
                break;
            case onnx::AttributeProto::FLOATS:
                fields.push_back(PluginField::ofFloats(
                    attribute.name(), {attribute.floats().begin(), attribute.floats().end()}));
                break;
            default:
                return unsupported("attribute '" + attribute.name() + "' is of ONNX type " +
                                   std::to_string(int(attribute.type())) +
                                   ", which cannot be passed to plugin " + key +
                                   " (plugin fields are ints, floats, strings and their lists)");
        }
    }
    auto plugin = creator.create(node.name(), fields);
    if (!plugin) return plugin.status().withContext("plugin " + key);
    if (!*plugin) return internalError("plugin " + key + " made no plugin");
    const int32_t outputCount = (*plugin)->outputCount();
    if (outputCount < 1 || size_t(outputCount) < node.outputCount()) {
        return invalidModel("the node has " + std::to_string(node.outputCount()) + " outputs; plugin " + key +
                            " produces " + std::to_string(outputCount));
    }
    std::vector<Tensor*> inputs;
    for (size_t i = 0; i < node.inputCount(); ++i) {
        if (!node.hasInput(i)) {
            return unsupported("input " + std::to_string(i) +
                               " is omitted; plugin layers take no optional inputs");
        }
        KILN_ASSIGN_OR_RETURN(Tensor * input, node.input(i));
        inputs.push_back(input);
    }
    std::vector<std::string> outputNames;
    for (size_t i = 0; i < size_t(outputCount); ++i)
        outputNames.push_back(node.outputName(i));
    PluginParams params{std::shared_ptr<const Plugin>(std::move(plugin).value())};
    return node.addLayer(std::move(params), inputs, outputNames).status();
}

Status refuseUnsignedQuantization(const onnx::GraphProto& graph, const std::vector<std::string>& nodeNames) {
    std::map<std::string, int32_t> initializerTypes;
    for (const auto& init : graph.initializer())
        initializerTypes[init.name()] = init.data_type();
    for (int i = 0; i < graph.node_size(); ++i) {
        const onnx::NodeProto& node = graph.node(i);
        const bool quantize = node.op_type() == "QuantizeLinear";
        if (!quantize && node.op_type() != "DequantizeLinear") continue;
        for (int input : {0, 2}) {
            if ((quantize && input == 0) || input >= node.input_size()) continue;
            auto it = initializerTypes.find(node.input(input));
            if (it == initializerTypes.end() || it->second != onnx::TensorProto::UINT8) continue;
            return unsupported("node '" + nodeNames[static_cast<size_t>(i)] + "' (op " + node.op_type() + "): input " +
                               std::to_string(input) + " ('" + node.input(input) + "', " +
                               (input == 0 ? "quantized data" : "zero point") + ") is UINT8; " + kSymmetricAdvice);
        }
    }
    return Status::ok();
}

}  // namespace kiln::onnx_import

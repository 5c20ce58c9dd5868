// Names of layer kinds and their parameters, for reports, the CLI and the workbench.
#include "kiln/layers.h"

#include "kiln/plugin.h"

#include <sstream>
#include <utility>

namespace kiln {

Dims transposedDims(const Dims& dims, const std::vector<int64_t>& perm) {
    if (perm.empty()) return dims;
    Dims result(perm.size());
    for (size_t i = 0; i < perm.size(); ++i) result[i] = dims[size_t(perm[i])];
    return result;
}

const char* toString(LayerKind kind) {
    static const char* const names[] = {
        "Convolution", "Deconvolution", "MatMul",  "Gemm",      "Pooling",     "LRN",          "BatchNorm",
        "InstanceNorm", "Softmax",      "Activation", "Unary",  "Elementwise", "Select",       "Reduce",
        "ArgMinMax",   "Concat",        "Split",   "Slice",     "Reshape",     "Transpose",    "Gather",
        "Pad",         "Resize",        "Cast",    "Expand",    "Tile",        "DepthToSpace", "SpaceToDepth",
        "Identity",    "PointwiseChain", "Reformat", "Quantize", "Dequantize", "LayerNorm", "Attention",
        "Plugin",
    };
    static_assert(sizeof(names) / sizeof(names[0]) == std::variant_size_v<LayerParams>);
    return names[size_t(kind)];
}

const char* toString(ActivationType type) {
    static const char* const names[] = {"Relu", "LeakyRelu", "Sigmoid", "Tanh",     "Clip",
                                        "HardSigmoid", "HardSwish", "Elu", "Selu", "Softplus", "Gelu", "GeluTanh"};
    return names[size_t(type)];
}

const char* toString(UnaryOp op) {
    static const char* const names[] = {
        "Exp", "Log",  "Sqrt", "Abs",  "Neg",  "Reciprocal", "Floor", "Ceil",  "Erf",   "Not",  "Sin",  "Cos",
        "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh",       "Asinh", "Acosh", "Atanh", "Sign", "Round"};
    return names[size_t(op)];
}

const char* toString(ElementwiseOp op) {
    static const char* const names[] = {"Add",   "Sub",   "Mul",  "Div",     "Pow", "Max", "Min",
                                        "PRelu", "Equal", "Less", "Greater", "And", "Or"};
    return names[size_t(op)];
}

const char* toString(ReduceOp op) {
    static const char* const names[] = {"Sum", "Mean", "Max", "Min", "Prod",
                                        "L1",  "L2",   "SumSquare", "LogSum", "LogSumExp"};
    return names[size_t(op)];
}

namespace {

std::string joined(const std::vector<int64_t>& values, char separator) {
    std::string text;
    for (size_t i = 0; i < values.size(); ++i) {
        if (i > 0) text += separator;
        text += std::to_string(values[i]);
    }
    return text;
}

std::string list(const std::vector<int64_t>& values) { return joined(values, ','); }
std::string extents(const std::vector<int64_t>& values) { return joined(values, 'x'); }

struct Describer {
    std::ostringstream out;

    void operator()(const ConvolutionParams& p) {
        out << "stride " << extents(p.strides) << " pads " << list(p.pads) << " dilation "
            << extents(p.dilations) << " groups " << p.groups;
        if (p.activation) describeFusedActivation(*p.activation);
        if (!p.outputChannels.empty()) out << " outputs " << list(p.outputChannels);
    }
    void operator()(const DeconvolutionParams& p) {
        out << "stride " << extents(p.strides) << " pads " << list(p.pads) << " dilation "
            << extents(p.dilations) << " output padding " << list(p.outputPadding) << " groups " << p.groups;
    }
    void operator()(const MatMulParams& p) {
        if (p.activation) describeFusedActivation(*p.activation);
    }
    void operator()(const GemmParams& p) {
        out << "transA " << p.transA << " transB " << p.transB << " alpha " << p.alpha << " beta " << p.beta;
        if (p.activation) describeFusedActivation(*p.activation);
    }
    void operator()(const PoolingParams& p) {
        out << (p.type == PoolingType::Max ? "max" : "average") << " kernel " << extents(p.kernel) << " stride "
            << extents(p.strides) << " pads " << list(p.pads);
        if (p.ceilMode) out << " ceil";
        if (p.type == PoolingType::Average && p.countIncludePad) out << " count-include-pad";
    }
    void operator()(const LrnParams& p) {
        out << "size " << p.size << " alpha " << p.alpha << " beta " << p.beta << " bias " << p.bias;
    }
    void operator()(const BatchNormParams& p) { out << "epsilon " << p.epsilon; }
    void operator()(const InstanceNormParams& p) { out << "epsilon " << p.epsilon; }
    void operator()(const LayerNormParams& p) { out << "axis " << p.axis << " epsilon " << p.epsilon; }
    void operator()(const AttentionParams& p) {
        out << "scale " << p.scale;
        const std::pair<const char*, const std::vector<int64_t>*> perms[] = {
            {"query", &p.queryPerm}, {"key", &p.keyPerm}, {"value", &p.valuePerm}, {"output", &p.outputPerm}};
        for (const auto& [role, perm] : perms) {
            if (!perm->empty()) out << " " << role << " perm " << list(*perm);
        }
    }
    void operator()(const PluginParams& p) {
        if (!p.plugin) {
            out << "no plugin";
            return;
        }
        out << pluginKey(p.plugin->name(), p.plugin->version(), p.plugin->pluginNamespace());
        const std::string fields = describeFields(p.plugin->fields());
        if (!fields.empty()) out << " " << fields;
    }
    void operator()(const SoftmaxParams& p) {
        out << (p.log ? "log-softmax" : "softmax") << " axis " << p.axis;
        if (p.flattenFromAxis) out << " (2-D)";
    }
    void describeFusedActivation(const ActivationParams& p) {
        out << " + ";
        (*this)(p);
    }
    void operator()(const ActivationParams& p) {
        out << toString(p.type);
        switch (p.type) {
            case ActivationType::LeakyRelu:
            case ActivationType::Elu: out << " alpha " << p.alpha; break;
            case ActivationType::Clip: out << " min " << p.alpha << " max " << p.beta; break;
            case ActivationType::HardSigmoid:
            case ActivationType::Selu: out << " alpha " << p.alpha << " beta " << p.beta; break;
            default: break;
        }
    }
    void operator()(const UnaryParams& p) { out << toString(p.op); }
    void operator()(const ElementwiseParams& p) { out << toString(p.op); }
    void operator()(const SelectParams&) {}
    void operator()(const ReduceParams& p) {
        out << toString(p.op) << " axes " << list(p.axes) << (p.keepDims ? " keepdims" : "");
    }
    void operator()(const ArgMinMaxParams& p) {
        out << (p.max ? "argmax" : "argmin") << " axis " << p.axis << (p.keepDims ? " keepdims" : "");
    }
    void operator()(const ConcatParams& p) { out << "axis " << p.axis; }
    void operator()(const SplitParams& p) { out << "axis " << p.axis << " sizes " << list(p.sizes); }
    void operator()(const SliceParams& p) {
        out << "starts " << list(p.starts) << " ends " << list(p.ends) << " steps " << list(p.steps);
    }
    void operator()(const ReshapeParams& p) { out << "to " << toString(p.outputDims); }
    void operator()(const TransposeParams& p) { out << "perm " << list(p.perm); }
    void operator()(const GatherParams& p) { out << "axis " << p.axis; }
    void operator()(const PadParams& p) {
        static const char* const modes[] = {"constant", "reflect", "edge"};
        out << modes[size_t(p.mode)] << " pads " << list(p.pads);
        if (p.mode == PadMode::Constant) out << " value " << p.value;
    }
    void operator()(const ResizeParams& p) {
        out << (p.mode == ResizeMode::Nearest ? "nearest" : "linear") << " to " << toString(p.outputDims);
    }
    void operator()(const CastParams& p) { out << "to " << toString(p.to); }
    void operator()(const ExpandParams& p) { out << "to " << toString(p.outputDims); }
    void operator()(const TileParams& p) { out << "repeats " << list(p.repeats); }
    void operator()(const DepthToSpaceParams& p) {
        out << "block " << p.blockSize << (p.columnRowDepth ? " CRD" : " DCR");
    }
    void operator()(const SpaceToDepthParams& p) { out << "block " << p.blockSize; }
    void operator()(const IdentityParams&) {}
    void operator()(const ReformatParams&) {}
    void operator()(const QuantizeParams& p) { out << "axis " << p.axis; }
    void operator()(const DequantizeParams& p) { out << "axis " << p.axis; }
    void operator()(const PointwiseChainParams& p) {
        for (size_t i = 0; i < p.steps.size(); ++i) {
            const PointwiseStep& step = p.steps[i];
            if (i > 0) out << ", ";
            switch (step.kind) {
                case PointwiseStep::Kind::Activation: (*this)(step.activation); break;
                case PointwiseStep::Kind::Unary: out << toString(step.unary); break;
                case PointwiseStep::Kind::ScaleShift: out << "Scale"; break;
                case PointwiseStep::Kind::Elementwise: out << toString(step.op); break;
            }
        }
    }
};

}  // namespace

std::string describeParams(const LayerParams& params) {
    Describer describer;
    std::visit(describer, params);
    return describer.out.str();
}

}  // namespace kiln

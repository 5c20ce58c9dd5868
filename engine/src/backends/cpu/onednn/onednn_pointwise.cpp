// oneDNN tactics for the pointwise layers that have a oneDNN form: Activation and Unary as eltwise
// (an activation oneDNN 2.6 lacks is a chain of eltwise steps, the first reading the input, the rest
// updating the output in place), and the arithmetic Elementwise ops as binary with numpy
// broadcasting of the second operand. Linear and channel-blocked tensors both work; oneDNN offers only
// its reference eltwise for a blocked tensor with padded channels when f(0) != 0 (the padding would
// stop being zero), and those are skipped like every reference implementation.
#include "backends/cpu/onednn/onednn_common.h"
#include "backends/cpu/onednn/onednn_recipes.h"

namespace kiln::cpu::onednn {
namespace {

using dnnl::memory;
using tactics::LayerConfig;
using tactics::WeightBlob;

class EltwiseChainRecipe final : public Recipe {
public:
    EltwiseChainRecipe(const memory::desc& data, const std::vector<EltwiseStep>& steps) {
        for (const EltwiseStep& s : steps) {
            dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, s.algorithm, data, s.alpha,
                                             s.beta);
            m_parts.push_back(pdFactory<dnnl::eltwise_forward>(desc, makeAttr()));
        }
    }

    std::string primitive() const override { return "eltwise"; }
    size_t partCount() const override { return m_parts.size(); }
    dnnl::primitive_desc makePd(size_t part) const override { return m_parts[part](); }

    Result<std::vector<Step>> makeSteps(const std::vector<dnnl::primitive_desc>& pds,
                                        const std::vector<WeightBlob>& blobs) const override {
        if (!blobs.empty()) return invalidModel("the oneDNN eltwise tactic takes no weight blobs");
        std::vector<Step> steps;
        for (size_t part = 0; part < pds.size(); ++part) {
            const dnnl::primitive_desc& pd = pds[part];
            Step step;
            step.primitive = dnnl::primitive(pd);
            // Later steps update the output in place, which oneDNN's eltwise allows.
            step.operands.push_back({DNNL_ARG_SRC, pd.src_desc(0),
                                     part == 0 ? Operand::Source::Input : Operand::Source::Output, 0});
            step.operands.push_back({DNNL_ARG_DST, pd.dst_desc(0), Operand::Source::Output, 0});
            step.scratchpad = pd.scratchpad_desc();
            steps.push_back(std::move(step));
        }
        return steps;
    }

private:
    std::vector<PdFactory> m_parts;
};

Result<std::shared_ptr<const Recipe>> eltwiseRecipe(const LayerConfig& config,
                                                    std::vector<EltwiseStep> steps) {
    if (config.inputFormats[0] != config.outputFormats[0]) {
        return unsupported("oneDNN eltwise writes its output in the input's format; these differ");
    }
    KILN_ASSIGN_OR_RETURN(memory::desc data,
                          activationDesc(config.layer->input(0)->dims(), config.inputFormats[0]));
    return std::shared_ptr<const Recipe>(std::make_shared<EltwiseChainRecipe>(data, steps));
}

Result<std::vector<EltwiseStep>> unarySteps(UnaryOp op) {
    using A = dnnl::algorithm;
    switch (op) {
        case UnaryOp::Exp:
            return std::vector<EltwiseStep>{{A::eltwise_exp, 0.0f, 0.0f}};
        case UnaryOp::Log:
            // Measured off by up to 3.4e-6 absolute near log(1) = 0, far beyond FP32 there: a build that
            // timed it fastest gave log(1) = -1.4e-6. Kiln's unary kernel (the exact scalar log) runs Log.
            return unsupported("oneDNN 2.6's vectorised log is accurate only in absolute terms (off by up to "
                               "3.4e-6 near log(1) = 0)");
        case UnaryOp::Sqrt:
            return std::vector<EltwiseStep>{{A::eltwise_sqrt, 0.0f, 0.0f}};
        case UnaryOp::Abs:
            return std::vector<EltwiseStep>{{A::eltwise_abs, 0.0f, 0.0f}};
        case UnaryOp::Neg:  // linear: alpha * x + beta
            return std::vector<EltwiseStep>{{A::eltwise_linear, -1.0f, 0.0f}};
        case UnaryOp::Reciprocal:  // pow: alpha * x^beta
            return std::vector<EltwiseStep>{{A::eltwise_pow, 1.0f, -1.0f}};
        case UnaryOp::Floor:
        case UnaryOp::Ceil:
            return unsupported(std::string(toString(op)) +
                               " has no oneDNN 2.6 eltwise form (it only rounds to nearest)");
        case UnaryOp::Erf:
            return unsupported("Erf has no oneDNN 2.6 eltwise form (only inside gelu_erf)");
        case UnaryOp::Not:
            return unsupported("Not works on BOOL tensors; oneDNN eltwise is FP32 here");
        case UnaryOp::Sin:
        case UnaryOp::Cos:
        case UnaryOp::Tan:
        case UnaryOp::Asin:
        case UnaryOp::Acos:
        case UnaryOp::Atan:
        case UnaryOp::Sinh:
        case UnaryOp::Cosh:
        case UnaryOp::Asinh:
        case UnaryOp::Acosh:
        case UnaryOp::Atanh:
        case UnaryOp::Sign:
        case UnaryOp::Round:
            return unsupported(std::string(toString(op)) + " has no oneDNN 2.6 eltwise form");
    }
    return unsupported("unknown unary op");
}

Result<dnnl::algorithm> binaryAlgorithm(ElementwiseOp op) {
    switch (op) {
        case ElementwiseOp::Add:
            return dnnl::algorithm::binary_add;
        case ElementwiseOp::Sub:
            return dnnl::algorithm::binary_sub;
        case ElementwiseOp::Mul:
            return dnnl::algorithm::binary_mul;
        case ElementwiseOp::Div:
            return dnnl::algorithm::binary_div;
        case ElementwiseOp::Max:
            return dnnl::algorithm::binary_max;
        case ElementwiseOp::Min:
            return dnnl::algorithm::binary_min;
        default:
            return unsupported(std::string(toString(op)) + " has no oneDNN 2.6 binary form");
    }
}

bool isCommutative(ElementwiseOp op) {
    return op == ElementwiseOp::Add || op == ElementwiseOp::Mul || op == ElementwiseOp::Max ||
           op == ElementwiseOp::Min;
}

// `dims` with leading 1s up to `rank`, as numpy broadcasting aligns them.
Dims padRank(const Dims& dims, size_t rank) {
    Dims padded(rank - std::min(rank, dims.size()), 1);
    padded.insert(padded.end(), dims.begin(), dims.end());
    return padded;
}

Result<memory::desc> operandDesc(const Tensor& tensor, TensorFormat format, size_t rank, size_t index) {
    if (tensor.dims().size() == rank || format.isLinear())
        return activationDesc(padRank(tensor.dims(), rank), format);
    return unsupported("input " + std::to_string(index) +
                       " is blocked but of lower rank than the output; "
                       "broadcasting it would move its channel axis");
}

Result<std::shared_ptr<const Recipe>> binaryRecipe(const LayerConfig& config) {
    const Layer& layer = *config.layer;
    const ElementwiseOp op = layer.paramsAs<ElementwiseParams>().op;
    KILN_ASSIGN_OR_RETURN(dnnl::algorithm algorithm, binaryAlgorithm(op));
    const Dims& out = layer.output(0)->dims();
    const size_t rank = std::max<size_t>(out.size(), 1);
    const Dims outDims = padRank(out, rank);
    // oneDNN broadcasts only its second source: the full-sized input goes first, which for a
    // non-commutative op must be input 0.
    size_t first = 0;
    if (padRank(layer.input(0)->dims(), rank) != outDims) {
        if (padRank(layer.input(1)->dims(), rank) != outDims || !isCommutative(op)) {
            return unsupported(std::string("oneDNN binary broadcasts only its second source; ") +
                               toString(op) + " of " + toString(layer.input(0)->dims()) + " and " +
                               toString(layer.input(1)->dims()) + " would need the first broadcast");
        }
        first = 1;
    }
    const size_t second = 1 - first;
    KILN_ASSIGN_OR_RETURN(memory::desc src0,
                          operandDesc(*layer.input(first), config.inputFormats[first], rank, first));
    KILN_ASSIGN_OR_RETURN(memory::desc src1,
                          operandDesc(*layer.input(second), config.inputFormats[second], rank, second));
    KILN_ASSIGN_OR_RETURN(memory::desc dst, activationDesc(outDims, config.outputFormats[0]));
    dnnl::binary::desc desc(algorithm, src0, src1, dst);
    return std::shared_ptr<const Recipe>(std::make_shared<SimpleRecipe>(
        "binary", pdFactory<dnnl::binary>(desc, makeAttr()),
        std::vector<Operand>{{DNNL_ARG_SRC_1, src1, Operand::Source::Input, second}}, first));
}

}  // namespace

void enumerateActivation(const LayerConfig& config, TacticList& tactics, SkippedList& skipped) {
    enumerateRecipe(
        "eltwise", config,
        [](const LayerConfig& c) -> Result<std::shared_ptr<const Recipe>> {
            KILN_ASSIGN_OR_RETURN(std::vector<EltwiseStep> steps,
                                  eltwiseSteps(c.layer->paramsAs<ActivationParams>()));
            return eltwiseRecipe(c, std::move(steps));
        },
        tactics, skipped);
}

void enumerateUnary(const LayerConfig& config, TacticList& tactics, SkippedList& skipped) {
    enumerateRecipe(
        "eltwise", config,
        [](const LayerConfig& c) -> Result<std::shared_ptr<const Recipe>> {
            KILN_ASSIGN_OR_RETURN(std::vector<EltwiseStep> steps,
                                  unarySteps(c.layer->paramsAs<UnaryParams>().op));
            return eltwiseRecipe(c, std::move(steps));
        },
        tactics, skipped);
}

void enumerateElementwise(const LayerConfig& config, TacticList& tactics, SkippedList& skipped) {
    enumerateRecipe("binary", config, binaryRecipe, tactics, skipped);
}

}  // namespace kiln::cpu::onednn

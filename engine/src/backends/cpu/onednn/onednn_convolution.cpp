// oneDNN tactics for Convolution (direct and Winograd) and Deconvolution. The weights are reordered at
// build time into the layout the chosen implementation asks for (format "any"), so a run reads them
// as they are. A fused residual is oneDNN's sum post-op: the residual is copied into the output first
// (nothing to copy when the two already share memory), then the convolution adds onto it; the fused
// activation follows as eltwise post-ops. Split outputs run one primitive per output on the slice of
// weights and bias that output holds. The same recipe runs BF16 layers (activations stored in bfloat16,
// weights reordered to bfloat16, FP32 bias and accumulation) on CPUs with BF16 instructions.
#include <algorithm>

#include "backends/cpu/onednn/onednn_common.h"
#include "backends/cpu/onednn/onednn_provider.h"
#include "backends/cpu/onednn/onednn_recipes.h"

namespace kiln::cpu::onednn {
namespace {

using dnnl::memory;
using tactics::LayerConfig;
using tactics::WeightBlob;

// The output channels one primitive computes and the output tensor that holds them.
struct ConvPart {
    int64_t firstChannel = 0;
    int64_t channels = 0;
    memory::desc dst;
    // The channels the primitive computes: `channels`, or the whole last block of a blocked output
    // (see paddedChannels), with zero weights and bias in the padded ones.
    int64_t computed = 0;
};

// Whether `activation` maps zero to zero, so that padded lanes computed from zero weights and bias stay
// zero as blocked tensors require.
bool keepsZero(const std::optional<ActivationParams>& activation) {
    if (!activation) return true;
    switch (activation->type) {
        case ActivationType::Relu:
        case ActivationType::LeakyRelu:
        case ActivationType::Tanh:
        case ActivationType::HardSwish:
        case ActivationType::Elu:
        case ActivationType::Selu:
        case ActivationType::Gelu:
        case ActivationType::GeluTanh:
            return true;
        case ActivationType::Clip:
            return activation->alpha <= 0.0f && activation->beta >= 0.0f;
        case ActivationType::Sigmoid:
        case ActivationType::HardSigmoid:
        case ActivationType::Softplus:
            return false;
    }
    return false;
}

// The output channels the primitive computes for output `index` of `layer`: a blocked output whose channels
// end in a partial block is computed whole, the padded channels from zero weights and bias, since oneDNN's
// kernels run a channel tail as a slower special case (its 1x1 kernel took a quarter longer for
// SqueezeNet's 1000-channel classifier than for 1008 channels, at batch 8 on AVX-512) while the blocked
// tensor's memory holds the whole block either way. Not for split outputs, groups, a fused residual
// (read in the output's dims), a bias computed at run time, or an activation that does not keep zero.
int64_t paddedChannels(const Layer& layer, const ConvolutionParams& p, size_t index, TensorFormat output) {
    const int64_t channels = layer.output(index)->dims()[1];
    const Tensor* bias = layer.input(2);
    const bool padded = output.isBlocked() && p.groups == 1 && layer.outputs().size() == 1 &&
                        !layer.input(3) && (!bias || bias->isConstant()) && keepsZero(p.activation);
    return padded ? (channels + output.channelBlock - 1) / output.channelBlock * output.channelBlock
                  : channels;
}

class ConvolutionRecipe final : public Recipe {
public:
    // `type`: the activations' and weights' type in memory (f32, or bf16 for BF16 layers).
    static Result<std::shared_ptr<const Recipe>> create(const LayerConfig& config, dnnl::algorithm algorithm,
                                                        memory::data_type type = memory::data_type::f32) {
        const Layer& layer = *config.layer;
        const auto& p = layer.paramsAs<ConvolutionParams>();
        auto recipe = std::make_shared<ConvolutionRecipe>();
        recipe->m_algorithm = algorithm;
        recipe->m_type = type;
        const Tensor* weights = layer.input(1);
        if (!weights->isConstant())
            return unsupported("needs constant weights (input 1 is computed at run time)");
        recipe->m_weights = weights->constantData();
        recipe->m_groups = p.groups;
        recipe->m_weightDims = weights->dims();
        if (const Tensor* bias = layer.input(2)) {
            recipe->m_hasBias = true;
            recipe->m_bias = bias->isConstant() ? bias->constantData() : nullptr;
        }
        KILN_ASSIGN_OR_RETURN(recipe->m_src, activationDesc(layer.input(0)->dims(), config.inputFormats[0], type));
        recipe->m_window = windowOf(p.strides, p.pads, p.dilations);
        if (p.outputChannels.size() > 1 && p.groups != 1) {
            return unsupported("split outputs of a grouped convolution (groups " + std::to_string(p.groups) +
                               ") are not offered: a split need not fall on a group boundary");
        }
        int64_t first = 0;
        for (size_t i = 0; i < layer.outputs().size(); ++i) {
            const Tensor* output = layer.outputs()[i];
            const int64_t computed = paddedChannels(layer, p, i, config.outputFormats[i]);
            Dims dims = output->dims();
            dims[1] = computed;
            KILN_ASSIGN_OR_RETURN(memory::desc dst, activationDesc(dims, config.outputFormats[i], type));
            recipe->m_parts.push_back({first, output->dims()[1], dst, computed});
            first += output->dims()[1];
        }
        dnnl::post_ops ops;
        if (const Tensor* residual = layer.input(3)) {
            KILN_ASSIGN_OR_RETURN(recipe->m_residual,
                                  activationDesc(residual->dims(), config.inputFormats[3], type));
            recipe->m_residualSameFormat = config.inputFormats[3] == config.outputFormats[0];
            ops.append_sum(1.0f);
        }
        if (p.activation) {
            KILN_ASSIGN_OR_RETURN(std::vector<EltwiseStep> steps, eltwiseSteps(*p.activation));
            appendEltwise(ops, steps);
        }
        const dnnl::primitive_attr attr = makeAttr(ops);
        for (const ConvPart& part : recipe->m_parts)
            recipe->m_factories.push_back(recipe->factory(part, attr));
        return std::shared_ptr<const Recipe>(std::move(recipe));
    }

    std::string primitive() const override {
        const std::string name =
            m_algorithm == dnnl::algorithm::convolution_winograd ? "convolution_winograd" : "convolution";
        return m_type == memory::data_type::bf16 ? name + "_bf16" : name;
    }
    size_t partCount() const override { return m_parts.size(); }

    dnnl::primitive_desc makePd(size_t part) const override { return m_factories[part](); }

    Result<std::vector<WeightBlob>> prepareWeights(
        const std::vector<dnnl::primitive_desc>& pds) const override {
        std::vector<WeightBlob> blobs;
        const int64_t perOutputChannel = volume(m_weightDims) / m_weightDims[0];
        for (size_t part = 0; part < m_parts.size(); ++part) {
            const ConvPart& cp = m_parts[part];
            const float* slice = m_weights->data<float>() + cp.firstChannel * perOutputChannel;
            // Padded channels: zero weights and bias after the real ones.
            std::vector<float> padded;
            if (cp.computed > cp.channels) {
                padded.assign(size_t(cp.computed * perOutputChannel), 0.0f);
                std::copy(slice, slice + cp.channels * perOutputChannel, padded.begin());
                slice = padded.data();
            }
            blobs.push_back(reorderToBlob(slice, plainDesc(weightDims(cp)), pds[part].weights_desc(0)));
            if (m_bias) {
                std::vector<float> bias(size_t(cp.computed), 0.0f);
                std::copy_n(m_bias->data<float>() + cp.firstChannel, cp.channels, bias.begin());
                const auto* first = reinterpret_cast<const std::byte*>(bias.data());
                blobs.emplace_back(first, first + bias.size() * sizeof(float));
            }
        }
        return blobs;
    }

    Result<std::vector<Step>> makeSteps(const std::vector<dnnl::primitive_desc>& pds,
                                        const std::vector<WeightBlob>& blobs) const override {
        const size_t perPart = m_bias ? 2 : 1;
        if (blobs.size() != m_parts.size() * perPart) {
            return invalidModel("the oneDNN " + primitive() + " tactic takes " +
                                std::to_string(m_parts.size() * perPart) + " weight blobs; got " +
                                std::to_string(blobs.size()));
        }
        std::vector<Step> steps;
        if (m_residual) {
            const dnnl::reorder::primitive_desc copy(cpuEngine(), *m_residual, cpuEngine(), m_parts[0].dst,
                                                     makeAttr());
            Step step{dnnl::reorder(copy),
                      {{DNNL_ARG_FROM, *m_residual, Operand::Source::Input, 3},
                       {DNNL_ARG_TO, m_parts[0].dst, Operand::Source::Output, 0}},
                      copy.scratchpad_desc(),
                      std::pair<size_t, size_t>{3, 0},
                      m_residualSameFormat};
            steps.push_back(std::move(step));
        }
        for (size_t part = 0; part < m_parts.size(); ++part) {
            const ConvPart& cp = m_parts[part];
            const dnnl::primitive_desc& pd = pds[part];
            const size_t weightsBlob = part * perPart;
            KILN_RETURN_IF_ERROR(checkBlobSize(blobs[weightsBlob], pd.weights_desc(0).get_size(),
                                               "weight blob " + std::to_string(weightsBlob)));
            Step step;
            step.primitive = dnnl::primitive(pd);
            step.operands.push_back({DNNL_ARG_SRC, pd.src_desc(0), Operand::Source::Input, 0});
            step.operands.push_back(
                {DNNL_ARG_WEIGHTS, pd.weights_desc(0), Operand::Source::Blob, weightsBlob});
            if (m_hasBias) {
                const memory::desc bias({cp.computed}, memory::data_type::f32, memory::format_tag::a);
                if (m_bias) {
                    KILN_RETURN_IF_ERROR(checkBlobSize(blobs[weightsBlob + 1], bias.get_size(),
                                                       "bias blob " + std::to_string(weightsBlob + 1)));
                    step.operands.push_back({DNNL_ARG_BIAS, bias, Operand::Source::Blob, weightsBlob + 1});
                } else {
                    step.operands.push_back({DNNL_ARG_BIAS, bias, Operand::Source::Input, 2,
                                             cp.firstChannel * int64_t(sizeof(float))});
                }
            }
            step.operands.push_back({DNNL_ARG_DST, pd.dst_desc(0), Operand::Source::Output, part});
            step.scratchpad = pd.scratchpad_desc();
            steps.push_back(std::move(step));
        }
        return steps;
    }

private:
    PdFactory factory(const ConvPart& cp, const dnnl::primitive_attr& attr) const {
        const memory::desc weights(weightDims(cp), m_type, memory::format_tag::any);
        const memory::desc bias =
            m_hasBias ? memory::desc({cp.computed}, memory::data_type::f32, memory::format_tag::a)
                      : memory::desc();
        dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference, m_algorithm, m_src, weights,
                                             bias, cp.dst, m_window.strides, m_window.dilates,
                                             m_window.padLeft, m_window.padRight);
        return pdFactory<dnnl::convolution_forward>(desc, attr);
    }

    // oneDNN's weight dims: [K, C, kernel...], or [groups, K / groups, C / groups, kernel...].
    memory::dims weightDims(const ConvPart& cp) const {
        memory::dims dims;
        if (m_groups > 1) {
            dims = {m_groups, cp.channels / m_groups, m_weightDims[1]};
        } else {
            dims = {cp.computed, m_weightDims[1]};
        }
        dims.insert(dims.end(), m_weightDims.begin() + 2, m_weightDims.end());
        return dims;
    }

    dnnl::algorithm m_algorithm = dnnl::algorithm::convolution_direct;
    memory::data_type m_type = memory::data_type::f32;
    std::shared_ptr<const HostTensor> m_weights;
    Dims m_weightDims;
    int64_t m_groups = 1;
    bool m_hasBias = false;
    std::shared_ptr<const HostTensor> m_bias;  // null when the bias is computed at run time
    memory::desc m_src;
    Window m_window;
    std::vector<ConvPart> m_parts;
    std::optional<memory::desc> m_residual;
    bool m_residualSameFormat = true;
    std::vector<PdFactory> m_factories;
};

// Deconvolution: Kiln's weights [C, K / groups, kernel...] are oneDNN's [K, C, kernel...] (or
// [groups, K / groups, C / groups, kernel...]) read with transposed strides while reordering.
class DeconvolutionRecipe final : public Recipe {
public:
    static Result<std::shared_ptr<const Recipe>> create(const LayerConfig& config) {
        const Layer& layer = *config.layer;
        const auto& p = layer.paramsAs<DeconvolutionParams>();
        auto recipe = std::make_shared<DeconvolutionRecipe>();
        const Tensor* weights = layer.input(1);
        if (!weights->isConstant())
            return unsupported("needs constant weights (input 1 is computed at run time)");
        recipe->m_weights = weights->constantData();
        recipe->m_groups = p.groups;
        if (const Tensor* bias = layer.input(2)) {
            recipe->m_hasBias = true;
            recipe->m_bias = bias->isConstant() ? bias->constantData() : nullptr;
        }
        KILN_ASSIGN_OR_RETURN(recipe->m_src, activationDesc(layer.input(0)->dims(), config.inputFormats[0]));
        KILN_ASSIGN_OR_RETURN(recipe->m_dst,
                              activationDesc(layer.output(0)->dims(), config.outputFormats[0]));
        recipe->m_outputChannels = layer.output(0)->dims()[1];
        // oneDNN checks the output extent as (out - dilated kernel + pads) / stride + 1 == in, which
        // rounds an output padding below the stride away: such padding needs no change to the pads.
        for (size_t i = 0; i < p.outputPadding.size(); ++i) {
            if (p.outputPadding[i] >= p.strides[i]) {
                return unsupported("output padding " + std::to_string(p.outputPadding[i]) +
                                   " on spatial axis " + std::to_string(i) + " is not below the stride " +
                                   std::to_string(p.strides[i]) + "; oneDNN cannot express it");
            }
        }
        const Window window = windowOf(p.strides, p.pads, p.dilations);
        const memory::desc weightsAny(recipe->logicalWeightDims(), memory::data_type::f32,
                                      memory::format_tag::any);
        const memory::desc bias =
            recipe->m_hasBias
                ? memory::desc({recipe->m_outputChannels}, memory::data_type::f32, memory::format_tag::a)
                : memory::desc();
        dnnl::deconvolution_forward::desc desc(
            dnnl::prop_kind::forward_inference, dnnl::algorithm::deconvolution_direct, recipe->m_src,
            weightsAny, bias, recipe->m_dst, window.strides, window.dilates, window.padLeft, window.padRight);
        recipe->m_factory = pdFactory<dnnl::deconvolution_forward>(desc, makeAttr());
        return std::shared_ptr<const Recipe>(std::move(recipe));
    }

    std::string primitive() const override { return "deconvolution"; }
    dnnl::primitive_desc makePd(size_t) const override { return m_factory(); }

    Result<std::vector<WeightBlob>> prepareWeights(
        const std::vector<dnnl::primitive_desc>& pds) const override {
        std::vector<WeightBlob> blobs;
        blobs.push_back(reorderToBlob(m_weights->data<float>(), kilnWeightsDesc(), pds[0].weights_desc(0)));
        if (m_bias) {
            const auto* first = reinterpret_cast<const std::byte*>(m_bias->data<float>());
            blobs.emplace_back(first, first + m_bias->byteSize());
        }
        return blobs;
    }

    Result<std::vector<Step>> makeSteps(const std::vector<dnnl::primitive_desc>& pds,
                                        const std::vector<WeightBlob>& blobs) const override {
        const size_t expected = m_bias ? 2 : 1;
        if (blobs.size() != expected) {
            return invalidModel("the oneDNN deconvolution tactic takes " + std::to_string(expected) +
                                " weight blobs; got " + std::to_string(blobs.size()));
        }
        const dnnl::primitive_desc& pd = pds[0];
        KILN_RETURN_IF_ERROR(checkBlobSize(blobs[0], pd.weights_desc(0).get_size(), "weight blob 0"));
        Step step;
        step.primitive = dnnl::primitive(pd);
        step.operands.push_back({DNNL_ARG_SRC, pd.src_desc(0), Operand::Source::Input, 0});
        step.operands.push_back({DNNL_ARG_WEIGHTS, pd.weights_desc(0), Operand::Source::Blob, 0});
        if (m_hasBias) {
            const memory::desc bias({m_outputChannels}, memory::data_type::f32, memory::format_tag::a);
            if (m_bias) {
                KILN_RETURN_IF_ERROR(checkBlobSize(blobs[1], bias.get_size(), "bias blob 1"));
                step.operands.push_back({DNNL_ARG_BIAS, bias, Operand::Source::Blob, 1});
            } else {
                step.operands.push_back({DNNL_ARG_BIAS, bias, Operand::Source::Input, 2});
            }
        }
        step.operands.push_back({DNNL_ARG_DST, pd.dst_desc(0), Operand::Source::Output, 0});
        step.scratchpad = pd.scratchpad_desc();
        std::vector<Step> steps;
        steps.push_back(std::move(step));
        return steps;
    }

private:
    memory::dims logicalWeightDims() const {
        const Dims& w = m_weights->dims();
        const int64_t inPerGroup = w[0] / m_groups;
        memory::dims dims =
            m_groups > 1 ? memory::dims{m_groups, w[1], inPerGroup} : memory::dims{w[1], w[0]};
        dims.insert(dims.end(), w.begin() + 2, w.end());
        return dims;
    }

    // Kiln's [groups][C / groups][K / groups][kernel...] memory described in oneDNN's logical order.
    memory::desc kilnWeightsDesc() const {
        const Dims& w = m_weights->dims();
        int64_t taps = 1;
        for (size_t axis = 2; axis < w.size(); ++axis)
            taps *= w[axis];
        const int64_t outPerGroup = w[1];
        const int64_t inPerGroup = w[0] / m_groups;
        memory::dims strides = m_groups > 1
                                   ? memory::dims{inPerGroup * outPerGroup * taps, taps, outPerGroup * taps}
                                   : memory::dims{taps, outPerGroup * taps};
        int64_t stride = taps;
        for (size_t axis = 2; axis < w.size(); ++axis) {
            stride /= w[axis];
            strides.push_back(stride);
        }
        return memory::desc(logicalWeightDims(), memory::data_type::f32, strides);
    }

    std::shared_ptr<const HostTensor> m_weights;
    int64_t m_groups = 1;
    bool m_hasBias = false;
    std::shared_ptr<const HostTensor> m_bias;
    int64_t m_outputChannels = 0;
    memory::desc m_src;
    memory::desc m_dst;
    PdFactory m_factory;
};

}  // namespace

void enumerateConvolution(const LayerConfig& config, TacticList& tactics, SkippedList& skipped) {
    enumerateRecipe(
        "convolution", config,
        [](const LayerConfig& c) {
            return ConvolutionRecipe::create(c, dnnl::algorithm::convolution_direct);
        },
        tactics, skipped);
    if (config.layer->input(0)->dims().size() != 4) {
        return skip("convolution_winograd", "Winograd convolution is 2-D only", skipped);
    }
    enumerateRecipe(
        "convolution_winograd", config,
        [](const LayerConfig& c) {
            return ConvolutionRecipe::create(c, dnnl::algorithm::convolution_winograd);
        },
        tactics, skipped);
}

void enumerateBf16Convolution(const LayerConfig& config, TacticList& tactics, SkippedList& skipped) {
    const std::string primitive = "convolution_bf16";
    const Layer& layer = *config.layer;
    if (config.precision != DataType::BFloat16) return skip(primitive, "runs BF16 layers only", skipped);
    for (size_t i = 0; i < layer.inputs().size(); ++i) {
        const Tensor* input = layer.input(i);
        if (!input || input->isConstant()) continue;
        if (input->type() != DataType::Float32 || config.inputFormats[i].storage != DataType::BFloat16) {
            return skip(primitive, "needs every activation stored in BF16; input " + std::to_string(i) + " is not", skipped);
        }
        if (volume(input->dims()) == 0) return skip(primitive, "input " + std::to_string(i) + " is empty", skipped);
    }
    for (size_t i = 0; i < layer.outputs().size(); ++i) {
        if (config.outputFormats[i].storage != DataType::BFloat16) {
            return skip(primitive, "needs every activation stored in BF16; output " + std::to_string(i) + " is not", skipped);
        }
    }
    if (!onednnHasBf16()) {
        return skip(primitive, "this CPU has no BF16 instructions (AVX-512 BF16); the simulated BF16 tactics run it",
                    skipped);
    }
    enumerateCheckedRecipe(
        primitive, config,
        [](const LayerConfig& c) {
            return ConvolutionRecipe::create(c, dnnl::algorithm::convolution_direct, memory::data_type::bf16);
        },
        tactics, skipped);
}

void enumerateDeconvolution(const LayerConfig& config, TacticList& tactics, SkippedList& skipped) {
    enumerateRecipe("deconvolution", config, DeconvolutionRecipe::create, tactics, skipped);
}

}  // namespace kiln::cpu::onednn

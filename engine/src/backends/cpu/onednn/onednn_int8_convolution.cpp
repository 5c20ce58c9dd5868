// oneDNN INT8 convolutions for layers whose data input is stored in INT8: s8 weights quantized per
// output channel at build time, s32 accumulation, the output written in INT8 (requantized with its own
// scale) or FP32. oneDNN 2.6's INT8 convolutions on AVX2 and AVX-512 read and write dense channels-last
// tensors only (for nChw<b>c and NCHW tensors only its reference implementation exists). The CPU
// backend stores INT8 tensors channels-last, so between INT8 convolutions the kernel is the
// convolution alone: it reads input 0 where it lies and writes output 0 in place, a fused residual
// being copied into the output first unless the memory planner already put the output over it. Any
// other format goes through the workspace: the input is reordered into a channels-last copy, the
// residual placed into a channels-last buffer that the convolution accumulates into, and a last
// reorder writes the output's format (zeroing its padded lanes).
//
// The arithmetic. An INT8 tensor holds q with x = q * s (s = range / 127, symmetric); the weights of
// output channel k are w = q_w * s_k with s_k = max|w_k| / 127. The convolution sums acc = sum q_x q_w
// exactly in s32, which stands for s_x s_k acc. oneDNN 2.x adds the bias to acc before it applies the
// output scales, so the bias blob holds bias_k / (s_x s_k); the output scales s_x s_k (one per output
// channel) then give real values, in which the post-ops work: the sum of the residual (scaled by its own
// INT8 scale when it is INT8), the fused activation, and for an INT8 output a multiplication by
// 1 / s_out and a clip to Kiln's symmetric range [-127, 127] (a plain conversion would let -128 through).
//
// Signed and unsigned inputs. Without VNNI, oneDNN multiplies u8 by s8 (vpmaddubsw): an s8 input is
// shifted to u8 with a compensation term, and the weights are halved to keep the pairwise sums from
// saturating, which leaves them 7 significant bits (steps of 2 s_k). An input that is never negative
// (a ReLU's output) has the same bytes read as u8, which needs neither: the "_unsigned" tactics do that,
// with full 8-bit weights, and are the only ones offered for such inputs.
#include <algorithm>
#include <cfloat>
#include <cmath>

#include "backends/cpu/onednn/onednn_common.h"
#include "backends/cpu/onednn/onednn_recipes.h"
#include "kiln/calibration.h"

namespace kiln::cpu::onednn {
namespace {

using dnnl::memory;
using tactics::LayerConfig;
using tactics::WeightBlob;

constexpr const char* kSignedPrimitive = "convolution_int8";
constexpr const char* kUnsignedPrimitive = "convolution_int8_unsigned";

int64_t alignUp(int64_t bytes) { return (bytes + 63) / 64 * 64; }

// Whether an activation never produces negative values.
bool isNonNegative(const ActivationParams& a) {
    switch (a.type) {
        case ActivationType::Relu:
        case ActivationType::Sigmoid:
        case ActivationType::HardSigmoid:
        case ActivationType::Softplus:
            return true;
        case ActivationType::Clip:
            return a.alpha >= 0.0f;
        default:
            return false;
    }
}

// Whether every value of `tensor` is >= 0 by construction: the output of a non-negative activation
// (alone or fused into a convolution), a reformat, pooling or reshape of such a tensor, or a concat of
// such tensors only. INT8 storage rounds such values to q >= 0, whose s8 bytes read as u8 are the same
// numbers.
bool neverNegative(const Tensor& tensor) {
    const Layer* producer = tensor.producer();
    if (!producer) return false;
    switch (producer->kind()) {
        case LayerKind::Convolution: {
            const auto& activation = producer->paramsAs<ConvolutionParams>().activation;
            return activation && isNonNegative(*activation);
        }
        case LayerKind::Activation:
            return isNonNegative(producer->paramsAs<ActivationParams>());
        case LayerKind::Reformat:
        case LayerKind::Pooling:
        case LayerKind::Reshape:
            return producer->input(0) && neverNegative(*producer->input(0));
        case LayerKind::Concat:
            return std::all_of(producer->inputs().begin(), producer->inputs().end(),
                               [](const Tensor* input) { return input && neverNegative(*input); });
        default:
            return false;
    }
}

// The channels-last tag of a rank-3 to rank-5 activation: oneDNN's INT8 convolutions' only layout.
memory::format_tag channelsLastTag(size_t rank) {
    return rank == 3 ? memory::format_tag::nwc : rank == 4 ? memory::format_tag::nhwc : memory::format_tag::ndhwc;
}

// The INT8 scale of a tensor stored in INT8, or why it has none.
Result<float> int8Scale(const Tensor& tensor, const std::string& role) {
    const std::optional<float>& range = tensor.dynamicRange();
    if (!range || !(*range > 0.0f) || !std::isfinite(*range)) {
        return unsupported(role + " is stored in INT8 without a positive calibrated range");
    }
    return *range / 127.0f;
}

// Refuses what these tactics cannot run: tensors other than FP32 ones stored in FP32 or INT8, empty
// tensors, computed weights or bias, split outputs.
Status checkConfig(const LayerConfig& config) {
    const Layer& layer = *config.layer;
    if (config.inputFormats.size() != layer.inputs().size() ||
        config.outputFormats.size() != layer.outputs().size()) {
        return unsupported("the configuration lists " + std::to_string(config.inputFormats.size()) +
                           " input and " + std::to_string(config.outputFormats.size()) +
                           " output formats for a layer with " + std::to_string(layer.inputs().size()) +
                           " inputs and " + std::to_string(layer.outputs().size()) + " outputs");
    }
    auto check = [](const Tensor* tensor, const TensorFormat& format, const std::string& role) -> Status {
        if (!tensor) return Status::ok();
        if (tensor->type() != DataType::Float32) {
            return unsupported("needs FP32 tensors; " + role + " is " + toString(tensor->type()));
        }
        if (format.storage && format.storage != DataType::Int8) {
            return unsupported("reads and writes tensors stored in INT8 or FP32; " + role + " is stored in " +
                               toString(*format.storage));
        }
        if (volume(tensor->dims()) == 0) return unsupported(role + " is empty");
        return Status::ok();
    };
    for (size_t i = 0; i < layer.inputs().size(); ++i) {
        KILN_RETURN_IF_ERROR(check(layer.input(i), config.inputFormats[i], "input " + std::to_string(i)));
    }
    for (size_t i = 0; i < layer.outputs().size(); ++i) {
        KILN_RETURN_IF_ERROR(check(layer.output(i), config.outputFormats[i], "output " + std::to_string(i)));
    }
    if (layer.outputs().size() > 1) {
        return unsupported("split outputs are not offered in INT8: each output has a scale of its own");
    }
    if (!layer.input(1)->isConstant()) return unsupported("needs constant weights (input 1 is computed at run time)");
    if (layer.input(2) && !layer.input(2)->isConstant()) {
        return unsupported("needs a constant bias: oneDNN 2.x adds the bias to the INT32 sums, so it is "
                           "divided by the input and weight scales when the weights are prepared");
    }
    const size_t rank = layer.input(0)->dims().size();
    if (rank < 3 || rank > 5) return unsupported("takes 1-D to 3-D convolutions");
    return Status::ok();
}

class Int8ConvolutionRecipe final : public Recipe {
public:
    static Result<std::shared_ptr<const Recipe>> create(const LayerConfig& config, bool unsignedInput) {
        KILN_RETURN_IF_ERROR(checkConfig(config));
        const Layer& layer = *config.layer;
        const auto& p = layer.paramsAs<ConvolutionParams>();
        auto recipe = std::make_shared<Int8ConvolutionRecipe>();
        recipe->m_unsigned = unsignedInput;
        recipe->m_weights = layer.input(1)->constantData();
        recipe->m_groups = p.groups;
        if (const Tensor* bias = layer.input(2)) recipe->m_bias = bias->constantData();

        const Tensor& input = *layer.input(0);
        const Tensor& output = *layer.output(0);
        const size_t rank = input.dims().size();
        const memory::format_tag nhwc = channelsLastTag(rank);
        KILN_ASSIGN_OR_RETURN(recipe->m_inputScale, int8Scale(input, "input 0"));
        const memory::data_type srcType = unsignedInput ? memory::data_type::u8 : memory::data_type::s8;
        KILN_ASSIGN_OR_RETURN(recipe->m_input, activationDesc(input.dims(), config.inputFormats[0], srcType));
        recipe->m_src = memory::desc(toDnnlDims(input.dims()), srcType, nhwc);

        const bool int8Output = config.outputFormats[0].storage == DataType::Int8;
        float outputScale = 1.0f;
        if (int8Output) {
            KILN_ASSIGN_OR_RETURN(outputScale, int8Scale(output, "output 0"));
        }
        KILN_ASSIGN_OR_RETURN(recipe->m_output,
                              activationDesc(output.dims(), config.outputFormats[0],
                                             int8Output ? memory::data_type::s8 : memory::data_type::f32));

        // The residual sits where the convolution writes, in the convolution's type: an INT8 residual
        // stays INT8 under an INT8 output (the sum post-op scales it), anything else is FP32.
        dnnl::post_ops ops;
        bool int8Destination = int8Output;
        if (const Tensor* residual = layer.input(3)) {
            const bool int8Residual = config.inputFormats[3].storage == DataType::Int8;
            float residualScale = 1.0f;
            if (int8Residual) {
                KILN_ASSIGN_OR_RETURN(residualScale, int8Scale(*residual, "input 3 (the residual)"));
            }
            KILN_ASSIGN_OR_RETURN(recipe->m_residual,
                                  activationDesc(residual->dims(), config.inputFormats[3],
                                                 int8Residual ? memory::data_type::s8 : memory::data_type::f32));
            int8Destination = int8Output && int8Residual;
            // Into an FP32 destination an INT8 residual is dequantized by the copy; into an INT8 one it
            // is copied as it is and the sum scales it into real values.
            recipe->m_residualCopyScale = int8Residual && !int8Destination ? residualScale : 1.0f;
            ops.append_sum(int8Destination ? residualScale : 1.0f);
        }
        // Into an INT8 output the result is scaled by 1 / s_out and clipped to [-127, 127]. A fused Clip
        // joins that last clip: oneDNN 2.6's jit INT8 kernels write wrong values (near zero) for a
        // clip post-op followed by another clip, with or without a scale between them.
        float low = -127.0f, high = 127.0f;
        const bool clipActivation = int8Output && p.activation && p.activation->type == ActivationType::Clip;
        if (clipActivation) {
            low = std::max(low, p.activation->alpha / outputScale);
            high = std::min(high, p.activation->beta / outputScale);
        } else if (p.activation) {
            KILN_ASSIGN_OR_RETURN(std::vector<EltwiseStep> steps, eltwiseSteps(*p.activation));
            appendEltwise(ops, steps);
        }
        if (int8Output) {
            ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_linear, 1.0f / outputScale, 0.0f);
            ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip, low, high);
        }
        recipe->m_destination = memory::desc(toDnnlDims(output.dims()),
                                             int8Destination ? memory::data_type::s8 : memory::data_type::f32,
                                             nhwc);

        recipe->m_weightScales = weightScales(*recipe->m_weights);
        KILN_RETURN_IF_ERROR(recipe->checkScales());
        std::vector<float> outputScales;
        for (float s : recipe->m_weightScales) outputScales.push_back(recipe->m_inputScale * s);
        dnnl::primitive_attr attr = makeAttr(ops);
        attr.set_output_scales(1 << 1, outputScales);  // one scale per output channel (dst dim 1)

        const int64_t channels = output.dims()[1];
        const memory::desc weights(recipe->weightDims(), memory::data_type::s8, memory::format_tag::any);
        const memory::desc bias = recipe->m_bias ? memory::desc({channels}, memory::data_type::f32,
                                                                memory::format_tag::a)
                                                 : memory::desc();
        const Window window = windowOf(p.strides, p.pads, p.dilations);
        dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference,
                                             dnnl::algorithm::convolution_direct, recipe->m_src, weights, bias,
                                             recipe->m_destination, window.strides, window.dilates,
                                             window.padLeft, window.padRight);
        recipe->m_factory = pdFactory<dnnl::convolution_forward>(desc, attr);
        // Channels-last tensors in the convolution's types are read and written where they are.
        recipe->m_inputInPlace = recipe->m_input == recipe->m_src;
        recipe->m_outputInPlace = recipe->m_output == recipe->m_destination;
        recipe->m_residualIsCopy = recipe->m_residual && *recipe->m_residual == recipe->m_destination &&
                                   recipe->m_residualCopyScale == 1.0f;
        const int64_t srcBytes = recipe->m_inputInPlace ? 0 : alignUp(int64_t(recipe->m_src.get_size()));
        recipe->m_destinationOffset = srcBytes;
        recipe->m_bufferBytes =
            srcBytes + (recipe->m_outputInPlace ? 0 : alignUp(int64_t(recipe->m_destination.get_size())));
        return std::shared_ptr<const Recipe>(std::move(recipe));
    }

    std::string primitive() const override { return m_unsigned ? kUnsignedPrimitive : kSignedPrimitive; }
    dnnl::primitive_desc makePd(size_t) const override { return m_factory(); }
    int64_t bufferBytes() const override { return m_bufferBytes; }
    // The weights' values give the per-channel output scales of the primitive itself.
    std::vector<size_t> constantsRead() const override { return {1}; }

    // The weights quantized into the implementation's layout (the reorder divides each output channel
    // by its scale, rounds and, for a signed input, adds oneDNN's compensation), and the bias in
    // accumulator units.
    Result<std::vector<WeightBlob>> prepareWeights(
        const std::vector<dnnl::primitive_desc>& pds) const override {
        std::vector<float> inverse;
        for (float s : m_weightScales) inverse.push_back(1.0f / s);
        dnnl::primitive_attr attr;
        attr.set_output_scales(m_groups > 1 ? 0b11 : 0b1, inverse);  // per output channel: (g, k) or k
        const memory::desc source = plainDesc(weightDims());
        const memory::desc target = pds[0].weights_desc(0);
        WeightBlob weights(target.get_size());
        dnnl::memory from(source, cpuEngine(), const_cast<float*>(m_weights->data<float>()));
        dnnl::memory to(target, cpuEngine(), weights.mutableData());
        dnnl::stream stream(cpuEngine());
        dnnl::reorder(dnnl::reorder::primitive_desc(cpuEngine(), source, cpuEngine(), target, attr))
            .execute(stream, from, to);
        stream.wait();
        std::vector<WeightBlob> blobs;
        blobs.push_back(std::move(weights));
        if (m_bias) {
            std::vector<float> bias(m_weightScales.size());
            for (size_t k = 0; k < bias.size(); ++k)
                bias[k] = m_bias->data<float>()[k] / (m_inputScale * m_weightScales[k]);
            const auto* first = reinterpret_cast<const std::byte*>(bias.data());
            blobs.emplace_back(first, first + bias.size() * sizeof(float));
        }
        return blobs;
    }

    Result<std::vector<Step>> makeSteps(const std::vector<dnnl::primitive_desc>& pds,
                                        const std::vector<WeightBlob>& blobs) const override {
        const size_t expected = m_bias ? 2 : 1;
        if (blobs.size() != expected) {
            return invalidModel("the oneDNN " + primitive() + " tactic takes " + std::to_string(expected) +
                                " weight blobs; got " + std::to_string(blobs.size()));
        }
        const dnnl::primitive_desc& pd = pds[0];
        KILN_RETURN_IF_ERROR(checkBlobSize(blobs[0], pd.weights_desc(0).get_size(), "weight blob 0"));
        if (m_bias) {
            KILN_RETURN_IF_ERROR(checkBlobSize(blobs[1], m_weightScales.size() * sizeof(float), "bias blob 1"));
        }
        using Source = Operand::Source;
        const Operand src = m_inputInPlace ? Operand{DNNL_ARG_SRC, m_src, Source::Input, 0}
                                           : Operand{DNNL_ARG_SRC, m_src, Source::Workspace, 0, 0};
        const Operand destination =
            m_outputInPlace ? Operand{DNNL_ARG_DST, m_destination, Source::Output, 0}
                            : Operand{DNNL_ARG_DST, m_destination, Source::Workspace, 0, m_destinationOffset};
        std::vector<Step> steps;
        if (!m_inputInPlace) {
            steps.push_back(reorderStep({DNNL_ARG_FROM, m_input, Source::Input, 0}, {DNNL_ARG_TO, src.desc,
                                                                                       src.source, 0, 0}));
        }
        if (m_residual) {
            Step place = reorderStep({DNNL_ARG_FROM, *m_residual, Source::Input, 3},
                                     {DNNL_ARG_TO, m_destination, destination.source, 0, destination.byteOffset},
                                     m_residualCopyScale);
            if (m_outputInPlace) {
                // Into the output itself: nothing to do when the residual already lies there (the
                // memory planner put the output over it), refused when it lies there in another form.
                place.copyOf = std::pair<size_t, size_t>{3, 0};
                place.aliasIsCopy = m_residualIsCopy;
            }
            steps.push_back(std::move(place));
        }
        Step conv;
        conv.primitive = dnnl::primitive(pd);
        conv.operands.push_back(src);
        conv.operands.push_back({DNNL_ARG_WEIGHTS, pd.weights_desc(0), Source::Blob, 0});
        if (m_bias) {
            conv.operands.push_back({DNNL_ARG_BIAS, memory::desc({int64_t(m_weightScales.size())},
                                                                 memory::data_type::f32, memory::format_tag::a),
                                     Source::Blob, 1});
        }
        conv.operands.push_back(destination);
        conv.scratchpad = pd.scratchpad_desc();
        steps.push_back(std::move(conv));
        if (!m_outputInPlace) {
            steps.push_back(reorderStep({DNNL_ARG_FROM, m_destination, Source::Workspace, 0, m_destinationOffset},
                                        {DNNL_ARG_TO, m_output, Source::Output, 0}));
        }
        return steps;
    }

private:
    // A reorder from `from` to `to`, multiplying by `scale`.
    static Step reorderStep(const Operand& from, const Operand& to, float scale = 1.0f) {
        dnnl::primitive_attr attr = makeAttr();
        if (scale != 1.0f) attr.set_output_scales(0, {scale});
        const dnnl::reorder::primitive_desc pd(cpuEngine(), from.desc, cpuEngine(), to.desc, attr);
        Step step;
        step.primitive = dnnl::reorder(pd);
        step.operands = {from, to};
        step.scratchpad = pd.scratchpad_desc();
        return step;
    }

    // The weights' 1 / s_k, the output scales s_x s_k and the bias in accumulator units, computed as
    // prepareWeights and create compute them, must be finite (the scales normal): weights or ranges at
    // the ends of the float range would otherwise make them 0 or infinite, and the channel's outputs 0,
    // infinite or NaN. Without VNNI oneDNN halves the weights of a signed input and doubles the output
    // scales to make up for it, so those must stay finite when doubled.
    Status checkScales() const {
        auto refuse = [&](size_t k, const std::string& what, float value) {
            return unsupported("output channel " + std::to_string(k) + "'s " + what + " is " +
                               formatInt8Value(value) + " (input scale " + formatInt8Value(m_inputScale) +
                               ", weight scale " + formatInt8Value(m_weightScales[k]) +
                               "): the layer is not run in INT8");
        };
        for (size_t k = 0; k < m_weightScales.size(); ++k) {
            const float weightScale = m_weightScales[k];
            if (!std::isnormal(weightScale)) {  // then 1 / s_k is finite too
                return refuse(k, "weight scale (max |w| / 127)", weightScale);
            }
            const float outputScale = m_inputScale * weightScale;
            if (!std::isnormal(outputScale) || !(outputScale <= FLT_MAX / 2)) {
                return refuse(k, "output scale", outputScale);
            }
            if (m_bias && !std::isfinite(m_bias->data<float>()[k] / outputScale)) {
                return refuse(k, "bias in INT32 units", m_bias->data<float>()[k] / outputScale);
            }
        }
        return Status::ok();
    }

    // max|w| / 127 for each output channel; 1 for a channel of zeros, and for one whose max|w| / 127 is
    // below the smallest normal float (max |w| under 1.5e-36: what pruning leaves as rounding dust),
    // whose weights then quantize to 0: the products dropped are under 1.5e-36 times an input each.
    // (Non-finite weights give a non-finite scale, which checkScales refuses.)
    static std::vector<float> weightScales(const HostTensor& weights) {
        const int64_t channels = weights.dims()[0];
        const int64_t perChannel = weights.elementCount() / channels;
        std::vector<float> scales;
        for (int64_t k = 0; k < channels; ++k) {
            const float* w = weights.data<float>() + k * perChannel;
            float largest = 0.0f;
            for (int64_t i = 0; i < perChannel; ++i) {
                const float magnitude = std::fabs(w[i]);
                largest = magnitude > largest || std::isnan(magnitude) ? magnitude : largest;  // NaN stays
            }
            const float scale = largest / 127.0f;
            scales.push_back(scale < FLT_MIN ? 1.0f : scale);
        }
        return scales;
    }

    // oneDNN's weight dims: [K, C, kernel...], or [groups, K / groups, C / groups, kernel...].
    memory::dims weightDims() const {
        const Dims& w = m_weights->dims();
        memory::dims dims = m_groups > 1 ? memory::dims{m_groups, w[0] / m_groups, w[1]} : memory::dims{w[0], w[1]};
        dims.insert(dims.end(), w.begin() + 2, w.end());
        return dims;
    }

    bool m_unsigned = false;
    std::shared_ptr<const HostTensor> m_weights;
    std::shared_ptr<const HostTensor> m_bias;
    int64_t m_groups = 1;
    float m_inputScale = 1.0f;
    std::vector<float> m_weightScales;
    memory::desc m_input;        // input 0 as Kiln lays it out
    memory::desc m_src;          // its channels-last copy in the workspace, or input 0 itself
    memory::desc m_destination;  // the convolution's channels-last result in the workspace, or output 0
    memory::desc m_output;       // output 0 as Kiln lays it out
    bool m_inputInPlace = false;   // input 0 is m_src: no copy
    bool m_outputInPlace = false;  // output 0 is m_destination: no copy
    std::optional<memory::desc> m_residual;
    float m_residualCopyScale = 1.0f;
    bool m_residualIsCopy = false;  // placing the residual is a plain copy (same layout, type and scale)
    int64_t m_destinationOffset = 0;
    int64_t m_bufferBytes = 0;
    PdFactory m_factory;
};

}  // namespace

void enumerateInt8Convolution(const LayerConfig& config, TacticList& tactics, SkippedList& skipped) {
    const bool unsignedInput = neverNegative(*config.layer->input(0));
    if (unsignedInput) {
        skip(kSignedPrimitive,
             "input 0 is never negative: the " + std::string(kUnsignedPrimitive) +
                 " tactics read it as unsigned, with 8-bit instead of 7-bit weights where there is no VNNI",
             skipped);
    }
    enumerateCheckedRecipe(
        unsignedInput ? kUnsignedPrimitive : kSignedPrimitive, config,
        [unsignedInput](const LayerConfig& c) { return Int8ConvolutionRecipe::create(c, unsignedInput); },
        tactics, skipped);
}

}  // namespace kiln::cpu::onednn

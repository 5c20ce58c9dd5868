// oneDNN tactics for Pooling (pooling_v2: max, average with or without the padding counted, ceil mode
// as extra end padding; dilated windows have only oneDNN's reference implementation in 2.6, so they
// are described but never offered) and LRN across channels. Both read and write linear, channel-blocked
// or channels-last activations; pooling also INT8 ones of one scale, and BF16 ones.
#include <algorithm>

#include "backends/cpu/onednn/onednn_common.h"
#include "backends/cpu/onednn/onednn_recipes.h"

namespace kiln::cpu::onednn {
namespace {

using dnnl::memory;
using tactics::LayerConfig;

Result<std::shared_ptr<const Recipe>> poolingRecipe(const LayerConfig& config,
                                                    memory::data_type type = memory::data_type::f32) {
    const Layer& layer = *config.layer;
    const auto& p = layer.paramsAs<PoolingParams>();
    const Dims& in = layer.input(0)->dims();
    const Dims& out = layer.output(0)->dims();
    if (in.size() < 3 || in.size() > 5) {
        return unsupported("oneDNN pools 1 to 3 spatial axes; the input has shape " + toString(in));
    }
    const bool isMax = p.type == PoolingType::Max;
    const size_t spatial = in.size() - 2;
    memory::dims strides, kernel, dilation, padLeft, padRight;
    for (size_t i = 0; i < spatial; ++i) {
        const int64_t dilated = (p.kernel[i] - 1) * p.dilations[i] + 1;
        const int64_t begin = p.pads[i];
        // Ceil mode: oneDNN rounds the output extent down, so the end padding grows until the last
        // window (which the output extent already counts) fits.
        const int64_t needed = (out[i + 2] - 1) * p.strides[i] + dilated - in[i + 2] - begin;
        const int64_t end = std::max(p.pads[i + spatial], needed);
        if (begin >= dilated || (out[i + 2] - 1) * p.strides[i] - begin >= in[i + 2]) {
            return unsupported("a pooling window on spatial axis " + std::to_string(i) +
                               " lies entirely in the padding, where oneDNN and Kiln disagree");
        }
        if (!isMax && p.countIncludePad && end > p.pads[i + spatial]) {
            return unsupported(
                "average pooling counting the padding with a ceil-mode window past the end padding: "
                "oneDNN divides by the whole kernel, Kiln by the taps inside the padded input");
        }
        strides.push_back(p.strides[i]);
        kernel.push_back(p.kernel[i]);
        dilation.push_back(p.dilations[i] - 1);
        padLeft.push_back(begin);
        padRight.push_back(end);
    }
    KILN_ASSIGN_OR_RETURN(memory::desc src, activationDesc(in, config.inputFormats[0], type));
    KILN_ASSIGN_OR_RETURN(memory::desc dst, activationDesc(out, config.outputFormats[0], type));
    const dnnl::algorithm algorithm = isMax               ? dnnl::algorithm::pooling_max
                                      : p.countIncludePad ? dnnl::algorithm::pooling_avg_include_padding
                                                          : dnnl::algorithm::pooling_avg_exclude_padding;
    dnnl::pooling_v2_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm, src, dst, strides,
                                        kernel, dilation, padLeft, padRight);
    return std::shared_ptr<const Recipe>(
        std::make_shared<SimpleRecipe>(type == memory::data_type::f32    ? "pooling"
                                       : type == memory::data_type::bf16 ? "pooling_bf16"
                                                                         : "pooling_int8",
                                       pdFactory<dnnl::pooling_v2_forward>(desc, makeAttr())));
}

// INT8 in and out with one scale (the builder gives a pooling's output its input's range): the INT8
// values are pooled as they are, a max exactly, an average rounded to the nearest step.
Result<std::shared_ptr<const Recipe>> int8PoolingRecipe(const LayerConfig& config) {
    const Layer& layer = *config.layer;
    if (config.inputFormats.size() != 1 || config.outputFormats.size() != 1 || layer.outputs().size() != 1) {
        return unsupported("pools one input into one output");
    }
    if (config.inputFormats[0].storage != DataType::Int8 || config.outputFormats[0].storage != DataType::Int8) {
        return unsupported("reads and writes tensors stored in INT8");
    }
    const auto inputRange = layer.input(0)->dynamicRange();
    if (!inputRange || inputRange != layer.output(0)->dynamicRange()) {
        return unsupported("the output is stored with another scale than the input");
    }
    return poolingRecipe(config, memory::data_type::s8);
}

// BF16 in and out: a max is exact, an average is summed in FP32 and rounded once, as the simulated
// BF16 pooling does.
Result<std::shared_ptr<const Recipe>> bf16PoolingRecipe(const LayerConfig& config) {
    const Layer& layer = *config.layer;
    if (config.inputFormats.size() != 1 || config.outputFormats.size() != 1 || layer.outputs().size() != 1) {
        return unsupported("pools one input into one output");
    }
    if (config.inputFormats[0].storage != DataType::BFloat16 || config.outputFormats[0].storage != DataType::BFloat16) {
        return unsupported("reads and writes tensors stored in BF16");
    }
    if (volume(layer.input(0)->dims()) == 0) return unsupported("the input is empty");
    return poolingRecipe(config, memory::data_type::bf16);
}

Result<std::shared_ptr<const Recipe>> lrnRecipe(const LayerConfig& config) {
    const Layer& layer = *config.layer;
    const auto& p = layer.paramsAs<LrnParams>();
    // oneDNN's window is c - (size - 1) / 2 ... c + (size - 1) / 2, one channel short of ONNX's for an
    // even size.
    if (p.size % 2 == 0) {
        return unsupported("LRN size " + std::to_string(p.size) +
                           " is even; oneDNN's window is symmetric and differs from ONNX's for even sizes");
    }
    if (config.inputFormats[0] != config.outputFormats[0]) {
        return unsupported("oneDNN LRN writes its output in the input's format; these differ");
    }
    KILN_ASSIGN_OR_RETURN(memory::desc data, activationDesc(layer.input(0)->dims(), config.inputFormats[0]));
    // oneDNN: dst = src / (k + alpha / size * sum of squares)^beta, the same alpha convention as ONNX.
    dnnl::lrn_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::lrn_across_channels,
                                 data, p.size, p.alpha, p.beta, p.bias);
    return std::shared_ptr<const Recipe>(
        std::make_shared<SimpleRecipe>("lrn", pdFactory<dnnl::lrn_forward>(desc, makeAttr())));
}

}  // namespace

void enumeratePooling(const LayerConfig& config, TacticList& tactics, SkippedList& skipped) {
    enumerateRecipe("pooling", config, [](const LayerConfig& c) { return poolingRecipe(c); }, tactics, skipped);
}

void enumerateInt8Pooling(const LayerConfig& config, TacticList& tactics, SkippedList& skipped) {
    enumerateCheckedRecipe("pooling_int8", config, int8PoolingRecipe, tactics, skipped);
}

void enumerateBf16Pooling(const LayerConfig& config, TacticList& tactics, SkippedList& skipped) {
    enumerateCheckedRecipe("pooling_bf16", config, bf16PoolingRecipe, tactics, skipped);
}

void enumerateLrn(const LayerConfig& config, TacticList& tactics, SkippedList& skipped) {
    enumerateRecipe("lrn", config, lrnRecipe, tactics, skipped);
}

}  // namespace kiln::cpu::onednn

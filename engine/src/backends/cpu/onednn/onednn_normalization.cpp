// oneDNN tactics for Softmax / LogSoftmax (softmax_v2 along any axis of a linear tensor, or along the
// channels of a channel-blocked one; the flattened form of ONNX opset < 13 as a 2-D view) and BatchNorm in
// inference form (global statistics, scale and shift read from the layer's inputs at run time).
#include "backends/cpu/onednn/onednn_common.h"
#include "backends/cpu/onednn/onednn_recipes.h"

namespace kiln::cpu::onednn {
namespace {

using dnnl::memory;
using tactics::LayerConfig;

Result<std::shared_ptr<const Recipe>> softmaxRecipe(const LayerConfig& config) {
    const Layer& layer = *config.layer;
    const auto& p = layer.paramsAs<SoftmaxParams>();
    const Dims& dims = layer.input(0)->dims();
    if (dims.empty()) return unsupported("softmax of a scalar is not offered");
    const bool linear = config.inputFormats[0].isLinear() && config.outputFormats[0].isLinear();
    // Along the channels, oneDNN's jit softmax reads blocked tensors (and keeps their padded lanes
    // out of the sums): the usual case of a per-pixel class softmax.
    if (!linear && (p.flattenFromAxis || p.axis != 1)) {
        return unsupported("needs linear (NCHW) tensors (blocked ones only for a softmax over the channels)");
    }
    Dims view = dims;
    int axis = int(p.axis);
    if (p.flattenFromAxis) {
        int64_t outer = 1, inner = 1;
        for (size_t i = 0; i < dims.size(); ++i)
            (int64_t(i) < p.axis ? outer : inner) *= dims[i];
        view = {outer, inner};
        axis = 1;
    }
    KILN_ASSIGN_OR_RETURN(memory::desc src, activationDesc(view, config.inputFormats[0]));
    KILN_ASSIGN_OR_RETURN(memory::desc dst, activationDesc(view, config.outputFormats[0]));
    const dnnl::algorithm algorithm =
        p.log ? dnnl::algorithm::softmax_log : dnnl::algorithm::softmax_accurate;
    dnnl::softmax_v2_forward::desc desc(dnnl::prop_kind::forward_inference, algorithm, src, dst, axis);
    return std::shared_ptr<const Recipe>(
        std::make_shared<SimpleRecipe>("softmax", pdFactory<dnnl::softmax_v2_forward>(desc, makeAttr())));
}

Result<std::shared_ptr<const Recipe>> batchNormRecipe(const LayerConfig& config) {
    const Layer& layer = *config.layer;
    const auto& p = layer.paramsAs<BatchNormParams>();
    const Dims& dims = layer.input(0)->dims();
    if (dims.size() < 2 || dims.size() > 5) {
        return unsupported("oneDNN batch normalization takes [N, C] to [N, C, D, H, W]; the input is " +
                           toString(dims));
    }
    if (config.inputFormats[0] != config.outputFormats[0]) {
        return unsupported(
            "oneDNN batch normalization writes its output in the input's format; these differ");
    }
    KILN_ASSIGN_OR_RETURN(memory::desc data, activationDesc(dims, config.inputFormats[0]));
    const memory::desc channels({dims[1]}, memory::data_type::f32, memory::format_tag::a);
    // Inputs 1 to 4 are scale, bias, mean and variance, each [C] and linear.
    std::vector<Operand> statistics = {{DNNL_ARG_SCALE, channels, Operand::Source::Input, 1},
                                       {DNNL_ARG_SHIFT, channels, Operand::Source::Input, 2},
                                       {DNNL_ARG_MEAN, channels, Operand::Source::Input, 3},
                                       {DNNL_ARG_VARIANCE, channels, Operand::Source::Input, 4}};
    const dnnl::normalization_flags flags = dnnl::normalization_flags::use_global_stats |
                                            dnnl::normalization_flags::use_scale |
                                            dnnl::normalization_flags::use_shift;
    dnnl::batch_normalization_forward::desc desc(dnnl::prop_kind::forward_inference, data, p.epsilon, flags);
    return std::shared_ptr<const Recipe>(std::make_shared<SimpleRecipe>(
        "batch_normalization", pdFactory<dnnl::batch_normalization_forward>(desc, makeAttr()),
        std::move(statistics)));
}

}  // namespace

void enumerateSoftmax(const LayerConfig& config, TacticList& tactics, SkippedList& skipped) {
    enumerateRecipe("softmax", config, softmaxRecipe, tactics, skipped);
}

void enumerateBatchNorm(const LayerConfig& config, TacticList& tactics, SkippedList& skipped) {
    enumerateRecipe("batch_normalization", config, batchNormRecipe, tactics, skipped);
}

}  // namespace kiln::cpu::onednn

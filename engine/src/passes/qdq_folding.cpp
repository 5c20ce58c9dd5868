// QDQ folding: match a Quantize and the Dequantize layers that read it (read-only), then remove them
// and give the quantized tensor its range.
#include "passes/qdq_folding.h"

#include <cmath>
#include <optional>
#include <sstream>

#include "kiln/calibration.h"
#include "passes/pass_helpers.h"

namespace kiln::passes {
namespace {

struct QdqMatch {
    Layer* quantize = nullptr;
    std::vector<Layer*> dequantizes;
    float range = 0.0f;
};

// The scale of a Quantize or Dequantize with a constant one-value scale and no zero point or a zero
// one; nothing otherwise.
std::optional<float> symmetricScale(const Layer& layer) {
    const HostTensor* scale = floatConstant(layer.input(1));
    if (!scale || scale->elementCount() != 1 || scale->dims().size() > 1) return std::nullopt;
    const float value = scale->data<float>()[0];
    // A scale outside the INT8 ranges Kiln takes (127 x scale) stays an explicit Quantize.
    if (!isInt8Scale(value)) return std::nullopt;
    if (const Tensor* zeroPoint = layer.input(2)) {
        if (!zeroPoint->isConstant() || zeroPoint->constantData()->valueAsInt64(0) != 0) return std::nullopt;
    }
    return value;
}

std::optional<QdqMatch> matchQdq(const NetworkDefinition& network, Layer& quantize) {
    if (quantize.kind() != LayerKind::Quantize || quantize.isElided()) return std::nullopt;
    const Tensor* input = quantize.input(0);
    const Tensor* quantized = quantize.output(0);
    if (input->isConstant() || quantized->isNetworkOutput()) return std::nullopt;
    const std::optional<float> scale = symmetricScale(quantize);
    if (!scale) return std::nullopt;
    QdqMatch match{&quantize, network.consumersOf(quantized), 127.0f * *scale};
    if (match.dequantizes.empty() || readCount(network, quantized) != int(match.dequantizes.size())) {
        return std::nullopt;
    }
    for (const Layer* dequantize : match.dequantizes) {
        if (dequantize->kind() != LayerKind::Dequantize || dequantize->isElided() ||
            dequantize->input(0) != quantized || dequantize->output(0)->isNetworkOutput() ||
            symmetricScale(*dequantize) != scale) {
            return std::nullopt;
        }
    }
    if (input->dynamicRange() && *input->dynamicRange() != match.range) return std::nullopt;
    return match;
}

}  // namespace

Status foldQuantizeDequantize(NetworkDefinition& network, PassLog& log) {
    bool changed = false;
    size_t index = 0;
    while (index < network.layers().size()) {
        const std::optional<QdqMatch> match = matchQdq(network, *network.layers()[index]);
        if (!match) {
            ++index;
            continue;
        }
        Tensor* input = match->quantize->input(0);
        std::string names = match->quantize->name();
        for (Layer* dequantize : match->dequantizes) {
            names += " + " + dequantize->name();
            Tensor* dequantized = dequantize->output(0);
            KILN_RETURN_IF_ERROR(network.removeLayer(dequantize));
            KILN_RETURN_IF_ERROR(network.replaceUses(dequantized, input));
        }
        KILN_RETURN_IF_ERROR(network.removeLayer(match->quantize));
        input->setDynamicRange(match->range);
        std::ostringstream range;
        range << match->range;
        log.record(makeMessage("pass.folded_qdq", {names, range.str(), input->name()}), {});
        changed = true;
    }
    if (changed) network.removeUnusedTensors();
    return Status::ok();
}

}  // namespace kiln::passes

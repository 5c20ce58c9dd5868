// Shared checks of Kiln's convolution tactics (fast_convolution_operands.h).
#include "backends/cpu/fast/fast_convolution_operands.h"

namespace kiln::cpu::fast {

std::optional<ConvolutionOperands> convolutionOperands(const tactics::LayerConfig& config, std::string& reason) {
    const auto refuse = [&reason](std::string why) -> std::optional<ConvolutionOperands> {
        reason = std::move(why);
        return std::nullopt;
    };
    const Layer& layer = *config.layer;
    if (config.precision != DataType::Float32 || tactics::storesReducedPrecision(config))
        return refuse("runs FP32 layers only");
    ConvolutionOperands operands;
    operands.input = layer.input(0);
    operands.weights = layer.input(1);
    if (!operands.input || !operands.weights || layer.outputs().size() != 1 ||
        config.inputFormats.size() < layer.inputs().size() || config.outputFormats.empty()) {
        return refuse("needs one output (split outputs are not offered)");
    }
    operands.output = layer.output(0);
    const Dims& x = operands.input->dims();
    const Dims& w = operands.weights->dims();
    const Dims& y = operands.output->dims();
    if (x.size() != 4 || !operands.weights->isConstant() || w.size() != 4)
        return refuse("needs a 2-D convolution with constant weights");
    if (layer.paramsAs<ConvolutionParams>().groups != 1) return refuse("needs one group");
    if (operands.input->type() != DataType::Float32 || operands.output->type() != DataType::Float32)
        return refuse("runs FP32 tensors only");
    if (w[1] != x[1] || y[1] != w[0]) return refuse("the weights do not match the input's and output's channels");
    if (y[0] <= 0 || y[2] <= 0 || y[3] <= 0) return refuse("the output is empty");
    if (const Tensor* bias = layer.inputs().size() > 2 ? layer.input(2) : nullptr) {
        if (!bias->isConstant()) return refuse("needs a constant bias");
        operands.bias = bias->constantData();
    }
    if (layer.inputs().size() > 3 && layer.input(3)) {
        if (layer.input(3)->dims() != y || config.inputFormats[3] != config.outputFormats[0])
            return refuse("needs a residual of the output's shape and format");
        operands.residualInput = 3;
    }
    return operands;
}

}  // namespace kiln::cpu::fast

// QDQ folding: explicit quantization as ONNX Runtime's quantizer writes it (QuantizeLinear ->
// DequantizeLinear on every quantized activation) becomes Kiln's INT8 representation, a calibrated
// range, without calibration, as TensorRT does. A Quantize whose readers are all Dequantize layers with
// the same constant one-value scale s and zero point 0 goes, with its Dequantize layers: their readers
// read the Quantize's input again, which gets the range 127 * s (the magnitude INT8's 127 stands for).
// Quantized weights need nothing here: constant folding, which runs first, has already turned a
// Dequantize of a constant into an FP32 constant, which the INT8 kernels quantize per channel again.
// A pair that does not fit (a per-axis or computed scale, a zero point other than 0, a reader that is
// no Dequantize, a network output between, a tensor already given another range) stays and runs as
// layers.
#pragma once

#include "passes/pass.h"

namespace kiln::passes {

Status foldQuantizeDequantize(NetworkDefinition& network, PassLog& log);

}  // namespace kiln::passes

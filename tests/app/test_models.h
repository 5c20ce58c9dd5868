// Small ONNX model files for the workbench tests, written with the ONNX protobuf API so that the tests
// need no sample model on disk and know exactly which layers and tensors to expect.
#pragma once

#include <QString>

namespace kiln::testing {

// input [1,3,8,8] -> Conv "conv1" (4 filters 3x3, pads 1) -> Relu "relu1" -> MaxPool "pool1" (2x2 stride 2)
// -> Flatten "flatten" -> Gemm "fc" (10 outputs) -> output [1,10].
// Tensors: input, conv1_w, conv1_b, conv1_out, relu1_out, pool1_out, flatten_out, fc_w, fc_b, output.
inline constexpr int kSmallCnnLayerCount = 5;
inline constexpr int kSmallCnnTensorCount = 10;
bool writeSmallCnnModel(const QString& path);

// input ["batch",3,8,8] -> Relu "relu" -> output: a model Kiln cannot open without a concrete shape.
bool writeSymbolicBatchModel(const QString& path);

// x [2,6] -> Reshape "reshape" to the values of "target" (INT64 [2], a shape tensor) -> y: a model that
// opens only once the values of its shape tensor are given.
bool writeShapeTensorModel(const QString& path);

// input "x" [1,4,8,8] -> Mul "normalize" (by a constant 1e-5) -> Conv "conv1" (8 filters 3x3, pads 1) -> Relu
// "relu1" -> Conv "conv2" (8 filters 3x3, pads 1) -> output "y". With inputs up to 2e5 the normalize layer
// reads values FP16 cannot hold (its largest is 65504): in an FP16 build it is the one layer that must stay
// in FP32, after it every tensor is of order 1.
bool writeFp16HostileModel(const QString& path);

// Bytes that are not a serialized ModelProto.
bool writeCorruptModel(const QString& path);

}  // namespace kiln::testing

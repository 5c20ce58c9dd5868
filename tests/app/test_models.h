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

// Bytes that are not a serialized ModelProto.
bool writeCorruptModel(const QString& path);

}  // namespace kiln::testing

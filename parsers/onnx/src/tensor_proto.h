// Conversion of ONNX TensorProto values (initializers, Constant attributes, test-data files) into
// kiln::HostTensor, including data kept in external files beside the model.
#pragma once

#include <cstdint>
#include <string>

#include "kiln/status.h"
#include "kiln/types.h"
#include "onnx/onnx_pb.h"

namespace kiln::onnx_import {

// The name ONNX gives an element type ("FLOAT", "DOUBLE", ...), or its number when unknown.
std::string onnxTypeName(int32_t onnxType);

// Maps an ONNX element type to Kiln's; `what` names the tensor or attribute in the Unsupported error.
Result<DataType> dataTypeFromOnnx(int32_t onnxType, const std::string& what);

// Converts a tensor. External data is looked up under `baseDirectory` (the model's folder) and must
// stay inside it; an empty `baseDirectory` refuses external data.
Result<HostTensor> tensorFromProto(const onnx::TensorProto& proto, const std::string& baseDirectory);

}  // namespace kiln::onnx_import

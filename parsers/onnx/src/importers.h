// The table of op importers: one function per ONNX op of the default domain, looked up by op type.
#pragma once

#include <string>
#include <vector>

#include "importer_context.h"

namespace kiln::onnx_import {

using ImporterFn = Status (*)(NodeContext& node);

// The importer for `opType` (default domain), or null when Kiln does not support the op.
ImporterFn findImporter(const std::string& opType);

// Refuses a QuantizeLinear or DequantizeLinear whose zero point or quantized data is a UINT8
// initializer, naming the node and saying how to quantize for Kiln: checked before the initializers are
// imported, whose own error ("element type UINT8") could say neither.
Status refuseUnsignedQuantization(const onnx::GraphProto& graph, const std::vector<std::string>& nodeNames);

}  // namespace kiln::onnx_import

// The table of op importers: one function per ONNX op of the default domain, looked up by op type.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "importer_context.h"
#include "kiln/plugin.h"

namespace kiln::onnx_import {

using ImporterFn = Status (*)(NodeContext& node);

// The importer for `opType` (default domain), or null when Kiln does not support the op.
ImporterFn findImporter(const std::string& opType);

// The registered plugin creator that imports `node`, or null: one whose name is the op type and whose
// namespace is the node's domain ("" for the default domain), highest version first. For an op Kiln
// imports itself, only a creator that says replacesBuiltin() is used.
std::shared_ptr<const PluginCreator> findPluginCreator(const onnx::NodeProto& node);

// Imports `node` as one plugin layer made by `creator`, its attributes passed as fields (int, float,
// string, ints, floats; other attribute types are refused, naming the attribute).
Status importPlugin(NodeContext& node, const PluginCreator& creator);

// Refuses a QuantizeLinear or DequantizeLinear whose zero point or quantized data is a UINT8
// initializer, naming the node and saying how to quantize for Kiln: checked before the initializers are
// imported, whose own error ("element type UINT8") could say neither.
Status refuseUnsignedQuantization(const onnx::GraphProto& graph, const std::vector<std::string>& nodeNames);

}  // namespace kiln::onnx_import

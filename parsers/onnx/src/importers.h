// The table of op importers: one function per ONNX op of the default domain, looked up by op type.
#pragma once

#include <string>

#include "importer_context.h"

namespace kiln::onnx_import {

using ImporterFn = Status (*)(NodeContext& node);

// The importer for `opType` (default domain), or null when Kiln does not support the op.
ImporterFn findImporter(const std::string& opType);

}  // namespace kiln::onnx_import

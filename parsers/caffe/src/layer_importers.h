// The table of layer importers: one function per Caffe layer type, looked up by type name.
#pragma once

#include <string>

#include "layer_context.h"

namespace kiln::caffe_import {

using ImporterFn = Status (*)(LayerContext& layer);

// The importer for layer type `type` ("Convolution"), or null when Kiln does not support it.
ImporterFn findImporter(const std::string& type);

// Whether a BatchNorm layer followed by Scale layer `scale` can be imported as one batch-normalization
// layer: the Scale has one bottom and scales along the channel axis only.
bool scaleFoldsIntoBatchNorm(const caffe::LayerParameter& scale);

}  // namespace kiln::caffe_import

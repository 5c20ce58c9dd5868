// The table of layer importers: one function per Caffe layer type, looked up by type name.
#pragma once

#include <memory>
#include <string>

#include "kiln/plugin.h"
#include "layer_context.h"

namespace kiln::caffe_import {

using ImporterFn = Status (*)(LayerContext& layer);

// The importer for layer type `type` ("Convolution"), or null when Kiln does not support it.
ImporterFn findImporter(const std::string& type);

// The registered plugin creator for layer type `type`: one named as the type in the empty namespace,
// highest version first; for a type Kiln imports itself, only one that says replacesBuiltin(). Null
// when there is none.
std::shared_ptr<const PluginCreator> findPluginCreator(const std::string& type);

// Imports the layer as one plugin layer made by `creator` with no fields: Caffe layer parameters are
// typed messages per layer type, so a plugin reads nothing from them (its defaults apply).
Status importPlugin(LayerContext& layer, const PluginCreator& creator);

// Whether a BatchNorm layer followed by Scale layer `scale` can be imported as one batch-normalization
// layer: the Scale has one bottom and scales along the channel axis only.
bool scaleFoldsIntoBatchNorm(const caffe::LayerParameter& scale);

}  // namespace kiln::caffe_import

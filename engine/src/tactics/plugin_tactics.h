// Tactics for plugin layers (kiln/plugin.h): one per precision the plugin supports, all tensors linear,
// timed by the builder like any other. Ids name the plugin: "plugin:com.example::ScaledSoftsign:v1:fp32".
// The CPU provider runs Plugin::enqueue; the CUDA provider runs Plugin::enqueueCuda and, for a plugin
// without one, offers nothing and says why, so that a CUDA build refuses the layer with the reason.
#pragma once

#include <string>

#include "tactics/tactic.h"

namespace kiln::tactics {

const TacticProvider& cpuPluginProvider();
// The id of the tactic that runs plugin layer `layer` in `precision` ("" for a layer of another kind).
std::string pluginTacticId(const Layer& layer, DataType precision);
const TacticProvider& cudaPluginProvider();

}  // namespace kiln::tactics

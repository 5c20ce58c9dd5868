// Tactics for plugin layers (kiln/plugin.h): one per precision the plugin supports, all tensors linear,
// timed by the builder like any other. Ids name the plugin: "plugin:com.example::ScaledSoftsign:v1:fp32".
// The CPU provider runs Plugin::enqueue; the CUDA provider runs Plugin::enqueueCuda and, for a plugin
// without one, offers nothing and says why, so that a CUDA build refuses the layer with the reason.
#pragma once

#include "tactics/tactic.h"

namespace kiln::tactics {

const TacticProvider& cpuPluginProvider();
const TacticProvider& cudaPluginProvider();

}  // namespace kiln::tactics

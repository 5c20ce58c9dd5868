// Shape and type inference for plugin layers: the plugin answers (kiln/plugin.h); what is checked here
// is that its answer fits the layer.
#include <string>

#include "ir/shape_inference.h"
#include "kiln/plugin.h"

namespace kiln::detail {

InferResult inferOutputs(const PluginParams& p, const InferInputs& in, size_t numOutputs) {
    if (!p.plugin) return invalidModel("the plugin layer has no plugin instance");
    const std::string key = pluginKey(p.plugin->name(), p.plugin->version(), p.plugin->pluginNamespace());
    std::vector<TensorDesc> inputs;
    for (size_t i = 0; i < in.size(); ++i) {
        if (!in[i])
            return invalidModel("input " + std::to_string(i) + " is missing; plugin " + key +
                                " takes no optional inputs");
        inputs.push_back({in[i]->type(), in[i]->dims()});
    }
    auto outputs = p.plugin->outputDescs(inputs);
    if (!outputs) return outputs.status().withContext("plugin " + key);
    if (outputs->size() != size_t(p.plugin->outputCount())) {
        return internalError("plugin " + key + " gave " + std::to_string(outputs->size()) +
                             " output shapes but says it has " + std::to_string(p.plugin->outputCount()) +
                             " outputs");
    }
    if (numOutputs != outputs->size()) {
        return invalidModel("has " + std::to_string(numOutputs) + " outputs; plugin " + key + " produces " +
                            std::to_string(outputs->size()));
    }
    for (size_t i = 0; i < outputs->size(); ++i) {
        KILN_RETURN_IF_ERROR(
            checkDims((*outputs)[i].dims, "output " + std::to_string(i) + " of plugin " + key));
    }
    return outputs;
}

}  // namespace kiln::detail

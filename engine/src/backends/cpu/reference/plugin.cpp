// Plugin layers in the reference executor: the plugin's own CPU enqueue, on linear tensors in their own
// types (kiln/plugin.h). A plugin is its own reference.
#include <cstdlib>
#include <memory>

#include "backends/cpu/reference/reference_kernels.h"
#include "kiln/plugin.h"

namespace kiln::cpu {

Status runReference(const PluginParams& p, const KernelInputs& in, KernelOutputs& out) {
    if (!p.plugin) return invalidModel("the plugin layer has no plugin instance");
    PluginTensors tensors;
    for (const HostTensor* input : in) {
        tensors.inputDescs.push_back(input ? TensorDesc{input->type(), input->dims()} : TensorDesc{});
        tensors.inputs.push_back(input ? static_cast<const void*>(input->bytes()) : nullptr);
    }
    for (HostTensor& output : out) {
        tensors.outputDescs.push_back({output.type(), output.dims()});
        tensors.outputs.push_back(output.bytes());
    }
    const int64_t workspaceBytes = p.plugin->workspaceBytes(tensors.inputDescs);
    if (workspaceBytes < 0) return internalError("the plugin asks for a negative workspace");
    std::unique_ptr<void, decltype(&std::free)> workspace(nullptr, &std::free);
    if (workspaceBytes > 0) {
        workspace.reset(std::aligned_alloc(64, size_t((workspaceBytes + 63) / 64 * 64)));
        if (!workspace) {
            return unsupported("out of memory: the plugin's workspace of " + std::to_string(workspaceBytes) +
                               " bytes cannot be allocated");
        }
        tensors.workspace = workspace.get();
    }
    return p.plugin->enqueue(tensors);
}

}  // namespace kiln::cpu

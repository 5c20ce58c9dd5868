// Constant folding with the reference kernels (foldConstantLayer). A layer that writes a network
// output is kept: an output binding is filled by a layer at run time. So is a layer the reference
// kernels cannot compute: the error belongs to execution, with its layer named, not to folding.
#include "passes/constant_folding.h"

#include <algorithm>

#include "kiln/device.h"
#include "kiln/reference_executor.h"

namespace kiln::passes {
namespace {

bool isFoldable(const Layer& layer) {
    const auto& inputs = layer.inputs();
    const bool allConstant =
        std::all_of(inputs.begin(), inputs.end(), [](const Tensor* t) { return !t || t->isConstant(); });
    const bool writesOutput = std::any_of(layer.outputs().begin(), layer.outputs().end(),
                                          [](const Tensor* t) { return t->isNetworkOutput(); });
    return allConstant && !writesOutput;
}

}  // namespace

Status foldConstants(NetworkDefinition& network, PassLog& log) {
    bool folded = false;
    // The folded constants are all held until the end of the pass: together they must fit the memory
    // budget too (one larger than it alone is refused by foldConstantLayer, which names it).
    const uint64_t budget = memoryBudgetBytes();
    uint64_t foldedBytes = 0;
    size_t index = 0;
    while (index < network.layers().size()) {
        Layer* layer = network.layers()[index].get();
        if (!isFoldable(*layer)) {
            ++index;
            continue;
        }
        const std::string name = layer->name();
        std::string outputs;
        for (const Tensor* output : layer->outputs())
            outputs += (outputs.empty() ? "" : ", ") + output->name();
        const uint64_t bytes = outputBytes(*layer);
        if (budget > 0 && bytes <= budget && foldedBytes + bytes > budget) {
            return unsupported("folding layer '" + name + "' takes the constants folded so far to " +
                               formatByteCount(foldedBytes + bytes) + ", more than " +
                               describeMemoryBudget() +
                               "; check the shapes the network's constant layers are given");
        }
        const Result<bool> done = foldConstantLayer(network, layer);
        if (!done.isOk() || !*done) {
            // A kernel that cannot compute the layer leaves it in place; running it will say why.
            if (network.findLayer(name) != layer)
                return done.status().withContext("constant folding of '" + name + "'");
            ++index;
            continue;
        }
        foldedBytes += bytes;
        log.record(makeMessage("pass.folded_constant", {name, outputs}), {});
        folded = true;
    }
    if (folded) network.removeUnusedTensors();
    return Status::ok();
}

}  // namespace kiln::passes

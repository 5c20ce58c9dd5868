// Recreating the chosen kernels of a network: by tactic id through the backend's providers.
#include "runtime/compiled_kernels.h"

#include "backends/backend.h"

namespace kiln::detail {

Result<std::shared_ptr<const CompiledKernels>> instantiateKernels(const NetworkDefinition& network,
                                                                  const std::string& backend,
                                                                  std::vector<std::string> tacticIds,
                                                                  std::vector<std::vector<tactics::WeightBlob>> weights) {
    const auto& layers = network.layers();
    if (tacticIds.size() != layers.size() || weights.size() != layers.size()) {
        return invalidModel("there are " + std::to_string(tacticIds.size()) + " tactic choices for " +
                            std::to_string(layers.size()) + " layers");
    }
    const std::vector<const tactics::TacticProvider*> providers = backends::providersFor(backend);
    auto kernels = std::make_shared<CompiledKernels>();
    for (size_t i = 0; i < layers.size(); ++i) {
        const Layer& layer = *layers[i];
        LayerKernel entry;
        if (layer.isElided()) {
            if (!tacticIds[i].empty()) {
                return invalidModel("layer '" + layer.name() + "' is elided but names tactic '" + tacticIds[i] + "'");
            }
            kernels->layers.push_back(std::move(entry));
            continue;
        }
        const tactics::TacticProvider* provider = tactics::providerOf(providers, tacticIds[i]);
        if (!provider) {
            return notFound("layer '" + layer.name() + "' uses tactic '" + tacticIds[i] +
                            "', which this build of Kiln does not have for backend '" + backend + "'");
        }
        tactics::LayerConfig config = tactics::LayerConfig::of(layer);
        config.allowTf32 = true;  // so that a TF32 tactic the builder chose is found again
        KILN_ASSIGN_OR_RETURN(std::unique_ptr<tactics::Tactic> tactic,
                              provider->find(config, tacticIds[i]).withContext("layer '" + layer.name() + "'"));
        kernels->workspaceBytes = std::max(kernels->workspaceBytes, tactic->workspaceBytes());
        entry.tacticId = tacticIds[i];
        entry.weights = weights[i];
        KILN_ASSIGN_OR_RETURN(entry.kernel, tactic->instantiate(std::move(weights[i]))
                                                .withContext("layer '" + layer.name() + "', tactic '" + tacticIds[i] + "'"));
        kernels->layers.push_back(std::move(entry));
    }
    return std::shared_ptr<const CompiledKernels>(std::move(kernels));
}

}  // namespace kiln::detail

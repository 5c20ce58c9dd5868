// The cuDNN provider: convolutions and deconvolutions through the graph API.
#include "backends/cuda/cudnn/cudnn_provider.h"

#include "backends/cuda/cudnn/cudnn_convolution.h"

namespace kiln::cuda {

namespace {

class CudnnProvider final : public tactics::TacticProvider {
public:
    std::string name() const override { return "cudnn"; }

    void enumerate(const tactics::LayerConfig& config, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                   std::vector<tactics::SkippedTactic>& skipped) const override {
        if (config.layer) addCudnnConvolutionTactics(config, tactics, skipped);
    }

    // Recreated from the id alone: the heuristics need not offer the same configurations again.
    Result<std::unique_ptr<tactics::Tactic>> find(const tactics::LayerConfig& config,
                                                  const std::string& id) const override {
        return findCudnnConvolutionTactic(config, id);
    }
};

}  // namespace

const tactics::TacticProvider& cudnnProvider() {
    static const CudnnProvider provider;
    return provider;
}

}  // namespace kiln::cuda

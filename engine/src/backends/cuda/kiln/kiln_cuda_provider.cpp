// The Kiln CUDA provider: one explicit list of kernel families; each family offers tactics for the
// layer kinds it covers and nothing for the others.
#include "backends/cuda/kiln/kiln_cuda_provider.h"

#include "backends/cuda/kiln/kiln_cuda_dense.h"
#include "backends/cuda/kiln/kiln_cuda_pointwise.h"
#include "backends/cuda/kiln/kiln_cuda_reduce.h"
#include "backends/cuda/kiln/kiln_cuda_shuffle.h"

namespace kiln::cuda {

namespace {

class KilnCudaProvider final : public tactics::TacticProvider {
public:
    std::string name() const override { return "kiln-cuda"; }

    void enumerate(const tactics::LayerConfig& config, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                   std::vector<tactics::SkippedTactic>& skipped) const override {
        if (!config.layer) return;
        addPointwiseTactics(config, tactics, skipped);
        addShuffleTactics(config, tactics, skipped);
        addReduceTactics(config, tactics, skipped);
        addDenseTactics(config, tactics, skipped);
    }
};

}  // namespace

const tactics::TacticProvider& kilnCudaProvider() {
    static const KilnCudaProvider provider;
    return provider;
}

}  // namespace kiln::cuda

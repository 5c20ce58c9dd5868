// Convolutions and deconvolutions through cuDNN's graph API. For each layer the provider builds two
// operation graphs where it can: the convolution alone (cuDNN writes the convolution, a Kiln epilogue
// kernel adds bias and residual, activates and splits channels over the outputs) and the convolution
// with its bias, residual and activation fused into the graph (cuDNN's runtime fusion). Every engine
// configuration the heuristics offer for either graph is a tactic; the builder times them all.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tactics/tactic.h"

namespace kiln::cuda {

void addCudnnConvolutionTactics(const tactics::LayerConfig& config, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                                std::vector<tactics::SkippedTactic>& skipped);

// Recreates tactic `id` (an id addCudnnConvolutionTactics gave) for `config`, for plan loading.
Result<std::unique_ptr<tactics::Tactic>> findCudnnConvolutionTactic(const tactics::LayerConfig& config,
                                                                   const std::string& id);

}  // namespace kiln::cuda

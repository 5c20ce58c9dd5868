// Kiln CUDA tactics for Pooling, Softmax, Reduce, ArgMinMax, Lrn, InstanceNorm and LayerNorm layers.
#pragma once

#include <memory>
#include <vector>

#include "tactics/tactic.h"

namespace kiln::cuda {

// Appends the tactics of this family that can run `config`, and to `skipped` those that cannot with
// the reason; appends nothing for layer kinds outside the family.
void addReduceTactics(const tactics::LayerConfig& config, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                       std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cuda

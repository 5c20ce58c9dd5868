// Reduced precision simulated on a backend without kernels for it (FP16 on a CPU): a layer whose
// tensors are stored in FP16 runs an FP32 tactic of the backend between conversions, so every tensor
// is rounded through half precision at every layer boundary, as it would be on a device with FP16
// kernels, and a CPU-only user can still predict FP16 accuracy. Simulated tactics are tactics like
// any other (timed, recorded, cached, stored in plans): their ids are the wrapped tactic's id behind
// "simfp16:", and their library names say "FP16 simulated".
#pragma once

#include <memory>
#include <vector>

#include "tactics/tactic.h"

namespace kiln::tactics {

// A provider of simulated FP16 tactics built on the tactics of `base`.
std::unique_ptr<TacticProvider> makeSimulatedFp16Provider(std::vector<const TacticProvider*> base);

// `config` with every storage type removed: what the wrapped FP32 tactic runs.
LayerConfig withoutStorage(const LayerConfig& config);

}  // namespace kiln::tactics

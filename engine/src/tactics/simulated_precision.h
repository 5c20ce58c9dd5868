// Reduced precision simulated where a backend has no kernel for a layer in it (FP16 on a CPU, INT8
// for layers oneDNN has no INT8 kernel for): a layer whose tensors are stored in the reduced type
// runs an FP32 tactic of the backend between conversions, so every tensor is rounded through the
// reduced type at every layer boundary, as it would be with real kernels, and a user can still predict
// the accuracy. Simulated tactics are tactics like any other (timed, recorded, cached, stored in
// plans): their ids are the wrapped tactic's id behind "simfp16:" or "simint8:", and their library
// names say "simulated".
#pragma once

#include <memory>
#include <vector>

#include "tactics/tactic.h"

namespace kiln::tactics {

// A provider of tactics simulating `storage` (FP16 or INT8) built on the tactics of `base`: "simfp16:"
// and "simint8:" ids. INT8 tensors are symmetric, scaled so that a tensor's calibrated range
// (Tensor::dynamicRange) maps to 127; a tensor without a range is never stored in INT8.
std::unique_ptr<TacticProvider> makeSimulatedProvider(DataType storage, std::vector<const TacticProvider*> base);

// `config` with every storage type removed: what the wrapped FP32 tactic runs.
LayerConfig withoutStorage(const LayerConfig& config);

}  // namespace kiln::tactics

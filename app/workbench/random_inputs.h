// Seeded random inputs for an engine's input bindings, so that profiles and precision comparisons run on
// the same values every time: uniform in [-amplitude, amplitude] for floating-point inputs; integer and
// boolean inputs are mostly indices, sizes or masks, where random values would be out of range, and keep
// the zero fill.
#pragma once

#include <cstdint>
#include <vector>

#include "kiln/runtime.h"

namespace kiln::workbench {

TensorMap randomInputs(const std::vector<Binding>& bindings, uint32_t seed, float amplitude = 1.0f);

}  // namespace kiln::workbench

// Helpers shared by the Qt-free tests: random tensors with a fixed seed and tolerant comparison.
#pragma once

#include <cstdint>
#include <string>

#include "kiln/types.h"

namespace kiln::test {

// Uniform values in [low, high) from a generator seeded with `seed`.
HostTensor randomTensor(const Dims& dims, uint32_t seed, float low = -1.0f, float high = 1.0f);

// Empty when every element satisfies |a - b| <= atol + rtol * |b| (and types and dims agree);
// otherwise a message naming the first mismatching element and the worst error.
std::string compareTensors(const HostTensor& actual, const HostTensor& expected, double rtol, double atol);

}  // namespace kiln::test

// Resize's align_corners coordinate transform, shared by the CPU reference kernel and the CUDA kernel
// (which computes its samples on the host with the same float arithmetic, so both pick the same inputs).
#pragma once

#include <cmath>
#include <cstdint>

namespace kiln::tactics {

// Where output position `x` of an axis reads from under align_corners. ONNX's length_resized is
// input * scale, which differs from the output extent when a given scale does not divide evenly
// (4 * 0.6 = 2.4 for an output of 2); a scale derived from sizes reproduces the output extent.
inline float alignCornersSource(float x, float scale, int64_t outputExtent, int64_t inputExtent) {
    const float product = static_cast<float>(inputExtent) * scale;
    const float resized = std::fabs(product - static_cast<float>(outputExtent)) <= 1e-5f * static_cast<float>(outputExtent)
                              ? static_cast<float>(outputExtent)
                              : product;
    return resized == 1.0f ? 0.0f : x * static_cast<float>(inputExtent - 1) / (resized - 1.0f);
}

}  // namespace kiln::tactics

// Resize's coordinate transforms, shared by the CPU kernels (reference and Kiln's) and the CUDA kernel
// (which computes its samples on the host with the same float arithmetic), so all pick the same inputs
// with the same weights.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kiln/layers.h"

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

// Where output position `x` of an axis reads from, in input coordinates.
inline float resizeSourceCoordinate(ResizeCoordinateMode mode, float x, float scale, int64_t outputExtent,
                                    int64_t inputExtent) {
    switch (mode) {
        case ResizeCoordinateMode::HalfPixel:
            return (x + 0.5f) / scale - 0.5f;
        case ResizeCoordinateMode::PytorchHalfPixel:
            return outputExtent > 1 ? (x + 0.5f) / scale - 0.5f : 0.0f;
        case ResizeCoordinateMode::AlignCorners:
            return alignCornersSource(x, scale, outputExtent, inputExtent);
        case ResizeCoordinateMode::Asymmetric:
            return x / scale;
        case ResizeCoordinateMode::TfHalfPixelForNn:
            return (x + 0.5f) / scale;
    }
    return x;
}

inline int64_t resizeNearestIndex(ResizeNearestMode mode, float x) {
    switch (mode) {
        case ResizeNearestMode::RoundPreferFloor:
            return static_cast<int64_t>(x == std::floor(x) + 0.5f ? std::floor(x) : std::round(x));
        case ResizeNearestMode::RoundPreferCeil:
            return static_cast<int64_t>(std::round(x));
        case ResizeNearestMode::Floor:
            return static_cast<int64_t>(std::floor(x));
        case ResizeNearestMode::Ceil:
            return static_cast<int64_t>(std::ceil(x));
    }
    return 0;
}

// One output position of one axis reads `lowWeight * in[low] + highWeight * in[high]`; an axis whose
// scale is 1 and extent unchanged maps straight through (weights 1 and 0), as in ONNX Runtime.
struct AxisSample {
    int64_t low = 0;
    int64_t high = 0;
    float lowWeight = 1.0f;
    float highWeight = 0.0f;
};

inline std::vector<AxisSample> resizeAxisSamples(const ResizeParams& p, size_t axis, int64_t inputExtent) {
    const int64_t outputExtent = p.outputDims[axis];
    const float scale = p.scales[axis];
    std::vector<AxisSample> samples(static_cast<size_t>(outputExtent));
    const bool passThrough = scale == 1.0f && outputExtent == inputExtent;
    for (int64_t x = 0; x < outputExtent; ++x) {
        AxisSample& s = samples[x];
        if (passThrough) {
            s.low = s.high = x;
            continue;
        }
        // Clamp before converting: a far-out coordinate must not overflow the integer conversion.
        const float last = static_cast<float>(inputExtent - 1);
        const float coordinate = std::clamp(
            resizeSourceCoordinate(p.coordinateMode, static_cast<float>(x), scale, outputExtent, inputExtent),
            -1.0f, last + 1.0f);
        if (p.mode == ResizeMode::Nearest) {
            s.low = s.high = std::clamp<int64_t>(resizeNearestIndex(p.nearestMode, coordinate), 0, inputExtent - 1);
            continue;
        }
        const float clamped = std::clamp(coordinate, 0.0f, last);
        s.low = std::min(static_cast<int64_t>(clamped), inputExtent - 1);
        s.high = std::min(s.low + 1, inputExtent - 1);
        if (s.high != s.low) {
            s.highWeight = clamped - static_cast<float>(s.low);
            s.lowWeight = 1.0f - s.highWeight;
        }
    }
    return samples;
}

}  // namespace kiln::tactics

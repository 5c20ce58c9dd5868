// Reference kernel for Resize (ONNX semantics, opset 11+): nearest and N-D linear interpolation with
// every coordinate transformation mode Kiln represents. Coordinates are computed in float and clamped
// to the input the way ONNX Runtime does, so results agree with the runtime models are validated
// against. An axis with scale 1 and unchanged extent maps straight through, also as ONNX Runtime does.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "backends/cpu/reference/reference_kernels.h"
#include "tactics/resize_coordinates.h"

namespace kiln::cpu {

namespace {

// Where output position `x` of an axis reads from, in input coordinates.
float sourceCoordinate(ResizeCoordinateMode mode, float x, float scale, int64_t outputExtent,
                       int64_t inputExtent) {
    switch (mode) {
        case ResizeCoordinateMode::HalfPixel:
            return (x + 0.5f) / scale - 0.5f;
        case ResizeCoordinateMode::PytorchHalfPixel:
            return outputExtent > 1 ? (x + 0.5f) / scale - 0.5f : 0.0f;
        case ResizeCoordinateMode::AlignCorners:
            return tactics::alignCornersSource(x, scale, outputExtent, inputExtent);
        case ResizeCoordinateMode::Asymmetric:
            return x / scale;
        case ResizeCoordinateMode::TfHalfPixelForNn:
            return (x + 0.5f) / scale;
    }
    return x;
}

int64_t nearestIndex(ResizeNearestMode mode, float x) {
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

// One output position of one axis reads `lowWeight * in[low] + highWeight * in[high]`.
struct AxisSample {
    int64_t low = 0;
    int64_t high = 0;
    float lowWeight = 1.0f;
    float highWeight = 0.0f;
};

std::vector<AxisSample> axisSamples(const ResizeParams& p, size_t axis, int64_t inputExtent) {
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
            sourceCoordinate(p.coordinateMode, static_cast<float>(x), scale, outputExtent, inputExtent),
            -1.0f, last + 1.0f);
        if (p.mode == ResizeMode::Nearest) {
            s.low = s.high = std::clamp<int64_t>(nearestIndex(p.nearestMode, coordinate), 0, inputExtent - 1);
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

}  // namespace

Status runReference(const ResizeParams& p, const KernelInputs& in, KernelOutputs& out) {
    const HostTensor& x = *in[0];
    HostTensor& y = out[0];
    const size_t rank = x.dims().size();
    if (rank > 16) {
        return unsupported("Resize reference kernel supports up to 16 dimensions; input 0 (data) has " +
                           std::to_string(rank));
    }
    const std::vector<int64_t> strides = rowMajorStrides(x.dims());
    std::vector<std::vector<AxisSample>> samples(rank);
    for (size_t d = 0; d < rank; ++d)
        samples[d] = axisSamples(p, d, x.dims()[d]);

    if (p.mode == ResizeMode::Nearest) {
        const size_t elementSize = dataTypeSize(x.type());
        forEachIndex(y.dims(), [&](int64_t linear, const std::vector<int64_t>& index) {
            int64_t offset = 0;
            for (size_t d = 0; d < rank; ++d)
                offset += samples[d][index[d]].low * strides[d];
            std::memcpy(y.bytes() + linear * elementSize, x.bytes() + offset * elementSize, elementSize);
        });
        return Status::ok();
    }

    if (x.type() != DataType::Float32 && x.type() != DataType::Float16) {
        return internalError(std::string("Resize linear reference kernel received a ") + toString(x.type()) +
                             " tensor that shape inference should have rejected");
    }
    HostTensor widened;
    const float* src = x.data<float>();
    if (x.type() == DataType::Float16) {
        widened = widenToFloat32(x);
        src = widened.data<float>();
    }
    // Each output is a weighted sum over the 2^rank corners of its cell; corners along an axis that is
    // not interpolated carry weight 0 and are skipped.
    const uint32_t cornerCount = 1u << rank;
    forEachIndex(y.dims(), [&](int64_t linear, const std::vector<int64_t>& index) {
        float sum = 0.0f;
        for (uint32_t corner = 0; corner < cornerCount; ++corner) {
            float weight = 1.0f;
            int64_t offset = 0;
            for (size_t d = 0; d < rank && weight != 0.0f; ++d) {
                const AxisSample& s = samples[d][index[d]];
                const bool high = (corner >> d) & 1u;
                weight *= high ? s.highWeight : s.lowWeight;
                offset += (high ? s.high : s.low) * strides[d];
            }
            if (weight != 0.0f)
                sum += weight * src[offset];
        }
        if (y.type() == DataType::Float32) {
            y.data<float>()[linear] = sum;
        } else {
            y.data<uint16_t>()[linear] = floatToHalf(sum);
        }
    });
    return Status::ok();
}

}  // namespace kiln::cpu

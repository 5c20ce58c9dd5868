// Conversions between tensor memory formats (linear NCHW, channel-blocked nChw<b>c and channels-last
// NHWC<pad>), element by element and for any element size; toFormat/fromFormat also convert to and
// from a format's storage type. The plain loops here are the definition the fast reformat kernels
// and the tactic tests are checked against; padded channel lanes are written as zeros.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kiln/network.h"
#include "kiln/types.h"

namespace kiln::tactics {

// Byte offset of element (n, c, spatial index s) of a tensor of `dims` in `format`; `s` counts the
// spatial positions row-major (0 for rank 2).
int64_t elementOffset(const Dims& dims, TensorFormat format, int64_t n, int64_t c, int64_t s, size_t elementSize);

// Copies `dims` elements of `elementSize` bytes from `source` in `sourceFormat` to `target` in
// `targetFormat` (storageByteSize bytes each). Padded lanes of a blocked target are zeroed.
void convertFormat(const std::byte* source, TensorFormat sourceFormat, std::byte* target, TensorFormat targetFormat,
                   const Dims& dims, size_t elementSize);

// `x` / scale as INT8: rounded to nearest and clamped to [-127, 127]; NaN (from NaN data, or a zero
// range that makes the scale zero) becomes 0, since converting NaN to an integer is undefined.
inline int8_t quantizeToInt8(double x, double scale) {
    const double q = std::nearbyint(x / scale);
    return q == q ? int8_t(std::clamp(q, -127.0, 127.0)) : int8_t(0);
}

// A tensor's elements converted to another type: FP32 <-> FP16 rounding to nearest; FP32 <-> INT8
// symmetric with `scale` (x = q * scale, q rounded to nearest and clamped to [-127, 127]).
HostTensor convertType(const HostTensor& tensor, DataType to, float scale = 1.0f);

// The INT8 scale of a tensor stored in INT8: its calibrated range over 127.
float storageScale(const Tensor& tensor);

// A tensor's bytes in `format`, in the format's storage type (a linear tensor in, storageByteSize
// bytes out), and back; `scale` for INT8 storage.
std::vector<std::byte> toFormat(const HostTensor& linear, TensorFormat format, float scale = 1.0f);
HostTensor fromFormat(const std::byte* data, DataType type, const Dims& dims, TensorFormat format, float scale = 1.0f);

// The bytes toFormat gives for a linear tensor of values drawn uniformly from [-1, 1] (dummy data for
// timing tactics): runs of real lanes are copied from a pool of 65,536 random values at random offsets,
// so a batch-256 activation takes one memory pass. The values depend on `seed` only; padded lanes are
// zero; a tensor of a non-floating-point type is all zeros, which is a valid index and shape everywhere.
std::vector<std::byte> randomInFormat(DataType type, const Dims& dims, TensorFormat format, float scale,
                                      uint64_t seed);
// The same bytes written to `target` (storageByteSize(type, dims, format) of them), for memory that the
// caller already has (the builder's timing buffers, reused from layer to layer).
void fillRandomInFormat(std::byte* target, DataType type, const Dims& dims, TensorFormat format, float scale,
                        uint64_t seed);

}  // namespace kiln::tactics

// Format conversions by definition: one element at a time through elementOffset.
#include "tactics/formats.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace kiln::tactics {

namespace {

struct Extents {
    int64_t batch = 1;
    int64_t channels = 1;
    int64_t spatial = 1;
};

Extents extentsOf(const Dims& dims) {
    Extents e;
    if (dims.empty()) return e;
    if (dims.size() == 1) {
        e.channels = dims[0];
        return e;
    }
    e.batch = dims[0];
    e.channels = dims[1];
    for (size_t axis = 2; axis < dims.size(); ++axis) e.spatial *= dims[axis];
    return e;
}

}  // namespace

int64_t elementOffset(const Dims& dims, TensorFormat format, int64_t n, int64_t c, int64_t s, size_t elementSize) {
    const Extents e = extentsOf(dims);
    if (format.isLinear() || dims.size() < 2) return ((n * e.channels + c) * e.spatial + s) * int64_t(elementSize);
    if (format.channelsLast) {
        const int64_t pad = std::max(format.channelBlock, 1);
        const int64_t padded = (e.channels + pad - 1) / pad * pad;
        return ((n * e.spatial + s) * padded + c) * int64_t(elementSize);
    }
    const int64_t block = format.channelBlock;
    const int64_t blocks = (e.channels + block - 1) / block;
    return (((n * blocks + c / block) * e.spatial + s) * block + c % block) * int64_t(elementSize);
}

void convertFormat(const std::byte* source, TensorFormat sourceFormat, std::byte* target, TensorFormat targetFormat,
                   const Dims& dims, size_t elementSize) {
    const Extents e = extentsOf(dims);
    TensorFormat bytes = targetFormat;
    bytes.storage.reset();
    const size_t targetBytes = size_t(storageByteSize(DataType::Int8, dims, bytes)) * elementSize;
    if (targetBytes == 0) return;  // an empty tensor: no element, and its buffers may have no address
    std::memset(target, 0, targetBytes);
    for (int64_t n = 0; n < e.batch; ++n) {
        for (int64_t c = 0; c < e.channels; ++c) {
            for (int64_t s = 0; s < e.spatial; ++s) {
                std::memcpy(target + elementOffset(dims, targetFormat, n, c, s, elementSize),
                            source + elementOffset(dims, sourceFormat, n, c, s, elementSize), elementSize);
            }
        }
    }
}

HostTensor convertType(const HostTensor& tensor, DataType to, float scale) {
    if (tensor.type() == to) return tensor;
    HostTensor converted(to, tensor.dims());
    for (int64_t i = 0; i < tensor.elementCount(); ++i) {
        if (to == DataType::Float16) {
            converted.data<uint16_t>()[i] = floatToHalf(float(tensor.valueAsDouble(i)));
        } else if (to == DataType::BFloat16) {
            converted.data<uint16_t>()[i] = floatToBFloat16(float(tensor.valueAsDouble(i)));
        } else if (to == DataType::Int8) {
            converted.data<int8_t>()[i] = quantizeToInt8(tensor.valueAsDouble(i), scale);
        } else if (to == DataType::Float32) {
            converted.data<float>()[i] = float(tensor.valueAsDouble(i) * (tensor.type() == DataType::Int8 ? scale : 1.0f));
        }
    }
    return converted;
}

float storageScale(const Tensor& tensor) { return tensor.dynamicRange().value_or(127.0f) / 127.0f; }

std::vector<std::byte> toFormat(const HostTensor& linear, TensorFormat format, float scale) {
    const HostTensor stored = convertType(linear, storageType(linear.type(), format), scale);
    std::vector<std::byte> bytes(size_t(storageByteSize(linear.type(), linear.dims(), format)));
    convertFormat(stored.bytes(), TensorFormat{}, bytes.data(), format, linear.dims(), dataTypeSize(stored.type()));
    return bytes;
}

HostTensor fromFormat(const std::byte* data, DataType type, const Dims& dims, TensorFormat format, float scale) {
    HostTensor stored(storageType(type, format), dims);
    convertFormat(data, format, stored.bytes(), TensorFormat{}, dims, dataTypeSize(stored.type()));
    return convertType(stored, type, scale);
}

namespace {

// xorshift64: statistically plain but one cycle per value, which is what dummy timing data needs.
class FastRandom {
public:
    explicit FastRandom(uint64_t seed) : m_state(seed * 0x9E3779B97F4A7C15ull | 1u) {}
    uint64_t next() {
        m_state ^= m_state << 13;
        m_state ^= m_state >> 7;
        m_state ^= m_state << 17;
        return m_state;
    }
    float uniform() { return float(int64_t(next() >> 40)) * (2.0f / 16777216.0f) - 1.0f; }  // [-1, 1), 24 bits

private:
    uint64_t m_state;
};

// Calls run(at, count) for each contiguous run of real (not padded) lanes of a tensor in `format`.
template <typename Run>
void forEachRun(std::byte* bytes, const Dims& dims, TensorFormat format, size_t elementSize, Run run) {
    const Extents e = extentsOf(dims);
    const auto size = int64_t(elementSize);
    if (format.isLinear() || dims.size() < 2) {
        run(bytes, e.batch * e.channels * e.spatial);
        return;
    }
    if (format.channelsLast) {  // rows of `padded` lanes, the first `channels` of them real
        const int64_t pad = std::max(format.channelBlock, 1);
        const int64_t padded = (e.channels + pad - 1) / pad * pad;
        for (int64_t row = 0; row < e.batch * e.spatial; ++row) run(bytes + row * padded * size, e.channels);
        return;
    }
    const int64_t block = format.channelBlock;  // blocks of `block` lanes; the last block may be partial
    const int64_t blocks = (e.channels + block - 1) / block;
    std::byte* at = bytes;
    for (int64_t n = 0; n < e.batch; ++n) {
        for (int64_t b = 0; b < blocks; ++b) {
            const int64_t lanes = std::min(block, e.channels - b * block);
            if (lanes == block) {  // whole blocks are contiguous over the spatial positions
                run(at, e.spatial * block);
                at += e.spatial * block * size;
                continue;
            }
            for (int64_t s = 0; s < e.spatial; ++s, at += block * size) run(at, lanes);
        }
    }
}

}  // namespace

std::vector<std::byte> randomInFormat(DataType type, const Dims& dims, TensorFormat format, float scale,
                                      uint64_t seed) {
    std::vector<std::byte> bytes(size_t(storageByteSize(type, dims, format)));
    fillRandomInFormat(bytes.data(), type, dims, format, scale, seed);
    return bytes;
}

void fillRandomInFormat(std::byte* target, DataType type, const Dims& dims, TensorFormat format, float scale,
                        uint64_t seed) {
    const DataType stored = storageType(type, format);
    std::memset(target, 0, size_t(storageByteSize(type, dims, format)));
    const bool floating = type == DataType::Float32 || type == DataType::Float16 || type == DataType::BFloat16;
    if (!floating) return;
    // A pool of random values in the storage type, converted once; runs of real lanes are copied from
    // it at random offsets. A batch-256 activation of 200 million values takes one memory pass instead
    // of 200 million conversions (seconds per layer).
    constexpr int64_t kPool = int64_t(1) << 16;
    const auto size = int64_t(dataTypeSize(stored));
    FastRandom random(seed);
    std::vector<std::byte> pool(size_t(kPool * size));
    for (int64_t i = 0; i < kPool; ++i) {
        std::byte* at = pool.data() + i * size;
        const float x = random.uniform();
        if (stored == DataType::Float32) {
            std::memcpy(at, &x, 4);
        } else if (stored == DataType::Float16 || stored == DataType::BFloat16) {
            const uint16_t h = stored == DataType::Float16 ? floatToHalf(x) : floatToBFloat16(x);
            std::memcpy(at, &h, 2);
        } else if (stored == DataType::Int8) {
            *reinterpret_cast<int8_t*>(at) = quantizeToInt8(x, scale);
        } else {
            return;  // no other storage of a floating-point tensor exists; zeros are still valid data
        }
    }
    forEachRun(target, dims, format, size_t(size), [&](std::byte* at, int64_t count) {
        while (count > 0) {
            const int64_t piece = std::min(count, kPool / 2);
            const auto offset = int64_t(random.next() % uint64_t(kPool - piece + 1));
            std::memcpy(at, pool.data() + offset * size, size_t(piece * size));
            at += piece * size;
            count -= piece;
        }
    });
}

}  // namespace kiln::tactics

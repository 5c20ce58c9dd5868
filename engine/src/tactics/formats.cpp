// Format conversions by definition: one element at a time through elementOffset.
#include "tactics/formats.h"

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
    const int64_t block = format.channelBlock;
    const int64_t blocks = (e.channels + block - 1) / block;
    return (((n * blocks + c / block) * e.spatial + s) * block + c % block) * int64_t(elementSize);
}

void convertFormat(const std::byte* source, TensorFormat sourceFormat, std::byte* target, TensorFormat targetFormat,
                   const Dims& dims, size_t elementSize) {
    const Extents e = extentsOf(dims);
    std::memset(target, 0, size_t(storageByteSize(DataType::Int8, dims, targetFormat)) * elementSize);
    for (int64_t n = 0; n < e.batch; ++n) {
        for (int64_t c = 0; c < e.channels; ++c) {
            for (int64_t s = 0; s < e.spatial; ++s) {
                std::memcpy(target + elementOffset(dims, targetFormat, n, c, s, elementSize),
                            source + elementOffset(dims, sourceFormat, n, c, s, elementSize), elementSize);
            }
        }
    }
}

std::vector<std::byte> toFormat(const HostTensor& linear, TensorFormat format) {
    std::vector<std::byte> bytes(size_t(storageByteSize(linear.type(), linear.dims(), format)));
    convertFormat(linear.bytes(), TensorFormat{}, bytes.data(), format, linear.dims(), dataTypeSize(linear.type()));
    return bytes;
}

HostTensor fromFormat(const std::byte* data, DataType type, const Dims& dims, TensorFormat format) {
    HostTensor linear(type, dims);
    convertFormat(data, format, linear.bytes(), TensorFormat{}, dims, dataTypeSize(type));
    return linear;
}

}  // namespace kiln::tactics

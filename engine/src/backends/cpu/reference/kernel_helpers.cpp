// The index and half-precision helpers the reference kernels share.
#include "backends/cpu/reference/reference_kernels.h"

namespace kiln::cpu {

HostTensor widenToFloat32(const HostTensor& half) {
    HostTensor wide(DataType::Float32, half.dims());
    const uint16_t* src = half.data<uint16_t>();
    float* dst = wide.data<float>();
    for (int64_t i = 0; i < half.elementCount(); ++i) dst[i] = halfToFloat(src[i]);
    return wide;
}

void narrowToFloat16(const HostTensor& wide, HostTensor& half) {
    const float* src = wide.data<float>();
    uint16_t* dst = half.data<uint16_t>();
    for (int64_t i = 0; i < wide.elementCount(); ++i) dst[i] = floatToHalf(src[i]);
}

std::vector<int64_t> rowMajorStrides(const Dims& dims) {
    std::vector<int64_t> strides(dims.size(), 1);
    for (size_t i = dims.size(); i-- > 1;) strides[i - 1] = strides[i] * dims[i];
    return strides;
}

std::vector<int64_t> broadcastStrides(const Dims& from, const Dims& to) {
    const std::vector<int64_t> own = rowMajorStrides(from);
    std::vector<int64_t> strides(to.size(), 0);
    const size_t offset = to.size() - from.size();
    for (size_t i = 0; i < from.size(); ++i) {
        strides[offset + i] = from[i] == 1 ? 0 : own[i];
    }
    return strides;
}

}  // namespace kiln::cpu

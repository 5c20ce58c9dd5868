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

Status runReference(const ResizeParams& p, const KernelInputs& in, KernelOutputs& out) {
    const HostTensor& x = *in[0];
    HostTensor& y = out[0];
    const size_t rank = x.dims().size();
    if (rank > 16) {
        return unsupported("Resize reference kernel supports up to 16 dimensions; input 0 (data) has " +
                           std::to_string(rank));
    }
    const std::vector<int64_t> strides = rowMajorStrides(x.dims());
    std::vector<std::vector<tactics::AxisSample>> samples(rank);
    for (size_t d = 0; d < rank; ++d)
        samples[d] = tactics::resizeAxisSamples(p, d, x.dims()[d]);

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
                const tactics::AxisSample& s = samples[d][index[d]];
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

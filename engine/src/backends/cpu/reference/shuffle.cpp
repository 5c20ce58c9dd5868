// Reference kernels for the data-movement family: Concat, Split, Slice, Reshape, Transpose, Gather,
// Pad, Expand, Tile, DepthToSpace, SpaceToDepth and Identity. None of them does arithmetic on element
// values, so they copy whole elements by byte size and work for every data type alike. Most kernels
// map each output index to the input offset it reads, which keeps each one a few obviously-correct
// lines.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "backends/cpu/reference/reference_kernels.h"
#include "backends/cpu/scalar_math.h"

namespace kiln::cpu {

namespace {

// Fills every output element from the input element at `sourceOffset(index)`.
template <typename OffsetFn>
void gatherElements(const HostTensor& in, HostTensor& out, OffsetFn sourceOffset) {
    const size_t elementSize = dataTypeSize(out.type());
    forEachIndex(out.dims(), [&](int64_t linear, const std::vector<int64_t>& index) {
        std::memcpy(out.bytes() + linear * elementSize, in.bytes() + sourceOffset(index) * elementSize,
                    elementSize);
    });
}

int64_t product(const Dims& dims, size_t begin, size_t end) {
    int64_t result = 1;
    for (size_t d = begin; d < end; ++d)
        result *= dims[d];
    return result;
}

Status copyWhole(const HostTensor& in, HostTensor& out) {
    if (in.byteSize() != out.byteSize()) {
        return internalError("input of " + std::to_string(in.byteSize()) +
                             " bytes does not fit the output of " + std::to_string(out.byteSize()) +
                             " bytes");
    }
    if (in.byteSize() > 0)
        std::memcpy(out.bytes(), in.bytes(), in.byteSize());
    return Status::ok();
}

}  // namespace

Status runReference(const ConcatParams& p, const KernelInputs& in, KernelOutputs& out) {
    HostTensor& y = out[0];
    const size_t elementSize = dataTypeSize(y.type());
    const size_t axis = static_cast<size_t>(p.axis);
    const int64_t outer = product(y.dims(), 0, axis);
    const int64_t inner = product(y.dims(), axis + 1, y.dims().size()) * static_cast<int64_t>(elementSize);
    const int64_t outputRow = y.dims()[axis] * inner;
    int64_t columnOffset = 0;
    for (const HostTensor* x : in) {
        const int64_t row = x->dims()[axis] * inner;
        if (row == 0)
            continue;
        for (int64_t o = 0; o < outer; ++o) {
            std::memcpy(y.bytes() + o * outputRow + columnOffset, x->bytes() + o * row, row);
        }
        columnOffset += row;
    }
    return Status::ok();
}

Status runReference(const SplitParams& p, const KernelInputs& in, KernelOutputs& out) {
    const HostTensor& x = *in[0];
    const size_t elementSize = dataTypeSize(x.type());
    const size_t axis = static_cast<size_t>(p.axis);
    const int64_t outer = product(x.dims(), 0, axis);
    const int64_t inner = product(x.dims(), axis + 1, x.dims().size()) * static_cast<int64_t>(elementSize);
    const int64_t inputRow = x.dims()[axis] * inner;
    int64_t columnOffset = 0;
    for (HostTensor& y : out) {
        const int64_t row = y.dims()[axis] * inner;
        if (row == 0)
            continue;
        for (int64_t o = 0; o < outer; ++o) {
            std::memcpy(y.bytes() + o * row, x.bytes() + o * inputRow + columnOffset, row);
        }
        columnOffset += row;
    }
    return Status::ok();
}

Status runReference(const SliceParams& p, const KernelInputs& in, KernelOutputs& out) {
    const HostTensor& x = *in[0];
    const std::vector<int64_t> strides = rowMajorStrides(x.dims());
    gatherElements(x, out[0], [&](const std::vector<int64_t>& index) {
        int64_t offset = 0;
        for (size_t d = 0; d < index.size(); ++d)
            offset += (p.starts[d] + index[d] * p.steps[d]) * strides[d];
        return offset;
    });
    return Status::ok();
}

Status runReference(const ReshapeParams&, const KernelInputs& in, KernelOutputs& out) {
    return copyWhole(*in[0], out[0]);
}

Status runReference(const TransposeParams& p, const KernelInputs& in, KernelOutputs& out) {
    const HostTensor& x = *in[0];
    const std::vector<int64_t> strides = rowMajorStrides(x.dims());
    gatherElements(x, out[0], [&](const std::vector<int64_t>& index) {
        int64_t offset = 0;
        for (size_t d = 0; d < index.size(); ++d)
            offset += index[d] * strides[p.perm[d]];
        return offset;
    });
    return Status::ok();
}

Status runReference(const GatherParams& p, const KernelInputs& in, KernelOutputs& out) {
    const HostTensor& data = *in[0];
    const HostTensor& indices = *in[1];
    HostTensor& y = out[0];
    const size_t axis = static_cast<size_t>(p.axis);
    const int64_t extent = data.dims()[axis];
    std::vector<int64_t> resolved(indices.elementCount());
    for (int64_t j = 0; j < indices.elementCount(); ++j) {
        const int64_t index =
            indices.type() == DataType::Int32 ? indices.data<int32_t>()[j] : indices.data<int64_t>()[j];
        if (index < -extent || index >= extent) {
            return invalidArgument("Gather index " + std::to_string(index) + " at position " +
                                   std::to_string(j) + " of input 1 (indices) is out of range for axis " +
                                   std::to_string(p.axis) + " of extent " + std::to_string(extent) +
                                   "; expected " + std::to_string(-extent) + " <= index < " +
                                   std::to_string(extent));
        }
        resolved[j] = index < 0 ? index + extent : index;
    }
    const size_t elementSize = dataTypeSize(data.type());
    const int64_t outer = product(data.dims(), 0, axis);
    const int64_t inner =
        product(data.dims(), axis + 1, data.dims().size()) * static_cast<int64_t>(elementSize);
    const int64_t count = static_cast<int64_t>(resolved.size());
    if (inner == 0)
        return Status::ok();
    for (int64_t o = 0; o < outer; ++o) {
        for (int64_t j = 0; j < count; ++j) {
            std::memcpy(y.bytes() + (o * count + j) * inner,
                        data.bytes() + (o * extent + resolved[j]) * inner, inner);
        }
    }
    return Status::ok();
}

Status runReference(const PadParams& p, const KernelInputs& in, KernelOutputs& out) {
    const HostTensor& x = *in[0];
    HostTensor& y = out[0];
    const size_t rank = x.dims().size();
    const size_t elementSize = dataTypeSize(y.type());
    const std::vector<int64_t> strides = rowMajorStrides(x.dims());
    const HostTensor fill = padValueElement(y.type(), p.value);
    forEachIndex(y.dims(), [&](int64_t linear, const std::vector<int64_t>& index) {
        int64_t offset = 0;
        bool inside = true;
        for (size_t d = 0; d < rank; ++d) {
            const int64_t extent = x.dims()[d];
            int64_t source = index[d] - p.pads[d];
            if (source < 0 || source >= extent) {
                if (p.mode == PadMode::Constant) {
                    inside = false;
                    break;
                }
                if (p.mode == PadMode::Edge) {
                    source = std::clamp<int64_t>(source, 0, extent - 1);
                } else {
                    // Shape inference keeps reflect pads below the extent, so one reflection suffices.
                    source = source < 0 ? -source : 2 * (extent - 1) - source;
                }
            }
            offset += source * strides[d];
        }
        const std::byte* src = inside ? x.bytes() + offset * elementSize : fill.bytes();
        std::memcpy(y.bytes() + linear * elementSize, src, elementSize);
    });
    return Status::ok();
}

Status runReference(const ExpandParams&, const KernelInputs& in, KernelOutputs& out) {
    const HostTensor& x = *in[0];
    const std::vector<int64_t> strides = broadcastStrides(x.dims(), out[0].dims());
    gatherElements(x, out[0], [&](const std::vector<int64_t>& index) {
        int64_t offset = 0;
        for (size_t d = 0; d < index.size(); ++d)
            offset += index[d] * strides[d];
        return offset;
    });
    return Status::ok();
}

Status runReference(const TileParams&, const KernelInputs& in, KernelOutputs& out) {
    const HostTensor& x = *in[0];
    const std::vector<int64_t> strides = rowMajorStrides(x.dims());
    gatherElements(x, out[0], [&](const std::vector<int64_t>& index) {
        int64_t offset = 0;
        for (size_t d = 0; d < index.size(); ++d)
            offset += (index[d] % x.dims()[d]) * strides[d];
        return offset;
    });
    return Status::ok();
}

Status runReference(const DepthToSpaceParams& p, const KernelInputs& in, KernelOutputs& out) {
    const HostTensor& x = *in[0];
    const int64_t block = p.blockSize;
    const int64_t channels = x.dims()[1];
    const int64_t height = x.dims()[2];
    const int64_t width = x.dims()[3];
    const int64_t outputChannels = out[0].dims()[1];
    gatherElements(x, out[0], [&](const std::vector<int64_t>& index) {
        const int64_t n = index[0];
        const int64_t c = index[1];
        const int64_t i = index[2] % block;
        const int64_t j = index[3] % block;
        // DCR reads the block offset as the outer part of the channel, CRD as the inner part.
        const int64_t sourceChannel =
            p.columnRowDepth ? c * block * block + i * block + j : (i * block + j) * outputChannels + c;
        return ((n * channels + sourceChannel) * height + index[2] / block) * width + index[3] / block;
    });
    return Status::ok();
}

Status runReference(const SpaceToDepthParams& p, const KernelInputs& in, KernelOutputs& out) {
    const HostTensor& x = *in[0];
    const int64_t block = p.blockSize;
    const int64_t channels = x.dims()[1];
    const int64_t height = x.dims()[2];
    const int64_t width = x.dims()[3];
    gatherElements(x, out[0], [&](const std::vector<int64_t>& index) {
        const int64_t n = index[0];
        const int64_t c = index[1] % channels;
        const int64_t blockIndex = index[1] / channels;
        const int64_t row = index[2] * block + blockIndex / block;
        const int64_t column = index[3] * block + blockIndex % block;
        return ((n * channels + c) * height + row) * width + column;
    });
    return Status::ok();
}

Status runReference(const IdentityParams&, const KernelInputs& in, KernelOutputs& out) {
    return copyWhole(*in[0], out[0]);
}

Status runReference(const ReformatParams&, const KernelInputs& in, KernelOutputs& out) {
    return copyWhole(*in[0], out[0]);
}

}  // namespace kiln::cpu

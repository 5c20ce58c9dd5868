// The CPU reference kernels, one overload per layer kind, implemented per family in this folder.
// Inputs may hold null entries for omitted optional inputs; outputs arrive allocated with the types
// and dims shape inference gave. Kernels favour obviously-correct loops over speed: they are the
// oracle the fast kernels are tested against.
#pragma once

#include <vector>

#include "backends/cpu/scalar_math.h"
#include "kiln/layers.h"
#include "kiln/status.h"
#include "kiln/types.h"

namespace kiln::cpu {

using KernelInputs = std::vector<const HostTensor*>;
using KernelOutputs = std::vector<HostTensor>;

Status runReference(const ConvolutionParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const DeconvolutionParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const MatMulParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const GemmParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const PoolingParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const LrnParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const BatchNormParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const InstanceNormParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const LayerNormParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const SoftmaxParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const AttentionParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const PluginParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const ReduceParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const ArgMinMaxParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const ActivationParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const UnaryParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const ElementwiseParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const SelectParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const CastParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const ConcatParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const SplitParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const SliceParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const ReshapeParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const TransposeParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const GatherParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const PadParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const ExpandParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const TileParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const DepthToSpaceParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const SpaceToDepthParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const IdentityParams& p, const KernelInputs& in, KernelOutputs& out);
// The reference kernels see every tensor as linear, so a reformat is a copy there.
Status runReference(const ReformatParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const ResizeParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const PointwiseChainParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const QuantizeParams& p, const KernelInputs& in, KernelOutputs& out);
Status runReference(const DequantizeParams& p, const KernelInputs& in, KernelOutputs& out);


// Calls `fn(linear, index)` for every position of `dims` in row-major order.
template <typename Fn>
void forEachIndex(const Dims& dims, Fn fn) {
    const int64_t count = volume(dims);
    std::vector<int64_t> index(dims.size(), 0);
    for (int64_t linear = 0; linear < count; ++linear) {
        fn(linear, index);
        for (size_t axis = dims.size(); axis-- > 0;) {
            if (++index[axis] < dims[axis]) break;
            index[axis] = 0;
        }
    }
}

// FP16 <-> FP32 copies of a whole tensor, for kernels that compute FP16 data in FP32.
HostTensor widenToFloat32(const HostTensor& half);
void narrowToFloat16(const HostTensor& wide, HostTensor& half);

// Row-major strides of `dims` in elements.
std::vector<int64_t> rowMajorStrides(const Dims& dims);

// Strides for reading a tensor of shape `from` broadcast to `to` (0 along broadcast axes); `from`
// must broadcast to `to` under numpy rules.
std::vector<int64_t> broadcastStrides(const Dims& from, const Dims& to);

}  // namespace kiln::cpu

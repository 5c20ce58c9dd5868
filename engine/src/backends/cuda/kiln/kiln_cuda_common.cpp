// Shared Kiln CUDA kernel pieces (host side).
#include "backends/cuda/kiln/kiln_cuda_common.h"

namespace kiln::cuda {

Result<std::unique_ptr<tactics::Kernel>> KilnCudaTactic::instantiate(std::vector<tactics::WeightBlob> weights) const {
    if (!weights.empty()) {
        return invalidModel("tactic '" + m_id + "' prepares no weights, but " + std::to_string(weights.size()) +
                            " blobs were given; rebuild the plan");
    }
    return m_factory();
}

Status KilnCudaKernel::launched(const char* what) const {
    KILN_CUDA_RETURN_IF_ERROR(cudaGetLastError(), std::string("launching the ") + what + " kernel");
    return Status::ok();
}

ShapeDesc denseShape(const Dims& dims) {
    ShapeDesc shape;
    shape.rank = int(dims.size());
    int64_t stride = 1;
    for (int axis = shape.rank - 1; axis >= 0; --axis) {
        shape.extents[axis] = dims[size_t(axis)];
        shape.strides[axis] = stride;
        stride *= dims[size_t(axis)];
    }
    return shape;
}

ShapeDesc broadcastShape(const Dims& operand, const Dims& target) {
    ShapeDesc shape = denseShape(target);
    const ShapeDesc own = denseShape(operand);
    const int offset = shape.rank - own.rank;
    for (int axis = 0; axis < shape.rank; ++axis) {
        const int ownAxis = axis - offset;
        shape.strides[axis] = ownAxis < 0 || own.extents[ownAxis] == 1 ? 0 : own.strides[ownAxis];
    }
    return shape;
}

void skip(std::vector<tactics::SkippedTactic>& skipped, std::string id, std::string reason) {
    skipped.push_back({std::move(id), kKilnCudaLibrary, std::move(reason)});
}

bool allLinear(const tactics::LayerConfig& config) {
    for (const TensorFormat& format : config.inputFormats) {
        if (!format.isDefault()) return false;
    }
    for (const TensorFormat& format : config.outputFormats) {
        if (!format.isDefault()) return false;
    }
    return true;
}

}  // namespace kiln::cuda

// Pieces every Kiln CUDA kernel shares: the tactic class that wraps a kernel factory, the kernel base
// that keeps device copies of the layer's constant inputs, and the shape descriptions device code
// indexes with (extents and element strides of up to kMaxRank axes, passed to kernels by value).
//
// Device kernels use grid-stride loops over int64 indices: blocksFor() caps the grid, so a kernel
// must cover every element whatever the grid is.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backends/cuda/cuda_common.h"
#include "kiln/network.h"
#include "tactics/tactic.h"

namespace kiln::cuda {

inline constexpr const char* kKilnCudaLibrary = "Kiln CUDA";
inline constexpr int kMaxRank = 8;

// A Kiln CUDA tactic: an id ("kiln-cuda:<family>:<variant>") and a factory for its kernel. Kiln CUDA
// kernels prepare no weights; they copy the layer's constants to the device when instantiated.
class KilnCudaTactic final : public tactics::Tactic {
public:
    using Factory = std::function<Result<std::unique_ptr<tactics::Kernel>>()>;
    KilnCudaTactic(std::string id, Factory factory) : m_id(std::move(id)), m_factory(std::move(factory)) {}
    std::string id() const override { return m_id; }
    std::string library() const override { return kKilnCudaLibrary; }
    Result<std::unique_ptr<tactics::Kernel>> instantiate(std::vector<tactics::WeightBlob> weights) const override;

private:
    std::string m_id;
    Factory m_factory;
};

// Makes a KilnCudaTactic whose kernel is `KernelType(layer, extra...)` followed by its prepare().
template <typename KernelType, typename... Extra>
std::unique_ptr<tactics::Tactic> makeTactic(std::string id, const Layer& layer, Extra... extra) {
    return std::make_unique<KilnCudaTactic>(std::move(id), [&layer, extra...]() -> Result<std::unique_ptr<tactics::Kernel>> {
        auto kernel = std::make_unique<KernelType>(layer, extra...);
        KILN_RETURN_IF_ERROR(kernel->prepare());
        return std::unique_ptr<tactics::Kernel>(std::move(kernel));
    });
}

// A Kiln CUDA kernel: the layer it runs and device copies of the layer's constant inputs. Subclasses
// override run() and, when they need more set-up, prepare() (calling this one first).
class KilnCudaKernel : public tactics::Kernel {
public:
    explicit KilnCudaKernel(const Layer& layer) : m_layer(layer) {}
    virtual Status prepare() { return m_constants.upload(m_layer); }

protected:
    // The device address of input `index` of this run: its device copy for a constant.
    const std::byte* input(const tactics::KernelArgs& args, size_t index) const { return m_constants.input(args, index); }
    cudaStream_t stream(const tactics::KernelArgs& args) const { return streamOf(args).stream(); }
    // The error of the last launch, if there was one.
    Status launched(const char* what) const;

    const Layer& m_layer;
    LayerConstants m_constants;
};

// Extents and element strides of a tensor as device code reads it. A broadcast operand has stride 0
// along the axes it is broadcast over.
struct ShapeDesc {
    int rank = 0;
    int64_t extents[kMaxRank] = {};
    int64_t strides[kMaxRank] = {};
};

// `dims` as a dense row-major tensor.
ShapeDesc denseShape(const Dims& dims);
// The strides with which an operand of `operand` dims is read at each index of a `target`-shaped
// result (numpy broadcasting: leading axes added, extent-1 axes read with stride 0); the extents are
// the target's. `operand` must broadcast to `target` and the rank be at most kMaxRank.
ShapeDesc broadcastShape(const Dims& operand, const Dims& target);

// Skips `config` with `reason` under tactic `id` (a convenience for the family functions).
void skip(std::vector<tactics::SkippedTactic>& skipped, std::string id, std::string reason);

// Whether every activation input and output of `config` is linear in its own type (no channels-last
// layout, no FP16 storage of an FP32 tensor): what the linear Kiln CUDA kernels read and write.
bool allLinear(const tactics::LayerConfig& config);

}  // namespace kiln::cuda

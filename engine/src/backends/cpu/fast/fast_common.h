// Pieces every Kiln CPU kernel shares: the instruction sets a kernel can be compiled for (chosen at run
// time, because the engine is built for plain x86-64), the tactic class that wraps a kernel factory,
// the [batch][channel blocks][spatial][block] view of a tensor in either memory format, and a parallel
// copy on OpenMP's pool (the pool oneDNN uses too, so the two never oversubscribe the cores).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "kiln/types.h"
#include "tactics/tactic.h"

namespace kiln::cpu::fast {

// Scalar kernels run anywhere; Avx2 also needs FMA (every AVX2 CPU Kiln targets has it).
enum class Isa : uint8_t { Scalar, Avx2, Avx512 };

const char* isaName(Isa isa);
bool isaSupported(Isa isa);
// The widest instruction set this CPU runs.
Isa bestIsa();

// A tensor viewed as [batch][blocks][spatial][block]: linear NCHW is block 1, nChw<b>c is block b
// with ceil(channels / b) blocks. Tensors of rank below 2 are linear whatever their format says (as in
// tactics::elementOffset), viewed as one batch, one channel and `volume` spatial positions.
struct BlockedView {
    int64_t batch = 1;
    int64_t channels = 1;
    int64_t spatial = 1;
    int64_t block = 1;
    int64_t blocks() const { return (channels + block - 1) / block; }
    // Elements one batch entry occupies, padded lanes included.
    int64_t batchStride() const { return blocks() * spatial * block; }
};
BlockedView viewOf(const Dims& dims, TensorFormat format);
// True when the bytes of `dims` are laid out as in linear format (rank below 2, or linear).
bool isLinearLayout(const Dims& dims, TensorFormat format);

// Copies `bytes` bytes with every thread of the pool taking a share when the copy is large.
void parallelCopy(std::byte* target, const std::byte* source, size_t bytes);

// Whether `bytes` of memory traffic are worth waking the OpenMP team for. Kernels run on the whole
// team (`#pragma omp parallel if(...)`) or on the calling thread alone, never on a smaller team:
// libgomp ends the pool threads a smaller team leaves out, and the next full-size region (oneDNN's,
// or ours) has to create them again, which costs far more than the kernel.
bool worthParallel(int64_t bytes);
// The threads a parallel region of this process gets.
int teamSize();
// The chunk of a loop of `units` shared out as threads come for work (`schedule(dynamic, chunk)`): a
// thread whose core is slowed by another program (a busy neighbour, a hypervisor) takes fewer units
// instead of holding up the rest at the loop's end. `together` units that share data (one filter group's
// rows) go to one thread where the loop still has four chunks a thread.
int64_t dynamicChunk(int64_t units, int64_t together);

// A Kiln tactic: an id and a factory for its kernel. Kiln kernels prepare no weights; they read the
// layer's constants in place (the engine owns the network, so the references stay valid).
class KilnTactic final : public tactics::Tactic {
public:
    using Factory = std::function<Result<std::unique_ptr<tactics::Kernel>>()>;
    KilnTactic(std::string id, Factory factory) : m_id(std::move(id)), m_factory(std::move(factory)) {}
    std::string id() const override { return m_id; }
    std::string library() const override { return "Kiln"; }
    Result<std::unique_ptr<tactics::Kernel>> instantiate(std::vector<tactics::WeightBlob> weights) const override;

private:
    std::string m_id;
    Factory m_factory;
};

inline constexpr const char* kLibrary = "Kiln";

// For the kernels that move values without computing on them (transpose, slice, gather, expand, tile):
// why input `input` and output 0 of `config` cannot be moved as stored (both must be linear, or
// channel-blocked where `channelBlocks` allows it, and stored alike, INT8 ones with one scale), or an
// empty string; and the bytes one stored element takes.
std::string movingRefusal(const tactics::LayerConfig& config, size_t input = 0, bool channelBlocks = false);
size_t movedElementSize(const tactics::LayerConfig& config, size_t input = 0);
// For the kernels that compute on input 0 and output 0 as the reference does (cast, ArgMinMax, quantize):
// why they cannot run `config` (both must be there, linear and stored in their own types), or an empty
// string.
std::string linearOwnTypeRefusal(const tactics::LayerConfig& config);

// Kernel<T> made from `plan`, with T the unsigned integer of `elementSize` bytes (1, 2, 4 or 8).
template <template <typename> class Kernel, typename Plan>
Result<std::unique_ptr<tactics::Kernel>> kernelForElementSize(size_t elementSize, const Plan& plan) {
    switch (elementSize) {
        case 1: return std::unique_ptr<tactics::Kernel>(std::make_unique<Kernel<uint8_t>>(plan));
        case 2: return std::unique_ptr<tactics::Kernel>(std::make_unique<Kernel<uint16_t>>(plan));
        case 4: return std::unique_ptr<tactics::Kernel>(std::make_unique<Kernel<uint32_t>>(plan));
        case 8: return std::unique_ptr<tactics::Kernel>(std::make_unique<Kernel<uint64_t>>(plan));
    }
    return unsupported("elements of " + std::to_string(elementSize) + " bytes are not moved by Kiln's kernels");
}

}  // namespace kiln::cpu::fast

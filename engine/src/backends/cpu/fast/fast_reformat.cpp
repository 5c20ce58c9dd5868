// Format conversion kernels. Every direction is split into tiles of one channel block and a run of
// spatial positions, small enough that the tile's reads and writes stay in L1 while it is transposed;
// tiles are shared among the pool's threads. Blocked targets get their padded lanes written as zero
// here, whatever the source's padding holds.
#include "backends/cpu/fast/fast_reformat.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "tactics/formats.h"

namespace kiln::cpu::fast {

namespace {

constexpr const char* kReformatId = "kiln:reformat";

// Spatial positions per tile: about 16 KiB of 4-byte elements for a 16-channel block.
constexpr int64_t kTilePositions = 256;

// The source and target of one conversion, both viewed as [batch][blocks][spatial][block].
struct Conversion {
    const std::byte* source;
    std::byte* target;
    BlockedView from;
    BlockedView to;
};

template <typename T>
void linearToBlockedTile(const Conversion& c, int64_t n, int64_t cb, int64_t s0, int64_t s1) {
    const int64_t spatial = c.to.spatial;
    const int64_t block = c.to.block;
    const int64_t first = cb * block;
    const int64_t valid = std::min(block, c.to.channels - first);
    const T* in = reinterpret_cast<const T*>(c.source) + (n * c.to.channels + first) * spatial;
    T* out = reinterpret_cast<T*>(c.target) + n * c.to.batchStride() + cb * spatial * block;
    for (int64_t s = s0; s < s1; ++s) {
        for (int64_t lane = 0; lane < valid; ++lane) out[s * block + lane] = in[lane * spatial + s];
        for (int64_t lane = valid; lane < block; ++lane) out[s * block + lane] = T{};
    }
}

template <typename T>
void blockedToLinearTile(const Conversion& c, int64_t n, int64_t cb, int64_t s0, int64_t s1) {
    const int64_t spatial = c.from.spatial;
    const int64_t block = c.from.block;
    const int64_t first = cb * block;
    const int64_t valid = std::min(block, c.from.channels - first);
    const T* in = reinterpret_cast<const T*>(c.source) + n * c.from.batchStride() + cb * spatial * block;
    T* out = reinterpret_cast<T*>(c.target) + (n * c.from.channels + first) * spatial;
    for (int64_t lane = 0; lane < valid; ++lane) {
        for (int64_t s = s0; s < s1; ++s) out[lane * spatial + s] = in[s * block + lane];
    }
}

// Copies `count` runs of Run elements, `sourceStride` and `targetStride` elements apart; a fixed Run
// lets the compiler move each run with a few vector loads and stores.
template <typename T, int Run>
void copyRuns(const T* source, int64_t sourceStride, T* target, int64_t targetStride, int64_t count) {
    for (int64_t i = 0; i < count; ++i) {
        T run[Run];
        std::memcpy(run, source + i * sourceStride, sizeof run);
        std::memcpy(target + i * targetStride, run, sizeof run);
    }
}

template <typename T>
void copyRuns(const T* source, int64_t sourceStride, T* target, int64_t targetStride, int64_t count, int64_t run) {
    switch (run) {
        case 4: copyRuns<T, 4>(source, sourceStride, target, targetStride, count); return;
        case 8: copyRuns<T, 8>(source, sourceStride, target, targetStride, count); return;
        case 16: copyRuns<T, 16>(source, sourceStride, target, targetStride, count); return;
        default: break;
    }
    for (int64_t i = 0; i < count; ++i) {
        for (int64_t k = 0; k < run; ++k) target[i * targetStride + k] = source[i * sourceStride + k];
    }
}

// Target block `cb` of a block-to-block conversion, one run of min(from, to) channels at a time: when
// one block size divides the other such a run is contiguous on both sides, at every position;
// otherwise runs are single elements.
template <typename T>
void blockedToBlockedTile(const Conversion& c, int64_t n, int64_t cb, int64_t s0, int64_t s1) {
    const int64_t spatial = c.to.spatial;
    const int64_t fromBlock = c.from.block;
    const int64_t toBlock = c.to.block;
    const int64_t channels = c.to.channels;
    const T* in = reinterpret_cast<const T*>(c.source) + n * c.from.batchStride();
    T* out = reinterpret_cast<T*>(c.target) + n * c.to.batchStride() + cb * spatial * toBlock;
    const bool runs = fromBlock % toBlock == 0 || toBlock % fromBlock == 0;
    const int64_t run = runs ? std::min(fromBlock, toBlock) : 1;
    for (int64_t lane = 0; lane < toBlock; lane += run) {
        const int64_t channel = cb * toBlock + lane;
        const int64_t valid = std::clamp<int64_t>(channels - channel, 0, run);
        const int64_t sourceChannel = valid > 0 ? channel : 0;  // a padded run reads nothing
        const T* from = in + (sourceChannel / fromBlock * spatial + s0) * fromBlock + sourceChannel % fromBlock;
        T* to = out + s0 * toBlock + lane;
        if (valid == run) {
            copyRuns(from, fromBlock, to, toBlock, s1 - s0, run);
            continue;
        }
        for (int64_t s = 0; s < s1 - s0; ++s) {
            for (int64_t k = 0; k < valid; ++k) to[s * toBlock + k] = from[s * fromBlock + k];
            for (int64_t k = valid; k < run; ++k) to[s * toBlock + k] = T{};
        }
    }
}

// In-register transpose of an 8x8 block of floats: row i of the result is column i of the input.
__attribute__((target("avx2"), always_inline)) inline void transpose8x8(__m256 r[8]) {
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]);
    const __m256 t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]);
    const __m256 t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]);
    const __m256 t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]);
    const __m256 t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44);
    const __m256 u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44);
    const __m256 u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44);
    const __m256 u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44);
    const __m256 u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// 4-byte elements, block a multiple of 8: each group of 8 full channels is moved 8 positions at a time
// through one register transpose; a group with missing channels (the last block's) and the last
// positions go through the scalar tile.
__attribute__((target("avx2"))) void linearToBlockedTileAvx2(const Conversion& c, int64_t n, int64_t cb, int64_t s0,
                                                             int64_t s1) {
    const int64_t spatial = c.to.spatial;
    const int64_t block = c.to.block;
    const int64_t vectorEnd = s0 + (s1 - s0) / 8 * 8;
    const float* plane = reinterpret_cast<const float*>(c.source) + n * c.to.channels * spatial;
    float* out = reinterpret_cast<float*>(c.target) + n * c.to.batchStride() + cb * spatial * block;
    bool allGroupsFull = true;
    for (int64_t group = 0; group < block; group += 8) {
        const int64_t first = cb * block + group;
        if (first + 8 > c.to.channels) {
            allGroupsFull = false;
            continue;
        }
        const float* in = plane + first * spatial;
        for (int64_t s = s0; s < vectorEnd; s += 8) {
            __m256 r[8];
            for (int k = 0; k < 8; ++k) r[k] = _mm256_loadu_ps(in + k * spatial + s);
            transpose8x8(r);
            for (int k = 0; k < 8; ++k) _mm256_storeu_ps(out + (s + k) * block + group, r[k]);
        }
    }
    if (!allGroupsFull) {
        // Redo the vector positions of the whole block with the scalar tile: it writes every lane.
        linearToBlockedTile<float>(c, n, cb, s0, vectorEnd);
    }
    linearToBlockedTile<float>(c, n, cb, vectorEnd, s1);
}

__attribute__((target("avx2"))) void blockedToLinearTileAvx2(const Conversion& c, int64_t n, int64_t cb, int64_t s0,
                                                             int64_t s1) {
    const int64_t spatial = c.from.spatial;
    const int64_t block = c.from.block;
    const int64_t vectorEnd = s0 + (s1 - s0) / 8 * 8;
    const float* in = reinterpret_cast<const float*>(c.source) + n * c.from.batchStride() + cb * spatial * block;
    float* plane = reinterpret_cast<float*>(c.target) + n * c.from.channels * spatial;
    for (int64_t group = 0; group < block; group += 8) {
        const int64_t first = cb * block + group;
        const int64_t valid = std::min<int64_t>(8, c.from.channels - first);
        if (valid <= 0) break;
        float* out = plane + first * spatial;
        if (valid == 8) {
            for (int64_t s = s0; s < vectorEnd; s += 8) {
                __m256 r[8];
                for (int k = 0; k < 8; ++k) r[k] = _mm256_loadu_ps(in + (s + k) * block + group);
                transpose8x8(r);
                for (int k = 0; k < 8; ++k) _mm256_storeu_ps(out + k * spatial + s, r[k]);
            }
        }
        const int64_t scalarFrom = valid == 8 ? vectorEnd : s0;
        for (int64_t k = 0; k < valid; ++k) {
            for (int64_t s = scalarFrom; s < s1; ++s) out[k * spatial + s] = in[s * block + group + k];
        }
    }
}

// Writes zeros over the padded lanes of the last channel block of every batch entry.
void zeroPaddedLanes(std::byte* target, const BlockedView& view, size_t elementSize) {
    const int64_t valid = view.channels % view.block;
    if (valid == 0 || view.spatial == 0) return;
    const size_t padBytes = size_t(view.block - valid) * elementSize;
    for (int64_t n = 0; n < view.batch; ++n) {
        std::byte* last = target + size_t(n * view.batchStride() + (view.blocks() - 1) * view.spatial * view.block) *
                                       elementSize;
        for (int64_t s = 0; s < view.spatial; ++s) {
            std::memset(last + size_t(s * view.block + valid) * elementSize, 0, padBytes);
        }
    }
}

using TileFn = void (*)(const Conversion&, int64_t n, int64_t cb, int64_t s0, int64_t s1);

template <typename T>
TileFn scalarTile(const BlockedView& from, const BlockedView& to) {
    if (from.block == 1) return linearToBlockedTile<T>;
    if (to.block == 1) return blockedToLinearTile<T>;
    return blockedToBlockedTile<T>;
}

TileFn tileFunction(const BlockedView& from, const BlockedView& to, size_t elementSize, Isa isa) {
    if (elementSize == 4 && isa != Isa::Scalar) {
        if (from.block == 1 && to.block % 8 == 0) return linearToBlockedTileAvx2;
        if (to.block == 1 && from.block % 8 == 0) return blockedToLinearTileAvx2;
    }
    switch (elementSize) {
        case 1: return scalarTile<uint8_t>(from, to);
        case 2: return scalarTile<uint16_t>(from, to);
        case 4: return scalarTile<uint32_t>(from, to);
        case 8: return scalarTile<uint64_t>(from, to);
        default: return nullptr;
    }
}

}  // namespace

void convertFormatFast(const std::byte* source, TensorFormat sourceFormat, std::byte* target,
                       TensorFormat targetFormat, const Dims& dims, size_t elementSize, Isa isa) {
    const bool sourceLinear = isLinearLayout(dims, sourceFormat);
    const bool targetLinear = isLinearLayout(dims, targetFormat);
    if ((sourceLinear && targetLinear) || sourceFormat == targetFormat) {
        parallelCopy(target, source, size_t(storageByteSize(DataType::Int8, dims, targetFormat)) * elementSize);
        if (!targetLinear) zeroPaddedLanes(target, viewOf(dims, targetFormat), elementSize);
        return;
    }
    Conversion c{source, target, viewOf(dims, sourceFormat), viewOf(dims, targetFormat)};
    const TileFn tile = tileFunction(c.from, c.to, elementSize, isa);
    if (!tile) {
        // No Kiln type has such an element size; the definition handles any.
        tactics::convertFormat(source, sourceFormat, target, targetFormat, dims, elementSize);
        return;
    }
    // Tiles walk the blocks of the blocked side (the target's when both are blocked).
    const BlockedView& tiled = c.to.block == 1 ? c.from : c.to;
    const int64_t spatial = tiled.spatial;
    const int64_t chunks = std::max<int64_t>(1, (spatial + kTilePositions - 1) / kTilePositions);
    const int64_t planes = tiled.batch * tiled.blocks();
    const int64_t tasks = planes * chunks;
    if (spatial == 0 || tasks == 0) return;
    const bool parallel = worthParallel(storageByteSize(DataType::Int8, dims, targetFormat) * int64_t(elementSize) * 2);
#pragma omp parallel for if (parallel) schedule(static)
    for (int64_t task = 0; task < tasks; ++task) {
        const int64_t plane = task / chunks;
        const int64_t s0 = task % chunks * kTilePositions;
        tile(c, plane / tiled.blocks(), plane % tiled.blocks(), s0, std::min(spatial, s0 + kTilePositions));
    }
}

namespace {

class ReformatKernel final : public tactics::Kernel {
public:
    ReformatKernel(const Dims& dims, size_t elementSize, TensorFormat from, TensorFormat to, Isa isa)
        : m_dims(dims), m_elementSize(elementSize), m_from(from), m_to(to), m_isa(isa) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.empty() || args.outputs.empty() || !args.inputs[0] || !args.outputs[0]) {
            return invalidArgument("the reformat kernel needs its input and output memory");
        }
        convertFormatFast(args.inputs[0], m_from, args.outputs[0], m_to, m_dims, m_elementSize, m_isa);
        return Status::ok();
    }

private:
    Dims m_dims;
    size_t m_elementSize;
    TensorFormat m_from;
    TensorFormat m_to;
    Isa m_isa;
};

}  // namespace

void addReformatTactics(const tactics::LayerConfig& config, Isa isa,
                        std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                        std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    const Tensor* input = layer.input(0);
    if (!input || layer.outputs().size() != 1 || config.inputFormats.empty() || config.outputFormats.empty()) {
        skipped.push_back({kReformatId, kLibrary, "needs one input and one output"});
        return;
    }
    const TensorFormat from = config.inputFormats[0];
    const TensorFormat to = config.outputFormats[0];
    if (from.channelBlock < 0 || to.channelBlock < 0) {
        skipped.push_back({kReformatId, kLibrary, "channel block sizes must not be negative"});
        return;
    }
    // Data movement only: any element type converts the same way, whatever precision the layer runs in.
    const Dims dims = input->dims();
    const size_t elementSize = dataTypeSize(input->type());
    tactics.push_back(std::make_unique<KilnTactic>(kReformatId, [=]() -> Result<std::unique_ptr<tactics::Kernel>> {
        return std::unique_ptr<tactics::Kernel>(std::make_unique<ReformatKernel>(dims, elementSize, from, to, isa));
    }));
}

}  // namespace kiln::cpu::fast

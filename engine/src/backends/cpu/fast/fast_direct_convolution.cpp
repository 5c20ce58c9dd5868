// Direct convolution on nChw16c (fast_direct_convolution.h). The tile is written with AVX-512
// intrinsics (fused multiply-adds, one rounding each, as oneDNN's kernels), one instantiation per
// number of positions, filter blocks and horizontal stride.
#include "backends/cpu/fast/fast_direct_convolution.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "backends/cpu/fast/fast_convolution_operands.h"
#include "backends/cpu/fast/fast_pointwise.h"

namespace kiln::cpu::fast {

namespace {

constexpr const char* kDirectId = "kiln:direct-convolution";
constexpr int64_t kBlock = 16;            // channels of a block and floats of a vector
constexpr int64_t kMostPositions = 14;    // positions of a tile
constexpr int64_t kMostFilterBlocks = 4;  // filter blocks of a tile
constexpr int64_t kAccumulators = 28;     // of the 32 vector registers: positions x filter blocks at most
constexpr int64_t kFlatRow = 56;          // positions of a unit when a plane is one row

constexpr int64_t mostPositionsFor(int64_t filterBlocks) {
    return std::min(kMostPositions, kAccumulators / filterBlocks);
}

struct DirectPlan {
    int64_t batch = 0;
    int64_t channels = 0;  // input channels
    int64_t height = 0;    // input
    int64_t width = 0;
    int64_t filters = 0;  // output channels
    int64_t outHeight = 0;
    int64_t outWidth = 0;
    int64_t kernelHeight = 1;
    int64_t kernelWidth = 1;
    int64_t strideHeight = 1;
    int64_t strideWidth = 1;  // 1 or 2
    int64_t dilationHeight = 1;
    int64_t dilationWidth = 1;
    int64_t padTop = 0;
    int64_t padLeft = 0;
    int64_t padBottom = 0;
    int64_t padRight = 0;
    int64_t groupBlocks = 2;  // filter blocks of a group (the last group may have fewer)
    bool hasBias = false;
    int64_t residualInput = -1;  // the input added after the bias, or -1
    std::optional<ActivationParams> activation;

    int64_t inBlocks() const { return (channels + kBlock - 1) / kBlock; }
    int64_t outBlocks() const { return (filters + kBlock - 1) / kBlock; }
    int64_t groups() const { return (outBlocks() + groupBlocks - 1) / groupBlocks; }
    int64_t taps() const { return kernelHeight * kernelWidth; }
    bool padded() const { return padTop > 0 || padLeft > 0 || padBottom > 0 || padRight > 0; }
    // The input as the tile reads it: the padded copy's extent where there is padding.
    int64_t sourceHeight() const { return height + padTop + padBottom; }
    int64_t sourceWidth() const { return width + padLeft + padRight; }
    // A 1x1 convolution of stride 1 without padding reads its input plane as one row.
    bool flat() const { return taps() == 1 && strideHeight == 1 && strideWidth == 1 && !padded(); }
    int64_t rowLength() const { return flat() ? std::min(kFlatRow, outHeight * outWidth) : outWidth; }
    int64_t rowsPerImage() const {
        return flat() ? (outHeight * outWidth + kFlatRow - 1) / kFlatRow : outHeight;
    }
    int64_t packedFloats() const { return outBlocks() * inBlocks() * taps() * kBlock * kBlock; }
    int64_t workspaceFloats() const {
        return padded() ? batch * inBlocks() * sourceHeight() * sourceWidth() * kBlock : 0;
    }
};

// One tile: P positions (`positionStride` floats apart in the input) by B filter blocks. `input`
// points at the first position's first tap in the first channel block (`plane` floats from one block
// to the next); `taps` holds each tap's offset from there. `weights` is the group's packing
// ([channel block][tap][channel][B][16]); `bias` its B x 16 values. The sums go to `output`, the
// filter blocks `outStride` floats apart, each position's 16 values after the previous one's; `relu`
// clamps them at zero first.
using TileFunction = void (*)(const float* input, int64_t plane, const int64_t* taps, int64_t tapCount,
                              int64_t inBlocks, const float* weights, const float* bias, float* output,
                              int64_t outStride, bool relu);

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#if defined(__clang__)  // clang ignores GCC's target pragma
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#endif
// GCC 12 reports the deliberately undefined pass-through operand of the AVX-512 builtins.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

template <int P, int B, int S>
void directTile(const float* input, int64_t plane, const int64_t* taps, int64_t tapCount, int64_t inBlocks,
                const float* weights, const float* bias, float* output, int64_t outStride, bool relu) {
    constexpr int64_t kPositionStride = S * kBlock;
    // The loops over positions and filter blocks are unrolled whole (the optimizer leaves them at -O2),
    // so that the sums stay in registers.
    __m512 sums[P][B];
#pragma GCC unroll 4
    for (int b = 0; b < B; ++b) {
        const __m512 start = _mm512_loadu_ps(bias + b * kBlock);
#pragma GCC unroll 14
        for (int p = 0; p < P; ++p)
            sums[p][b] = start;
    }
    const float* w = weights;
    for (int64_t block = 0; block < inBlocks; ++block) {
        for (int64_t tap = 0; tap < tapCount; ++tap) {
            const float* x = input + block * plane + taps[tap];
            // Four channels an iteration: more spills the accumulators of the widest tiles.
#pragma GCC unroll 4
            for (int64_t c = 0; c < kBlock; ++c) {
                __m512 filter[B];
#pragma GCC unroll 4
                for (int b = 0; b < B; ++b)
                    filter[b] = _mm512_loadu_ps(w + b * kBlock);
                w += B * kBlock;
#pragma GCC unroll 14
                for (int p = 0; p < P; ++p) {
                    const __m512 value = _mm512_set1_ps(x[p * kPositionStride + c]);
#pragma GCC unroll 4
                    for (int b = 0; b < B; ++b)
                        sums[p][b] = _mm512_fmadd_ps(value, filter[b], sums[p][b]);
                }
            }
        }
    }
    const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 4
    for (int b = 0; b < B; ++b) {
#pragma GCC unroll 14
        for (int p = 0; p < P; ++p) {
            _mm512_storeu_ps(output + b * outStride + p * kBlock,
                             relu ? _mm512_max_ps(sums[p][b], zero) : sums[p][b]);
        }
    }
}

#pragma GCC diagnostic pop
#if defined(__clang__)
#pragma clang attribute pop
#endif
#pragma GCC pop_options

// Every tile by [stride - 1][filter blocks - 1][positions]; the entries past a filter count's positions
// stay empty.
using TileTable = std::array<std::array<std::array<TileFunction, kMostPositions + 1>, kMostFilterBlocks>, 2>;

template <int S, int B, int P>
constexpr void fillTiles(TileTable& table) {
    if constexpr (P <= mostPositionsFor(B)) {
        table[S - 1][B - 1][P] = directTile<P, B, S>;
        fillTiles<S, B, P + 1>(table);
    }
}

template <int S, int B>
constexpr void fillStride(TileTable& table) {
    if constexpr (B <= kMostFilterBlocks) {
        fillTiles<S, B, 1>(table);
        fillStride<S, B + 1>(table);
    }
}

constexpr TileTable makeTiles() {
    TileTable table{};
    fillStride<1, 1>(table);
    fillStride<2, 1>(table);
    return table;
}

constexpr TileTable kTiles = makeTiles();

class DirectKernel final : public tactics::Kernel {
public:
    DirectKernel(DirectPlan plan, std::vector<tactics::WeightBlob> blobs)
        : m_plan(std::move(plan)), m_blobs(std::move(blobs)), m_steps(epilogue(m_plan)) {
        const DirectPlan& p = m_plan;
        const int64_t width = p.sourceWidth();
        for (int64_t i = 0; i < p.kernelHeight; ++i) {
            for (int64_t j = 0; j < p.kernelWidth; ++j)
                m_taps.push_back((i * p.dilationHeight * width + j * p.dilationWidth) * kBlock);
        }
        // A ReLU alone (no residual) is applied in the tile; anything else runs on the step runner.
        m_reluInTile = p.residualInput < 0 && p.activation && p.activation->type == ActivationType::Relu;
        if (m_reluInTile) m_steps.clear();
    }

    // The weights and the bias are read from the prepared blobs only.
    bool readsInput(size_t index) const override {
        return index == 0 || int64_t(index) == m_plan.residualInput;
    }

    Status run(const tactics::KernelArgs& args) const override {
        const DirectPlan& p = m_plan;
        if (args.inputs.empty() || !args.inputs[0] || args.outputs.empty() || !args.outputs[0] ||
            (p.residualInput >= 0 &&
             (args.inputs.size() <= size_t(p.residualInput) || !args.inputs[p.residualInput])) ||
            (p.padded() && !args.workspace)) {
            return invalidArgument(
                "the direct convolution kernel needs the input, an output, its workspace when padded and, "
                "when fused, the residual");
        }
        const auto* input = reinterpret_cast<const float*>(args.inputs[0]);
        const auto* residual =
            p.residualInput >= 0 ? reinterpret_cast<const float*>(args.inputs[p.residualInput]) : nullptr;
        auto* output = reinterpret_cast<float*>(args.outputs[0]);
        auto* padded = reinterpret_cast<float*>(args.workspace);
        const float* source = p.padded() ? padded : input;

        const int64_t rows = p.rowsPerImage();
        const int64_t units = p.groups() * p.batch * rows;
        const int64_t chunk = dynamicChunk(units, rows);
        const int64_t work =
            p.batch * p.outHeight * p.outWidth * p.outBlocks() * p.inBlocks() * p.taps() * kBlock * kBlock;
        const bool parallel = units > 1 && worthParallel(work / 16);
#pragma omp parallel if (parallel)
        {
            if (p.padded()) copyPadded(input, padded);
            const StepRunner runner = m_steps.empty() ? nullptr : stepRunner(Isa::Avx512);
            alignas(64) float buffer[kMostFilterBlocks * kMostPositions * kBlock];
            // Image by image (an image's input stays in cache across the groups), a group's rows (its part
            // of the weights) together.
#pragma omp for schedule(dynamic, chunk)
            for (int64_t unit = 0; unit < units; ++unit) {
                const int64_t n = unit / (p.groups() * rows);
                const int64_t group = unit / rows % p.groups();
                const int64_t row = unit % rows;
                runRow(source, residual, output, runner, buffer, group, n, row);
            }
        }
        return Status::ok();
    }

private:
    // The input with its zero border, [batch][channel blocks][sourceHeight][sourceWidth][16].
    void copyPadded(const float* input, float* padded) const {
        const DirectPlan& p = m_plan;
        const int64_t height = p.sourceHeight();
        const int64_t width = p.sourceWidth();
        const int64_t planes = p.batch * p.inBlocks();
#pragma omp for schedule(static)
        for (int64_t r = 0; r < planes * height; ++r) {
            const int64_t plane = r / height;
            const int64_t y = r % height - p.padTop;
            float* target = padded + r * width * kBlock;
            if (y < 0 || y >= p.height) {
                std::fill(target, target + width * kBlock, 0.0f);
                continue;
            }
            std::fill(target, target + p.padLeft * kBlock, 0.0f);
            std::memcpy(target + p.padLeft * kBlock, input + (plane * p.height + y) * p.width * kBlock,
                        size_t(p.width * kBlock) * sizeof(float));
            std::fill(target + (p.padLeft + p.width) * kBlock, target + width * kBlock, 0.0f);
        }
    }

    // One row of one image for one group of filter blocks, in tiles of equal size.
    void runRow(const float* source, const float* residual, float* output, StepRunner runner, float* buffer,
                int64_t group, int64_t n, int64_t row) const {
        const DirectPlan& p = m_plan;
        const int64_t block0 = group * p.groupBlocks;
        const int64_t blocks = std::min(p.groupBlocks, p.outBlocks() - block0);
        const int64_t most = mostPositionsFor(blocks);
        const int64_t outPlane = p.outHeight * p.outWidth * kBlock;
        const int64_t sourcePlane = p.sourceHeight() * p.sourceWidth() * kBlock;
        const int64_t length =
            p.flat() ? std::min(p.rowLength(), p.outHeight * p.outWidth - row * p.rowLength()) : p.outWidth;
        const int64_t tiles = (length + most - 1) / most;
        const auto* packed = reinterpret_cast<const float*>(m_blobs[0].data());
        const float* weights = packed + block0 * p.inBlocks() * p.taps() * kBlock * kBlock;
        const float* bias = reinterpret_cast<const float*>(m_blobs[1].data()) + block0 * kBlock;
        const float* image = source + n * p.inBlocks() * sourcePlane;
        for (int64_t t = 0, x = 0; t < tiles; ++t) {
            const int64_t count = (length - x) / (tiles - t);  // tiles as even as the row allows
            const TileFunction tile = kTiles[p.strideWidth - 1][blocks - 1][count];
            // The first output position of the tile and the input it reads first.
            int64_t at = 0;
            const float* from = nullptr;
            if (p.flat()) {
                at = row * p.rowLength() + x;
                from = image + at * kBlock;
            } else {
                at = row * p.outWidth + x;
                from = image + (row * p.strideHeight * p.sourceWidth() + x * p.strideWidth) * kBlock;
            }
            float* target = output + ((n * p.outBlocks() + block0) * outPlane / kBlock + at) * kBlock;
            if (!runner) {
                tile(from, sourcePlane, m_taps.data(), int64_t(m_taps.size()), p.inBlocks(), weights, bias,
                     target, outPlane, m_reluInTile);
            } else {
                tile(from, sourcePlane, m_taps.data(), int64_t(m_taps.size()), p.inBlocks(), weights, bias,
                     buffer, count * kBlock, false);
                for (int64_t b = 0; b < blocks; ++b) {
                    const int64_t offset = target - output + b * outPlane;
                    const TileOperand operands[1] = {{residual ? residual + offset : nullptr, -1}};
                    runner(m_steps.data(), m_steps.size(), buffer + b * count * kBlock, output + offset,
                           count * kBlock, operands);
                }
            }
            zeroPaddedLanes(target, block0, blocks, count);
            x += count;
        }
    }

    // The lanes past the filters in the last block, which an activation may have made nonzero.
    void zeroPaddedLanes(float* target, int64_t block0, int64_t blocks, int64_t count) const {
        const DirectPlan& p = m_plan;
        const int64_t used = p.filters - (p.outBlocks() - 1) * kBlock;
        if (used == kBlock || block0 + blocks != p.outBlocks()) return;
        float* last = target + (blocks - 1) * p.outHeight * p.outWidth * kBlock;
        for (int64_t x = 0; x < count; ++x)
            std::fill(last + x * kBlock + used, last + (x + 1) * kBlock, 0.0f);
    }

    // The epilogue's steps over each tile's filter block: the residual (operand 0), then the
    // activation; the bias is added by the tile.
    static std::vector<PointwiseStep> epilogue(const DirectPlan& p) {
        return epilogueSteps(p.residualInput >= 0 ? std::vector<int64_t>{0} : std::vector<int64_t>{},
                             p.activation);
    }

    DirectPlan m_plan;
    std::vector<tactics::WeightBlob> m_blobs;  // the packed weights, then the bias (zeros where none)
    std::vector<PointwiseStep> m_steps;
    std::vector<int64_t> m_taps;
    bool m_reluInTile = false;
};

class DirectTactic final : public tactics::Tactic {
public:
    DirectTactic(DirectPlan plan, std::shared_ptr<const HostTensor> weights,
                 std::shared_ptr<const HostTensor> bias)
        : m_plan(std::move(plan)), m_weights(std::move(weights)), m_bias(std::move(bias)) {}

    std::string id() const override { return kDirectId; }
    std::string library() const override { return kLibrary; }
    int64_t workspaceBytes() const override { return m_plan.workspaceFloats() * int64_t(sizeof(float)); }

    // The weights per group of filter blocks, [channel block][tap][channel][filter block][16], zero for
    // the padded channels and filters; the bias padded with zeros.
    Result<std::vector<tactics::WeightBlob>> prepareWeights() const override {
        const DirectPlan& p = m_plan;
        const int64_t taps = p.taps();
        if (!m_weights || m_weights->type() != DataType::Float32 ||
            m_weights->elementCount() != p.filters * p.channels * taps) {
            return invalidModel("tactic '" + id() + "' needs the layer's constant FP32 weights of " +
                                std::to_string(p.filters) + " x " + std::to_string(p.channels) + " x " +
                                std::to_string(p.kernelHeight) + " x " + std::to_string(p.kernelWidth) +
                                " values");
        }
        if (p.hasBias &&
            (!m_bias || m_bias->type() != DataType::Float32 || m_bias->elementCount() != p.filters)) {
            return invalidModel("tactic '" + id() + "' needs the layer's constant FP32 bias of " +
                                std::to_string(p.filters) + " values");
        }
        tactics::WeightBlob packed(size_t(p.packedFloats()) * sizeof(float));
        auto* target = reinterpret_cast<float*>(packed.mutableData());
        const float* w = m_weights->data<float>();
        for (int64_t f = 0; f < p.filters; ++f) {
            const int64_t group = f / kBlock / p.groupBlocks;
            const int64_t block0 = group * p.groupBlocks;
            const int64_t blocks = std::min(p.groupBlocks, p.outBlocks() - block0);
            const int64_t local = f / kBlock - block0;  // the filter's block within its group
            float* groupWeights = target + block0 * p.inBlocks() * taps * kBlock * kBlock;
            for (int64_t c = 0; c < p.channels; ++c) {
                for (int64_t tap = 0; tap < taps; ++tap) {
                    const int64_t slot = ((c / kBlock * taps + tap) * kBlock + c % kBlock) * blocks + local;
                    groupWeights[slot * kBlock + f % kBlock] = w[(f * p.channels + c) * taps + tap];
                }
            }
        }
        tactics::WeightBlob bias(size_t(p.outBlocks() * kBlock) * sizeof(float));
        if (p.hasBias)
            std::memcpy(bias.mutableData(), m_bias->data<float>(), size_t(p.filters) * sizeof(float));
        std::vector<tactics::WeightBlob> blobs;
        blobs.push_back(std::move(packed));
        blobs.push_back(std::move(bias));
        return blobs;
    }

    Result<std::unique_ptr<tactics::Kernel>> instantiate(
        std::vector<tactics::WeightBlob> weights) const override {
        const DirectPlan& p = m_plan;
        if (weights.size() != 2 || weights[0].size() != size_t(p.packedFloats()) * sizeof(float) ||
            weights[1].size() != size_t(p.outBlocks() * kBlock) * sizeof(float)) {
            return invalidModel("tactic '" + id() + "' was given weight blobs of other sizes than its " +
                                std::to_string(p.filters) + " x " + std::to_string(p.channels) + " x " +
                                std::to_string(p.kernelHeight) + " x " + std::to_string(p.kernelWidth) +
                                " convolution needs; rebuild the plan");
        }
        return std::unique_ptr<tactics::Kernel>(std::make_unique<DirectKernel>(p, std::move(weights)));
    }

private:
    DirectPlan m_plan;
    std::shared_ptr<const HostTensor> m_weights;
    std::shared_ptr<const HostTensor> m_bias;
};

}  // namespace

void addDirectConvolutionTactics(const tactics::LayerConfig& config, Isa isa,
                                 std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                                 std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    if (layer.kind() != LayerKind::Convolution) return;
    auto skip = [&](const std::string& reason) { skipped.push_back({kDirectId, kLibrary, reason}); };
    if (isa != Isa::Avx512) return skip("needs AVX-512");
    std::string reason;
    const std::optional<ConvolutionOperands> operands = convolutionOperands(config, reason);
    if (!operands) return skip(reason);
    const auto& params = layer.paramsAs<ConvolutionParams>();
    const auto blockedBy16 = [](TensorFormat f) { return f.isBlocked() && f.channelBlock == kBlock; };
    if (!blockedBy16(config.inputFormats[0]) || !blockedBy16(config.outputFormats[0]))
        return skip("needs tensors in blocks of 16 channels");
    const auto at = [](const std::vector<int64_t>& values, size_t i, int64_t otherwise) {
        return i < values.size() ? values[i] : otherwise;
    };
    const Dims& x = operands->input->dims();
    const Dims& w = operands->weights->dims();
    const Dims& y = operands->output->dims();
    DirectPlan plan;
    plan.batch = x[0];
    plan.channels = x[1];
    plan.height = x[2];
    plan.width = x[3];
    plan.filters = w[0];
    plan.kernelHeight = w[2];
    plan.kernelWidth = w[3];
    plan.outHeight = y[2];
    plan.outWidth = y[3];
    plan.strideHeight = at(params.strides, 0, 1);
    plan.strideWidth = at(params.strides, 1, 1);
    plan.dilationHeight = at(params.dilations, 0, 1);
    plan.dilationWidth = at(params.dilations, 1, 1);
    plan.padTop = at(params.pads, 0, 0);
    plan.padLeft = at(params.pads, 1, 0);
    plan.padBottom = at(params.pads, 2, 0);
    plan.padRight = at(params.pads, 3, 0);
    plan.activation = params.activation;
    plan.hasBias = operands->bias != nullptr;
    plan.residualInput = operands->residualInput;
    if (plan.strideWidth != 1 && plan.strideWidth != 2) return skip("needs a horizontal stride of 1 or 2");
    if (plan.strideHeight < 1 || plan.dilationHeight < 1 || plan.dilationWidth < 1 || plan.padTop < 0 ||
        plan.padLeft < 0 || plan.padBottom < 0 || plan.padRight < 0) {
        return skip("needs positive strides and dilations and pads of zero or more");
    }
    // Wide rows take tiles of 14 positions by 2 filter blocks; rows of 7 or fewer take 4 blocks, which
    // reads each input value for twice the filters.
    plan.groupBlocks = plan.rowLength() <= mostPositionsFor(kMostFilterBlocks) ? kMostFilterBlocks : 2;
    tactics.push_back(
        std::make_unique<DirectTactic>(plan, operands->weights->constantData(), operands->bias));
}

}  // namespace kiln::cpu::fast

// Winograd convolutions F(2x2, 3x3) and F(4x4, 3x3) (fast_winograd.h). The transforms are written once,
// for both tiles, with GCC vector types of 8 floats (one channel-block lane group); the products run on
// kiln:gemm's tile for the ISA.
#include "backends/cpu/fast/fast_winograd.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include "backends/cpu/fast/fast_convolution_operands.h"
#include "backends/cpu/fast/fast_gemm.h"
#include "backends/cpu/fast/fast_pointwise.h"
#include "backends/cpu/fast/fast_vector.h"

// Functions taking or returning vectors have another ABI without AVX: all of them are local to this file.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace kiln::cpu::fast {

namespace {

constexpr int64_t kLanes = 8;         // channels of one vector
constexpr int64_t kUnitFilters = 64;  // filters of a unit, a multiple of the panel
constexpr int64_t kLeastChannels = 16;

// The one-dimensional transforms of F(m, 3) for m = 2 and 4 (Lavin and Gray's matrices: points 0, 1,
// -1 and, for m = 4, 2, -2): `input` applies Bt to kAlpha inputs, `output` At to kAlpha sums, `weights`
// G to 3 weights. The two-dimensional ones apply them to every column, then to every row.
template <int M>
struct Transforms;

template <>
struct Transforms<2> {
    static constexpr int kAlpha = 4;
    static constexpr int64_t kUnitTiles = 48;  // tiles a unit aims at (rows of tiles are not cut)
    static inline void input(const Vec8* d, Vec8* t) {
        t[0] = d[0] - d[2];
        t[1] = d[1] + d[2];
        t[2] = d[2] - d[1];
        t[3] = d[1] - d[3];
    }
    static inline void output(const Vec8* m, Vec8* y) {
        y[0] = m[0] + m[1] + m[2];
        y[1] = m[1] - m[2] - m[3];
    }
    static void weights(const double* g, double* u) {
        u[0] = g[0];
        u[1] = 0.5 * (g[0] + g[1] + g[2]);
        u[2] = 0.5 * (g[0] - g[1] + g[2]);
        u[3] = g[2];
    }
};

template <>
struct Transforms<4> {
    static constexpr int kAlpha = 6;
    static constexpr int64_t kUnitTiles = 32;  // 36 positions: V and M grow by 36 / 16
    static inline void input(const Vec8* d, Vec8* t) {
        t[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];
        t[1] = d[3] + d[4] - 4.0f * (d[1] + d[2]);
        t[2] = d[4] - d[3] + 4.0f * (d[1] - d[2]);
        t[3] = d[4] - d[2] + 2.0f * (d[3] - d[1]);
        t[4] = d[4] - d[2] - 2.0f * (d[3] - d[1]);
        t[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
    }
    static inline void output(const Vec8* m, Vec8* y) {
        const Vec8 sum12 = m[1] + m[2], difference12 = m[1] - m[2];
        const Vec8 sum34 = m[3] + m[4], difference34 = m[3] - m[4];
        y[0] = m[0] + sum12 + sum34;
        y[1] = difference12 + 2.0f * difference34;
        y[2] = sum12 + 4.0f * sum34;
        y[3] = difference12 + 8.0f * difference34 + m[5];
    }
    static void weights(const double* g, double* u) {
        u[0] = g[0] / 4.0;
        u[1] = -(g[0] + g[1] + g[2]) / 6.0;
        u[2] = -(g[0] - g[1] + g[2]) / 6.0;
        u[3] = g[0] / 24.0 + g[1] / 12.0 + g[2] / 6.0;
        u[4] = g[0] / 24.0 - g[1] / 12.0 + g[2] / 6.0;
        u[5] = g[2];
    }
};

// "kiln:winograd:2x2" and "kiln:winograd:4x4": F(2x2, 3x3) and F(4x4, 3x3).
std::string tacticId(int64_t tile) {
    return "kiln:winograd:" + std::to_string(tile) + "x" + std::to_string(tile);
}

struct WinogradPlan {
    int64_t tile = 2;  // m: outputs per tile along each axis
    int64_t batch = 0;
    int64_t channels = 0;  // input channels
    int64_t height = 0;    // input
    int64_t width = 0;
    int64_t filters = 0;  // output channels
    int64_t outHeight = 0;
    int64_t outWidth = 0;
    int64_t padTop = 0;
    int64_t padLeft = 0;
    int64_t inBlock = 8;  // the input's and output's channel blocks
    int64_t outBlock = 8;
    bool hasBias = false;
    int64_t residualInput = -1;  // the input added after the bias, or -1
    std::optional<ActivationParams> activation;
    Isa isa = Isa::Scalar;
    int threads = 1;  // the team the workspace has parts for

    int64_t alpha() const { return tile + 2; }
    int64_t positions() const { return alpha() * alpha(); }
    int64_t inBlocks() const { return (channels + inBlock - 1) / inBlock; }
    int64_t paddedChannels() const { return inBlocks() * inBlock; }  // V's rows and U's depth
    int64_t outBlocks() const { return (filters + outBlock - 1) / outBlock; }
    int64_t panels() const { return (outBlocks() * outBlock + kGemmPanel - 1) / kGemmPanel; }
    int64_t tilesHigh() const { return (outHeight + tile - 1) / tile; }
    int64_t tilesWide() const { return (outWidth + tile - 1) / tile; }
    int64_t unitTileRows() const {
        const int64_t target = tile == 2 ? Transforms<2>::kUnitTiles : Transforms<4>::kUnitTiles;
        return std::clamp<int64_t>(target / tilesWide(), 1, tilesHigh());
    }
    int64_t unitTiles() const { return unitTileRows() * tilesWide(); }
    // M's rows per position: the unit's tiles rounded up to whole tiles of the product, whose last rows
    // repeat the last tile and are never read.
    int64_t sumRows() const { return (unitTiles() + kGemmTileRows - 1) / kGemmTileRows * kGemmTileRows; }
    int64_t unitFilters() const { return std::min(kUnitFilters, panels() * kGemmPanel); }
    int64_t packedFloats() const { return positions() * panels() * paddedChannels() * kGemmPanel; }
    // One thread's part of the workspace: V, the sums M and the output rows, each 64-byte aligned.
    int64_t vFloats() const { return (positions() * unitTiles() * paddedChannels() + 15) / 16 * 16; }
    int64_t mFloats() const { return (positions() * sumRows() * unitFilters() + 15) / 16 * 16; }
    int64_t rowFloats() const { return (tile * unitTileRows() * unitFilters() * outWidth + 15) / 16 * 16; }
    int64_t threadFloats() const { return vFloats() + mFloats() + rowFloats(); }
};

// V for the tiles of rows [tileRow0, tileRow0 + tileRows) of image `n`: V[position][tile][channel].
template <int M>
__attribute__((always_inline)) inline void transformInputs(const WinogradPlan& p, const float* input,
                                                           int64_t n, int64_t tileRow0, int64_t tileRows,
                                                           float* v) {
    constexpr int A = Transforms<M>::kAlpha;
    const int64_t channels = p.paddedChannels();
    const int64_t tiles = tileRows * p.tilesWide();
    const int64_t stride = tiles * channels;  // from one position to the next
    const int64_t block = p.inBlock;
    const Vec8 zero = {};
    for (int64_t r = 0; r < tileRows; ++r) {
        const int64_t y0 = M * (tileRow0 + r) - p.padTop;
        for (int64_t tx = 0; tx < p.tilesWide(); ++tx) {
            const int64_t tile = r * p.tilesWide() + tx;
            const int64_t x0 = M * tx - p.padLeft;
            const bool inside = y0 >= 0 && x0 >= 0 && y0 + A <= p.height && x0 + A <= p.width;
            for (int64_t c = 0; c < channels; c += kLanes) {
                const float* plane =
                    input + ((n * p.inBlocks() + c / block) * p.height * p.width) * block + c % block;
                Vec8 d[A][A];  // column-major: d[j][i] is row i of column j
                for (int64_t i = 0; i < A; ++i) {
                    const int64_t y = y0 + i;
                    for (int64_t j = 0; j < A; ++j) {
                        const int64_t x = x0 + j;
                        d[j][i] = inside || (y >= 0 && y < p.height && x >= 0 && x < p.width)
                                      ? load8(plane + (y * p.width + x) * block)
                                      : zero;
                    }
                }
                Vec8 t[A][A];  // Bt d, row-major
                for (int64_t j = 0; j < A; ++j) {
                    Vec8 column[A];
                    Transforms<M>::input(d[j], column);
                    for (int64_t i = 0; i < A; ++i)
                        t[i][j] = column[i];
                }
                float* out = v + tile * channels + c;
                for (int64_t i = 0; i < A; ++i) {  // (Bt d) B
                    Vec8 row[A];
                    Transforms<M>::input(t[i], row);
                    for (int64_t j = 0; j < A; ++j)
                        store8(out + (i * A + j) * stride, row[j]);
                }
            }
        }
    }
}

// Y = At M A for every tile of the unit and `filters` filters from `filter0`, plus the bias, into the
// output rows `rows` ([filter block][m * tileRows][outWidth][outBlock]).
template <int M>
__attribute__((always_inline)) inline void transformOutputs(const WinogradPlan& p, const float* m,
                                                            const float* bias, int64_t tileRow0,
                                                            int64_t tileRows, int64_t filter0,
                                                            int64_t filters, float* rows) {
    constexpr int A = Transforms<M>::kAlpha;
    const int64_t ldm = p.unitFilters();
    const int64_t stride = p.sumRows() * ldm;  // from one position to the next
    const int64_t block = p.outBlock;
    const int64_t bufferRows = M * tileRows;
    for (int64_t r = 0; r < tileRows; ++r) {
        const int64_t rowsHere = std::min<int64_t>(M, p.outHeight - M * (tileRow0 + r));
        for (int64_t tx = 0; tx < p.tilesWide(); ++tx) {
            const int64_t tile = r * p.tilesWide() + tx;
            const int64_t columnsHere = std::min<int64_t>(M, p.outWidth - M * tx);
            for (int64_t f = 0; f < filters; f += kLanes) {
                const float* sums = m + tile * ldm + f;
                Vec8 s[M][A];  // At M
                for (int64_t j = 0; j < A; ++j) {
                    Vec8 column[A];
                    for (int64_t i = 0; i < A; ++i)
                        column[i] = load8(sums + (i * A + j) * stride);
                    Vec8 reduced[M];
                    Transforms<M>::output(column, reduced);
                    for (int64_t i = 0; i < M; ++i)
                        s[i][j] = reduced[i];
                }
                const Vec8 b = load8(bias + filter0 + f);
                const int64_t local = f / block;
                const int64_t lane = f % block;
                for (int64_t i = 0; i < rowsHere; ++i) {  // (At M) A
                    Vec8 y[M];
                    Transforms<M>::output(s[i], y);
                    float* row =
                        rows + ((local * bufferRows + M * r + i) * p.outWidth + M * tx) * block + lane;
                    for (int64_t j = 0; j < columnsHere; ++j)
                        store8(row + j * block, y[j] + b);
                }
            }
        }
    }
}

// The transforms for either tile, compiled for AVX2 too (chosen when the program loads), which halves
// their instructions. The AVX2 version has no fused multiply-add (that is the "fma" target), so both
// round every product and sum alike and compute the same values.
__attribute__((target_clones("avx2", "default"))) void transformInputsOf(const WinogradPlan& p,
                                                                         const float* input, int64_t n,
                                                                         int64_t tileRow0, int64_t tileRows,
                                                                         float* v) {
    if (p.tile == 4) return transformInputs<4>(p, input, n, tileRow0, tileRows, v);
    transformInputs<2>(p, input, n, tileRow0, tileRows, v);
}

__attribute__((target_clones("avx2", "default"))) void transformOutputsOf(const WinogradPlan& p,
                                                                          const float* m, const float* bias,
                                                                          int64_t tileRow0, int64_t tileRows,
                                                                          int64_t filter0, int64_t filters,
                                                                          float* rows) {
    if (p.tile == 4) return transformOutputs<4>(p, m, bias, tileRow0, tileRows, filter0, filters, rows);
    transformOutputs<2>(p, m, bias, tileRow0, tileRows, filter0, filters, rows);
}

class WinogradKernel final : public tactics::Kernel {
public:
    WinogradKernel(WinogradPlan plan, std::vector<tactics::WeightBlob> blobs)
        : m_plan(std::move(plan)), m_blobs(std::move(blobs)), m_steps(epilogue(m_plan)) {}

    // The weights and the bias are read from the prepared blobs only.
    bool readsInput(size_t index) const override {
        return index == 0 || int64_t(index) == m_plan.residualInput;
    }

    Status run(const tactics::KernelArgs& args) const override {
        const WinogradPlan& p = m_plan;
        if (args.inputs.empty() || !args.inputs[0] || args.outputs.empty() || !args.outputs[0] ||
            (p.residualInput >= 0 &&
             (args.inputs.size() <= size_t(p.residualInput) || !args.inputs[p.residualInput]))) {
            return invalidArgument(
                "the winograd kernel needs the input, an output and, when fused, the residual");
        }
        const auto* input = reinterpret_cast<const float*>(args.inputs[0]);
        const auto* residual =
            p.residualInput >= 0 ? reinterpret_cast<const float*>(args.inputs[p.residualInput]) : nullptr;
        auto* output = reinterpret_cast<float*>(args.outputs[0]);
        auto* workspace = reinterpret_cast<float*>(args.workspace);
        const auto* packed = reinterpret_cast<const float*>(m_blobs[0].data());
        const auto* bias = reinterpret_cast<const float*>(m_blobs[1].data());
        const GemmTile tile = gemmTile(p.isa);
        const StepRunner runner = stepRunner(p.isa);

        const int64_t groupsPerImage = (p.tilesHigh() + p.unitTileRows() - 1) / p.unitTileRows();
        const int64_t filterGroups = (p.panels() * kGemmPanel + p.unitFilters() - 1) / p.unitFilters();
        const int64_t units = p.batch * groupsPerImage * filterGroups;
        const int64_t work = p.batch * p.tilesHigh() * p.tilesWide() * p.positions() * p.paddedChannels() *
                             p.panels() * kGemmPanel;
        const bool parallel = units > 1 && worthParallel(work / 16);
#pragma omp parallel if (parallel)
        {
            // The thread's part of the workspace; a team larger than the one the plan was built for
            // (another thread count) gives its extra threads buffers of their own.
            const int thread = omp_get_thread_num();
            std::vector<float> own(thread < p.threads && workspace ? 0 : size_t(p.threadFloats()));
            float* part = own.empty() ? workspace + thread * p.threadFloats() : own.data();
            float* v = part;
            float* m = v + p.vFloats();
            float* rows = m + p.mFloats();
            int64_t transformed = -1;  // the tile group V holds
#pragma omp for schedule(static)
            for (int64_t unit = 0; unit < units; ++unit) {
                const int64_t group = unit / filterGroups;  // image and rows of tiles
                const int64_t n = group / groupsPerImage;
                const int64_t tileRow0 = (group % groupsPerImage) * p.unitTileRows();
                const int64_t tileRows = std::min(p.unitTileRows(), p.tilesHigh() - tileRow0);
                const int64_t tiles = tileRows * p.tilesWide();
                const int64_t filter0 = (unit % filterGroups) * p.unitFilters();
                const int64_t filters = std::min(p.unitFilters(), p.panels() * kGemmPanel - filter0);
                if (group != transformed) {
                    transformInputsOf(p, input, n, tileRow0, tileRows, v);
                    transformed = group;
                }
                const int64_t depth = p.paddedChannels();
                for (int64_t position = 0; position < p.positions(); ++position) {
                    const float* a = v + position * tiles * depth;
                    float* sums = m + position * p.sumRows() * p.unitFilters();
                    for (int64_t column = 0; column < filters; column += kGemmPanel) {
                        const float* panel =
                            packed +
                            ((position * p.panels() + (filter0 + column) / kGemmPanel) * depth) * kGemmPanel;
                        // Whole tiles of the product (the rows past the unit's tiles repeat its last
                        // one): a partial tile would be written out element by element.
                        for (int64_t t = 0; t < tiles; t += kGemmTileRows) {
                            const int64_t count = std::min(kGemmTileRows, tiles - t);
                            const float* rowPointers[kGemmTileRows];
                            for (int64_t r = 0; r < kGemmTileRows; ++r)
                                rowPointers[r] = a + (t + std::min(r, count - 1)) * depth;
                            tile(rowPointers, panel, depth, sums + t * p.unitFilters() + column,
                                 p.unitFilters(), kGemmTileRows, kGemmPanel, false);
                        }
                    }
                }
                const int64_t blocks = std::min(filters / p.outBlock, p.outBlocks() - filter0 / p.outBlock);
                transformOutputsOf(p, m, bias, tileRow0, tileRows, filter0, blocks * p.outBlock, rows);
                writeRows(output, residual, rows, runner, n, tileRow0, tileRows, filter0 / p.outBlock,
                          blocks);
            }
        }
        return Status::ok();
    }

private:
    // The unit's output rows from the buffer into the output through the epilogue, padded lanes zero.
    void writeRows(float* output, const float* residual, const float* rows, StepRunner runner, int64_t n,
                   int64_t tileRow0, int64_t tileRows, int64_t block0, int64_t blocks) const {
        const WinogradPlan& p = m_plan;
        const int64_t length = p.outWidth * p.outBlock;
        const int64_t first = p.tile * tileRow0;
        const int64_t count = std::min(p.tile * tileRows, p.outHeight - first);
        const int64_t usedLanes = p.filters - (p.outBlocks() - 1) * p.outBlock;
        for (int64_t b = 0; b < blocks; ++b) {
            const int64_t block = block0 + b;
            for (int64_t r = 0; r < count; ++r) {
                const float* source = rows + (b * p.tile * tileRows + r) * length;
                const int64_t at = ((n * p.outBlocks() + block) * p.outHeight + first + r) * length;
                float* target = output + at;
                if (m_steps.empty()) {
                    std::memcpy(target, source, size_t(length) * sizeof(float));
                } else {
                    const TileOperand operands[1] = {{residual ? residual + at : nullptr, -1}};
                    runner(m_steps.data(), m_steps.size(), source, target, length, operands);
                }
                if (block + 1 == p.outBlocks() && usedLanes < p.outBlock) {
                    for (int64_t x = 0; x < p.outWidth; ++x)
                        std::fill(target + x * p.outBlock + usedLanes, target + (x + 1) * p.outBlock, 0.0f);
                }
            }
        }
    }

    // The epilogue's steps over each output row: the residual (operand 0), then the activation; the
    // bias is added by the output transform.
    static std::vector<PointwiseStep> epilogue(const WinogradPlan& p) {
        return epilogueSteps(p.residualInput >= 0 ? std::vector<int64_t>{0} : std::vector<int64_t>{},
                             p.activation);
    }

    WinogradPlan m_plan;
    std::vector<tactics::WeightBlob> m_blobs;  // U packed in panels, then the bias (zeros where none)
    std::vector<PointwiseStep> m_steps;
};

class WinogradTactic final : public tactics::Tactic {
public:
    WinogradTactic(WinogradPlan plan, std::shared_ptr<const HostTensor> weights,
                   std::shared_ptr<const HostTensor> bias)
        : m_plan(std::move(plan)), m_weights(std::move(weights)), m_bias(std::move(bias)) {}

    std::string id() const override { return tacticId(m_plan.tile); }
    std::string library() const override { return kLibrary; }
    int64_t workspaceBytes() const override {
        return int64_t(m_plan.threads) * m_plan.threadFloats() * int64_t(sizeof(float));
    }

    // U = G g Gt for every filter and channel, in panels of 16 filters; the bias padded with zeros.
    Result<std::vector<tactics::WeightBlob>> prepareWeights() const override {
        const WinogradPlan& p = m_plan;
        if (!m_weights || m_weights->type() != DataType::Float32 ||
            m_weights->elementCount() != p.filters * p.channels * 9) {
            return invalidModel("tactic '" + id() + "' needs the layer's constant FP32 weights of " +
                                std::to_string(p.filters) + " x " + std::to_string(p.channels) +
                                " x 3 x 3 values");
        }
        if (p.hasBias &&
            (!m_bias || m_bias->type() != DataType::Float32 || m_bias->elementCount() != p.filters)) {
            return invalidModel("tactic '" + id() + "' needs the layer's constant FP32 bias of " +
                                std::to_string(p.filters) + " values");
        }
        const int64_t depth = p.paddedChannels();
        const auto weightTransform = p.tile == 4 ? Transforms<4>::weights : Transforms<2>::weights;
        tactics::WeightBlob packed(size_t(p.packedFloats()) * sizeof(float));
        auto* u = reinterpret_cast<float*>(packed.mutableData());
        const float* w = m_weights->data<float>();
        for (int64_t f = 0; f < p.filters; ++f) {
            for (int64_t c = 0; c < p.channels; ++c) {
                const float* g = w + (f * p.channels + c) * 9;
                double gg[6][3];  // G g, column by column
                for (int64_t j = 0; j < 3; ++j) {
                    const double column[3] = {g[j], g[3 + j], g[6 + j]};
                    double transformed[6];
                    weightTransform(column, transformed);
                    for (int64_t i = 0; i < p.alpha(); ++i)
                        gg[i][j] = transformed[i];
                }
                for (int64_t i = 0; i < p.alpha(); ++i) {  // (G g) Gt, row by row
                    double row[6];
                    weightTransform(gg[i], row);
                    for (int64_t j = 0; j < p.alpha(); ++j) {
                        const int64_t position = i * p.alpha() + j;
                        u[((position * p.panels() + f / kGemmPanel) * depth + c) * kGemmPanel +
                          f % kGemmPanel] = float(row[j]);
                    }
                }
            }
        }
        tactics::WeightBlob bias(size_t(p.panels() * kGemmPanel) * sizeof(float));
        if (p.hasBias)
            std::memcpy(bias.mutableData(), m_bias->data<float>(), size_t(p.filters) * sizeof(float));
        std::vector<tactics::WeightBlob> blobs;
        blobs.push_back(std::move(packed));
        blobs.push_back(std::move(bias));
        return blobs;
    }

    Result<std::unique_ptr<tactics::Kernel>> instantiate(
        std::vector<tactics::WeightBlob> weights) const override {
        const WinogradPlan& p = m_plan;
        if (weights.size() != 2 || weights[0].size() != size_t(p.packedFloats()) * sizeof(float) ||
            weights[1].size() != size_t(p.panels() * kGemmPanel) * sizeof(float)) {
            return invalidModel("tactic '" + id() + "' was given weight blobs of other sizes than its " +
                                std::to_string(p.filters) + " x " + std::to_string(p.channels) +
                                " x 3 x 3 convolution needs; rebuild the plan");
        }
        return std::unique_ptr<tactics::Kernel>(std::make_unique<WinogradKernel>(p, std::move(weights)));
    }

private:
    WinogradPlan m_plan;
    std::shared_ptr<const HostTensor> m_weights;
    std::shared_ptr<const HostTensor> m_bias;
};

}  // namespace

void addWinogradTactics(const tactics::LayerConfig& config, Isa isa,
                        std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                        std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    if (layer.kind() != LayerKind::Convolution) return;
    auto skip = [&](const std::string& reason) {
        for (int64_t tile : {2, 4})
            skipped.push_back({tacticId(tile), kLibrary, reason});
    };
    std::string reason;
    const std::optional<ConvolutionOperands> operands = convolutionOperands(config, reason);
    if (!operands) return skip(reason);
    const auto& params = layer.paramsAs<ConvolutionParams>();
    const Dims& x = operands->input->dims();
    const Dims& w = operands->weights->dims();
    const Dims& y = operands->output->dims();
    if (w[2] != 3 || w[3] != 3) return skip("needs a 2-D convolution with constant 3x3 weights");
    const auto ones = [](const std::vector<int64_t>& values) {
        return std::all_of(values.begin(), values.end(), [](int64_t v) { return v == 1; });
    };
    if (!ones(params.strides) || !ones(params.dilations)) return skip("needs stride 1 and dilation 1");
    const TensorFormat in = config.inputFormats[0];
    const TensorFormat out = config.outputFormats[0];
    const auto blockedBy8 = [](TensorFormat f) { return f.isBlocked() && f.channelBlock % kLanes == 0; };
    if (!blockedBy8(in) || !blockedBy8(out)) return skip("needs channel-blocked tensors (blocks of 8 or 16)");
    WinogradPlan plan;
    plan.batch = x[0];
    plan.channels = x[1];
    plan.height = x[2];
    plan.width = x[3];
    plan.filters = w[0];
    plan.outHeight = y[2];
    plan.outWidth = y[3];
    plan.padTop = params.pads.size() == 4 ? params.pads[0] : 0;
    plan.padLeft = params.pads.size() == 4 ? params.pads[1] : 0;
    plan.inBlock = in.channelBlock;
    plan.outBlock = out.channelBlock;
    plan.activation = params.activation;
    plan.isa = isa;
    plan.threads = std::max(1, teamSize());
    if (plan.channels < kLeastChannels || plan.filters < kLeastChannels)
        return skip("needs 16 or more input and output channels for its transforms to pay");
    plan.hasBias = operands->bias != nullptr;
    plan.residualInput = operands->residualInput;
    for (int64_t tile : {2, 4}) {
        plan.tile = tile;
        tactics.push_back(
            std::make_unique<WinogradTactic>(plan, operands->weights->constantData(), operands->bias));
    }
}

}  // namespace kiln::cpu::fast

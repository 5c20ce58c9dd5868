// Matrix products with constant weights (fast_gemm.h). The tile is written three times: with AVX-512 and
// with AVX2 intrinsics (fused multiply-adds, one rounding each, as oneDNN's kernels) and with GCC vector
// types for plain x86-64 (a multiply and an add, rounded separately).
#include "backends/cpu/fast/fast_gemm.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>

#include "backends/cpu/fast/fast_pointwise.h"
#include "backends/cpu/fast/fast_vector.h"

// Functions taking or returning vectors have another ABI without AVX: all of them are local to this file.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace kiln::cpu::fast {

namespace {

constexpr const char* kGemmId = "kiln:gemm";
constexpr int64_t kPanel = kGemmPanel;        // columns of a packed panel and of a tile
constexpr int64_t kTileRows = kGemmTileRows;  // rows of a tile: 6 x 2 accumulators, 2 B vectors, 1 broadcast
constexpr int64_t kDepthStep = 256;  // k per step: a 256 x 16 slice of B is 16 KiB
constexpr int64_t kBlockColumns = 128;
constexpr int64_t kMaxBlockRows = 192;  // a block's sums: 96 KiB, in L2 beside the step's B
// AVX-512's tile: 7 rows by four panels, 28 of the 32 vector registers as accumulators (four loads
// of B and seven broadcasts of A for 28 multiply-adds).
constexpr int64_t kWideRows = 7;
constexpr int64_t kWidePanels = 4;
constexpr int64_t kWideDepth = 128;  // k per pass of the wide tiles

struct GemmPlan {
    int64_t rows = 0;     // M (every leading axis of A)
    int64_t depth = 0;    // K
    int64_t columns = 0;  // N
    bool hasBias = false;
    int64_t residualInput = -1;  // the input added after the bias, or -1
    std::optional<ActivationParams> activation;
    Isa isa = Isa::Scalar;

    int64_t panels() const { return (columns + kPanel - 1) / kPanel; }
    int64_t packedFloats() const { return panels() * depth * kPanel; }
};

__attribute__((always_inline)) inline Vec8 broadcast8(float x) {
    return Vec8{x, x, x, x, x, x, x, x};
}

// Writes a tile's sums (row-major, 6 x 16) to `c`, or adds them.
void writeTile(const float* sums, float* c, int64_t ldc, int64_t rows, int64_t cols, bool accumulate) {
    for (int64_t r = 0; r < rows; ++r) {
        float* row = c + r * ldc;
        for (int64_t j = 0; j < cols; ++j)
            row[j] = accumulate ? row[j] + sums[r * kPanel + j] : sums[r * kPanel + j];
    }
}

void tileScalar(const float* const* a, const float* b, int64_t depth, float* c, int64_t ldc, int64_t rows,
                int64_t cols, bool accumulate) {
    Vec8 sums[kTileRows][2] = {};
    for (int64_t k = 0; k < depth; ++k) {
        const Vec8 b0 = load8(b + k * kPanel);
        const Vec8 b1 = load8(b + k * kPanel + 8);
        for (int64_t r = 0; r < kTileRows; ++r) {
            const Vec8 x = broadcast8(a[r][k]);
            sums[r][0] += x * b0;
            sums[r][1] += x * b1;
        }
    }
    float tile[kTileRows * kPanel];
    std::memcpy(tile, sums, sizeof tile);
    writeTile(tile, c, ldc, rows, cols, accumulate);
}

#pragma GCC push_options
#pragma GCC target("avx2,fma")
#if defined(__clang__)  // clang ignores GCC's target pragma
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#endif

void tileAvx2(const float* const* a, const float* b, int64_t depth, float* c, int64_t ldc, int64_t rows,
              int64_t cols, bool accumulate) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    const float* a0 = a[0];
    const float* a1 = a[1];
    const float* a2 = a[2];
    const float* a3 = a[3];
    const float* a4 = a[4];
    const float* a5 = a[5];
    for (int64_t k = 0; k < depth; ++k) {
        const __m256 b0 = _mm256_loadu_ps(b + k * kPanel);
        const __m256 b1 = _mm256_loadu_ps(b + k * kPanel + 8);
        __m256 x = _mm256_broadcast_ss(a0 + k);
        c00 = _mm256_fmadd_ps(x, b0, c00);
        c01 = _mm256_fmadd_ps(x, b1, c01);
        x = _mm256_broadcast_ss(a1 + k);
        c10 = _mm256_fmadd_ps(x, b0, c10);
        c11 = _mm256_fmadd_ps(x, b1, c11);
        x = _mm256_broadcast_ss(a2 + k);
        c20 = _mm256_fmadd_ps(x, b0, c20);
        c21 = _mm256_fmadd_ps(x, b1, c21);
        x = _mm256_broadcast_ss(a3 + k);
        c30 = _mm256_fmadd_ps(x, b0, c30);
        c31 = _mm256_fmadd_ps(x, b1, c31);
        x = _mm256_broadcast_ss(a4 + k);
        c40 = _mm256_fmadd_ps(x, b0, c40);
        c41 = _mm256_fmadd_ps(x, b1, c41);
        x = _mm256_broadcast_ss(a5 + k);
        c50 = _mm256_fmadd_ps(x, b0, c50);
        c51 = _mm256_fmadd_ps(x, b1, c51);
    }
    const __m256 sums[kTileRows][2] = {{c00, c01}, {c10, c11}, {c20, c21},
                                       {c30, c31}, {c40, c41}, {c50, c51}};
    if (rows == kTileRows && cols == kPanel) {
        for (int64_t r = 0; r < kTileRows; ++r) {
            float* row = c + r * ldc;
            __m256 low = sums[r][0];
            __m256 high = sums[r][1];
            if (accumulate) {
                low = _mm256_add_ps(_mm256_loadu_ps(row), low);
                high = _mm256_add_ps(_mm256_loadu_ps(row + 8), high);
            }
            _mm256_storeu_ps(row, low);
            _mm256_storeu_ps(row + 8, high);
        }
        return;
    }
    float tile[kTileRows * kPanel];
    for (int64_t r = 0; r < kTileRows; ++r) {
        _mm256_storeu_ps(tile + r * kPanel, sums[r][0]);
        _mm256_storeu_ps(tile + r * kPanel + 8, sums[r][1]);
    }
    writeTile(tile, c, ldc, rows, cols, accumulate);
}

#if defined(__clang__)
#pragma clang attribute pop
#endif
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#if defined(__clang__)  // clang ignores GCC's target pragma
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#endif
// GCC 12 reports the deliberately undefined pass-through operand of the AVX-512 builtins.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// R rows of A (`lda` floats apart from `a`) times P adjacent panels of B (`panelStride` floats apart,
// `kStride` from one k to the next) over `depth` values of k, in R x P vector accumulators; the loops
// over rows and panels are unrolled whole (the optimizer leaves them at -O2) so that the sums stay in
// registers. Only `cols` columns are written (masked), added to what `c` holds when `accumulate`.
template <int R, int P>
void wideTile(const float* a, int64_t lda, const float* b, int64_t kStride, int64_t panelStride,
              int64_t depth, float* c, int64_t ldc, int64_t cols, bool accumulate) {
    __m512 sums[R][P];
#pragma GCC unroll 7
    for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
        for (int j = 0; j < P; ++j)
            sums[r][j] = _mm512_setzero_ps();
    }
    for (int64_t k = 0; k < depth; ++k) {
        __m512 panel[P];
#pragma GCC unroll 4
        for (int j = 0; j < P; ++j)
            panel[j] = _mm512_loadu_ps(b + j * panelStride + k * kStride);
#pragma GCC unroll 7
        for (int r = 0; r < R; ++r) {
            const __m512 x = _mm512_set1_ps(a[r * lda + k]);
#pragma GCC unroll 4
            for (int j = 0; j < P; ++j)
                sums[r][j] = _mm512_fmadd_ps(x, panel[j], sums[r][j]);
        }
    }
    __mmask16 masks[P];
#pragma GCC unroll 4
    for (int j = 0; j < P; ++j) {
        const int64_t here = std::clamp<int64_t>(cols - j * kPanel, 0, kPanel);
        masks[j] = __mmask16((1u << here) - 1u);
    }
#pragma GCC unroll 7
    for (int r = 0; r < R; ++r) {
        float* row = c + r * ldc;
#pragma GCC unroll 4
        for (int j = 0; j < P; ++j) {
            __m512 value = sums[r][j];
            if (accumulate) value = _mm512_add_ps(_mm512_maskz_loadu_ps(masks[j], row + j * kPanel), value);
            _mm512_mask_storeu_ps(row + j * kPanel, masks[j], value);
        }
    }
}

#pragma GCC diagnostic pop
#if defined(__clang__)
#pragma clang attribute pop
#endif
#pragma GCC pop_options

// The AVX-512 tiles by [panels - 1][rows].
using WideTile = void (*)(const float* a, int64_t lda, const float* b, int64_t kStride, int64_t panelStride,
                          int64_t depth, float* c, int64_t ldc, int64_t cols, bool accumulate);
using WideTiles = std::array<std::array<WideTile, kWideRows + 1>, kWidePanels>;

template <int P, int R>
constexpr void fillWideTiles(WideTiles& tiles) {
    if constexpr (R <= kWideRows) {
        tiles[P - 1][R] = wideTile<R, P>;
        fillWideTiles<P, R + 1>(tiles);
    }
}

template <int P>
constexpr void fillWidePanels(WideTiles& tiles) {
    if constexpr (P <= kWidePanels) {
        fillWideTiles<P, 1>(tiles);
        fillWidePanels<P + 1>(tiles);
    }
}

constexpr WideTiles makeWideTiles() {
    WideTiles tiles{};
    fillWidePanels<1>(tiles);
    return tiles;
}

constexpr WideTiles kWideTiles = makeWideTiles();

}  // namespace

void wideProduct(const float* a, int64_t lda, const float* b, int64_t kStride, int64_t panelStride,
                 int64_t rows, int64_t cols, int64_t depth, float* c, int64_t ldc, bool accumulate) {
    // In parts of 128 values of k, four panels at a time stay in L1 (32 KiB) while every 7-row tile
    // passes over them.
    for (int64_t k0 = 0; k0 < depth; k0 += kWideDepth) {
        const int64_t part = std::min(kWideDepth, depth - k0);
        for (int64_t j = 0; j < cols; j += kWidePanels * kPanel) {
            const int64_t width = std::min(kWidePanels * kPanel, cols - j);
            const WideTile* tiles = kWideTiles[(width + kPanel - 1) / kPanel - 1].data();
            for (int64_t i = 0; i < rows; i += kWideRows) {
                tiles[std::min(kWideRows, rows - i)](
                    a + i * lda + k0, lda, b + (j / kPanel) * panelStride + k0 * kStride, kStride,
                    panelStride, part, c + i * ldc + j, ldc, width, accumulate || k0 > 0);
            }
        }
    }
}

namespace {

class GemmKernel final : public tactics::Kernel {
public:
    GemmKernel(GemmPlan plan, std::vector<tactics::WeightBlob> blobs)
        : m_plan(std::move(plan)), m_blobs(std::move(blobs)), m_steps(epilogue(m_plan)) {}

    // B and the bias are read from the prepared blobs only.
    bool readsInput(size_t index) const override {
        return index == 0 || int64_t(index) == m_plan.residualInput;
    }

    Status run(const tactics::KernelArgs& args) const override {
        const GemmPlan& p = m_plan;
        if (args.inputs.empty() || !args.inputs[0] || args.outputs.empty() || !args.outputs[0] ||
            (p.residualInput >= 0 &&
             (args.inputs.size() <= size_t(p.residualInput) || !args.inputs[p.residualInput]))) {
            return invalidArgument("the gemm kernel needs A, an output and, when fused, the residual");
        }
        const auto* a = reinterpret_cast<const float*>(args.inputs[0]);
        const auto* residual =
            p.residualInput >= 0 ? reinterpret_cast<const float*>(args.inputs[p.residualInput]) : nullptr;
        auto* c = reinterpret_cast<float*>(args.outputs[0]);
        const auto* packed = reinterpret_cast<const float*>(m_blobs[0].data());
        const float* bias = p.hasBias ? reinterpret_cast<const float*>(m_blobs[1].data()) : nullptr;
        const GemmTile tile = gemmTile(p.isa);
        const StepRunner runner = stepRunner(p.isa);
        const bool wide = p.isa == Isa::Avx512;
        const int64_t tileRows = wide ? kWideRows : kTileRows;
        // A residual in the output's memory is read before its row is written (the bias step writes first).
        const int64_t elements = p.rows * p.columns;
        const bool residualInOutput = residual && residual < c + elements && c < residual + elements;

        // Blocks of rows as even as multiples of the tile allow, columns in blocks of 128; a thread
        // takes a column block's row blocks together (its own part of B) where there are enough. Where
        // the column blocks are fewer than two per thread, the rows are split further (down to four
        // tiles a block).
        const int64_t columnBlocks = (p.columns + kBlockColumns - 1) / kBlockColumns;
        int64_t rowBlocks = (p.rows + kMaxBlockRows - 1) / kMaxBlockRows;
        const int64_t wantedUnits = 2 * int64_t(omp_get_max_threads());
        if (rowBlocks * columnBlocks < wantedUnits) {
            const int64_t mostRowBlocks = std::max<int64_t>(1, p.rows / (4 * tileRows));
            rowBlocks =
                std::max(rowBlocks, std::min((wantedUnits + columnBlocks - 1) / columnBlocks, mostRowBlocks));
        }
        int64_t blockRows = (p.rows + rowBlocks - 1) / rowBlocks;
        blockRows = (blockRows + tileRows - 1) / tileRows * tileRows;
        const int64_t units = rowBlocks * columnBlocks;
        const int64_t chunk = dynamicChunk(units, rowBlocks);
        const bool parallel = units > 1 && worthParallel(p.rows * p.depth * p.columns / 16);
#pragma omp parallel if (parallel)
        {
            // A block's sums gather in a buffer of rows of 128 before the epilogue writes them out: the
            // output's own rows can be 2^n x 3 floats apart (3072), which puts a tile's rows in the same
            // cache sets.
            std::vector<float> buffer(size_t(blockRows * kBlockColumns));
            std::vector<float> residualRow(residualInOutput ? size_t(kBlockColumns) : 0);
            // The row blocks of a column block (its part of B) together.
#pragma omp for schedule(dynamic, chunk)
            for (int64_t unit = 0; unit < units; ++unit) {
                const int64_t row0 = (unit % rowBlocks) * blockRows;
                const int64_t rowEnd = std::min(p.rows, row0 + blockRows);
                const int64_t column0 = (unit / rowBlocks) * kBlockColumns;
                const int64_t columnEnd = std::min(p.columns, column0 + kBlockColumns);
                if (row0 >= rowEnd) continue;
                for (int64_t k0 = 0; k0 < p.depth; k0 += kDepthStep) {
                    const int64_t depth = std::min(kDepthStep, p.depth - k0);
                    const float* slices =
                        packed + k0 * p.panels() * kPanel + (column0 / kPanel) * depth * kPanel;
                    if (wide) {
                        wideProduct(a + row0 * p.depth + k0, p.depth, slices, kPanel, depth * kPanel,
                                    rowEnd - row0, columnEnd - column0, depth, buffer.data(), kBlockColumns,
                                    k0 > 0);
                        continue;
                    }
                    for (int64_t i = row0; i < rowEnd; i += tileRows) {
                        const int64_t rows = std::min(tileRows, rowEnd - i);
                        const float* rowPointers[kTileRows];
                        for (int64_t r = 0; r < kTileRows; ++r) {
                            rowPointers[r] = a + (i + std::min(r, rows - 1)) * p.depth + k0;
                        }
                        for (int64_t j = column0; j < columnEnd; j += kPanel) {
                            tile(rowPointers, slices + (j - column0) * depth, depth,
                                 buffer.data() + (i - row0) * kBlockColumns + (j - column0), kBlockColumns,
                                 rows, std::min(kPanel, columnEnd - j), k0 > 0);
                        }
                    }
                }
                const int64_t width = columnEnd - column0;
                for (int64_t i = row0; i < rowEnd; ++i) {
                    const float* sums = buffer.data() + (i - row0) * kBlockColumns;
                    float* row = c + i * p.columns + column0;
                    if (m_steps.empty()) {
                        std::memcpy(row, sums, size_t(width) * sizeof(float));
                        continue;
                    }
                    const float* added = residual ? residual + i * p.columns + column0 : nullptr;
                    if (residualInOutput) {
                        std::memcpy(residualRow.data(), added, size_t(width) * sizeof(float));
                        added = residualRow.data();
                    }
                    const TileOperand operands[2] = {{bias ? bias + column0 : nullptr, -1}, {added, -1}};
                    runner(m_steps.data(), m_steps.size(), sums, row, width, operands);
                }
            }
        }
        return Status::ok();
    }

private:
    // The epilogue's steps, run over each block row: bias (operand 0), residual (operand 1), activation.
    static std::vector<PointwiseStep> epilogue(const GemmPlan& p) {
        std::vector<int64_t> added;
        if (p.hasBias) added.push_back(0);
        if (p.residualInput >= 0) added.push_back(1);
        return epilogueSteps(added, p.activation);
    }

    GemmPlan m_plan;
    std::vector<tactics::WeightBlob> m_blobs;  // packed B, then the bias when there is one
    std::vector<PointwiseStep> m_steps;
};

// Where the packed values come from: B ([K, N], or [N, K] transposed), times alpha; and the bias row,
// times its scale (a Gemm's beta), of N values or one broadcast to all.
struct WeightSource {
    std::shared_ptr<const HostTensor> weights;
    bool transposed = false;
    float alpha = 1.0f;
    std::shared_ptr<const HostTensor> bias;
    float biasScale = 1.0f;
};

class GemmTactic final : public tactics::Tactic {
public:
    GemmTactic(GemmPlan plan, WeightSource source) : m_plan(std::move(plan)), m_source(std::move(source)) {}

    std::string id() const override { return kGemmId; }
    std::string library() const override { return kLibrary; }

    Result<std::vector<tactics::WeightBlob>> prepareWeights() const override {
        const GemmPlan& p = m_plan;
        const WeightSource& s = m_source;
        if (!s.weights || s.weights->type() != DataType::Float32 ||
            s.weights->elementCount() != p.depth * p.columns) {
            return invalidModel("tactic 'kiln:gemm' needs the layer's constant FP32 weights of " +
                                std::to_string(p.depth) + " x " + std::to_string(p.columns) + " values");
        }
        std::vector<tactics::WeightBlob> blobs;
        tactics::WeightBlob packed(size_t(p.packedFloats()) * sizeof(float));
        auto* target = reinterpret_cast<float*>(packed.mutableData());
        const float* b = s.weights->data<float>();
        for (int64_t panel = 0; panel < p.panels(); ++panel) {
            for (int64_t k = 0; k < p.depth; ++k) {
                const int64_t k0 = k / kDepthStep * kDepthStep;
                const int64_t depth = std::min(kDepthStep, p.depth - k0);
                float* slot = target + k0 * p.panels() * kPanel + (panel * depth + k - k0) * kPanel;
                for (int64_t j = 0; j < kPanel; ++j) {
                    const int64_t n = panel * kPanel + j;
                    if (n >= p.columns) break;  // the padding stays zero
                    slot[j] = s.alpha * (s.transposed ? b[n * p.depth + k] : b[k * p.columns + n]);
                }
            }
        }
        blobs.push_back(std::move(packed));
        if (p.hasBias) {
            if (!s.bias || s.bias->type() != DataType::Float32 ||
                (s.bias->elementCount() != p.columns && s.bias->elementCount() != 1)) {
                return invalidModel("tactic 'kiln:gemm' needs the layer's constant FP32 bias of " +
                                    std::to_string(p.columns) + " values (or one)");
            }
            tactics::WeightBlob bias(size_t(p.columns) * sizeof(float));
            auto* values = reinterpret_cast<float*>(bias.mutableData());
            const float* source = s.bias->data<float>();
            const bool broadcast = s.bias->elementCount() == 1;
            for (int64_t n = 0; n < p.columns; ++n)
                values[n] = s.biasScale * source[broadcast ? 0 : n];
            blobs.push_back(std::move(bias));
        }
        return blobs;
    }

    Result<std::unique_ptr<tactics::Kernel>> instantiate(
        std::vector<tactics::WeightBlob> weights) const override {
        const GemmPlan& p = m_plan;
        const size_t expected = p.hasBias ? 2 : 1;
        if (weights.size() != expected || weights[0].size() != size_t(p.packedFloats()) * sizeof(float) ||
            (p.hasBias && weights[1].size() != size_t(p.columns) * sizeof(float))) {
            return invalidModel("tactic 'kiln:gemm' was given weight blobs of other sizes than its " +
                                std::to_string(p.depth) + " x " + std::to_string(p.columns) +
                                " product needs; rebuild the plan");
        }
        return std::unique_ptr<tactics::Kernel>(std::make_unique<GemmKernel>(p, std::move(weights)));
    }

private:
    GemmPlan m_plan;
    WeightSource m_source;
};

}  // namespace

GemmTile gemmTile(Isa isa) {
    return isa == Isa::Scalar ? tileScalar : tileAvx2;
}

void addGemmTactics(const tactics::LayerConfig& config, Isa isa,
                    std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                    std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    auto skip = [&](const std::string& reason) { skipped.push_back({kGemmId, kLibrary, reason}); };
    if (config.precision != DataType::Float32) return skip("runs FP32 layers only");
    if (layer.inputs().size() < 2 || !layer.input(0) || !layer.input(1) || layer.outputs().size() != 1 ||
        config.inputFormats.size() < layer.inputs().size() || config.outputFormats.empty()) {
        return skip("needs A, B, an output and their formats");
    }
    const Tensor* b = layer.input(1);
    if (!b->isConstant()) return skip("needs constant weights (B)");
    for (size_t i = 0; i < layer.inputs().size(); ++i) {
        const Tensor* input = layer.input(i);
        if (input && (input->type() != DataType::Float32 || !config.inputFormats[i].isDefault())) {
            return skip("reads linear FP32 tensors only");
        }
    }
    if (layer.output(0)->type() != DataType::Float32 || !config.outputFormats[0].isDefault()) {
        return skip("writes linear FP32 tensors only");
    }
    const Dims& aDims = layer.input(0)->dims();
    Dims bDims = b->dims();
    GemmPlan plan;
    plan.isa = isa;
    WeightSource source;
    source.weights = b->constantData();
    if (layer.kind() == LayerKind::Gemm) {
        const auto& p = layer.paramsAs<GemmParams>();
        if (p.transA) return skip("reads A as stored (transA is not offered)");
        if (aDims.size() != 2 || bDims.size() != 2) return skip("needs A and B of rank 2");
        plan.rows = aDims[0];
        plan.depth = aDims[1];
        plan.columns = p.transB ? bDims[0] : bDims[1];
        source.transposed = p.transB;
        source.alpha = p.alpha;
        const Tensor* c = layer.inputs().size() > 2 ? layer.input(2) : nullptr;
        if (c && p.beta != 0.0f) {
            const Dims& cDims = c->dims();
            const int64_t count = volume(cDims);
            const bool row = count == 1 || (count == plan.columns && cDims.back() == plan.columns);
            if (!c->isConstant() || !row)
                return skip("takes C only as a constant row ([N], [1, N] or one value)");
            plan.hasBias = true;
            source.bias = c->constantData();
            source.biasScale = p.beta;
        }
        plan.activation = p.activation;
    } else if (layer.kind() == LayerKind::MatMul) {
        if (aDims.size() < 2 || bDims.size() < 2) return skip("needs A and B of rank 2 or more");
        for (size_t axis = 0; axis + 2 < bDims.size(); ++axis) {
            if (bDims[axis] != 1) return skip("needs weights without batch axes ([K, N])");
        }
        plan.depth = aDims.back();
        plan.rows = volume(aDims) / std::max<int64_t>(plan.depth, 1);
        plan.columns = bDims.back();
        if (bDims[bDims.size() - 2] != plan.depth) return skip("A's last axis is not B's rows");
        const Tensor* bias = layer.inputs().size() > 2 ? layer.input(2) : nullptr;
        if (bias) {
            if (!bias->isConstant() || volume(bias->dims()) != plan.columns)
                return skip("needs a constant bias of N values");
            plan.hasBias = true;
            source.bias = bias->constantData();
        }
        if (layer.inputs().size() > 3 && layer.input(3)) {
            if (layer.input(3)->dims() != layer.output(0)->dims())
                return skip("needs a residual of the output's shape");
            plan.residualInput = 3;
        }
        plan.activation = layer.paramsAs<MatMulParams>().activation;
    } else {
        return;
    }
    if (plan.rows <= 0 || plan.depth <= 0 || plan.columns <= 0) return skip("the product is empty");
    if (volume(layer.output(0)->dims()) != plan.rows * plan.columns) return skip("the output is not [M, N]");
    tactics.push_back(std::make_unique<GemmTactic>(plan, source));
}

}  // namespace kiln::cpu::fast

// Attention kernel (fast_attention.h).
#include "backends/cpu/fast/fast_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <oneapi/dnnl/dnnl.h>

#include "backends/cpu/attention_layout.h"
#include "backends/cpu/fast/fast_gemm.h"
#include "backends/cpu/fast/fast_pointwise.h"

#if defined(__clang__)
#pragma clang diagnostic ignored "-Wpass-failed"
#endif

namespace kiln::cpu::fast {
namespace {

constexpr const char* kAttentionId = "kiln:attention";
// Scores one block holds at most: 64 KiB of floats keeps a block's scores and exponentials in L2.
constexpr int64_t kBlockScores = 16384;

// A [rows, cols] matrix at strides (row, col) as sgemm reads it: row-major ('N', leading dimension the row
// stride) when its columns are contiguous, else column-major ('T', leading dimension the column stride).
struct MatrixOperand {
    char trans = 'N';
    int64_t ld = 1;
};

MatrixOperand operandOf(int64_t rowStride, int64_t colStride, int64_t rows, int64_t cols) {
    if (colStride == 1 || cols == 1) return {'N', rows == 1 ? std::max<int64_t>(cols, 1) : rowStride};
    return {'T', cols == 1 ? std::max<int64_t>(rows, 1) : colStride};
}

struct AttentionPlan {
    AttentionLayout layout;
    float scale = 1.0f;
    int64_t blockRows = 1;
    Isa isa = Isa::Scalar;
    // The products on Kiln's AVX-512 tiles (wideProduct) instead of oneDNN's sgemm: on AVX-512 machines,
    // where q's, v's and the output's rows are contiguous and v's in whole vectors.
    bool wide = false;
};

constexpr int64_t kPanel = 16;  // keys of a panel of the packed k^T

// The row passes around the exponentials, compiled for each instruction set (chosen when the program
// loads) and vectorized by `omp simd` (the build's -O2 leaves plain loops scalar). Maxima and sums run
// in 16 lanes of partial results: one running maximum or sum is a chain of dependent instructions, four
// cycles an element.
constexpr int64_t kLanes = 16;

// Scales the row's scores, adds the mask's values (`maskStep` apart; none when `mask` is null) and
// returns the row's maximum as the reference takes it (std::max, which passes over NaNs).
__attribute__((target_clones("avx512f", "avx2", "default"))) float scaleMaskAndMaximum(float* row, int64_t n,
                                                                                       float scale,
                                                                                       const float* mask,
                                                                                       int64_t maskStep) {
    if (mask && maskStep == 1) {
#pragma omp simd
        for (int64_t j = 0; j < n; ++j)
            row[j] = row[j] * scale + mask[j];
    } else if (mask) {
        for (int64_t j = 0; j < n; ++j)
            row[j] = row[j] * scale + mask[j * maskStep];
    } else {
#pragma omp simd
        for (int64_t j = 0; j < n; ++j)
            row[j] *= scale;
    }
    float partial[kLanes];
    std::fill(partial, partial + kLanes, -std::numeric_limits<float>::infinity());
    int64_t j = 0;
    for (; j + kLanes <= n; j += kLanes) {
#pragma omp simd
        for (int64_t t = 0; t < kLanes; ++t)
            partial[t] = std::max(partial[t], row[j + t]);
    }
    float maximum = -std::numeric_limits<float>::infinity();
    for (; j < n; ++j)
        maximum = std::max(maximum, row[j]);
    for (int64_t t = 0; t < kLanes; ++t)
        maximum = std::max(maximum, partial[t]);
    return maximum;
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void subtract(float* row, int64_t n,
                                                                           float value) {
#pragma omp simd
    for (int64_t j = 0; j < n; ++j)
        row[j] -= value;
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void multiply(float* row, int64_t n,
                                                                           float factor) {
#pragma omp simd
    for (int64_t j = 0; j < n; ++j)
        row[j] *= factor;
}

// The sum in double.
__attribute__((target_clones("avx512f", "avx2", "default"))) double sumOf(const float* row, int64_t n) {
    double partial[kLanes] = {};
    int64_t j = 0;
    for (; j + kLanes <= n; j += kLanes) {
#pragma omp simd
        for (int64_t t = 0; t < kLanes; ++t)
            partial[t] += double(row[j + t]);
    }
    double sum = 0.0;
    for (; j < n; ++j)
        sum += double(row[j]);
    for (int64_t t = 0; t < kLanes; ++t)
        sum += partial[t];
    return sum;
}

class AttentionKernel final : public tactics::Kernel {
public:
    explicit AttentionKernel(AttentionPlan plan) : m_plan(std::move(plan)) {}

    Status run(const tactics::KernelArgs& args) const override {
        if (args.inputs.size() < 3 || args.outputs.empty() || !args.inputs[0] || !args.inputs[1] || !args.inputs[2] ||
            !args.outputs[0]) {
            return invalidArgument("the attention kernel needs query, key, value and an output");
        }
        const AttentionPlan& p = m_plan;
        const AttentionLayout& l = p.layout;
        const size_t r = l.leading.size();
        const auto* q = reinterpret_cast<const float*>(args.inputs[0]);
        const auto* k = reinterpret_cast<const float*>(args.inputs[1]);
        const auto* v = reinterpret_cast<const float*>(args.inputs[2]);
        const auto* mask = l.hasMask && args.inputs.size() > 3 ? reinterpret_cast<const float*>(args.inputs[3]) : nullptr;
        auto* y = reinterpret_cast<float*>(args.outputs[0]);
        const int64_t blocks = (l.queries + p.blockRows - 1) / p.blockRows;
        const int64_t tasks = l.batches() * blocks;
        const MatrixOperand keyOperand = operandOf(l.key[r], l.key[r + 1], l.keys, l.depth);
        const MatrixOperand valueOperand = operandOf(l.value[r], l.value[r + 1], l.keys, l.valueDepth);
        const int64_t work = l.batches() * l.queries * l.keys * (l.depth + l.valueDepth);
        const int64_t keyPanels = (l.keys + kPanel - 1) / kPanel;
        const int64_t chunk = dynamicChunk(tasks, blocks);
        bool failed = false;
#pragma omp parallel if (tasks > 1 && worthParallel(work))
        {
            std::vector<float> scores(size_t(p.blockRows * l.keys));
            std::vector<float> exponentials(scores.size());
            std::vector<float> inverseSums(size_t(p.blockRows));
            // The wide products' operands in contiguous memory (rows of q, k and v can be thousands of
            // floats apart, which puts them in a few cache sets): k^T in panels of 16 keys
            // ([panel][depth][16], zero past the last key) and v in panels of 16 values ([panel][key][16]),
            // packed once for the consecutive tasks of one batch entry, and the task's rows of q.
            std::vector<float> keys(p.wide ? size_t(keyPanels * l.depth * kPanel) : 0);
            std::vector<float> values(p.wide ? size_t(l.keys * l.valueDepth) : 0);
            std::vector<float> queries(p.wide ? size_t(p.blockRows * l.depth) : 0);
            int64_t packed = -1;
            // A batch entry's blocks (its packed k and v) together.
#pragma omp for schedule(dynamic, chunk)
            for (int64_t task = 0; task < tasks; ++task) {
                const int64_t b = task / blocks;
                const int64_t first = task % blocks * p.blockRows;
                const int64_t rows = std::min(p.blockRows, l.queries - first);
                const float* qb = q + l.batchOffset(b, l.query) + first * l.query[r];
                const float* kb = k + l.batchOffset(b, l.key);
                const float* vb = v + l.batchOffset(b, l.value);
                float* yb = y + l.batchOffset(b, l.output) + first * l.output[r];
                if (p.wide) {
                    if (packed != b) {
                        packKeysAndValues(kb, vb, keys.data(), values.data());
                        packed = b;
                    }
                    for (int64_t i = 0; i < rows; ++i)
                        std::copy(qb + i * l.query[r], qb + i * l.query[r] + l.depth,
                                  queries.data() + i * l.depth);
                    // scores = q k^T, scaled below.
                    wideProduct(queries.data(), l.depth, keys.data(), kPanel, l.depth * kPanel, rows, l.keys,
                                l.depth, scores.data(), l.keys, false);
                } else {
                    const MatrixOperand queryOperand = operandOf(l.query[r], l.query[r + 1], rows, l.depth);
                    // scores = scale * q k^T: op(B) = k^T is 'T' of a row-major k and 'N' of a column-major
                    // one.
                    const char keyTrans = keyOperand.trans == 'N' ? 'T' : 'N';
                    if (dnnl_sgemm(queryOperand.trans, keyTrans, rows, l.keys, l.depth, p.scale, qb,
                                   queryOperand.ld, kb, keyOperand.ld, 0.0f, scores.data(),
                                   l.keys) != dnnl_success) {
                        failed = true;
                        continue;
                    }
                }
                // The wide products leave the scale to this pass (sgemm applied it as alpha).
                const float scale = p.wide ? p.scale : 1.0f;
                for (int64_t i = 0; i < rows; ++i) {
                    float* row = scores.data() + i * l.keys;
                    const float* m =
                        mask ? mask + l.batchOffset(b, l.mask) + (first + i) * l.mask[r] : nullptr;
                    const float maximum =
                        scaleMaskAndMaximum(row, l.keys, scale, m, mask ? l.mask[r + 1] : 0);
                    subtract(row, l.keys, maximum);
                }
                evaluateVectorFunction(p.isa, VectorFunction::Exp, scores.data(), exponentials.data(), rows * l.keys);
                for (int64_t i = 0; i < rows; ++i)
                    inverseSums[size_t(i)] = float(1.0 / sumOf(exponentials.data() + i * l.keys, l.keys));
                // out = exponentials v, then each row divided by its sum.
                if (p.wide) {
                    wideProduct(exponentials.data(), l.keys, values.data(), kPanel, l.keys * kPanel, rows,
                                l.valueDepth, l.keys, yb, l.output[r], false);
                } else if (dnnl_sgemm('N', valueOperand.trans, rows, l.valueDepth, l.keys, 1.0f,
                                      exponentials.data(), l.keys, vb, valueOperand.ld, 0.0f, yb,
                                      l.output[r]) != dnnl_success) {
                    failed = true;
                    continue;
                }
                for (int64_t i = 0; i < rows; ++i)
                    multiply(yb + i * l.output[r], l.valueDepth, inverseSums[size_t(i)]);
            }
        }
        if (failed) return internalError("oneDNN's sgemm refused a matrix product of the attention kernel");
        return Status::ok();
    }

private:
    // k^T of one batch entry in panels of 16 keys, element (d, j) at [j / 16][d][j % 16], and v in panels
    // of 16 values, element (j, e) at [e / 16][j][e % 16] (v's rows are whole vectors).
    void packKeysAndValues(const float* kb, const float* vb, float* keys, float* values) const {
        const AttentionLayout& l = m_plan.layout;
        const size_t r = l.leading.size();
        const int64_t keyPanels = (l.keys + kPanel - 1) / kPanel;
        std::fill(keys + (keyPanels - 1) * l.depth * kPanel, keys + keyPanels * l.depth * kPanel, 0.0f);
        for (int64_t j = 0; j < l.keys; ++j) {
            const float* key = kb + j * l.key[r];
            float* column = keys + (j / kPanel) * l.depth * kPanel + j % kPanel;
            for (int64_t d = 0; d < l.depth; ++d)
                column[d * kPanel] = key[d * l.key[r + 1]];
            const float* value = vb + j * l.value[r];
            for (int64_t e = 0; e < l.valueDepth; e += kPanel)
                std::copy(value + e, value + e + kPanel, values + (e / kPanel * l.keys + j) * kPanel);
        }
    }

    AttentionPlan m_plan;
};

}  // namespace

void addAttentionTactics(const tactics::LayerConfig& config, Isa isa,
                         std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                         std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    auto skip = [&](const std::string& reason) { skipped.push_back({kAttentionId, kLibrary, reason}); };
    const bool hasMask = layer.inputs().size() > 3 && layer.input(3) != nullptr;
    const size_t count = hasMask ? 4 : 3;
    if (layer.inputs().size() < 3 || !layer.input(0) || !layer.input(1) || !layer.input(2) || !layer.output(0) ||
        config.inputFormats.size() < count || config.outputFormats.empty()) {
        return skip("needs query, key, value, an output and their formats");
    }
    const auto fp32 = [](const TensorFormat& format) { return format.storage.value_or(DataType::Float32) == DataType::Float32; };
    for (size_t i = 0; i < count; ++i) {
        if (layer.input(i)->type() != DataType::Float32 || !fp32(config.inputFormats[i]) ||
            !isLinearLayout(layer.input(i)->dims(), config.inputFormats[i])) {
            return skip("runs linear FP32 tensors only");
        }
    }
    if (!fp32(config.outputFormats[0]) || !isLinearLayout(layer.output(0)->dims(), config.outputFormats[0])) {
        return skip("runs linear FP32 tensors only");
    }
    const auto& params = layer.paramsAs<AttentionParams>();
    AttentionPlan plan;
    plan.layout = attentionLayout(params, layer.input(0)->dims(), layer.input(1)->dims(), layer.input(2)->dims(),
                                  hasMask ? &layer.input(3)->dims() : nullptr);
    if (plan.layout.keys == 0 || plan.layout.queries == 0) return skip("has no keys or no queries");
    plan.scale = params.scale;
    plan.blockRows = std::min(std::max<int64_t>(kBlockScores / plan.layout.keys, 8), plan.layout.queries);
    plan.isa = isa;
    const AttentionLayout& l = plan.layout;
    const size_t r = l.leading.size();
    plan.wide = isa == Isa::Avx512 && l.query[r + 1] == 1 && l.value[r + 1] == 1 && l.output[r + 1] == 1 &&
                l.depth > 0 && l.valueDepth % kPanel == 0;
    tactics.push_back(std::make_unique<KilnTactic>(kAttentionId, [plan]() -> Result<std::unique_ptr<tactics::Kernel>> {
        return std::unique_ptr<tactics::Kernel>(std::make_unique<AttentionKernel>(plan));
    }));
}

}  // namespace kiln::cpu::fast

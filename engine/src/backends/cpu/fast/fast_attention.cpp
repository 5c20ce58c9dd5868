// Attention kernel (fast_attention.h).
#include "backends/cpu/fast/fast_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include <oneapi/dnnl/dnnl.h>

#include "backends/cpu/attention_layout.h"
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
};

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
        bool failed = false;
#pragma omp parallel if (tasks > 1 && worthParallel(work))
        {
            std::vector<float> scores(size_t(p.blockRows * l.keys));
            std::vector<float> exponentials(scores.size());
            std::vector<float> inverseSums(size_t(p.blockRows));
#pragma omp for schedule(static)
            for (int64_t task = 0; task < tasks; ++task) {
                const int64_t b = task / blocks;
                const int64_t first = task % blocks * p.blockRows;
                const int64_t rows = std::min(p.blockRows, l.queries - first);
                const float* qb = q + l.batchOffset(b, l.query) + first * l.query[r];
                const float* kb = k + l.batchOffset(b, l.key);
                const float* vb = v + l.batchOffset(b, l.value);
                float* yb = y + l.batchOffset(b, l.output) + first * l.output[r];
                const MatrixOperand queryOperand = operandOf(l.query[r], l.query[r + 1], rows, l.depth);
                // scores = scale * q k^T: op(B) = k^T is 'T' of a row-major k and 'N' of a column-major one.
                const char keyTrans = keyOperand.trans == 'N' ? 'T' : 'N';
                if (dnnl_sgemm(queryOperand.trans, keyTrans, rows, l.keys, l.depth, p.scale, qb, queryOperand.ld, kb,
                               keyOperand.ld, 0.0f, scores.data(), l.keys) != dnnl_success) {
                    failed = true;
                    continue;
                }
                for (int64_t i = 0; i < rows; ++i) {
                    float* row = scores.data() + i * l.keys;
                    if (mask) {
                        const float* m = mask + l.batchOffset(b, l.mask) + (first + i) * l.mask[r];
                        const int64_t step = l.mask[r + 1];
                        if (step == 1) {
#pragma omp simd
                            for (int64_t j = 0; j < l.keys; ++j) row[j] += m[j];
                        } else {
                            for (int64_t j = 0; j < l.keys; ++j) row[j] += m[j * step];
                        }
                    }
                    float maximum = -std::numeric_limits<float>::infinity();
#pragma omp simd reduction(max : maximum)
                    for (int64_t j = 0; j < l.keys; ++j) maximum = std::max(maximum, row[j]);
#pragma omp simd
                    for (int64_t j = 0; j < l.keys; ++j) row[j] -= maximum;
                }
                evaluateVectorFunction(p.isa, VectorFunction::Exp, scores.data(), exponentials.data(), rows * l.keys);
                for (int64_t i = 0; i < rows; ++i) {
                    const float* e = exponentials.data() + i * l.keys;
                    double sum = 0.0;
#pragma omp simd reduction(+ : sum)
                    for (int64_t j = 0; j < l.keys; ++j) sum += double(e[j]);
                    inverseSums[size_t(i)] = float(1.0 / sum);
                }
                // out = exponentials v, then each row divided by its sum.
                if (dnnl_sgemm('N', valueOperand.trans, rows, l.valueDepth, l.keys, 1.0f, exponentials.data(), l.keys, vb,
                               valueOperand.ld, 0.0f, yb, l.output[r]) != dnnl_success) {
                    failed = true;
                    continue;
                }
                for (int64_t i = 0; i < rows; ++i) {
                    float* row = yb + i * l.output[r];
                    const float factor = inverseSums[size_t(i)];
#pragma omp simd
                    for (int64_t e = 0; e < l.valueDepth; ++e) row[e] *= factor;
                }
            }
        }
        if (failed) return internalError("oneDNN's sgemm refused a matrix product of the attention kernel");
        return Status::ok();
    }

private:
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
    tactics.push_back(std::make_unique<KilnTactic>(kAttentionId, [plan]() -> Result<std::unique_ptr<tactics::Kernel>> {
        return std::unique_ptr<tactics::Kernel>(std::make_unique<AttentionKernel>(plan));
    }));
}

}  // namespace kiln::cpu::fast

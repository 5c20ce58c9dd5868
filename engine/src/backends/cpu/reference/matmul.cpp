// Reference kernels for MatMul (numpy batched matrix product, with its fused bias, residual and activation)
// and Gemm (with its fused activation), FP32
// with double accumulation.
// Rows of the result accumulate one row of B at a time so the innermost loop walks contiguous memory.
#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "backends/cpu/reference/reference_kernels.h"

namespace kiln::cpu {
namespace {

Status checkFloatTensors(const KernelInputs& in, const KernelOutputs& out, const char* kind) {
    for (const HostTensor* t : in) {
        if (t != nullptr && t->type() != DataType::Float32) {
            return unsupported(std::string(kind) + " reference kernel runs on FP32 only; got " +
                               toString(t->type()));
        }
    }
    if (out.size() != 1 || out[0].type() != DataType::Float32) {
        return internalError(std::string(kind) + " reference kernel expects one FP32 output");
    }
    return Status::ok();
}

// Element offset of batch entry `index` (row-major over `batch`) given per-axis strides.
int64_t batchOffset(int64_t index, const Dims& batch, const std::vector<int64_t>& strides) {
    int64_t offset = 0;
    for (size_t axis = batch.size(); axis-- > 0;) {
        offset += (index % batch[axis]) * strides[axis];
        index /= batch[axis];
    }
    return offset;
}

}  // namespace

Status runReference(const MatMulParams& p, const KernelInputs& in, KernelOutputs& out) {
    KILN_RETURN_IF_ERROR(checkFloatTensors(in, out, "MatMul"));
    const Dims& a = in[0]->dims();
    const Dims& b = in[1]->dims();
    const Dims& y = out[0].dims();
    const int64_t m = a.size() >= 2 ? a[a.size() - 2] : 1;
    const int64_t k = a.back();
    const int64_t n = b.size() >= 2 ? b.back() : 1;
    const size_t batchRank = y.size() - (a.size() >= 2 ? 1 : 0) - (b.size() >= 2 ? 1 : 0);
    const Dims batch(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(batchRank));
    const Dims batchA(a.begin(), a.end() - static_cast<std::ptrdiff_t>(a.size() >= 2 ? 2 : 1));
    const Dims batchB(b.begin(), b.end() - static_cast<std::ptrdiff_t>(b.size() >= 2 ? 2 : 1));
    const std::vector<int64_t> stridesA = broadcastStrides(batchA, batch);
    const std::vector<int64_t> stridesB = broadcastStrides(batchB, batch);

    const float* pa = in[0]->data<float>();
    const float* pb = in[1]->data<float>();
    float* py = out[0].data<float>();
    const float* bias = in.size() > 2 && in[2] ? in[2]->data<float>() : nullptr;
    const float* residual = in.size() > 3 && in[3] ? in[3]->data<float>() : nullptr;
    std::vector<double> row(static_cast<size_t>(n));
    const int64_t batches = volume(batch);
    for (int64_t index = 0; index < batches; ++index) {
        const float* matA = pa + batchOffset(index, batch, stridesA) * m * k;
        const float* matB = pb + batchOffset(index, batch, stridesB) * k * n;
        float* matY = py + index * m * n;
        for (int64_t i = 0; i < m; ++i) {
            std::fill(row.begin(), row.end(), 0.0);
            for (int64_t kk = 0; kk < k; ++kk) {
                const double scale = matA[i * k + kk];
                const float* rowB = matB + kk * n;
                for (int64_t j = 0; j < n; ++j) row[j] += scale * rowB[j];
            }
            for (int64_t j = 0; j < n; ++j) {
                // The bias and residual added in double; rounded to float before the activation, as the
                // unfused Activation layer would see it.
                double value = row[j];
                if (bias) value += double(bias[j]);
                if (residual) value += double(residual[(matY - py) + i * n + j]);
                matY[i * n + j] = p.activation ? applyActivation(*p.activation, static_cast<float>(value))
                                               : static_cast<float>(value);
            }
        }
    }
    return Status::ok();
}

Status runReference(const GemmParams& p, const KernelInputs& in, KernelOutputs& out) {
    KILN_RETURN_IF_ERROR(checkFloatTensors(in, out, "Gemm"));
    const HostTensor* c = in.size() > 2 ? in[2] : nullptr;
    const int64_t m = out[0].dims()[0];
    const int64_t n = out[0].dims()[1];
    const int64_t k = p.transA ? in[0]->dims()[0] : in[0]->dims()[1];
    // Element strides of op(A) and op(B) along their row and column.
    const int64_t aRow = p.transA ? 1 : k;
    const int64_t aCol = p.transA ? m : 1;
    const int64_t bRow = p.transB ? 1 : n;
    const int64_t bCol = p.transB ? k : 1;
    const float* pa = in[0]->data<float>();
    const float* pb = in[1]->data<float>();
    float* py = out[0].data<float>();
    const bool addC = c != nullptr && p.beta != 0.0f;
    const std::vector<int64_t> cStrides = addC ? broadcastStrides(c->dims(), {m, n}) : std::vector<int64_t>{};

    std::vector<double> row(static_cast<size_t>(n));
    for (int64_t i = 0; i < m; ++i) {
        std::fill(row.begin(), row.end(), 0.0);
        for (int64_t kk = 0; kk < k; ++kk) {
            const double scale = pa[i * aRow + kk * aCol];
            const float* rowB = pb + kk * bRow;
            for (int64_t j = 0; j < n; ++j) row[j] += scale * rowB[j * bCol];
        }
        for (int64_t j = 0; j < n; ++j) {
            double value = double(p.alpha) * row[j];
            if (addC) value += double(p.beta) * c->data<float>()[i * cStrides[0] + j * cStrides[1]];
            // Rounded to float before the fused activation, as the unfused Activation layer would see it.
            const float result = static_cast<float>(value);
            py[i * n + j] = p.activation ? applyActivation(*p.activation, result) : result;
        }
    }
    return Status::ok();
}

}  // namespace kiln::cpu

// Shape inference for MatMul (numpy semantics: rank-1 promotion, broadcast batch dimensions) and Gemm
// (rank-2 operands, optional transposes, C broadcastable to the [M, N] result).
#include <algorithm>
#include <string>

#include "ir/shape_inference.h"

namespace kiln::detail {
InferResult inferOutputs(const MatMulParams&, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 2, 4));
    KILN_RETURN_IF_ERROR(expectFloat(in[0], 0, "A"));
    KILN_RETURN_IF_ERROR(expectFloat(in[1], 1, "B"));
    KILN_RETURN_IF_ERROR(expectRankAtLeast(in[0], 0, "A", 1));
    KILN_RETURN_IF_ERROR(expectRankAtLeast(in[1], 1, "B", 1));
    const Dims& a = in[0]->dims();
    const Dims& b = in[1]->dims();
    // Rank-1 operands are promoted to [1, K] (A) and [K, 1] (B); the promoted axis is dropped again.
    const int64_t kA = a.back();
    const int64_t kB = b.size() == 1 ? b[0] : b[b.size() - 2];
    if (kA != kB) {
        return invalidModel("inner dimensions differ: input 0 (A) " + toString(a) + " has K = " +
                            std::to_string(kA) + ", input 1 (B) " + toString(b) + " has K = " +
                            std::to_string(kB));
    }
    const Dims batchA(a.begin(), a.end() - std::min<size_t>(a.size(), 2));
    const Dims batchB(b.begin(), b.end() - std::min<size_t>(b.size(), 2));
    KILN_ASSIGN_OR_RETURN(Dims out, broadcastDims(batchA, batchB));
    if (a.size() >= 2) out.push_back(a[a.size() - 2]);
    if (b.size() >= 2) out.push_back(b.back());
    KILN_RETURN_IF_ERROR(checkDims(out, "MatMul output"));
    // The epilogue's bias [N] and residual (the output's shape).
    if (in.size() > 2 && (a.size() < 2 || b.size() < 2)) {
        return invalidModel("a MatMul with a bias or residual needs operands of rank 2 or more; A is " + toString(a) +
                            ", B " + toString(b));
    }
    if (in.size() > 2 && in[2] != nullptr) {
        KILN_RETURN_IF_ERROR(expectFloat(in[2], 2, "bias"));
        if (in[2]->dims() != Dims{out.back()}) {
            return invalidModel("input 2 (bias) has shape " + toString(in[2]->dims()) + "; expected " +
                                std::to_string(out.back()) + " (one per column of the output " + toString(out) + ")");
        }
    }
    if (in.size() > 3 && in[3] != nullptr) {
        KILN_RETURN_IF_ERROR(expectFloat(in[3], 3, "residual"));
        if (in[3]->dims() != out) {
            return invalidModel("input 3 (residual) has shape " + toString(in[3]->dims()) + "; expected the output's " +
                                toString(out));
        }
    }
    return std::vector<TensorDesc>{{in[0]->type(), out}};
}

InferResult inferOutputs(const GemmParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 2, 3));
    KILN_RETURN_IF_ERROR(expectFloat(in[0], 0, "A"));
    KILN_RETURN_IF_ERROR(expectFloat(in[1], 1, "B"));
    KILN_RETURN_IF_ERROR(expectRank(in[0], 0, "A", 2));
    KILN_RETURN_IF_ERROR(expectRank(in[1], 1, "B", 2));
    const Dims& a = in[0]->dims();
    const Dims& b = in[1]->dims();
    const int64_t m = p.transA ? a[1] : a[0];
    const int64_t kA = p.transA ? a[0] : a[1];
    const int64_t kB = p.transB ? b[1] : b[0];
    const int64_t n = p.transB ? b[0] : b[1];
    if (kA != kB) {
        return invalidModel("inner dimensions differ: input 0 (A) " + toString(a) +
                            (p.transA ? " transposed" : "") + " has K = " + std::to_string(kA) +
                            ", input 1 (B) " + toString(b) + (p.transB ? " transposed" : "") +
                            " has K = " + std::to_string(kB));
    }
    const Dims out{m, n};
    if (in.size() > 2 && in[2] != nullptr) {
        const Tensor* c = in[2];
        KILN_RETURN_IF_ERROR(expectFloat(c, 2, "C"));
        const Result<Dims> broadcast = broadcastDims(c->dims(), out);
        if (c->dims().size() > 2 || !broadcast.isOk() || *broadcast != out) {
            return invalidModel("input 2 (C) has shape " + toString(c->dims()) +
                                ", which does not broadcast to the result shape " + toString(out));
        }
    }
    return std::vector<TensorDesc>{{in[0]->type(), out}};
}

}  // namespace kiln::detail

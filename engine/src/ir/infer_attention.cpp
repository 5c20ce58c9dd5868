// Shape inference for Attention: the views q, k, v that the permutations give must agree on their leading
// axes and on D (q, k) and Sk (k, v); the mask must broadcast to the scores; the output is [..., Sq, Dv]
// transposed by outputPerm.
#include <string>

#include "ir/shape_inference.h"

namespace kiln::detail {
namespace {

// Checks that `perm` is empty or a permutation of `rank` axes that keeps one of the last two axes
// innermost (`lastStaysLast`: the last one).
Status checkPermutation(const std::vector<int64_t>& perm, size_t rank, const char* name, bool lastStaysLast) {
    if (perm.empty()) return Status::ok();
    const std::string text = std::string("Attention ") + name + " " + listText(perm);
    if (perm.size() != rank) {
        return invalidModel(text + " has " + std::to_string(perm.size()) + " entries; the inputs have rank " +
                            std::to_string(rank));
    }
    std::vector<bool> seen(rank, false);
    for (const int64_t axis : perm) {
        if (axis < 0 || axis >= int64_t(rank) || seen[size_t(axis)]) {
            return invalidModel(text + " is not a permutation of 0.." + std::to_string(int64_t(rank) - 1));
        }
        seen[size_t(axis)] = true;
    }
    const auto innermost = int64_t(rank) - 1;
    if (perm[rank - 1] != innermost && (lastStaysLast || perm[rank - 2] != innermost)) {
        return invalidModel(text + (lastStaysLast ? " moves the last axis; it must stay last"
                                                  : " moves the last axis out of the last two; it must stay in them"));
    }
    return Status::ok();
}

}  // namespace

InferResult inferOutputs(const AttentionParams& p, const InferInputs& in, size_t) {
    KILN_RETURN_IF_ERROR(expectInputCount(in, 3, 4));
    const char* roles[] = {"query", "key", "value", "mask"};
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] != nullptr || i < 3) KILN_RETURN_IF_ERROR(expectFloat(in[i], i, roles[i]));
    }
    KILN_RETURN_IF_ERROR(expectRankAtLeast(in[0], 0, "query", 2));
    const size_t rank = in[0]->dims().size();
    for (size_t i = 1; i < 3; ++i) KILN_RETURN_IF_ERROR(expectRank(in[i], i, roles[i], rank));
    KILN_RETURN_IF_ERROR(checkPermutation(p.queryPerm, rank, "queryPerm", false));
    KILN_RETURN_IF_ERROR(checkPermutation(p.keyPerm, rank, "keyPerm", false));
    KILN_RETURN_IF_ERROR(checkPermutation(p.valuePerm, rank, "valuePerm", false));
    KILN_RETURN_IF_ERROR(checkPermutation(p.outputPerm, rank, "outputPerm", true));
    const Dims q = transposedDims(in[0]->dims(), p.queryPerm);
    const Dims k = transposedDims(in[1]->dims(), p.keyPerm);
    const Dims v = transposedDims(in[2]->dims(), p.valuePerm);
    const Dims leading(q.begin(), q.end() - 2);
    if (Dims(k.begin(), k.end() - 2) != leading || Dims(v.begin(), v.end() - 2) != leading || k[rank - 1] != q[rank - 1] ||
        v[rank - 2] != k[rank - 2]) {
        return invalidModel("query " + toString(q) + ", key " + toString(k) + " and value " + toString(v) +
                            " (as permuted) do not fit [..., Sq, D], [..., Sk, D], [..., Sk, Dv]");
    }
    Dims scores = leading;
    scores.push_back(q[rank - 2]);
    scores.push_back(k[rank - 2]);
    if (in.size() > 3 && in[3] != nullptr && !broadcastsTo(in[3]->dims(), scores)) {
        return invalidModel("input 3 (mask) has shape " + toString(in[3]->dims()) +
                            ", which does not broadcast to the scores " + toString(scores));
    }
    Dims out = leading;
    out.push_back(q[rank - 2]);
    out.push_back(v[rank - 1]);
    return std::vector<TensorDesc>{{in[0]->type(), transposedDims(out, p.outputPerm)}};
}

}  // namespace kiln::detail

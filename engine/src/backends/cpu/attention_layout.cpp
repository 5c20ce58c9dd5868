// Attention strides (attention_layout.h).
#include "backends/cpu/attention_layout.h"

namespace kiln::cpu {
namespace {

std::vector<int64_t> rowMajorStrides(const Dims& dims) {
    std::vector<int64_t> strides(dims.size(), 1);
    for (size_t axis = dims.size(); axis-- > 1;) strides[axis - 1] = strides[axis] * dims[axis];
    return strides;
}

// The strides of the view `perm` makes of a tensor with `dims`: the view's axis i is the tensor's perm[i].
std::vector<int64_t> viewStrides(const Dims& dims, const std::vector<int64_t>& perm) {
    const std::vector<int64_t> strides = rowMajorStrides(dims);
    if (perm.empty()) return strides;
    std::vector<int64_t> view(perm.size());
    for (size_t i = 0; i < perm.size(); ++i) view[i] = strides[size_t(perm[i])];
    return view;
}

}  // namespace

int64_t AttentionLayout::batchOffset(int64_t index, const std::vector<int64_t>& strides) const {
    int64_t offset = 0;
    for (size_t axis = leading.size(); axis-- > 0;) {
        offset += (index % leading[axis]) * strides[axis];
        index /= leading[axis];
    }
    return offset;
}

AttentionLayout attentionLayout(const AttentionParams& p, const Dims& query, const Dims& key, const Dims& value,
                                const Dims* mask) {
    AttentionLayout layout;
    const Dims q = transposedDims(query, p.queryPerm);
    const Dims k = transposedDims(key, p.keyPerm);
    const Dims v = transposedDims(value, p.valuePerm);
    const size_t rank = q.size();
    layout.leading.assign(q.begin(), q.end() - 2);
    layout.queries = q[rank - 2];
    layout.depth = q[rank - 1];
    layout.keys = k[rank - 2];
    layout.valueDepth = v[rank - 1];
    layout.query = viewStrides(query, p.queryPerm);
    layout.key = viewStrides(key, p.keyPerm);
    layout.value = viewStrides(value, p.valuePerm);
    // The output tensor is the result transposed by outputPerm: its axis i is the result's outputPerm[i],
    // so the result's axis outputPerm[i] advances by the tensor's stride i.
    Dims result = layout.leading;
    result.push_back(layout.queries);
    result.push_back(layout.valueDepth);
    const Dims outputDims = transposedDims(result, p.outputPerm);
    const std::vector<int64_t> outputStrides = rowMajorStrides(outputDims);
    layout.output = outputStrides;
    for (size_t i = 0; i < p.outputPerm.size(); ++i) layout.output[size_t(p.outputPerm[i])] = outputStrides[i];
    // The mask broadcasts to [leading..., Sq, Sk], aligned at the last axis.
    layout.mask.assign(rank, 0);
    layout.hasMask = mask != nullptr;
    if (mask) {
        const std::vector<int64_t> strides = rowMajorStrides(*mask);
        for (size_t i = 0; i < mask->size(); ++i) {
            const size_t axis = rank - mask->size() + i;
            layout.mask[axis] = (*mask)[i] == 1 ? 0 : strides[i];
        }
    }
    return layout;
}

}  // namespace kiln::cpu

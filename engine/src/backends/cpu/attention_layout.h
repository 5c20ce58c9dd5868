// Where the elements of an Attention layer's matrices lie (kiln/layers.h, AttentionParams): for each of
// q, k, v, the mask and the output, the stride of every axis of its view [leading..., rows, columns], so
// that the reference and the fast kernel read the permuted inputs and write the permuted output in place.
#pragma once

#include <cstdint>
#include <vector>

#include "kiln/layers.h"

namespace kiln::cpu {

struct AttentionLayout {
    Dims leading;  // the axes q, k, v and the output share
    int64_t queries = 0;  // Sq
    int64_t keys = 0;     // Sk
    int64_t depth = 0;    // D
    int64_t valueDepth = 0;  // Dv
    // Strides in elements of [leading..., rows, columns] for q [Sq, D], k [Sk, D], v [Sk, Dv],
    // mask [Sq, Sk] (0 along broadcast axes) and out [Sq, Dv].
    std::vector<int64_t> query, key, value, mask, output;
    bool hasMask = false;

    int64_t batches() const { return volume(leading); }
    // The element offset of batch entry `index` (row-major over `leading`) in a view with `strides`.
    int64_t batchOffset(int64_t index, const std::vector<int64_t>& strides) const;
};

// The layout of a layer whose inputs have `query`, `key`, `value` and (when not null) `mask` dims; the
// dims must have passed shape inference.
AttentionLayout attentionLayout(const AttentionParams& p, const Dims& query, const Dims& key, const Dims& value,
                                const Dims* mask);

}  // namespace kiln::cpu

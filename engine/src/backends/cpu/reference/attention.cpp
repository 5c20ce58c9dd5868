// Reference kernel for Attention: for every batch entry and query row, the scores in double (scaled dot
// products plus the mask), their softmax in double (maximum subtracted), and the weighted sum of the value
// rows in double, rounded once to FP32.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "backends/cpu/attention_layout.h"
#include "backends/cpu/reference/reference_kernels.h"

namespace kiln::cpu {

Status runReference(const AttentionParams& p, const KernelInputs& in, KernelOutputs& out) {
    for (const HostTensor* t : in) {
        if (t != nullptr && t->type() != DataType::Float32) {
            return unsupported(std::string("Attention reference kernel runs on FP32 only; got ") + toString(t->type()));
        }
    }
    if (in.size() < 3 || out.size() != 1 || out[0].type() != DataType::Float32) {
        return internalError("Attention reference kernel expects query, key, value and one FP32 output");
    }
    const HostTensor* mask = in.size() > 3 ? in[3] : nullptr;
    const AttentionLayout l =
        attentionLayout(p, in[0]->dims(), in[1]->dims(), in[2]->dims(), mask ? &mask->dims() : nullptr);
    const size_t r = l.leading.size();  // the row axis; r + 1 is the column axis
    const float* q = in[0]->data<float>();
    const float* k = in[1]->data<float>();
    const float* v = in[2]->data<float>();
    const float* m = mask ? mask->data<float>() : nullptr;
    float* y = out[0].data<float>();
    std::vector<double> scores(size_t(l.keys));
    for (int64_t b = 0; b < l.batches(); ++b) {
        const float* qb = q + l.batchOffset(b, l.query);
        const float* kb = k + l.batchOffset(b, l.key);
        const float* vb = v + l.batchOffset(b, l.value);
        float* yb = y + l.batchOffset(b, l.output);
        for (int64_t i = 0; i < l.queries; ++i) {
            double maximum = -std::numeric_limits<double>::infinity();
            for (int64_t j = 0; j < l.keys; ++j) {
                double dot = 0.0;
                for (int64_t d = 0; d < l.depth; ++d) {
                    dot += double(qb[i * l.query[r] + d * l.query[r + 1]]) * double(kb[j * l.key[r] + d * l.key[r + 1]]);
                }
                double score = double(p.scale) * dot;
                if (m) score += double(m[l.batchOffset(b, l.mask) + i * l.mask[r] + j * l.mask[r + 1]]);
                scores[size_t(j)] = score;
                maximum = std::max(maximum, score);
            }
            double sum = 0.0;
            for (double& score : scores) {
                score = std::exp(score - maximum);
                sum += score;
            }
            for (int64_t e = 0; e < l.valueDepth; ++e) {
                double weighted = 0.0;
                for (int64_t j = 0; j < l.keys; ++j) weighted += scores[size_t(j)] * double(vb[j * l.value[r] + e * l.value[r + 1]]);
                yb[i * l.output[r] + e * l.output[r + 1]] = static_cast<float>(weighted / sum);
            }
        }
    }
    return Status::ok();
}

}  // namespace kiln::cpu

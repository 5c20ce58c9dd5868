// Reference kernels for Reduce (ten reductions over any set of axes) and ArgMin/ArgMax. Reductions
// accumulate in double; LogSumExp subtracts the per-output maximum first so large inputs do not overflow.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "backends/cpu/reference/reference_kernels.h"

namespace kiln::cpu {
namespace {

// Calls visit(inputIndex, outputIndex) for every input element, where outputIndex is the element of
// the reduced tensor it contributes to.
template <typename Visit>
void forEachElement(const Dims& dims, const std::vector<int64_t>& outStrides, Visit visit) {
    const int64_t count = volume(dims);
    std::vector<int64_t> position(dims.size(), 0);
    int64_t outIndex = 0;
    for (int64_t index = 0; index < count; ++index) {
        visit(index, outIndex);
        // Advance the multi-index like an odometer, keeping outIndex in step.
        for (size_t axis = dims.size(); axis-- > 0;) {
            ++position[axis];
            outIndex += outStrides[axis];
            if (position[axis] < dims[axis]) break;
            outIndex -= position[axis] * outStrides[axis];
            position[axis] = 0;
        }
    }
}

double initialValue(ReduceOp op) {
    switch (op) {
    case ReduceOp::Max:
    case ReduceOp::LogSumExp: return -std::numeric_limits<double>::infinity();
    case ReduceOp::Min: return std::numeric_limits<double>::infinity();
    case ReduceOp::Prod: return 1.0;
    default: return 0.0;
    }
}

}  // namespace

Status runReference(const ReduceParams& p, const KernelInputs& in, KernelOutputs& out) {
    if (in.empty() || in[0] == nullptr || in[0]->type() != DataType::Float32) {
        return unsupported("Reduce reference kernel runs on FP32 only");
    }
    if (out.size() != 1 || out[0].type() != DataType::Float32) {
        return internalError("Reduce reference kernel expects one FP32 output");
    }
    const Dims& dims = in[0]->dims();
    // Strides into the output viewed with kept (unit) reduced axes; reduced axes do not move.
    Dims kept = dims;
    int64_t reducedCount = 1;
    for (int64_t axis : p.axes) {
        reducedCount *= dims[axis];
        kept[axis] = 1;
    }
    std::vector<int64_t> outStrides = rowMajorStrides(kept);
    for (int64_t axis : p.axes) outStrides[axis] = 0;

    const float* x = in[0]->data<float>();
    std::vector<double> acc(static_cast<size_t>(volume(kept)), initialValue(p.op));
    switch (p.op) {
    case ReduceOp::Sum:
    case ReduceOp::Mean:
    case ReduceOp::LogSum:
        forEachElement(dims, outStrides, [&](int64_t i, int64_t o) { acc[o] += x[i]; });
        break;
    case ReduceOp::L1:
        forEachElement(dims, outStrides, [&](int64_t i, int64_t o) { acc[o] += std::fabs(double(x[i])); });
        break;
    case ReduceOp::L2:
    case ReduceOp::SumSquare:
        forEachElement(dims, outStrides, [&](int64_t i, int64_t o) { acc[o] += double(x[i]) * x[i]; });
        break;
    case ReduceOp::Prod:
        forEachElement(dims, outStrides, [&](int64_t i, int64_t o) { acc[o] *= x[i]; });
        break;
    case ReduceOp::Max:
    case ReduceOp::LogSumExp:
        forEachElement(dims, outStrides, [&](int64_t i, int64_t o) {
            if (x[i] > acc[o] || std::isnan(x[i])) acc[o] = x[i];
        });
        break;
    case ReduceOp::Min:
        forEachElement(dims, outStrides, [&](int64_t i, int64_t o) {
            if (x[i] < acc[o] || std::isnan(x[i])) acc[o] = x[i];
        });
        break;
    }

    float* y = out[0].data<float>();
    if (p.op == ReduceOp::LogSumExp) {
        std::vector<double> sums(acc.size(), 0.0);
        forEachElement(dims, outStrides, [&](int64_t i, int64_t o) {
            if (std::isfinite(acc[o])) sums[o] += std::exp(double(x[i]) - acc[o]);
        });
        for (size_t o = 0; o < acc.size(); ++o) {
            y[o] = static_cast<float>(std::isfinite(acc[o]) ? acc[o] + std::log(sums[o]) : acc[o]);
        }
        return Status::ok();
    }
    for (size_t o = 0; o < acc.size(); ++o) {
        double value = acc[o];
        if (p.op == ReduceOp::Mean) value /= double(reducedCount);
        if (p.op == ReduceOp::L2) value = std::sqrt(value);
        if (p.op == ReduceOp::LogSum) value = std::log(value);
        y[o] = static_cast<float>(value);
    }
    return Status::ok();
}

Status runReference(const ArgMinMaxParams& p, const KernelInputs& in, KernelOutputs& out) {
    if (in.empty() || in[0] == nullptr || in[0]->type() != DataType::Float32) {
        return unsupported("ArgMinMax reference kernel runs on FP32 only");
    }
    if (out.size() != 1 || out[0].type() != DataType::Int64) {
        return internalError("ArgMinMax reference kernel expects one INT64 output");
    }
    const Dims& dims = in[0]->dims();
    const size_t axis = static_cast<size_t>(p.axis);
    int64_t outer = 1;
    int64_t inner = 1;
    for (size_t a = 0; a < axis; ++a) outer *= dims[a];
    for (size_t a = axis + 1; a < dims.size(); ++a) inner *= dims[a];
    const int64_t length = dims[axis];
    const float* x = in[0]->data<float>();
    int64_t* y = out[0].data<int64_t>();
    for (int64_t o = 0; o < outer; ++o) {
        for (int64_t i = 0; i < inner; ++i) {
            const float* base = x + o * length * inner + i;
            int64_t bestIndex = 0;
            float best = base[0];
            for (int64_t j = 1; j < length; ++j) {
                const float v = base[j * inner];
                const bool better = p.max ? (v > best) : (v < best);
                if (better || (p.selectLastIndex && v == best)) {
                    best = v;
                    bestIndex = j;
                }
            }
            y[o * inner + i] = bestIndex;
        }
    }
    return Status::ok();
}

}  // namespace kiln::cpu

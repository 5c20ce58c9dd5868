// Dispatches shape inference to the per-kind overloads and holds the checks they share.
#include "ir/shape_inference.h"

#include <algorithm>

namespace kiln {

Result<std::vector<TensorDesc>> inferLayerOutputs(const LayerParams& params, const std::vector<const Tensor*>& inputs,
                                                  size_t numOutputs) {
    return std::visit([&](const auto& p) { return detail::inferOutputs(p, inputs, numOutputs); }, params);
}

namespace detail {

namespace {
std::string describeInput(size_t index, const char* role) {
    return "input " + std::to_string(index) + " (" + role + ")";
}
}  // namespace

std::string listText(const std::vector<int64_t>& values) {
    std::string text;
    for (size_t i = 0; i < values.size(); ++i) text += (i ? "," : "") + std::to_string(values[i]);
    return text;
}

Status checkParam(const char* name, const std::vector<int64_t>& values, size_t count, int64_t minimum) {
    if (values.size() != count) {
        return invalidModel(std::string(name) + " has " + std::to_string(values.size()) + " entries (" +
                            listText(values) + "); expected " + std::to_string(count));
    }
    for (int64_t v : values) {
        if (v < minimum || v > kMaxParamValue) {
            return invalidModel(std::string(name) + " " + listText(values) + " holds " + std::to_string(v) +
                                "; every entry must be in [" + std::to_string(minimum) + ", " +
                                std::to_string(kMaxParamValue) + "]");
        }
    }
    return Status::ok();
}

Status expectInputCount(const InferInputs& in, size_t minCount, size_t maxCount) {
    if (in.size() < minCount || in.size() > maxCount) {
        const std::string expected = minCount == maxCount ? std::to_string(minCount)
                                                          : std::to_string(minCount) + " to " + std::to_string(maxCount);
        return invalidModel("has " + std::to_string(in.size()) + " inputs; expected " + expected);
    }
    for (size_t i = 0; i < minCount; ++i) {
        if (!in[i]) return invalidModel("input " + std::to_string(i) + " is required but missing");
    }
    return Status::ok();
}

Status expectRank(const Tensor* t, size_t index, const char* role, size_t rank) {
    if (t->dims().size() != rank) {
        return invalidModel(describeInput(index, role) + " '" + t->name() + "' has " +
                            std::to_string(t->dims().size()) + " dimensions (" + toString(t->dims()) +
                            "); expected " + std::to_string(rank));
    }
    return Status::ok();
}

Status expectRankAtLeast(const Tensor* t, size_t index, const char* role, size_t rank) {
    if (t->dims().size() < rank) {
        return invalidModel(describeInput(index, role) + " '" + t->name() + "' has " +
                            std::to_string(t->dims().size()) + " dimensions (" + toString(t->dims()) +
                            "); expected at least " + std::to_string(rank));
    }
    return Status::ok();
}

Status expectType(const Tensor* t, size_t index, const char* role, DataType type) {
    if (t->type() != type) {
        return invalidModel(describeInput(index, role) + " '" + t->name() + "' is " + toString(t->type()) +
                            "; expected " + toString(type));
    }
    return Status::ok();
}

Status expectFloat(const Tensor* t, size_t index, const char* role) {
    if (t->type() != DataType::Float32) {
        return unsupported(describeInput(index, role) + " '" + t->name() + "' is " + toString(t->type()) +
                           "; this layer runs on FP32 data only");
    }
    return Status::ok();
}

bool isArithmetic(ElementwiseOp op) {
    switch (op) {
        case ElementwiseOp::Add:
        case ElementwiseOp::Sub:
        case ElementwiseOp::Mul:
        case ElementwiseOp::Div:
        case ElementwiseOp::Pow:
        case ElementwiseOp::Max:
        case ElementwiseOp::Min:
        case ElementwiseOp::PRelu: return true;
        default: return false;
    }
}

// Whether `from` broadcasts to `to` under numpy rules without `to` growing.
bool broadcastsTo(const Dims& from, const Dims& to) {
    if (from.size() > to.size()) return false;
    const size_t offset = to.size() - from.size();
    for (size_t i = 0; i < from.size(); ++i) {
        if (from[i] != 1 && from[i] != to[offset + i]) return false;
    }
    return true;
}

Result<Dims> broadcastDims(const Dims& a, const Dims& b) {
    const size_t rank = std::max(a.size(), b.size());
    Dims result(rank);
    for (size_t i = 0; i < rank; ++i) {
        const int64_t ea = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
        const int64_t eb = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
        if (ea != eb && ea != 1 && eb != 1) {
            return invalidModel("shapes " + toString(a) + " and " + toString(b) +
                                " do not broadcast (dimension " + std::to_string(i) + ": " + std::to_string(ea) +
                                " vs " + std::to_string(eb) + ")");
        }
        result[i] = ea == 1 ? eb : ea;
    }
    return result;
}

}  // namespace detail
}  // namespace kiln

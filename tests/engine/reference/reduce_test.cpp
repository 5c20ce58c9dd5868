// Tests of the Reduce and ArgMin/ArgMax reference kernels and their shape inference. The reduce oracle
// collects, for each output element, the list of input values whose kept coordinates match it, then
// applies the textbook definition of each reduction to that list.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/reference/compute_layer_runner.h"
#include "support/test_util.h"

namespace kiln::test {
namespace {

ReduceParams reduceParams(ReduceOp op, std::vector<int64_t> axes, bool keepDims) {
    ReduceParams p;
    p.op = op;
    p.axes = std::move(axes);
    p.keepDims = keepDims;
    return p;
}

std::vector<int64_t> unravel(int64_t index, const Dims& dims) {
    std::vector<int64_t> position(dims.size());
    for (size_t axis = dims.size(); axis-- > 0;) {
        position[axis] = index % dims[axis];
        index /= dims[axis];
    }
    return position;
}

double applyReduction(ReduceOp op, const std::vector<double>& v) {
    switch (op) {
        case ReduceOp::Sum:
            return std::accumulate(v.begin(), v.end(), 0.0);
        case ReduceOp::Mean:
            return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
        case ReduceOp::Max:
            return *std::max_element(v.begin(), v.end());
        case ReduceOp::Min:
            return *std::min_element(v.begin(), v.end());
        case ReduceOp::Prod:
            return std::accumulate(v.begin(), v.end(), 1.0, std::multiplies<double>());
        case ReduceOp::L1:
            return std::accumulate(v.begin(), v.end(), 0.0,
                                   [](double s, double x) { return s + std::fabs(x); });
        case ReduceOp::L2:
            return std::sqrt(std::inner_product(v.begin(), v.end(), v.begin(), 0.0));
        case ReduceOp::SumSquare:
            return std::inner_product(v.begin(), v.end(), v.begin(), 0.0);
        case ReduceOp::LogSum:
            return std::log(std::accumulate(v.begin(), v.end(), 0.0));
        case ReduceOp::LogSumExp: {
            // Inputs here are small, so the unshifted definition is exact enough.
            double sum = 0.0;
            for (double x : v)
                sum += std::exp(x);
            return std::log(sum);
        }
    }
    return 0.0;
}

HostTensor reduceOracle(const HostTensor& x, const ReduceParams& p) {
    const Dims& dims = x.dims();
    Dims kept = dims;
    for (int64_t axis : p.axes)
        kept[axis] = 1;
    HostTensor y(DataType::Float32, kept);
    for (int64_t o = 0; o < y.elementCount(); ++o) {
        const std::vector<int64_t> outPos = unravel(o, kept);
        std::vector<double> values;
        for (int64_t i = 0; i < x.elementCount(); ++i) {
            const std::vector<int64_t> inPos = unravel(i, dims);
            bool match = true;
            for (size_t axis = 0; axis < dims.size(); ++axis) {
                const bool reduced = std::find(p.axes.begin(), p.axes.end(), int64_t(axis)) != p.axes.end();
                match = match && (reduced || inPos[axis] == outPos[axis]);
            }
            if (match)
                values.push_back(x.data<float>()[i]);
        }
        y.data<float>()[o] = static_cast<float>(applyReduction(p.op, values));
    }
    if (p.keepDims)
        return y;
    Dims squeezed;
    for (size_t axis = 0; axis < dims.size(); ++axis) {
        if (std::find(p.axes.begin(), p.axes.end(), int64_t(axis)) == p.axes.end())
            squeezed.push_back(dims[axis]);
    }
    return y.reshaped(squeezed);
}

TEST(ReduceReference, HandComputed) {
    const HostTensor x = floatTensor({2, 3}, {1, 2, 3, 4, 5, 6});
    auto sum = runComputeLayer(reduceParams(ReduceOp::Sum, {1}, true), {&x});
    ASSERT_TRUE(sum.isOk()) << sum.status().message();
    EXPECT_EQ(compareTensors(sum->at(0), floatTensor({2, 1}, {6, 15}), 0.0, 0.0), "");

    auto mean = runComputeLayer(reduceParams(ReduceOp::Mean, {0, 1}, false), {&x});
    ASSERT_TRUE(mean.isOk()) << mean.status().message();
    EXPECT_EQ(compareTensors(mean->at(0), floatTensor({}, {3.5f}), 0.0, 0.0), "");

    auto prod = runComputeLayer(reduceParams(ReduceOp::Prod, {0}, false), {&x});
    ASSERT_TRUE(prod.isOk()) << prod.status().message();
    EXPECT_EQ(compareTensors(prod->at(0), floatTensor({3}, {4, 10, 18}), 0.0, 0.0), "");

    auto l2 = runComputeLayer(reduceParams(ReduceOp::L2, {1}, false), {&x});
    ASSERT_TRUE(l2.isOk()) << l2.status().message();
    EXPECT_EQ(compareTensors(l2->at(0), floatTensor({2}, {std::sqrt(14.0f), std::sqrt(77.0f)}), 1e-7, 0.0),
              "");
}

TEST(ReduceReference, LogSumExpIsStableOnLargeInputs) {
    const HostTensor x = floatTensor({1, 2}, {1000, 1000});
    auto result = runComputeLayer(reduceParams(ReduceOp::LogSumExp, {1}, false), {&x});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(compareTensors(result->at(0), floatTensor({1}, {float(1000 + std::log(2.0))}), 1e-7, 0.0), "");
}

TEST(ReduceReference, MatchesDefinitionForEveryOpAndAxisSet) {
    // Positive inputs keep LogSum defined; the range around 1 keeps Prod well scaled.
    const HostTensor x = randomTensor({2, 3, 4, 5}, 40, 0.5f, 1.5f);
    const std::vector<std::vector<int64_t>> axisSets = {{0}, {1}, {3}, {0, 2}, {1, 2, 3}, {0, 1, 2, 3}};
    for (ReduceOp op :
         {ReduceOp::Sum, ReduceOp::Mean, ReduceOp::Max, ReduceOp::Min, ReduceOp::Prod, ReduceOp::L1,
          ReduceOp::L2, ReduceOp::SumSquare, ReduceOp::LogSum, ReduceOp::LogSumExp}) {
        for (const auto& axes : axisSets) {
            for (bool keepDims : {true, false}) {
                const ReduceParams p = reduceParams(op, axes, keepDims);
                SCOPED_TRACE(std::string(toString(op)) + " over " + toString(Dims(axes)) +
                             (keepDims ? " keeping dims" : ""));
                auto result = runComputeLayer(p, {&x});
                ASSERT_TRUE(result.isOk()) << result.status().message();
                // Double sums in different orders, rounded to float once: about one float ulp apart.
                EXPECT_EQ(compareTensors(result->at(0), reduceOracle(x, p), 1e-6, 1e-7), "");
            }
        }
    }
}

TEST(ReduceShapeInference, RejectsBadAxes) {
    const HostTensor x(DataType::Float32, {2, 3, 4});
    for (const std::vector<int64_t>& axes : std::vector<std::vector<int64_t>>{{3}, {1, 0}, {1, 1}, {-1}}) {
        auto result = runComputeLayer(reduceParams(ReduceOp::Sum, axes, true), {&x});
        ASSERT_FALSE(result.isOk());
        EXPECT_EQ(result.status().code(), StatusCode::InvalidModel);
        EXPECT_NE(result.status().message().find("must be sorted, distinct and in [0, 3)"), std::string::npos)
            << result.status().message();
    }
    auto empty = runComputeLayer(reduceParams(ReduceOp::Sum, {}, true), {&x});
    ASSERT_FALSE(empty.isOk());
    EXPECT_NE(empty.status().message().find("axes is empty"), std::string::npos) << empty.status().message();
}

ArgMinMaxParams argParams(bool max, int64_t axis, bool keepDims, bool selectLast) {
    ArgMinMaxParams p;
    p.max = max;
    p.axis = axis;
    p.keepDims = keepDims;
    p.selectLastIndex = selectLast;
    return p;
}

HostTensor int64Tensor(const Dims& dims, const std::vector<int64_t>& values) {
    HostTensor tensor(DataType::Int64, dims);
    EXPECT_EQ(int64_t(values.size()), tensor.elementCount());
    std::copy(values.begin(), values.end(), tensor.data<int64_t>());
    return tensor;
}

TEST(ArgMinMaxReference, HandComputedWithTies) {
    const HostTensor x = floatTensor({2, 4}, {3, 7, 7, 1, 2, 2, 0, 0});
    struct Case {
        ArgMinMaxParams params;
        HostTensor expected;
    };
    const Case cases[] = {
        {argParams(true, 1, true, false), int64Tensor({2, 1}, {1, 0})},
        {argParams(true, 1, false, true), int64Tensor({2}, {2, 1})},
        {argParams(false, 1, false, false), int64Tensor({2}, {3, 2})},
        {argParams(false, 1, false, true), int64Tensor({2}, {3, 3})},
        {argParams(true, 0, false, false), int64Tensor({4}, {0, 0, 0, 0})},
        {argParams(false, 0, true, false), int64Tensor({1, 4}, {1, 1, 1, 1})},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(std::string(c.params.max ? "max" : "min") + " axis " + std::to_string(c.params.axis) +
                     (c.params.selectLastIndex ? " last" : " first"));
        auto result = runComputeLayer(c.params, {&x});
        ASSERT_TRUE(result.isOk()) << result.status().message();
        EXPECT_EQ(compareTensors(result->at(0), c.expected, 0.0, 0.0), "");
    }
}

TEST(ArgMinMaxReference, MatchesMaxElementOnMiddleAxis) {
    const HostTensor x = randomTensor({3, 7, 4}, 50);
    auto result = runComputeLayer(argParams(true, 1, false, false), {&x});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    ASSERT_EQ(result->at(0).dims(), (Dims{3, 4}));
    for (int64_t o = 0; o < 3; ++o) {
        for (int64_t i = 0; i < 4; ++i) {
            std::vector<float> column;
            for (int64_t j = 0; j < 7; ++j)
                column.push_back(x.data<float>()[(o * 7 + j) * 4 + i]);
            EXPECT_EQ(result->at(0).data<int64_t>()[o * 4 + i],
                      std::max_element(column.begin(), column.end()) - column.begin());
        }
    }
}

TEST(ArgMinMaxShapeInference, TypeAndErrors) {
    const HostTensor x(DataType::Float32, {2, 3});
    auto ok = runComputeLayer(argParams(true, 0, true, false), {&x});
    ASSERT_TRUE(ok.isOk()) << ok.status().message();
    EXPECT_EQ(ok->at(0).type(), DataType::Int64);
    EXPECT_EQ(ok->at(0).dims(), (Dims{1, 3}));

    auto badAxis = runComputeLayer(argParams(true, 2, true, false), {&x});
    ASSERT_FALSE(badAxis.isOk());
    EXPECT_EQ(badAxis.status().code(), StatusCode::InvalidModel);
    EXPECT_NE(badAxis.status().message().find("axis 2 is out of range"), std::string::npos)
        << badAxis.status().message();

    const HostTensor empty(DataType::Float32, {2, 0});
    auto emptyAxis = runComputeLayer(argParams(false, 1, true, false), {&empty});
    ASSERT_FALSE(emptyAxis.isOk());
    EXPECT_NE(emptyAxis.status().message().find("empty along axis 1"), std::string::npos)
        << emptyAxis.status().message();
}

}  // namespace
}  // namespace kiln::test

// Tests of the pointwise reference kernels (Activation, Unary, Elementwise, Select, Cast) and their
// shape inference. Layers are built through NetworkDefinition::addLayer and run by the
// ReferenceExecutor; expected values are worked out by hand or, for transcendental functions, from
// the textbook formula evaluated in double.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/reference/compute_layer_runner.h"
#include "support/test_util.h"

namespace kiln::test {
namespace {

template <typename T>
HostTensor makeTensor(DataType type, const Dims& dims, const std::vector<T>& values) {
    HostTensor tensor(type, dims);
    EXPECT_EQ(tensor.byteSize(), values.size() * sizeof(T)) << "values do not fill " << toString(dims);
    if (tensor.byteSize() == values.size() * sizeof(T) && !values.empty()) {
        std::memcpy(tensor.bytes(), values.data(), tensor.byteSize());
    }
    return tensor;
}

HostTensor boolTensor(const Dims& dims, const std::vector<uint8_t>& values) {
    return makeTensor(DataType::Bool, dims, values);
}

HostTensor halfTensor(const Dims& dims, const std::vector<float>& values) {
    std::vector<uint16_t> bits;
    for (float v : values)
        bits.push_back(floatToHalf(v));
    return makeTensor(DataType::Float16, dims, bits);
}

// Runs the layer and returns its only output; fails the test on error.
HostTensor runOne(const LayerParams& params, const std::vector<const HostTensor*>& inputs) {
    auto result = runComputeLayer(params, inputs);
    EXPECT_TRUE(result.isOk()) << result.status().message();
    if (!result.isOk())
        return {};
    return std::move(result->at(0));
}

void expectExact(const HostTensor& actual, const HostTensor& expected) {
    EXPECT_EQ(compareTensors(actual, expected, 0.0, 0.0), "");
}

void expectError(const Status& status, StatusCode code, const std::vector<std::string>& fragments) {
    EXPECT_EQ(status.code(), code) << status.message();
    for (const std::string& fragment : fragments) {
        EXPECT_NE(status.message().find(fragment), std::string::npos)
            << "message '" << status.message() << "' does not mention '" << fragment << "'";
    }
}

// Float32 results of exp/log/tanh differ from the double formula by a few ulp of float.
constexpr double kTranscendentalRtol = 1e-6;
constexpr double kTranscendentalAtol = 1e-7;

TEST(PointwiseReference, ReluLeakyReluClipHardSigmoidHardSwish) {
    const HostTensor x = floatTensor({6}, {-3.0f, -1.0f, -0.5f, 0.0f, 2.0f, 4.0f});
    expectExact(runOne(ActivationParams{ActivationType::Relu}, {&x}),
                floatTensor({6}, {0.0f, 0.0f, 0.0f, 0.0f, 2.0f, 4.0f}));
    expectExact(runOne(ActivationParams{ActivationType::LeakyRelu, 0.25f}, {&x}),
                floatTensor({6}, {-0.75f, -0.25f, -0.125f, 0.0f, 2.0f, 4.0f}));
    expectExact(runOne(ActivationParams{ActivationType::Clip, -1.0f, 3.0f}, {&x}),
                floatTensor({6}, {-1.0f, -1.0f, -0.5f, 0.0f, 2.0f, 3.0f}));
    // alpha * x + beta with alpha 0.25, beta 0.5, limited to [0, 1].
    expectExact(runOne(ActivationParams{ActivationType::HardSigmoid, 0.25f, 0.5f}, {&x}),
                floatTensor({6}, {0.0f, 0.25f, 0.375f, 0.5f, 1.0f, 1.0f}));
    // x * clamp(x / 6 + 1/2, 0, 1): -3 -> 0, -1 -> -1/3, -0.5 -> -5/24, 2 -> 5/3, 4 -> 4.
    const HostTensor swish = runOne(ActivationParams{ActivationType::HardSwish}, {&x});
    EXPECT_EQ(
        compareTensors(swish, floatTensor({6}, {0.0f, -1.0f / 3.0f, -5.0f / 24.0f, 0.0f, 5.0f / 3.0f, 4.0f}),
                       1e-6, 0.0),
        "");
}

TEST(PointwiseReference, SmoothActivationsMatchTheirFormulas) {
    const std::vector<float> values{-4.0f, -1.0f, -0.25f, 0.0f, 0.5f, 3.0f, 30.0f};
    const HostTensor x = floatTensor({7}, values);
    const float alpha = 1.5f;
    const float beta = 1.25f;
    struct Case {
        ActivationType type;
        double (*formula)(double, double, double);
    };
    const std::vector<Case> cases{
        {ActivationType::Sigmoid, [](double v, double, double) { return 1.0 / (1.0 + std::exp(-v)); }},
        {ActivationType::Tanh, [](double v, double, double) { return std::tanh(v); }},
        {ActivationType::Elu, [](double v, double a, double) { return v < 0 ? a * (std::exp(v) - 1.0) : v; }},
        {ActivationType::Selu,
         [](double v, double a, double g) { return v <= 0 ? g * (a * std::exp(v) - a) : g * v; }},
        {ActivationType::Softplus, [](double v, double, double) { return std::log(std::exp(v) + 1.0); }},
        {ActivationType::Gelu, [](double v, double, double) { return v * 0.5 * std::erfc(-v / std::sqrt(2.0)); }},
        {ActivationType::GeluTanh,
         [](double v, double, double) {
             return v * 0.5 * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v)));
         }},
    };
    for (const Case& c : cases) {
        HostTensor expected(DataType::Float32, {7});
        for (size_t i = 0; i < values.size(); ++i) {
            expected.data<float>()[i] = static_cast<float>(c.formula(values[i], alpha, beta));
        }
        const HostTensor actual = runOne(ActivationParams{c.type, alpha, beta}, {&x});
        EXPECT_EQ(compareTensors(actual, expected, kTranscendentalRtol, kTranscendentalAtol), "")
            << toString(c.type);
    }
}

TEST(PointwiseReference, ActivationOnHalfRoundsOnce) {
    const HostTensor x = halfTensor({4}, {-2.0f, -0.5f, 0.5f, 1.5f});
    expectExact(runOne(ActivationParams{ActivationType::Relu}, {&x}),
                halfTensor({4}, {0.0f, 0.0f, 0.5f, 1.5f}));
}

// The trigonometric and hyperbolic functions against double precision (a few units of FP32 roundoff);
// Sign and Round exactly, Round's halves going to the even neighbour.
TEST(PointwiseReference, TrigonometricHyperbolicSignAndRound) {
    const HostTensor x = floatTensor({5}, {-0.75f, -0.25f, 0.0f, 0.5f, 0.875f});
    const std::vector<std::pair<UnaryOp, double (*)(double)>> functions = {
        {UnaryOp::Sin, std::sin},     {UnaryOp::Cos, std::cos},   {UnaryOp::Tan, std::tan},
        {UnaryOp::Asin, std::asin},   {UnaryOp::Acos, std::acos}, {UnaryOp::Atan, std::atan},
        {UnaryOp::Sinh, std::sinh},   {UnaryOp::Cosh, std::cosh}, {UnaryOp::Asinh, std::asinh},
        {UnaryOp::Atanh, std::atanh},
    };
    for (const auto& [op, function] : functions) {
        HostTensor expected(DataType::Float32, {5});
        for (int i = 0; i < 5; ++i)
            expected.data<float>()[i] = float(function(double(x.data<float>()[i])));
        EXPECT_EQ(
            compareTensors(runOne(UnaryParams{op}, {&x}), expected, kTranscendentalRtol, kTranscendentalAtol),
            "")
            << toString(op);
    }
    const HostTensor atLeastOne = floatTensor({3}, {1.0f, 1.5f, 8.0f});
    HostTensor expectedAcosh(DataType::Float32, {3});
    for (int i = 0; i < 3; ++i)
        expectedAcosh.data<float>()[i] = float(std::acosh(double(atLeastOne.data<float>()[i])));
    EXPECT_EQ(compareTensors(runOne(UnaryParams{UnaryOp::Acosh}, {&atLeastOne}), expectedAcosh,
                             kTranscendentalRtol, kTranscendentalAtol),
              "");
    // Outside their domains: NaN, as the C library gives.
    const HostTensor outside = floatTensor({1}, {2.0f});
    EXPECT_TRUE(std::isnan(runOne(UnaryParams{UnaryOp::Asin}, {&outside}).data<float>()[0]));

    const HostTensor halves = floatTensor({8}, {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 2.75f, -0.0f});
    expectExact(runOne(UnaryParams{UnaryOp::Round}, {&halves}),
                floatTensor({8}, {-2.0f, -2.0f, -0.0f, 0.0f, 2.0f, 2.0f, 3.0f, -0.0f}));
    const HostTensor signs = floatTensor({4}, {-3.5f, 0.0f, 0.125f, std::numeric_limits<float>::quiet_NaN()});
    const HostTensor signed_ = runOne(UnaryParams{UnaryOp::Sign}, {&signs});
    EXPECT_EQ(signed_.data<float>()[0], -1.0f);
    EXPECT_EQ(signed_.data<float>()[1], 0.0f);
    EXPECT_EQ(signed_.data<float>()[2], 1.0f);
    EXPECT_TRUE(std::isnan(signed_.data<float>()[3]));
    const HostTensor ints = makeTensor<int32_t>(DataType::Int32, {3}, {-7, 0, 9});
    expectExact(runOne(UnaryParams{UnaryOp::Sign}, {&ints}),
                makeTensor<int32_t>(DataType::Int32, {3}, {-1, 0, 1}));
}

TEST(PointwiseReference, UnaryFloatOps) {
    const HostTensor x = floatTensor({4}, {-2.5f, -0.5f, 0.25f, 4.0f});
    expectExact(runOne(UnaryParams{UnaryOp::Abs}, {&x}), floatTensor({4}, {2.5f, 0.5f, 0.25f, 4.0f}));
    expectExact(runOne(UnaryParams{UnaryOp::Neg}, {&x}), floatTensor({4}, {2.5f, 0.5f, -0.25f, -4.0f}));
    expectExact(runOne(UnaryParams{UnaryOp::Floor}, {&x}), floatTensor({4}, {-3.0f, -1.0f, 0.0f, 4.0f}));
    expectExact(runOne(UnaryParams{UnaryOp::Ceil}, {&x}), floatTensor({4}, {-2.0f, -0.0f, 1.0f, 4.0f}));
    expectExact(runOne(UnaryParams{UnaryOp::Reciprocal}, {&x}),
                floatTensor({4}, {-0.4f, -2.0f, 4.0f, 0.25f}));

    const HostTensor positive = floatTensor({3}, {0.25f, 1.0f, 16.0f});
    expectExact(runOne(UnaryParams{UnaryOp::Sqrt}, {&positive}), floatTensor({3}, {0.5f, 1.0f, 4.0f}));
    const HostTensor logs = runOne(UnaryParams{UnaryOp::Log}, {&positive});
    EXPECT_EQ(compareTensors(logs, floatTensor({3}, {float(std::log(0.25)), 0.0f, float(std::log(16.0))}),
                             kTranscendentalRtol, kTranscendentalAtol),
              "");
    const HostTensor exps = runOne(UnaryParams{UnaryOp::Exp}, {&x});
    const HostTensor erfs = runOne(UnaryParams{UnaryOp::Erf}, {&x});
    HostTensor expectedExp(DataType::Float32, {4});
    HostTensor expectedErf(DataType::Float32, {4});
    for (int i = 0; i < 4; ++i) {
        expectedExp.data<float>()[i] = float(std::exp(double(x.data<float>()[i])));
        expectedErf.data<float>()[i] = float(std::erf(double(x.data<float>()[i])));
    }
    EXPECT_EQ(compareTensors(exps, expectedExp, kTranscendentalRtol, kTranscendentalAtol), "");
    EXPECT_EQ(compareTensors(erfs, expectedErf, kTranscendentalRtol, kTranscendentalAtol), "");
}

TEST(PointwiseReference, UnaryIntegerAndBool) {
    const int32_t lowest = std::numeric_limits<int32_t>::min();
    const HostTensor x = makeTensor<int32_t>(DataType::Int32, {4}, {-7, 0, 5, lowest});
    // Negating the lowest value wraps around to itself, as on two's complement hardware.
    expectExact(runOne(UnaryParams{UnaryOp::Abs}, {&x}),
                makeTensor<int32_t>(DataType::Int32, {4}, {7, 0, 5, lowest}));
    expectExact(runOne(UnaryParams{UnaryOp::Neg}, {&x}),
                makeTensor<int32_t>(DataType::Int32, {4}, {7, 0, -5, lowest}));
    const HostTensor y = makeTensor<int64_t>(DataType::Int64, {2}, {-3, 9});
    expectExact(runOne(UnaryParams{UnaryOp::Neg}, {&y}), makeTensor<int64_t>(DataType::Int64, {2}, {3, -9}));
    const HostTensor b = boolTensor({3}, {1, 0, 1});
    expectExact(runOne(UnaryParams{UnaryOp::Not}, {&b}), boolTensor({3}, {0, 1, 0}));
}

TEST(PointwiseReference, UnaryRejectsUnsupportedTypes) {
    const HostTensor ints = makeTensor<int32_t>(DataType::Int32, {2}, {1, 4});
    auto sqrt = runComputeLayer(UnaryParams{UnaryOp::Sqrt}, {&ints});
    ASSERT_FALSE(sqrt.isOk());
    expectError(sqrt.status(), StatusCode::InvalidModel, {"Sqrt", "INT32", "FP32"});
    const HostTensor floats = floatTensor({2}, {1.0f, 0.0f});
    auto notFloat = runComputeLayer(UnaryParams{UnaryOp::Not}, {&floats});
    ASSERT_FALSE(notFloat.isOk());
    expectError(notFloat.status(), StatusCode::InvalidModel, {"Not", "FP32", "BOOL"});
}

TEST(PointwiseReference, AddBroadcastsColumnWithRow) {
    const HostTensor a = floatTensor({3, 1}, {1.0f, 2.0f, 3.0f});
    const HostTensor b = floatTensor({1, 4}, {10.0f, 20.0f, 30.0f, 40.0f});
    expectExact(runOne(ElementwiseParams{ElementwiseOp::Add}, {&a, &b}),
                floatTensor({3, 4}, {11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43}));
    expectExact(runOne(ElementwiseParams{ElementwiseOp::Sub}, {&a, &b}),
                floatTensor({3, 4}, {-9, -19, -29, -39, -8, -18, -28, -38, -7, -17, -27, -37}));
}

TEST(PointwiseReference, BroadcastAcrossRanksAndScalars) {
    const HostTensor a = floatTensor({2, 1, 3}, {1, 2, 3, 4, 5, 6});
    const HostTensor b = floatTensor({2, 1}, {10, 100});
    // Output [2, 2, 3]: out[i, j, k] = a[i, 0, k] * b[j, 0].
    expectExact(runOne(ElementwiseParams{ElementwiseOp::Mul}, {&a, &b}),
                floatTensor({2, 2, 3}, {10, 20, 30, 100, 200, 300, 40, 50, 60, 400, 500, 600}));
    const HostTensor scalar = floatTensor({}, {2.0f});
    expectExact(runOne(ElementwiseParams{ElementwiseOp::Div}, {&a, &scalar}),
                floatTensor({2, 1, 3}, {0.5f, 1.0f, 1.5f, 2.0f, 2.5f, 3.0f}));
    expectExact(runOne(ElementwiseParams{ElementwiseOp::Pow}, {&a, &scalar}),
                floatTensor({2, 1, 3}, {1, 4, 9, 16, 25, 36}));
}

TEST(PointwiseReference, MaxMinPRelu) {
    const HostTensor a = floatTensor({2, 2}, {-2.0f, 3.0f, -4.0f, 5.0f});
    const HostTensor b = floatTensor({2, 1}, {0.5f, -1.0f});
    expectExact(runOne(ElementwiseParams{ElementwiseOp::Max}, {&a, &b}),
                floatTensor({2, 2}, {0.5f, 3, -1, 5}));
    expectExact(runOne(ElementwiseParams{ElementwiseOp::Min}, {&a, &b}),
                floatTensor({2, 2}, {-2, 0.5f, -4, -1}));
    // Negative entries are scaled by the slope of their row.
    expectExact(runOne(ElementwiseParams{ElementwiseOp::PRelu}, {&a, &b}),
                floatTensor({2, 2}, {-1, 3, 4, 5}));
}

TEST(PointwiseReference, IntegerArithmetic) {
    const HostTensor a = makeTensor<int32_t>(DataType::Int32, {4}, {7, -7, 7, -7});
    const HostTensor b = makeTensor<int32_t>(DataType::Int32, {4}, {2, 2, -2, -2});
    // C division truncates toward zero.
    expectExact(runOne(ElementwiseParams{ElementwiseOp::Div}, {&a, &b}),
                makeTensor<int32_t>(DataType::Int32, {4}, {3, -3, -3, 3}));
    expectExact(runOne(ElementwiseParams{ElementwiseOp::Mul}, {&a, &b}),
                makeTensor<int32_t>(DataType::Int32, {4}, {14, -14, -14, 14}));
    expectExact(runOne(ElementwiseParams{ElementwiseOp::Pow}, {&a, &b}),
                makeTensor<int32_t>(DataType::Int32, {4}, {49, 49, 0, 0}));

    const HostTensor c = makeTensor<int64_t>(DataType::Int64, {3}, {5000000000LL, -1, 12});
    const HostTensor d = makeTensor<int64_t>(DataType::Int64, {1}, {3});
    expectExact(runOne(ElementwiseParams{ElementwiseOp::Add}, {&c, &d}),
                makeTensor<int64_t>(DataType::Int64, {3}, {5000000003LL, 2, 15}));
    expectExact(runOne(ElementwiseParams{ElementwiseOp::Max}, {&c, &d}),
                makeTensor<int64_t>(DataType::Int64, {3}, {5000000000LL, 3, 12}));
}

TEST(PointwiseReference, IntegerDivisionByZeroIsAnError) {
    const HostTensor a = makeTensor<int32_t>(DataType::Int32, {2}, {4, 5});
    const HostTensor b = makeTensor<int32_t>(DataType::Int32, {2}, {2, 0});
    auto result = runComputeLayer(ElementwiseParams{ElementwiseOp::Div}, {&a, &b});
    ASSERT_FALSE(result.isOk());
    expectError(result.status(), StatusCode::InvalidArgument, {"Div by zero"});
}

TEST(PointwiseReference, ComparisonsProduceBool) {
    const HostTensor a = floatTensor({3, 1}, {1.0f, 2.0f, 3.0f});
    const HostTensor b = floatTensor({1, 3}, {1.0f, 2.0f, 3.0f});
    expectExact(runOne(ElementwiseParams{ElementwiseOp::Less}, {&a, &b}),
                boolTensor({3, 3}, {0, 1, 1, 0, 0, 1, 0, 0, 0}));
    expectExact(runOne(ElementwiseParams{ElementwiseOp::Equal}, {&a, &b}),
                boolTensor({3, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1}));

    const HostTensor i = makeTensor<int64_t>(DataType::Int64, {3}, {-5, 0, 8});
    const HostTensor j = makeTensor<int64_t>(DataType::Int64, {}, {0});
    expectExact(runOne(ElementwiseParams{ElementwiseOp::Greater}, {&i, &j}), boolTensor({3}, {0, 0, 1}));
    const HostTensor k = makeTensor<int32_t>(DataType::Int32, {2}, {4, 9});
    const HostTensor l = makeTensor<int32_t>(DataType::Int32, {2}, {4, 10});
    expectExact(runOne(ElementwiseParams{ElementwiseOp::Equal}, {&k, &l}), boolTensor({2}, {1, 0}));

    const HostTensor p = boolTensor({4}, {0, 0, 1, 1});
    const HostTensor q = boolTensor({4}, {0, 1, 0, 1});
    expectExact(runOne(ElementwiseParams{ElementwiseOp::Equal}, {&p, &q}), boolTensor({4}, {1, 0, 0, 1}));
    expectExact(runOne(ElementwiseParams{ElementwiseOp::Less}, {&p, &q}), boolTensor({4}, {0, 1, 0, 0}));
    expectExact(runOne(ElementwiseParams{ElementwiseOp::And}, {&p, &q}), boolTensor({4}, {0, 0, 0, 1}));
    expectExact(runOne(ElementwiseParams{ElementwiseOp::Or}, {&p, &q}), boolTensor({4}, {0, 1, 1, 1}));
}

TEST(PointwiseReference, ElementwiseOnHalf) {
    const HostTensor a = halfTensor({2}, {1.5f, -2.0f});
    const HostTensor b = halfTensor({2}, {0.25f, 3.0f});
    expectExact(runOne(ElementwiseParams{ElementwiseOp::Add}, {&a, &b}), halfTensor({2}, {1.75f, 1.0f}));
    expectExact(runOne(ElementwiseParams{ElementwiseOp::Greater}, {&a, &b}), boolTensor({2}, {1, 0}));
}

TEST(PointwiseInference, ElementwiseErrors) {
    const HostTensor f = floatTensor({2, 3}, {1, 2, 3, 4, 5, 6});
    const HostTensor i = makeTensor<int32_t>(DataType::Int32, {2, 3}, {1, 2, 3, 4, 5, 6});
    auto mixed = runComputeLayer(ElementwiseParams{ElementwiseOp::Add}, {&f, &i});
    ASSERT_FALSE(mixed.isOk());
    expectError(mixed.status(), StatusCode::InvalidModel, {"layer", "FP32", "INT32", "Cast"});

    const HostTensor wrong = floatTensor({4}, {1, 2, 3, 4});
    auto shapes = runComputeLayer(ElementwiseParams{ElementwiseOp::Mul}, {&f, &wrong});
    ASSERT_FALSE(shapes.isOk());
    expectError(shapes.status(), StatusCode::InvalidModel, {"2x3", "4", "broadcast"});

    auto logical = runComputeLayer(ElementwiseParams{ElementwiseOp::And}, {&f, &f});
    ASSERT_FALSE(logical.isOk());
    expectError(logical.status(), StatusCode::InvalidModel, {"And", "FP32", "BOOL"});

    const HostTensor b = boolTensor({2}, {0, 1});
    auto boolAdd = runComputeLayer(ElementwiseParams{ElementwiseOp::Add}, {&b, &b});
    ASSERT_FALSE(boolAdd.isOk());
    expectError(boolAdd.status(), StatusCode::InvalidModel, {"Add", "BOOL"});
}

TEST(PointwiseReference, SelectBroadcastsThreeWays) {
    const HostTensor condition = boolTensor({2, 1}, {1, 0});
    const HostTensor x = makeTensor<int64_t>(DataType::Int64, {1, 3}, {1, 2, 3});
    const HostTensor y = makeTensor<int64_t>(DataType::Int64, {}, {-9});
    expectExact(runOne(SelectParams{}, {&condition, &x, &y}),
                makeTensor<int64_t>(DataType::Int64, {2, 3}, {1, 2, 3, -9, -9, -9}));

    const HostTensor mask = boolTensor({3}, {0, 1, 0});
    const HostTensor a = halfTensor({3}, {1.0f, 2.0f, 3.0f});
    const HostTensor b = halfTensor({2, 1}, {-1.0f, -2.0f});
    expectExact(runOne(SelectParams{}, {&mask, &a, &b}), halfTensor({2, 3}, {-1, 2, -1, -2, 2, -2}));
}

TEST(PointwiseInference, SelectErrors) {
    const HostTensor notBool = floatTensor({2}, {1, 0});
    const HostTensor x = floatTensor({2}, {1, 2});
    auto condition = runComputeLayer(SelectParams{}, {&notBool, &x, &x});
    ASSERT_FALSE(condition.isOk());
    expectError(condition.status(), StatusCode::InvalidModel, {"condition", "BOOL"});

    const HostTensor mask = boolTensor({2}, {1, 0});
    const HostTensor y = makeTensor<int32_t>(DataType::Int32, {2}, {1, 2});
    auto types = runComputeLayer(SelectParams{}, {&mask, &x, &y});
    ASSERT_FALSE(types.isOk());
    expectError(types.status(), StatusCode::InvalidModel, {"FP32", "INT32"});
}

// A rank-1 tensor of `type` holding small integral values, which every type represents exactly.
HostTensor exactValues(DataType type, const std::vector<int>& values) {
    HostTensor tensor(type, {static_cast<int64_t>(values.size())});
    for (size_t i = 0; i < values.size(); ++i) {
        const int v = values[i];
        switch (type) {
            case DataType::Float32:
                tensor.data<float>()[i] = static_cast<float>(v);
                break;
            case DataType::Float16:
                tensor.data<uint16_t>()[i] = floatToHalf(static_cast<float>(v));
                break;
            case DataType::Int8:
                tensor.data<int8_t>()[i] = static_cast<int8_t>(v);
                break;
            case DataType::Int32:
                tensor.data<int32_t>()[i] = v;
                break;
            case DataType::Int64:
                tensor.data<int64_t>()[i] = v;
                break;
            case DataType::Bool:
                tensor.data<uint8_t>()[i] = v != 0 ? 1 : 0;
                break;
            case DataType::BFloat16:
                tensor.data<uint16_t>()[i] = floatToBFloat16(static_cast<float>(v));
                break;
        }
    }
    return tensor;
}

TEST(PointwiseReference, CastBetweenEveryPairOfTypes) {
    const std::vector<DataType> types{DataType::Float32, DataType::Float16, DataType::Int8,
                                      DataType::Int32,   DataType::Int64,   DataType::Bool};
    for (DataType from : types) {
        for (DataType to : types) {
            // A BOOL holds only 0 and 1; every other type keeps 0, 1 and -3 exactly.
            const std::vector<int> source =
                from == DataType::Bool ? std::vector<int>{0, 1, 1} : std::vector<int>{0, 1, -3};
            const std::vector<int> target = to == DataType::Bool ? std::vector<int>{0, 1, 1} : source;
            const HostTensor x = exactValues(from, source);
            const HostTensor actual = runOne(CastParams{to}, {&x});
            EXPECT_EQ(compareTensors(actual, exactValues(to, target), 0.0, 0.0), "")
                << toString(from) << " -> " << toString(to);
        }
    }
}

TEST(PointwiseReference, CastRoundsTowardZeroAndTestsNonZero) {
    const HostTensor x = floatTensor({5}, {-1.7f, -0.2f, 0.0f, 2.9f, 100.5f});
    expectExact(runOne(CastParams{DataType::Int32}, {&x}),
                makeTensor<int32_t>(DataType::Int32, {5}, {-1, 0, 0, 2, 100}));
    expectExact(runOne(CastParams{DataType::Int64}, {&x}),
                makeTensor<int64_t>(DataType::Int64, {5}, {-1, 0, 0, 2, 100}));
    expectExact(runOne(CastParams{DataType::Bool}, {&x}), boolTensor({5}, {1, 1, 0, 1, 1}));
    const HostTensor h = halfTensor({2}, {-3.75f, 6.5f});
    expectExact(runOne(CastParams{DataType::Int8}, {&h}), makeTensor<int8_t>(DataType::Int8, {2}, {-3, 6}));
    // 1/3 is not representable in FP16: the nearest half is 0x3555 (0.333251953125).
    const HostTensor third = floatTensor({1}, {1.0f / 3.0f});
    const HostTensor half = runOne(CastParams{DataType::Float16}, {&third});
    ASSERT_EQ(half.type(), DataType::Float16);
    EXPECT_EQ(half.data<uint16_t>()[0], 0x3555);
}

}  // namespace
}  // namespace kiln::test

// Tests of the BatchNorm, InstanceNorm, LayerNorm and Softmax reference kernels and their shape inference. Oracles
// use different but equivalent formulas: BatchNorm as a precomputed per-channel scale and shift,
// InstanceNorm and LayerNorm with the E[x^2] - E[x]^2 variance, Softmax without the max shift (safe on small inputs)
// in long double.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/reference/compute_layer_runner.h"
#include "support/test_util.h"

namespace kiln::test {
namespace {

TEST(BatchNormReference, HandComputed) {
    // Channel 0: (x - 1) / sqrt(4) * 2 + 1 = x; channel 1: (x - 0) / sqrt(0.25) * 1 - 1 = 2x - 1.
    const HostTensor x = floatTensor({1, 2, 1, 2}, {3, 5, 1, 2});
    const HostTensor scale = floatTensor({2}, {2, 1});
    const HostTensor bias = floatTensor({2}, {1, -1});
    const HostTensor mean = floatTensor({2}, {1, 0});
    const HostTensor variance = floatTensor({2}, {4, 0.25f});
    BatchNormParams p;
    p.epsilon = 0.0f;
    auto result = runComputeLayer(p, {&x, &scale, &bias, &mean, &variance});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(compareTensors(result->at(0), floatTensor({1, 2, 1, 2}, {3, 5, 1, 3}), 0.0, 0.0), "");
}

TEST(BatchNormReference, MatchesScaleAndShift) {
    const HostTensor x = randomTensor({2, 5, 3, 4}, 10, -3.0f, 3.0f);
    const HostTensor scale = randomTensor({5}, 11);
    const HostTensor bias = randomTensor({5}, 12);
    const HostTensor mean = randomTensor({5}, 13);
    const HostTensor variance = randomTensor({5}, 14, 0.1f, 2.0f);
    BatchNormParams p;
    p.epsilon = 1e-3f;
    auto result = runComputeLayer(p, {&x, &scale, &bias, &mean, &variance});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    HostTensor expected(DataType::Float32, x.dims());
    for (int64_t i = 0; i < x.elementCount(); ++i) {
        const int64_t c = (i / 12) % 5;
        const double multiplier =
            scale.data<float>()[c] / std::sqrt(double(variance.data<float>()[c]) + 1e-3f);
        const double shift = bias.data<float>()[c] - mean.data<float>()[c] * multiplier;
        expected.data<float>()[i] = static_cast<float>(x.data<float>()[i] * multiplier + shift);
    }
    // Both sides compute in double; the absolute term covers cancellation between x * m and shift.
    EXPECT_EQ(compareTensors(result->at(0), expected, 1e-6, 1e-6), "");
}

TEST(BatchNormShapeInference, RejectsWrongParameterLength) {
    const HostTensor x(DataType::Float32, {1, 3, 4, 4});
    const HostTensor ok(DataType::Float32, {3});
    const HostTensor wrong(DataType::Float32, {4});
    auto result = runComputeLayer(BatchNormParams{}, {&x, &ok, &ok, &wrong, &ok});
    ASSERT_FALSE(result.isOk());
    EXPECT_EQ(result.status().code(), StatusCode::InvalidModel);
    EXPECT_NE(result.status().message().find("input 3 (mean) has shape 4; expected 3"), std::string::npos)
        << result.status().message();
}

TEST(InstanceNormReference, HandComputed) {
    // Values 1, 3: mean 2, population variance 1, so normalised values are -1 and 1.
    const HostTensor x = floatTensor({1, 2, 2}, {1, 3, 10, 10});
    const HostTensor scale = floatTensor({2}, {2, 1});
    const HostTensor bias = floatTensor({2}, {0.5f, 7});
    InstanceNormParams p;
    p.epsilon = 0.0f;
    auto result = runComputeLayer(p, {&x, &scale, &bias});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    // Channel 1 is constant: variance 0 with epsilon 0 gives 0 / 0; use a tiny epsilon there instead.
    EXPECT_FLOAT_EQ(result->at(0).data<float>()[0], -1.5f);
    EXPECT_FLOAT_EQ(result->at(0).data<float>()[1], 2.5f);
    p.epsilon = 1e-5f;
    auto constant = runComputeLayer(p, {&x, &scale, &bias});
    ASSERT_TRUE(constant.isOk()) << constant.status().message();
    EXPECT_FLOAT_EQ(constant->at(0).data<float>()[2], 7.0f);
    EXPECT_FLOAT_EQ(constant->at(0).data<float>()[3], 7.0f);
}

TEST(InstanceNormReference, MatchesMomentFormula) {
    const HostTensor x = randomTensor({2, 3, 5, 6}, 20, -2.0f, 4.0f);
    const HostTensor scale = randomTensor({3}, 21);
    const HostTensor bias = randomTensor({3}, 22);
    InstanceNormParams p;
    p.epsilon = 1e-4f;
    auto result = runComputeLayer(p, {&x, &scale, &bias});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    HostTensor expected(DataType::Float32, x.dims());
    const int64_t inner = 30;
    for (int64_t plane = 0; plane < 6; ++plane) {
        const float* src = x.data<float>() + plane * inner;
        double sum = 0.0, squares = 0.0;
        for (int64_t i = 0; i < inner; ++i) {
            sum += src[i];
            squares += double(src[i]) * src[i];
        }
        const double mean = sum / inner;
        const double variance = squares / inner - mean * mean;
        const int64_t c = plane % 3;
        for (int64_t i = 0; i < inner; ++i) {
            expected.data<float>()[plane * inner + i] =
                static_cast<float>(scale.data<float>()[c] * (src[i] - mean) / std::sqrt(variance + 1e-4f) +
                                   bias.data<float>()[c]);
        }
    }
    // The one-pass variance loses a few double ulps against the two-pass one: far below float precision.
    EXPECT_EQ(compareTensors(result->at(0), expected, 1e-6, 1e-6), "");
}

TEST(InstanceNormShapeInference, RejectsWrongRankAndScale) {
    const HostTensor x2d(DataType::Float32, {2, 3});
    const HostTensor ok(DataType::Float32, {3});
    auto rank = runComputeLayer(InstanceNormParams{}, {&x2d, &ok, &ok});
    ASSERT_FALSE(rank.isOk());
    EXPECT_EQ(rank.status().code(), StatusCode::InvalidModel);
    EXPECT_NE(rank.status().message().find("expected at least 3"), std::string::npos)
        << rank.status().message();

    const HostTensor x(DataType::Float32, {1, 3, 4});
    const HostTensor wrong(DataType::Float32, {1, 3});
    auto scale = runComputeLayer(InstanceNormParams{}, {&x, &wrong, &ok});
    ASSERT_FALSE(scale.isOk());
    EXPECT_NE(scale.status().message().find("input 1 (scale) has shape 1x3"), std::string::npos)
        << scale.status().message();
}

SoftmaxParams softmaxParams(int64_t axis, bool log, bool flatten) {
    SoftmaxParams p;
    p.axis = axis;
    p.log = log;
    p.flattenFromAxis = flatten;
    return p;
}

TEST(SoftmaxReference, HandComputedAndStableOnLargeInputs) {
    const HostTensor x = floatTensor({2, 2}, {0, 0, 1000, 1001});
    auto result = runComputeLayer(softmaxParams(1, false, false), {&x});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    // Second row: 1 / (1 + e) and e / (1 + e); without the max shift exp(1000) would overflow.
    const float low = static_cast<float>(1.0 / (1.0 + std::exp(1.0)));
    EXPECT_EQ(compareTensors(result->at(0), floatTensor({2, 2}, {0.5f, 0.5f, low, 1.0f - low}), 1e-6, 0.0),
              "");

    auto logResult = runComputeLayer(softmaxParams(1, true, false), {&x});
    ASSERT_TRUE(logResult.isOk()) << logResult.status().message();
    const float logLow = static_cast<float>(-std::log1p(std::exp(1.0)));
    EXPECT_EQ(compareTensors(
                  logResult->at(0),
                  floatTensor({2, 2}, {float(-std::log(2.0)), float(-std::log(2.0)), logLow, logLow + 1}),
                  1e-6, 0.0),
              "");
}

// Softmax of the [outer, length, inner] view, straight from the definition.
HostTensor softmaxOracle(const HostTensor& x, int64_t outer, int64_t length, int64_t inner, bool log) {
    HostTensor y(DataType::Float32, x.dims());
    for (int64_t o = 0; o < outer; ++o) {
        for (int64_t i = 0; i < inner; ++i) {
            long double sum = 0;
            for (int64_t j = 0; j < length; ++j)
                sum += std::exp((long double)x.data<float>()[(o * length + j) * inner + i]);
            for (int64_t j = 0; j < length; ++j) {
                const int64_t index = (o * length + j) * inner + i;
                const long double e = std::exp((long double)x.data<float>()[index]);
                y.data<float>()[index] = static_cast<float>(log ? std::log(e / sum) : e / sum);
            }
        }
    }
    return y;
}

TEST(SoftmaxReference, MatchesDefinitionAlongEveryAxisAndFlattened) {
    const HostTensor x = randomTensor({2, 3, 4, 5}, 30, -3.0f, 3.0f);
    const Dims& d = x.dims();
    for (bool log : {false, true}) {
        SCOPED_TRACE(log ? "log-softmax" : "softmax");
        const struct {
            SoftmaxParams params;
            int64_t outer, length, inner;
        } cases[] = {
            {softmaxParams(0, log, false), 1, d[0], d[1] * d[2] * d[3]},
            {softmaxParams(1, log, false), d[0], d[1], d[2] * d[3]},
            {softmaxParams(3, log, false), d[0] * d[1] * d[2], d[3], 1},
            {softmaxParams(1, log, true), d[0], d[1] * d[2] * d[3], 1},
            {softmaxParams(2, log, true), d[0] * d[1], d[2] * d[3], 1},
        };
        for (const auto& c : cases) {
            SCOPED_TRACE("axis " + std::to_string(c.params.axis) +
                         (c.params.flattenFromAxis ? " flattened" : ""));
            auto result = runComputeLayer(c.params, {&x});
            ASSERT_TRUE(result.isOk()) << result.status().message();
            // Both sides are far more precise than float; only the final rounding differs.
            EXPECT_EQ(
                compareTensors(result->at(0), softmaxOracle(x, c.outer, c.length, c.inner, log), 1e-6, 1e-7),
                "");
        }
    }
}

TEST(SoftmaxShapeInference, RejectsAxisOutOfRange) {
    const HostTensor x(DataType::Float32, {2, 3});
    auto result = runComputeLayer(softmaxParams(2, false, false), {&x});
    ASSERT_FALSE(result.isOk());
    EXPECT_EQ(result.status().code(), StatusCode::InvalidModel);
    EXPECT_NE(result.status().message().find("axis 2 is out of range"), std::string::npos)
        << result.status().message();
}

TEST(LayerNormReference, HandComputed) {
    // Row 0: 1, 3 -> mean 2, population variance 1 -> -1, 1; row 1: 0, 8 -> mean 4, variance 16 -> -1, 1.
    // Scale [2, 0.5] and bias [1, -1] per position.
    const HostTensor x = floatTensor({2, 2}, {1, 3, 0, 8});
    const HostTensor scale = floatTensor({2}, {2, 0.5f});
    const HostTensor bias = floatTensor({2}, {1, -1});
    auto result = runComputeLayer(LayerNormParams{1, 0.0f}, {&x, &scale, &bias});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(compareTensors(result->at(0), floatTensor({2, 2}, {-1, -0.5f, -1, -0.5f}), 0.0, 0.0), "");
    auto noBias = runComputeLayer(LayerNormParams{1, 0.0f}, {&x, &scale});
    ASSERT_TRUE(noBias.isOk()) << noBias.status().message();
    EXPECT_EQ(compareTensors(noBias->at(0), floatTensor({2, 2}, {-2, 0.5f, -2, 0.5f}), 0.0, 0.0), "");
}

TEST(LayerNormReference, NormalizesEveryTrailingAxis) {
    // Axis 1 of [2, 3, 4]: each batch entry's 12 values form one group.
    const HostTensor x = randomTensor({2, 3, 4}, 30, -3.0f, 3.0f);
    const HostTensor scale = randomTensor({3, 4}, 31);
    const HostTensor bias = randomTensor({3, 4}, 32);
    auto result = runComputeLayer(LayerNormParams{1, 1e-3f}, {&x, &scale, &bias});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    HostTensor expected(DataType::Float32, x.dims());
    for (int64_t n = 0; n < 2; ++n) {
        long double sum = 0, squares = 0;
        for (int64_t i = 0; i < 12; ++i) {
            sum += x.data<float>()[n * 12 + i];
            squares += (long double)x.data<float>()[n * 12 + i] * x.data<float>()[n * 12 + i];
        }
        const long double mean = sum / 12, variance = squares / 12 - mean * mean;
        for (int64_t i = 0; i < 12; ++i) {
            const long double normalized = (x.data<float>()[n * 12 + i] - mean) / std::sqrt(variance + 1e-3f);
            expected.data<float>()[n * 12 + i] = float(normalized * scale.data<float>()[i] + bias.data<float>()[i]);
        }
    }
    // Both compute in double or better; the absolute term covers cancellation in E[x^2] - E[x]^2.
    EXPECT_EQ(compareTensors(result->at(0), expected, 1e-6, 1e-6), "");
}

TEST(LayerNormShapeInference, NamesTheWrongInput) {
    const HostTensor x(DataType::Float32, {2, 3, 4});
    const HostTensor ok(DataType::Float32, {4});
    const HostTensor wrong(DataType::Float32, {3, 4});
    auto scale = runComputeLayer(LayerNormParams{2, 1e-5f}, {&x, &wrong});
    ASSERT_FALSE(scale.isOk());
    EXPECT_EQ(scale.status().code(), StatusCode::InvalidModel);
    EXPECT_NE(scale.status().message().find("input 1 (scale) has shape 3x4; expected 4 "), std::string::npos)
        << scale.status().message();
    auto bias = runComputeLayer(LayerNormParams{2, 1e-5f}, {&x, &ok, &wrong});
    ASSERT_FALSE(bias.isOk());
    EXPECT_NE(bias.status().message().find("input 2 (bias)"), std::string::npos) << bias.status().message();
    auto axis = runComputeLayer(LayerNormParams{3, 1e-5f}, {&x, &ok});
    ASSERT_FALSE(axis.isOk());
    EXPECT_NE(axis.status().message().find("axis 3 is out of range"), std::string::npos) << axis.status().message();
}

}  // namespace
}  // namespace kiln::test

// Tests of the Quantize and Dequantize reference kernels (ONNX QuantizeLinear / DequantizeLinear) and
// their shape inference, against values worked out by hand: rounding half to even, saturation to
// [-128, 127] with and without a zero point, per-tensor and per-axis scales, INT32 data (quantized
// biases). Every value below is exact in FP32, so the comparisons are exact.
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

HostTensor int8Tensor(const Dims& dims, const std::vector<int8_t>& values) {
    return makeTensor(DataType::Int8, dims, values);
}
HostTensor int32Tensor(const Dims& dims, const std::vector<int32_t>& values) {
    return makeTensor(DataType::Int32, dims, values);
}
HostTensor scalar(float value) { return floatTensor({}, {value}); }

HostTensor runOne(const LayerParams& params, const std::vector<const HostTensor*>& inputs) {
    auto result = runComputeLayer(params, inputs);
    EXPECT_TRUE(result.isOk()) << result.status().message();
    return result.isOk() ? std::move(result.value()[0]) : HostTensor();
}

void expectExact(const HostTensor& actual, const HostTensor& expected) {
    EXPECT_EQ(compareTensors(actual, expected, 0.0, 0.0), "");
}

void expectError(const std::vector<const HostTensor*>& inputs, const LayerParams& params,
                 const std::vector<std::string>& fragments) {
    auto result = runComputeLayer(params, inputs);
    ASSERT_FALSE(result.isOk()) << "expected an error from " << toString(kindOf(params));
    EXPECT_EQ(result.status().code(), StatusCode::InvalidModel) << result.status().message();
    for (const std::string& fragment : fragments) {
        EXPECT_NE(result.status().message().find(fragment), std::string::npos)
            << "message '" << result.status().message() << "' does not mention '" << fragment << "'";
    }
}

TEST(QuantizeReference, RoundsHalfToEven) {
    // x / 0.5 = 0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 2, 0.75 -> 0, 2, 2, 4, 0, -2, -2, 2, 1.
    const HostTensor x = floatTensor({9}, {0.25f, 0.75f, 1.25f, 1.75f, -0.25f, -0.75f, -1.25f, 1.0f, 0.375f});
    const HostTensor scale = scalar(0.5f);
    const HostTensor zero = int8Tensor({}, {0});
    expectExact(runOne(QuantizeParams{}, {&x, &scale, &zero}), int8Tensor({9}, {0, 2, 2, 4, 0, -2, -2, 2, 1}));
    // Without a zero point input, the zero point is 0.
    expectExact(runOne(QuantizeParams{}, {&x, &scale}), int8Tensor({9}, {0, 2, 2, 4, 0, -2, -2, 2, 1}));
}

TEST(QuantizeReference, SaturatesToInt8AfterAddingTheZeroPoint) {
    const float inf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const HostTensor x = floatTensor({8}, {200.0f, -200.0f, 127.4f, 127.5f, -128.5f, -129.0f, inf, -inf});
    const HostTensor one = scalar(1.0f);
    // 127.5 rounds to 128 (even) and saturates; -128.5 rounds to -128.
    expectExact(runOne(QuantizeParams{}, {&x, &one}), int8Tensor({8}, {127, -128, 127, 127, -128, -128, 127, -128}));

    // With zero point 10: 120 + 10 and -140 + 10 saturate; 116.5 -> 116 + 10; -138.5 -> -138 + 10.
    const HostTensor y = floatTensor({6}, {120.0f, -140.0f, 0.0f, 116.5f, -138.5f, nan});
    const HostTensor ten = int8Tensor({}, {10});
    expectExact(runOne(QuantizeParams{}, {&y, &one, &ten}), int8Tensor({6}, {127, -128, 10, 126, -128, 10}));
}

TEST(QuantizeReference, PerAxisScalesAndZeroPoints) {
    // [2, 3, 2] along axis 1: channel 0 scale 1 zero 0, channel 1 scale 0.5 zero 1, channel 2 scale
    // 0.25 zero -1.
    const HostTensor x = floatTensor({2, 3, 2}, {1, 2, 1, 2, 1, 2, -1, -2, -1, -2, -1, -2});
    const HostTensor scales = floatTensor({3}, {1.0f, 0.5f, 0.25f});
    const HostTensor zeros = int8Tensor({3}, {0, 1, -1});
    const HostTensor expected = int8Tensor({2, 3, 2}, {1, 2, 3, 5, 3, 7, -1, -2, -1, -3, -5, -9});
    expectExact(runOne(QuantizeParams{1}, {&x, &scales, &zeros}), expected);
    // Dequantizing with the same parameters gives x back: every x is a multiple of its scale.
    expectExact(runOne(DequantizeParams{1}, {&expected, &scales, &zeros}), x);

    // Along axis 0 (a convolution's output channels).
    const HostTensor w = floatTensor({2, 3}, {2, 4, -6, 3, -3, 300});
    const HostTensor rowScales = floatTensor({2}, {2.0f, 3.0f});
    expectExact(runOne(QuantizeParams{0}, {&w, &rowScales}), int8Tensor({2, 3}, {1, 2, -3, 1, -1, 100}));
}

TEST(QuantizeReference, AOneElementScaleIsPerTensorWhateverTheAxis) {
    const HostTensor x = floatTensor({2, 3}, {1, 2, 3, -1, -2, -3});
    const HostTensor scale = floatTensor({1}, {0.5f});
    const HostTensor zero = int8Tensor({1}, {-1});
    expectExact(runOne(QuantizeParams{1}, {&x, &scale, &zero}), int8Tensor({2, 3}, {1, 3, 5, -3, -5, -7}));
}

TEST(DequantizeReference, SubtractsTheZeroPointThenScales) {
    const HostTensor q = int8Tensor({4}, {-128, 127, 0, -1});
    const HostTensor half = scalar(0.5f);
    const HostTensor zero = int8Tensor({}, {-128});
    expectExact(runOne(DequantizeParams{}, {&q, &half, &zero}), floatTensor({4}, {0.0f, 127.5f, 64.0f, 63.5f}));
    expectExact(runOne(DequantizeParams{}, {&q, &half}), floatTensor({4}, {-64.0f, 63.5f, 0.0f, -0.5f}));
}

TEST(DequantizeReference, Int32DataAsQuantizedBiasesAre) {
    const HostTensor q = int32Tensor({2, 2}, {1000000, -3, 7, -2000000});
    const HostTensor scales = floatTensor({2}, {0.5f, 0.25f});
    expectExact(runOne(DequantizeParams{0}, {&q, &scales}), floatTensor({2, 2}, {500000.0f, -1.5f, 1.75f, -500000.0f}));
}

TEST(QuantizeReference, ShapeInferenceChecksScalesAndZeroPoints) {
    const HostTensor x = floatTensor({2, 3}, {0, 0, 0, 0, 0, 0});
    const HostTensor four = floatTensor({4}, {1, 1, 1, 1});
    expectError({&x, &four}, QuantizeParams{1}, {"scale", "dims 4", "expected one value, or 3"});
    expectError({&x, &four}, QuantizeParams{2}, {"axis 2", "outside 0..1"});
    const HostTensor one = scalar(1.0f);
    const HostTensor wideZero = int32Tensor({}, {0});
    expectError({&x, &one, &wideZero}, QuantizeParams{}, {"zero point", "INT32", "expected INT8"});
    const HostTensor zeros = int8Tensor({2}, {0, 0});
    expectError({&x, &one, &zeros}, QuantizeParams{}, {"zero point", "expected the scale's dims scalar"});
    expectError({&x, &one}, DequantizeParams{}, {"FP32", "Dequantize expects INT8 or INT32"});
    const HostTensor q = int8Tensor({2}, {0, 0});
    const HostTensor intScale = int32Tensor({}, {1});
    expectError({&q, &intScale}, DequantizeParams{}, {"scale", "expected FP32"});
}

TEST(QuantizeReference, OutputTypesAreInt8AndFp32) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 2, 3});
    Tensor* scale = *network.addConstant("scale", scalar(0.1f));
    Layer* quantize = *network.addLayer("q", QuantizeParams{}, {x, scale}, {"q.out"});
    Layer* dequantize = *network.addLayer("dq", DequantizeParams{}, {quantize->output(0), scale}, {"dq.out"});
    EXPECT_EQ(quantize->output(0)->type(), DataType::Int8);
    EXPECT_EQ(quantize->output(0)->dims(), (Dims{1, 2, 3}));
    EXPECT_EQ(dequantize->output(0)->type(), DataType::Float32);
    EXPECT_EQ(toString(quantize->kind()), std::string("Quantize"));
    EXPECT_EQ(toString(dequantize->kind()), std::string("Dequantize"));
    EXPECT_EQ(describeLayer(*quantize), "per-tensor scale 0.1");
    Tensor* scales = *network.addConstant("scales", floatTensor({2}, {0.1f, 0.2f}));
    Layer* perAxis = *network.addLayer("q2", QuantizeParams{1}, {x, scales}, {"q2.out"});
    EXPECT_EQ(describeLayer(*perAxis), "per-axis 1 (2 scales)");
    EXPECT_EQ(describeParams(perAxis->params()), "axis 1");
}

}  // namespace
}  // namespace kiln::test

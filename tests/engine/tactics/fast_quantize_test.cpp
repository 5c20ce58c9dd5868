// Kiln's Quantize and Dequantize kernels against the reference, byte for byte (both use the same FP32
// arithmetic): one scale for the tensor and one per index along the first, a middle and the last axis,
// with and without zero points, values on rounding ties, beyond INT8's range and NaN, INT32 data (a
// quantized bias) with an INT32 zero point, a tensor large enough for the threads; and the refusals.
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fast_test_helpers.h"

namespace kiln::test {
namespace {

HostTensor filled(DataType type, const Dims& dims, double first, double step) {
    HostTensor t(type, dims);
    for (int64_t i = 0; i < t.elementCount(); ++i) {
        const double v = first + step * double(i);
        if (type == DataType::Float32) t.data<float>()[i] = float(v);
        if (type == DataType::Int8) t.data<int8_t>()[i] = int8_t(int64_t(v) % 256 - 128);
        if (type == DataType::Int32) t.data<int32_t>()[i] = int32_t(v);
    }
    return t;
}

void expectSame(const LayerParams& params, const std::vector<const HostTensor*>& inputs,
                const std::string& what) {
    std::vector<bool> activation(inputs.size(), false);
    activation[0] = true;
    auto built = makeSingleLayerNetwork(params, inputs, activation);
    ASSERT_TRUE(built.isOk()) << what << ": " << built.status().message();
    const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
    auto expected = runReference(*built->layer, inputs);
    ASSERT_TRUE(expected.isOk()) << what << ": " << expected.status().message();
    const Offer offer = enumerateKiln(cpu::fast::bestIsa(), config);
    const tactics::Tactic* tactic = offer.find("kiln:quantize");
    ASSERT_NE(tactic, nullptr) << what << ": " << offer.skipReason("kiln:quantize");
    auto actual = runTactic(*tactic, config, inputs);
    ASSERT_TRUE(actual.isOk()) << what << ": " << actual.status().message();
    const HostTensor& e = (*expected)[0];
    const HostTensor& a = (*actual)[0];
    ASSERT_EQ(a.byteSize(), e.byteSize()) << what;
    const size_t size = dataTypeSize(e.type());
    for (int64_t i = 0; i < e.elementCount(); ++i) {
        ASSERT_EQ(std::memcmp(a.bytes() + i * size, e.bytes() + i * size, size), 0)
            << what << ", element " << i;
    }
}

TEST(KilnQuantize, PerTensorAndPerAxisAsTheReference) {
    // Steps of 0.25 over a scale of 0.5 put every other value on a tie; the ends go beyond INT8.
    HostTensor x = filled(DataType::Float32, {2, 4, 3, 5}, -70.0, 0.25);
    x.data<float>()[7] = std::numeric_limits<float>::quiet_NaN();
    x.data<float>()[8] = std::numeric_limits<float>::infinity();
    const HostTensor one = filled(DataType::Float32, {}, 0.5, 0.0);
    const HostTensor oneZero = filled(DataType::Int8, {}, 131.0, 0.0);  // 3
    expectSame(QuantizeParams{0}, {&x, &one}, "one scale");
    expectSame(QuantizeParams{0}, {&x, &one, &oneZero}, "one scale and zero point");
    for (int64_t axis = 0; axis < 4; ++axis) {
        const int64_t extent = x.dims()[size_t(axis)];
        const HostTensor scales = filled(DataType::Float32, {extent}, 0.25, 0.125);
        const HostTensor zeros = filled(DataType::Int8, {extent}, 120.0, 3.0);
        expectSame(QuantizeParams{axis}, {&x, &scales}, "scales along axis " + std::to_string(axis));
        expectSame(QuantizeParams{axis}, {&x, &scales, &zeros},
                   "scales and zero points along axis " + std::to_string(axis));
    }
    std::mt19937 rng(120);
    const HostTensor big = randomTensor({4, 64, 56, 56}, rng, -4.0f, 4.0f);
    const HostTensor channelScales = filled(DataType::Float32, {64}, 0.01, 0.001);
    expectSame(QuantizeParams{1}, {&big, &channelScales}, "per channel, on the threads");
}

TEST(KilnDequantize, Int8AndInt32DataAsTheReference) {
    const HostTensor q = filled(DataType::Int8, {3, 6, 7}, 0.0, 1.0);
    const HostTensor one = filled(DataType::Float32, {}, 0.03, 0.0);
    const HostTensor oneZero = filled(DataType::Int8, {}, 120.0, 0.0);
    expectSame(DequantizeParams{0}, {&q, &one}, "one scale");
    expectSame(DequantizeParams{0}, {&q, &one, &oneZero}, "one scale and zero point");
    for (int64_t axis = 0; axis < 3; ++axis) {
        const int64_t extent = q.dims()[size_t(axis)];
        const HostTensor scales = filled(DataType::Float32, {extent}, 0.5, -0.0625);
        const HostTensor zeros = filled(DataType::Int8, {extent}, 100.0, 9.0);
        expectSame(DequantizeParams{axis}, {&q, &scales, &zeros}, "along axis " + std::to_string(axis));
    }
    // A quantized bias: INT32 values whose difference with the zero point needs 64 bits.
    HostTensor bias = filled(DataType::Int32, {8}, 0.0, 1.0);
    bias.data<int32_t>()[0] = std::numeric_limits<int32_t>::max();
    bias.data<int32_t>()[1] = std::numeric_limits<int32_t>::min();
    HostTensor biasZero(DataType::Int32, {});
    biasZero.data<int32_t>()[0] = -2000000000;
    const HostTensor biasScale = filled(DataType::Float32, {}, 1e-3, 0.0);
    expectSame(DequantizeParams{0}, {&bias, &biasScale, &biasZero}, "INT32 with a zero point");
}

TEST(KilnQuantize, RefusesBlockedTensors) {
    std::mt19937 rng(121);
    const HostTensor x = randomTensor({1, 16, 4, 4}, rng);
    const HostTensor one = filled(DataType::Float32, {}, 0.5, 0.0);
    EXPECT_EQ(skipReasonFor(QuantizeParams{0}, {&x, &one}, {true, false}, TensorFormat::blocked(16),
                            "kiln:quantize"),
              "runs linear tensors stored in their own types only");
}

}  // namespace
}  // namespace kiln::test

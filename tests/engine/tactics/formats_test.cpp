// The definition of the memory formats (tactics/formats.h, TensorFormat in kiln/types.h): names,
// sizes with padded channels, where an element lies, and conversions with a storage type, checked
// against offsets written out by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "support/test_util.h"
#include "tactics/formats.h"

namespace kiln::test {
namespace {

TEST(Formats, NamesSayLayoutPaddingAndStorage) {
    EXPECT_EQ(toString(TensorFormat{}, 4), "NCHW");
    EXPECT_EQ(toString(TensorFormat::blocked(16), 4), "NCHW16c");
    EXPECT_EQ(toString(TensorFormat::nhwc(8), 4), "NHWC8");
    EXPECT_EQ(toString(TensorFormat::nhwc(8, DataType::Float16), 4), "NHWC8 FP16");
    EXPECT_EQ(toString(TensorFormat::nhwc(8, DataType::Float16), 5), "NDHWC8 FP16");
    EXPECT_EQ(toString(TensorFormat::nhwc(1), 3), "NWC");
    EXPECT_TRUE(TensorFormat{}.isDefault());
    EXPECT_FALSE(TensorFormat::nhwc(8).isLinear());
    EXPECT_FALSE(TensorFormat::nhwc(8).isBlocked());
    EXPECT_TRUE(TensorFormat::blocked(8).isBlocked());
}

TEST(Formats, ChannelsLastSizesCountPaddedChannelsInTheStorageType) {
    const Dims dims{2, 13, 5, 7};
    EXPECT_EQ(storageByteSize(DataType::Float32, dims, TensorFormat::nhwc(8)), 2 * 16 * 5 * 7 * 4);
    EXPECT_EQ(storageByteSize(DataType::Float32, dims, TensorFormat::nhwc(8, DataType::Float16)), 2 * 16 * 5 * 7 * 2);
    EXPECT_EQ(storageByteSize(DataType::Float32, dims, TensorFormat{{}, false, DataType::Float16}), 2 * 13 * 5 * 7 * 2);
    EXPECT_EQ(storageType(DataType::Float32, TensorFormat::nhwc(8, DataType::Float16)), DataType::Float16);
}

TEST(Formats, ChannelsLastOffsetsPutChannelsInnermost) {
    const Dims dims{2, 13, 5, 7};  // 35 spatial positions, 16 padded channels
    const TensorFormat format = TensorFormat::nhwc(8);
    EXPECT_EQ(tactics::elementOffset(dims, format, 0, 0, 0, 2), 0);
    EXPECT_EQ(tactics::elementOffset(dims, format, 0, 1, 0, 2), 2);
    EXPECT_EQ(tactics::elementOffset(dims, format, 0, 0, 1, 2), 16 * 2);
    EXPECT_EQ(tactics::elementOffset(dims, format, 1, 3, 4, 2), ((35 + 4) * 16 + 3) * 2);
}

TEST(Formats, Fp16ChannelsLastRoundTripRoundsToHalfAndZeroesPadding) {
    const HostTensor x = randomTensor({3, 13, 4, 5}, 9, -4.0f, 4.0f);
    const TensorFormat format = TensorFormat::nhwc(8, DataType::Float16);
    const std::vector<std::byte> bytes = tactics::toFormat(x, format);
    ASSERT_EQ(int64_t(bytes.size()), storageByteSize(DataType::Float32, x.dims(), format));
    const auto* halves = reinterpret_cast<const uint16_t*>(bytes.data());
    for (int64_t n = 0; n < 3; ++n) {
        for (int64_t s = 0; s < 20; ++s) {
            for (int64_t c = 0; c < 16; ++c) {
                const uint16_t stored = halves[(n * 20 + s) * 16 + c];
                if (c >= 13) {
                    EXPECT_EQ(stored, 0u);
                } else {
                    EXPECT_EQ(stored, floatToHalf(x.data<float>()[(n * 13 + c) * 20 + s]));
                }
            }
        }
    }
    const HostTensor back = tactics::fromFormat(bytes.data(), DataType::Float32, x.dims(), format);
    ASSERT_EQ(back.type(), DataType::Float32);
    for (int64_t i = 0; i < x.elementCount(); ++i) {
        EXPECT_EQ(back.data<float>()[i], halfToFloat(floatToHalf(x.data<float>()[i])));
    }
}

// Dummy timing data: random values in storage order must be exactly what toFormat would store for some
// linear tensor of values in [-1, 1], so a round trip through the linear tensor reproduces every byte
// (real lanes representable, padded lanes zero).
// Converting NaN to an integer is undefined: NaN data, or a zero range (scale 0, so 0/0), quantizes
// to 0; infinities and out-of-range values saturate. (Found by the plan_reader fuzz target.)
TEST(Formats, Int8QuantizationMapsNanToZeroAndSaturates) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    EXPECT_EQ(tactics::quantizeToInt8(nan, 0.5), 0);
    EXPECT_EQ(tactics::quantizeToInt8(0.0, 0.0), 0);
    EXPECT_EQ(tactics::quantizeToInt8(1.0, 0.0), 127);
    EXPECT_EQ(tactics::quantizeToInt8(-inf, 1.0), -127);
    EXPECT_EQ(tactics::quantizeToInt8(1e9, 1.0), 127);
    EXPECT_EQ(tactics::quantizeToInt8(-2.6, 1.0), -3);
    HostTensor values(DataType::Float32, {3});
    values.data<float>()[0] = std::numeric_limits<float>::quiet_NaN();
    values.data<float>()[1] = 1.0f;
    values.data<float>()[2] = -std::numeric_limits<float>::infinity();
    const HostTensor quantized = tactics::convertType(values, DataType::Int8, 1.0f / 127.0f);
    EXPECT_EQ(quantized.data<int8_t>()[0], 0);
    EXPECT_EQ(quantized.data<int8_t>()[1], 127);
    EXPECT_EQ(quantized.data<int8_t>()[2], -127);
}

TEST(Formats, RandomDataInEveryFormatIsWhatToFormatStores) {
    struct Case {
        DataType type;
        TensorFormat format;
        float scale;
    };
    const Dims dims{3, 13, 4, 5};
    const std::vector<Case> cases{
        {DataType::Float32, TensorFormat{}, 1.0f},
        {DataType::Float32, TensorFormat::blocked(8), 1.0f},
        {DataType::Float32, TensorFormat::nhwc(8), 1.0f},
        {DataType::Float32, TensorFormat::nhwc(8, DataType::Float16), 1.0f},
        {DataType::Float32, TensorFormat::nhwc(32, DataType::Int8), 1.0f / 127.0f},
        {DataType::Float32, TensorFormat::blocked(16), 1.0f},
        {DataType::Float16, TensorFormat{}, 1.0f},
        {DataType::Float16, TensorFormat::nhwc(8), 1.0f},
        {DataType::BFloat16, TensorFormat{}, 1.0f},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(toString(c.format, dims.size()) + " of " + toString(c.type));
        const std::vector<std::byte> bytes = tactics::randomInFormat(c.type, dims, c.format, c.scale, 7);
        ASSERT_EQ(int64_t(bytes.size()), storageByteSize(c.type, dims, c.format));
        const HostTensor linear = tactics::fromFormat(bytes.data(), c.type, dims, c.format, c.scale);
        EXPECT_EQ(tactics::toFormat(linear, c.format, c.scale), bytes);
        double low = 0.0;
        double high = 0.0;
        for (int64_t i = 0; i < linear.elementCount(); ++i) {
            low = std::min(low, linear.valueAsDouble(i));
            high = std::max(high, linear.valueAsDouble(i));
        }
        EXPECT_GE(low, -1.0);
        EXPECT_LE(high, 1.0);
        EXPECT_LT(low, -0.9);  // 780 uniform draws reach both ends of the range
        EXPECT_GT(high, 0.9);
        EXPECT_EQ(tactics::randomInFormat(c.type, dims, c.format, c.scale, 7), bytes);
        EXPECT_NE(tactics::randomInFormat(c.type, dims, c.format, c.scale, 8), bytes);
    }
}

TEST(Formats, RandomDataOfIntegerTensorsIsZero) {
    const std::vector<std::byte> bytes = tactics::randomInFormat(DataType::Int64, {4, 3}, TensorFormat{}, 1.0f, 7);
    ASSERT_EQ(bytes.size(), 4u * 3u * 8u);
    EXPECT_TRUE(std::all_of(bytes.begin(), bytes.end(), [](std::byte b) { return b == std::byte{0}; }));
}

}  // namespace
}  // namespace kiln::test

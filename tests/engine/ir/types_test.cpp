// Data types, dims parsing and checking, half-precision conversion.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "kiln/types.h"

namespace kiln {
namespace {

TEST(Types, ParseDimsRoundTrips) {
    auto dims = parseDims("1x3x224x224");
    ASSERT_TRUE(dims.isOk()) << dims.status().message();
    EXPECT_EQ(*dims, (Dims{1, 3, 224, 224}));
    EXPECT_EQ(toString(*dims), "1x3x224x224");
    EXPECT_EQ(volume(*dims), 150528);
}

TEST(Types, ParseDimsRejectsMalformedText) {
    for (const char* text : {"", "1x", "x3", "1x-3", "1xabc", "1,3", "99999999999999999999"}) {
        auto dims = parseDims(text);
        EXPECT_FALSE(dims.isOk()) << text;
    }
    EXPECT_NE(parseDims("1xabc").status().message().find("1x3x224x224"), std::string::npos);
}

TEST(Types, CheckDimsRejectsNegativeAndHugeExtents) {
    EXPECT_TRUE(checkDims({1, 3, 0}, "t").isOk());
    Status negative = checkDims({1, -5}, "input 'x'");
    EXPECT_EQ(negative.code(), StatusCode::InvalidModel);
    EXPECT_NE(negative.message().find("input 'x'"), std::string::npos);
    EXPECT_NE(negative.message().find("-5"), std::string::npos);
    EXPECT_FALSE(checkDims({int64_t(1) << 62}, "t").isOk());
    // Each extent is legal on its own, the product is not.
    EXPECT_FALSE(checkDims({int64_t(1) << 30, int64_t(1) << 30}, "t").isOk());
}

TEST(Types, HalfConversionMatchesKnownBitPatterns) {
    EXPECT_EQ(floatToHalf(1.0f), 0x3c00);
    EXPECT_EQ(floatToHalf(-2.0f), 0xc000);
    EXPECT_EQ(floatToHalf(65504.0f), 0x7bff);       // largest finite half
    EXPECT_EQ(floatToHalf(70000.0f), 0x7c00);       // overflows to +inf
    EXPECT_EQ(floatToHalf(5.9604645e-8f), 0x0001);  // smallest subnormal
    EXPECT_EQ(floatToHalf(1.0f + 1.0f / 2048.0f), 0x3c00);  // tie rounds to even
    EXPECT_EQ(floatToHalf(1.0f + 3.0f / 2048.0f), 0x3c02);  // tie rounds to even (up)
    EXPECT_EQ(halfToFloat(0x3555), 0.333251953125f);
    EXPECT_EQ(halfToFloat(0x0001), 5.9604645e-8f);
    EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(std::numeric_limits<float>::quiet_NaN()))));
}

TEST(Types, HalfConversionRoundTripsEveryHalf) {
    for (uint32_t bits = 0; bits < 0x10000; ++bits) {
        const float value = halfToFloat(uint16_t(bits));
        if (std::isnan(value)) continue;
        EXPECT_EQ(floatToHalf(value), bits) << "bits " << bits;
    }
}

TEST(Types, BfloatConversionMatchesKnownBitPatterns) {
    EXPECT_EQ(floatToBFloat16(1.0f), 0x3f80);
    EXPECT_EQ(floatToBFloat16(-2.0f), 0xc000);
    EXPECT_EQ(floatToBFloat16(std::bit_cast<float>(0x3f808000u)), 0x3f80);  // tie rounds to even (down)
    EXPECT_EQ(floatToBFloat16(std::bit_cast<float>(0x3f818000u)), 0x3f82);  // tie rounds to even (up)
    EXPECT_EQ(floatToBFloat16(std::bit_cast<float>(0x3f808001u)), 0x3f81);  // above the tie rounds up
    EXPECT_EQ(floatToBFloat16(std::numeric_limits<float>::max()), 0x7f80);  // rounds past the largest: +inf
    EXPECT_EQ(floatToBFloat16(std::numeric_limits<float>::infinity()), 0x7f80);
    EXPECT_EQ(floatToBFloat16(std::numeric_limits<float>::denorm_min()), 0x0000);  // below half the smallest
    EXPECT_EQ(bfloat16ToFloat(0x0001), std::bit_cast<float>(0x00010000u));  // bfloat16 keeps subnormals
    EXPECT_EQ(bfloat16ToFloat(0x3eab), 0.333984375f);
    EXPECT_TRUE(std::isnan(bfloat16ToFloat(floatToBFloat16(std::numeric_limits<float>::quiet_NaN()))));
    // A signalling NaN whose payload lies in the low bits must not round to infinity.
    EXPECT_TRUE(std::isnan(bfloat16ToFloat(floatToBFloat16(std::bit_cast<float>(0x7f800001u)))));
}

TEST(Types, BfloatConversionRoundTripsEveryBfloat) {
    for (uint32_t bits = 0; bits < 0x10000; ++bits) {
        const float value = bfloat16ToFloat(uint16_t(bits));
        if (std::isnan(value)) continue;
        EXPECT_EQ(floatToBFloat16(value), bits) << "bits " << bits;
    }
}

TEST(Types, HostTensorValueAccessConvertsEachType) {
    HostTensor ints(DataType::Int32, {2});
    ints.data<int32_t>()[1] = -7;
    EXPECT_EQ(ints.valueAsInt64(1), -7);
    EXPECT_EQ(ints.valueAsDouble(1), -7.0);
    HostTensor flags(DataType::Bool, {3});
    flags.data<uint8_t>()[2] = 1;
    EXPECT_EQ(flags.valueAsInt64(2), 1);
    EXPECT_EQ(flags.byteSize(), 3u);
    HostTensor scalar(DataType::Int64, {});
    EXPECT_EQ(scalar.elementCount(), 1);
    EXPECT_EQ(scalar.byteSize(), 8u);
}

}  // namespace
}  // namespace kiln

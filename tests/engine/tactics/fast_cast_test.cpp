// Kiln's Cast kernel against the reference: every pair of the seven element types, on values that test
// each conversion's edges (NaN, infinities, fractions of both signs, values beyond the target's range,
// integers that wrap into narrower ones, negative zero), byte for byte; a tensor large enough for the
// threads; and the refusal of other formats.
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backends/cpu/scalar_math.h"
#include "fast_test_helpers.h"

namespace kiln::test {
namespace {

const std::vector<DataType> kTypes{DataType::Float32, DataType::Float16, DataType::BFloat16, DataType::Int8,
                                   DataType::Int32,   DataType::Int64,   DataType::Bool};

// `values` stored in `type`: floating-point types round them, integers take them where they fit and
// the type's extremes beyond, BOOL whether they are nonzero.
HostTensor tensorOf(DataType type, const std::vector<double>& values) {
    HostTensor t(type, {int64_t(values.size())});
    for (size_t i = 0; i < values.size(); ++i) {
        const double v = values[i];
        switch (type) {
            case DataType::Float32:
                t.data<float>()[i] = float(v);
                break;
            case DataType::Float16:
                t.data<uint16_t>()[i] = floatToHalf(float(v));
                break;
            case DataType::BFloat16:
                t.data<uint16_t>()[i] = floatToBFloat16(float(v));
                break;
            case DataType::Int8:
                t.data<int8_t>()[i] = cpu::saturatingCast<int8_t>(v);
                break;
            case DataType::Int32:
                t.data<int32_t>()[i] = cpu::saturatingCast<int32_t>(v);
                break;
            case DataType::Int64:
                t.data<int64_t>()[i] = cpu::saturatingCast<int64_t>(v);
                break;
            case DataType::Bool:
                t.data<uint8_t>()[i] = v != 0.0 ? 1 : 0;
                break;
        }
    }
    return t;
}

void checkCast(const HostTensor& x, DataType to) {
    const std::string what =
        std::string("cast ") + toString(x.type()) + " to " + toString(to) + " of " + toString(x.dims());
    auto built = makeSingleLayerNetwork(CastParams{to}, {&x}, {true});
    ASSERT_TRUE(built.isOk()) << what << ": " << built.status().message();
    const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
    auto expected = runReference(*built->layer, {&x});
    ASSERT_TRUE(expected.isOk()) << what << ": " << expected.status().message();
    const Offer offer = enumerateKiln(cpu::fast::bestIsa(), config);
    const tactics::Tactic* tactic = offer.find("kiln:cast");
    ASSERT_NE(tactic, nullptr) << what << ": " << offer.skipReason("kiln:cast");
    auto actual = runTactic(*tactic, config, {&x});
    ASSERT_TRUE(actual.isOk()) << what << ": " << actual.status().message();
    const HostTensor& e = (*expected)[0];
    const HostTensor& a = (*actual)[0];
    ASSERT_EQ(a.type(), to) << what;
    ASSERT_EQ(a.byteSize(), e.byteSize()) << what;
    const size_t size = dataTypeSize(to);
    for (int64_t i = 0; i < e.elementCount(); ++i) {
        EXPECT_EQ(std::memcmp(a.bytes() + i * size, e.bytes() + i * size, size), 0)
            << what << ", element " << i;
    }
}

TEST(KilnCast, EveryPairOfTypesAsTheReference) {
    const double inf = std::numeric_limits<double>::infinity();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<double> values{0.0,   -0.0,   1.0,   -1.0,  2.7,    -2.7,  0.5,   -0.5,  127.9,
                                     128.0, -129.0, 255.0, 300.0, -300.0, 65504, 70000, 3.0e9, -3.0e9,
                                     1e20,  -1e20,  inf,   -inf,  nan,    1e-8,  33.25, -7.0};
    for (DataType from : kTypes) {
        const HostTensor x = tensorOf(from, values);
        for (DataType to : kTypes)
            checkCast(x, to);
    }
    // Integers beyond FP32's and the narrower integers' ranges: rounding into floats, wrapping into ints.
    HostTensor longs(DataType::Int64, {6});
    const int64_t big[] = {(int64_t(1) << 40) + 1,
                           -(int64_t(1) << 53) - 3,
                           std::numeric_limits<int64_t>::max(),
                           std::numeric_limits<int64_t>::min(),
                           4294967297LL,
                           -129};
    std::memcpy(longs.bytes(), big, sizeof big);
    for (DataType to : kTypes)
        checkCast(longs, to);
}

TEST(KilnCast, LargeTensorsOnTheThreads) {
    std::mt19937 rng(90);
    HostTensor x = randomTensor({4, 64, 1000}, rng, -1000.0f, 1000.0f);
    checkCast(x, DataType::Int32);
    checkCast(x, DataType::Float16);
    HostTensor ints(DataType::Int64, {3, 50000});
    for (int64_t i = 0; i < ints.elementCount(); ++i)
        ints.data<int64_t>()[i] = i * 7919 - 100000;
    checkCast(ints, DataType::Float32);
}

TEST(KilnCast, RefusesOtherFormats) {
    std::mt19937 rng(91);
    const HostTensor x = randomTensor({1, 16, 4, 4}, rng);
    EXPECT_EQ(
        skipReasonFor(CastParams{DataType::Int32}, {&x}, {true}, TensorFormat::blocked(16), "kiln:cast"),
        "runs linear tensors stored in their own types only");
}

}  // namespace
}  // namespace kiln::test

// Tests of the Pooling and LRN reference kernels and their shape inference. The pooling oracle gets its
// output extents from floating-point floor/ceil and its average divisors from per-axis window lengths
// (the way PyTorch writes them), instead of the kernel's integer extents and per-tap counting.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/reference/compute_layer_runner.h"
#include "support/test_util.h"

namespace kiln::test {
namespace {

PoolingParams poolParams(PoolingType type, std::vector<int64_t> kernel, std::vector<int64_t> strides,
                         std::vector<int64_t> pads, std::vector<int64_t> dilations, bool ceilMode,
                         bool countIncludePad) {
    PoolingParams p;
    p.type = type;
    p.kernel = std::move(kernel);
    p.strides = std::move(strides);
    p.pads = std::move(pads);
    p.dilations = std::move(dilations);
    p.ceilMode = ceilMode;
    p.countIncludePad = countIncludePad;
    return p;
}

HostTensor poolOracle(const HostTensor& x, const PoolingParams& p) {
    const Dims& dims = x.dims();
    const size_t spatial = dims.size() - 2;
    Dims outDims{dims[0], dims[1]};
    for (size_t a = 0; a < spatial; ++a) {
        const double span =
            double(dims[a + 2] + p.pads[a] + p.pads[a + spatial] - (p.kernel[a] - 1) * p.dilations[a] - 1);
        const double steps = span / double(p.strides[a]);
        int64_t extent = int64_t(p.ceilMode ? std::ceil(steps) : std::floor(steps)) + 1;
        if (p.ceilMode && (extent - 1) * p.strides[a] - p.pads[a] >= dims[a + 2])
            --extent;
        outDims.push_back(extent);
    }
    const Dims inSpatial(dims.begin() + 2, dims.end());
    const Dims outSpatial(outDims.begin() + 2, outDims.end());
    const Dims kernel(p.kernel.begin(), p.kernel.end());
    const int64_t inCount = volume(inSpatial), outCount = volume(outSpatial), taps = volume(kernel);
    HostTensor y(DataType::Float32, outDims);
    for (int64_t plane = 0; plane < dims[0] * dims[1]; ++plane) {
        for (int64_t o = 0; o < outCount; ++o) {
            std::vector<int64_t> start(spatial);
            for (size_t a = spatial, rest = size_t(o); a-- > 0;) {
                start[a] = int64_t(rest % size_t(outSpatial[a])) * p.strides[a] - p.pads[a];
                rest /= size_t(outSpatial[a]);
            }
            std::vector<float> values;
            for (int64_t t = 0; t < taps; ++t) {
                int64_t index = 0;
                bool inside = true;
                for (size_t a = 0; a < spatial; ++a) {
                    int64_t stride = 1;
                    for (size_t b = a + 1; b < spatial; ++b)
                        stride *= kernel[b];
                    const int64_t tap = (t / stride) % kernel[a];
                    const int64_t pos = start[a] + tap * p.dilations[a];
                    inside = inside && pos >= 0 && pos < inSpatial[a];
                    index = index * inSpatial[a] + pos;
                }
                if (inside)
                    values.push_back(x.data<float>()[plane * inCount + index]);
            }
            double result = 0.0;
            if (p.type == PoolingType::Max) {
                result = values.empty() ? -std::numeric_limits<double>::infinity()
                                        : *std::max_element(values.begin(), values.end());
            } else {
                double divisor = 1.0;
                for (size_t a = 0; a < spatial; ++a) {
                    const int64_t end = start[a] + p.kernel[a];
                    divisor *= p.countIncludePad
                                   ? double(std::min(end, inSpatial[a] + p.pads[a + spatial]) - start[a])
                                   : double(std::min(end, inSpatial[a]) - std::max<int64_t>(start[a], 0));
                }
                double sum = 0.0;
                for (float v : values)
                    sum += v;
                result = sum / divisor;
            }
            y.data<float>()[plane * outCount + o] = static_cast<float>(result);
        }
    }
    return y;
}

void expectPoolMatchesOracle(const Dims& xDims, const PoolingParams& p, uint32_t seed) {
    const HostTensor x = randomTensor(xDims, seed);
    auto result = runComputeLayer(p, {&x});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    // Maxima are copied exactly; averages are double sums divided and rounded once on both sides.
    EXPECT_EQ(compareTensors(result->at(0), poolOracle(x, p), 1e-6, 1e-7), "");
}

TEST(PoolingReference, HandComputedMax) {
    const HostTensor x = floatTensor({1, 1, 4, 4}, {1, 5, 2, 0, 3, 4, 8, 1, -1, -2, -3, -4, 0, -5, 6, 7});
    auto result = runComputeLayer(
        poolParams(PoolingType::Max, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}, false, false), {&x});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(compareTensors(result->at(0), floatTensor({1, 1, 2, 2}, {5, 8, 0, 7}), 0.0, 0.0), "");
}

TEST(PoolingReference, HandComputedMaxIgnoresPadding) {
    // All inputs are negative; a zero padding value would win if padding took part.
    const HostTensor x = floatTensor({1, 1, 1, 3}, {-3, -1, -2});
    auto result = runComputeLayer(
        poolParams(PoolingType::Max, {1, 2}, {1, 1}, {0, 1, 0, 1}, {1, 1}, false, false), {&x});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(compareTensors(result->at(0), floatTensor({1, 1, 1, 4}, {-3, -1, -1, -2}), 0.0, 0.0), "");
}

TEST(PoolingReference, HandComputedAverageWithAndWithoutPadCount) {
    const HostTensor x = floatTensor({1, 1, 2, 2}, {1, 2, 3, 4});
    auto excluded = runComputeLayer(
        poolParams(PoolingType::Average, {2, 2}, {1, 1}, {1, 1, 1, 1}, {1, 1}, false, false), {&x});
    ASSERT_TRUE(excluded.isOk()) << excluded.status().message();
    EXPECT_EQ(compareTensors(excluded->at(0), floatTensor({1, 1, 3, 3}, {1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4}),
                             0.0, 0.0),
              "");
    auto included = runComputeLayer(
        poolParams(PoolingType::Average, {2, 2}, {1, 1}, {1, 1, 1, 1}, {1, 1}, false, true), {&x});
    ASSERT_TRUE(included.isOk()) << included.status().message();
    EXPECT_EQ(compareTensors(included->at(0),
                             floatTensor({1, 1, 3, 3}, {0.25f, 0.75f, 0.5f, 1, 2.5f, 1.5f, 0.75f, 1.75f, 1}),
                             0.0, 0.0),
              "");
}

TEST(PoolingReference, HandComputedCeilModeWindows) {
    // Five inputs, kernel 2, stride 2: ceil mode adds a last window holding only x[4].
    const HostTensor x = floatTensor({1, 1, 5}, {1, 2, 3, 4, 10});
    auto floorMode =
        runComputeLayer(poolParams(PoolingType::Average, {2}, {2}, {0, 0}, {1}, false, true), {&x});
    ASSERT_TRUE(floorMode.isOk()) << floorMode.status().message();
    EXPECT_EQ(compareTensors(floorMode->at(0), floatTensor({1, 1, 2}, {1.5f, 3.5f}), 0.0, 0.0), "");
    // The partial window beyond the input is not padding, so even countIncludePad divides by 1.
    auto ceilMode =
        runComputeLayer(poolParams(PoolingType::Average, {2}, {2}, {0, 0}, {1}, true, true), {&x});
    ASSERT_TRUE(ceilMode.isOk()) << ceilMode.status().message();
    EXPECT_EQ(compareTensors(ceilMode->at(0), floatTensor({1, 1, 3}, {1.5f, 3.5f, 10}), 0.0, 0.0), "");
    // With pads 1 and 1, ceil((5 + 2 - 2) / 2) + 1 = 4 windows, but the fourth would start at 5, in the
    // right padding, so it is dropped.
    auto trimmed = runComputeLayer(poolParams(PoolingType::Max, {2}, {2}, {1, 1}, {1}, true, false), {&x});
    ASSERT_TRUE(trimmed.isOk()) << trimmed.status().message();
    EXPECT_EQ(compareTensors(trimmed->at(0), floatTensor({1, 1, 3}, {1, 3, 10}), 0.0, 0.0), "");
}

TEST(PoolingReference, MatchesOracleMax) {
    expectPoolMatchesOracle(
        {2, 3, 9, 8}, poolParams(PoolingType::Max, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, false, false), 10);
    expectPoolMatchesOracle(
        {1, 2, 11, 10}, poolParams(PoolingType::Max, {3, 2}, {2, 3}, {2, 0, 1, 1}, {2, 1}, true, false), 20);
    expectPoolMatchesOracle({1, 3, 13}, poolParams(PoolingType::Max, {4}, {3}, {1, 2}, {2}, true, false), 30);
    expectPoolMatchesOracle(
        {1, 2, 5, 6, 7},
        poolParams(PoolingType::Max, {2, 3, 2}, {2, 2, 1}, {1, 0, 1, 0, 1, 1}, {1, 1, 2}, false, false), 40);
}

TEST(PoolingReference, MatchesOracleAverage) {
    for (bool includePad : {false, true}) {
        for (bool ceilMode : {false, true}) {
            SCOPED_TRACE(std::string("countIncludePad ") + (includePad ? "on" : "off") + ", ceilMode " +
                         (ceilMode ? "on" : "off"));
            expectPoolMatchesOracle(
                {2, 3, 10, 9},
                poolParams(PoolingType::Average, {3, 2}, {2, 3}, {1, 0, 2, 1}, {1, 1}, ceilMode, includePad),
                50);
            expectPoolMatchesOracle(
                {1, 2, 12}, poolParams(PoolingType::Average, {5}, {3}, {2, 1}, {1}, ceilMode, includePad),
                60);
            expectPoolMatchesOracle({1, 2, 5, 6, 7},
                                    poolParams(PoolingType::Average, {3, 3, 2}, {2, 2, 2}, {1, 1, 0, 1, 0, 1},
                                               {1, 1, 1}, ceilMode, includePad),
                                    70);
        }
    }
}

TEST(PoolingReference, GlobalAverageOverWholePlane) {
    const HostTensor x = randomTensor({1, 4, 7, 7}, 80);
    auto result = runComputeLayer(
        poolParams(PoolingType::Average, {7, 7}, {1, 1}, {0, 0, 0, 0}, {1, 1}, false, false), {&x});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    ASSERT_EQ(result->at(0).dims(), (Dims{1, 4, 1, 1}));
    for (int64_t c = 0; c < 4; ++c) {
        double sum = 0.0;
        for (int64_t i = 0; i < 49; ++i)
            sum += x.data<float>()[c * 49 + i];
        EXPECT_NEAR(result->at(0).data<float>()[c], sum / 49.0, 1e-7);
    }
}

void expectPoolError(const Dims& xDims, const PoolingParams& p, const std::string& fragment) {
    const HostTensor x(DataType::Float32, xDims);
    auto result = runComputeLayer(p, {&x});
    ASSERT_FALSE(result.isOk());
    EXPECT_EQ(result.status().code(), StatusCode::InvalidModel) << result.status().message();
    EXPECT_NE(result.status().message().find(fragment), std::string::npos) << result.status().message();
}

TEST(PoolingShapeInference, RejectsBadParameters) {
    expectPoolError({1, 1, 8, 8},
                    poolParams(PoolingType::Max, {3}, {1, 1}, {0, 0, 0, 0}, {1, 1}, false, false),
                    "kernel has 1 entries");
    expectPoolError({1, 1, 8, 8},
                    poolParams(PoolingType::Max, {3, 3}, {1, 1}, {0, 0, 0, 0}, {1}, false, false),
                    "dilations has 1 entries");
    expectPoolError({1, 1, 8, 8},
                    poolParams(PoolingType::Max, {3, 3}, {0, 1}, {0, 0, 0, 0}, {1, 1}, false, false),
                    "strides 0,1");
    expectPoolError({1, 1, 8, 8},
                    poolParams(PoolingType::Average, {2, 2}, {1, 1}, {2, 0, 0, 0}, {1, 1}, false, false),
                    "not smaller than the kernel extent 2");
    expectPoolError({1, 1, 3, 3},
                    poolParams(PoolingType::Max, {5, 5}, {1, 1}, {0, 0, 0, 0}, {1, 1}, false, false),
                    "output would be empty");
    expectPoolError({1, 8}, poolParams(PoolingType::Max, {}, {}, {}, {}, false, false),
                    "1 to 3 spatial axes");
}

TEST(PoolingShapeInference, OutputExtents) {
    const HostTensor x(DataType::Float32, {1, 64, 112, 112});
    auto result = runComputeLayer(
        poolParams(PoolingType::Max, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, false, false), {&x});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(result->at(0).dims(), (Dims{1, 64, 56, 56}));
}

LrnParams lrnParams(int64_t size, float alpha, float beta, float bias) {
    LrnParams p;
    p.size = size;
    p.alpha = alpha;
    p.beta = beta;
    p.bias = bias;
    return p;
}

TEST(LrnReference, HandComputedOddAndEvenWindows) {
    const HostTensor x = floatTensor({1, 3, 1, 1}, {1, 2, 3});
    // size 3: channels c-1..c+1; alpha / size = 1, beta 1, bias 1: y = x / (1 + sum of squares).
    auto odd = runComputeLayer(lrnParams(3, 3.0f, 1.0f, 1.0f), {&x});
    ASSERT_TRUE(odd.isOk()) << odd.status().message();
    EXPECT_EQ(
        compareTensors(odd->at(0), floatTensor({1, 3, 1, 1}, {1.0f / 6, 2.0f / 15, 3.0f / 14}), 1e-6, 0.0),
        "");
    // size 2: floor(1/2) = 0 channels below, ceil(1/2) = 1 above.
    auto even = runComputeLayer(lrnParams(2, 2.0f, 1.0f, 1.0f), {&x});
    ASSERT_TRUE(even.isOk()) << even.status().message();
    EXPECT_EQ(
        compareTensors(even->at(0), floatTensor({1, 3, 1, 1}, {1.0f / 6, 2.0f / 14, 3.0f / 10}), 1e-6, 0.0),
        "");
}

TEST(LrnReference, MatchesFormula) {
    const HostTensor x = randomTensor({2, 7, 3, 4}, 90, -2.0f, 2.0f);
    const LrnParams p = lrnParams(4, 1e-2f, 0.75f, 2.0f);
    auto result = runComputeLayer(p, {&x});
    ASSERT_TRUE(result.isOk()) << result.status().message();
    HostTensor expected(DataType::Float32, x.dims());
    const int64_t channels = 7, inner = 12;
    for (int64_t i = 0; i < x.elementCount(); ++i) {
        const int64_t c = (i / inner) % channels;
        const int64_t base = i - c * inner;
        double squares = 0.0;
        for (int64_t j = c - int64_t(std::floor((p.size - 1) / 2.0));
             j <= c + int64_t(std::ceil((p.size - 1) / 2.0)); ++j) {
            if (j >= 0 && j < channels)
                squares += double(x.data<float>()[base + j * inner]) * x.data<float>()[base + j * inner];
        }
        expected.data<float>()[i] =
            static_cast<float>(x.data<float>()[i] / std::pow(p.bias + p.alpha / p.size * squares, p.beta));
    }
    // alpha / size is formed in float by the formula here and in double by the kernel.
    EXPECT_EQ(compareTensors(result->at(0), expected, 1e-6, 1e-7), "");
}

}  // namespace
}  // namespace kiln::test

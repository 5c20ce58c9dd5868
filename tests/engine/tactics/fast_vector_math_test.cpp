// Accuracy of the SIMD exp, sigmoid, tanh and erf the Kiln pointwise kernels use, measured against the
// double-precision result rounded to float over a dense sweep of [-110, 110] (overflow, subnormal
// results and saturation included) and the special values. The bounds are what the pointwise tests'
// tolerances are derived from.
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "backends/cpu/fast/fast_pointwise.h"
#include "fast_test_helpers.h"

namespace kiln::test {
namespace {

using cpu::fast::Isa;
using cpu::fast::VectorFunction;

std::vector<float> sweep() {
    std::vector<float> xs;
    // 2^-7 steps with a prime-ish jitter, so that many fraction bits are exercised.
    for (int i = -110 * 128; i <= 110 * 128; ++i) xs.push_back(float(i) / 128.0f + float(i % 7) * 1.1e-3f);
    // Small magnitudes, where tanh and exp - 1 are delicate.
    for (float x = 1e-6f; x < 1.0f; x *= 1.01f) {
        xs.push_back(x);
        xs.push_back(-x);
    }
    for (float special : {0.0f, -0.0f, 88.72f, 88.73f, -87.33f, -103.9f, -104.5f, 1e30f, -1e30f})
        xs.push_back(special);
    return xs;
}

double exactOf(VectorFunction function, double x) {
    switch (function) {
        case VectorFunction::Exp: return std::exp(x);
        case VectorFunction::Sigmoid: return 1.0 / (1.0 + std::exp(-x));
        case VectorFunction::Tanh: return std::tanh(x);
        case VectorFunction::Erf: return std::erf(x);
    }
    return 0.0;
}

// Largest distance in ulp from the correctly rounded result; results below the smallest normal float
// are compared absolutely (a subnormal result has fewer significant bits than its ulp count suggests).
int64_t worstUlp(Isa isa, VectorFunction function, const std::vector<float>& xs) {
    std::vector<float> ys(xs.size());
    cpu::fast::evaluateVectorFunction(isa, function, xs.data(), ys.data(), int64_t(xs.size()));
    int64_t worst = 0;
    for (size_t i = 0; i < xs.size(); ++i) {
        const float expected = float(exactOf(function, double(xs[i])));
        if (std::fabs(expected) < std::numeric_limits<float>::min()) {
            EXPECT_LE(std::fabs(ys[i] - expected), std::numeric_limits<float>::min()) << "x = " << xs[i];
            continue;
        }
        const int64_t ulp = ulpDistance(ys[i], expected);
        EXPECT_LE(ulp, 8) << "x = " << xs[i] << " gives " << ys[i] << ", expected " << expected;
        worst = std::max(worst, ulp);
    }
    return worst;
}

TEST(KilnVectorMath, ExpSigmoidTanhWithinFewUlpOnEveryInstructionSet) {
    const std::vector<float> xs = sweep();
    for (Isa isa : testedIsas()) {
        SCOPED_TRACE(cpu::fast::isaName(isa));
        const int64_t exp = worstUlp(isa, VectorFunction::Exp, xs);
        const int64_t sigmoid = worstUlp(isa, VectorFunction::Sigmoid, xs);
        const int64_t tanh = worstUlp(isa, VectorFunction::Tanh, xs);
        std::printf("[ %s ] worst ulp: exp %lld, sigmoid %lld, tanh %lld\n", cpu::fast::isaName(isa),
                    (long long)exp, (long long)sigmoid, (long long)tanh);
        EXPECT_LE(exp, 2);
        EXPECT_LE(sigmoid, 3);
        EXPECT_LE(tanh, 3);
    }
}

// Erf (what GELU's erf form runs on): the fits' own error is below 0.03 ulp; rounding in the float
// Horner steps and the product with x leave at most 2.3 ulp below |x| = 1 (simulated in double before
// it was written), and above it exp's 2 ulp are scaled down by 1 - erf <= 0.16: 3 ulp is the bound.
TEST(KilnVectorMath, ErfWithinFewUlpOnEveryInstructionSet) {
    std::vector<float> xs;
    for (int i = -6 * 4096; i <= 6 * 4096; ++i) xs.push_back(float(i) / 4096.0f + float(i % 5) * 3.7e-5f);
    for (float x = 1e-30f; x < 1.0f; x *= 1.02f) {
        xs.push_back(x);
        xs.push_back(-x);
    }
    for (Isa isa : testedIsas()) {
        SCOPED_TRACE(cpu::fast::isaName(isa));
        const int64_t erf = worstUlp(isa, VectorFunction::Erf, xs);
        std::printf("[ %s ] worst ulp: erf %lld\n", cpu::fast::isaName(isa), (long long)erf);
        EXPECT_LE(erf, 3);
        const float inf = std::numeric_limits<float>::infinity();
        const std::vector<float> special{inf, -inf, std::numeric_limits<float>::quiet_NaN(), 0.0f, -0.0f, 4.0f, 30.0f, -1e30f};
        std::vector<float> y(special.size());
        cpu::fast::evaluateVectorFunction(isa, VectorFunction::Erf, special.data(), y.data(), int64_t(special.size()));
        EXPECT_EQ(y[0], 1.0f);
        EXPECT_EQ(y[1], -1.0f);
        EXPECT_TRUE(std::isnan(y[2]));
        EXPECT_EQ(std::bit_cast<uint32_t>(y[3]), 0u);
        EXPECT_EQ(std::bit_cast<uint32_t>(y[4]), 0x80000000u) << "erf(-0) is -0";
        EXPECT_EQ(y[5], 1.0f);
        EXPECT_EQ(y[6], 1.0f);
        EXPECT_EQ(y[7], -1.0f);
    }
}

TEST(KilnVectorMath, SpecialValues) {
    const float inf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> xs{inf, -inf, nan, 89.0f, -110.0f, 0.0f};
    for (Isa isa : testedIsas()) {
        SCOPED_TRACE(cpu::fast::isaName(isa));
        std::vector<float> y(xs.size());
        cpu::fast::evaluateVectorFunction(isa, VectorFunction::Exp, xs.data(), y.data(), int64_t(xs.size()));
        EXPECT_EQ(y[0], inf);
        EXPECT_EQ(y[1], 0.0f);
        EXPECT_TRUE(std::isnan(y[2]));
        EXPECT_EQ(y[3], inf);
        EXPECT_EQ(y[4], 0.0f);
        EXPECT_EQ(y[5], 1.0f);
        cpu::fast::evaluateVectorFunction(isa, VectorFunction::Sigmoid, xs.data(), y.data(), int64_t(xs.size()));
        EXPECT_EQ(y[0], 1.0f);
        EXPECT_EQ(y[1], 0.0f);
        EXPECT_TRUE(std::isnan(y[2]));
        EXPECT_EQ(y[5], 0.5f);
        cpu::fast::evaluateVectorFunction(isa, VectorFunction::Tanh, xs.data(), y.data(), int64_t(xs.size()));
        EXPECT_EQ(y[0], 1.0f);
        EXPECT_EQ(y[1], -1.0f);
        EXPECT_TRUE(std::isnan(y[2]));
        EXPECT_EQ(y[3], 1.0f);
        EXPECT_EQ(y[4], -1.0f);
        EXPECT_EQ(y[5], 0.0f);
    }
}

}  // namespace
}  // namespace kiln::test

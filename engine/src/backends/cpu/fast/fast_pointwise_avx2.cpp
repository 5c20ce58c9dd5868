// The pointwise step runner compiled for AVX2 and FMA (8 floats per vector, masked tails).
#include <immintrin.h>

#include <cstdint>

#include "backends/cpu/fast/fast_pointwise.h"
#include "backends/cpu/scalar_math.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma")
#if defined(__clang__)  // clang ignores GCC's target pragma
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#endif
#pragma GCC optimize("fp-contract=off")
// Functions taking vectors have another ABI without AVX: all of them are local to this file.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

namespace kiln::cpu::fast {
namespace {

struct Avx2 {
    using V = __m256;
    using M = __m256;
    static constexpr int64_t W = 8;

    static __m256i tail(int64_t n) {
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    static V load(const float* p) { return _mm256_loadu_ps(p); }
    static V loadPartial(const float* p, int64_t n) { return _mm256_maskload_ps(p, tail(n)); }
    static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
    static void storePartial(float* p, V v, int64_t n) { _mm256_maskstore_ps(p, tail(n), v); }
    static V set1(float x) { return _mm256_set1_ps(x); }
    static V zero() { return _mm256_setzero_ps(); }

    static V add(V a, V b) { return _mm256_add_ps(a, b); }
    static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
    static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
    static V div(V a, V b) { return _mm256_div_ps(a, b); }
    static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
    static V fnma(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }
    static V sqrt(V a) { return _mm256_sqrt_ps(a); }
    static V floor(V a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
    static V ceil(V a) { return _mm256_round_ps(a, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); }
    static V roundNearest(V a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
    static V abs(V a) { return _mm256_and_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff))); }
    static V neg(V a) { return _mm256_xor_ps(a, _mm256_set1_ps(-0.0f)); }
    static V copySign(V magnitude, V sign) {
        const V bit = _mm256_set1_ps(-0.0f);
        return _mm256_or_ps(abs(magnitude), _mm256_and_ps(sign, bit));
    }
    // p * 2^n for integral |n| <= 150 as p * 2^(n/2) * 2^(n - n/2): both factors are normal floats, the
    // first product is exact and the second rounds once, so subnormal results round correctly.
    static V pow2n(V p, V n) {
        const __m256i whole = _mm256_cvtps_epi32(n);
        const __m256i half = _mm256_srai_epi32(whole, 1);
        const __m256i rest = _mm256_sub_epi32(whole, half);
        const __m256i bias = _mm256_set1_epi32(127);
        const V first = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, bias), 23));
        const V second = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(rest, bias), 23));
        return _mm256_mul_ps(_mm256_mul_ps(p, first), second);
    }

    static M lt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
    static M le(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
    static M gt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
    static M isNan(V a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
    static M orMask(M a, M b) { return _mm256_or_ps(a, b); }
    // m ? a : b, lane by lane.
    static V select(M m, V a, V b) { return _mm256_blendv_ps(b, a, m); }
};

}  // namespace
}  // namespace kiln::cpu::fast

#include "backends/cpu/fast/fast_pointwise_simd.h"

namespace kiln::cpu::fast {

void runStepsAvx2(const PointwiseStep* steps, size_t count, const float* source, float* target, int64_t n,
                  const TileOperand* operands) {
    simd::runSteps<Avx2>(steps, count, source, target, n, operands);
}

void evaluateAvx2(VectorFunction function, const float* source, float* target, int64_t n) {
    simd::evaluate<Avx2>(function, source, target, n);
}

void widenBf16Avx2(const uint16_t* from, float* to, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i halves = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(from + i)));
        _mm256_storeu_ps(to + i, _mm256_castsi256_ps(_mm256_slli_epi32(halves, 16)));
    }
    widenBf16Scalar(from + i, to + i, n - i);
}

void widenInt8Avx2(const int8_t* from, float scale, float* to, int64_t n) {
    const __m256 factor = _mm256_set1_ps(scale);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i values = _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(from + i)));
        _mm256_storeu_ps(to + i, _mm256_mul_ps(_mm256_cvtepi32_ps(values), factor));
    }
    widenInt8Scalar(from + i, scale, to + i, n - i);
}

void narrowInt8Avx2(const float* from, float inverse, int8_t* to, int64_t n) {
    const __m256 factor = _mm256_set1_ps(inverse);
    const __m256 low = _mm256_set1_ps(-127.0f);
    const __m256 high = _mm256_set1_ps(127.0f);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 q = _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(from + i), factor),
                                         _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        const __m256 number = _mm256_cmp_ps(q, q, _CMP_ORD_Q);
        const __m256 clamped = _mm256_and_ps(number, _mm256_min_ps(_mm256_max_ps(q, low), high));
        const __m256i values = _mm256_cvtps_epi32(clamped);
        const __m128i halves = _mm_packs_epi32(_mm256_castsi256_si128(values), _mm256_extracti128_si256(values, 1));
        _mm_storel_epi64(reinterpret_cast<__m128i*>(to + i), _mm_packs_epi16(halves, halves));
    }
    narrowInt8Scalar(from + i, inverse, to + i, n - i);
}

void narrowBf16Avx2(const float* from, uint16_t* to, int64_t n) {
    const __m256i bias = _mm256_set1_epi32(0x7fff);
    const __m256i one = _mm256_set1_epi32(1);
    const __m256i quiet = _mm256_set1_epi32(0x0040);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(from + i);
        const __m256i bits = _mm256_castps_si256(v);
        const __m256i high = _mm256_srli_epi32(bits, 16);
        const __m256i rounded = _mm256_srli_epi32(
            _mm256_add_epi32(bits, _mm256_add_epi32(bias, _mm256_and_si256(high, one))), 16);
        const __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
        const __m256i result = _mm256_castps_si256(_mm256_blendv_ps(
            _mm256_castsi256_ps(rounded), _mm256_castsi256_ps(_mm256_or_si256(high, quiet)), nan));
        // Every lane is below 2^16: packing with unsigned saturation keeps it; the pack works per
        // 128-bit half, so the two middle quarters change places.
        const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(result, result), 0xd8);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(to + i), _mm256_castsi256_si128(packed));
    }
    narrowBf16Scalar(from + i, to + i, n - i);
}

}  // namespace kiln::cpu::fast

#pragma GCC diagnostic pop
#if defined(__clang__)
#pragma clang attribute pop
#endif
#pragma GCC pop_options

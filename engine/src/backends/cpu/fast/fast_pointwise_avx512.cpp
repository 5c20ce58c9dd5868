// The pointwise step runner compiled for AVX-512F (16 floats per vector, masked tails).
#include <immintrin.h>

#include <cstdint>

#include "backends/cpu/fast/fast_pointwise.h"
#include "backends/cpu/scalar_math.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#if defined(__clang__)  // clang ignores GCC's target pragma
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#endif
#pragma GCC optimize("fp-contract=off")
// GCC 12 reports the deliberately undefined pass-through operand of the masked AVX-512 builtins, and
// warns that functions taking vectors have another ABI without AVX: all of them are local to this file.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wpsabi"

namespace kiln::cpu::fast {
namespace {

struct Avx512 {
    using V = __m512;
    using M = __mmask16;
    static constexpr int64_t W = 16;

    static M tail(int64_t n) { return M((1u << n) - 1u); }
    static V load(const float* p) { return _mm512_loadu_ps(p); }
    static V loadPartial(const float* p, int64_t n) { return _mm512_maskz_loadu_ps(tail(n), p); }
    static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
    static void storePartial(float* p, V v, int64_t n) { _mm512_mask_storeu_ps(p, tail(n), v); }
    static V set1(float x) { return _mm512_set1_ps(x); }
    static V zero() { return _mm512_setzero_ps(); }

    static V add(V a, V b) { return _mm512_add_ps(a, b); }
    static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
    static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
    static V div(V a, V b) { return _mm512_div_ps(a, b); }
    static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
    static V fnma(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }
    static V sqrt(V a) { return _mm512_sqrt_ps(a); }
    static V floor(V a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
    static V ceil(V a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC); }
    static V roundNearest(V a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
    static V abs(V a) {
        return _mm512_castsi512_ps(_mm512_and_epi32(_mm512_castps_si512(a), _mm512_set1_epi32(0x7fffffff)));
    }
    static V neg(V a) {
        return _mm512_castsi512_ps(_mm512_xor_epi32(_mm512_castps_si512(a), _mm512_set1_epi32(int(0x80000000u))));
    }
    static V copySign(V magnitude, V sign) {
        const __m512i bit = _mm512_set1_epi32(int(0x80000000u));
        return _mm512_castsi512_ps(_mm512_or_epi32(_mm512_castps_si512(abs(magnitude)),
                                                   _mm512_and_epi32(_mm512_castps_si512(sign), bit)));
    }
    // p * 2^n for integral n; vscalefps rounds once, so subnormal results are exact-rounded and large
    // n overflows to inf.
    static V pow2n(V p, V n) { return _mm512_scalef_ps(p, n); }

    static M lt(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
    static M le(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
    static M gt(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
    static M isNan(V a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
    static M orMask(M a, M b) { return M(a | b); }
    // m ? a : b, lane by lane.
    static V select(M m, V a, V b) { return _mm512_mask_blend_ps(m, b, a); }
};

}  // namespace
}  // namespace kiln::cpu::fast

#include "backends/cpu/fast/fast_pointwise_simd.h"

namespace kiln::cpu::fast {

void runStepsAvx512(const PointwiseStep* steps, size_t count, const float* source, float* target, int64_t n,
                    const TileOperand* operands) {
    simd::runSteps<Avx512>(steps, count, source, target, n, operands);
}

void evaluateAvx512(VectorFunction function, const float* source, float* target, int64_t n) {
    simd::evaluate<Avx512>(function, source, target, n);
}

void widenBf16Avx512(const uint16_t* from, float* to, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512i halves = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(from + i)));
        _mm512_storeu_ps(to + i, _mm512_castsi512_ps(_mm512_slli_epi32(halves, 16)));
    }
    widenBf16Scalar(from + i, to + i, n - i);
}

void widenInt8Avx512(const int8_t* from, float scale, float* to, int64_t n) {
    const __m512 factor = _mm512_set1_ps(scale);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512i values = _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(from + i)));
        _mm512_storeu_ps(to + i, _mm512_mul_ps(_mm512_cvtepi32_ps(values), factor));
    }
    widenInt8Scalar(from + i, scale, to + i, n - i);
}

void narrowInt8Avx512(const float* from, float inverse, int8_t* to, int64_t n) {
    const __m512 factor = _mm512_set1_ps(inverse);
    const __m512 low = _mm512_set1_ps(-127.0f);
    const __m512 high = _mm512_set1_ps(127.0f);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 q = _mm512_roundscale_ps(_mm512_mul_ps(_mm512_loadu_ps(from + i), factor),
                                              _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        const __mmask16 number = _mm512_cmp_ps_mask(q, q, _CMP_ORD_Q);
        const __m512 clamped = _mm512_maskz_mov_ps(number, _mm512_min_ps(_mm512_max_ps(q, low), high));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(to + i), _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(clamped)));
    }
    narrowInt8Scalar(from + i, inverse, to + i, n - i);
}

void narrowBf16Avx512(const float* from, uint16_t* to, int64_t n) {
    const __m512i bias = _mm512_set1_epi32(0x7fff);
    const __m512i one = _mm512_set1_epi32(1);
    const __m512i quiet = _mm512_set1_epi32(0x0040);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 v = _mm512_loadu_ps(from + i);
        const __m512i bits = _mm512_castps_si512(v);
        const __m512i high = _mm512_srli_epi32(bits, 16);
        const __m512i rounded = _mm512_srli_epi32(
            _mm512_add_epi32(bits, _mm512_add_epi32(bias, _mm512_and_si512(high, one))), 16);
        const __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
        const __m512i result = _mm512_mask_blend_epi32(nan, rounded, _mm512_or_si512(high, quiet));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(to + i), _mm512_cvtepi32_epi16(result));
    }
    narrowBf16Scalar(from + i, to + i, n - i);
}

}  // namespace kiln::cpu::fast

#pragma GCC diagnostic pop
#if defined(__clang__)
#pragma clang attribute pop
#endif
#pragma GCC pop_options

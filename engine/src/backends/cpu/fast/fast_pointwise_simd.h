// The pointwise step runner and its vector math, written once over a traits type S (vector type V,
// mask type M, width W and the operations on them) and compiled per instruction set: the including
// file defines S under `#pragma GCC target(...)` and `#pragma GCC optimize("fp-contract=off")`, the
// latter because a step must round exactly as the reference's separate multiply and add do (only the
// explicit S::fma calls in the exp / tanh polynomials fuse). Include only after every standard header.
//
// Arithmetic, comparisons, sqrt, floor and ceil are IEEE operations and match the reference bit for
// bit. Exp is Cephes' expf (Cody-Waite reduction by ln 2, degree-7 polynomial, 2^n scaling that keeps
// subnormal results), sigmoid and ELU/SELU are built on it, and tanh is Cephes' tanhf (odd polynomial
// below |x| = 0.625, 1 - 2 / (exp(2|x|) + 1) above): each is within a few ulp of the correctly rounded
// result, which the accuracy test measures; so is erf (a polynomial below 1, 1 - exp(-polynomial)
// above). Softplus, log and pow call the reference's scalar functions, so they match it exactly.

namespace kiln::cpu::fast::simd {

template <class S>
struct VectorMath {
    using V = typename S::V;

    static V exp(V x) {
        // Past these bounds the result is 0 or inf anyway; inside them 2^n has |n| <= 150. The selects
        // keep NaN (a comparison with NaN is false).
        x = S::select(S::lt(x, S::set1(-104.0f)), S::set1(-104.0f), x);
        x = S::select(S::gt(x, S::set1(89.0f)), S::set1(89.0f), x);
        const V n = S::roundNearest(S::mul(x, S::set1(1.44269504088896341f)));
        V r = S::fnma(n, S::set1(0.693359375f), x);
        r = S::fnma(n, S::set1(-2.12194440e-4f), r);
        const V z = S::mul(r, r);
        V y = S::set1(1.9875691500e-4f);
        y = S::fma(y, r, S::set1(1.3981999507e-3f));
        y = S::fma(y, r, S::set1(8.3334519073e-3f));
        y = S::fma(y, r, S::set1(4.1665795894e-2f));
        y = S::fma(y, r, S::set1(1.6666665459e-1f));
        y = S::fma(y, r, S::set1(5.0000001201e-1f));
        y = S::fma(y, z, r);
        y = S::add(y, S::set1(1.0f));
        return S::pow2n(y, n);
    }

    // 1 / (1 + exp(-x)), as the reference writes it.
    static V sigmoid(V x) {
        const V one = S::set1(1.0f);
        return S::div(one, S::add(one, exp(S::neg(x))));
    }

    static V tanh(V x) {
        const V ax = S::abs(x);
        const V s = S::mul(x, x);
        V p = S::set1(-5.70498872745e-3f);
        p = S::fma(p, s, S::set1(2.06390887954e-2f));
        p = S::fma(p, s, S::set1(-5.37397155531e-2f));
        p = S::fma(p, s, S::set1(1.33314422036e-1f));
        p = S::fma(p, s, S::set1(-3.33332819422e-1f));
        const V small = S::fma(S::mul(p, s), x, x);
        const V one = S::set1(1.0f);
        const V e = exp(S::add(ax, ax));
        const V large = S::sub(one, S::div(S::set1(2.0f), S::add(e, one)));
        return S::select(S::lt(ax, S::set1(0.625f)), small, S::copySign(large, x));
    }

    // erf: x * P(x^2) below |x| = 1, and 1 - exp(-Q(|x| - 2.5)) with the sign of x above, |x| taken as
    // 4 beyond 4 (1 - erf(3.92) is below half an ulp of 1, so the result is +-1 there, infinities
    // included). P (degree 6) fits erf(x) / x in x^2 on [0, 1] to a relative 1.6e-9, and Q (degree 11)
    // fits -log(erfc(t)) on [1, 4] to 3.6e-10: least squares on Chebyshev nodes. NaN stays NaN.
    static V erf(V x) {
        const V one = S::set1(1.0f);
        const V s = S::mul(x, x);
        V p = S::set1(7.933493907330558e-05f);
        p = S::fma(p, s, S::set1(-8.034846396185458e-04f));
        p = S::fma(p, s, S::set1(5.191218573600054e-03f));
        p = S::fma(p, s, S::set1(-2.685539983212948e-02f));
        p = S::fma(p, s, S::set1(1.128362566232681e-01f));
        p = S::fma(p, s, S::set1(-3.761262893676758e-01f));
        p = S::fma(p, s, S::set1(1.128379225730896e+00f));
        const V small = S::mul(p, x);
        const V ax = S::abs(x);
        const V four = S::set1(4.0f);
        const V u = S::sub(S::select(S::gt(ax, four), four, ax), S::set1(2.5f));
        V q = S::set1(-1.777465996610772e-08f);
        q = S::fma(q, u, S::set1(4.104852280306659e-08f));
        q = S::fma(q, u, S::set1(1.758091769943349e-07f));
        q = S::fma(q, u, S::set1(-1.844959570007632e-06f));
        q = S::fma(q, u, S::set1(1.272867666557431e-05f));
        q = S::fma(q, u, S::set1(-7.693984662182629e-05f));
        q = S::fma(q, u, S::set1(4.209505277685821e-04f));
        q = S::fma(q, u, S::set1(-2.165525685995817e-03f));
        q = S::fma(q, u, S::set1(1.085806731134653e-02f));
        q = S::fma(q, u, S::set1(9.438937306404114e-01f));
        q = S::fma(q, u, S::set1(5.352680683135986e+00f));
        q = S::fma(q, u, S::set1(7.806815147399902e+00f));
        const V large = S::copySign(S::sub(one, exp(S::neg(q))), x);
        const V result = S::select(S::lt(ax, one), small, large);
        return S::select(S::isNan(x), x, result);
    }
};

// dst[i] = f(src[i]) for i < n; the last partial vector is loaded and stored under a mask.
template <class S, class F>
inline void mapUnary(const float* src, float* dst, int64_t n, F f) {
    int64_t i = 0;
    for (; i + S::W <= n; i += S::W) S::store(dst + i, f(S::load(src + i)));
    if (i < n) S::storePartial(dst + i, f(S::loadPartial(src + i, n - i)), n - i);
}

template <class S, class F>
inline void mapBinary(const float* src, float* dst, int64_t n, TileOperand b, F f) {
    int64_t i = 0;
    for (; i + S::W <= n; i += S::W) S::store(dst + i, f(S::load(src + i), S::load(b.data + (i & b.mask))));
    if (i < n) {
        S::storePartial(dst + i, f(S::loadPartial(src + i, n - i), S::loadPartial(b.data + (i & b.mask), n - i)),
                        n - i);
    }
}

template <class S>
inline void scaleShift(const float* src, float* dst, int64_t n, TileOperand scale, TileOperand shift) {
    int64_t i = 0;
    for (; i + S::W <= n; i += S::W) {
        const auto v = S::mul(S::load(src + i), S::load(scale.data + (i & scale.mask)));
        S::store(dst + i, S::add(v, S::load(shift.data + (i & shift.mask))));
    }
    if (i < n) {
        const int64_t rest = n - i;
        const auto v = S::mul(S::loadPartial(src + i, rest), S::loadPartial(scale.data + (i & scale.mask), rest));
        S::storePartial(dst + i, S::add(v, S::loadPartial(shift.data + (i & shift.mask), rest)), rest);
    }
}

template <class S>
void activation(const ActivationParams& p, const float* src, float* dst, int64_t n) {
    using V = typename S::V;
    using Math = VectorMath<S>;
    const V zero = S::zero();
    const V one = S::set1(1.0f);
    const V alpha = S::set1(p.alpha);
    const V beta = S::set1(p.beta);
    switch (p.type) {
        case ActivationType::Relu:
            mapUnary<S>(src, dst, n, [&](V x) { return S::select(S::gt(x, zero), x, zero); });
            return;
        case ActivationType::LeakyRelu:
            mapUnary<S>(src, dst, n, [&](V x) { return S::select(S::lt(x, zero), S::mul(alpha, x), x); });
            return;
        case ActivationType::Sigmoid:
            mapUnary<S>(src, dst, n, [&](V x) { return Math::sigmoid(x); });
            return;
        case ActivationType::Tanh:
            mapUnary<S>(src, dst, n, [&](V x) { return Math::tanh(x); });
            return;
        case ActivationType::Clip:
            // std::min(std::max(x, alpha), beta): NaN passes through both.
            mapUnary<S>(src, dst, n, [&](V x) {
                const V low = S::select(S::lt(x, alpha), alpha, x);
                return S::select(S::lt(beta, low), beta, low);
            });
            return;
        case ActivationType::HardSigmoid:
            mapUnary<S>(src, dst, n, [&](V x) {
                const V y = S::add(S::mul(alpha, x), beta);
                const V high = S::select(S::lt(y, one), y, one);
                return S::select(S::lt(zero, high), high, zero);
            });
            return;
        case ActivationType::HardSwish: {
            const V six = S::set1(6.0f);
            const V half = S::set1(0.5f);
            mapUnary<S>(src, dst, n, [&](V x) {
                const V y = S::add(S::div(x, six), half);
                const V high = S::select(S::lt(y, one), y, one);
                return S::mul(x, S::select(S::lt(zero, high), high, zero));
            });
            return;
        }
        case ActivationType::Elu:
            mapUnary<S>(src, dst, n, [&](V x) {
                return S::select(S::lt(x, zero), S::mul(alpha, S::sub(Math::exp(x), one)), x);
            });
            return;
        case ActivationType::Selu:
            mapUnary<S>(src, dst, n, [&](V x) {
                const V negative = S::mul(beta, S::sub(S::mul(alpha, Math::exp(x)), alpha));
                return S::select(S::le(x, zero), negative, S::mul(beta, x));
            });
            return;
        case ActivationType::Gelu: {
            const V half = S::set1(0.5f);
            const V rootHalf = S::set1(0.70710678118654752f);
            mapUnary<S>(src, dst, n, [&](V x) { return S::mul(S::mul(half, x), S::add(one, Math::erf(S::mul(x, rootHalf)))); });
            return;
        }
        case ActivationType::GeluTanh: {
            const V half = S::set1(0.5f);
            const V rootTwoOverPi = S::set1(0.79788456080286536f);
            const V cubic = S::set1(0.044715f);
            mapUnary<S>(src, dst, n, [&](V x) {
                const V inner = S::mul(rootTwoOverPi, S::fma(S::mul(cubic, x), S::mul(x, x), x));
                return S::mul(S::mul(half, x), S::add(one, Math::tanh(inner)));
            });
            return;
        }
        case ActivationType::Softplus:
            break;
    }
    for (int64_t i = 0; i < n; ++i) dst[i] = applyActivation(p, src[i]);
}

template <class S>
void unary(UnaryOp op, const float* src, float* dst, int64_t n) {
    using V = typename S::V;
    switch (op) {
        case UnaryOp::Exp:
            mapUnary<S>(src, dst, n, [](V x) { return VectorMath<S>::exp(x); });
            return;
        case UnaryOp::Sqrt:
            mapUnary<S>(src, dst, n, [](V x) { return S::sqrt(x); });
            return;
        case UnaryOp::Abs:
            mapUnary<S>(src, dst, n, [](V x) { return S::abs(x); });
            return;
        case UnaryOp::Neg:
            mapUnary<S>(src, dst, n, [](V x) { return S::neg(x); });
            return;
        case UnaryOp::Reciprocal: {
            const V one = S::set1(1.0f);
            mapUnary<S>(src, dst, n, [&](V x) { return S::div(one, x); });
            return;
        }
        case UnaryOp::Floor:
            mapUnary<S>(src, dst, n, [](V x) { return S::floor(x); });
            return;
        case UnaryOp::Ceil:
            mapUnary<S>(src, dst, n, [](V x) { return S::ceil(x); });
            return;
        case UnaryOp::Erf:
            mapUnary<S>(src, dst, n, [](V x) { return VectorMath<S>::erf(x); });
            return;
        case UnaryOp::Sign: {
            const V zero = S::set1(0.0f);
            const V one = S::set1(1.0f);
            const V minusOne = S::set1(-1.0f);
            mapUnary<S>(src, dst, n, [&](V x) {
                // x <= 0: x itself where also 0 <= x (zeros), else -1; otherwise 1, or x where not 0 <= x
                // (NaN).
                return S::select(S::le(x, zero), S::select(S::le(zero, x), x, minusOne),
                                 S::select(S::le(zero, x), one, x));
            });
            return;
        }
        // The trigonometric and hyperbolic functions and Round run the exact scalar functions.
        case UnaryOp::Log:
        case UnaryOp::Not:
        case UnaryOp::Sin:
        case UnaryOp::Cos:
        case UnaryOp::Tan:
        case UnaryOp::Asin:
        case UnaryOp::Acos:
        case UnaryOp::Atan:
        case UnaryOp::Sinh:
        case UnaryOp::Cosh:
        case UnaryOp::Asinh:
        case UnaryOp::Acosh:
        case UnaryOp::Atanh:
        case UnaryOp::Round:
            break;
    }
    for (int64_t i = 0; i < n; ++i) dst[i] = applyUnary(op, src[i]);
}

// v = op(a, b) with a the running value and b the operand, or the other way round.
template <class S>
void elementwise(ElementwiseOp op, bool operandFirst, const float* src, float* dst, int64_t n, TileOperand b) {
    using V = typename S::V;
    const auto apply = [&](auto f) {
        if (operandFirst) {
            mapBinary<S>(src, dst, n, b, [&](V v, V c) { return f(c, v); });
        } else {
            mapBinary<S>(src, dst, n, b, f);
        }
    };
    switch (op) {
        case ElementwiseOp::Add: apply([](V x, V y) { return S::add(x, y); }); return;
        case ElementwiseOp::Sub: apply([](V x, V y) { return S::sub(x, y); }); return;
        case ElementwiseOp::Mul: apply([](V x, V y) { return S::mul(x, y); }); return;
        case ElementwiseOp::Div: apply([](V x, V y) { return S::div(x, y); }); return;
        case ElementwiseOp::Max:
            // isnan(x) || x > y ? x : y, so that NaN propagates as numpy's maximum does.
            apply([](V x, V y) { return S::select(S::orMask(S::isNan(x), S::gt(x, y)), x, y); });
            return;
        case ElementwiseOp::Min:
            apply([](V x, V y) { return S::select(S::orMask(S::isNan(x), S::lt(x, y)), x, y); });
            return;
        case ElementwiseOp::PRelu:
            apply([](V x, V y) { return S::select(S::lt(x, S::zero()), S::mul(x, y), x); });
            return;
        default:
            break;
    }
    for (int64_t i = 0; i < n; ++i) {
        const float c = b.data[i & b.mask];
        dst[i] = operandFirst ? applyArithmetic(op, c, src[i]) : applyArithmetic(op, src[i], c);
    }
}

template <class S>
void runSteps(const PointwiseStep* steps, size_t count, const float* source, float* target, int64_t n,
              const TileOperand* operands) {
    if (count == 0) {
        int64_t i = 0;
        for (; i + S::W <= n; i += S::W) S::store(target + i, S::load(source + i));
        if (i < n) S::storePartial(target + i, S::loadPartial(source + i, n - i), n - i);
        return;
    }
    for (size_t k = 0; k < count; ++k) {
        const PointwiseStep& step = steps[k];
        const float* src = k == 0 ? source : target;
        switch (step.kind) {
            case PointwiseStep::Kind::Activation: activation<S>(step.activation, src, target, n); break;
            case PointwiseStep::Kind::Unary: unary<S>(step.unary, src, target, n); break;
            case PointwiseStep::Kind::ScaleShift:
                scaleShift<S>(src, target, n, operands[step.operand], operands[step.shiftOperand]);
                break;
            case PointwiseStep::Kind::Elementwise:
                elementwise<S>(step.op, step.operandFirst, src, target, n, operands[step.operand]);
                break;
        }
    }
}

template <class S>
void evaluate(VectorFunction function, const float* src, float* dst, int64_t n) {
    using V = typename S::V;
    switch (function) {
        case VectorFunction::Exp: mapUnary<S>(src, dst, n, [](V x) { return VectorMath<S>::exp(x); }); return;
        case VectorFunction::Sigmoid:
            mapUnary<S>(src, dst, n, [](V x) { return VectorMath<S>::sigmoid(x); });
            return;
        case VectorFunction::Tanh: mapUnary<S>(src, dst, n, [](V x) { return VectorMath<S>::tanh(x); }); return;
        case VectorFunction::Erf: mapUnary<S>(src, dst, n, [](V x) { return VectorMath<S>::erf(x); }); return;
    }
}

}  // namespace kiln::cpu::fast::simd

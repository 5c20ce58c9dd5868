// Kiln CUDA pointwise kernels (Activation, Unary, Elementwise, Select, Cast, BatchNorm, PointwiseChain)
// against the reference kernels: odd shapes, batch 1 and 3, every broadcast pattern the three paths
// (flat, rows, strided) take, constant and activation operands, and inputs on both sides of every
// kink. Tolerances follow from precision: where both sides do the same IEEE operations (comparisons,
// copies, selects, casts, + - * /, sqrt, min/max and clamps, BatchNorm's double arithmetic) the results
// are equal bit for bit; the device's expf/logf/tanhf/erff/log1pf are within 2 ulp and powf within 4
// of the true value, the host's within 1.
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backends/cuda/kiln/kiln_cuda_provider.h"
#include "gpu_test_util.h"

namespace kiln::test {
namespace {

const tactics::TacticProvider& provider() {
    return cuda::kilnCudaProvider();
}

struct Tolerance {
    float rtol = 0.0f;
    float atol = 0.0f;
};

constexpr Tolerance kExact{};
// A few ulp (2^-23 each) of a transcendental function's result; the absolute part covers results
// near zero from exp(x) - 1 (Elu, Selu), where 2 ulp of exp(x) ~ 1, times alpha * beta < 2, is lost.
constexpr Tolerance kTranscendental{1e-6f, 1e-6f};
// A chain of transcendental steps: each adds a few ulp and passes on the error before it times its
// slope, which stays below 3 on the ranges the chains below see.
constexpr Tolerance kTranscendentalChain{1e-5f, 1e-6f};

void expectMatches(const LayerParams& params, const std::vector<const HostTensor*>& inputs,
                   const std::vector<bool>& isActivation, Tolerance tolerance, const std::string& what) {
    auto net = makeSingleLayerNetwork(params, inputs, isActivation);
    ASSERT_TRUE(net.isOk()) << what << ": " << net.status().message();
    expectGpuTacticsMatchReference(provider(), net.value(), inputs, tolerance.rtol, tolerance.atol, what);
}

template <typename T, typename Generate>
HostTensor makeTensor(DataType type, const Dims& dims, Generate generate) {
    HostTensor tensor(type, dims);
    for (int64_t i = 0; i < tensor.elementCount(); ++i)
        tensor.data<T>()[i] = generate(i);
    return tensor;
}

// Uniform values with `specials` written over the first elements (as many as fit).
HostTensor floats(const Dims& dims, std::mt19937& rng, float low, float high,
                  const std::vector<float>& specials = {}) {
    HostTensor tensor = randomTensor(dims, rng, low, high);
    for (size_t i = 0; i < specials.size() && int64_t(i) < tensor.elementCount(); ++i)
        tensor.data<float>()[i] = specials[i];
    return tensor;
}

// Multiples of `step` in [low * step, high * step]: ties for the comparisons, whole exponents for Pow.
HostTensor steppedFloats(const Dims& dims, std::mt19937& rng, int low, int high, float step) {
    std::uniform_int_distribution<int> pick(low, high);
    return makeTensor<float>(DataType::Float32, dims, [&](int64_t) { return step * float(pick(rng)); });
}

template <typename T>
HostTensor integers(DataType type, const Dims& dims, std::mt19937& rng, int64_t low, int64_t high,
                    const std::vector<T>& specials = {}) {
    std::uniform_int_distribution<int64_t> pick(low, high);
    return makeTensor<T>(type, dims, [&](int64_t i) {
        return size_t(i) < specials.size() ? specials[size_t(i)] : T(pick(rng));
    });
}

// Bytes 0, 1 and 2: any nonzero byte reads as true.
HostTensor bools(const Dims& dims, std::mt19937& rng) {
    std::uniform_int_distribution<int> pick(0, 2);
    return makeTensor<uint8_t>(DataType::Bool, dims, [&](int64_t) { return uint8_t(pick(rng)); });
}

// Values of `type` from random floats in [low, high] (integers and BOOL by truncation / nonzero).
HostTensor valuesOfType(DataType type, const Dims& dims, std::mt19937& rng, float low, float high) {
    const HostTensor wide = randomTensor(dims, rng, low, high);
    HostTensor tensor(type, dims);
    for (int64_t i = 0; i < tensor.elementCount(); ++i) {
        const float v = wide.data<float>()[i];
        switch (type) {
            case DataType::Float32:
                tensor.data<float>()[i] = v;
                break;
            case DataType::Float16:
                tensor.data<uint16_t>()[i] = floatToHalf(v);
                break;
            case DataType::Int8:
                tensor.data<int8_t>()[i] = int8_t(v);
                break;
            case DataType::Int32:
                tensor.data<int32_t>()[i] = int32_t(v);
                break;
            case DataType::Int64:
                tensor.data<int64_t>()[i] = int64_t(v);
                break;
            case DataType::Bool:
                tensor.data<uint8_t>()[i] = v > 0.0f ? 1 : 0;
                break;
        }
    }
    return tensor;
}

std::set<std::string> offeredIds(const Layer& layer) {
    std::set<std::string> ids;
    for (const auto& tactic : offeredTactics(provider(), tactics::LayerConfig::of(layer)))
        ids.insert(tactic->id());
    return ids;
}

const std::vector<Dims> kShapes = {{1, 3, 5, 7}, {3, 20, 7, 9}, {2, 17, 33}, {37}, {}, {3, 6, 8, 8}};

TEST(KilnCudaPointwise, ActivationMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(11);
    struct Case {
        ActivationParams params;
        Tolerance tolerance;
    };
    const std::vector<Case> cases = {
        {{ActivationType::Relu}, kExact},
        {{ActivationType::LeakyRelu, 0.1f}, kExact},
        {{ActivationType::Sigmoid}, kTranscendental},
        {{ActivationType::Tanh}, kTranscendental},
        {{ActivationType::Clip, -1.5f, 2.5f}, kExact},
        {{ActivationType::Clip, 0.0f, 6.0f}, kExact},
        {{ActivationType::HardSigmoid, 0.2f, 0.5f}, kExact},
        {{ActivationType::HardSwish}, kExact},
        {{ActivationType::Elu, 1.0f}, kTranscendental},
        {{ActivationType::Elu, 0.7f}, kTranscendental},
        {{ActivationType::Selu, 1.6732632f, 1.0507010f}, kTranscendental},
        {{ActivationType::Softplus}, kTranscendental},
    };
    // The kinks of every activation above, both zeros, and values just beside zero.
    const std::vector<float> kinks = {0.0f, -0.0f, 1e-6f, -1e-6f, -1.5f, 2.5f,
                                      6.0f, -2.5f, -3.0f, 3.0f,   8.0f,  -8.0f};
    for (const Case& c : cases) {
        for (size_t s = 0; s < kShapes.size(); ++s) {
            const HostTensor x = floats(kShapes[s], rng, -8.0f, 8.0f, kinks);
            const bool activation = s != 1;
            expectMatches(c.params, {&x}, {activation}, c.tolerance,
                          std::string(toString(c.params.type)) + " " + toString(kShapes[s]) +
                              (activation ? "" : " (constant)"));
        }
    }
}

TEST(KilnCudaPointwise, FloatUnaryMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(12);
    struct Case {
        UnaryOp op;
        float low;
        float high;
        Tolerance tolerance;
    };
    // Log, Sqrt and Reciprocal stay inside their domains: NaN and inf compare unequal to themselves.
    const std::vector<Case> cases = {
        {UnaryOp::Exp, -8.0f, 8.0f, kTranscendental}, {UnaryOp::Log, 0.01f, 8.0f, kTranscendental},
        {UnaryOp::Sqrt, 0.0f, 8.0f, kExact},          {UnaryOp::Abs, -8.0f, 8.0f, kExact},
        {UnaryOp::Neg, -8.0f, 8.0f, kExact},          {UnaryOp::Reciprocal, 0.1f, 8.0f, kExact},
        {UnaryOp::Floor, -8.0f, 8.0f, kExact},        {UnaryOp::Ceil, -8.0f, 8.0f, kExact},
        {UnaryOp::Erf, -8.0f, 8.0f, kTranscendental},
    };
    for (const Case& c : cases) {
        for (size_t s = 0; s < kShapes.size(); ++s) {
            HostTensor x = floats(kShapes[s], rng, c.low, c.high, {c.low, c.high});
            if (c.op == UnaryOp::Reciprocal) {  // both signs
                for (int64_t i = 0; i < x.elementCount(); i += 2)
                    x.data<float>()[i] = -x.data<float>()[i];
            }
            expectMatches(UnaryParams{c.op}, {&x}, {s != 2}, c.tolerance,
                          std::string(toString(c.op)) + " " + toString(kShapes[s]));
        }
    }
}

TEST(KilnCudaPointwise, IntegerAndBoolUnaryMatchReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(13);
    for (const UnaryOp op : {UnaryOp::Abs, UnaryOp::Neg}) {
        for (const Dims& dims : {Dims{2, 17, 33}, Dims{3}, Dims{}}) {
            const std::string name = std::string(toString(op)) + " " + toString(dims);
            // The lowest value negates to itself, as two's complement hardware does.
            const HostTensor i8 = integers<int8_t>(DataType::Int8, dims, rng, -128, 127, {-128, 127, 0, -1});
            const HostTensor i32 =
                integers<int32_t>(DataType::Int32, dims, rng, -100000, 100000,
                                  {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()});
            const HostTensor i64 =
                integers<int64_t>(DataType::Int64, dims, rng, -(int64_t(1) << 40), int64_t(1) << 40,
                                  {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()});
            expectMatches(UnaryParams{op}, {&i8}, {true}, kExact, name + " INT8");
            expectMatches(UnaryParams{op}, {&i32}, {true}, kExact, name + " INT32");
            expectMatches(UnaryParams{op}, {&i64}, {true}, kExact, name + " INT64");
        }
    }
    for (const Dims& dims : kShapes) {
        const HostTensor b = bools(dims, rng);
        expectMatches(UnaryParams{UnaryOp::Not}, {&b}, {true}, kExact, "Not " + toString(dims));
    }
}

// Shapes of a and b and which of them are activations (the others constants): same shapes, single
// elements, per-channel [1,C,1,1] and [N,C,1,1], trailing axes, both inputs broadcast, a middle axis
// broadcast, rows of four-aligned length (the rows kernel's vector loads), rows shorter than a warp
// (strided only) and ranks up to 8.
struct BroadcastCase {
    Dims a;
    Dims b;
    bool aActivation = true;
    bool bActivation = true;
};

const std::vector<BroadcastCase> kBroadcasts = {
    {{1, 3, 5, 7}, {1, 3, 5, 7}},
    {{3, 20, 7, 9}, {}, true, false},
    {{3, 20, 7, 9}, {1, 1, 1, 1}},
    {{3, 20, 7, 9}, {1, 20, 1, 1}, true, false},
    {{1, 3, 5, 7}, {1, 3, 1, 1}, true, false},
    {{3, 20, 7, 9}, {3, 20, 1, 1}},
    {{3, 20, 1, 1}, {3, 20, 7, 9}},
    {{3, 20, 7, 9}, {3, 1, 7, 9}},
    {{3, 6, 8, 8}, {1, 6, 1, 1}, true, false},
    {{3, 6, 8, 8}, {1, 6, 8, 8}},
    {{3, 6, 8, 8}, {3, 1, 8, 8}, false, true},
    {{2, 17, 33}, {33}, true, false},
    {{2, 17, 33}, {17, 1}},
    {{2, 17, 1}, {1, 33}},
    {{3, 1, 7, 9}, {1, 20, 1, 1}, false, true},
    {{37}, {37}},
    {{37}, {1}, false, true},
    {{}, {}},
    {{2, 3, 1, 4, 5}, {3, 4, 1}},
    {{2, 1, 2, 1, 2, 1, 2, 3}, {1, 2, 1, 2, 1, 2, 1, 3}},
};

std::string describe(const BroadcastCase& c) {
    return toString(c.a) + (c.aActivation ? "" : " (constant)") + " and " + toString(c.b) +
           (c.bActivation ? "" : " (constant)");
}

TEST(KilnCudaPointwise, FloatArithmeticMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(14);
    for (const ElementwiseOp op :
         {ElementwiseOp::Add, ElementwiseOp::Sub, ElementwiseOp::Mul, ElementwiseOp::Div, ElementwiseOp::Max,
          ElementwiseOp::Min, ElementwiseOp::PRelu}) {
        for (const BroadcastCase& c : kBroadcasts) {
            const HostTensor a = floats(c.a, rng, -8.0f, 8.0f, {0.0f, -0.0f, 1.0f, -1.0f});
            HostTensor b = floats(c.b, rng, 0.5f, 4.0f, {1.0f, 0.5f});
            // Divisors of both signs, never zero.
            for (int64_t i = 1; i < b.elementCount(); i += 2)
                b.data<float>()[i] = -b.data<float>()[i];
            expectMatches(ElementwiseParams{op}, {&a, &b}, {c.aActivation, c.bActivation}, kExact,
                          std::string(toString(op)) + " " + describe(c));
        }
    }
}

TEST(KilnCudaPointwise, FloatPowMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(15);
    for (const BroadcastCase& c : kBroadcasts) {
        // Positive bases with fractional exponents, and nonzero bases of either sign with integer
        // exponents (negative bases give NaN otherwise).
        const HostTensor base = floats(c.a, rng, 0.1f, 4.0f);
        const HostTensor exponent = floats(c.b, rng, -3.0f, 3.0f);
        expectMatches(ElementwiseParams{ElementwiseOp::Pow}, {&base, &exponent},
                      {c.aActivation, c.bActivation}, kTranscendental, "Pow " + describe(c));
        HostTensor signedBase = floats(c.a, rng, 0.25f, 4.0f);
        for (int64_t i = 0; i < signedBase.elementCount(); i += 2)
            signedBase.data<float>()[i] *= -1.0f;
        const HostTensor whole = steppedFloats(c.b, rng, -4, 4, 1.0f);
        expectMatches(ElementwiseParams{ElementwiseOp::Pow}, {&signedBase, &whole},
                      {c.aActivation, c.bActivation}, kTranscendental,
                      "Pow (integer exponents) " + describe(c));
    }
}

TEST(KilnCudaPointwise, FloatComparisonsMatchReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(16);
    for (const ElementwiseOp op : {ElementwiseOp::Equal, ElementwiseOp::Less, ElementwiseOp::Greater}) {
        for (const BroadcastCase& c : kBroadcasts) {
            const HostTensor a = steppedFloats(c.a, rng, -4, 4, 0.5f);
            const HostTensor b = steppedFloats(c.b, rng, -4, 4, 0.5f);
            expectMatches(ElementwiseParams{op}, {&a, &b}, {c.aActivation, c.bActivation}, kExact,
                          std::string(toString(op)) + " " + describe(c));
        }
    }
}

template <typename T>
void expectIntegerElementwiseMatches(DataType type, std::mt19937& rng, int64_t low, int64_t high) {
    constexpr T kMin = std::numeric_limits<T>::min();
    constexpr T kMax = std::numeric_limits<T>::max();
    const std::string typeName = toString(type);
    for (const BroadcastCase& c : kBroadcasts) {
        // Wrap-around at both ends, and ties for the comparisons.
        const HostTensor a = integers<T>(type, c.a, rng, low, high, {kMin, kMax, kMax, 0, -1, 7});
        const HostTensor b = integers<T>(type, c.b, rng, low, high, {T(-1), T(1), T(2), 0, -1, 7});
        for (const ElementwiseOp op : {ElementwiseOp::Add, ElementwiseOp::Sub, ElementwiseOp::Mul,
                                       ElementwiseOp::Max, ElementwiseOp::Min, ElementwiseOp::PRelu,
                                       ElementwiseOp::Equal, ElementwiseOp::Less, ElementwiseOp::Greater}) {
            expectMatches(ElementwiseParams{op}, {&a, &b}, {c.aActivation, c.bActivation}, kExact,
                          typeName + " " + toString(op) + " " + describe(c));
        }
        // The reference reports a zero divisor as an error, so divisors here are nonzero; the lowest
        // value divided by -1 wraps.
        HostTensor divisor = integers<T>(type, c.b, rng, 1, 9, {T(-1)});
        for (int64_t i = 2; i < divisor.elementCount(); i += 2)
            divisor.data<T>()[i] = T(-divisor.data<T>()[i]);
        expectMatches(ElementwiseParams{ElementwiseOp::Div}, {&a, &divisor}, {c.aActivation, c.bActivation},
                      kExact, typeName + " Div " + describe(c));
    }
}

TEST(KilnCudaPointwise, IntegerElementwiseMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(17);
    expectIntegerElementwiseMatches<int8_t>(DataType::Int8, rng, -128, 127);
    expectIntegerElementwiseMatches<int32_t>(DataType::Int32, rng, -100000, 100000);
    expectIntegerElementwiseMatches<int64_t>(DataType::Int64, rng, -(int64_t(1) << 40), int64_t(1) << 40);
}

// Integer Pow saturates; exact powers are kept below 2^53 (or are powers of two), where the host's pow
// is exact too, apart from the pairs that saturate.
TEST(KilnCudaPointwise, IntegerPowMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(18);
    for (const Dims& dims : {Dims{2, 17, 33}, Dims{37}, Dims{}}) {
        const std::string shape = toString(dims);
        const HostTensor b8 = integers<int8_t>(DataType::Int8, dims, rng, -4, 4, {0, 0, 1, -1, -1, 2, -2, 3});
        const HostTensor e8 =
            integers<int8_t>(DataType::Int8, dims, rng, -2, 8, {-1, 0, -3, -3, -4, 7, 7, 5});
        expectMatches(ElementwiseParams{ElementwiseOp::Pow}, {&b8, &e8}, {true, true}, kExact,
                      "INT8 Pow " + shape);
        const HostTensor b32 = integers<int32_t>(DataType::Int32, dims, rng, -6, 6, {0, 2, -2, 46341, 7, -1});
        const HostTensor e32 = integers<int32_t>(DataType::Int32, dims, rng, -3, 14, {-2, 31, 31, 2, 12, -7});
        expectMatches(ElementwiseParams{ElementwiseOp::Pow}, {&b32, &e32}, {true, false}, kExact,
                      "INT32 Pow " + shape);
        const HostTensor b64 =
            integers<int64_t>(DataType::Int64, dims, rng, -5, 5, {3, -3, 2, -2, 2, 10, 10, 0});
        const HostTensor e64 =
            integers<int64_t>(DataType::Int64, dims, rng, -3, 22, {40, 41, 63, 63, 64, 19, 18, -1});
        expectMatches(ElementwiseParams{ElementwiseOp::Pow}, {&b64, &e64}, {true, true}, kExact,
                      "INT64 Pow " + shape);
    }
}

TEST(KilnCudaPointwise, BoolElementwiseMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(19);
    for (const ElementwiseOp op : {ElementwiseOp::And, ElementwiseOp::Or, ElementwiseOp::Equal,
                                   ElementwiseOp::Less, ElementwiseOp::Greater}) {
        for (const BroadcastCase& c : kBroadcasts) {
            const HostTensor a = bools(c.a, rng);
            const HostTensor b = bools(c.b, rng);
            expectMatches(ElementwiseParams{op}, {&a, &b}, {c.aActivation, c.bActivation}, kExact,
                          std::string("BOOL ") + toString(op) + " " + describe(c));
        }
    }
}

TEST(KilnCudaPointwise, SelectMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(20);
    struct Case {
        Dims condition;
        Dims x;
        Dims y;
        bool xActivation = true;
    };
    const std::vector<Case> cases = {
        {{1, 3, 5, 7}, {1, 3, 5, 7}, {1, 3, 5, 7}},
        {{3, 1, 7, 9}, {3, 20, 7, 9}, {}, false},
        {{3, 20, 1, 1}, {1, 20, 7, 9}, {3, 20, 7, 9}},
        {{3, 6, 1, 1}, {1, 6, 8, 8}, {3, 6, 8, 8}},
        {{2, 17, 33}, {33}, {17, 1}},
        {{}, {37}, {37}, false},
        {{37}, {}, {1}},
        {{}, {}, {}},
    };
    for (const DataType type : {DataType::Float32, DataType::Float16, DataType::Int8, DataType::Int32,
                                DataType::Int64, DataType::Bool}) {
        for (const Case& c : cases) {
            const HostTensor condition = bools(c.condition, rng);
            const HostTensor x = valuesOfType(type, c.x, rng, -100.0f, 100.0f);
            const HostTensor y = valuesOfType(type, c.y, rng, -100.0f, 100.0f);
            expectMatches(SelectParams{}, {&condition, &x, &y}, {true, c.xActivation, true}, kExact,
                          std::string("select ") + toString(type) + " " + toString(c.condition) + ", " +
                              toString(c.x) + ", " + toString(c.y));
        }
    }
}

// Values of every type on the edges of the conversions: fractions either side of .5 (truncation),
// the ends of INT8 / INT32 / INT64 (saturation and wrap-around), FP16's largest value and its
// rounding to infinity, FP16 subnormals, integers FP32 cannot hold, and inf and NaN where the output
// is not FP32 (where they would compare unequal to themselves).
HostTensor castSource(DataType type, DataType target, const Dims& dims, std::mt19937& rng) {
    const float inf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> specials = {
        0.0f,          -0.0f,        0.4f,          -0.4f,         0.5f,           -0.5f,   0.6f,
        1.5f,          -1.5f,        2.5f,          127.5f,        -128.5f,        127.0f,  128.0f,
        -129.0f,       200.7f,       255.9f,        256.0f,        300.0f,         2049.0f, 65504.0f,
        65519.0f,      65520.0f,     70000.0f,      6e-8f,         3e-5f,          6.1e-5f, 1e-3f,
        0.1f,          1.0f / 3.0f,  2147483520.0f, 2147483648.0f, -2147483904.0f, 3e9f,    -3e9f,
        9.2233715e18f, 9.223372e18f, -9.223372e18f, 1e20f,         -1e20f};
    if (target != DataType::Float32) specials.insert(specials.end(), {inf, -inf, nan, -nan});
    HostTensor tensor(type, dims);
    const int64_t count = tensor.elementCount();
    std::uniform_real_distribution<float> fraction(-1000.0f, 1000.0f);
    std::uniform_int_distribution<int64_t> wide(std::numeric_limits<int64_t>::min(),
                                                std::numeric_limits<int64_t>::max());
    for (int64_t i = 0; i < count; ++i) {
        const bool special = size_t(i) < specials.size();
        const float value = special ? specials[size_t(i)] : fraction(rng);
        switch (type) {
            case DataType::Float32:
                tensor.data<float>()[i] = value;
                break;
            case DataType::Float16: {
                uint16_t half = floatToHalf(value);
                const bool nonFinite = (half & 0x7c00u) == 0x7c00u;
                if (target == DataType::Float32 && nonFinite) half = floatToHalf(65504.0f);
                // A NaN with a payload as well: widening keeps it, narrowing writes 0x7e00.
                if (target != DataType::Float32 && i == count - 1) half = 0x7c01;
                tensor.data<uint16_t>()[i] = half;
                break;
            }
            case DataType::Int8: {
                const std::vector<int8_t> edges = {-128, 127, 0, -1, 1};
                tensor.data<int8_t>()[i] = size_t(i) < edges.size() ? edges[size_t(i)] : int8_t(wide(rng));
                break;
            }
            case DataType::Int32: {
                const std::vector<int32_t> edges = {std::numeric_limits<int32_t>::min(),
                                                    std::numeric_limits<int32_t>::max(),
                                                    16777217,
                                                    -16777217,
                                                    2049,
                                                    65519,
                                                    65520,
                                                    -129,
                                                    128,
                                                    255,
                                                    256};
                tensor.data<int32_t>()[i] = size_t(i) < edges.size() ? edges[size_t(i)] : int32_t(wide(rng));
                break;
            }
            case DataType::Int64: {
                const std::vector<int64_t> edges = {std::numeric_limits<int64_t>::min(),
                                                    std::numeric_limits<int64_t>::max(),
                                                    (int64_t(1) << 53) + 1,
                                                    int64_t(1) << 31,
                                                    -(int64_t(1) << 31) - 1,
                                                    (int64_t(1) << 40) + 3,
                                                    16777217,
                                                    2049,
                                                    65520,
                                                    300,
                                                    -129};
                tensor.data<int64_t>()[i] =
                    size_t(i) < edges.size() ? edges[size_t(i)] : wide(rng) >> (i % 64);
                break;
            }
            case DataType::Bool:
                tensor.data<uint8_t>()[i] = uint8_t(i % 3);
                break;
        }
    }
    return tensor;
}

TEST(KilnCudaPointwise, CastMatchesReferenceBetweenAllTypes) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(21);
    const std::vector<DataType> types = {DataType::Float32, DataType::Float16, DataType::Int8,
                                         DataType::Int32,   DataType::Int64,   DataType::Bool};
    for (const DataType from : types) {
        for (const DataType to : types) {
            for (const Dims& dims : {Dims{2, 3, 37}, Dims{3}, Dims{}}) {
                const HostTensor x = castSource(from, to, dims, rng);
                expectMatches(
                    CastParams{to}, {&x}, {dims.size() != 1}, kExact,
                    std::string("cast ") + toString(from) + " to " + toString(to) + " " + toString(dims));
            }
        }
    }
}

TEST(KilnCudaPointwise, BatchNormMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(22);
    // Computed in double on both sides with the same roundings, so equal bit for bit. Constant scale
    // and variance take the prepared factors, activations the per-element ones.
    for (const Dims& dims : {Dims{1, 3, 5, 7}, Dims{3, 20, 7, 9}, Dims{2, 17, 33}, Dims{3, 6, 8, 8},
                             Dims{4, 5}, Dims{1, 37}, Dims{2, 4, 3, 2, 5}}) {
        for (const bool constantParameters : {true, false}) {
            for (const float epsilon : {1e-5f, 1e-3f}) {
                const Dims channel = {dims[1]};
                const HostTensor x = floats(dims, rng, -8.0f, 8.0f);
                const HostTensor scale = floats(channel, rng, -2.0f, 2.0f);
                const HostTensor bias = floats(channel, rng, -1.0f, 1.0f);
                const HostTensor mean = floats(channel, rng, -1.0f, 1.0f);
                const HostTensor variance = floats(channel, rng, 0.0f, 2.0f, {0.0f});
                const bool p = !constantParameters;
                expectMatches(BatchNormParams{epsilon}, {&x, &scale, &bias, &mean, &variance},
                              {true, p, p, p, p}, kExact,
                              "batch-norm " + toString(dims) +
                                  (constantParameters ? " constant" : " activation") +
                                  " parameters, epsilon " + std::to_string(epsilon));
            }
        }
    }
}

PointwiseStep activationStep(ActivationType type, float alpha = 0.0f, float beta = 0.0f) {
    PointwiseStep step;
    step.kind = PointwiseStep::Kind::Activation;
    step.activation = {type, alpha, beta};
    return step;
}

PointwiseStep unaryStep(UnaryOp op) {
    PointwiseStep step;
    step.kind = PointwiseStep::Kind::Unary;
    step.unary = op;
    return step;
}

PointwiseStep scaleShiftStep(int64_t scale, int64_t shift) {
    PointwiseStep step;
    step.kind = PointwiseStep::Kind::ScaleShift;
    step.operand = scale;
    step.shiftOperand = shift;
    return step;
}

PointwiseStep elementwiseStep(ElementwiseOp op, int64_t operand, bool operandFirst = false) {
    PointwiseStep step;
    step.kind = PointwiseStep::Kind::Elementwise;
    step.op = op;
    step.operand = operand;
    step.operandFirst = operandFirst;
    return step;
}

// Chain inputs: data, then scale and shift per channel, an addend of the data's shape, a single
// multiplier, and a positive divisor along trailing axes.
struct ChainCase {
    Dims data;
    Dims scale;
    Dims addend;
    Dims single;
    Dims divisor;
    bool scaleActivation = false;
};

const std::vector<ChainCase> kChainCases = {
    {{1, 3, 5, 7}, {1, 3, 1, 1}, {1, 3, 5, 7}, {}, {7}},
    {{3, 20, 7, 9}, {3, 20, 1, 1}, {3, 20, 7, 9}, {1}, {1, 20, 1, 1}, true},
    {{2, 17, 33}, {17, 1}, {2, 17, 33}, {1, 1, 1}, {33}},
    {{37}, {1}, {37}, {}, {37}, true},
    {{}, {}, {}, {}, {}},
    {{3, 6, 8, 8}, {1, 6, 1, 1}, {3, 6, 8, 8}, {}, {1, 1, 8, 8}},
    {{3, 6, 8, 8}, {3, 1, 8, 8}, {6, 1, 1}, {}, {3, 1, 1, 8}, true},
};

void expectChainMatches(const std::vector<PointwiseStep>& steps, Tolerance tolerance, const std::string& name,
                        std::mt19937& rng) {
    for (const ChainCase& c : kChainCases) {
        const HostTensor x = floats(c.data, rng, -8.0f, 8.0f, {0.0f, -0.0f, -2.5f, 2.5f, 3.0f, -3.0f});
        HostTensor scale = floats(c.scale, rng, 0.5f, 2.0f);
        for (int64_t i = 0; i < scale.elementCount(); i += 2)
            scale.data<float>()[i] = -scale.data<float>()[i];
        const HostTensor shift = floats(c.scale, rng, -1.0f, 1.0f);
        const HostTensor addend = floats(c.addend, rng, -2.0f, 2.0f);
        const HostTensor single = floats(c.single, rng, -1.5f, 1.5f);
        const HostTensor divisor = floats(c.divisor, rng, 1.0f, 2.0f);
        const bool s = c.scaleActivation;
        expectMatches(PointwiseChainParams{steps}, {&x, &scale, &shift, &addend, &single, &divisor},
                      {true, s, s, true, false, !s}, tolerance,
                      name + " on " + toString(c.data) + " with " + toString(c.scale) + ", " +
                          toString(c.addend) + ", " + toString(c.single) + ", " + toString(c.divisor));
    }
}

TEST(KilnCudaPointwise, ExactChainsMatchReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(23);
    // Every step kind, every arithmetic operation both ways round, and the activations and unary
    // operations made of IEEE operations only.
    expectChainMatches(
        {scaleShiftStep(1, 2), activationStep(ActivationType::LeakyRelu, 0.1f),
         elementwiseStep(ElementwiseOp::Add, 3), elementwiseStep(ElementwiseOp::Mul, 4, true),
         activationStep(ActivationType::Clip, -2.0f, 3.0f), elementwiseStep(ElementwiseOp::Sub, 3, true),
         elementwiseStep(ElementwiseOp::Div, 5), elementwiseStep(ElementwiseOp::Max, 1),
         elementwiseStep(ElementwiseOp::Min, 2, true), elementwiseStep(ElementwiseOp::PRelu, 4),
         unaryStep(UnaryOp::Abs), unaryStep(UnaryOp::Sqrt), unaryStep(UnaryOp::Neg),
         activationStep(ActivationType::HardSwish), activationStep(ActivationType::Relu),
         elementwiseStep(ElementwiseOp::Sub, 1)},
        kExact, "exact chain A", rng);
    // Reciprocal and Div by the running value see values in [1, 3] and [0.5, ...): never zero.
    expectChainMatches(
        {activationStep(ActivationType::HardSigmoid, 0.2f, 0.5f), elementwiseStep(ElementwiseOp::Add, 5),
         unaryStep(UnaryOp::Reciprocal), elementwiseStep(ElementwiseOp::Mul, 3), unaryStep(UnaryOp::Floor),
         unaryStep(UnaryOp::Abs), elementwiseStep(ElementwiseOp::Add, 5),
         elementwiseStep(ElementwiseOp::Div, 3, true), unaryStep(UnaryOp::Ceil),
         elementwiseStep(ElementwiseOp::Max, 2, true), elementwiseStep(ElementwiseOp::Min, 4)},
        kExact, "exact chain B", rng);
}

TEST(KilnCudaPointwise, TranscendentalChainsMatchReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(24);
    expectChainMatches(
        {activationStep(ActivationType::Sigmoid), scaleShiftStep(1, 2), activationStep(ActivationType::Tanh),
         activationStep(ActivationType::Elu, 1.0f), unaryStep(UnaryOp::Exp)},
        kTranscendentalChain, "sigmoid-tanh-elu-exp chain", rng);
    // Softplus is positive, so Selu scales it and Log sees a positive value; Pow raises the positive
    // divisor to the running value.
    expectChainMatches(
        {activationStep(ActivationType::Softplus),
         activationStep(ActivationType::Selu, 1.6732632f, 1.0507010f), unaryStep(UnaryOp::Log),
         unaryStep(UnaryOp::Erf), elementwiseStep(ElementwiseOp::Pow, 5, true),
         activationStep(ActivationType::HardSigmoid, 0.2f, 0.5f), activationStep(ActivationType::Sigmoid)},
        kTranscendentalChain, "softplus-selu-log-erf-pow chain", rng);
}

// SiLU as the fusion pass builds it: x * sigmoid(x), the operand being the chain's own data tensor.
TEST(KilnCudaPointwise, SiluChainReadingItsOwnDataMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(25);
    for (const Dims& dims : kShapes) {
        const HostTensor x = floats(dims, rng, -8.0f, 8.0f, {0.0f, -0.0f});
        SingleLayerNetwork net;
        net.network = std::make_unique<NetworkDefinition>();
        auto input = net.network->addInput("input0", DataType::Float32, dims);
        ASSERT_TRUE(input.isOk()) << input.status().message();
        PointwiseChainParams silu{
            {activationStep(ActivationType::Sigmoid), elementwiseStep(ElementwiseOp::Mul, 1)}};
        auto layer = net.network->addLayer("layer", silu, {input.value(), input.value()}, {"output0"});
        ASSERT_TRUE(layer.isOk()) << layer.status().message();
        net.layer = layer.value();
        ASSERT_TRUE(net.network->markOutput(net.layer->output(0)).isOk());
        // Sigmoid's few ulp, times x exactly rounded.
        expectGpuTacticsMatchReference(provider(), net, {&x, &x}, kTranscendental.rtol, kTranscendental.atol,
                                       "SiLU " + toString(dims));
    }
}

// More rows than the rows kernel's grid has (65535 blocks of 8 rows), so that its rows loop goes
// round.
TEST(KilnCudaPointwise, RowsKernelCoversRowsBeyondItsGrid) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(26);
    const HostTensor a = floats({600000, 32}, rng, -1.0f, 1.0f);
    const HostTensor rows = floats({600000, 1}, rng, -1.0f, 1.0f);
    expectMatches(ElementwiseParams{ElementwiseOp::Add}, {&a, &rows}, {true, true}, kExact,
                  "600000x32 + 600000x1");
}

TEST(KilnCudaPointwise, OffersThePathsThatFitTheBroadcast) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(27);
    struct Case {
        Dims a;
        Dims b;
        std::set<std::string> ids;
    };
    const std::string flat = "kiln-cuda:elementwise:flat";
    const std::string rows = "kiln-cuda:elementwise:rows";
    const std::string strided = "kiln-cuda:elementwise:strided";
    const std::vector<Case> cases = {
        {{3, 20, 7, 9}, {3, 20, 7, 9}, {flat}},
        {{3, 20, 7, 9}, {}, {flat}},
        {{1, 20, 7, 9}, {20, 7, 9}, {flat}},
        {{3, 20, 7, 9}, {1, 20, 1, 1}, {rows, strided}},
        {{3, 20, 7, 9}, {3, 20, 1, 1}, {rows, strided}},
        {{2, 17, 33}, {33}, {rows, strided}},
        {{3, 20, 7, 9}, {3, 1, 7, 9}, {rows, strided}},
        // Rows (after coalescing) of 6 and 5 elements: shorter than a warp.
        {{3, 20, 2, 3}, {1, 20, 1, 1}, {strided}},
        {{2, 3, 1, 4, 5}, {3, 4, 1}, {strided}},
    };
    for (const Case& c : cases) {
        const HostTensor a = randomTensor(c.a, rng);
        const HostTensor b = randomTensor(c.b, rng);
        auto net = makeSingleLayerNetwork(ElementwiseParams{ElementwiseOp::Mul}, {&a, &b}, {true, true});
        ASSERT_TRUE(net.isOk()) << net.status().message();
        EXPECT_EQ(offeredIds(*net.value().layer), c.ids) << toString(c.a) << " and " << toString(c.b);
    }
    const HostTensor x = randomTensor({2, 3}, rng);
    auto activation = makeSingleLayerNetwork(ActivationParams{ActivationType::Relu}, {&x}, {true});
    ASSERT_TRUE(activation.isOk()) << activation.status().message();
    EXPECT_EQ(offeredIds(*activation.value().layer), std::set<std::string>{"kiln-cuda:activation"});
}

TEST(KilnCudaPointwise, SkipsWhatItCannotRunAndSaysWhy) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(28);
    const auto expectSkipped = [](const Layer& layer, const std::string& reason, const std::string& what) {
        std::vector<tactics::SkippedTactic> skipped;
        EXPECT_TRUE(offeredTactics(provider(), tactics::LayerConfig::of(layer), &skipped).empty()) << what;
        bool found = false;
        for (const auto& skip : skipped)
            found = found || skip.reason.find(reason) != std::string::npos;
        EXPECT_TRUE(found) << what << ": no tactic skipped with '" << reason << "'";
    };

    const HostTensor blockedInput = randomTensor({1, 16, 4, 4}, rng);
    auto blocked = makeSingleLayerNetwork(ElementwiseParams{ElementwiseOp::Add},
                                          {&blockedInput, &blockedInput}, {true, true});
    ASSERT_TRUE(blocked.isOk()) << blocked.status().message();
    setActivationFormats(*blocked.value().layer, TensorFormat::blocked(8));
    expectSkipped(*blocked.value().layer, "linear", "blocked formats");

    const HostTensor deep = randomTensor({1, 1, 1, 1, 1, 1, 1, 2, 3}, rng);
    auto rank9 = makeSingleLayerNetwork(ActivationParams{ActivationType::Relu}, {&deep}, {true});
    ASSERT_TRUE(rank9.isOk()) << rank9.status().message();
    expectSkipped(*rank9.value().layer, "rank above 8", "rank 9");

    HostTensor half(DataType::Float16, {2, 3});
    auto halfAdd =
        makeSingleLayerNetwork(ElementwiseParams{ElementwiseOp::Add}, {&half, &half}, {true, true});
    ASSERT_TRUE(halfAdd.isOk()) << halfAdd.status().message();
    expectSkipped(*halfAdd.value().layer, "FP16", "FP16 elementwise");

    const HostTensor data = randomTensor({2, 3}, rng);
    auto longChain = makeSingleLayerNetwork(
        PointwiseChainParams{std::vector<PointwiseStep>(17, activationStep(ActivationType::Relu))}, {&data},
        {true});
    ASSERT_TRUE(longChain.isOk()) << longChain.status().message();
    expectSkipped(*longChain.value().layer, "17 steps", "a chain of 17 steps");

    std::vector<const HostTensor*> manyInputs(10, &data);
    PointwiseChainParams wide;
    for (int64_t k = 1; k < 10; ++k)
        wide.steps.push_back(elementwiseStep(ElementwiseOp::Add, k));
    auto wideChain = makeSingleLayerNetwork(wide, manyInputs, std::vector<bool>(10, true));
    ASSERT_TRUE(wideChain.isOk()) << wideChain.status().message();
    expectSkipped(*wideChain.value().layer, "10 inputs", "a chain of 10 inputs");
}

}  // namespace
}  // namespace kiln::test

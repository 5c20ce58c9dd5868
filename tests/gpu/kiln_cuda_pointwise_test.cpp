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
            case DataType::BFloat16:
                tensor.data<uint16_t>()[i] = floatToBFloat16(v);
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
        {{ActivationType::Gelu}, kTranscendental},
        {{ActivationType::GeluTanh}, kTranscendental},
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
        {UnaryOp::Exp, -8.0f, 8.0f, kTranscendental},
        {UnaryOp::Log, 0.01f, 8.0f, kTranscendental},
        {UnaryOp::Sqrt, 0.0f, 8.0f, kExact},
        {UnaryOp::Abs, -8.0f, 8.0f, kExact},
        {UnaryOp::Neg, -8.0f, 8.0f, kExact},
        {UnaryOp::Reciprocal, 0.1f, 8.0f, kExact},
        {UnaryOp::Floor, -8.0f, 8.0f, kExact},
        {UnaryOp::Ceil, -8.0f, 8.0f, kExact},
        {UnaryOp::Erf, -8.0f, 8.0f, kTranscendental},
        {UnaryOp::Sin, -8.0f, 8.0f, kTranscendental},
        {UnaryOp::Cos, -8.0f, 8.0f, kTranscendental},
        {UnaryOp::Tan, -1.5f, 1.5f, kTranscendental},
        {UnaryOp::Asin, -0.99f, 0.99f, kTranscendental},
        {UnaryOp::Acos, -0.99f, 0.99f, kTranscendental},
        {UnaryOp::Atan, -8.0f, 8.0f, kTranscendental},
        {UnaryOp::Sinh, -8.0f, 8.0f, kTranscendental},
        {UnaryOp::Cosh, -8.0f, 8.0f, kTranscendental},
        {UnaryOp::Asinh, -8.0f, 8.0f, kTranscendental},
        {UnaryOp::Acosh, 1.0f, 8.0f, kTranscendental},
        {UnaryOp::Atanh, -0.99f, 0.99f, kTranscendental},
        {UnaryOp::Sign, -8.0f, 8.0f, kExact},
        {UnaryOp::Round, -8.0f, 8.0f, kExact},
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
    for (const UnaryOp op : {UnaryOp::Abs, UnaryOp::Neg, UnaryOp::Sign}) {
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
            case DataType::BFloat16:
                tensor.data<uint16_t>()[i] = floatToBFloat16(value);
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

// Every step kind, every arithmetic operation both ways round, and the activations and unary operations
// made of IEEE operations only.
const std::vector<PointwiseStep> kExactChainA = {scaleShiftStep(1, 2),
                                                 activationStep(ActivationType::LeakyRelu, 0.1f),
                                                 elementwiseStep(ElementwiseOp::Add, 3),
                                                 elementwiseStep(ElementwiseOp::Mul, 4, true),
                                                 activationStep(ActivationType::Clip, -2.0f, 3.0f),
                                                 elementwiseStep(ElementwiseOp::Sub, 3, true),
                                                 elementwiseStep(ElementwiseOp::Div, 5),
                                                 elementwiseStep(ElementwiseOp::Max, 1),
                                                 elementwiseStep(ElementwiseOp::Min, 2, true),
                                                 elementwiseStep(ElementwiseOp::PRelu, 4),
                                                 unaryStep(UnaryOp::Abs),
                                                 unaryStep(UnaryOp::Sqrt),
                                                 unaryStep(UnaryOp::Neg),
                                                 activationStep(ActivationType::HardSwish),
                                                 activationStep(ActivationType::Relu),
                                                 elementwiseStep(ElementwiseOp::Sub, 1)};

// Reciprocal and Div by the running value see values in [1, 3] and [0.5, ...): never zero.
const std::vector<PointwiseStep> kExactChainB = {activationStep(ActivationType::HardSigmoid, 0.2f, 0.5f),
                                                 elementwiseStep(ElementwiseOp::Add, 5),
                                                 unaryStep(UnaryOp::Reciprocal),
                                                 elementwiseStep(ElementwiseOp::Mul, 3),
                                                 unaryStep(UnaryOp::Floor),
                                                 unaryStep(UnaryOp::Abs),
                                                 elementwiseStep(ElementwiseOp::Add, 5),
                                                 elementwiseStep(ElementwiseOp::Div, 3, true),
                                                 unaryStep(UnaryOp::Ceil),
                                                 elementwiseStep(ElementwiseOp::Max, 2, true),
                                                 elementwiseStep(ElementwiseOp::Min, 4)};

const std::vector<PointwiseStep> kSigmoidTanhEluExpChain = {
    activationStep(ActivationType::Sigmoid), scaleShiftStep(1, 2), activationStep(ActivationType::Tanh),
    activationStep(ActivationType::Elu, 1.0f), unaryStep(UnaryOp::Exp)};

// Softplus is positive, so Selu scales it and Log sees a positive value; Pow raises the positive divisor
// to the running value.
const std::vector<PointwiseStep> kSoftplusSeluLogErfPowChain = {
    activationStep(ActivationType::Softplus),
    activationStep(ActivationType::Selu, 1.6732632f, 1.0507010f),
    unaryStep(UnaryOp::Log),
    unaryStep(UnaryOp::Erf),
    elementwiseStep(ElementwiseOp::Pow, 5, true),
    activationStep(ActivationType::HardSigmoid, 0.2f, 0.5f),
    activationStep(ActivationType::Sigmoid)};

TEST(KilnCudaPointwise, ExactChainsMatchReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(23);
    expectChainMatches(kExactChainA, kExact, "exact chain A", rng);
    expectChainMatches(kExactChainB, kExact, "exact chain B", rng);
}

TEST(KilnCudaPointwise, TranscendentalChainsMatchReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(24);
    expectChainMatches(kSigmoidTanhEluExpChain, kTranscendentalChain, "sigmoid-tanh-elu-exp chain", rng);
    expectChainMatches(kSoftplusSeluLogErfPowChain, kTranscendentalChain, "softplus-selu-log-erf-pow chain",
                       rng);
}

// SiLU as the fusion pass builds it: x * sigmoid(x), the operand being the chain's own data tensor.
Result<SingleLayerNetwork> makeSiluNetwork(const Dims& dims) {
    SingleLayerNetwork net;
    net.network = std::make_unique<NetworkDefinition>();
    KILN_ASSIGN_OR_RETURN(Tensor * input, net.network->addInput("input0", DataType::Float32, dims));
    const PointwiseChainParams silu{
        {activationStep(ActivationType::Sigmoid), elementwiseStep(ElementwiseOp::Mul, 1)}};
    KILN_ASSIGN_OR_RETURN(net.layer, net.network->addLayer("layer", silu, {input, input}, {"output0"}));
    KILN_RETURN_IF_ERROR(net.network->markOutput(net.layer->output(0)));
    return net;
}

TEST(KilnCudaPointwise, SiluChainReadingItsOwnDataMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(25);
    for (const Dims& dims : kShapes) {
        const HostTensor x = floats(dims, rng, -8.0f, 8.0f, {0.0f, -0.0f});
        auto net = makeSiluNetwork(dims);
        ASSERT_TRUE(net.isOk()) << net.status().message();
        // Sigmoid's few ulp, times x exactly rounded.
        expectGpuTacticsMatchReference(provider(), net.value(), {&x, &x}, kTranscendental.rtol,
                                       kTranscendental.atol, "SiLU " + toString(dims));
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

// ---- FP16 channels-last tensors (FP16 builds) ----
//
// The activations are NHWC<padding> FP16: runTactic hands the kernels FP16 copies of them and checks
// that the padded lanes of the output are zeros. Most inputs below are FP16 values already, so that the
// kernels and the reference compute from the same numbers (constants stay FP32 on both sides): the
// kernels' FP32 results then agree with the reference as the FP32 tests above say, and the one
// rounding of each result to FP16 adds at most 2^-11 of it, or 2^-25 below FP16's smallest normal
// 2^-14. ChannelsLastFp16MatchesReferenceOnFp32Inputs adds what rounding FP32 inputs costs.

constexpr float kHalfRoundoff = 1.0f / 2048.0f;               // 2^-11
constexpr float kHalfSubnormalRoundoff = 1.0f / 33554432.0f;  // 2^-25

// With the FP32 result y within rtol |r| + atol of the reference's r, and |fl16(y) - y| <= 2^-11 |y| +
// 2^-25: |fl16(y) - r| <= (rtol + 2^-11 (1 + rtol)) |r| + atol (1 + 2^-11) + 2^-25.
constexpr Tolerance halfRounded(Tolerance fp32) {
    return {fp32.rtol + kHalfRoundoff * (1.0f + fp32.rtol),
            fp32.atol * (1.0f + kHalfRoundoff) + kHalfSubnormalRoundoff};
}

TensorFormat nhwcHalf(int padding) {
    return TensorFormat::nhwc(padding, DataType::Float16);
}

// Every element rounded to FP16, so that storing the tensor as FP16 changes nothing.
HostTensor halfValues(HostTensor tensor) {
    for (int64_t i = 0; i < tensor.elementCount(); ++i)
        tensor.data<float>()[i] = halfToFloat(floatToHalf(tensor.data<float>()[i]));
    return tensor;
}

HostTensor halfFloats(const Dims& dims, std::mt19937& rng, float low, float high,
                      const std::vector<float>& specials = {}) {
    return halfValues(floats(dims, rng, low, high, specials));
}

std::string channelsLastId(const std::string& family) {
    return "kiln-cuda:" + family + ":nhwc-fp16";
}

// Runs the network's layer with every activation in NHWC<padding> FP16, where only the family's
// channels-last tactic may be offered, against the reference.
void expectChannelsLastMatches(SingleLayerNetwork& net, const std::vector<const HostTensor*>& inputs,
                               const std::string& family, int padding, Tolerance tolerance,
                               const std::string& what) {
    setActivationFormats(*net.layer, nhwcHalf(padding));
    const std::string name = what + " in NHWC" + std::to_string(padding) + " FP16";
    std::vector<tactics::SkippedTactic> skipped;
    std::set<std::string> ids;
    for (const auto& tactic : offeredTactics(provider(), tactics::LayerConfig::of(*net.layer), &skipped))
        ids.insert(tactic->id());
    std::string reasons;
    for (const auto& skip : skipped) {
        if (skip.id == channelsLastId(family)) reasons = skip.reason;
    }
    EXPECT_EQ(ids, std::set<std::string>{channelsLastId(family)}) << name << ": " << reasons;
    expectGpuTacticsMatchReference(provider(), net, inputs, tolerance.rtol, tolerance.atol, name);
}

void expectChannelsLastMatches(const LayerParams& params, const std::vector<const HostTensor*>& inputs,
                               const std::vector<bool>& isActivation, const std::string& family, int padding,
                               Tolerance tolerance, const std::string& what) {
    auto net = makeSingleLayerNetwork(params, inputs, isActivation);
    ASSERT_TRUE(net.isOk()) << what << ": " << net.status().message();
    expectChannelsLastMatches(net.value(), inputs, family, padding, tolerance, what);
}

// Channels 3, 13, 16 and 40 (with padding 8: 5, 3, 0 and 0 padded lanes), batch 1 and 3, odd spatial
// extents, one position (the squeeze-excitation branch after global pooling), ranks 2, 3 and 5.
const std::vector<Dims> kChannelsLastShapes = {{1, 3, 5, 7},  {3, 13, 7, 9}, {1, 16, 3, 5},   {3, 40, 5, 3},
                                               {3, 13, 1, 1}, {2, 13, 11},   {1, 3, 3, 5, 7}, {3, 13}};
// 8 and 16: 16-byte accesses; 2: 4-byte accesses; 1: one half at a time, no padded lanes.
const std::vector<int> kChannelPaddings = {8, 16, 2, 1};

TEST(KilnCudaPointwise, ChannelsLastFp16ActivationMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(31);
    struct Case {
        ActivationParams params;
        Tolerance tolerance;
    };
    const std::vector<Case> cases = {
        {{ActivationType::Relu}, halfRounded(kExact)},
        {{ActivationType::LeakyRelu, 0.1f}, halfRounded(kExact)},
        {{ActivationType::Sigmoid}, halfRounded(kTranscendental)},
        {{ActivationType::Tanh}, halfRounded(kTranscendental)},
        {{ActivationType::Clip, 0.0f, 6.0f}, halfRounded(kExact)},
        {{ActivationType::HardSigmoid, 0.2f, 0.5f}, halfRounded(kExact)},
        {{ActivationType::HardSwish}, halfRounded(kExact)},
        {{ActivationType::Elu, 1.0f}, halfRounded(kTranscendental)},
        {{ActivationType::Selu, 1.6732632f, 1.0507010f}, halfRounded(kTranscendental)},
        {{ActivationType::Softplus}, halfRounded(kTranscendental)},
    };
    const std::vector<float> kinks = {0.0f, -0.0f, 1e-6f, -1e-6f, 6.0f, -2.5f, -3.0f, 3.0f, 8.0f, -8.0f};
    for (const Case& c : cases) {
        for (const Dims& dims : kChannelsLastShapes) {
            for (const int padding : kChannelPaddings) {
                const HostTensor x = halfFloats(dims, rng, -8.0f, 8.0f, kinks);
                expectChannelsLastMatches(c.params, {&x}, {true}, "activation", padding, c.tolerance,
                                          std::string(toString(c.params.type)) + " " + toString(dims));
            }
        }
    }
}

TEST(KilnCudaPointwise, ChannelsLastFp16UnaryMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(32);
    struct Case {
        UnaryOp op;
        float low;
        float high;
        Tolerance tolerance;
    };
    // Floor and Ceil are exact only because their inputs are FP16 values: an FP32 input just below an
    // integer may round up to it.
    const std::vector<Case> cases = {
        {UnaryOp::Exp, -8.0f, 8.0f, halfRounded(kTranscendental)},
        {UnaryOp::Log, 0.01f, 8.0f, halfRounded(kTranscendental)},
        {UnaryOp::Sqrt, 0.0f, 8.0f, halfRounded(kExact)},
        {UnaryOp::Abs, -8.0f, 8.0f, halfRounded(kExact)},
        {UnaryOp::Neg, -8.0f, 8.0f, halfRounded(kExact)},
        {UnaryOp::Reciprocal, 0.1f, 8.0f, halfRounded(kExact)},
        {UnaryOp::Floor, -8.0f, 8.0f, halfRounded(kExact)},
        {UnaryOp::Ceil, -8.0f, 8.0f, halfRounded(kExact)},
        {UnaryOp::Erf, -4.0f, 4.0f, halfRounded(kTranscendental)},
    };
    for (const Case& c : cases) {
        for (const Dims& dims : kChannelsLastShapes) {
            HostTensor x = halfFloats(dims, rng, c.low, c.high, {c.low, c.high});
            if (c.op == UnaryOp::Reciprocal) {  // both signs
                for (int64_t i = 0; i < x.elementCount(); i += 2)
                    x.data<float>()[i] = -x.data<float>()[i];
            }
            expectChannelsLastMatches(UnaryParams{c.op}, {&x}, {true}, "unary", 8, c.tolerance,
                                      std::string(toString(c.op)) + " " + toString(dims));
        }
    }
}

// The second operands of an elementwise layer over an [n, c, h, w] output, first the activations (in
// the output's format): the output's shape (residual adds), squeeze-excitation scales [n, c, 1, 1] on
// either side, one value per channel, one element, one value per image, one image for all, one channel
// for all; then constants: per channel (a folded bias, at rank 4 and 3), one element, one value per
// position and one of the output's shape.
std::vector<BroadcastCase> channelsLastOperands(int64_t n, int64_t c, int64_t h, int64_t w) {
    return {
        {{n, c, h, w}, {n, c, h, w}},
        {{n, c, h, w}, {n, c, 1, 1}},
        {{n, c, 1, 1}, {n, c, h, w}},
        {{n, c, h, w}, {1, c, 1, 1}},
        {{n, c, h, w}, {1, 1, 1, 1}},
        {{n, c, h, w}, {n, 1, 1, 1}},
        {{n, c, h, w}, {1, c, h, w}},
        {{n, c, h, w}, {n, 1, h, w}},
        {{n, c, h, w}, {1, c, 1, 1}, true, false},
        {{n, c, h, w}, {c, 1, 1}, true, false},
        {{n, c, h, w}, {}, true, false},
        {{n, c, h, w}, {h, w}, true, false},
        {{n, c, h, w}, {n, c, h, w}, true, false},
    };
}

const std::vector<Dims> kChannelsLastOutputs = {{1, 3, 5, 7}, {3, 13, 7, 9}, {1, 16, 3, 5}, {3, 40, 5, 3}};

// FP16 values for the activations; constants keep their FP32 values, which the kernels read as they are.
HostTensor operandValues(const Dims& dims, bool activation, std::mt19937& rng, float low, float high,
                         const std::vector<float>& specials = {}) {
    const HostTensor values = floats(dims, rng, low, high, specials);
    return activation ? halfValues(values) : values;
}

TEST(KilnCudaPointwise, ChannelsLastFp16ArithmeticMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(33);
    for (const Dims& output : kChannelsLastOutputs) {
        for (const BroadcastCase& c : channelsLastOperands(output[0], output[1], output[2], output[3])) {
            for (const ElementwiseOp op :
                 {ElementwiseOp::Add, ElementwiseOp::Sub, ElementwiseOp::Mul, ElementwiseOp::Div,
                  ElementwiseOp::Max, ElementwiseOp::Min, ElementwiseOp::PRelu}) {
                const HostTensor a = operandValues(c.a, c.aActivation, rng, -8.0f, 8.0f, {0.0f, -0.0f, 1.0f});
                // Divisors of both signs, never zero.
                HostTensor b = operandValues(c.b, c.bActivation, rng, 0.5f, 4.0f, {1.0f, 0.5f});
                for (int64_t i = 1; i < b.elementCount(); i += 2)
                    b.data<float>()[i] = -b.data<float>()[i];
                expectChannelsLastMatches(ElementwiseParams{op}, {&a, &b}, {c.aActivation, c.bActivation},
                                          "elementwise", 8, halfRounded(kExact),
                                          std::string(toString(op)) + " " + describe(c));
            }
            // Positive bases with fractional exponents, and bases of either sign with whole ones.
            const HostTensor base = operandValues(c.a, c.aActivation, rng, 0.1f, 4.0f);
            const HostTensor exponent = operandValues(c.b, c.bActivation, rng, -3.0f, 3.0f);
            expectChannelsLastMatches(ElementwiseParams{ElementwiseOp::Pow}, {&base, &exponent},
                                      {c.aActivation, c.bActivation}, "elementwise", 8,
                                      halfRounded(kTranscendental), "Pow " + describe(c));
            HostTensor signedBase = operandValues(c.a, c.aActivation, rng, 0.25f, 4.0f);
            for (int64_t i = 0; i < signedBase.elementCount(); i += 2)
                signedBase.data<float>()[i] *= -1.0f;
            const HostTensor whole = steppedFloats(c.b, rng, -4, 4, 1.0f);
            expectChannelsLastMatches(ElementwiseParams{ElementwiseOp::Pow}, {&signedBase, &whole},
                                      {c.aActivation, c.bActivation}, "elementwise", 8,
                                      halfRounded(kTranscendental), "Pow (whole exponents) " + describe(c));
        }
    }
}

TEST(KilnCudaPointwise, ChannelsLastFp16BatchNormMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(34);
    // The same double arithmetic as the reference from the same inputs, then one rounding to FP16.
    for (const Dims& dims : kChannelsLastShapes) {
        for (const int padding : kChannelPaddings) {
            const Dims channel = {dims[1]};
            const HostTensor x = halfFloats(dims, rng, -8.0f, 8.0f);
            const HostTensor scale = floats(channel, rng, -2.0f, 2.0f);
            const HostTensor bias = floats(channel, rng, -1.0f, 1.0f);
            const HostTensor mean = floats(channel, rng, -1.0f, 1.0f);
            const HostTensor variance = floats(channel, rng, 0.0f, 2.0f, {0.0f});
            expectChannelsLastMatches(BatchNormParams{1e-3f}, {&x, &scale, &bias, &mean, &variance},
                                      {true, false, false, false, false}, "batch-norm", padding,
                                      halfRounded(kExact), "batch-norm " + toString(dims));
        }
    }
}

// Chain inputs in the order the chains above read them: data, scale and shift per channel (constants
// or activations), an addend of the data's shape, a constant single multiplier, and a positive divisor
// (an activation where the scale is a constant, and the other way round).
struct ChannelsLastChainCase {
    Dims data;
    Dims scale;
    Dims divisor;
    bool scaleActivation;
    int padding;
};

const std::vector<ChannelsLastChainCase> kChannelsLastChainCases = {
    {{1, 3, 5, 7}, {1, 3, 1, 1}, {1, 3, 1, 1}, false, 8},
    {{3, 13, 7, 9}, {3, 13, 1, 1}, {13, 1, 1}, true, 8},
    {{3, 40, 5, 3}, {1, 40, 1, 1}, {3, 40, 1, 1}, false, 8},
    {{1, 16, 3, 5}, {1, 16, 1, 1}, {1, 1, 3, 5}, true, 8},
    {{2, 13, 11}, {1, 13, 1}, {1, 1, 1}, false, 8},
    {{3, 13, 5, 5}, {3, 13, 1, 1}, {}, true, 16},
    {{3, 13, 5, 7}, {1, 13, 1, 1}, {3, 1, 1, 1}, false, 2},
    {{1, 3, 5, 7}, {3, 1, 1}, {1, 3, 5, 7}, false, 1},
};

void expectChannelsLastChainMatches(const std::vector<PointwiseStep>& steps, Tolerance tolerance,
                                    const std::string& name, std::mt19937& rng) {
    for (const ChannelsLastChainCase& c : kChannelsLastChainCases) {
        const bool s = c.scaleActivation;
        const HostTensor x = halfFloats(c.data, rng, -8.0f, 8.0f, {0.0f, -0.0f, -2.5f, 2.5f, 3.0f, -3.0f});
        HostTensor scale = operandValues(c.scale, s, rng, 0.5f, 2.0f);
        for (int64_t i = 0; i < scale.elementCount(); i += 2)
            scale.data<float>()[i] = -scale.data<float>()[i];
        const HostTensor shift = operandValues(c.scale, s, rng, -1.0f, 1.0f);
        const HostTensor addend = halfFloats(c.data, rng, -2.0f, 2.0f);
        const HostTensor single = floats({}, rng, -1.5f, 1.5f);
        const HostTensor divisor = operandValues(c.divisor, !s, rng, 1.0f, 2.0f);
        expectChannelsLastMatches(
            PointwiseChainParams{steps}, {&x, &scale, &shift, &addend, &single, &divisor},
            {true, s, s, true, false, !s}, "pointwise-chain", c.padding, tolerance,
            name + " on " + toString(c.data) + " with " + toString(c.scale) + " and " + toString(c.divisor));
    }
}

TEST(KilnCudaPointwise, ChannelsLastFp16ChainsMatchReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(35);
    expectChannelsLastChainMatches(kExactChainA, halfRounded(kExact), "exact chain A", rng);
    expectChannelsLastChainMatches(kExactChainB, halfRounded(kExact), "exact chain B", rng);
    expectChannelsLastChainMatches(kSigmoidTanhEluExpChain, halfRounded(kTranscendentalChain),
                                   "sigmoid-tanh-elu-exp chain", rng);
    expectChannelsLastChainMatches(kSoftplusSeluLogErfPowChain, halfRounded(kTranscendentalChain),
                                   "softplus-selu-log-erf-pow chain", rng);
}

// The chains the fusion passes build in CNNs: a residual add with ReLU, a folded batch norm (per-channel
// scale and shift constants) with ReLU, a squeeze-excitation scale ([N, C, 1, 1] activation) then a
// residual add, and a sigmoid gate.
TEST(KilnCudaPointwise, ChannelsLastFp16NetworkChainsMatchReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(36);
    const std::vector<PointwiseStep> residualRelu = {elementwiseStep(ElementwiseOp::Add, 1),
                                                     activationStep(ActivationType::Relu)};
    const std::vector<PointwiseStep> scaleShiftRelu = {scaleShiftStep(1, 2),
                                                       activationStep(ActivationType::Relu)};
    const std::vector<PointwiseStep> excitationResidual = {elementwiseStep(ElementwiseOp::Mul, 1),
                                                           elementwiseStep(ElementwiseOp::Add, 2)};
    const std::vector<PointwiseStep> sigmoidGate = {activationStep(ActivationType::Sigmoid),
                                                    elementwiseStep(ElementwiseOp::Mul, 1)};
    for (const Dims& dims : kChannelsLastOutputs) {
        const Dims perChannel = {1, dims[1], 1, 1};
        const Dims excitation = {dims[0], dims[1], 1, 1};
        const std::string shape = " " + toString(dims);
        const HostTensor x = halfFloats(dims, rng, -4.0f, 4.0f, {0.0f, -0.0f});
        const HostTensor residual = halfFloats(dims, rng, -4.0f, 4.0f);
        const HostTensor scale = floats(perChannel, rng, -2.0f, 2.0f);
        const HostTensor shift = floats(perChannel, rng, -1.0f, 1.0f);
        const HostTensor gate = halfFloats(excitation, rng, 0.0f, 1.0f);
        expectChannelsLastMatches(PointwiseChainParams{residualRelu}, {&x, &residual}, {true, true},
                                  "pointwise-chain", 8, halfRounded(kExact), "residual add + ReLU" + shape);
        expectChannelsLastMatches(PointwiseChainParams{scaleShiftRelu}, {&x, &scale, &shift},
                                  {true, false, false}, "pointwise-chain", 8, halfRounded(kExact),
                                  "scale-shift + ReLU" + shape);
        expectChannelsLastMatches(PointwiseChainParams{excitationResidual}, {&x, &gate, &residual},
                                  {true, true, true}, "pointwise-chain", 8, halfRounded(kExact),
                                  "excitation scale + residual add" + shape);
        expectChannelsLastMatches(PointwiseChainParams{sigmoidGate}, {&x, &residual}, {true, true},
                                  "pointwise-chain", 8, halfRounded(kTranscendental), "sigmoid gate" + shape);
    }
}

TEST(KilnCudaPointwise, ChannelsLastFp16SiluChainReadingItsOwnDataMatchesReference) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(37);
    for (const Dims& dims : kChannelsLastShapes) {
        for (const int padding : kChannelPaddings) {
            const HostTensor x = halfFloats(dims, rng, -8.0f, 8.0f, {0.0f, -0.0f});
            auto net = makeSiluNetwork(dims);
            ASSERT_TRUE(net.isOk()) << net.status().message();
            // Sigmoid's few ulp, times x exactly rounded, then rounded to FP16.
            expectChannelsLastMatches(net.value(), {&x, &x}, "pointwise-chain", padding,
                                      halfRounded(kTranscendental), "SiLU " + toString(dims));
        }
    }
}

// FP32 inputs, as a network's are before they reach FP16 storage: each input is off by up to 2^-11 of
// itself (2^-25 below 2^-14) before the kernel sees it, and the kernel's FP32 result is rounded once
// more.
TEST(KilnCudaPointwise, ChannelsLastFp16MatchesReferenceOnFp32Inputs) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(38);
    for (const Dims& dims : {Dims{3, 13, 7, 9}, Dims{1, 40, 5, 3}}) {
        const std::string shape = " " + toString(dims);
        // Residual add + ReLU of |x|, |y| <= 1. Rounding the inputs moves the sum by up to 2^-11 (|x| + |y|)
        // + 2 * 2^-25 <= 2^-10 + 2^-24, which does not shrink where x and y cancel; ReLU passes it on.
        // FP32 rounds the kernel's sum and the reference's (each at most 2 in size) by up to 2^-23 each.
        // Rounding the output adds 2^-11 of the result and of that difference, and 2^-25. So 2^-11 |r| +
        // 2^-10, and less than 2^-20 for the rest.
        const HostTensor x = floats(dims, rng, -1.0f, 1.0f);
        const HostTensor y = floats(dims, rng, -1.0f, 1.0f);
        const Tolerance residual{kHalfRoundoff, 2.0f * kHalfRoundoff + 1.0f / 1048576.0f};
        expectChannelsLastMatches(PointwiseChainParams{{elementwiseStep(ElementwiseOp::Add, 1),
                                                        activationStep(ActivationType::Relu)}},
                                  {&x, &y}, {true, true}, "pointwise-chain", 8, residual,
                                  "FP32 residual add + ReLU" + shape);
        // Squeeze-excitation scale: a product has the relative errors of its factors, so x and the scale
        // rounded, the FP32 product and the output's rounding give (1 + 2^-11)^3 (1 + 2^-24) / (1 - 2^-24)
        // - 1 < 3 * 2^-11 + 2^-20 of the result. A factor below 2^-14 is off by up to 2^-25 instead, times
        // the other factor (|x| <= 8, scale <= 1): 2^-22, and a result there by 2^-25 more: below 2^-21.
        const HostTensor wide = floats(dims, rng, -8.0f, 8.0f);
        const HostTensor scale = floats({dims[0], dims[1], 1, 1}, rng, 0.0f, 1.0f);
        const Tolerance product{3.0f * kHalfRoundoff + 1.0f / 1048576.0f, 1.0f / 2097152.0f};
        expectChannelsLastMatches(ElementwiseParams{ElementwiseOp::Mul}, {&wide, &scale}, {true, true},
                                  "elementwise", 8, product, "FP32 excitation scale" + shape);
        expectChannelsLastMatches(ElementwiseParams{ElementwiseOp::Mul}, {&scale, &wide}, {true, true},
                                  "elementwise", 8, product, "FP32 excitation scale on the left" + shape);
    }
}

// Tensors in another format, operands the channels-last kernels cannot index, and kinds of layer they do
// not run are skipped with the reason.
TEST(KilnCudaPointwise, ChannelsLastFp16TacticsSayWhyTheyCannotRun) {
    KILN_REQUIRE_GPU();
    std::mt19937 rng(39);
    const auto expectSkipped = [](const Layer& layer, const std::string& family, const std::string& reason,
                                  const std::string& what) {
        std::vector<tactics::SkippedTactic> skipped;
        const auto offered = offeredTactics(provider(), tactics::LayerConfig::of(layer), &skipped);
        for (const auto& tactic : offered)
            EXPECT_NE(tactic->id(), channelsLastId(family)) << what;
        std::string found;
        for (const auto& skip : skipped) {
            if (skip.id == channelsLastId(family)) found = skip.reason;
        }
        EXPECT_EQ(found, reason) << what;
    };
    const Dims dims = {3, 13, 5, 7};
    const HostTensor a = randomTensor(dims, rng);
    struct FormatCase {
        TensorFormat input0;
        TensorFormat input1;
        TensorFormat output;
        std::string reason;
    };
    const std::vector<FormatCase> formatCases = {
        {{}, {}, {}, "needs FP16 channels-last storage, not NCHW FP32"},
        {TensorFormat::nhwc(8), TensorFormat::nhwc(8), TensorFormat::nhwc(8),
         "needs FP16 channels-last storage, not NHWC8 FP32"},
        {TensorFormat::blocked(8), TensorFormat::blocked(8), TensorFormat::blocked(8),
         "needs FP16 channels-last storage, not NCHW8c FP32"},
        {nhwcHalf(8), nhwcHalf(16), nhwcHalf(8), "input 1 is NHWC16 FP16, not the output's NHWC8 FP16"},
        {nhwcHalf(8), TensorFormat{}, nhwcHalf(8), "input 1 is NCHW FP32, not the output's NHWC8 FP16"},
        {TensorFormat{0, false, DataType::Float16}, nhwcHalf(8), nhwcHalf(8),
         "input 0 is NCHW FP16, not the output's NHWC8 FP16"},
    };
    for (const FormatCase& c : formatCases) {
        auto net = makeSingleLayerNetwork(ElementwiseParams{ElementwiseOp::Add}, {&a, &a}, {true, true});
        ASSERT_TRUE(net.isOk()) << net.status().message();
        Layer& layer = *net.value().layer;
        layer.input(0)->setFormat(c.input0);
        layer.input(1)->setFormat(c.input1);
        layer.output(0)->setFormat(c.output);
        expectSkipped(layer, "elementwise", c.reason, c.reason);
    }

    // Activations of another rank, or broadcast along only some spatial axes, have no place in the
    // output's layout where the kernels could find them.
    for (const Dims& operand : {Dims{13, 1, 1}, Dims{3, 13, 1, 7}}) {
        const HostTensor b = randomTensor(operand, rng);
        auto net = makeSingleLayerNetwork(ElementwiseParams{ElementwiseOp::Mul}, {&a, &b}, {true, true});
        ASSERT_TRUE(net.isOk()) << net.status().message();
        setActivationFormats(*net.value().layer, nhwcHalf(8));
        expectSkipped(*net.value().layer, "elementwise",
                      "input 1 (" + toString(operand) +
                          ") is neither one element nor of the output's rank with the output's spatial "
                          "extents or ones there",
                      toString(operand));
    }

    auto less = makeSingleLayerNetwork(ElementwiseParams{ElementwiseOp::Less}, {&a, &a}, {true, true});
    ASSERT_TRUE(less.isOk()) << less.status().message();
    setActivationFormats(*less.value().layer, nhwcHalf(8));
    expectSkipped(*less.value().layer, "elementwise", "computes FP32 tensors (stored as FP16), not BOOL",
                  "a comparison");

    const HostTensor channel = floats({13}, rng, 0.5f, 1.0f);
    auto batchNorm =
        makeSingleLayerNetwork(BatchNormParams{1e-5f}, {&a, &channel, &channel, &channel, &channel},
                               {true, true, false, false, false});
    ASSERT_TRUE(batchNorm.isOk()) << batchNorm.status().message();
    setActivationFormats(*batchNorm.value().layer, nhwcHalf(8));
    batchNorm.value().layer->input(1)->setFormat(TensorFormat{});
    expectSkipped(*batchNorm.value().layer, "batch-norm",
                  "reads scale, bias, mean and variance as constants only",
                  "batch-norm with an activation scale");

    auto longChain = makeSingleLayerNetwork(
        PointwiseChainParams{std::vector<PointwiseStep>(17, activationStep(ActivationType::Relu))}, {&a},
        {true});
    ASSERT_TRUE(longChain.isOk()) << longChain.status().message();
    setActivationFormats(*longChain.value().layer, nhwcHalf(8));
    expectSkipped(*longChain.value().layer, "pointwise-chain", "17 steps; the kernel takes at most 16",
                  "a chain of 17 steps");
}

}  // namespace
}  // namespace kiln::test

// Kiln's Activation, Unary and PointwiseChain kernels against the reference kernels on random data with
// fixed seeds: odd shapes (channels not a multiple of the block), batch 1 and 3, ranks 1 to 5, linear,
// blocked by 8 and 16 and dense channels-last, on every instruction set of this CPU (the scalar path
// included).
//
// Tolerances: arithmetic, comparisons, selects, sqrt, floor and ceil are IEEE operations done in the
// reference's order without fused multiply-adds, and softplus, log, erf and pow call the reference's
// own scalar functions: those must match exactly (0 ulp). Exp-based functions use the SIMD exp, within
// 2 ulp of the correctly rounded exp (fast_vector_math_test); std::exp is within 1 ulp, so exp differs
// from the reference by at most 3 ulp, sigmoid by 4 (the extra add and divide round in both), tanh by
// 4. ELU and SELU subtract 1 (alpha) from exp(x): near x = 0 that cancels, so they get an absolute
// bound of 4 ulp of 1.0 times the largest coefficient instead.
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backends/cpu/fast/fast_pointwise.h"
#include "fast_test_helpers.h"
#include "tactics/formats.h"

namespace kiln::test {
namespace {

constexpr double kUlpOfOne = 1.1920928955078125e-07;

const std::vector<Dims> kShapes{{1, 3, 5, 7},     {3, 20, 7, 9}, {2, 16, 4, 4}, {1, 19, 2, 3, 4},
                                {2, 17, 33},      {1, 40, 1, 1}, {1, 24, 30, 30}, {1, 8, 70, 70}};
// Rank 1 and 2 tensors and scalars are only ever linear.
const std::vector<Dims> kLinearOnlyShapes{{4, 10}, {37}, {}};

struct ActivationCase {
    ActivationParams params;
    int64_t maxUlp;
    double absolute;
};

std::vector<ActivationCase> activationCases() {
    using T = ActivationType;
    return {
        {{T::Relu, 0.0f, 0.0f}, 0, 0.0},
        {{T::LeakyRelu, 0.1f, 0.0f}, 0, 0.0},
        {{T::Sigmoid, 0.0f, 0.0f}, 4, 0.0},
        {{T::Tanh, 0.0f, 0.0f}, 4, 0.0},
        {{T::Clip, -0.5f, 6.0f}, 0, 0.0},
        {{T::HardSigmoid, 0.2f, 0.5f}, 0, 0.0},
        {{T::HardSwish, 0.0f, 0.0f}, 0, 0.0},
        {{T::Elu, 1.3f, 0.0f}, 3, 4 * kUlpOfOne * 1.3},
        {{T::Selu, 1.67326f, 1.0507f}, 3, 4 * kUlpOfOne * 1.67326 * 1.0507},
        {{T::Softplus, 0.0f, 0.0f}, 0, 0.0},
        // x / 2 * (1 + erf(x / sqrt(2))) with the vector erf (within 4 ulp): 4 ulp where 1 + erf is not
        // small; where it is (x < -1), the erf's absolute error (4 ulp of 1) and the rounding of 1 + erf
        // (half an ulp of 2), times |x| / 2 <= 4 on [-8, 8] (beyond, erf is -1 in both).
        {{T::Gelu, 0.0f, 0.0f}, 4, 4 * (4 + 1) * kUlpOfOne},
        // x / 2 * (1 + tanh(u)), u = sqrt(2 / pi) * (x + 0.044715 x^3) computed in float with one fused
        // multiply-add (within 2 ulp of u): the vector tanh's 4 ulp, plus u's error carried through tanh
        // (tanh'(u) * 2 ulp of |u|, at most 0.45 * 2 ulp of 1, as u * sech^2 u <= 0.45), plus the rounding of
        // 1 + tanh: 6 ulp where 1 + tanh is not small; where it is, 4 + 1 + 1 ulp of 1 absolute, times
        // |x| / 2 <= 4 on [-8, 8].
        {{T::GeluTanh, 0.0f, 0.0f}, 6, 4 * (4 + 1 + 1) * kUlpOfOne},
    };
}

TEST(KilnActivation, MatchesReferenceInEveryFormat) {
    std::mt19937 rng(1);
    for (const ActivationCase& c : activationCases()) {
        for (const Dims& dims : kShapes) {
            // [-8, 8] covers both sides of every kink (clip, hard sigmoid / swish) and tanh's two branches.
            const HostTensor x = randomTensor(dims, rng, -8.0f, 8.0f);
            for (TensorFormat format : pointwiseFormats()) {
                checkAgainstReference(c.params, {&x}, {true}, format, "kiln:activation", c.maxUlp, c.absolute,
                                      std::string(toString(c.params.type)) + " " + toString(dims));
            }
        }
        for (const Dims& dims : kLinearOnlyShapes) {
            const HostTensor x = randomTensor(dims, rng, -8.0f, 8.0f);
            checkAgainstReference(c.params, {&x}, {true}, TensorFormat{}, "kiln:activation", c.maxUlp, c.absolute,
                                  std::string(toString(c.params.type)) + " " + toString(dims));
        }
    }
}

TEST(KilnActivation, WideRangeAndSpecialValues) {
    // Overflow of exp, subnormal results, saturation, infinities and NaN must come out as the
    // reference's.
    std::mt19937 rng(2);
    HostTensor x = randomTensor({1, 21, 9, 11}, rng, -120.0f, 120.0f);
    const float specials[] = {0.0f, -0.0f, std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN(),
                              88.8f, -88.8f, 1e-40f, -1e-40f};
    for (size_t i = 0; i < std::size(specials); ++i) x.data<float>()[i * 37] = specials[i];
    for (const ActivationCase& c : activationCases()) {
        // Subnormal results: the reference's std::exp keeps them to the last bit, the SIMD exp rounds
        // them once from a normal intermediate; they may differ by one subnormal step.
        const double absolute = std::max(c.absolute, c.maxUlp > 0 ? 1.0e-44 : 0.0);
        for (TensorFormat format : pointwiseFormats()) {
            checkAgainstReference(c.params, {&x}, {true}, format, "kiln:activation", c.maxUlp, absolute,
                                  std::string(toString(c.params.type)) + " wide range");
        }
    }
}

TEST(KilnUnary, MatchesReferenceInEveryFormat) {
    std::mt19937 rng(3);
    const std::vector<std::pair<UnaryOp, int64_t>> ops{
        {UnaryOp::Exp, 3},  {UnaryOp::Log, 0},        {UnaryOp::Sqrt, 0},  {UnaryOp::Abs, 0},
        {UnaryOp::Neg, 0},  {UnaryOp::Reciprocal, 0}, {UnaryOp::Floor, 0}, {UnaryOp::Ceil, 0},
        {UnaryOp::Erf, 4},  {UnaryOp::Sin, 0},        {UnaryOp::Cos, 0},   {UnaryOp::Tan, 0},
        {UnaryOp::Asin, 0}, {UnaryOp::Acos, 0},       {UnaryOp::Atan, 0},  {UnaryOp::Sinh, 0},
        {UnaryOp::Cosh, 0}, {UnaryOp::Asinh, 0},      {UnaryOp::Acosh, 0}, {UnaryOp::Atanh, 0},
        {UnaryOp::Sign, 0}, {UnaryOp::Round, 0},
    };
    for (const auto& [op, maxUlp] : ops) {
        for (const Dims& dims : kShapes) {
            // Negative inputs included: log and sqrt must give NaN where the reference does.
            const HostTensor x = randomTensor(dims, rng, -5.0f, 5.0f);
            for (TensorFormat format : pointwiseFormats()) {
                checkAgainstReference(UnaryParams{op}, {&x}, {true}, format, "kiln:unary", maxUlp, 0.0,
                                      std::string(toString(op)) + " " + toString(dims));
            }
        }
        const HostTensor x = randomTensor({37}, rng, -5.0f, 5.0f);
        checkAgainstReference(UnaryParams{op}, {&x}, {true}, TensorFormat{}, "kiln:unary", maxUlp, 0.0,
                              std::string(toString(op)) + " rank 1");
    }
}

PointwiseStep activationStep(ActivationType type, float alpha = 0.0f, float beta = 0.0f) {
    PointwiseStep step;
    step.kind = PointwiseStep::Kind::Activation;
    step.activation = {type, alpha, beta};
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

PointwiseStep unaryStep(UnaryOp op) {
    PointwiseStep step;
    step.kind = PointwiseStep::Kind::Unary;
    step.unary = op;
    return step;
}

// A chain of exact steps over constants of every broadcast pattern: per channel as batch-norm folds
// it ([C, 1, ...]), [1, C, 1, ...], scalar, the data's shape without batch, and per batch entry.
TEST(KilnPointwiseChain, ExactStepsOverEveryOperandPatternMatchReference) {
    std::mt19937 rng(4);
    for (const Dims& dims : kShapes) {
        const size_t rank = dims.size();
        Dims perChannel{dims[1]};
        perChannel.resize(rank - 1, 1);
        Dims withBatchAxis{1, dims[1]};
        withBatchAxis.resize(rank, 1);
        const Dims withoutBatch(dims.begin() + 1, dims.end());
        Dims perBatch{dims[0]};
        perBatch.resize(rank, 1);
        const HostTensor x = randomTensor(dims, rng, -3.0f, 3.0f);
        const HostTensor scale = randomTensor(perChannel, rng, 0.5f, 2.0f);
        const HostTensor shift = randomTensor(perChannel, rng, -1.0f, 1.0f);
        const HostTensor channelMax = randomTensor(withBatchAxis, rng, -0.5f, 0.5f);
        const HostTensor scalar = randomTensor({}, rng, 0.5f, 2.0f);
        const HostTensor full = randomTensor(withoutBatch, rng, -1.0f, 1.0f);
        const HostTensor batch = randomTensor(perBatch, rng, 1.0f, 2.0f);
        PointwiseChainParams params;
        params.steps = {scaleShiftStep(1, 2),
                        activationStep(ActivationType::Relu),
                        elementwiseStep(ElementwiseOp::Max, 3, true),
                        elementwiseStep(ElementwiseOp::Mul, 4),
                        elementwiseStep(ElementwiseOp::Sub, 5, true),
                        elementwiseStep(ElementwiseOp::Div, 6),
                        activationStep(ActivationType::Clip, -0.25f, 1.5f),
                        elementwiseStep(ElementwiseOp::PRelu, 1)};
        const std::vector<const HostTensor*> inputs{&x, &scale, &shift, &channelMax, &scalar, &full, &batch};
        for (TensorFormat format : pointwiseFormats()) {
            checkAgainstReference(params, inputs, {true}, format, "kiln:pointwise-chain", 0, 0.0,
                                  "exact chain " + toString(dims));
        }
    }
}

// Transcendental steps after exact ones. Sigmoid is within 4 ulp; the multiply adds half an ulp; tanh
// passes a relative input error on at most unscaled (x tanh'(x) / tanh(x) <= 1) and adds its own 4:
// 9 ulp in all.
TEST(KilnPointwiseChain, TranscendentalStepsMatchReference) {
    std::mt19937 rng(5);
    for (const Dims& dims : kShapes) {
        Dims perChannel{dims[1]};
        perChannel.resize(dims.size() - 1, 1);
        const HostTensor x = randomTensor(dims, rng, -4.0f, 4.0f);
        const HostTensor scale = randomTensor(perChannel, rng, 0.5f, 2.0f);
        const HostTensor shift = randomTensor(perChannel, rng, -1.0f, 1.0f);
        PointwiseChainParams params;
        params.steps = {scaleShiftStep(1, 2), activationStep(ActivationType::Sigmoid),
                        elementwiseStep(ElementwiseOp::Mul, 1), activationStep(ActivationType::Tanh)};
        for (TensorFormat format : pointwiseFormats()) {
            checkAgainstReference(params, {&x, &scale, &shift}, {true}, format, "kiln:pointwise-chain", 9, 0.0,
                                  "sigmoid-tanh chain " + toString(dims));
        }
    }
}

TEST(KilnPointwiseChain, ScalarOperationsAndPowMatchReferenceExactly) {
    std::mt19937 rng(6);
    const Dims dims{3, 20, 7, 9};
    const HostTensor x = randomTensor(dims, rng, 1.1f, 4.0f);
    const HostTensor exponent = randomTensor({20, 1, 1}, rng, -2.0f, 2.0f);
    PointwiseChainParams params;
    params.steps = {unaryStep(UnaryOp::Log), elementwiseStep(ElementwiseOp::Pow, 1),
                    activationStep(ActivationType::Softplus), elementwiseStep(ElementwiseOp::Pow, 1, true)};
    for (TensorFormat format : pointwiseFormats()) {
        checkAgainstReference(params, {&x, &exponent}, {true}, format, "kiln:pointwise-chain", 0, 0.0,
                              "log-pow-softplus chain");
    }
}

// GELU in the erf form exporters write: x * 0.5 * (1 + erf(x / sqrt(2))), as one chain. Erf is within
// 3 ulp of the correctly rounded value (fast_vector_math_test) and the reference's erff within 1: 4 ulp
// of a value up to 1, 4 * 2^-24 absolute, which 1 + erf keeps absolute (for x far below 0 it cancels to
// a small number, so no relative bound holds) and the products scale by 0.5 |x| <= 3: 6 * 2^-24 = 3.6e-7,
// plus a relative 2^-22 for the roundings of the add and the two products.
TEST(KilnPointwiseChain, GeluErfFormIsWithinErfsAccuracy) {
    std::mt19937 rng(12);
    const HostTensor x = randomTensor({2, 48, 14, 14}, rng, -6.0f, 6.0f);
    HostTensor invSqrt2(DataType::Float32, {});
    invSqrt2.data<float>()[0] = 0.70710678f;
    HostTensor one(DataType::Float32, {});
    one.data<float>()[0] = 1.0f;
    HostTensor half(DataType::Float32, {});
    half.data<float>()[0] = 0.5f;
    PointwiseChainParams params;
    params.steps = {elementwiseStep(ElementwiseOp::Mul, 2), unaryStep(UnaryOp::Erf), elementwiseStep(ElementwiseOp::Add, 3),
                    elementwiseStep(ElementwiseOp::Mul, 1), elementwiseStep(ElementwiseOp::Mul, 4)};
    auto built = makeSingleLayerNetwork(params, {&x, &x, &invSqrt2, &one, &half}, {true, true, false, false, false});
    ASSERT_TRUE(built.isOk()) << built.status().message();
    for (TensorFormat format : pointwiseFormats()) {
        setActivationFormats(*built->layer, format);
        const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
        auto expected = runReference(*built->layer, {&x, &x, &invSqrt2, &one, &half});
        ASSERT_TRUE(expected.isOk());
        for (cpu::fast::Isa isa : testedIsas()) {
            const Offer offer = enumerateKiln(isa, config);
            const tactics::Tactic* tactic = offer.find("kiln:pointwise-chain");
            ASSERT_NE(tactic, nullptr) << offer.skipReason("kiln:pointwise-chain");
            auto actual = runTactic(*tactic, config, {&x, &x, &invSqrt2, &one, &half});
            ASSERT_TRUE(actual.isOk()) << actual.status().message();
            expectClose((*expected)[0], (*actual)[0], std::ldexp(1.0f, -22), 3.6e-7f,
                        "gelu " + formatName(format) + " " + cpu::fast::isaName(isa));
        }
    }
}

// A transformer's bias over the last axis, then its activation (Add + GELU after a MatMul): the bias
// operand repeats every row. Relu is exact; GELU is within its activation bound (KilnActivation), the
// add before it being exact in both.
TEST(KilnPointwiseChain, BiasOverTheLastAxisThenActivation) {
    std::mt19937 rng(9);
    for (const Dims& dims : std::vector<Dims>{{197, 1, 3072}, {3, 5, 40}, {2, 7, 7, 384}}) {
        const HostTensor x = randomTensor(dims, rng, -4.0f, 4.0f);
        const HostTensor bias = randomTensor({dims.back()}, rng, -1.0f, 1.0f);
        for (const ActivationType type : {ActivationType::Relu, ActivationType::Gelu}) {
            PointwiseChainParams params;
            params.steps = {elementwiseStep(ElementwiseOp::Add, 1), activationStep(type)};
            const bool exact = type == ActivationType::Relu;
            checkAgainstReference(params, {&x, &bias}, {true, false}, TensorFormat{}, "kiln:pointwise-chain",
                                  exact ? 0 : 4, exact ? 0.0 : 4 * (4 + 1) * kUlpOfOne,
                                  std::string("bias + ") + toString(type) + " " + toString(dims));
        }
    }
}

TEST(KilnPointwiseChain, PartialSpatialBroadcastRunsLinearAndIsSkippedBlocked) {
    std::mt19937 rng(7);
    const Dims dims{2, 12, 5, 6};
    const HostTensor x = randomTensor(dims, rng);
    const HostTensor rowScale = randomTensor({1, 1, 5, 1}, rng);
    PointwiseChainParams params;
    params.steps = {elementwiseStep(ElementwiseOp::Mul, 1)};
    checkAgainstReference(params, {&x, &rowScale}, {true}, TensorFormat{}, "kiln:pointwise-chain", 0, 0.0,
                          "row broadcast, linear");
    const std::string reason =
        skipReasonFor(params, {&x, &rowScale}, {true}, TensorFormat::blocked(16), "kiln:pointwise-chain");
    EXPECT_NE(reason.find("spatial"), std::string::npos) << reason;
}

TEST(KilnPointwiseChain, SkipsOtherPrecisionsAndFormatChanges) {
    std::mt19937 rng(8);
    const HostTensor x = randomTensor({1, 16, 4, 4}, rng);
    PointwiseChainParams params;
    params.steps = {activationStep(ActivationType::Relu)};
    const std::string fp16 =
        skipReasonFor(params, {&x}, {true}, TensorFormat{}, "kiln:pointwise-chain", DataType::Float16);
    EXPECT_NE(fp16.find("FP32"), std::string::npos) << fp16;

    auto built = makeSingleLayerNetwork(params, {&x}, {true});
    ASSERT_TRUE(built.isOk());
    built->layer->input(0)->setFormat(TensorFormat::blocked(16));
    built->layer->output(0)->setFormat(TensorFormat{});
    const Offer offer = enumerateKiln(cpu::fast::bestIsa(), tactics::LayerConfig::of(*built->layer));
    EXPECT_EQ(offer.find("kiln:pointwise-chain"), nullptr);
    EXPECT_NE(offer.skipReason("kiln:pointwise-chain").find("Reformat"), std::string::npos)
        << offer.skipReason("kiln:pointwise-chain");
}

// The memory planner may let a pointwise layer write over its dying input: the kernel must give the
// same result when the output is the input's memory, in every format.
TEST(KilnPointwiseChain, RunsInPlace) {
    std::mt19937 rng(9);
    const Dims dims{3, 20, 7, 9};
    const HostTensor x = randomTensor(dims, rng, -3.0f, 3.0f);
    const HostTensor scale = randomTensor({20, 1, 1}, rng);
    const HostTensor shift = randomTensor({20, 1, 1}, rng);
    PointwiseChainParams params;
    params.steps = {scaleShiftStep(1, 2), activationStep(ActivationType::Sigmoid)};
    for (TensorFormat format : pointwiseFormats()) {
        auto built = makeSingleLayerNetwork(params, {&x, &scale, &shift}, {true});
        ASSERT_TRUE(built.isOk());
        setActivationFormats(*built->layer, format);
        const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
        auto expected = runReference(*built->layer, {&x, &scale, &shift});
        ASSERT_TRUE(expected.isOk());
        for (cpu::fast::Isa isa : testedIsas()) {
            const Offer offer = enumerateKiln(isa, config);
            const tactics::Tactic* tactic = offer.find("kiln:pointwise-chain");
            ASSERT_NE(tactic, nullptr);
            auto kernel = tactic->instantiate({});
            ASSERT_TRUE(kernel.isOk());
            std::vector<std::byte> buffer = tactics::toFormat(x, format);
            tactics::KernelArgs args;
            args.inputs = {buffer.data(), scale.bytes(), shift.bytes()};
            args.outputs = {buffer.data()};
            ASSERT_TRUE((*kernel)->run(args).isOk());
            const HostTensor actual = tactics::fromFormat(buffer.data(), DataType::Float32, dims, format);
            expectUlpClose((*expected)[0], actual, 4, 0.0,
                           "in place " + formatName(format) + " " + cpu::fast::isaName(isa));
        }
    }
}

// A chain whose operand is the data itself (x * sigmoid(x)), written over x: the second step must read
// x, not the first step's result that already replaced it.
TEST(KilnPointwiseChain, RunsInPlaceWhenTheOutputOverwritesAnOperand) {
    std::mt19937 rng(10);
    const Dims dims{1, 20, 30, 30};
    const HostTensor x = randomTensor(dims, rng, -4.0f, 4.0f);
    PointwiseChainParams params;
    params.steps = {activationStep(ActivationType::Sigmoid), elementwiseStep(ElementwiseOp::Mul, 1)};
    for (TensorFormat format : pointwiseFormats()) {
        auto built = makeSingleLayerNetwork(params, {&x, &x}, {true, true});
        ASSERT_TRUE(built.isOk()) << built.status().message();
        setActivationFormats(*built->layer, format);
        const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
        auto expected = runReference(*built->layer, {&x, &x});
        ASSERT_TRUE(expected.isOk());
        for (cpu::fast::Isa isa : testedIsas()) {
            const Offer offer = enumerateKiln(isa, config);
            const tactics::Tactic* tactic = offer.find("kiln:pointwise-chain");
            ASSERT_NE(tactic, nullptr) << offer.skipReason("kiln:pointwise-chain");
            auto kernel = tactic->instantiate({});
            ASSERT_TRUE(kernel.isOk());
            std::vector<std::byte> buffer = tactics::toFormat(x, format);
            tactics::KernelArgs args;
            args.inputs = {buffer.data(), buffer.data()};
            args.outputs = {buffer.data()};
            ASSERT_TRUE((*kernel)->run(args).isOk());
            // Sigmoid within 4 ulp, the product adds half an ulp.
            expectUlpClose((*expected)[0], tactics::fromFormat(buffer.data(), DataType::Float32, dims, format), 5, 0.0,
                           "x * sigmoid(x) in place " + formatName(format) + " " + cpu::fast::isaName(isa));
        }
    }
}

// BF16 storage (linear and dense channels-last): each tile is widened, computed in FP32 and rounded
// once. With bfloat16 inputs (values bfloat16 holds) and exact steps, that is the reference's FP32
// result rounded to bfloat16, exactly: the data and an activation operand stored in BF16, FP32
// constants per channel, and the data read again as its own operand (x * relu(x)).
TEST(KilnPointwiseChain, Bfloat16StorageIsComputedInFp32AndRoundedOnce) {
    std::mt19937 rng(9);
    const auto toBfloat16 = [](HostTensor tensor) {
        for (int64_t i = 0; i < tensor.elementCount(); ++i) {
            tensor.data<float>()[i] = bfloat16ToFloat(floatToBFloat16(tensor.data<float>()[i]));
        }
        return tensor;
    };
    for (const Dims& dims : std::vector<Dims>{{1, 3, 5, 7}, {2, 40, 9, 11}, {1, 19, 2, 3, 4}, {1, 96, 56, 56}}) {
        Dims perChannel{dims[1]};
        perChannel.resize(dims.size() - 1, 1);
        const HostTensor x = toBfloat16(randomTensor(dims, rng, -3.0f, 3.0f));
        const HostTensor other = toBfloat16(randomTensor(dims, rng, -1.0f, 1.0f));
        const HostTensor scale = randomTensor(perChannel, rng, 0.5f, 2.0f);
        const HostTensor shift = randomTensor(perChannel, rng, -1.0f, 1.0f);
        PointwiseChainParams params;
        params.steps = {scaleShiftStep(2, 3), elementwiseStep(ElementwiseOp::Add, 1),
                        activationStep(ActivationType::Relu), elementwiseStep(ElementwiseOp::Mul, 4)};
        for (const TensorFormat format : {TensorFormat{0, false, DataType::BFloat16}, TensorFormat::nhwc(0, DataType::BFloat16)}) {
            auto built = makeSingleLayerNetwork(params, {&x, &other, &scale, &shift, &x}, {true, true, false, false, true});
            ASSERT_TRUE(built.isOk()) << built.status().message();
            setActivationFormats(*built->layer, format);
            const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
            auto reference = runReference(*built->layer, {&x, &other, &scale, &shift, &x});
            ASSERT_TRUE(reference.isOk());
            const HostTensor expected = toBfloat16((*reference)[0]);
            for (cpu::fast::Isa isa : testedIsas()) {
                const std::string where = toString(dims) + " " + toString(format, dims.size()) + " " + cpu::fast::isaName(isa);
                const Offer offer = enumerateKiln(isa, config);
                const tactics::Tactic* tactic = offer.find("kiln:pointwise-chain");
                ASSERT_NE(tactic, nullptr) << where << ": " << offer.skipReason("kiln:pointwise-chain");
                auto actual = runTactic(*tactic, config, {&x, &other, &scale, &shift, &x});
                ASSERT_TRUE(actual.isOk()) << where << ": " << actual.status().message();
                expectUlpClose(expected, (*actual)[0], 0, 0.0, where);
            }
        }
    }
    // x * sigmoid(x) with x one tensor read twice (SiLU as exporters write it): the operand is the data
    // tile already widened. Sigmoid is within 4 ulp of FP32, the product adds half an ulp; rounded to
    // bfloat16, that may cross one rounding boundary: one bfloat16 step, 2^-7 relative.
    {
        NetworkDefinition network;
        const Dims dims{1, 48, 30, 30};
        Tensor* input = network.addInput("x", DataType::Float32, dims).value();
        PointwiseChainParams silu;
        silu.steps = {activationStep(ActivationType::Sigmoid), elementwiseStep(ElementwiseOp::Mul, 1)};
        Layer* layer = network.addLayer("silu", silu, {input, input}, {"silu.out"}).value();
        const TensorFormat format = TensorFormat::nhwc(0, DataType::BFloat16);
        input->setFormat(format);
        layer->output(0)->setFormat(format);
        const HostTensor x = toBfloat16(randomTensor(dims, rng, -6.0f, 6.0f));
        auto reference = runReference(*layer, {&x, &x});
        ASSERT_TRUE(reference.isOk());
        const HostTensor expected = toBfloat16((*reference)[0]);
        const tactics::LayerConfig config = tactics::LayerConfig::of(*layer);
        for (cpu::fast::Isa isa : testedIsas()) {
            const Offer offer = enumerateKiln(isa, config);
            const tactics::Tactic* tactic = offer.find("kiln:pointwise-chain");
            ASSERT_NE(tactic, nullptr) << offer.skipReason("kiln:pointwise-chain");
            auto actual = runTactic(*tactic, config, {&x, &x});
            ASSERT_TRUE(actual.isOk()) << actual.status().message();
            expectClose(expected, (*actual)[0], std::ldexp(1.0f, -7), 0.0f, std::string("silu ") + cpu::fast::isaName(isa));
        }
    }

    // Blocked BF16 tensors are the simulated tactics' (their padded lanes would need BF16 zeros).
    const HostTensor x = randomTensor({1, 16, 4, 4}, rng);
    PointwiseChainParams relu;
    relu.steps = {activationStep(ActivationType::Relu)};
    const std::string reason =
        skipReasonFor(relu, {&x}, {true}, TensorFormat{16, false, DataType::BFloat16}, "kiln:pointwise-chain",
                      DataType::BFloat16);
    EXPECT_NE(reason.find("linear and dense channels-last formats only"), std::string::npos) << reason;
}

// INT8 storage (channels-last, what INT8 builds use): each tensor with its own calibrated scale, widened
// to q * scale per tile, computed in FP32 and narrowed once with the output's scale, as the simulated
// tactics compute it. With exact steps the result is that, exactly.
TEST(KilnPointwiseChain, Int8StorageIsWidenedComputedAndNarrowedOnce) {
    std::mt19937 rng(11);
    const Dims dims{1, 40, 9, 11};
    const HostTensor x = randomTensor(dims, rng, -3.0f, 3.0f);
    const HostTensor other = randomTensor(dims, rng, -1.0f, 1.0f);
    const HostTensor scale = randomTensor({40, 1, 1}, rng, 0.5f, 2.0f);
    const HostTensor shift = randomTensor({40, 1, 1}, rng, -1.0f, 1.0f);
    PointwiseChainParams params;
    params.steps = {scaleShiftStep(2, 3), elementwiseStep(ElementwiseOp::Add, 1), activationStep(ActivationType::Relu)};
    auto built = makeSingleLayerNetwork(params, {&x, &other, &scale, &shift}, {true, true, false, false});
    ASSERT_TRUE(built.isOk()) << built.status().message();
    Layer& layer = *built->layer;
    layer.input(0)->setDynamicRange(3.0f);
    layer.input(1)->setDynamicRange(1.0f);
    layer.output(0)->setDynamicRange(5.0f);
    setActivationFormats(layer, TensorFormat::nhwc(0, DataType::Int8));
    const tactics::LayerConfig config = tactics::LayerConfig::of(layer);
    const auto stored = [](const HostTensor& value, float range) {
        HostTensor result = value;
        const float scale = range / 127.0f;
        for (int64_t i = 0; i < result.elementCount(); ++i) {
            result.data<float>()[i] = float(tactics::quantizeToInt8(value.data<float>()[i], scale)) * scale;
        }
        return result;
    };
    const HostTensor storedX = stored(x, 3.0f);
    const HostTensor storedOther = stored(other, 1.0f);
    auto reference = runReference(layer, {&storedX, &storedOther, &scale, &shift});
    ASSERT_TRUE(reference.isOk());
    HostTensor expected = (*reference)[0];
    const float outputScale = 5.0f / 127.0f;
    for (int64_t i = 0; i < expected.elementCount(); ++i) {
        const float q = std::nearbyint(expected.data<float>()[i] * (1.0f / outputScale));
        expected.data<float>()[i] = float(std::clamp(q, -127.0f, 127.0f)) * outputScale;
    }
    for (cpu::fast::Isa isa : testedIsas()) {
        const Offer offer = enumerateKiln(isa, config);
        const tactics::Tactic* tactic = offer.find("kiln:pointwise-chain");
        ASSERT_NE(tactic, nullptr) << offer.skipReason("kiln:pointwise-chain");
        auto actual = runTactic(*tactic, config, {&x, &other, &scale, &shift});
        ASSERT_TRUE(actual.isOk()) << actual.status().message();
        expectUlpClose(expected, (*actual)[0], 0, 0.0, std::string("INT8 chain ") + cpu::fast::isaName(isa));
    }
}

// The vector conversions give kiln::floatToBFloat16's and kiln::bfloat16ToFloat's results, and the
// simulated INT8 conversions', for every kind of value: ties (to even), values that round up into the next binade or to infinity, subnormals,
// signed zeros, infinities and NaNs (kept quiet), over lengths that leave every tail length.
TEST(KilnPointwiseChain, StorageConversionsMatchTheScalarDefinitionOnEveryIsa) {
    std::vector<float> values;
    for (uint32_t bits : {0x3f808000u, 0x3f818000u, 0x3f80ffffu, 0x3f7fffffu, 0x7f7fffffu, 0xff7fffffu, 0x00000001u,
                          0x80000001u, 0x007fffffu, 0x00000000u, 0x80000000u, 0x7f800000u, 0xff800000u, 0x7fc00000u,
                          0x7f800001u, 0xffbfffffu, 0x3f8080ffu, 0x477fe000u}) {
        values.push_back(std::bit_cast<float>(bits));
    }
    std::mt19937 rng(10);
    std::uniform_int_distribution<uint32_t> anyBits;
    while (values.size() < 1000) values.push_back(std::bit_cast<float>(anyBits(rng)));
    for (cpu::fast::Isa isa : testedIsas()) {
        const cpu::fast::StorageConversions conversions = cpu::fast::storageConversions(isa);
        for (size_t n : {size_t(0), size_t(1), size_t(7), size_t(15), size_t(17), size_t(31), values.size()}) {
            std::vector<uint16_t> narrowed(n + 1, 0xabcd);
            conversions.narrowBf16(values.data(), narrowed.data(), int64_t(n));
            std::vector<float> widened(n + 1, -1.0f);
            conversions.widenBf16(narrowed.data(), widened.data(), int64_t(n));
            for (size_t i = 0; i < n; ++i) {
                ASSERT_EQ(narrowed[i], floatToBFloat16(values[i]))
                    << cpu::fast::isaName(isa) << " n " << n << " value " << i << " bits 0x" << std::hex
                    << std::bit_cast<uint32_t>(values[i]);
                ASSERT_EQ(std::bit_cast<uint32_t>(widened[i]), std::bit_cast<uint32_t>(bfloat16ToFloat(narrowed[i])));
            }
            EXPECT_EQ(narrowed[n], 0xabcd) << "wrote past the end";
            EXPECT_EQ(widened[n], -1.0f) << "wrote past the end";

            // INT8 with a scale of 0.05: rounding to nearest even, clamping at +-127 and NaN to 0.
            std::vector<int8_t> quantized(n + 1, int8_t(99));
            conversions.narrowInt8(values.data(), 1.0f / 0.05f, quantized.data(), int64_t(n));
            conversions.widenInt8(quantized.data(), 0.05f, widened.data(), int64_t(n));
            for (size_t i = 0; i < n; ++i) {
                const float q = std::nearbyint(values[i] * (1.0f / 0.05f));
                const int8_t expected = q == q ? int8_t(std::clamp(q, -127.0f, 127.0f)) : int8_t(0);
                ASSERT_EQ(quantized[i], expected) << cpu::fast::isaName(isa) << " n " << n << " value " << values[i];
                ASSERT_EQ(widened[i], float(expected) * 0.05f);
            }
            EXPECT_EQ(quantized[n], int8_t(99)) << "wrote past the end";
        }
    }
}

}  // namespace
}  // namespace kiln::test

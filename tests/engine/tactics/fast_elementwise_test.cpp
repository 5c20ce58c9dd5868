// Kiln's Elementwise kernel (arithmetic ops) against the reference: same-shape operands, an operand
// broadcast per channel or per batch entry ([N, C, 1, 1], squeeze-excitation's multiply) on either
// side, scalar and per-channel constants, an activation operand broadcast over channels, in linear,
// blocked and dense channels-last formats on every instruction set; every op is an IEEE operation done as the reference does
// it (pow through the reference's own function), so results must match exactly. Cases the kernel
// leaves to the reference are checked for their skip reasons.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fast_test_helpers.h"

namespace kiln::test {
namespace {

const std::vector<ElementwiseOp> kOps{ElementwiseOp::Add, ElementwiseOp::Sub, ElementwiseOp::Mul,
                                      ElementwiseOp::Div, ElementwiseOp::Pow, ElementwiseOp::Max,
                                      ElementwiseOp::Min, ElementwiseOp::PRelu};

const std::vector<Dims> kShapes{{1, 3, 5, 7}, {3, 20, 7, 9}, {1, 19, 2, 3, 4}, {2, 17, 33}, {1, 24, 30, 30}};

Dims withOnes(const Dims& dims, size_t keep) {
    Dims result(dims.begin(), dims.begin() + keep);
    result.resize(dims.size(), 1);
    return result;
}

TEST(KilnElementwise, TwoActivationsMatchReference) {
    std::mt19937 rng(21);
    for (ElementwiseOp op : kOps) {
        for (const Dims& dims : kShapes) {
            // Positive bases keep pow real; the rest see both signs.
            const float low = op == ElementwiseOp::Pow ? 0.1f : -2.0f;
            const HostTensor a = randomTensor(dims, rng, low, 2.0f);
            const HostTensor same = randomTensor(dims, rng, -2.0f, 2.0f);
            const HostTensor perChannel = randomTensor(withOnes(dims, 2), rng, -2.0f, 2.0f);
            Dims channelOnly = withOnes(dims, 2);
            channelOnly[0] = 1;
            const HostTensor sharedByBatch = randomTensor(channelOnly, rng, -2.0f, 2.0f);
            Dims positions = dims;
            positions[1] = 1;
            const HostTensor perPosition = randomTensor(positions, rng, -2.0f, 2.0f);
            const std::string name = std::string(toString(op)) + " " + toString(dims);
            for (TensorFormat format : pointwiseFormats()) {
                checkAgainstReference(ElementwiseParams{op}, {&a, &same}, {true, true}, format, "kiln:elementwise",
                                      0, 0.0, name + " same shape");
                checkAgainstReference(ElementwiseParams{op}, {&a, &perChannel}, {true, true}, format,
                                      "kiln:elementwise", 0, 0.0, name + " x op [N,C,1..]");
                checkAgainstReference(ElementwiseParams{op}, {&sharedByBatch, &a}, {true, true}, format,
                                      "kiln:elementwise", 0, 0.0, name + " [1,C,1..] op x");
                checkAgainstReference(ElementwiseParams{op}, {&a, &perPosition}, {true, true}, format,
                                      "kiln:elementwise", 0, 0.0, name + " x op [N,1,spatial]");
            }
        }
    }
}

TEST(KilnElementwise, ConstantOperandsMatchReference) {
    std::mt19937 rng(22);
    for (ElementwiseOp op : {ElementwiseOp::Add, ElementwiseOp::Mul, ElementwiseOp::Div, ElementwiseOp::PRelu}) {
        for (const Dims& dims : kShapes) {
            const HostTensor x = randomTensor(dims, rng, -2.0f, 2.0f);
            Dims perChannel{dims[1]};
            perChannel.resize(dims.size() - 1, 1);
            const HostTensor channel = randomTensor(perChannel, rng, 0.5f, 2.0f);
            const HostTensor scalar = randomTensor({1}, rng, 0.5f, 2.0f);
            const std::string name = std::string(toString(op)) + " " + toString(dims);
            for (TensorFormat format : pointwiseFormats()) {
                checkAgainstReference(ElementwiseParams{op}, {&x, &channel}, {true, false}, format, "kiln:elementwise",
                                      0, 0.0, name + " per-channel constant");
                checkAgainstReference(ElementwiseParams{op}, {&scalar, &x}, {false, true}, format, "kiln:elementwise",
                                      0, 0.0, name + " scalar constant first");
            }
        }
    }
}

TEST(KilnElementwise, NanPropagatesThroughMaxAndMinAsInReference) {
    HostTensor a(DataType::Float32, {1, 20, 3, 3});
    HostTensor b(DataType::Float32, {1, 20, 3, 3});
    const float nan = std::numeric_limits<float>::quiet_NaN();
    for (int64_t i = 0; i < a.elementCount(); ++i) {
        a.data<float>()[i] = i % 3 == 0 ? nan : float(i % 7) - 3.0f;
        b.data<float>()[i] = i % 5 == 0 ? nan : float(i % 4) - 1.5f;
    }
    for (ElementwiseOp op : {ElementwiseOp::Max, ElementwiseOp::Min}) {
        for (TensorFormat format : pointwiseFormats()) {
            checkAgainstReference(ElementwiseParams{op}, {&a, &b}, {true, true}, format, "kiln:elementwise", 0, 0.0,
                                  std::string(toString(op)) + " with NaN");
        }
    }
}

TEST(KilnElementwise, RunsSiluStyleMultiplyInPlace) {
    // x * y written over x, with y sharing x's memory too (Mul(x, x)): every operand read must happen
    // before the write of the same element.
    std::mt19937 rng(23);
    const Dims dims{1, 20, 30, 30};
    const HostTensor x = randomTensor(dims, rng, -2.0f, 2.0f);
    for (TensorFormat format : pointwiseFormats()) {
        auto built = makeSingleLayerNetwork(ElementwiseParams{ElementwiseOp::Mul}, {&x, &x}, {true, true});
        ASSERT_TRUE(built.isOk());
        setActivationFormats(*built->layer, format);
        const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
        auto expected = runReference(*built->layer, {&x, &x});
        ASSERT_TRUE(expected.isOk());
        for (cpu::fast::Isa isa : testedIsas()) {
            const tactics::Tactic* tactic = nullptr;
            const Offer offer = enumerateKiln(isa, config);
            tactic = offer.find("kiln:elementwise");
            ASSERT_NE(tactic, nullptr);
            auto kernel = tactic->instantiate({});
            ASSERT_TRUE(kernel.isOk());
            std::vector<std::byte> buffer = tactics::toFormat(x, format);
            tactics::KernelArgs args;
            args.inputs = {buffer.data(), buffer.data()};
            args.outputs = {buffer.data()};
            ASSERT_TRUE((*kernel)->run(args).isOk());
            expectUlpClose((*expected)[0], tactics::fromFormat(buffer.data(), DataType::Float32, dims, format), 0, 0.0,
                           "x * x in place " + formatName(format) + " " + cpu::fast::isaName(isa));
        }
    }
}

TEST(KilnElementwise, OperandInAnotherBlockSizeOrLinear) {
    // The data in 16c with the operand in 8c or linear: the operand is gathered (or its lanes
    // collected) through its own layout.
    std::mt19937 rng(26);
    const HostTensor x = randomTensor({2, 20, 5, 5}, rng);
    const HostTensor same = randomTensor({2, 20, 5, 5}, rng);
    const HostTensor gates = randomTensor({2, 20, 1, 1}, rng);
    for (const HostTensor* operand : {&same, &gates}) {
        for (TensorFormat operandFormat : {TensorFormat::blocked(8), TensorFormat{}}) {
            auto built = makeSingleLayerNetwork(ElementwiseParams{ElementwiseOp::Div}, {&x, operand}, {true, true});
            ASSERT_TRUE(built.isOk());
            built->layer->input(0)->setFormat(TensorFormat::blocked(16));
            built->layer->input(1)->setFormat(operandFormat);
            built->layer->output(0)->setFormat(TensorFormat::blocked(16));
            const tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
            auto expected = runReference(*built->layer, {&x, operand});
            ASSERT_TRUE(expected.isOk());
            for (cpu::fast::Isa isa : testedIsas()) {
                const std::string what = "x / " + toString(operand->dims()) + " in " + formatName(operandFormat) +
                                         " " + cpu::fast::isaName(isa);
                const Offer offer = enumerateKiln(isa, config);
                const tactics::Tactic* tactic = offer.find("kiln:elementwise");
                ASSERT_NE(tactic, nullptr) << what << ": " << offer.skipReason("kiln:elementwise");
                auto actual = runTactic(*tactic, config, {&x, operand});
                ASSERT_TRUE(actual.isOk()) << what << ": " << actual.status().message();
                expectUlpClose((*expected)[0], (*actual)[0], 0, 0.0, what);
            }
        }
    }
}

TEST(KilnElementwise, LinearGeneralBroadcastOfOneOperand) {
    // In linear format any numpy broadcast of the operand runs (the axes are collapsed).
    std::mt19937 rng(24);
    const Dims dims{3, 4, 5, 6};
    const HostTensor x = randomTensor(dims, rng);
    for (const Dims& operandDims : std::vector<Dims>{{6}, {5, 1}, {4, 1, 6}, {3, 1, 5, 1}, {1, 4, 5, 6}, {1}}) {
        const HostTensor y = randomTensor(operandDims, rng);
        checkAgainstReference(ElementwiseParams{ElementwiseOp::Sub}, {&x, &y}, {true, true}, TensorFormat{},
                              "kiln:elementwise", 0, 0.0, "x - " + toString(operandDims));
        checkAgainstReference(ElementwiseParams{ElementwiseOp::Sub}, {&y, &x}, {true, true}, TensorFormat{},
                              "kiln:elementwise", 0, 0.0, toString(operandDims) + " - x");
    }
}

TEST(KilnElementwise, SkipReasons) {
    std::mt19937 rng(25);
    const HostTensor column = randomTensor({3, 1, 5}, rng);
    const HostTensor row = randomTensor({1, 4, 1}, rng);
    const std::string both = skipReasonFor(ElementwiseParams{ElementwiseOp::Add}, {&column, &row}, {true, true},
                                           TensorFormat{}, "kiln:elementwise");
    EXPECT_NE(both.find("neither input"), std::string::npos) << both;

    const HostTensor a = randomTensor({1, 16, 3, 3}, rng);
    const HostTensor b = randomTensor({1, 16, 3, 3}, rng);
    const std::string comparison = skipReasonFor(ElementwiseParams{ElementwiseOp::Less}, {&a, &b}, {true, true},
                                                 TensorFormat{}, "kiln:elementwise");
    EXPECT_NE(comparison.find("not an arithmetic"), std::string::npos) << comparison;

    const std::string fp16 = skipReasonFor(ElementwiseParams{ElementwiseOp::Add}, {&a, &b}, {true, true},
                                           TensorFormat::blocked(16), "kiln:elementwise", DataType::Float16);
    EXPECT_NE(fp16.find("FP32"), std::string::npos) << fp16;

    const HostTensor rows = randomTensor({1, 1, 3, 1}, rng);
    const std::string partial = skipReasonFor(ElementwiseParams{ElementwiseOp::Mul}, {&a, &rows}, {true, true},
                                              TensorFormat::blocked(8), "kiln:elementwise");
    EXPECT_NE(partial.find("spatial"), std::string::npos) << partial;
}

}  // namespace
}  // namespace kiln::test

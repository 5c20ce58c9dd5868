// oneDNN eltwise and binary tactics for Activation, Unary and Elementwise layers against the reference
// kernels, linear and channel-blocked; and the ops they refuse, with the reason.
#include <algorithm>
#include <random>

#include "engine/tactics/onednn_test_util.h"

namespace kiln::test {
namespace {

// oneDNN's vectorised exp, log, tanh and pow are polynomial approximations accurate to a few ulps;
// the reference uses the C library's correctly rounded (or nearly so) functions.
constexpr Tolerance kTranscendental{1e-5f, 1e-6f};
// One IEEE operation per element (add, multiply, divide, max, compare, negate): the same rounding as
// the reference, so the results must be identical.
constexpr Tolerance kExact{0.0f, 0.0f};

std::vector<ActivationParams> allActivations() {
    return {
        {ActivationType::Relu, 0.0f, 0.0f},       {ActivationType::LeakyRelu, 0.1f, 0.0f},
        {ActivationType::Sigmoid, 0.0f, 0.0f},    {ActivationType::Tanh, 0.0f, 0.0f},
        {ActivationType::Clip, -0.5f, 0.75f},     {ActivationType::HardSigmoid, 0.2f, 0.5f},
        {ActivationType::HardSwish, 0.0f, 0.0f},  {ActivationType::Elu, 0.7f, 0.0f},
        {ActivationType::Selu, 1.6733f, 1.0507f}, {ActivationType::Softplus, 0.0f, 0.0f},
        {ActivationType::Gelu, 0.0f, 0.0f},       {ActivationType::GeluTanh, 0.0f, 0.0f},
    };
}

TEST(OnednnActivation, EveryTypeLinearAndBlocked) {
    std::mt19937 rng(12);
    HostTensor padded = randomTensor({3, 13, 7, 5}, rng, -4.0f, 4.0f);
    HostTensor full = randomTensor({1, 32, 5, 3}, rng, -4.0f, 4.0f);
    for (const ActivationParams& a : allActivations()) {
        const std::string name = toString(a.type);
        std::vector<tactics::SkippedTactic> skipped;
        std::vector<std::string> ids =
            checkOnednnTactics(a, {&padded}, {true}, 1, linearFormats(), kTranscendental, name, &skipped);
        EXPECT_TRUE(hasTactic(ids, "onednn:eltwise:")) << name << ":" << skippedText(skipped);
        ids = checkOnednnTactics(a, {&full}, {true}, 1, blockedFormats(16), kTranscendental, name, &skipped);
        EXPECT_TRUE(hasTactic(ids, "onednn:eltwise:")) << name << " blocked:" << skippedText(skipped);
        // With padded lanes oneDNN keeps only its reference eltwise for f(0) != 0; whatever it offers
        // must keep the padding zero (runTactic checks it).
        checkOnednnTactics(a, {&padded}, {true}, 1, blockedFormats(16), kTranscendental, name + " padded");
        checkOnednnTactics(a, {&padded}, {true}, 1, blockedFormats(8), kTranscendental, name + " padded 8");
    }
}

TEST(OnednnUnary, MappedOpsAndRefusals) {
    std::mt19937 rng(13);
    HostTensor any = randomTensor({2, 16, 5, 3}, rng, -3.0f, 3.0f);
    HostTensor positive = randomTensor({2, 16, 5, 3}, rng, 0.25f, 4.0f);
    struct Case {
        UnaryOp op;
        const HostTensor* input;
        Tolerance tolerance;
    };
    for (const Case& c : std::vector<Case>{{UnaryOp::Exp, &any, kTranscendental},
                                           {UnaryOp::Sqrt, &positive, kTranscendental},
                                           {UnaryOp::Abs, &any, kExact},
                                           {UnaryOp::Neg, &any, kExact},
                                           {UnaryOp::Reciprocal, &positive, kTranscendental}}) {
        UnaryParams p;
        p.op = c.op;
        for (const FormatCase& f : {linearFormats(), blockedFormats(16), blockedFormats(8)}) {
            std::vector<tactics::SkippedTactic> skipped;
            const std::vector<std::string> ids =
                checkOnednnTactics(p, {c.input}, {true}, 1, f, c.tolerance, toString(c.op), &skipped);
            EXPECT_TRUE(hasTactic(ids, "onednn:eltwise:")) << toString(c.op) << ":" << skippedText(skipped);
        }
    }
    // Log is refused for accuracy: oneDNN's gives log(1) = -1.4e-6.
    for (UnaryOp op :
         {UnaryOp::Floor, UnaryOp::Ceil, UnaryOp::Erf, UnaryOp::Log, UnaryOp::Sin, UnaryOp::Round}) {
        UnaryParams p;
        p.op = op;
        Result<SingleLayerNetwork> net = makeSingleLayerNetwork(p, {&any}, {true});
        ASSERT_TRUE(net.isOk()) << net.status().message();
        Enumeration e = enumerateOnednn(tactics::LayerConfig::of(*net->layer));
        EXPECT_TRUE(e.tactics.empty());
        ASSERT_EQ(e.skipped.size(), 1u);
        EXPECT_EQ(e.skipped[0].id, "onednn:eltwise");
        const char* expected = op == UnaryOp::Log ? "accurate only in absolute terms" : "no oneDNN 2.6 eltwise form";
        EXPECT_NE(e.skipped[0].reason.find(expected), std::string::npos) << e.skipped[0].reason;
    }
}

struct BinaryCase {
    std::string name;
    ElementwiseOp op;
    Dims a, b;
    bool constantB = false;
};

TEST(OnednnElementwise, ArithmeticWithBroadcasting) {
    const std::vector<BinaryCase> cases = {
        {"add same shape", ElementwiseOp::Add, {3, 13, 7, 5}, {3, 13, 7, 5}},
        {"add per channel", ElementwiseOp::Add, {3, 13, 7, 5}, {1, 13, 1, 1}, true},
        {"mul scalar", ElementwiseOp::Mul, {1, 16, 7, 5}, {}, true},
        {"sub last axis", ElementwiseOp::Sub, {3, 16, 7, 5}, {5}},
        {"div per channel", ElementwiseOp::Div, {1, 16, 7, 5}, {1, 16, 1, 1}, true},
        {"max", ElementwiseOp::Max, {3, 13, 7, 5}, {3, 13, 7, 5}},
        {"min broadcast first", ElementwiseOp::Min, {1, 13, 1, 1}, {3, 13, 7, 5}},
        {"mul broadcast first", ElementwiseOp::Mul, {1, 16, 1, 1}, {3, 16, 4, 4}},
    };
    for (const BinaryCase& c : cases) {
        std::mt19937 rng(14);
        HostTensor a = randomTensor(c.a, rng);
        // Divisors away from zero, so that the quotients stay in a range where float division is exact.
        HostTensor b =
            c.op == ElementwiseOp::Div ? randomTensor(c.b, rng, 0.5f, 2.0f) : randomTensor(c.b, rng);
        ElementwiseParams p;
        p.op = c.op;
        std::vector<FormatCase> formats = {linearFormats()};
        // Blocked operands must keep the output's rank (a lower-rank operand is refused blocked).
        if (c.a.size() == 4 && c.b.size() == 4)
            formats.insert(formats.end(), {blockedFormats(16), blockedFormats(8)});
        bool any = false;
        for (const FormatCase& f : formats) {
            std::vector<tactics::SkippedTactic> skipped;
            const std::vector<std::string> ids =
                checkOnednnTactics(p, {&a, &b}, {true, !c.constantB}, 1, f, kExact, c.name, &skipped);
            if (f.input.isLinear()) {
                EXPECT_TRUE(hasTactic(ids, "onednn:binary:")) << c.name << ":" << skippedText(skipped);
            }
            any = any || !ids.empty();
        }
        EXPECT_TRUE(any) << c.name;
    }
}

TEST(OnednnElementwise, RefusalsSayWhy) {
    std::mt19937 rng(15);
    HostTensor small = randomTensor({1, 4, 1, 5}, rng);
    HostTensor big = randomTensor({3, 4, 7, 5}, rng);
    ElementwiseParams sub;
    sub.op = ElementwiseOp::Sub;
    Result<SingleLayerNetwork> net = makeSingleLayerNetwork(sub, {&small, &big}, {true, true});
    ASSERT_TRUE(net.isOk()) << net.status().message();
    Enumeration e = enumerateOnednn(tactics::LayerConfig::of(*net->layer));
    EXPECT_TRUE(e.tactics.empty());
    ASSERT_EQ(e.skipped.size(), 1u);
    EXPECT_NE(e.skipped[0].reason.find("broadcasts only its second source"), std::string::npos)
        << e.skipped[0].reason;

    ElementwiseParams pow;
    pow.op = ElementwiseOp::Pow;
    Result<SingleLayerNetwork> powNet = makeSingleLayerNetwork(pow, {&big, &big}, {true, true});
    ASSERT_TRUE(powNet.isOk()) << powNet.status().message();
    Enumeration p = enumerateOnednn(tactics::LayerConfig::of(*powNet->layer));
    EXPECT_TRUE(p.tactics.empty());
    ASSERT_EQ(p.skipped.size(), 1u);
    EXPECT_NE(p.skipped[0].reason.find("Pow"), std::string::npos) << p.skipped[0].reason;

    // Integer tensors are not offered.
    HostTensor ints(DataType::Int32, {2, 3});
    ElementwiseParams add;
    Result<SingleLayerNetwork> intNet = makeSingleLayerNetwork(add, {&ints, &ints}, {true, true});
    ASSERT_TRUE(intNet.isOk()) << intNet.status().message();
    Enumeration i = enumerateOnednn(tactics::LayerConfig::of(*intNet->layer));
    EXPECT_TRUE(i.tactics.empty());
    ASSERT_EQ(i.skipped.size(), 1u);
    EXPECT_NE(i.skipped[0].reason.find("INT32"), std::string::npos) << i.skipped[0].reason;
}

}  // namespace
}  // namespace kiln::test

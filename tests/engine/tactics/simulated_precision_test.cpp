// FP16 and BF16 simulated on the CPU: a simulated tactic equals its FP32 tactic run on rounded inputs
// with the result rounded; a whole reduced build stores every activation between network input and
// output in the reduced type, runs simulated tactics, survives a plan round trip and stays close to FP32.
#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>

#include <gtest/gtest.h>

#include "backends/backend.h"
#include "backends/cpu/onednn/onednn_provider.h"
#include "engine/passes/pass_test_util.h"
#include "kiln/builder.h"
#include "kiln/plan.h"
#include "kiln/precision.h"
#include "tactic_test_util.h"
#include "tactics/simulated_precision.h"

namespace kiln::test {
namespace {

float roundThroughHalf(float value) { return halfToFloat(floatToHalf(value)); }
float roundThroughBfloat(float value) { return bfloat16ToFloat(floatToBFloat16(value)); }

HostTensor rounded(const HostTensor& x, float (*round)(float)) {
    HostTensor result = x;
    for (int64_t i = 0; i < x.elementCount(); ++i) result.data<float>()[i] = round(x.data<float>()[i]);
    return result;
}

// A convolution whose input and output are stored in `storage`: simulated tactics ("<prefix>...",
// library naming `library`) are offered, as FP32 tactics do not take reduced storage (besides them, only
// oneDNN's own BF16 convolutions, tested below); each simulated one's output is within rtol/atol of the
// reference run on rounded inputs, rounded after, and `check` sees it; each tactic is found again by its id.
void expectSimulatedConvolution(DataType storage, float (*round)(float), const std::string& prefix,
                                const std::string& library, float rtol, float atol, uint32_t seed,
                                const std::function<void(const HostTensor&, const std::string&)>& check = {}) {
    std::mt19937 rng(seed);
    const HostTensor x = randomTensor({2, 5, 9, 9}, rng, -2.0f, 2.0f);
    const HostTensor w = randomTensor({7, 5, 3, 3}, rng);
    const HostTensor b = randomTensor({7}, rng);
    ConvolutionParams params{{1, 1}, {1, 1, 1, 1}, {1, 1}, 1, ActivationParams{ActivationType::Relu, 0.0f, 0.0f}};
    auto net = makeSingleLayerNetwork(params, {&x, &w, &b}, {true, false, false});
    ASSERT_TRUE(net.isOk());
    const TensorFormat reduced{0, false, storage};
    net->layer->input(0)->setFormat(reduced);
    net->layer->output(0)->setFormat(reduced);
    const tactics::LayerConfig config = tactics::LayerConfig::of(*net->layer);
    EXPECT_EQ(config.precision, storage);
    const HostTensor roundedInput = rounded(x, round);
    auto reference = runReference(*net->layer, {&roundedInput, nullptr, nullptr});
    ASSERT_TRUE(reference.isOk());
    const HostTensor expected = rounded((*reference)[0], round);
    std::vector<std::unique_ptr<tactics::Tactic>> offered;
    std::vector<tactics::SkippedTactic> skipped;
    for (const tactics::TacticProvider* provider : backends::cpuBackend().providers()) {
        provider->enumerate(config, offered, skipped);
    }
    int simulated = 0;
    for (const auto& tactic : offered) {
        if (storage == DataType::BFloat16 && tactic->id().rfind("onednn:convolution_bf16:", 0) == 0) continue;
        ASSERT_EQ(tactic->id().rfind(prefix, 0), 0u) << tactic->id();
        EXPECT_NE(tactic->library().find(library), std::string::npos);
        ++simulated;
        auto actual = runTactic(*tactic, config, {&x, nullptr, nullptr});
        ASSERT_TRUE(actual.isOk()) << tactic->id() << ": " << actual.status().message();
        if (check) check((*actual)[0], tactic->id());
        expectClose(expected, (*actual)[0], rtol, atol, tactic->id());
        const tactics::TacticProvider* provider = tactics::providerOf(backends::cpuBackend().providers(), tactic->id());
        ASSERT_NE(provider, nullptr);
        auto again = provider->find(config, tactic->id());
        EXPECT_TRUE(again.isOk()) << again.status().message();
    }
    EXPECT_GT(simulated, 0);
}

TEST(SimulatedFp16, TacticRoundsInputsAndOutputsThroughHalf) {
    // The FP32 sums differ from the reference's in their last bits, which may move a result across
    // a half rounding boundary: one half ulp (2^-10 relative) apart at most, 2^-24 near zero.
    expectSimulatedConvolution(DataType::Float16, roundThroughHalf, "simfp16:", "FP16 simulated",
                               std::ldexp(1.0f, -10), std::ldexp(1.0f, -24), 4);
}

TEST(SimulatedFp16, CpuBuildStoresActivationsInHalfAndStaysCloseToFp32) {
    NetworkDefinition network;
    Tensor* x = network.addInput("x", DataType::Float32, {1, 3, 12, 12}).value();
    Layer* a = addConv(network, "a", x, 16, 3, 1);
    Layer* relu = addLayer(network, "relu", ActivationParams{ActivationType::Relu, 0.0f, 0.0f}, {a->output(0)});
    Layer* pool = addLayer(network, "pool", PoolingParams{PoolingType::Max, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}, false, false},
                           {relu->output(0)});
    Layer* b = addConv(network, "b", pool->output(0), 8, 3, 2);
    Layer* soft = addLayer(network, "softmax", SoftmaxParams{1, false, false}, {b->output(0)});
    ASSERT_TRUE(network.markOutput(soft->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 5);
    const TensorMap expected = runReference(network, inputs);

    BuilderConfig config;
    config.fp16 = true;
    config.timingIterations = 1;
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    int halfLayers = 0;
    for (const LayerRecord& record : engine.value()->report().layersAfter) {
        if (record.elided) continue;
        if (record.precision == "FP16") {
            ++halfLayers;
            EXPECT_EQ(record.tactic.rfind("simfp16:", 0), 0u) << record.name << " runs " << record.tactic;
        }
    }
    EXPECT_GE(halfLayers, 3);
    for (const auto& tensor : engine.value()->network().tensors()) {
        if (tensor->isNetworkInput() || tensor->isNetworkOutput() || tensor->isConstant()) {
            EXPECT_FALSE(tensor->format().storage) << tensor->name();
        }
    }
    auto plan = serializePlan(*engine.value());
    ASSERT_TRUE(plan.isOk()) << plan.status().message();
    auto loaded = deserializePlan(*plan);
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    auto outputs = loaded.value()->createExecutionContext().value()->execute(inputs);
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    // Three rounding boundaries of 2^-11 relative each before a softmax of values of order 10: the
    // probabilities move by a few 1e-3 at most.
    expectSameOutputs(*outputs, expected, 0.02, 5e-3);
}

TEST(SimulatedBf16, TacticRoundsInputsAndOutputsThroughBfloat16) {
    // FP32 sums in another order may move a result across a bfloat16 rounding boundary: one ulp
    // (2^-7 relative) apart at most.
    expectSimulatedConvolution(DataType::BFloat16, roundThroughBfloat, "simbf16:", "BF16 simulated",
                               std::ldexp(1.0f, -7), 1e-30f, 6, [](const HostTensor& out, const std::string& id) {
                                   // Every result is a bfloat16 value: the low 16 bits of its FP32 copy are zero.
                                   for (int64_t i = 0; i < out.elementCount(); ++i) {
                                       ASSERT_EQ(std::bit_cast<uint32_t>(out.data<float>()[i]) & 0xffffu, 0u)
                                           << id << " element " << i;
                                   }
                               });
}

// oneDNN's BF16 convolution (on CPUs with BF16 instructions): inputs and weights in bfloat16, products
// summed in FP32 with the FP32 bias, the activation applied and the result rounded once to bfloat16. The
// reference computes the same on inputs and weights rounded to bfloat16, in double, rounded after: the
// sums differ only in order, which may move a result across a rounding boundary, one bfloat16 ulp (2^-7
// relative) at most, or near zero the FP32 sum's own error.
// Channel-blocked (AVX-512 BF16 kernels) and dense channels-last activations (where the CPU has AMX,
// oneDNN's AMX kernels read and write only these; the CPU builds use them there).
class OnednnBf16Convolution : public ::testing::TestWithParam<TensorFormat> {};

TEST_P(OnednnBf16Convolution, RoundsInputsWeightsAndOutputsToBfloat16) {
    std::mt19937 rng(8);
    const HostTensor x = randomTensor({2, 16, 9, 9}, rng, -2.0f, 2.0f);
    const HostTensor w = randomTensor({32, 16, 3, 3}, rng);
    const HostTensor b = randomTensor({32}, rng);
    ConvolutionParams params{{1, 1}, {1, 1, 1, 1}, {1, 1}, 1, ActivationParams{ActivationType::Relu, 0.0f, 0.0f}};
    auto net = makeSingleLayerNetwork(params, {&x, &w, &b}, {true, false, false});
    ASSERT_TRUE(net.isOk());
    net->layer->input(0)->setFormat(GetParam());
    net->layer->output(0)->setFormat(GetParam());
    const tactics::LayerConfig config = tactics::LayerConfig::of(*net->layer);
    std::vector<std::unique_ptr<tactics::Tactic>> offered;
    std::vector<tactics::SkippedTactic> skipped;
    for (const tactics::TacticProvider* provider : backends::cpuBackend().providers()) {
        provider->enumerate(config, offered, skipped);
    }
    const HostTensor roundedInput = rounded(x, roundThroughBfloat);
    const HostTensor roundedWeights = rounded(w, roundThroughBfloat);
    auto roundedNet = makeSingleLayerNetwork(params, {&roundedInput, &roundedWeights, &b}, {true, false, false});
    ASSERT_TRUE(roundedNet.isOk());
    auto reference = runReference(*roundedNet->layer, {&roundedInput, nullptr, nullptr});
    ASSERT_TRUE(reference.isOk());
    const HostTensor expected = rounded((*reference)[0], roundThroughBfloat);
    int real = 0;
    for (const auto& tactic : offered) {
        if (tactic->id().rfind("onednn:convolution_bf16:", 0) != 0) continue;
        ++real;
        auto actual = runTactic(*tactic, config, {&x, nullptr, nullptr});
        ASSERT_TRUE(actual.isOk()) << tactic->id() << ": " << actual.status().message();
        // atol: the FP32 sum of 144 products below 2 in magnitude may be off by 144 * 2 * 2^-24, which may
        // move a result near zero to the next bfloat16 value.
        expectClose(expected, (*actual)[0], std::ldexp(1.0f, -7), 2.0f * 144.0f * 2.0f * std::ldexp(1.0f, -24), tactic->id());
        auto again = tactics::providerOf(backends::cpuBackend().providers(), tactic->id())->find(config, tactic->id());
        EXPECT_TRUE(again.isOk()) << again.status().message();
    }
    if (real == 0) {
        const bool noInstructions = std::any_of(skipped.begin(), skipped.end(), [](const tactics::SkippedTactic& s) {
            return s.id == "onednn:convolution_bf16" && s.reason.find("no BF16 instructions") != std::string::npos;
        });
        ASSERT_TRUE(noInstructions) << "no oneDNN BF16 convolution is offered, and not for want of BF16 instructions";
        GTEST_SKIP() << "this CPU has no BF16 instructions";
    }
}

INSTANTIATE_TEST_SUITE_P(Formats, OnednnBf16Convolution,
                         ::testing::Values(TensorFormat{16, false, DataType::BFloat16},
                                           TensorFormat::nhwc(0, DataType::BFloat16)),
                         [](const ::testing::TestParamInfo<TensorFormat>& info) {
                             return std::string(info.param.channelsLast ? "ChannelsLast" : "Blocked");
                         });

// oneDNN's BF16 pooling: a max of bfloat16 values is one of them, exactly; an average is summed in FP32
// and rounded once, so it is the reference's average of the rounded inputs, rounded, up to one bfloat16
// step (2^-7 relative) where the order of the sum moves it across a rounding boundary.
TEST(OnednnBf16, PoolingReadsAndWritesBfloat16) {
    std::mt19937 rng(9);
    const HostTensor x = randomTensor({2, 24, 10, 10}, rng, -3.0f, 3.0f);
    const HostTensor roundedInput = rounded(x, roundThroughBfloat);
    for (const PoolingType type : {PoolingType::Max, PoolingType::Average}) {
        for (const TensorFormat format : {TensorFormat::nhwc(0, DataType::BFloat16), TensorFormat{16, false, DataType::BFloat16}}) {
            const PoolingParams params{type, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, false, false};
            auto net = makeSingleLayerNetwork(params, {&x}, {true});
            ASSERT_TRUE(net.isOk());
            net->layer->input(0)->setFormat(format);
            net->layer->output(0)->setFormat(format);
            const tactics::LayerConfig config = tactics::LayerConfig::of(*net->layer);
            std::vector<std::unique_ptr<tactics::Tactic>> offered;
            std::vector<tactics::SkippedTactic> skipped;
            cpu::onednnProvider().enumerate(config, offered, skipped);
            auto reference = runReference(*net->layer, {&roundedInput});
            ASSERT_TRUE(reference.isOk());
            const HostTensor expected = rounded((*reference)[0], roundThroughBfloat);
            const std::string what = std::string(type == PoolingType::Max ? "max" : "average") + " pooling in " +
                                     toString(format, 4);
            int real = 0;
            for (const auto& tactic : offered) {
                if (tactic->id().rfind("onednn:pooling_bf16:", 0) != 0) continue;
                ++real;
                auto actual = runTactic(*tactic, config, {&x});
                ASSERT_TRUE(actual.isOk()) << tactic->id() << ": " << actual.status().message();
                if (type == PoolingType::Max) {
                    expectClose(expected, (*actual)[0], 0.0f, 0.0f, what + ", " + tactic->id());
                } else {
                    expectClose(expected, (*actual)[0], std::ldexp(1.0f, -7), std::ldexp(1.0f, -20), what + ", " + tactic->id());
                }
            }
            std::string reasons;
            for (const auto& skip : skipped) reasons += " " + skip.id + ": " + skip.reason + ";";
            __builtin_cpu_init();
            if (real == 0 && !__builtin_cpu_supports("avx512bf16")) GTEST_SKIP() << "no BF16 pooling here:" << reasons;
            EXPECT_GT(real, 0) << what << ": no oneDNN BF16 pooling;" << reasons;
        }
    }
}

// oneDNN's BF16 matrix products: A and B rounded to bfloat16, products summed in FP32 (with the FP32
// bias), the result rounded once where the output is stored in BF16. The reference computes the same on
// rounded operands, in double: the sums differ in order only, one bfloat16 step (2^-7 relative) where
// that crosses a rounding boundary, or near zero the FP32 sum's own error (K products below 4 in
// magnitude: K * 4 * 2^-24).
TEST(OnednnBf16, MatrixProductsRoundOperandsToBfloat16) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512bf16")) GTEST_SKIP() << "this CPU has no BF16 instructions";
    std::mt19937 rng(13);
    const HostTensor a = randomTensor({2, 7, 64}, rng, -2.0f, 2.0f);
    const HostTensor b = randomTensor({64, 24}, rng, -2.0f, 2.0f);
    const HostTensor a2 = randomTensor({9, 64}, rng, -2.0f, 2.0f);
    const HostTensor bt = randomTensor({24, 64}, rng, -2.0f, 2.0f);
    const HostTensor bias = randomTensor({24}, rng);
    struct Case {
        std::string what;
        LayerParams params;
        std::vector<const HostTensor*> inputs;
        std::vector<bool> activation;
    };
    const std::vector<Case> cases{
        {"matmul, constant B", MatMulParams{}, {&a, &b}, {true, false}},
        {"matmul, computed B", MatMulParams{}, {&a, &b}, {true, true}},
        {"gemm, B transposed, bias", GemmParams{false, true, 1.0f, 1.0f, std::nullopt}, {&a2, &bt, &bias}, {true, false, false}},
    };
    for (const Case& c : cases) {
        auto net = makeSingleLayerNetwork(c.params, c.inputs, c.activation);
        ASSERT_TRUE(net.isOk()) << net.status().message();
        const TensorFormat stored{0, false, DataType::BFloat16};
        for (size_t i = 0; i < c.inputs.size(); ++i) {
            if (c.activation[i]) net->layer->input(i)->setFormat(stored);
        }
        net->layer->output(0)->setFormat(stored);
        const tactics::LayerConfig config = tactics::LayerConfig::of(*net->layer);
        std::vector<HostTensor> roundedInputs;
        for (size_t i = 0; i < c.inputs.size(); ++i) {
            roundedInputs.push_back(i < 2 ? rounded(*c.inputs[i], roundThroughBfloat) : *c.inputs[i]);
        }
        std::vector<const HostTensor*> roundedPointers;
        for (const HostTensor& t : roundedInputs) roundedPointers.push_back(&t);
        // Constants live in the network: the reference runs a network made of the rounded ones.
        auto roundedNet = makeSingleLayerNetwork(c.params, roundedPointers, c.activation);
        ASSERT_TRUE(roundedNet.isOk());
        auto reference = runReference(*roundedNet->layer, roundedPointers);
        ASSERT_TRUE(reference.isOk()) << reference.status().message();
        const HostTensor expected = rounded((*reference)[0], roundThroughBfloat);
        std::vector<std::unique_ptr<tactics::Tactic>> offered;
        std::vector<tactics::SkippedTactic> skipped;
        cpu::onednnProvider().enumerate(config, offered, skipped);
        std::vector<const HostTensor*> runInputs;
        for (size_t i = 0; i < c.inputs.size(); ++i) runInputs.push_back(c.activation[i] ? c.inputs[i] : nullptr);
        int real = 0;
        for (const auto& tactic : offered) {
            if (tactic->id().rfind("onednn:matmul_bf16:", 0) != 0) continue;
            ++real;
            auto actual = runTactic(*tactic, config, runInputs);
            ASSERT_TRUE(actual.isOk()) << c.what << ", " << tactic->id() << ": " << actual.status().message();
            expectClose(expected, (*actual)[0], std::ldexp(1.0f, -7), 64.0f * 4.0f * std::ldexp(1.0f, -24),
                        c.what + ", " + tactic->id());
        }
        std::string reasons;
        for (const auto& skip : skipped) reasons += " " + skip.id + ": " + skip.reason + ";";
        EXPECT_GT(real, 0) << c.what << ": no oneDNN BF16 matmul;" << reasons;
    }
}

// Where oneDNN has AMX, a BF16 build stores activations channels-last, and its convolutions run AMX kernels.
TEST(OnednnBf16, BuildsOnAmxStoreActivationsChannelsLast) {
    NetworkDefinition network;
    Tensor* x = network.addInput("x", DataType::Float32, {1, 16, 14, 14}).value();
    Layer* a = addConv(network, "a", x, 32, 3, 1);
    Layer* pool = addLayer(network, "pool", PoolingParams{PoolingType::Max, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}, false, false},
                           {a->output(0)});
    Layer* b = addConv(network, "b", pool->output(0), 32, 3, 2);
    ASSERT_TRUE(network.markOutput(b->output(0)).isOk());
    BuilderConfig config;
    config.bf16 = true;
    config.timingIterations = 1;
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    if (!cpu::onednnHasAmx()) GTEST_SKIP() << "oneDNN has no AMX kernels on this CPU";
    const Tensor* pooled = engine.value()->network().findTensor(pool->output(0)->name());
    ASSERT_NE(pooled, nullptr);
    EXPECT_TRUE(pooled->format() == TensorFormat::nhwc(0, DataType::BFloat16)) << toString(pooled->format(), 4);
    // The fastest tactic wins; what the format makes possible is that AMX kernels are among those timed.
    auto candidates = [&](const std::string& layer) {
        std::string ids;
        for (const LayerRecord& record : engine.value()->report().layersAfter) {
            if (record.name != layer) continue;
            for (const TacticCandidate& candidate : record.candidates) {
                if (candidate.skipReason.empty()) ids += candidate.tactic + " ";
            }
        }
        return ids;
    };
    EXPECT_NE(candidates("a").find("onednn:convolution_bf16:brgconv:avx512_core_amx_bf16"), std::string::npos)
        << candidates("a");
    EXPECT_NE(candidates("pool").find("onednn:pooling_bf16:"), std::string::npos) << candidates("pool");
}

TEST(SimulatedBf16, CpuBuildStoresActivationsInBfloat16AndSurvivesAPlan) {
    NetworkDefinition network;
    Tensor* x = network.addInput("x", DataType::Float32, {1, 3, 12, 12}).value();
    Layer* a = addConv(network, "a", x, 16, 3, 1);
    Layer* relu = addLayer(network, "relu", ActivationParams{ActivationType::Relu, 0.0f, 0.0f}, {a->output(0)});
    Layer* b = addConv(network, "b", relu->output(0), 8, 3, 2);
    ASSERT_TRUE(network.markOutput(b->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 5);
    const TensorMap expected = runReference(network, inputs);

    BuilderConfig config;
    config.bf16 = true;
    config.timingIterations = 1;
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    int reducedLayers = 0;
    for (const LayerRecord& record : engine.value()->report().layersAfter) {
        if (record.elided || record.precision != "BF16") continue;
        ++reducedLayers;
        // A reformat into BF16 storage (where the convolutions' format differs from the input's, as on
        // CPUs without AMX) runs Kiln's conversion, which writes BF16 itself.
        const bool reformat = record.kind == "Reformat" && record.tactic == "kiln:convert";
        EXPECT_TRUE(record.tactic.rfind("simbf16:", 0) == 0 || record.tactic.rfind("onednn:convolution_bf16:", 0) == 0 ||
                    reformat)
            << record.name << " runs " << record.tactic;
    }
    EXPECT_GE(reducedLayers, 2);
    auto plan = serializePlan(*engine.value());
    ASSERT_TRUE(plan.isOk()) << plan.status().message();
    auto loaded = deserializePlan(*plan);
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    auto outputs = loaded.value()->createExecutionContext().value()->execute(inputs);
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    // bfloat16 keeps 8 significant bits: each stored value moves by up to 2^-9 of itself (a standard
    // deviation of 2^-9/sqrt(3) relative). The input and conv a's output are stored so; conv b sums
    // 144 products of relu outputs of about 2 and weights of about 0.6 in magnitude: a standard
    // deviation of about 0.016 absolute, about 0.055 at the worst of 1152 outputs (3.5 deviations).
    // Its output may be rounded too (2^-9 relative). 0.1 is six deviations. Where oneDNN's BF16 convolution
    // runs a layer (CPUs with BF16 instructions), its weights are rounded as well, about as much error
    // again: a deviation of about 0.023, and 0.1 is still over four.
    expectSameOutputs(*outputs, expected, 0.01, 0.1);
}

TEST(SimulatedBf16, OneReducedPrecisionPerBuild) {
    NetworkDefinition network;
    Tensor* x = network.addInput("x", DataType::Float32, {1, 3, 8, 8}).value();
    ASSERT_TRUE(network.markOutput(addConv(network, "a", x, 4, 3, 1)->output(0)).isOk());
    BuilderConfig config;
    config.bf16 = true;
    config.fp16 = true;
    auto engine = Builder::build(network, config);
    ASSERT_FALSE(engine.isOk());
    EXPECT_NE(engine.status().message().find("--bf16"), std::string::npos) << engine.status().message();
}

// INT8 where only simulated kernels exist: tensors with a calibrated range are stored in INT8 (a
// symmetric scale mapping the range to 127), those without stay FP32, and the outputs stay close.
TEST(SimulatedInt8, CpuBuildQuantizesCalibratedTensors) {
    NetworkDefinition network;
    Tensor* x = network.addInput("x", DataType::Float32, {1, 3, 12, 12}).value();
    Layer* a = addConv(network, "a", x, 16, 3, 1);
    Layer* relu = addLayer(network, "relu", ActivationParams{ActivationType::Relu, 0.0f, 0.0f}, {a->output(0)});
    Layer* b = addConv(network, "b", relu->output(0), 8, 3, 2);
    ASSERT_TRUE(network.markOutput(b->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 5);
    BuilderConfig plain;
    plain.enableFusion = false;
    plain.timingIterations = 1;
    auto all = recordTensors(*Builder::build(network, plain).value(), inputs);
    ASSERT_TRUE(all.isOk()) << all.status().message();
    BuilderConfig config;
    config.int8 = true;
    config.timingIterations = 1;
    auto refused = Builder::build(network, config);
    ASSERT_FALSE(refused.isOk());
    EXPECT_NE(refused.status().message().find("calibrated ranges"), std::string::npos);
    // Ranges of this very input: the largest magnitude of each tensor (min-max calibration).
    for (const std::string name : {"x", "relu.out"}) {
        const HostTensor& value = name == "x" ? inputs.at("x") : all->at(name).value;
        float largest = 0.0f;
        for (int64_t i = 0; i < value.elementCount(); ++i) largest = std::max(largest, std::fabs(value.data<float>()[i]));
        config.dynamicRanges[name] = largest;
    }
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    bool quantized = false;
    for (const auto& tensor : engine.value()->network().tensors()) {
        if (tensor->format().storage != DataType::Int8) continue;
        quantized = true;
        EXPECT_TRUE(tensor->dynamicRange().has_value()) << tensor->name();
    }
    EXPECT_TRUE(quantized);
    EXPECT_FALSE(engine.value()->network().findTensor("b.out")->format().storage);
    auto outputs = engine.value()->createExecutionContext().value()->execute(inputs);
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    // Two quantized tensors with steps of 1/254 of their range: each output sums 72 products of such
    // values; the error stays within a few percent of the output's range.
    const HostTensor& expected = all->at("b.out").value;
    const HostTensor& actual = outputs->at("b.out");
    double largest = 0.0, worst = 0.0;
    for (int64_t i = 0; i < expected.elementCount(); ++i) {
        largest = std::max(largest, double(std::fabs(expected.data<float>()[i])));
        worst = std::max(worst, double(std::fabs(expected.data<float>()[i] - actual.data<float>()[i])));
    }
    EXPECT_LT(worst, 0.03 * largest);
    EXPECT_GT(worst, 0.0) << "INT8 storage must change the result";
}

}  // namespace
}  // namespace kiln::test

// Per-layer precisions (--layerPrecisions) and how the builder treats them (--precisionConstraints):
// a layer asked for FP16 or INT8 runs in it whatever the build's precision, the rest keep theirs; the
// last matching pattern decides; a layer that cannot run as asked fails an obeying build naming it and
// why, and falls back in a preferring one with the build report saying so; 'none' ignores the list.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "kiln/builder.h"
#include "kiln/precision.h"

namespace kiln::test {
namespace {

// x -> conv1 + relu1 -> conv2 + relu2 -> conv3 -> output, each layer with its model node.
NetworkDefinition chain() {
    NetworkDefinition network;
    Tensor* x = network.addInput("x", DataType::Float32, {1, 16, 8, 8}).value();
    Tensor* current = x;
    for (int i = 1; i <= 3; ++i) {
        const std::string name = "conv" + std::to_string(i);
        Layer* conv = addConv(network, name, current, 16, 3, 1);
        conv->setProvenance({name});
        current = conv->output(0);
        if (i == 3) break;
        Layer* relu = addLayer(network, "relu" + std::to_string(i), ActivationParams{ActivationType::Relu, 0.0f, 0.0f},
                               {current});
        relu->setProvenance({"relu" + std::to_string(i)});
        current = relu->output(0);
    }
    EXPECT_TRUE(network.markOutput(current).isOk());
    return network;
}

BuilderConfig fp32Config() {
    BuilderConfig config;
    config.timingIterations = 1;
    return config;
}

// The built layer that model node `node` became (after fusion, the layer whose provenance has it).
const Layer* layerOf(const Engine& engine, const std::string& node) {
    for (const auto& layer : engine.network().layers()) {
        if (layer->kind() == LayerKind::Reformat) continue;
        for (const std::string& source : layer->provenance()) {
            if (source == node) return layer.get();
        }
    }
    return nullptr;
}

// The precision a built layer reads its activation in.
DataType readPrecision(const Layer& layer) {
    return layer.input(0)->format().storage.value_or(layer.input(0)->type());
}

bool reported(const Engine& engine, const std::string& text) {
    for (const PassChange& change : engine.report().changes) {
        if (change.pass == "precision constraints" && change.description.find(text) != std::string::npos) return true;
    }
    return false;
}

double cosine(const HostTensor& a, const HostTensor& b) {
    double dot = 0.0, aa = 0.0, bb = 0.0;
    for (int64_t i = 0; i < a.elementCount(); ++i) {
        dot += double(a.data<float>()[i]) * b.data<float>()[i];
        aa += double(a.data<float>()[i]) * a.data<float>()[i];
        bb += double(b.data<float>()[i]) * b.data<float>()[i];
    }
    return dot / std::sqrt(aa * bb);
}

double maxDifference(const HostTensor& a, const HostTensor& b) {
    double worst = 0.0;
    for (int64_t i = 0; i < a.elementCount(); ++i) worst = std::max(worst, double(std::fabs(a.data<float>()[i] - b.data<float>()[i])));
    return worst;
}

HostTensor run(const Engine& engine, const TensorMap& inputs) {
    auto outputs = engine.createExecutionContext().value()->execute(inputs);
    EXPECT_TRUE(outputs.isOk()) << outputs.status().message();
    return outputs.isOk() ? outputs->begin()->second : HostTensor();
}

TEST(LayerPrecisions, AnFp16LayerInAnFp32BuildRunsInFp16AndTheRestInFp32) {
    const NetworkDefinition network = chain();
    const TensorMap inputs = randomInputs(network, 5);
    auto reference = Builder::build(network, fp32Config());
    ASSERT_TRUE(reference.isOk()) << reference.status().message();

    BuilderConfig config = fp32Config();
    config.layerPrecisions.push_back({"conv2", DataType::Float16});
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    const Layer* conv2 = layerOf(*engine.value(), "conv2");
    ASSERT_NE(conv2, nullptr);
    EXPECT_EQ(readPrecision(*conv2), DataType::Float16);
    EXPECT_EQ(conv2->output(0)->format().storage, DataType::Float16);
    EXPECT_EQ(readPrecision(*layerOf(*engine.value(), "conv1")), DataType::Float32);
    EXPECT_EQ(readPrecision(*layerOf(*engine.value(), "conv3")), DataType::Float32);
    EXPECT_TRUE(reported(*engine.value(), "in FP16 (conv2:fp16)"));

    // The rounding is real (the output differs from FP32) and of half precision's size.
    const HostTensor want = run(*reference.value(), inputs);
    const HostTensor got = run(*engine.value(), inputs);
    EXPECT_GT(maxDifference(want, got), 0.0);
    EXPECT_GT(cosine(want, got), 0.999);
}

TEST(LayerPrecisions, TheLastMatchingPatternDecides) {
    const NetworkDefinition network = chain();
    BuilderConfig config = fp32Config();
    config.layerPrecisions.push_back({"conv*", DataType::Float16});
    config.layerPrecisions.push_back({"conv1", DataType::Float32});
    config.layerPrecisions.push_back({"conv3", DataType::Float32});
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    EXPECT_EQ(readPrecision(*layerOf(*engine.value(), "conv1")), DataType::Float32);
    EXPECT_EQ(readPrecision(*layerOf(*engine.value(), "conv2")), DataType::Float16);
    EXPECT_EQ(readPrecision(*layerOf(*engine.value(), "conv3")), DataType::Float32);
    EXPECT_TRUE(reported(*engine.value(), "kept conv1"));
    EXPECT_TRUE(reported(*engine.value(), "in FP16 (conv*:fp16)"));
}

// The layer that writes a network output writes it in the output's own type (FP32), so it cannot be
// asked for another: the error says why.
TEST(LayerPrecisions, TheLayerWritingAnOutputKeepsItsType) {
    const NetworkDefinition network = chain();
    BuilderConfig config = fp32Config();
    config.layerPrecisions.push_back({"conv3", DataType::Float16});
    auto engine = Builder::build(network, config);
    ASSERT_FALSE(engine.isOk());
    EXPECT_NE(engine.status().message().find("it writes the network output"), std::string::npos)
        << engine.status().message();
}

TEST(LayerPrecisions, AnInt8LayerInAnFp32BuildRunsInInt8WithCalibratedRanges) {
    const NetworkDefinition network = chain();
    const TensorMap inputs = randomInputs(network, 9);
    auto reference = Builder::build(network, fp32Config());
    ASSERT_TRUE(reference.isOk()) << reference.status().message();
    auto recorded = recordTensors(*reference.value(), inputs);
    ASSERT_TRUE(recorded.isOk()) << recorded.status().message();

    BuilderConfig config = fp32Config();
    for (const auto& [name, tensor] : *recorded) {
        float largest = 1e-3f;
        for (int64_t i = 0; i < tensor.value.elementCount(); ++i) largest = std::max(largest, std::fabs(tensor.value.data<float>()[i]));
        config.dynamicRanges[name] = largest;
    }
    config.dynamicRanges["x"] = 1.0f;  // randomInputs draws from [-1, 1]
    config.layerPrecisions.push_back({"conv2", DataType::Int8});
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    EXPECT_EQ(readPrecision(*layerOf(*engine.value(), "conv2")), DataType::Int8);
    EXPECT_EQ(readPrecision(*layerOf(*engine.value(), "conv1")), DataType::Float32);
    EXPECT_EQ(readPrecision(*layerOf(*engine.value(), "conv3")), DataType::Float32);
    EXPECT_TRUE(reported(*engine.value(), "in INT8 (conv2:int8)"));
    const HostTensor want = run(*reference.value(), inputs);
    const HostTensor got = run(*engine.value(), inputs);
    EXPECT_GT(maxDifference(want, got), 0.0);
    // One layer quantized to 8 bits (steps of 1/127 of the range): far from exact, far from noise.
    EXPECT_GT(cosine(want, got), 0.99);
}

TEST(LayerPrecisions, ObeyFailsNamingTheLayerAndPreferFallsBackAndSaysSo) {
    const NetworkDefinition network = chain();
    BuilderConfig config = fp32Config();
    config.layerPrecisions.push_back({"conv2", DataType::Int8});  // no calibrated ranges
    auto obeyed = Builder::build(network, config);
    ASSERT_FALSE(obeyed.isOk());
    const std::string message = obeyed.status().message();
    EXPECT_NE(message.find("cannot run in INT8 (asked by conv2:int8)"), std::string::npos) << message;
    EXPECT_NE(message.find("has no calibrated range"), std::string::npos) << message;
    EXPECT_NE(message.find("--precisionConstraints prefer"), std::string::npos) << message;

    config.precisionConstraints = PrecisionConstraints::Prefer;
    auto preferred = Builder::build(network, config);
    ASSERT_TRUE(preferred.isOk()) << preferred.status().message();
    EXPECT_EQ(readPrecision(*layerOf(*preferred.value(), "conv2")), DataType::Float32);
    EXPECT_TRUE(reported(*preferred.value(), "runs in FP32, not INT8 (conv2:int8): its input"));
}

TEST(LayerPrecisions, NoneIgnoresThemWithAWarning) {
    const NetworkDefinition network = chain();
    BuilderConfig config = fp32Config();
    config.layerPrecisions.push_back({"conv2", DataType::Float16});
    config.layerPrecisions.push_back({"no_such_node", DataType::Float16});
    config.precisionConstraints = PrecisionConstraints::None;
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    EXPECT_EQ(readPrecision(*layerOf(*engine.value(), "conv2")), DataType::Float32);
    ASSERT_EQ(engine.value()->report().warnings.size(), 1u);
    EXPECT_NE(engine.value()->report().warnings[0].find("layer precisions were ignored"), std::string::npos);
}

TEST(LayerPrecisions, OnlyLayerPrecisionsAreAccepted) {
    const NetworkDefinition network = chain();
    BuilderConfig config = fp32Config();
    config.layerPrecisions.push_back({"conv2", DataType::Int32});
    auto engine = Builder::build(network, config);
    ASSERT_FALSE(engine.isOk());
    EXPECT_NE(engine.status().message().find("'conv2:INT32' asks for no layer precision; use fp32, fp16, bf16 or int8"),
              std::string::npos)
        << engine.status().message();
}

// A range is the largest magnitude an INT8 tensor holds: one that is infinite, NaN, zero, negative, so
// small that its step (range / 127) is no normal float or so large that 127 steps overflow is refused
// naming the tensor (an infinite range made every value it scaled NaN), and the extremes that are
// accepted build and run to finite outputs: the smallest range on the input and the largest after it
// leave the INT8 convolution an output scale that underflows a float, so that layer runs in FP32.
TEST(LayerPrecisions, RangesOutsideTheInt8LimitsAreRefused) {
    const NetworkDefinition network = chain();
    for (const float bad : {INFINITY, NAN, 0.0f, -1.0f, 1e-37f, std::numeric_limits<float>::max()}) {
        BuilderConfig config = fp32Config();
        config.int8 = true;
        config.dynamicRanges = {{"x", 1.0f}, {"relu1.out", bad}};
        auto engine = Builder::build(network, config);
        ASSERT_FALSE(engine.isOk()) << bad;
        EXPECT_EQ(engine.status().code(), StatusCode::InvalidArgument);
        EXPECT_NE(engine.status().message().find("the dynamic range given for tensor 'relu1.out' is "), std::string::npos)
            << engine.status().message();
        EXPECT_NE(engine.status().message().find("give a range from 1.49287783e-36 to 3.40282326e+38, or none"),
                  std::string::npos)
            << engine.status().message();
    }

    NetworkDefinition ranged = chain();
    ranged.tensors().front()->setDynamicRange(INFINITY);
    BuilderConfig config = fp32Config();
    config.int8 = true;
    auto refused = Builder::build(ranged, config);
    ASSERT_FALSE(refused.isOk());
    EXPECT_NE(refused.status().message().find("tensor 'x' has the dynamic range inf"), std::string::npos)
        << refused.status().message();

    const float smallest = 127.0f * std::numeric_limits<float>::min();
    const float largest = 3.40282326e+38f;  // 127 x (largest / 127) is still finite; FLT_MAX's is not
    config.dynamicRanges = {{"x", smallest}, {"relu1.out", largest}};
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    const HostTensor y = run(*engine.value(), randomInputs(network, 3));
    for (int64_t i = 0; i < y.elementCount(); ++i) ASSERT_TRUE(std::isfinite(y.data<float>()[i])) << i;
}

}  // namespace
}  // namespace kiln::test

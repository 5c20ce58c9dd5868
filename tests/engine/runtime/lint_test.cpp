// Lint hints: engines made to show each problem get the hint naming the layers concerned; an engine
// without them gets none. The engines are put together here with the build report a build would have
// written (tactics, formats, measured times), so that each hint's condition is exactly what the test says.
#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "kiln/lint.h"

namespace kiln::test {
namespace {

// A layer's record as a build writes it: the chosen tactic and its time, the output formats.
LayerRecord record(const Layer& layer, const std::string& tactic, double milliseconds,
                   std::vector<std::string> formats = {"NCHW"}, const std::string& precision = "FP32") {
    LayerRecord r;
    r.name = layer.name();
    r.kind = toString(layer.kind());
    r.tactic = tactic;
    r.precision = precision;
    r.outputFormats = std::move(formats);
    r.candidates.push_back({tactic, "test", milliseconds, "", true});
    return r;
}

class EngineUnderLint {
public:
    NetworkDefinition network;
    std::vector<LayerRecord> records;

    std::vector<LintHint> lint(const std::string& backend = "cpu") {
        auto plan = planMemory(network);
        EXPECT_TRUE(plan.isOk()) << plan.status().message();
        BuildReport report;
        report.layersAfter = records;
        const Engine engine(std::move(network), std::move(*plan), report, backend);
        return lintEngine(engine);
    }
};

std::vector<std::string> idsOf(const std::vector<LintHint>& hints) {
    std::vector<std::string> ids;
    for (const LintHint& hint : hints) ids.push_back(hint.id);
    return ids;
}

// conv (16 -> 32 channels, 3x3 on 16x16: 2.4 MFLOP) -> conv (32 -> 32: 4.7 MFLOP), both at the same
// rate, blocked by 16: nothing to say.
TEST(Lint, AHealthyEngineGetsNoHint) {
    EngineUnderLint e;
    Tensor* x = *e.network.addInput("x", DataType::Float32, {1, 16, 16, 16});
    Layer* a = addConv(e.network, "a", x, 32, 3, 1);
    Layer* b = addConv(e.network, "b", a->output(0), 32, 3, 2);
    ASSERT_TRUE(e.network.markOutput(b->output(0)).isOk());
    e.records = {record(*a, "onednn:convolution:jit:avx512_core", 0.02, {"NCHW16c"}),
                 record(*b, "onednn:convolution:jit:avx512_core", 0.04, {"NCHW16c"})};
    EXPECT_TRUE(e.lint().empty());
}

TEST(Lint, ReferenceKernelsAreAWarningNamingTheirLayers) {
    EngineUnderLint e;
    Tensor* x = *e.network.addInput("x", DataType::Float32, {1, 4, 8, 8});
    Layer* conv = addConv(e.network, "conv", x, 4, 1, 1);
    Layer* exp = addLayer(e.network, "exp", UnaryParams{UnaryOp::Exp}, {conv->output(0)});
    ASSERT_TRUE(e.network.markOutput(exp->output(0)).isOk());
    e.records = {record(*conv, "onednn:convolution:jit:avx512_core", 0.01), record(*exp, "reference:naive", 0.05)};
    const auto hints = e.lint();
    ASSERT_EQ(idsOf(hints), (std::vector<std::string>{"reference-kernel"}));
    EXPECT_EQ(hints[0].severity, HintSeverity::Warning);
    EXPECT_EQ(hints[0].layers, (std::vector<std::string>{"exp"}));
    EXPECT_NE(hints[0].message.find("exp (Unary)"), std::string::npos) << hints[0].message;
}

// Reformats taking 20 % of the time are a warning; 2 % is not worth a hint.
TEST(Lint, ReformatsAreHintedByTheirShareOfTheTime) {
    for (const double reformatMs : {0.25, 0.02}) {
        EngineUnderLint e;
        Tensor* x = *e.network.addInput("x", DataType::Float32, {1, 16, 8, 8});
        Layer* conv = addConv(e.network, "conv", x, 16, 1, 1);
        Layer* reformat = addLayer(e.network, "Reformat conv.out to NCHW", ReformatParams{}, {conv->output(0)});
        ASSERT_TRUE(e.network.markOutput(reformat->output(0)).isOk());
        e.records = {record(*conv, "onednn:convolution:jit_1x1:avx512_core", 1.0, {"NCHW16c"}),
                     record(*reformat, "kiln:reformat", reformatMs)};
        const auto hints = e.lint();
        if (reformatMs > 0.1) {
            ASSERT_EQ(idsOf(hints), (std::vector<std::string>{"reformat-time"}));
            EXPECT_EQ(hints[0].severity, HintSeverity::Warning);
            EXPECT_EQ(hints[0].layers, (std::vector<std::string>{"Reformat conv.out to NCHW"}));
            EXPECT_NE(hints[0].message.find("20.0 %"), std::string::npos) << hints[0].message;
        } else {
            EXPECT_TRUE(hints.empty()) << hints[0].message;
        }
    }
}

// An activation after a convolution whose output another layer reads too stays a layer of its own; one
// after a pooling is not the convolution's business.
TEST(Lint, AnActivationLeftBesideAConvolutionSaysWhy) {
    EngineUnderLint e;
    Tensor* x = *e.network.addInput("x", DataType::Float32, {1, 4, 8, 8});
    Layer* conv = addConv(e.network, "conv", x, 4, 3, 1);
    Layer* relu = addLayer(e.network, "relu", ActivationParams{ActivationType::Relu, 0.0f, 0.0f}, {conv->output(0)});
    Layer* pool = addLayer(e.network, "pool", PoolingParams{PoolingType::Max, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}},
                           {conv->output(0)});
    Layer* relu2 = addLayer(e.network, "relu2", ActivationParams{ActivationType::Relu, 0.0f, 0.0f}, {pool->output(0)});
    ASSERT_TRUE(e.network.markOutput(relu->output(0)).isOk());
    ASSERT_TRUE(e.network.markOutput(relu2->output(0)).isOk());
    e.records = {record(*conv, "onednn:convolution:jit:avx512_core", 0.01), record(*relu, "kiln:activation", 0.001),
                 record(*pool, "onednn:pooling:jit:avx512_core", 0.001), record(*relu2, "kiln:activation", 0.001)};
    const auto hints = e.lint();
    ASSERT_EQ(idsOf(hints), (std::vector<std::string>{"unfused-activation"}));
    EXPECT_EQ(hints[0].layers, (std::vector<std::string>{"relu", "conv"}));
    EXPECT_NE(hints[0].message.find("also read by pool"), std::string::npos) << hints[0].message;
}

TEST(Lint, AConcatThatCopiesIsNamed) {
    EngineUnderLint e;
    Tensor* x = *e.network.addInput("x", DataType::Float32, {1, 4, 8, 8});
    Tensor* y = *e.network.addInput("y", DataType::Float32, {1, 4, 8, 8});
    Layer* concat = addLayer(e.network, "concat", ConcatParams{1}, {x, y});
    ASSERT_TRUE(e.network.markOutput(concat->output(0)).isOk());
    e.records = {record(*concat, "kiln:concat", 0.01)};
    const auto hints = e.lint();
    ASSERT_EQ(idsOf(hints), (std::vector<std::string>{"copying-concat"}));
    EXPECT_EQ(hints[0].layers, (std::vector<std::string>{"concat"}));
    EXPECT_NE(hints[0].message.find("copies its 2 inputs"), std::string::npos) << hints[0].message;
}

// 24 channels in blocks of 16 leave a quarter of each block empty; 40 in blocks of 8 fill them; on a GPU,
// an FP16 convolution from 3 channels has no tensor-core kernel.
TEST(Lint, ChannelCountsThatWasteBlocksOrTensorCoresAreHinted) {
    EngineUnderLint e;
    Tensor* x = *e.network.addInput("x", DataType::Float32, {1, 3, 8, 8});
    Layer* narrow = addConv(e.network, "narrow", x, 24, 3, 1);
    Layer* full = addConv(e.network, "full", narrow->output(0), 40, 1, 2);
    ASSERT_TRUE(e.network.markOutput(full->output(0)).isOk());
    e.records = {record(*narrow, "onednn:convolution:jit:avx512_core", 0.01, {"NCHW16c"}),
                 record(*full, "onednn:convolution:jit:avx2", 0.01, {"NCHW8c"})};
    auto hints = e.lint();
    ASSERT_EQ(idsOf(hints), (std::vector<std::string>{"channel-padding"}));
    EXPECT_EQ(hints[0].layers, (std::vector<std::string>{"narrow"}));
    EXPECT_NE(hints[0].message.find("24 -> 32"), std::string::npos) << hints[0].message;

    EngineUnderLint gpu;
    Tensor* input = *gpu.network.addInput("x", DataType::Float32, {1, 3, 8, 8});
    Layer* first = addConv(gpu.network, "first", input, 16, 3, 1);
    Layer* second = addConv(gpu.network, "second", first->output(0), 16, 3, 2);
    ASSERT_TRUE(gpu.network.markOutput(second->output(0)).isOk());
    gpu.records = {record(*first, "cudnn:conv", 0.01, {"NCHW"}, "FP16"), record(*second, "cudnn:conv", 0.01, {"NCHW"}, "FP16")};
    hints = gpu.lint("cuda");
    ASSERT_EQ(idsOf(hints), (std::vector<std::string>{"channel-padding"}));
    EXPECT_EQ(hints[0].layers, (std::vector<std::string>{"first"}));
    EXPECT_NE(hints[0].message.find("3 -> 16"), std::string::npos) << hints[0].message;
}

// Two convolutions of the same FLOPs: one at the engine's best rate, one 20x slower. The slow one is named;
// a Winograd convolution's direct FLOP count would be no fair peak and is left out of it.
TEST(Lint, ALayerFarBelowTheEnginesRooflineIsAWarning) {
    EngineUnderLint e;
    Tensor* x = *e.network.addInput("x", DataType::Float32, {1, 32, 16, 16});
    Layer* fast = addConv(e.network, "fast", x, 32, 3, 1);
    Layer* slow = addConv(e.network, "slow", fast->output(0), 32, 3, 2);
    Layer* wino = addConv(e.network, "wino", slow->output(0), 32, 3, 3);
    ASSERT_TRUE(e.network.markOutput(wino->output(0)).isOk());
    e.records = {record(*fast, "onednn:convolution:jit:avx512_core", 0.1, {"NCHW16c"}),
                 record(*slow, "onednn:convolution:x64:gemm:jit", 2.0, {"NCHW16c"}),
                 record(*wino, "onednn:convolution_winograd:jit_wino_4x3:avx512_core", 0.01, {"NCHW16c"})};
    const auto hints = e.lint();
    ASSERT_EQ(idsOf(hints), (std::vector<std::string>{"below-roofline"}));
    EXPECT_EQ(hints[0].severity, HintSeverity::Warning);
    EXPECT_EQ(hints[0].layers, (std::vector<std::string>{"slow"}));
    EXPECT_NE(hints[0].message.find("20x its roofline"), std::string::npos) << hints[0].message;
    // The JSON carries the same.
    const std::string json = lintJson(hints);
    EXPECT_NE(json.find("\"Id\": \"below-roofline\""), std::string::npos) << json;
    EXPECT_NE(json.find("\"Layers\": [\"slow\"]"), std::string::npos) << json;
}

// Records alone (an engine built elsewhere): a layer named by TensorRT's kinds, its tensors by name.
RecordedLayer recorded(const std::string& name, const std::string& kind, std::vector<std::string> inputs,
                       std::vector<std::string> outputs, std::vector<std::string> outputDims, double milliseconds,
                       const std::string& precision = "FP32", int64_t groups = 1) {
    RecordedLayer layer;
    layer.record.name = name;
    layer.record.kind = kind;
    layer.record.inputs = std::move(inputs);
    layer.record.outputs = std::move(outputs);
    layer.record.outputDims = std::move(outputDims);
    layer.record.precision = precision;
    layer.groups = groups;
    layer.milliseconds = milliseconds;
    return layer;
}

// input (3 channels) -> reformat -> conv 3->32 (INT8) -> depthwise 32 (groups 32) -> conv 32->20 (FP16)
// -> conv 20->16 (FP32) -> activation (its input read by the concat too) -> concat. The reformat takes 0.1 of
// 1.0 ms; on a GPU the first and third convolutions miss tensor-core multiples, the depthwise one (groups)
// and the FP32 one are not judged; the activation and the concat are named.
TEST(LintRecords, EachHintRecordsCanShowNamesItsLayersAndNoOther) {
    const std::vector<RecordedLayer> layers = {
        recorded("reformat", "Reformat", {"input"}, {"t0"}, {"1x3x8x8"}, 0.1, "INT8"),
        recorded("conv a", "Convolution", {"t0"}, {"t1"}, {"1x32x8x8"}, 0.3, "INT8"),
        recorded("depthwise", "Convolution", {"t1"}, {"t2"}, {"1x32x8x8"}, 0.1, "INT8", 32),
        recorded("conv b", "Convolution", {"t2"}, {"t3"}, {"1x20x8x8"}, 0.2, "FP16"),
        recorded("conv c", "Convolution", {"t3"}, {"t4"}, {"1x16x8x8"}, 0.1, "FP32"),
        recorded("relu", "Activation", {"t4"}, {"t5"}, {"1x16x8x8"}, 0.1),
        recorded("concat", "Concatenation", {"t5", "t4"}, {"t6"}, {"1x32x8x8"}, 0.1),
    };
    std::vector<LintHint> hints = lintRecordedLayers(layers, true);
    ASSERT_EQ(idsOf(hints), (std::vector<std::string>{"reformat-time", "unfused-activation", "copying-concat", "channel-padding"}));
    EXPECT_EQ(hints[0].severity, HintSeverity::Info);  // 10 %: worth saying, not a warning
    EXPECT_EQ(hints[0].layers, (std::vector<std::string>{"reformat"}));
    EXPECT_NE(hints[0].message.find("10.0 %"), std::string::npos) << hints[0].message;
    EXPECT_EQ(hints[1].layers, (std::vector<std::string>{"relu", "conv c"}));
    EXPECT_NE(hints[1].message.find("also read by concat"), std::string::npos) << hints[1].message;
    EXPECT_EQ(hints[2].layers, (std::vector<std::string>{"concat"}));
    EXPECT_NE(hints[2].message.find("copies its 2 inputs instead"), std::string::npos) << hints[2].message;
    EXPECT_EQ(hints[3].layers, (std::vector<std::string>{"conv a", "conv b"}));
    EXPECT_NE(hints[3].message.find("conv a (3 -> 32), conv b (32 -> 20)"), std::string::npos) << hints[3].message;

    // No tensor cores to fill (a CPU engine): no channel hint.
    hints = lintRecordedLayers(layers, false);
    EXPECT_EQ(idsOf(hints), (std::vector<std::string>{"reformat-time", "unfused-activation", "copying-concat"}));
}

// Without times there is no share to judge; an activation after a pooling, aligned channels and an
// elided concat are nothing to say.
TEST(LintRecords, AHealthyOrUntimedEngineGetsNoHint) {
    std::vector<RecordedLayer> layers = {
        recorded("reformat", "Reformat", {"input"}, {"t0"}, {"1x8x8x8"}, -1.0, "FP16"),
        recorded("conv", "CaskConvolution", {"t0"}, {"t1"}, {"1x16x8x8"}, -1.0, "FP16"),
        recorded("conv2", "Convolution", {"t1"}, {"t2"}, {"1x24x8x8"}, -1.0, "FP16"),
        recorded("pool", "Pooling", {"t2"}, {"t3"}, {"1x24x4x4"}, -1.0, "FP16"),
        recorded("relu", "Activation", {"t3"}, {"t4"}, {"1x24x4x4"}, -1.0, "FP16"),
        recorded("concat", "Concat", {"t4", "t3"}, {"t5"}, {"1x48x4x4"}, -1.0, "FP16"),
    };
    layers.back().record.elided = true;
    EXPECT_TRUE(lintRecordedLayers(layers, true).empty());
    // Input channels from the layer's own input dimensions where the file gives them.
    layers[2].inputDims = {"1x12x8x8"};
    const std::vector<LintHint> hints = lintRecordedLayers(layers, true);
    ASSERT_EQ(idsOf(hints), (std::vector<std::string>{"channel-padding"}));
    EXPECT_EQ(hints[0].layers, (std::vector<std::string>{"conv2"}));
}

}  // namespace
}  // namespace kiln::test

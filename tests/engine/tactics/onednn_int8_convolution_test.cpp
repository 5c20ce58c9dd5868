// The oneDNN INT8 convolution tactic against a reference of the same quantized arithmetic: the input
// and an INT8 residual rounded to their INT8 steps, the weights to per-output-channel steps, then an
// FP32 convolution (the reference kernel), bias, residual and activation. Strides, pads, groups,
// depthwise, dilation, residual and ReLU; INT8 and FP32 outputs; channels-last, blocked and NCHW
// tensors. Also: an INT8 build of a small CNN on the CPU keeps its tensors channels-last from one
// convolution to the next, with no reformat between them.
#include <algorithm>
#include <cmath>
#include <random>

#include "engine/passes/pass_test_util.h"
#include "engine/tactics/onednn_test_util.h"
#include "engine/tactics/tactic_test_util.h"
#include "kiln/builder.h"
#include "kiln/plan.h"
#include "kiln/precision.h"

namespace kiln::test {
namespace {

struct Int8Case {
    std::string name;
    Dims data;
    int64_t outChannels;
    int64_t kernel;
    int64_t stride = 1;
    std::vector<int64_t> pads{0, 0, 0, 0};
    int64_t dilation = 1;
    int64_t groups = 1;
    bool residual = false;
    bool relu = false;
    bool relu6 = false;  // Clip(0, 6), MobileNet's activation
};

float largestMagnitude(const HostTensor& t) {
    float largest = 0.0f;
    for (int64_t i = 0; i < t.elementCount(); ++i) largest = std::max(largest, std::fabs(t.data<float>()[i]));
    return largest;
}

// `t` rounded to the INT8 steps of `scale`, as Kiln stores it (tactics::convertType).
HostTensor fakeQuantized(const HostTensor& t, float scale) {
    return tactics::convertType(tactics::convertType(t, DataType::Int8, scale), DataType::Float32, scale);
}

// Per output channel k: the weights rounded to steps of s_k = max|w_k| / 127, and s_k itself.
std::pair<HostTensor, std::vector<float>> quantizedWeights(const HostTensor& w) {
    HostTensor q = w;
    const int64_t channels = w.dims()[0];
    const int64_t perChannel = w.elementCount() / channels;
    std::vector<float> scales;
    for (int64_t k = 0; k < channels; ++k) {
        float* row = q.data<float>() + k * perChannel;
        float largest = 0.0f;
        for (int64_t i = 0; i < perChannel; ++i) largest = std::max(largest, std::fabs(row[i]));
        const float s = largest > 0.0f ? largest / 127.0f : 1.0f;
        for (int64_t i = 0; i < perChannel; ++i) row[i] = std::nearbyint(row[i] / s) * s;
        scales.push_back(s);
    }
    return {q, scales};
}

Result<HostTensor> reference(const ConvolutionParams& params, const std::vector<const HostTensor*>& inputs) {
    KILN_ASSIGN_OR_RETURN(SingleLayerNetwork net, makeSingleLayerNetwork(params, inputs, {true, false, false, true}));
    KILN_ASSIGN_OR_RETURN(std::vector<HostTensor> outputs, runReference(*net.layer, inputs));
    return outputs.at(0);
}

// Runs the INT8 tactics for `c` with input 0 (and the residual) stored in INT8 in `layout`, output 0 in
// `layout` stored in INT8 or FP32, and checks them against the quantized reference. Returns the ids.
// With `unsignedInput` the data is never negative and comes from a ReLU, so only the "_unsigned"
// tactics (u8 input, 8-bit weights) are offered.
// With `nearlyPrunedChannel` output channel 1's weights are scaled down to about 1e-38, below what an
// INT8 step can be (max |w| / 127 under the smallest normal float).
std::vector<std::string> checkInt8(const Int8Case& c, TensorFormat layout, bool int8Output,
                                   bool unsignedInput = false, uint32_t seed = 3,
                                   bool nearlyPrunedChannel = false) {
    std::mt19937 rng(seed);
    const HostTensor data = randomTensor(c.data, rng, unsignedInput ? 0.0f : -1.0f, 1.0f);
    HostTensor weights =
        randomTensor({c.outChannels, c.data[1] / c.groups, c.kernel, c.kernel}, rng, -0.5f, 0.5f);
    if (nearlyPrunedChannel) {
        const int64_t perChannel = weights.elementCount() / c.outChannels;
        for (int64_t i = perChannel; i < 2 * perChannel; ++i)
            weights.data<float>()[i] *= 2e-38f;
    }
    const HostTensor bias = randomTensor({c.outChannels}, rng, -0.2f, 0.2f);
    ConvolutionParams params;
    params.strides = {c.stride, c.stride};
    params.pads = c.pads;
    params.dilations = {c.dilation, c.dilation};
    params.groups = c.groups;
    if (c.relu) params.activation = ActivationParams{ActivationType::Relu, 0.0f, 0.0f};
    if (c.relu6) params.activation = ActivationParams{ActivationType::Clip, 0.0f, 6.0f};
    Dims out{c.data[0], c.outChannels};
    for (size_t axis = 2; axis < 4; ++axis) {
        const int64_t window = (c.kernel - 1) * c.dilation + 1;
        out.push_back((c.data[axis] + c.pads[axis - 2] + c.pads[axis] - window) / c.stride + 1);
    }
    const HostTensor residual = randomTensor(out, rng);

    const float inputScale = largestMagnitude(data) / 127.0f;
    const float residualScale = largestMagnitude(residual) / 127.0f;
    const HostTensor dataQ = fakeQuantized(data, inputScale);
    const auto [weightsQ, weightScales] = quantizedWeights(weights);
    // The residual the kernel adds is the INT8 one when it is stored in INT8 (it is whenever it shares
    // the output's layout, as here).
    const HostTensor residualQ = fakeQuantized(residual, residualScale);
    std::vector<const HostTensor*> refInputs{&dataQ, &weightsQ, &bias};
    if (c.residual) refInputs.push_back(&residualQ);
    Result<HostTensor> expected = reference(params, refInputs);
    EXPECT_TRUE(expected.isOk()) << c.name << ": " << expected.status().message();
    if (!expected) return {};

    // Without VNNI a signed input is multiplied by weights halved to 7 bits: each weight moves by up
    // to one step s_k, so an output by up to sum |x| s_k over its window, which is the convolution of
    // |x| with weights all s_k (the activation, ReLU, moves nothing further apart).
    HostTensor absData = dataQ;
    for (int64_t i = 0; i < absData.elementCount(); ++i) absData.data<float>()[i] = std::fabs(absData.data<float>()[i]);
    HostTensor stepWeights = weightsQ;
    const int64_t perChannel = stepWeights.elementCount() / c.outChannels;
    for (int64_t i = 0; i < stepWeights.elementCount(); ++i) stepWeights.data<float>()[i] = weightScales[size_t(i / perChannel)];
    ConvolutionParams boundParams = params;
    boundParams.activation.reset();
    Result<HostTensor> halving = reference(boundParams, {&absData, &stepWeights});
    EXPECT_TRUE(halving.isOk()) << c.name << ": " << halving.status().message();
    if (!halving) return {};

    std::vector<const HostTensor*> inputs{&data, &weights, &bias};
    if (c.residual) inputs.push_back(&residual);
    Result<SingleLayerNetwork> net = makeSingleLayerNetwork(params, inputs, {true, false, false, true});
    EXPECT_TRUE(net.isOk()) << c.name << ": " << net.status().message();
    if (!net) return {};
    Layer* convolution = net->layer;
    if (unsignedInput) {
        // The same convolution reading a ReLU's output (the data, unchanged by it).
        NetworkDefinition& network = *net->network;
        Tensor* x = network.addInput("x", DataType::Float32, c.data).value();
        Layer* relu = network.addLayer("relu", ActivationParams{ActivationType::Relu, 0.0f, 0.0f}, {x}, {"x.relu"}).value();
        std::vector<Tensor*> convInputs = convolution->inputs();
        convInputs[0] = relu->output(0);
        convolution = network.addLayer("unsigned", params, convInputs, {"unsigned.out"}).value();
    }
    Layer& layer = *convolution;
    const float outputRange = largestMagnitude(*expected) * 1.05f;
    layer.input(0)->setDynamicRange(inputScale * 127.0f);
    layer.output(0)->setDynamicRange(outputRange);
    TensorFormat int8Layout = layout;
    int8Layout.storage = DataType::Int8;
    layer.input(0)->setFormat(int8Layout);
    layer.output(0)->setFormat(int8Output ? int8Layout : layout);
    if (c.residual) {
        layer.input(3)->setDynamicRange(residualScale * 127.0f);
        layer.input(3)->setFormat(int8Layout);
    }
    const tactics::LayerConfig config = tactics::LayerConfig::of(layer);
    Enumeration e = enumerateOnednn(config);
    const std::string what = c.name + " [" + toString(int8Layout, 4) + " to " + toString(layer.output(0)->format(), 4) + "]";
    std::vector<std::string> ids;
    for (const auto& tactic : e.tactics) {
        const std::string label = what + " " + tactic->id();
        Result<std::vector<HostTensor>> actual = runTactic(*tactic, config, inputs);
        EXPECT_TRUE(actual.isOk()) << label << ": " << actual.status().message();
        if (!actual) continue;
        const bool signedInput = tactic->id().find("unsigned") == std::string::npos;
        EXPECT_EQ(signedInput, !unsignedInput) << label;
        // One INT8 step of the output, FP32 rounding of the sums, and the 7-bit weights.
        const float step = int8Output ? outputRange / 127.0f : 0.0f;
        const float fp32 = 1e-5f * std::sqrt(float(perChannel)) + 1e-4f * largestMagnitude(*expected);
        int64_t worst = -1;
        float worstExcess = 0.0f;
        for (int64_t i = 0; i < expected->elementCount(); ++i) {
            const float bound = step + fp32 + (signedInput ? halving->data<float>()[i] : 0.0f);
            const float excess = std::fabs(actual->at(0).data<float>()[i] - expected->data<float>()[i]) - bound;
            if (excess > worstExcess) {
                worstExcess = excess;
                worst = i;
            }
        }
        EXPECT_LT(worst, 0) << label << ": element " << worst << " is "
                            << (worst >= 0 ? actual->at(0).data<float>()[worst] : 0.0f) << ", expected "
                            << (worst >= 0 ? expected->data<float>()[worst] : 0.0f) << " (beyond the bound by "
                            << worstExcess << ")";
        ids.push_back(tactic->id());
    }
    // oneDNN 2.6 has jit INT8 convolutions for dense channels-last tensors on AVX2 and AVX-512.
    __builtin_cpu_init();
    if (layout.channelsLast && __builtin_cpu_supports("avx2")) {
        EXPECT_FALSE(ids.empty()) << what << " offered no tactic; skipped:" << skippedText(e.skipped);
    }
    return ids;
}

const std::vector<Int8Case> kCases = {
    {"3x3 odd sizes, residual, relu", {1, 5, 9, 11}, 7, 3, 1, {1, 1, 1, 1}, 1, 1, true, true},
    {"stride 2, asymmetric pads, batch 2", {2, 16, 10, 9}, 24, 3, 2, {0, 1, 2, 1}},
    {"dilation 2, relu", {1, 8, 12, 12}, 16, 3, 1, {2, 2, 2, 2}, 2, 1, false, true},
    {"groups 2", {1, 16, 7, 7}, 32, 3, 1, {1, 1, 1, 1}, 1, 2},
    {"depthwise, residual", {1, 24, 8, 8}, 24, 3, 1, {1, 1, 1, 1}, 1, 24, true},
    {"1x1, residual, relu", {1, 64, 7, 7}, 32, 1, 1, {0, 0, 0, 0}, 1, 1, true, true},
    {"depthwise 32, relu6", {1, 32, 28, 28}, 32, 3, 1, {1, 1, 1, 1}, 1, 32, false, false, true},
};

TEST(OnednnInt8Convolution, ChannelsLastInt8AndFp32Outputs) {
    for (const Int8Case& c : kCases) {
        checkInt8(c, TensorFormat::nhwc(0), true);
        checkInt8(c, TensorFormat::nhwc(0), false);
    }
}

TEST(OnednnInt8Convolution, UnsignedInputs) {
    for (const Int8Case& c : kCases) {
        for (const TensorFormat layout : {TensorFormat::nhwc(0), TensorFormat::blocked(8)}) {
            checkInt8(c, layout, true, true);
            checkInt8(c, layout, false, true);
        }
    }
}

// A channel whose weights are all but 0 (pruning left rounding dust in it) has no INT8 step of its own;
// its weights count as 0 and the rest of the layer still runs in INT8 (the bound of checkInt8 holds: the
// products dropped are below 1e-38 each).
TEST(OnednnInt8Convolution, ANearlyPrunedChannelKeepsTheLayerInInt8) {
    for (const Int8Case& c : kCases) {
        checkInt8(c, TensorFormat::nhwc(0), true, false, 3, true);
        checkInt8(c, TensorFormat::nhwc(0), false, true, 3, true);
    }
}

// Blocked and NCHW tensors go through channels-last copies in the workspace.
TEST(OnednnInt8Convolution, BlockedAndLinearThroughTheWorkspace) {
    for (const Int8Case& c : kCases) {
        for (const TensorFormat layout : {TensorFormat::blocked(8), TensorFormat{}}) {
            checkInt8(c, layout, true);
            checkInt8(c, layout, false);
        }
    }
}

// An INT8 build of conv, relu, conv, relu, conv with a residual, global pooling on the CPU: the tensors
// between the convolutions are channels-last INT8 and no reformat sits between two convolutions.
TEST(OnednnInt8Convolution, CpuBuildHasNoReformatsBetweenConvolutions) {
    NetworkDefinition network;
    Tensor* x = network.addInput("x", DataType::Float32, {1, 3, 16, 16}).value();
    Layer* a = addConv(network, "a", x, 16, 3, 1);
    Layer* reluA = addLayer(network, "reluA", ActivationParams{ActivationType::Relu, 0.0f, 0.0f}, {a->output(0)});
    Layer* b = addConv(network, "b", reluA->output(0), 16, 3, 1);
    Layer* reluB = addLayer(network, "reluB", ActivationParams{ActivationType::Relu, 0.0f, 0.0f}, {b->output(0)});
    Layer* c = addConv(network, "c", reluB->output(0), 16, 1, 0);
    Layer* sum = addLayer(network, "sum", ElementwiseParams{ElementwiseOp::Add}, {c->output(0), reluA->output(0)});
    PoolingParams global{PoolingType::Average, {16, 16}, {1, 1}, {0, 0, 0, 0}, {1, 1}};
    Layer* pool = addLayer(network, "pool", global, {sum->output(0)});
    ASSERT_TRUE(network.markOutput(pool->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 7);
    BuilderConfig plain;
    plain.enableFusion = false;
    plain.timingIterations = 1;
    auto fp32 = Builder::build(network, plain);
    ASSERT_TRUE(fp32.isOk()) << fp32.status().message();
    auto expected = fp32.value()->createExecutionContext().value()->execute(inputs);
    ASSERT_TRUE(expected.isOk()) << expected.status().message();
    // Min-max ranges of this very input.
    auto all = recordTensors(*fp32.value(), inputs);
    ASSERT_TRUE(all.isOk()) << all.status().message();
    BuilderConfig config;
    config.int8 = true;
    config.timingIterations = 1;
    for (const auto& [name, recorded] : *all) config.dynamicRanges[name] = std::max(largestMagnitude(recorded.value), 1e-3f);
    config.dynamicRanges["x"] = largestMagnitude(inputs.at("x"));
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    int convolutions = 0;
    for (const auto& layer : engine.value()->network().layers()) {
        if (layer->kind() == LayerKind::Convolution) {
            ++convolutions;
            EXPECT_EQ(layer->input(0)->format(), TensorFormat::nhwc(0, DataType::Int8)) << layer->name();
            EXPECT_EQ(layer->output(0)->format(), TensorFormat::nhwc(0, DataType::Int8)) << layer->name();
        }
        if (layer->kind() != LayerKind::Reformat) continue;
        const Layer* producer = layer->input(0)->producer();
        const std::vector<Layer*> readers = engine.value()->network().consumersOf(layer->output(0));
        EXPECT_FALSE(producer && producer->kind() == LayerKind::Convolution &&
                     std::any_of(readers.begin(), readers.end(),
                                 [](const Layer* reader) { return reader->kind() == LayerKind::Convolution; }))
            << layer->name() << " sits between two convolutions";
    }
    EXPECT_EQ(convolutions, 3);
    auto outputs = engine.value()->createExecutionContext().value()->execute(inputs);
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    const HostTensor& want = expected->begin()->second;
    const HostTensor& got = outputs->begin()->second;
    double dot = 0.0, wantNorm = 0.0, gotNorm = 0.0;
    for (int64_t i = 0; i < want.elementCount(); ++i) {
        dot += double(want.data<float>()[i]) * got.data<float>()[i];
        wantNorm += double(want.data<float>()[i]) * want.data<float>()[i];
        gotNorm += double(got.data<float>()[i]) * got.data<float>()[i];
    }
    EXPECT_GT(dot / std::sqrt(wantNorm * gotNorm), 0.99);

    // Through a plan file: the same kernels with the same prepared weights give the same bits (the
    // per-channel output scales come from the weights, which the plan must therefore keep).
    auto bytes = serializePlan(*engine.value());
    ASSERT_TRUE(bytes.isOk()) << bytes.status().message();
    auto loaded = deserializePlan(*bytes);
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    auto built = recordTensors(*engine.value(), inputs);
    auto reloaded = recordTensors(*loaded.value(), inputs);
    ASSERT_TRUE(built.isOk() && reloaded.isOk());
    for (const auto& [name, recorded] : *built) {
        ASSERT_TRUE(reloaded->count(name)) << name;
        expectClose(recorded.value, reloaded->at(name).value, 0.0f, 0.0f, "tensor " + name + " after a plan round trip");
    }
}

// Two convolution branches joined by a concat, max-pooled and read by a third convolution, built in
// INT8 on the CPU: the branches take the concat's range and the pooling keeps its input's, so the
// concat copies INT8 bytes and the pooling pools them (no simulated tactics), and the result stays
// close to FP32, also after a plan round trip.
TEST(OnednnInt8Convolution, ConcatAndPoolingOfInt8BranchesStayInt8) {
    NetworkDefinition network;
    Tensor* x = network.addInput("x", DataType::Float32, {1, 8, 12, 12}).value();
    const ActivationParams relu{ActivationType::Relu, 0.0f, 0.0f};
    Layer* a = addConv(network, "a", x, 16, 3, 1);
    Layer* reluA = addLayer(network, "reluA", relu, {a->output(0)});
    Layer* b = addConv(network, "b", x, 8, 1, 0);
    Layer* reluB = addLayer(network, "reluB", relu, {b->output(0)});
    Layer* joined = addLayer(network, "joined", ConcatParams{1}, {reluA->output(0), reluB->output(0)});
    PoolingParams max{PoolingType::Max, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}};
    Layer* pooled = addLayer(network, "pooled", max, {joined->output(0)});
    Layer* c = addConv(network, "c", pooled->output(0), 8, 1, 0);
    ASSERT_TRUE(network.markOutput(c->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 11);
    BuilderConfig plain;
    plain.timingIterations = 1;
    auto fp32 = Builder::build(network, plain);
    ASSERT_TRUE(fp32.isOk()) << fp32.status().message();
    auto all = recordTensors(*fp32.value(), inputs);
    ASSERT_TRUE(all.isOk()) << all.status().message();
    BuilderConfig config = plain;
    config.int8 = true;
    for (const auto& [name, recorded] : *all) config.dynamicRanges[name] = std::max(largestMagnitude(recorded.value), 1e-3f);
    config.dynamicRanges["x"] = largestMagnitude(inputs.at("x"));
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    // Which candidate wins depends on timing; that the INT8 ones run (are timed, not skipped) does not.
    auto timedCandidate = [&](const std::string& layerName, const std::string& prefix) {
        for (const LayerRecord& layer : engine.value()->report().layersAfter) {
            if (layer.name != layerName) continue;
            for (const TacticCandidate& candidate : layer.candidates) {
                if (candidate.tactic.rfind(prefix, 0) == 0 && candidate.skipReason.empty()) return true;
            }
        }
        return false;
    };
    EXPECT_TRUE(timedCandidate("joined", "kiln:concat"));
    EXPECT_TRUE(timedCandidate("pooled", "onednn:pooling_int8:"));
    auto expected = fp32.value()->createExecutionContext().value()->execute(inputs);
    auto outputs = engine.value()->createExecutionContext().value()->execute(inputs);
    ASSERT_TRUE(expected.isOk() && outputs.isOk());
    const HostTensor& want = expected->begin()->second;
    const HostTensor& got = outputs->begin()->second;
    double dot = 0.0, wantNorm = 0.0, gotNorm = 0.0;
    for (int64_t i = 0; i < want.elementCount(); ++i) {
        dot += double(want.data<float>()[i]) * got.data<float>()[i];
        wantNorm += double(want.data<float>()[i]) * want.data<float>()[i];
        gotNorm += double(got.data<float>()[i]) * got.data<float>()[i];
    }
    EXPECT_GT(dot / std::sqrt(wantNorm * gotNorm), 0.99);
    auto bytes = serializePlan(*engine.value());
    ASSERT_TRUE(bytes.isOk()) << bytes.status().message();
    auto loaded = deserializePlan(*bytes);
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    auto reloaded = loaded.value()->createExecutionContext().value()->execute(inputs);
    ASSERT_TRUE(reloaded.isOk()) << reloaded.status().message();
    expectClose(got, reloaded->begin()->second, 0.0f, 0.0f, "after a plan round trip");
}

}  // namespace
}  // namespace kiln::test

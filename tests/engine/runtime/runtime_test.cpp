// Builder + runtime: an engine's contexts give the reference executor's results, alone and four at a
// time on four threads, synchronously and through enqueue(); enqueueV3 reads and writes the caller's
// addresses and leaves outputs without one in the context's memory; the profiler hears of every
// executed layer; a build can be cancelled.
#include <gtest/gtest.h>

#include <thread>

#include <algorithm>
#include <cstring>

#include "builder/memory_planner.h"
#include "kiln/builder.h"
#include "kiln/runtime.h"
#include "support/test_util.h"

namespace kiln {
namespace {

// x [1,3,8,8] -> conv 3x3 -> relu -> conv 1x1 -> add(relu out) -> relu -> pool -> output "y"
NetworkDefinition smallResidualNetwork() {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 3, 8, 8});
    Tensor* w1 = *network.addConstant("w1", test::randomTensor({4, 3, 3, 3}, 1));
    Tensor* b1 = *network.addConstant("b1", test::randomTensor({4}, 2));
    Tensor* w2 = *network.addConstant("w2", test::randomTensor({4, 4, 1, 1}, 3));
    Layer* conv1 = *network.addLayer("conv1", ConvolutionParams{{1, 1}, {1, 1, 1, 1}, {1, 1}, 1}, {x, w1, b1}, {"c1"});
    Layer* relu1 = *network.addLayer("relu1", ActivationParams{}, {conv1->output(0)}, {"r1"});
    Layer* conv2 = *network.addLayer("conv2", ConvolutionParams{{1, 1}, {0, 0, 0, 0}, {1, 1}, 1},
                                     {relu1->output(0), w2, nullptr}, {"c2"});
    Layer* add = *network.addLayer("add", ElementwiseParams{ElementwiseOp::Add}, {conv2->output(0), relu1->output(0)},
                                   {"sum"});
    Layer* relu2 = *network.addLayer("relu2", ActivationParams{}, {add->output(0)}, {"r2"});
    Layer* pool = *network.addLayer("pool", PoolingParams{PoolingType::Average, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}},
                                    {relu2->output(0)}, {"y"});
    EXPECT_TRUE(network.markOutput(pool->output(0)).isOk());
    return network;
}

HostTensor referenceOutput(const NetworkDefinition& network, const HostTensor& input) {
    auto outputs = ReferenceExecutor(network).execute({{"x", input}});
    EXPECT_TRUE(outputs.isOk()) << outputs.status().message();
    return outputs->at("y");
}

// An input with a zero extent gives empty outputs, with nothing copied (found by the onnx_import fuzz
// target: a copy from an empty tensor's null data).
TEST(Runtime, EmptyInputsGiveEmptyOutputs) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {0, 4, 5});
    Layer* softmax = *network.addLayer("softmax", SoftmaxParams{1, false, false}, {x}, {"y"});
    ASSERT_TRUE(network.markOutput(softmax->output(0)).isOk());
    BuilderConfig config;
    config.timingIterations = 1;
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    auto outputs = engine.value()->createExecutionContext().value()->execute({{"x", HostTensor(DataType::Float32, {0, 4, 5})}});
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    EXPECT_EQ(outputs->at("y").dims(), (Dims{0, 4, 5}));
    EXPECT_EQ(outputs->at("y").byteSize(), 0u);
}

TEST(Runtime, UnfusedEngineMatchesTheReferenceExecutor) {
    NetworkDefinition network = smallResidualNetwork();
    BuilderConfig config;
    config.enableFusion = false;
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    auto context = (*engine)->createExecutionContext();
    ASSERT_TRUE(context.isOk());
    const HostTensor input = test::randomTensor({1, 3, 8, 8}, 11);
    auto outputs = (*context)->execute({{"x", input}});
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    // The timed tactics sum in another order than the reference (blocked layouts, vector lanes): FP32
    // rounding of sums of 27 products, a few ulp.
    EXPECT_EQ(test::compareTensors(outputs->at("y"), referenceOutput(network, input), 1e-5, 1e-6), "");
    const BuildReport& report = (*engine)->report();
    EXPECT_EQ(report.layersBefore.size(), 6u);
    EXPECT_LT(report.arenaBytes, report.activationBytes);
    std::vector<std::string> phases;
    for (const PhaseTime& phase : report.phases) phases.push_back(phase.phase);
    EXPECT_EQ(phases, (std::vector<std::string>{"passes", "formats", "tactics", "memory", "network timing"}));
    for (const LayerRecord& record : report.layersAfter) {
        if (record.elided) continue;
        EXPECT_FALSE(record.tactic.empty()) << record.name;
        const int chosen = int(std::count_if(record.candidates.begin(), record.candidates.end(),
                                             [&](const TacticCandidate& c) { return c.chosen; }));
        EXPECT_EQ(chosen, 1) << record.name;
        for (const TacticCandidate& candidate : record.candidates) {
            EXPECT_NE(candidate.milliseconds >= 0.0, !candidate.skipReason.empty()) << record.name << " " << candidate.tactic;
            if (candidate.chosen) EXPECT_EQ(candidate.tactic, record.tactic) << record.name;
        }
    }
    EXPECT_EQ(report.timingCacheHits, 0);
    // Every executed layer was timed, or took the timings of an identical layer timed before it.
    EXPECT_EQ(report.timingCacheMisses + report.timingReuses,
              int(std::count_if(report.layersAfter.begin(), report.layersAfter.end(),
                                [](const LayerRecord& r) { return !r.elided; })));
    EXPECT_GT(report.timingCacheMisses, 0);
}

TEST(Runtime, ReferenceKernelsAloneMatchTheReferenceExecutorExactly) {
    // An engine made without tactic choices runs every layer's reference kernel in the planned arena:
    // the same kernels in the same order, bit-identical although the arena reuses memory.
    NetworkDefinition network = smallResidualNetwork();
    auto memory = planMemory(network);
    ASSERT_TRUE(memory.isOk());
    auto engine = std::make_shared<Engine>(network.clone(), *memory, BuildReport{}, "cpu");
    auto context = engine->createExecutionContext();
    ASSERT_TRUE(context.isOk()) << context.status().message();
    const HostTensor input = test::randomTensor({1, 3, 8, 8}, 11);
    auto outputs = (*context)->execute({{"x", input}});
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    EXPECT_EQ(test::compareTensors(outputs->at("y"), referenceOutput(network, input), 0.0, 0.0), "");
}

TEST(Runtime, FusedEngineMatchesTheReferenceExecutor) {
    NetworkDefinition network = smallResidualNetwork();
    auto engine = Builder::build(network, BuilderConfig{});
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    auto context = (*engine)->createExecutionContext();
    ASSERT_TRUE(context.isOk());
    const HostTensor input = test::randomTensor({1, 3, 8, 8}, 12);
    auto outputs = (*context)->execute({{"x", input}});
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    // Fusion reorders float additions (bias and residual inside the convolution's sum): FP32 rounding.
    EXPECT_EQ(test::compareTensors(outputs->at("y"), referenceOutput(network, input), 1e-5, 1e-6), "");
    EXPECT_LE((*engine)->network().layers().size(), network.layers().size());
}

TEST(Runtime, FourContextsOnFourThreadsAgreeWithOne) {
    NetworkDefinition network = smallResidualNetwork();
    auto engine = Builder::build(network, BuilderConfig{});
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    std::vector<HostTensor> inputs;
    std::vector<HostTensor> expected;
    {
        auto context = (*engine)->createExecutionContext();
        ASSERT_TRUE(context.isOk());
        for (uint32_t i = 0; i < 4; ++i) {
            inputs.push_back(test::randomTensor({1, 3, 8, 8}, 100 + i));
            expected.push_back((*context)->execute({{"x", inputs.back()}})->at("y"));
        }
    }
    std::vector<std::string> mismatches(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            auto context = (*engine)->createExecutionContext();
            for (int round = 0; round < 20 && context.isOk(); ++round) {
                const int which = (t + round) % 4;
                auto outputs = (*context)->execute({{"x", inputs[size_t(which)]}});
                if (!outputs.isOk()) {
                    mismatches[size_t(t)] = outputs.status().message();
                    return;
                }
                const std::string diff = test::compareTensors(outputs->at("y"), expected[size_t(which)], 0.0, 0.0);
                if (!diff.empty()) mismatches[size_t(t)] = diff;
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    for (const std::string& mismatch : mismatches) EXPECT_EQ(mismatch, "");
}

TEST(Runtime, EnqueueGivesTheSameResultAsExecute) {
    NetworkDefinition network = smallResidualNetwork();
    auto engine = Builder::build(network, BuilderConfig{});
    ASSERT_TRUE(engine.isOk());
    auto context = (*engine)->createExecutionContext();
    const HostTensor input = test::randomTensor({1, 3, 8, 8}, 13);
    const HostTensor direct = (*context)->execute({{"x", input}})->at("y");
    auto future = (*context)->enqueue({{"x", input}});
    auto outputs = future.get();
    ASSERT_TRUE(outputs.isOk());
    EXPECT_EQ(test::compareTensors(outputs->at("y"), direct, 0.0, 0.0), "");
}

TEST(Runtime, EnqueueV3WritesToTheCallersAddressesAndLeavesOtherOutputsInTheContext) {
    NetworkDefinition network = smallResidualNetwork();
    ASSERT_TRUE(network.markOutput(network.findTensor("r1")).isOk());
    auto engine = Builder::build(network, BuilderConfig{});
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    auto context = (*engine)->createExecutionContext();
    ASSERT_TRUE(context.isOk());
    const HostTensor input = test::randomTensor({1, 3, 8, 8}, 15);
    auto expected = (*context)->execute({{"x", input}});
    ASSERT_TRUE(expected.isOk()) << expected.status().message();
    // Another run leaves other values in the context's memory, so that the checks below see the
    // enqueued run's.
    ASSERT_TRUE((*context)->execute({{"x", test::randomTensor({1, 3, 8, 8}, 16)}}).isOk());

    HostTensor callerInput = input;
    HostTensor callerY(DataType::Float32, expected->at("y").dims());
    ASSERT_TRUE((*context)->setTensorAddress("x", callerInput.bytes()).isOk());
    ASSERT_TRUE((*context)->setTensorAddress("y", callerY.bytes()).isOk());
    ASSERT_TRUE((*context)->enqueueV3(nullptr).isOk());
    ASSERT_TRUE((*context)->synchronize().isOk());
    EXPECT_EQ(test::compareTensors(callerY, expected->at("y"), 0.0, 0.0), "");
    auto r1Address = (*context)->tensorAddress("r1");
    ASSERT_TRUE(r1Address.isOk()) << r1Address.status().message();
    HostTensor r1(DataType::Float32, expected->at("r1").dims());
    std::memcpy(r1.bytes(), *r1Address, r1.byteSize());
    EXPECT_EQ(test::compareTensors(r1, expected->at("r1"), 0.0, 0.0), "");
}

class RecordingProfiler : public IProfiler {
public:
    void reportLayerTime(const std::string& layerName, float milliseconds) override {
        names.push_back(layerName);
        total += milliseconds;
    }
    std::vector<std::string> names;
    float total = 0.0f;
};

TEST(Runtime, ProfilerHearsOfEveryExecutedLayer) {
    NetworkDefinition network = smallResidualNetwork();
    auto engine = Builder::build(network, BuilderConfig{});
    ASSERT_TRUE(engine.isOk());
    auto context = (*engine)->createExecutionContext();
    RecordingProfiler profiler;
    (*context)->setProfiler(&profiler);
    ASSERT_TRUE((*context)->execute({{"x", test::randomTensor({1, 3, 8, 8}, 14)}}).isOk());
    std::vector<std::string> executed;
    for (const auto& layer : (*engine)->network().layers()) {
        if (!layer->isElided()) executed.push_back(layer->name());
    }
    EXPECT_EQ(profiler.names, executed);
    EXPECT_GE(profiler.total, 0.0f);
}

TEST(Runtime, ContextRefusesWrongInputs) {
    auto engine = Builder::build(smallResidualNetwork(), BuilderConfig{});
    ASSERT_TRUE(engine.isOk());
    auto context = (*engine)->createExecutionContext();
    auto missing = (*context)->execute({});
    EXPECT_NE(missing.status().message().find("no value given for input 'x'"), std::string::npos);
    auto wrong = (*context)->execute({{"x", HostTensor(DataType::Float32, {1, 3, 8, 7})}});
    EXPECT_NE(wrong.status().message().find("the engine expects FP32 1x3x8x8"), std::string::npos);
}

class CancellingMonitor : public IProgressMonitor {
public:
    void phaseStarted(const std::string& phase, int, int) override { phases.push_back(phase); }
    bool shouldCancel() override { return true; }
    std::vector<std::string> phases;
};

TEST(Runtime, BuildCanBeCancelled) {
    CancellingMonitor monitor;
    BuilderConfig config;
    config.progress = &monitor;
    auto engine = Builder::build(smallResidualNetwork(), config);
    EXPECT_EQ(engine.status().code(), StatusCode::Cancelled);
    EXPECT_EQ(monitor.phases, std::vector<std::string>{"passes"});
}

TEST(Runtime, LayerInformationListsLayersAndBindings) {
    auto engine = Builder::build(smallResidualNetwork(), BuilderConfig{});
    ASSERT_TRUE(engine.isOk());
    const std::string json = (*engine)->layerInformationJson();
    EXPECT_NE(json.find("\"Layers\""), std::string::npos);
    EXPECT_NE(json.find("\"Bindings\""), std::string::npos);
    for (const auto& layer : (*engine)->network().layers()) {
        EXPECT_NE(json.find("\"" + layer->name() + "\""), std::string::npos) << layer->name();
    }
    ASSERT_EQ((*engine)->bindings().size(), 2u);
    EXPECT_TRUE((*engine)->bindings()[0].isInput);
    EXPECT_EQ((*engine)->bindings()[1].dims, (Dims{1, 4, 4, 4}));
}

// TensorRT's typed fields, as its --exportLayerInfo writes them with detailed verbosity: conv1 (3x3,
// pads 1, 4 maps from 3 channels: 108 weights, 4 biases) fused with relu1, the average pool 2x2.
TEST(Runtime, LayerInformationHasTensorRtsTypedFields) {
    auto engine = Builder::build(smallResidualNetwork(), BuilderConfig{});
    ASSERT_TRUE(engine.isOk());
    const std::string json = (*engine)->layerInformationJson();
    auto layerText = [&](const std::string& name) {
        const size_t at = json.find("\"Name\": \"" + name);
        return at == std::string::npos ? std::string() : json.substr(at, json.find("\"Elided\"", at) - at);
    };
    const std::string conv = layerText("conv1");
    ASSERT_FALSE(conv.empty()) << json;
    for (const char* field : {"\"Kernel\": [3, 3]", "\"PrePadding\": [1, 1]", "\"PostPadding\": [1, 1]", "\"Stride\": [1, 1]",
                              "\"Dilation\": [1, 1]", "\"OutMaps\": 4", "\"Groups\": 1",
                              "\"Weights\": {", "\"Count\": 108", "\"Bias\": {", "\"Count\": 4", "\"Type\": \"Float\"",
                              "\"Activation\": \"RELU\"", "\"TacticValue\": \"0x"}) {
        EXPECT_NE(conv.find(field), std::string::npos) << field << " in " << conv;
    }
    const std::string pool = layerText("pool");
    for (const char* field : {"\"PoolingType\": \"AVERAGE\"", "\"WindowSize\": [2, 2]", "\"Stride\": [2, 2]",
                              "\"AverageCountExcludesPadding\": true"}) {
        EXPECT_NE(pool.find(field), std::string::npos) << field << " in " << pool;
    }
}

}  // namespace
}  // namespace kiln

// Two engines of one network compared: the fused conv + relu of one meets the conv and relu of the
// other through their provenance, each side's times add up per group, and the CSV and JSON carry it.
#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "kiln/builder.h"
#include "kiln/engine_comparison.h"
#include "kiln/profiling.h"

namespace kiln::test {
namespace {

// x -> conv -> relu -> pool -> y, built with and without fusion: one vertical fusion apart.
std::shared_ptr<Engine> build(bool fusion) {
    NetworkDefinition network;
    Tensor* x = network.addInput("x", DataType::Float32, {1, 3, 8, 8}).value();
    Layer* conv = addConv(network, "conv", x, 4, 3, 1);
    Layer* relu = addLayer(network, "relu", ActivationParams{ActivationType::Relu, 0.0f, 0.0f}, {conv->output(0)});
    Layer* pool = addLayer(network, "pool", PoolingParams{PoolingType::Max, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}},
                           {relu->output(0)});
    EXPECT_TRUE(network.markOutput(pool->output(0)).isOk());
    BuilderConfig config;
    config.timingIterations = 1;
    config.enableFusion = fusion;
    auto engine = Builder::build(network, config);
    EXPECT_TRUE(engine.isOk()) << engine.status().message();
    return engine.isOk() ? std::move(engine).value() : nullptr;
}

TEST(EngineComparison, FusedLayersMeetTheirPartsThroughProvenance) {
    const auto fused = build(true);
    const auto unfused = build(false);
    ASSERT_TRUE(fused && unfused);
    // The fused engine's conv carries the relu; the unfused one runs both.
    std::string fusedConv;
    for (const auto& layer : fused->network().layers()) {
        if (layer->kind() == LayerKind::Convolution) fusedConv = layer->name();
    }
    ASSERT_FALSE(fusedConv.empty());
    const LayerTimes timesA = {{fusedConv, 1.5}, {"pool", 0.25}};
    const LayerTimes timesB = {{"conv", 1.0}, {"relu", 0.75}, {"pool", 0.25}};

    const EngineComparison comparison = compareEngines(*fused, *unfused, timesA, timesB, 2.0, 2.5);

    EXPECT_EQ(comparison.a.latencyMs, 2.0);
    EXPECT_EQ(comparison.b.latencyMs, 2.5);
    EXPECT_LT(comparison.a.executedLayers, comparison.b.executedLayers);
    const LayerGroupComparison* convGroup = nullptr;
    const LayerGroupComparison* poolGroup = nullptr;
    for (const LayerGroupComparison& group : comparison.groups) {
        if (std::find(group.layersB.begin(), group.layersB.end(), "conv") != group.layersB.end()) convGroup = &group;
        if (group.layersA == std::vector<std::string>{"pool"}) poolGroup = &group;
    }
    ASSERT_NE(convGroup, nullptr);
    EXPECT_EQ(convGroup->layersA, (std::vector<std::string>{fusedConv}));
    EXPECT_EQ(convGroup->layersB, (std::vector<std::string>{"conv", "relu"}));
    EXPECT_EQ(convGroup->nodes, (std::vector<std::string>{"conv", "relu"}));
    EXPECT_DOUBLE_EQ(convGroup->millisecondsA, 1.5);
    EXPECT_DOUBLE_EQ(convGroup->millisecondsB, 1.75);
    EXPECT_EQ(convGroup->precisionA, "FP32");
    ASSERT_NE(poolGroup, nullptr);
    EXPECT_EQ(poolGroup->layersB, (std::vector<std::string>{"pool"}));
    EXPECT_DOUBLE_EQ(poolGroup->millisecondsB, 0.25);
    // Every executed layer of either engine is in exactly one group.
    size_t layersA = 0;
    size_t layersB = 0;
    for (const LayerGroupComparison& group : comparison.groups) {
        layersA += group.layersA.size();
        layersB += group.layersB.size();
    }
    EXPECT_EQ(layersA, fused->network().layers().size());
    EXPECT_EQ(layersB, unfused->network().layers().size());

    const std::string csv = comparisonCsv(comparison);
    EXPECT_EQ(csv.rfind("layers_a,layers_b,ms_a,ms_b,b_over_a,", 0), 0u) << csv;
    EXPECT_NE(csv.find(",conv | relu,1.5,1.75,"), std::string::npos) << csv;
    const std::string json = comparisonJson(comparison);
    EXPECT_NE(json.find("\"LayersB\": [\"conv\", \"relu\"]"), std::string::npos) << json;
    EXPECT_NE(json.find("\"LatencyMs\": 2.5"), std::string::npos) << json;
}

// Both engines profiled side by side: every run of each timed, each executed layer given a median, progress
// after every run, a stop asked for by progress honoured at once, and a context that cannot run named.
TEST(EngineComparison, SideBySideProfileTimesEveryLayerOfBoth) {
    const auto fused = build(true);
    const auto unfused = build(false);
    ASSERT_TRUE(fused && unfused);
    auto contextA = fused->createExecutionContext();
    auto contextB = unfused->createExecutionContext();
    ASSERT_TRUE(contextA.isOk() && contextB.isOk());
    const std::vector<ExecutionContext*> contexts = {contextA.value().get(), contextB.value().get()};
    const std::vector<TensorMap> inputs = {randomInputs(fused->bindings(), 1), randomInputs(unfused->bindings(), 1)};

    std::vector<int> reports;
    auto profiled = profileSideBySide(contexts, inputs, 13, 5, [&reports](int done, int total) {
        EXPECT_EQ(total, 26);
        reports.push_back(done);
        return true;
    });
    ASSERT_TRUE(profiled.isOk()) << profiled.status().message();
    ASSERT_EQ(profiled->size(), 2u);
    ASSERT_EQ(reports.size(), 26u);
    EXPECT_EQ(reports.front(), 1);
    EXPECT_EQ(reports.back(), 26);
    const std::shared_ptr<Engine> engines[2] = {fused, unfused};
    for (size_t i = 0; i < 2; ++i) {
        const SideProfile& side = (*profiled)[i];
        EXPECT_EQ(side.latenciesMs.size(), 13u);
        size_t executed = 0;
        for (const auto& layer : engines[i]->network().layers()) {
            if (layer->isElided()) continue;
            ++executed;
            ASSERT_TRUE(side.layerTimes.count(layer->name())) << layer->name();
            EXPECT_GE(side.layerTimes.at(layer->name()), 0.0);
        }
        EXPECT_EQ(side.layerTimes.size(), executed);
    }

    int runs = 0;
    auto stopped = profileSideBySide(contexts, inputs, 10, 10, [&runs](int, int) { return ++runs < 3; });
    EXPECT_EQ(stopped.status().code(), StatusCode::Cancelled);
    EXPECT_EQ(runs, 3);

    size_t failed = 99;
    const std::vector<TensorMap> missingB = {inputs[0], TensorMap{}};
    auto broken = profileSideBySide(contexts, missingB, 2, 10, {}, &failed);
    EXPECT_FALSE(broken.isOk());
    EXPECT_EQ(failed, 1u);
    EXPECT_EQ(profileSideBySide(contexts, {inputs[0]}, 2).status().code(), StatusCode::InvalidArgument);
    EXPECT_EQ(profileSideBySide(contexts, inputs, 0).status().code(), StatusCode::InvalidArgument);
}

}  // namespace
}  // namespace kiln::test

// Plugin layers in the engine: shape inference asks the plugin, the builder times one tactic per
// precision the plugin supports, passes leave the layer alone, the reference executor and the built
// engine run its CPU enqueue, and plans keep its key and fields and refuse to load without its creator.
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/plugins/test_plugins.h"
#include "kiln/builder.h"
#include "kiln/plan.h"
#include "kiln/reference_executor.h"
#include "support/test_util.h"

namespace kiln::test {
namespace {

std::shared_ptr<const Plugin> makePlugin(const PluginCreator& creator, const PluginFields& fields) {
    auto plugin = creator.create("layer", fields);
    EXPECT_TRUE(plugin.isOk()) << plugin.status().message();
    return plugin.isOk() ? std::shared_ptr<const Plugin>(std::move(plugin).value()) : nullptr;
}

// x [3,4,5] -> RowSum(scale 2) -> relu -> y [3,4]
NetworkDefinition rowSumNetwork(const PluginCreator& creator) {
    NetworkDefinition network;
    Tensor* x = network.addInput("x", DataType::Float32, {3, 4, 5}).value();
    auto sum = network.addLayer(
        "rowsum", PluginParams{makePlugin(creator, {PluginField::ofFloat("scale", 2.0f)})}, {x}, {"s"});
    EXPECT_TRUE(sum.isOk()) << sum.status().message();
    Tensor* y = network.addLayer("relu", ActivationParams{ActivationType::Relu}, {(*sum)->output(0)}, {"y"})
                    .value()
                    ->output(0);
    EXPECT_TRUE(network.markOutput(y).isOk());
    return network;
}

// What rowSumNetwork computes, written out here: relu(2 * sum over the last axis).
HostTensor expectedRowSum(const HostTensor& x) {
    HostTensor y(DataType::Float32, {3, 4});
    for (int64_t r = 0; r < 12; ++r) {
        double sum = 0.0;
        for (int64_t k = 0; k < 5; ++k)
            sum += x.data<float>()[r * 5 + k];
        y.data<float>()[r] = float(std::max(0.0, 2.0 * sum));
    }
    return y;
}

const LayerRecord* recordOf(const BuildReport& report, const std::string& name) {
    for (const LayerRecord& record : report.layersAfter) {
        if (record.name == name) return &record;
    }
    return nullptr;
}

class PluginLayer : public ::testing::Test {
protected:
    std::shared_ptr<RowSumCreator> m_creator = std::make_shared<RowSumCreator>();
    ScopedCreator m_registered{m_creator};
};

TEST_F(PluginLayer, ShapeInferenceAsksThePlugin) {
    ASSERT_TRUE(m_registered.added());
    NetworkDefinition network = rowSumNetwork(*m_creator);
    const Layer* layer = network.findLayer("rowsum");
    ASSERT_NE(layer, nullptr);
    EXPECT_EQ(layer->kind(), LayerKind::Plugin);
    EXPECT_STREQ(toString(layer->kind()), "Plugin");
    EXPECT_EQ(layer->output(0)->dims(), (Dims{3, 4}));
    EXPECT_EQ(describeParams(layer->params()), "test::RowSum v1 scale=2");

    // A scalar input: the plugin refuses, and the error names the plugin; nothing is added.
    Tensor* scalar = network.addInput("scalar", DataType::Float32, {}).value();
    const size_t layers = network.layers().size();
    const auto refused = network.addLayer("bad", PluginParams{makePlugin(*m_creator, {})}, {scalar}, {"b"});
    ASSERT_FALSE(refused.isOk());
    EXPECT_NE(refused.status().message().find("test::RowSum v1"), std::string::npos)
        << refused.status().message();
    EXPECT_NE(refused.status().message().find("rank 1 or more"), std::string::npos)
        << refused.status().message();
    EXPECT_EQ(network.layers().size(), layers);

    // Two outputs asked of a plugin with one.
    const auto twoOutputs = network.addLayer("two", PluginParams{makePlugin(*m_creator, {})},
                                             {network.findTensor("x")}, {"t1", "t2"});
    ASSERT_FALSE(twoOutputs.isOk());
    EXPECT_NE(twoOutputs.status().message().find("produces 1"), std::string::npos)
        << twoOutputs.status().message();
}

TEST_F(PluginLayer, TheReferenceExecutorRunsTheCpuEnqueue) {
    ASSERT_TRUE(m_registered.added());
    NetworkDefinition network = rowSumNetwork(*m_creator);
    const HostTensor x = randomTensor({3, 4, 5}, 7);
    const int runsBefore = g_rowSumRuns.load();
    auto outputs = ReferenceExecutor(network).execute({{"x", x}});
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    EXPECT_EQ(g_rowSumRuns.load(), runsBefore + 1);
    // Five FP32 additions of values in [-1, 1): a few ulps of 10 at most.
    EXPECT_EQ(compareTensors(outputs->at("y"), expectedRowSum(x), 0.0, 1e-5), "");
}

TEST_F(PluginLayer, TheBuilderTimesThePluginTacticAndTheEngineRunsIt) {
    ASSERT_TRUE(m_registered.added());
    NetworkDefinition network = rowSumNetwork(*m_creator);
    BuilderConfig config;
    config.timingIterations = 2;
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    const LayerRecord* record = recordOf((*engine)->report(), "rowsum");
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(record->kind, "Plugin");
    EXPECT_EQ(record->tactic, "plugin:test::RowSum:v1:fp32");
    ASSERT_EQ(record->candidates.size(), 1u)
        << "the plugin's tactic only: the reference kernel does not run plugins";
    EXPECT_EQ(record->candidates[0].tactic, "plugin:test::RowSum:v1:fp32");
    EXPECT_GE(record->candidates[0].milliseconds, 0.0);
    EXPECT_TRUE(record->candidates[0].chosen);
    EXPECT_EQ(record->candidates[0].library, "plugin");

    const HostTensor x = randomTensor({3, 4, 5}, 8);
    auto context = (*engine)->createExecutionContext();
    ASSERT_TRUE(context.isOk()) << context.status().message();
    const int runsBefore = g_rowSumRuns.load();
    auto outputs = (*context)->execute({{"x", x}});
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    EXPECT_EQ(g_rowSumRuns.load(), runsBefore + 1);
    EXPECT_EQ(compareTensors(outputs->at("y"), expectedRowSum(x), 0.0, 1e-5), "");
}

TEST_F(PluginLayer, PassesLeaveAPluginLayerWithConstantInputsAlone) {
    ASSERT_TRUE(m_registered.added());
    NetworkDefinition network;
    const HostTensor constant = randomTensor({2, 3}, 9);
    Tensor* c = network.addConstant("c", constant).value();
    Tensor* x = network.addInput("x", DataType::Float32, {2}).value();
    Tensor* s =
        network.addLayer("rowsum", PluginParams{makePlugin(*m_creator, {})}, {c}, {"s"}).value()->output(0);
    Tensor* y =
        network.addLayer("add", ElementwiseParams{ElementwiseOp::Add}, {s, x}, {"y"}).value()->output(0);
    ASSERT_TRUE(network.markOutput(y).isOk());
    BuilderConfig config;
    config.timingIterations = 1;
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    const LayerRecord* record = recordOf((*engine)->report(), "rowsum");
    ASSERT_NE(record, nullptr) << "constant folding removed the plugin layer";
    EXPECT_EQ(record->kind, "Plugin");
    EXPECT_EQ(record->tactic, "plugin:test::RowSum:v1:fp32");
    const HostTensor xValue = randomTensor({2}, 10);
    auto outputs = (*engine)->createExecutionContext().value()->execute({{"x", xValue}});
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    for (int r = 0; r < 2; ++r) {
        const float* row = constant.data<float>() + r * 3;
        EXPECT_NEAR(outputs->at("y").data<float>()[r], row[0] + row[1] + row[2] + xValue.data<float>()[r],
                    1e-6);
    }
}

TEST_F(PluginLayer, APlanKeepsThePluginAndIsRefusedWithoutItsCreatorNamingIt) {
    ASSERT_TRUE(m_registered.added());
    NetworkDefinition network = rowSumNetwork(*m_creator);
    BuilderConfig config;
    config.timingIterations = 1;
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    auto plan = serializePlan(**engine);
    ASSERT_TRUE(plan.isOk()) << plan.status().message();

    auto loaded = deserializePlan(*plan);
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    const Layer* layer = (*loaded)->network().findLayer("rowsum");
    ASSERT_NE(layer, nullptr);
    ASSERT_EQ(layer->kind(), LayerKind::Plugin);
    EXPECT_EQ(describeParams(layer->params()), "test::RowSum v1 scale=2");
    const LayerRecord* record = recordOf((*loaded)->report(), "rowsum");
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(record->tactic, "plugin:test::RowSum:v1:fp32");
    const HostTensor x = randomTensor({3, 4, 5}, 11);
    auto outputs = (*loaded)->createExecutionContext().value()->execute({{"x", x}});
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    EXPECT_EQ(compareTensors(outputs->at("y"), expectedRowSum(x), 0.0, 1e-5), "");

    ASSERT_TRUE(PluginRegistry::global().remove("RowSum", "1", "test"));
    const auto refused = deserializePlan(*plan);
    ASSERT_TRUE(PluginRegistry::global().add(m_creator).isOk());
    ASSERT_FALSE(refused.isOk());
    EXPECT_EQ(refused.status().code(), StatusCode::NotFound);
    const std::string& message = refused.status().message();
    EXPECT_NE(message.find("test::RowSum v1"), std::string::npos) << message;
    EXPECT_NE(message.find("'rowsum'"), std::string::npos) << message;
    EXPECT_NE(message.find("--plugins"), std::string::npos) << message;

    auto accepted = deserializePlan(*plan);
    ASSERT_TRUE(accepted.isOk()) << accepted.status().message();
}

TEST(PluginPrecision, AnFp16BuildOffersOneTacticPerPrecisionThePluginSupports) {
    auto creator = std::make_shared<NegateCreator>();
    ScopedCreator registered(creator);
    ASSERT_TRUE(registered.added());
    NetworkDefinition network;
    Tensor* x = network.addInput("x", DataType::Float32, {2, 8}).value();
    Tensor* n =
        network.addLayer("negate", PluginParams{makePlugin(*creator, {})}, {x}, {"n"}).value()->output(0);
    Tensor* y =
        network.addLayer("relu", ActivationParams{ActivationType::Relu}, {n}, {"y"}).value()->output(0);
    ASSERT_TRUE(network.markOutput(y).isOk());
    BuilderConfig config;
    config.fp16 = true;
    config.timingIterations = 1;
    auto engine = Builder::build(network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    const LayerRecord* record = recordOf((*engine)->report(), "negate");
    ASSERT_NE(record, nullptr);
    // The layer is stored in FP16: the plugin's FP16 tactic runs it as it is and is timed; its FP32 one
    // runs between conversions, under the simulated provider's prefix.
    EXPECT_EQ(record->precision, "FP16");
    auto candidate = [&](const std::string& id) -> const TacticCandidate* {
        for (const TacticCandidate& c : record->candidates) {
            if (c.tactic == id) return &c;
        }
        return nullptr;
    };
    std::string ids;
    for (const TacticCandidate& c : record->candidates)
        ids += " " + c.tactic + (c.skipReason.empty() ? "" : " (" + c.skipReason + ")");
    const TacticCandidate* fp16 = candidate("plugin:test::Negate:v1:fp16");
    ASSERT_NE(fp16, nullptr) << ids;
    EXPECT_GE(fp16->milliseconds, 0.0) << ids;
    const TacticCandidate* simulated = candidate("simfp16:plugin:test::Negate:v1:fp32");
    ASSERT_NE(simulated, nullptr) << ids;
    EXPECT_GE(simulated->milliseconds, 0.0) << ids;
    EXPECT_TRUE(record->tactic == fp16->tactic || record->tactic == simulated->tactic) << record->tactic;

    // Values exact in FP16 (multiples of 1/8 below 4): the output is relu(-x) exactly, whichever tactic won.
    HostTensor xValue(DataType::Float32, {2, 8});
    for (int i = 0; i < 16; ++i)
        xValue.data<float>()[i] = float(i - 8) / 8.0f * 3.0f;
    auto outputs = (*engine)->createExecutionContext().value()->execute({{"x", xValue}});
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    for (int i = 0; i < 16; ++i) {
        EXPECT_EQ(outputs->at("y").data<float>()[i], std::max(0.0f, -xValue.data<float>()[i]))
            << "element " << i;
    }
}

}  // namespace
}  // namespace kiln::test

// ONNX nodes imported as plugin layers: an op of a custom domain maps to the registered creator of that
// name and namespace with the node's attributes as fields; a registered creator named like a built-in op
// is used only when it says it replaces the built-in; without a creator the model is refused, naming the
// node and --plugins.
#include <gtest/gtest.h>

#include "kiln/onnx_parser.h"
#include "kiln/reference_executor.h"
#include "parsers/onnx/onnx_model_builder.h"
#include "parsers/recording_plugin.h"

namespace kiln::test {
namespace {

// x [2,3] -> com.example::Custom(attributes) -> y
OnnxModelBuilder customDomainModel() {
    OnnxModelBuilder b;
    auto* import = b.model().add_opset_import();
    import->set_domain("com.example");
    import->set_version(1);
    b.input("x", {2, 3});
    onnx::NodeProto& node = b.node("Custom", {"x"}, {"y"}, "custom0");
    node.set_domain("com.example");
    setAttr(node, "scale", 0.5f);
    setAttr(node, "count", int64_t(4));
    setAttr(node, "mode", std::string("fast"));
    setAttr(node, "axes", std::vector<int64_t>{1, -1});
    auto* floats = node.add_attribute();
    floats->set_name("weights");
    floats->set_type(onnx::AttributeProto::FLOATS);
    floats->add_floats(1.5f);
    floats->add_floats(-2.0f);
    b.output("y");
    return b;
}

TEST(OnnxPlugin, ACustomDomainNodeBecomesAPluginLayerWithItsAttributesAsFields) {
    auto creator = std::make_shared<RecordingCreator>("Custom", "com.example");
    ScopedRegistration registration(creator);
    ASSERT_TRUE(registration.added());
    auto network = parseOnnxBytes(customDomainModel().bytes(), "");
    ASSERT_TRUE(network.isOk()) << network.status().message();
    ASSERT_EQ(network->layers().size(), 1u);
    const Layer& layer = *network->layers()[0];
    EXPECT_EQ(layer.kind(), LayerKind::Plugin);
    EXPECT_EQ(layer.name(), "custom0");
    EXPECT_EQ(layer.provenance(), std::vector<std::string>{"custom0"});
    const PluginFields expected = {PluginField::ofFloat("scale", 0.5f), PluginField::ofInt("count", 4),
                                   PluginField::ofString("mode", "fast"),
                                   PluginField::ofInts("axes", {1, -1}),
                                   PluginField::ofFloats("weights", {1.5f, -2.0f})};
    EXPECT_EQ(creator->received(), expected);
    EXPECT_EQ(describeParams(layer.params()),
              "com.example::Custom v1 scale=0.5 count=4 mode=\"fast\" axes=[1,-1] weights=[1.5,-2]");

    HostTensor x(DataType::Float32, {2, 3});
    for (int i = 0; i < 6; ++i)
        x.data<float>()[i] = float(i) - 2.5f;
    auto outputs = ReferenceExecutor(*network).execute({{"x", x}});
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    for (int i = 0; i < 6; ++i)
        EXPECT_EQ(outputs->at("y").data<float>()[i], 0.5f * (float(i) - 2.5f));
}

TEST(OnnxPlugin, WithoutACreatorTheModelIsRefusedNamingTheNodeAndPlugins) {
    const auto network = parseOnnxBytes(customDomainModel().bytes(), "");
    ASSERT_FALSE(network.isOk());
    const std::string& message = network.status().message();
    EXPECT_NE(message.find("com.example"), std::string::npos) << message;
    EXPECT_NE(message.find("--plugins"), std::string::npos) << message;
}

TEST(OnnxPlugin, ACreatorOfAnotherNamespaceIsNotUsed) {
    auto creator = std::make_shared<RecordingCreator>("Custom", "org.other");
    ScopedRegistration registration(creator);
    ASSERT_TRUE(registration.added());
    const auto network = parseOnnxBytes(customDomainModel().bytes(), "");
    ASSERT_FALSE(network.isOk());
    EXPECT_EQ(creator->creations(), 0);
}

TEST(OnnxPlugin, AnAttributeOfAnotherTypeIsRefusedNamingIt) {
    auto creator = std::make_shared<RecordingCreator>("Custom", "com.example");
    ScopedRegistration registration(creator);
    ASSERT_TRUE(registration.added());
    OnnxModelBuilder b = customDomainModel();
    onnx::TensorProto tensor;
    tensor.set_data_type(onnx::TensorProto::FLOAT);
    tensor.add_float_data(1.0f);
    setAttr(*b.graph().mutable_node(0), "table", tensor);
    const auto network = parseOnnxBytes(b.bytes(), "");
    ASSERT_FALSE(network.isOk());
    const std::string& message = network.status().message();
    EXPECT_NE(message.find("'table'"), std::string::npos) << message;
    EXPECT_NE(message.find("com.example::Custom v1"), std::string::npos) << message;
    EXPECT_NE(message.find("custom0"), std::string::npos) << message;
}

TEST(OnnxPlugin, AnOperatorOnnxLacksInTheDefaultDomainMapsToACreatorOfThatName) {
    OnnxModelBuilder b;
    b.input("x", {3});
    setAttr(b.node("MyActivation", {"x"}, {"y"}, "act"), "scale", 2.0f);
    b.output("y");
    {
        const auto refused = parseOnnxBytes(b.bytes(), "");
        ASSERT_FALSE(refused.isOk());
        EXPECT_NE(refused.status().message().find("MyActivation"), std::string::npos)
            << refused.status().message();
    }
    auto creator = std::make_shared<RecordingCreator>("MyActivation", "");
    ScopedRegistration registration(creator);
    ASSERT_TRUE(registration.added());
    auto network = parseOnnxBytes(b.bytes(), "");
    ASSERT_TRUE(network.isOk()) << network.status().message();
    ASSERT_EQ(network->layers().size(), 1u);
    EXPECT_EQ(network->layers()[0]->kind(), LayerKind::Plugin);
    EXPECT_EQ(creator->received(), PluginFields{PluginField::ofFloat("scale", 2.0f)});
}

// x [4] -> Relu -> y: Kiln imports Relu itself.
OnnxModelBuilder reluModel() {
    OnnxModelBuilder b;
    b.input("x", {4});
    b.node("Relu", {"x"}, {"y"}, "relu0");
    b.output("y");
    return b;
}

TEST(OnnxPlugin, ABuiltinOpKeepsKilnsImporterUnlessTheCreatorReplacesIt) {
    {
        auto creator = std::make_shared<RecordingCreator>("Relu", "", false);
        ScopedRegistration registration(creator);
        ASSERT_TRUE(registration.added());
        auto network = parseOnnxBytes(reluModel().bytes(), "");
        ASSERT_TRUE(network.isOk()) << network.status().message();
        ASSERT_EQ(network->layers().size(), 1u);
        EXPECT_EQ(network->layers()[0]->kind(), LayerKind::Activation);
        EXPECT_EQ(creator->creations(), 0);
    }
    auto replacement = std::make_shared<RecordingCreator>("Relu", "", true);
    ScopedRegistration registration(replacement);
    ASSERT_TRUE(registration.added());
    auto network = parseOnnxBytes(reluModel().bytes(), "");
    ASSERT_TRUE(network.isOk()) << network.status().message();
    ASSERT_EQ(network->layers().size(), 1u);
    EXPECT_EQ(network->layers()[0]->kind(), LayerKind::Plugin);
    EXPECT_EQ(replacement->creations(), 1);
    HostTensor x(DataType::Float32, {4});
    for (int i = 0; i < 4; ++i)
        x.data<float>()[i] = float(i) - 1.5f;
    auto outputs = ReferenceExecutor(*network).execute({{"x", x}});
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    // The replacement's own arithmetic (3x, its default scale), not Relu's: the plugin ran.
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(outputs->at("y").data<float>()[i], 3.0f * (float(i) - 1.5f));
}

}  // namespace
}  // namespace kiln::test

// Caffe layers of types Kiln does not know import as plugin layers when a creator named like the type
// (empty namespace) is registered, with no fields; a built-in type keeps Kiln's importer unless the
// creator replaces it.
#include <gtest/gtest.h>

#include "kiln/caffe_parser.h"
#include "kiln/reference_executor.h"
#include "parsers/caffe/caffe_model_builder.h"
#include "parsers/recording_plugin.h"

namespace kiln::test {
namespace {

const char* const kNet = R"(
name: "custom"
input: "data"
input_shape { dim: 1 dim: 2 dim: 3 }
layer { name: "special" type: "MySpecialLayer" bottom: "data" top: "out" }
)";

TEST(CaffePlugin, AnUnknownLayerTypeBecomesAPluginLayerWithoutFields) {
    auto creator = std::make_shared<RecordingCreator>("MySpecialLayer", "");
    ScopedRegistration registration(creator);
    ASSERT_TRUE(registration.added());
    auto network = parseCaffeBytes(kNet, CaffeWeights().layer("special", {}).bytes());
    ASSERT_TRUE(network.isOk()) << network.status().message();
    ASSERT_EQ(network->layers().size(), 1u);
    const Layer& layer = *network->layers()[0];
    EXPECT_EQ(layer.kind(), LayerKind::Plugin);
    EXPECT_EQ(layer.name(), "special");
    EXPECT_EQ(creator->creations(), 1);
    EXPECT_TRUE(creator->received().empty());
    EXPECT_EQ(layer.output(0)->name(), "out");
    EXPECT_EQ(layer.output(0)->dims(), (Dims{1, 2, 3}));

    HostTensor x(DataType::Float32, {1, 2, 3});
    for (int i = 0; i < 6; ++i)
        x.data<float>()[i] = float(i) * 0.25f - 1.0f;
    auto outputs = ReferenceExecutor(*network).execute({{"data", x}});
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    for (int i = 0; i < 6; ++i)
        EXPECT_EQ(outputs->at("out").data<float>()[i], 3.0f * (float(i) * 0.25f - 1.0f));
}

TEST(CaffePlugin, WithoutACreatorTheTypeIsRefusedMentioningPlugins) {
    const auto network = parseCaffeBytes(kNet, CaffeWeights().layer("special", {}).bytes());
    ASSERT_FALSE(network.isOk());
    EXPECT_NE(network.status().message().find("MySpecialLayer"), std::string::npos)
        << network.status().message();
    EXPECT_NE(network.status().message().find("--plugins"), std::string::npos) << network.status().message();
}

TEST(CaffePlugin, ABuiltinTypeIsReplacedOnlyByACreatorThatSaysSo) {
    const char* const net = R"(
name: "relu"
input: "data"
input_shape { dim: 1 dim: 4 }
layer { name: "relu" type: "ReLU" bottom: "data" top: "out" }
)";
    {
        auto creator = std::make_shared<RecordingCreator>("ReLU", "", false);
        ScopedRegistration registration(creator);
        ASSERT_TRUE(registration.added());
        auto network = parseCaffeBytes(net, CaffeWeights().layer("relu", {}).bytes());
        ASSERT_TRUE(network.isOk()) << network.status().message();
        EXPECT_EQ(network->layers()[0]->kind(), LayerKind::Activation);
        EXPECT_EQ(creator->creations(), 0);
    }
    auto replacement = std::make_shared<RecordingCreator>("ReLU", "", true);
    ScopedRegistration registration(replacement);
    ASSERT_TRUE(registration.added());
    auto network = parseCaffeBytes(net, CaffeWeights().layer("relu", {}).bytes());
    ASSERT_TRUE(network.isOk()) << network.status().message();
    EXPECT_EQ(network->layers()[0]->kind(), LayerKind::Plugin);
    EXPECT_EQ(replacement->creations(), 1);
}

}  // namespace
}  // namespace kiln::test

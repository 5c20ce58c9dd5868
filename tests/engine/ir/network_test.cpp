// NetworkDefinition: building through the API, name rules, validation, folding and execution errors.
#include <gtest/gtest.h>

#include "kiln/network.h"
#include "kiln/reference_executor.h"

namespace kiln {
namespace {

std::string messageOf(const Status& status) { return status.message(); }

TEST(Network, BuildsAndRunsAChainThroughThePublicApi) {
    NetworkDefinition network;
    auto input = network.addInput("x", DataType::Float32, {2, 3});
    ASSERT_TRUE(input.isOk());
    auto first = network.addLayer("copy1", IdentityParams{}, {*input}, {"y"});
    ASSERT_TRUE(first.isOk()) << first.status().message();
    auto second = network.addLayer("reshape1", ReshapeParams{{3, 2}}, {(*first)->output(0)}, {"z"});
    ASSERT_TRUE(second.isOk()) << second.status().message();
    ASSERT_TRUE(network.markOutput((*second)->output(0)).isOk());
    ASSERT_TRUE(network.validate().isOk()) << network.validate().message();

    EXPECT_EQ((*second)->output(0)->dims(), (Dims{3, 2}));
    EXPECT_EQ((*second)->output(0)->producer(), *second);
    EXPECT_EQ((*first)->provenance(), std::vector<std::string>{"copy1"});
    EXPECT_EQ(network.consumersOf((*first)->output(0)), std::vector<Layer*>{*second});

    HostTensor value(DataType::Float32, {2, 3});
    for (int i = 0; i < 6; ++i) value.data<float>()[i] = float(i) - 2.5f;
    auto outputs = ReferenceExecutor(network).execute({{"x", value}});
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    const HostTensor& z = outputs->at("z");
    EXPECT_EQ(z.dims(), (Dims{3, 2}));
    for (int i = 0; i < 6; ++i) EXPECT_EQ(z.data<float>()[i], float(i) - 2.5f);
}

TEST(Network, DescribesConvolutionWithItsKernelSize) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 2, 5, 5});
    Tensor* w = *network.addConstant("w", HostTensor(DataType::Float32, {4, 1, 3, 1}));
    ConvolutionParams params{{2, 1}, {1, 0, 1, 0}, {1, 1}, 2};
    Layer* conv = *network.addLayer("conv", params, {x, w, nullptr}, {"y"});
    EXPECT_EQ(describeLayer(*conv), "kernel 3x1 stride 2x1 pads 1,0,1,0 dilation 1x1 groups 2");
    EXPECT_EQ(conv->output(0)->dims(), (Dims{1, 4, 3, 5}));

    Tensor* shortcut = *network.addInput("shortcut", DataType::Float32, {1, 4, 3, 5});
    params.activation = ActivationParams{ActivationType::LeakyRelu, 0.5f};
    Layer* fused = *network.addLayer("fused", params, {x, w, nullptr, shortcut}, {"z"});
    EXPECT_EQ(describeLayer(*fused),
              "kernel 3x1 stride 2x1 pads 1,0,1,0 dilation 1x1 groups 2 + LeakyRelu alpha 0.5 + residual add");
}

TEST(Network, RefusesDuplicateNames) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {4});
    EXPECT_EQ(network.addInput("x", DataType::Float32, {4}).status().code(), StatusCode::InvalidModel);
    ASSERT_TRUE(network.addLayer("copy", IdentityParams{}, {x}, {"y"}).isOk());
    auto sameLayer = network.addLayer("copy", IdentityParams{}, {x}, {"y2"});
    EXPECT_NE(messageOf(sameLayer.status()).find("duplicate layer name 'copy'"), std::string::npos);
    auto sameTensor = network.addLayer("copy2", IdentityParams{}, {x}, {"y"});
    EXPECT_NE(messageOf(sameTensor.status()).find("duplicate tensor name 'y'"), std::string::npos);
    // A failed addLayer leaves nothing behind.
    EXPECT_EQ(network.layers().size(), 1u);
    EXPECT_EQ(network.findLayer("copy2"), nullptr);
}

TEST(Network, RefusesTensorsOfAnotherNetwork) {
    NetworkDefinition a;
    NetworkDefinition b;
    Tensor* foreign = *a.addInput("x", DataType::Float32, {1});
    ASSERT_TRUE(b.addInput("x", DataType::Float32, {1}).isOk());
    auto layer = b.addLayer("copy", IdentityParams{}, {foreign}, {"y"});
    EXPECT_EQ(layer.status().code(), StatusCode::InvalidArgument);
    EXPECT_NE(messageOf(layer.status()).find("does not belong"), std::string::npos);
}

TEST(Network, ClearAliasGivesATensorItsOwnBytesAgain) {
    // y and z lie in the concat's output; clearing y's alias leaves z's as it was.
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 2});
    Tensor* y = (*network.addLayer("y", IdentityParams{}, {x}, {"y"}))->output(0);
    Tensor* z = (*network.addLayer("z", IdentityParams{}, {x}, {"z"}))->output(0);
    Tensor* cat = (*network.addLayer("cat", ConcatParams{1}, {y, z}, {"cat"}))->output(0);
    ASSERT_TRUE(network.setAlias(y, cat, 0).isOk());
    ASSERT_TRUE(network.setAlias(z, cat, 8).isOk());
    ASSERT_TRUE(network.clearAlias(y).isOk());
    EXPECT_FALSE(y->alias().has_value());
    ASSERT_TRUE(z->alias().has_value());
    EXPECT_EQ(z->alias()->base, cat);
    EXPECT_EQ(z->alias()->byteOffset, 8);
    EXPECT_TRUE(network.clearAlias(x).isOk());  // aliases nothing: nothing to do
    NetworkDefinition other;
    Tensor* foreign = *other.addInput("x", DataType::Float32, {1});
    EXPECT_EQ(network.clearAlias(foreign).code(), StatusCode::InvalidArgument);
}

TEST(Network, ShapeErrorsNameTheLayer) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {2, 3});
    auto layer = network.addLayer("bad_reshape", ReshapeParams{{7}}, {x}, {"y"});
    ASSERT_FALSE(layer.isOk());
    EXPECT_NE(messageOf(layer.status()).find("layer 'bad_reshape' (Reshape)"), std::string::npos);
    EXPECT_EQ(network.findTensor("y"), nullptr);
}

TEST(Network, RefusesDimsOutOfRange) {
    NetworkDefinition network;
    EXPECT_EQ(network.addInput("x", DataType::Float32, {1, -5}).status().code(), StatusCode::InvalidModel);
    EXPECT_EQ(network.addInput("y", DataType::Float32, {int64_t(1) << 62}).status().code(), StatusCode::InvalidModel);
}

TEST(Network, ValidateFindsMissingOutputsAndUnproducedTensors) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {4});
    Layer* first = *network.addLayer("first", IdentityParams{}, {x}, {"a"});
    Layer* second = *network.addLayer("second", IdentityParams{}, {first->output(0)}, {"b"});
    EXPECT_NE(network.validate().message().find("no outputs"), std::string::npos);
    ASSERT_TRUE(network.markOutput(second->output(0)).isOk());
    EXPECT_TRUE(network.validate().isOk());
    EXPECT_FALSE(network.markOutput(second->output(0)).isOk());

    ASSERT_TRUE(network.removeLayer(first).isOk());
    Status status = network.validate();
    EXPECT_EQ(status.code(), StatusCode::InvalidModel);
    EXPECT_NE(status.message().find("'second' reads tensor 'a' that no layer produces"), std::string::npos)
        << status.message();
}

TEST(Network, FoldsLayersWhoseInputsAreAllConstant) {
    NetworkDefinition network;
    HostTensor values(DataType::Int64, {3});
    for (int i = 0; i < 3; ++i) values.data<int64_t>()[i] = 10 + i;
    Tensor* constant = *network.addConstant("c", std::move(values));
    Tensor* x = *network.addInput("x", DataType::Float32, {1});
    Layer* foldable = *network.addLayer("fold_me", ReshapeParams{{3, 1}}, {constant}, {"c2"});
    Layer* kept = *network.addLayer("keep_me", IdentityParams{}, {x}, {"y"});

    auto notFolded = foldConstantLayer(network, kept);
    ASSERT_TRUE(notFolded.isOk());
    EXPECT_FALSE(*notFolded);
    auto folded = foldConstantLayer(network, foldable);
    ASSERT_TRUE(folded.isOk()) << folded.status().message();
    EXPECT_TRUE(*folded);
    EXPECT_EQ(network.layers().size(), 1u);
    const Tensor* result = network.findTensor("c2");
    ASSERT_NE(result, nullptr);
    ASSERT_TRUE(result->isConstant());
    EXPECT_EQ(result->dims(), (Dims{3, 1}));
    EXPECT_EQ(result->constantData()->data<int64_t>()[2], 12);

    network.removeUnusedTensors();
    EXPECT_EQ(network.findTensor("c"), nullptr);
    EXPECT_EQ(network.findTensor("c2"), nullptr);
    EXPECT_NE(network.findTensor("x"), nullptr);
}

TEST(Network, ExecutorRefusesMismatchedInputs) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {2});
    Layer* copy = *network.addLayer("copy", IdentityParams{}, {x}, {"y"});
    ASSERT_TRUE(network.markOutput(copy->output(0)).isOk());
    ReferenceExecutor executor(network);

    EXPECT_NE(messageOf(executor.execute({}).status()).find("no value given for network input 'x'"),
              std::string::npos);
    auto wrongShape = executor.execute({{"x", HostTensor(DataType::Float32, {3})}});
    EXPECT_NE(messageOf(wrongShape.status()).find("network expects FP32 2"), std::string::npos);
    auto wrongType = executor.execute({{"x", HostTensor(DataType::Int32, {2})}});
    EXPECT_EQ(wrongType.status().code(), StatusCode::InvalidArgument);
    auto unknown = executor.execute({{"x", HostTensor(DataType::Float32, {2})}, {"z", HostTensor()}});
    EXPECT_NE(messageOf(unknown.status()).find("'z' is not an input"), std::string::npos);
}

}  // namespace
}  // namespace kiln

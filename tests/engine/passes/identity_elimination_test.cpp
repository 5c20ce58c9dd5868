// Identity elimination: readers are rewired around an Identity; a network output is written directly by
// the input's producer; an Identity between a network input and a network output stays.
#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "passes/identity_elimination.h"

namespace kiln::test {
namespace {

TEST(IdentityElimination, RewiresReadersToTheInput) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {2, 3});
    Layer* relu = addLayer(network, "relu", ActivationParams{}, {x});
    Layer* dropout = addLayer(network, "dropout", IdentityParams{}, {relu->output(0)});
    Layer* sigmoid =
        addLayer(network, "sigmoid", ActivationParams{ActivationType::Sigmoid}, {dropout->output(0)});
    Layer* tanh = addLayer(network, "tanh", ActivationParams{ActivationType::Tanh}, {dropout->output(0)});
    ASSERT_TRUE(network.markOutput(sigmoid->output(0)).isOk());
    ASSERT_TRUE(network.markOutput(tanh->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 5);
    const TensorMap before = runReference(network, inputs);

    const std::vector<PassChange> changes = runPass(passes::eliminateIdentities, network);

    EXPECT_EQ(network.layers().size(), 3u);
    EXPECT_EQ(network.findLayer("dropout"), nullptr);
    EXPECT_EQ(sigmoid->input(0), relu->output(0));
    EXPECT_EQ(tanh->input(0), relu->output(0));
    EXPECT_EQ(network.findTensor("dropout.out"), nullptr);
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].description, "removed identity dropout");
    expectSameOutputs(runReference(network, inputs), before, 0, 0);
}

TEST(IdentityElimination, TheProducerWritesANetworkOutputDirectly) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {4});
    Layer* relu = addLayer(network, "relu", ActivationParams{}, {x});
    Layer* other = addLayer(network, "other", ActivationParams{ActivationType::Tanh}, {relu->output(0)});
    Layer* identity = addLayer(network, "identity", IdentityParams{}, {relu->output(0)});
    Tensor* y = identity->output(0);
    ASSERT_TRUE(network.markOutput(y).isOk());
    ASSERT_TRUE(network.markOutput(other->output(0)).isOk());
    const TensorMap inputs = randomInputs(network, 6);
    const TensorMap before = runReference(network, inputs);

    ASSERT_EQ(runPass(passes::eliminateIdentities, network).size(), 1u);

    EXPECT_EQ(network.layers().size(), 2u);
    EXPECT_EQ(relu->output(0), y);
    EXPECT_EQ(other->input(0), y);
    EXPECT_EQ(network.findTensor("relu.out"), nullptr);
    expectSameOutputs(runReference(network, inputs), before, 0, 0);
}

TEST(IdentityElimination, KeepsTheCopyFromANetworkInputToANetworkOutput) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {4});
    Layer* identity = addLayer(network, "identity", IdentityParams{}, {x});
    ASSERT_TRUE(network.markOutput(identity->output(0)).isOk());
    EXPECT_TRUE(runPass(passes::eliminateIdentities, network).empty());
    EXPECT_EQ(network.layers().size(), 1u);
}

TEST(IdentityElimination, KeepsTheCopyBetweenTwoNetworkOutputs) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {4});
    Layer* relu = addLayer(network, "relu", ActivationParams{}, {x});
    Layer* identity = addLayer(network, "identity", IdentityParams{}, {relu->output(0)});
    ASSERT_TRUE(network.markOutput(relu->output(0)).isOk());
    ASSERT_TRUE(network.markOutput(identity->output(0)).isOk());
    EXPECT_TRUE(runPass(passes::eliminateIdentities, network).empty());
    EXPECT_EQ(network.layers().size(), 2u);
}

}  // namespace
}  // namespace kiln::test

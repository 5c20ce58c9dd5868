// The rewriting primitives the optimization passes use: clone, updateLayer, redirectOutput,
// replaceUses, renameLayer and sortTopologically.
#include <gtest/gtest.h>

#include <cmath>

#include "kiln/network.h"
#include "kiln/reference_executor.h"

namespace kiln {
namespace {

// x -> relu "a" -> sigmoid "b" -> output y
struct Chain {
    NetworkDefinition network;
    Tensor* x = nullptr;
    Layer* a = nullptr;
    Layer* b = nullptr;

    Chain() {
        x = *network.addInput("x", DataType::Float32, {1, 4});
        a = *network.addLayer("a", ActivationParams{ActivationType::Relu}, {x}, {"a_out"});
        b = *network.addLayer("b", ActivationParams{ActivationType::Sigmoid}, {a->output(0)}, {"y"});
        EXPECT_TRUE(network.markOutput(b->output(0)).isOk());
    }
};

HostTensor ramp() {
    HostTensor t(DataType::Float32, {1, 4});
    for (int i = 0; i < 4; ++i) t.data<float>()[i] = float(i) - 1.5f;
    return t;
}

TEST(NetworkRewrite, CloneIsIndependent) {
    Chain chain;
    NetworkDefinition copy = chain.network.clone();
    ASSERT_TRUE(copy.validate().isOk());
    ASSERT_TRUE(chain.network.removeLayer(chain.a).isOk());
    EXPECT_EQ(copy.layers().size(), 2u);
    Layer* copiedA = copy.findLayer("a");
    ASSERT_NE(copiedA, nullptr);
    EXPECT_NE(copiedA, chain.a);
    EXPECT_EQ(copiedA->output(0)->producer(), copiedA);
    EXPECT_EQ(copy.findLayer("b")->input(0), copiedA->output(0));
    EXPECT_EQ(copy.outputs().front(), copy.findTensor("y"));
}

TEST(NetworkRewrite, FusingTwoLayersByRedirectingTheOutput) {
    Chain chain;
    NetworkDefinition& net = chain.network;
    auto before = ReferenceExecutor(net).execute({{"x", ramp()}});
    ASSERT_TRUE(before.isOk());

    // Stand one layer in for the pair: "a" takes b's function and b's output tensor, "b" goes.
    Tensor* y = chain.b->output(0);
    ASSERT_TRUE(net.removeLayer(chain.b).isOk());
    ASSERT_TRUE(net.updateLayer(chain.a, ActivationParams{ActivationType::Sigmoid}, {chain.x}).isOk());
    ASSERT_TRUE(net.redirectOutput(chain.a, 0, y).isOk());
    ASSERT_TRUE(net.renameLayer(chain.a, "a + b").isOk());
    net.removeUnusedTensors();
    ASSERT_TRUE(net.validate().isOk()) << net.validate().message();
    EXPECT_EQ(net.findTensor("a_out"), nullptr);
    EXPECT_EQ(net.findLayer("a + b"), chain.a);
    EXPECT_EQ(net.findLayer("a"), nullptr);

    auto after = ReferenceExecutor(net).execute({{"x", ramp()}});
    ASSERT_TRUE(after.isOk()) << after.status().message();
    // sigmoid(x) differs from sigmoid(relu(x)) only where x < 0: elements 0 and 1.
    EXPECT_FLOAT_EQ(after->at("y").data<float>()[0], 1.0f / (1.0f + std::exp(1.5f)));
    EXPECT_FLOAT_EQ(after->at("y").data<float>()[3], before->at("y").data<float>()[3]);
}

TEST(NetworkRewrite, RefusesChangesThatAlterShapes) {
    Chain chain;
    Tensor* wide = *chain.network.addInput("wide", DataType::Float32, {1, 8});
    Status update = chain.network.updateLayer(chain.a, ActivationParams{}, {wide});
    EXPECT_EQ(update.code(), StatusCode::InvalidArgument);
    EXPECT_NE(update.message().find("changes output 'a_out' from FP32 1x4 to FP32 1x8"), std::string::npos);
    EXPECT_EQ(chain.a->input(0), chain.x);  // unchanged after the refusal

    EXPECT_FALSE(chain.network.replaceUses(chain.a->output(0), wide).isOk());
    // A tensor that is still produced cannot be taken over.
    EXPECT_FALSE(chain.network.redirectOutput(chain.a, 0, chain.b->output(0)).isOk());
    EXPECT_FALSE(chain.network.renameLayer(chain.a, "b").isOk());
}

TEST(NetworkRewrite, ReplaceUsesRewiresReaders) {
    Chain chain;
    ASSERT_TRUE(chain.network.replaceUses(chain.a->output(0), chain.x).isOk());
    EXPECT_EQ(chain.b->input(0), chain.x);
    EXPECT_TRUE(chain.network.consumersOf(chain.a->output(0)).empty());
}

TEST(NetworkRewrite, SortTopologicallyMovesLateProducersForward) {
    NetworkDefinition net;
    Tensor* x = *net.addInput("x", DataType::Float32, {2});
    Layer* first = *net.addLayer("first", IdentityParams{}, {x}, {"t1"});
    Layer* second = *net.addLayer("second", IdentityParams{}, {x}, {"t2"});
    Layer* third = *net.addLayer("third", IdentityParams{}, {first->output(0)}, {"t3"});
    ASSERT_TRUE(net.markOutput(third->output(0)).isOk());
    ASSERT_TRUE(net.markOutput(second->output(0)).isOk());
    // Make "first" read what "second" writes: it now has to run after "second".
    ASSERT_TRUE(net.updateLayer(first, IdentityParams{}, {second->output(0)}).isOk());
    EXPECT_FALSE(net.validate().isOk());
    ASSERT_TRUE(net.sortTopologically().isOk());
    ASSERT_TRUE(net.validate().isOk());
    EXPECT_EQ(net.layers()[0]->name(), "second");
    EXPECT_EQ(net.layers()[1]->name(), "first");
    EXPECT_EQ(net.layers()[2]->name(), "third");

    // first <- third <- first is a cycle.
    ASSERT_TRUE(net.updateLayer(first, IdentityParams{}, {third->output(0)}).isOk());
    Status cycle = net.sortTopologically();
    EXPECT_EQ(cycle.code(), StatusCode::InvalidModel);
    EXPECT_NE(cycle.message().find("'first'"), std::string::npos);
    EXPECT_NE(cycle.message().find("'third'"), std::string::npos);
    EXPECT_EQ(net.layers().size(), 3u);
}

TEST(HostTensorView, SharesMemoryAndCopiesOfOwnedTensorsAreDeep) {
    std::vector<float> arena(6, 0.0f);
    HostTensor view = HostTensor::view(DataType::Float32, {2, 3}, reinterpret_cast<std::byte*>(arena.data()));
    EXPECT_FALSE(view.ownsMemory());
    HostTensor alias = view;
    alias.data<float>()[4] = 7.0f;
    EXPECT_EQ(arena[4], 7.0f);
    EXPECT_EQ(view.reshaped({6}).data<float>(), arena.data());

    HostTensor owned(DataType::Float32, {2});
    HostTensor copy = owned;
    copy.data<float>()[0] = 1.0f;
    EXPECT_EQ(owned.data<float>()[0], 0.0f);
    HostTensor moved = std::move(copy);
    EXPECT_TRUE(moved.ownsMemory());
    EXPECT_EQ(moved.data<float>()[0], 1.0f);
}

}  // namespace
}  // namespace kiln

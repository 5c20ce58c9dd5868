// Memory planner: reuse of freed space, in-place pointwise layers, aliases, and — on random graphs —
// that no two tensors alive at the same time share a byte.
#include <gtest/gtest.h>

#include <random>

#include "builder/memory_planner.h"

namespace kiln {
namespace {

int64_t bytesOf(const Tensor* t) { return volume(t->dims()) * int64_t(dataTypeSize(t->type())); }

// Independent check: computes each tensor's live range from the network (an alias keeps its base alive
// and the reverse) and asserts that tensors whose ranges meet do not share bytes, unless one is an
// alias inside the other or a pointwise layer wrote its output over its input.
void expectNoConflicts(const NetworkDefinition& network, const MemoryPlan& plan) {
    const int64_t end = int64_t(network.layers().size());
    std::map<const Tensor*, std::pair<int64_t, int64_t>> range;
    auto root = [](const Tensor* t) { return t->alias() ? t->alias()->base : t; };
    auto extend = [&](const Tensor* t, int64_t i) {
        auto [it, inserted] = range.try_emplace(root(t), i, i);
        it->second.first = std::min(it->second.first, i);
        it->second.second = std::max(it->second.second, i);
    };
    for (const Tensor* t : network.inputs()) extend(t, -1);
    for (int64_t i = 0; i < end; ++i) {
        const Layer& layer = *network.layers()[size_t(i)];
        for (const Tensor* t : layer.outputs()) extend(t, i);
        for (const Tensor* t : layer.inputs()) {
            if (t && !t->isConstant()) extend(t, i);
        }
    }
    for (const Tensor* t : network.outputs()) extend(t, end);
    std::vector<const Tensor*> roots;
    for (const auto& [t, r] : range) roots.push_back(t);
    for (size_t a = 0; a < roots.size(); ++a) {
        for (size_t b = a + 1; b < roots.size(); ++b) {
            const auto [sa, ea] = range[roots[a]];
            const auto [sb, eb] = range[roots[b]];
            // Ranges that only touch at one layer are the in-place case when one is that layer's
            // output; the planner allows it for pointwise layers only.
            const bool touching = ea == sb || eb == sa;
            if (!(sa <= eb && sb <= ea)) continue;
            const int64_t oa = plan.offsets.at(roots[a]->name());
            const int64_t ob = plan.offsets.at(roots[b]->name());
            const bool overlap = oa < ob + bytesOf(roots[b]) && ob < oa + bytesOf(roots[a]);
            if (!overlap) continue;
            ASSERT_TRUE(touching && oa == ob) << roots[a]->name() << " and " << roots[b]->name()
                                              << " are alive together and overlap";
            // In place: the later tensor is the output of a pointwise layer at the touching index.
            const int64_t at = std::min(ea, eb);
            const Layer& layer = *network.layers()[size_t(at)];
            const bool pointwise = layer.kind() == LayerKind::Activation || layer.kind() == LayerKind::Unary ||
                                   layer.kind() == LayerKind::Elementwise ||
                                   layer.kind() == LayerKind::PointwiseChain;
            const bool writesOne = layer.output(0) == roots[a] || layer.output(0) == roots[b];
            EXPECT_TRUE(pointwise && writesOne) << "layer '" << layer.name() << "' (" << toString(layer.kind())
                                                << ") writes over its input";
        }
    }
    for (const auto& [name, offset] : plan.offsets) {
        const Tensor* t = network.findTensor(name);
        EXPECT_LE(offset + bytesOf(t), plan.arenaBytes) << name;
        EXPECT_EQ(offset % dataTypeSize(t->type()), 0) << name;
    }
}

TEST(MemoryPlanner, ReusesSpaceAlongAChain) {
    NetworkDefinition network;
    Tensor* t = *network.addInput("x", DataType::Float32, {1, 16});  // 64 bytes each
    for (int i = 0; i < 4; ++i) {
        t = (*network.addLayer("copy" + std::to_string(i), IdentityParams{}, {t}, {"t" + std::to_string(i)}))->output(0);
    }
    ASSERT_TRUE(network.markOutput(t).isOk());
    auto plan = planMemory(network);
    ASSERT_TRUE(plan.isOk()) << plan.status().message();
    // At most two tensors are alive at once (a copy's input and output): two 64-byte blocks.
    EXPECT_EQ(plan->arenaBytes, 128);
    EXPECT_EQ(activationBytes(network), 5 * 64);
    expectNoConflicts(network, *plan);
}

TEST(MemoryPlanner, PointwiseLayersRunInPlace) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 16});
    Layer* relu = *network.addLayer("relu", ActivationParams{ActivationType::Relu}, {x}, {"a"});
    Layer* sigmoid = *network.addLayer("sigmoid", ActivationParams{ActivationType::Sigmoid}, {relu->output(0)}, {"b"});
    ASSERT_TRUE(network.markOutput(sigmoid->output(0)).isOk());
    auto plan = planMemory(network);
    ASSERT_TRUE(plan.isOk());
    EXPECT_EQ(plan->offsets.at("a"), plan->offsets.at("b"));
    EXPECT_NE(plan->offsets.at("x"), plan->offsets.at("a"));  // a network input is never overwritten
    EXPECT_EQ(plan->arenaBytes, 128);
    expectNoConflicts(network, *plan);
}

TEST(MemoryPlanner, OtherLayersNeverWriteOverTheirInput) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 1, 4, 4});
    Layer* relu = *network.addLayer("relu", ActivationParams{}, {x}, {"a"});
    // The pooling layer's input dies there, but pooling reads a window around each output element.
    Layer* pool = *network.addLayer("pool", PoolingParams{PoolingType::Max, {3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}},
                                    {relu->output(0)}, {"p"});
    Layer* sigmoid = *network.addLayer("sigmoid", ActivationParams{ActivationType::Sigmoid}, {pool->output(0)}, {"y"});
    ASSERT_TRUE(network.markOutput(sigmoid->output(0)).isOk());
    auto plan = planMemory(network);
    ASSERT_TRUE(plan.isOk());
    EXPECT_NE(plan->offsets.at("a"), plan->offsets.at("p"));
    EXPECT_EQ(plan->offsets.at("p"), plan->offsets.at("y"));
    expectNoConflicts(network, *plan);
}

TEST(MemoryPlanner, AliasesLiveInsideTheirBase) {
    NetworkDefinition network;
    Tensor* x = *network.addInput("x", DataType::Float32, {1, 2, 4});
    Layer* left = *network.addLayer("left", IdentityParams{}, {x}, {"l"});
    Layer* right = *network.addLayer("right", ActivationParams{}, {x}, {"r"});
    Layer* concat = *network.addLayer("concat", ConcatParams{1}, {left->output(0), right->output(0)}, {"c"});
    ASSERT_TRUE(network.markOutput(concat->output(0)).isOk());
    ASSERT_TRUE(network.setAlias(left->output(0), concat->output(0), 0).isOk());
    ASSERT_TRUE(network.setAlias(right->output(0), concat->output(0), 32).isOk());
    ASSERT_TRUE(network.setElided(concat, true).isOk());
    auto plan = planMemory(network);
    ASSERT_TRUE(plan.isOk());
    EXPECT_EQ(plan->offsets.at("l"), plan->offsets.at("c"));
    EXPECT_EQ(plan->offsets.at("r"), plan->offsets.at("c") + 32);
    EXPECT_EQ(activationBytes(network), 32 + 64);  // x and c; the aliases own no bytes
    expectNoConflicts(network, *plan);
}

TEST(MemoryPlanner, RandomGraphsNeverShareLiveBytes) {
    std::mt19937 random(7);
    for (int trial = 0; trial < 50; ++trial) {
        NetworkDefinition network;
        std::vector<Tensor*> pool = {*network.addInput("x", DataType::Float32, {1, 8})};
        const int layers = 5 + int(random() % 20);
        for (int i = 0; i < layers; ++i) {
            Tensor* a = pool[random() % pool.size()];
            Tensor* b = pool[random() % pool.size()];
            const std::string name = "l" + std::to_string(i);
            Layer* layer = random() % 2 ? *network.addLayer(name, ElementwiseParams{ElementwiseOp::Add}, {a, b}, {name})
                                        : *network.addLayer(name, ActivationParams{}, {a}, {name});
            pool.push_back(layer->output(0));
        }
        ASSERT_TRUE(network.markOutput(pool.back()).isOk());
        auto plan = planMemory(network);
        ASSERT_TRUE(plan.isOk());
        expectNoConflicts(network, *plan);
        EXPECT_LE(plan->arenaBytes, activationBytes(network) + 64 * layers);
    }
}

}  // namespace
}  // namespace kiln

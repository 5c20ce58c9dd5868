// Checking an engine against the reference executor: a correct engine passes at the FP32 tolerance;
// an engine with one deliberately wrong kernel injected fails, and the per-layer check names that
// kernel's layer as the first tensor beyond tolerance, not a layer downstream of it.
#include <algorithm>

#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "kiln/builder.h"
#include "kiln/reference_check.h"
#include "runtime/compiled_kernels.h"

namespace kiln::test {
namespace {

// x -> conv1 + relu -> conv2 + relu -> conv3 -> output.
NetworkDefinition threeConvNetwork() {
    NetworkDefinition network;
    Tensor* x = network.addInput("x", DataType::Float32, {1, 3, 12, 12}).value();
    Layer* conv1 = addConv(network, "conv1", x, 8, 3, 1);
    Layer* relu1 = addLayer(network, "relu1", ActivationParams{ActivationType::Relu, 0.0f, 0.0f}, {conv1->output(0)});
    Layer* conv2 = addConv(network, "conv2", relu1->output(0), 8, 3, 2);
    Layer* relu2 = addLayer(network, "relu2", ActivationParams{ActivationType::Relu, 0.0f, 0.0f}, {conv2->output(0)});
    Layer* conv3 = addConv(network, "conv3", relu2->output(0), 4, 3, 3);
    for (Layer* layer : {conv1, relu1, conv2, relu2, conv3}) layer->setProvenance({layer->name()});
    EXPECT_TRUE(network.markOutput(conv3->output(0)).isOk());
    return network;
}

// Runs the chosen kernel, then adds `offset` to the first element it wrote: a tactic that is wrong.
class WrongKernel final : public tactics::Kernel {
public:
    WrongKernel(const tactics::Kernel& inner, float offset) : m_inner(inner), m_offset(offset) {}
    Status run(const tactics::KernelArgs& args) const override {
        KILN_RETURN_IF_ERROR(m_inner.run(args));
        *reinterpret_cast<float*>(args.outputs[0]) += m_offset;
        return Status::ok();
    }
    bool readsInput(size_t index) const override { return m_inner.readsInput(index); }

private:
    const tactics::Kernel& m_inner;
    float m_offset;
};

// Forwards to a kernel another engine owns.
class SharedKernel final : public tactics::Kernel {
public:
    explicit SharedKernel(const tactics::Kernel& inner) : m_inner(inner) {}
    Status run(const tactics::KernelArgs& args) const override { return m_inner.run(args); }
    bool readsInput(size_t index) const override { return m_inner.readsInput(index); }

private:
    const tactics::Kernel& m_inner;
};

// `engine` with the kernel of the executed layer whose model node is `node` made wrong.
std::shared_ptr<Engine> withWrongKernel(const Engine& engine, const std::string& node, float offset) {
    auto kernels = std::make_shared<detail::CompiledKernels>();
    kernels->workspaceBytes = engine.kernels().workspaceBytes;
    bool injected = false;
    const auto& layers = engine.network().layers();
    for (size_t i = 0; i < layers.size(); ++i) {
        const detail::LayerKernel& original = engine.kernels().layers[i];
        detail::LayerKernel copy;
        copy.tacticId = original.tacticId;
        if (original.kernel) {
            const auto& nodes = layers[i]->provenance();
            const bool wrong = !injected && std::find(nodes.begin(), nodes.end(), node) != nodes.end();
            injected = injected || wrong;
            copy.kernel = wrong ? std::unique_ptr<tactics::Kernel>(std::make_unique<WrongKernel>(*original.kernel, offset))
                                : std::make_unique<SharedKernel>(*original.kernel);
        }
        kernels->layers.push_back(std::move(copy));
    }
    EXPECT_TRUE(injected) << "no executed layer comes from node " << node;
    return std::make_shared<Engine>(engine.network().clone(), engine.memoryPlan(), engine.report(), engine.backend(),
                                    kernels);
}

TensorMap someInputs() { return {{"x", randomTensor({1, 3, 12, 12}, 5, -1.0f, 1.0f)}}; }

BuilderConfig quickConfig() {
    BuilderConfig config;
    config.timingIterations = 1;
    return config;
}

TEST(ReferenceCheck, TheBuiltEnginePassesEveryOutputAndLayer) {
    const NetworkDefinition network = threeConvNetwork();
    auto engine = Builder::build(network, quickConfig());
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    auto check = checkAgainstReference(**engine, network.clone(), someInputs(), defaultTolerance(DataType::Float32), true);
    ASSERT_TRUE(check.isOk()) << check.status().message();
    ASSERT_EQ(check->outputs.size(), 1u);
    EXPECT_EQ(check->outputs[0].tensor, "conv3.out");
    EXPECT_EQ(check->outputs[0].elements, 4 * 12 * 12);
    EXPECT_TRUE(check->outputs[0].withinTolerance()) << check->outputs[0].maxAbsolute;
    // The fused conv + relu layers' outputs are the model's relu outputs, and the output is among them.
    std::vector<std::string> tensors;
    for (const TensorCheck& layer : check->layers) tensors.push_back(layer.tensor);
    EXPECT_EQ(tensors, (std::vector<std::string>{"relu1.out", "relu2.out", "conv3.out"}));
    EXPECT_TRUE(check->pass());
    EXPECT_EQ(check->firstBeyond(), nullptr);
}

TEST(ReferenceCheck, AnInjectedWrongKernelFailsAndIsNamedFirst) {
    const NetworkDefinition network = threeConvNetwork();
    auto built = Builder::build(network, quickConfig());
    ASSERT_TRUE(built.isOk()) << built.status().message();
    // An error of 0.5 on one element of conv2's output: far beyond 1e-4 + 1e-3 * |x| for values of order 1.
    const std::shared_ptr<Engine> wrong = withWrongKernel(**built, "conv2", 0.5f);

    auto outputsOnly = checkAgainstReference(*wrong, network.clone(), someInputs(), defaultTolerance(DataType::Float32), false);
    ASSERT_TRUE(outputsOnly.isOk()) << outputsOnly.status().message();
    EXPECT_FALSE(outputsOnly->pass());
    ASSERT_EQ(outputsOnly->outputs.size(), 1u);
    EXPECT_GT(outputsOnly->outputs[0].failing, 0);
    EXPECT_TRUE(outputsOnly->layers.empty());

    auto everyLayer = checkAgainstReference(*wrong, network.clone(), someInputs(), defaultTolerance(DataType::Float32), true);
    ASSERT_TRUE(everyLayer.isOk()) << everyLayer.status().message();
    const TensorCheck* first = everyLayer->firstBeyond();
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->tensor, "relu2.out") << "the wrong kernel's output, before the layers it feeds";
    EXPECT_EQ(first->failing, 1) << "one element was made wrong";
    EXPECT_GE(first->maxAbsolute, 0.5 - 1e-3);  // the relu after the offset may clip part of it
    EXPECT_TRUE(everyLayer->layers[0].withinTolerance()) << "relu1.out comes before the wrong kernel";
}

TEST(ReferenceCheck, TensorChecksCountElementsBeyondTolerance) {
    HostTensor reference(DataType::Float32, {4});
    HostTensor actual(DataType::Float32, {4});
    const float r[] = {1.0f, -2.0f, 100.0f, 0.0f};
    const float a[] = {1.0f, -2.01f, 100.05f, 1e-3f};
    std::copy(r, r + 4, reference.data<float>());
    std::copy(a, a + 4, actual.data<float>());
    // Element 1: 0.01 > 1e-4 + 1e-3 * 2; element 2: 0.05 <= 1e-4 + 1e-3 * 100; element 3: 1e-3 > 1e-4.
    const TensorCheck check = checkTensor("t", actual, reference, {1e-4, 1e-3});
    EXPECT_EQ(check.failing, 2);
    EXPECT_EQ(check.worstIndex, 1);
    EXPECT_NEAR(check.maxAbsolute, 0.05, 1e-5);
    EXPECT_NEAR(check.maxRelative, 0.005, 1e-6);

    HostTensor otherShape(DataType::Float32, {2, 2});
    EXPECT_FALSE(checkTensor("t", otherShape, reference, {1e-4, 1e-3}).withinTolerance());
    EXPECT_NE(checkTensor("t", otherShape, reference, {1e-4, 1e-3}).problem.find("dims"), std::string::npos);
}

}  // namespace
}  // namespace kiln::test

// What the pass tests share: running one pass and collecting its log, random inputs with a fixed seed,
// the reference executor before and after, the arena executor (which honours aliases and skips elided
// layers), and small graph-building helpers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "builder/memory_planner.h"
#include "kiln/network.h"
#include "kiln/reference_executor.h"
#include "kiln/runtime.h"
#include "passes/pass.h"
#include "support/test_util.h"

namespace kiln::test {

// Runs `pass` on `network`, expects it to succeed and to leave a valid network, returns its log.
inline std::vector<PassChange> runPass(passes::PassFunction pass, NetworkDefinition& network) {
    std::vector<PassChange> changes;
    passes::PassLog log("pass under test", changes);
    const Status status = pass(network, log);
    EXPECT_TRUE(status.isOk()) << status.message();
    const Status valid = network.validate();
    EXPECT_TRUE(valid.isOk()) << valid.message();
    return changes;
}

// One random FP32 tensor per network input, in [-1, 1), seeded from `seed` and the input's position.
inline TensorMap randomInputs(const NetworkDefinition& network, uint32_t seed) {
    TensorMap inputs;
    for (size_t i = 0; i < network.inputs().size(); ++i) {
        const Tensor* input = network.inputs()[i];
        inputs[input->name()] = randomTensor(input->dims(), seed + uint32_t(i));
    }
    return inputs;
}

inline TensorMap runReference(const NetworkDefinition& network, const TensorMap& inputs) {
    auto outputs = ReferenceExecutor(network).execute(inputs);
    EXPECT_TRUE(outputs.isOk()) << outputs.status().message();
    return outputs.isOk() ? std::move(*outputs) : TensorMap{};
}

// Runs the network the way a built engine does: in one planned arena, aliases sharing bytes, elided
// layers skipped. `network` is consumed.
inline TensorMap runInArena(NetworkDefinition network, const TensorMap& inputs) {
    auto plan = planMemory(network);
    EXPECT_TRUE(plan.isOk()) << plan.status().message();
    if (!plan.isOk()) return {};
    auto engine = std::make_shared<Engine>(std::move(network), std::move(*plan), BuildReport{}, "cpu");
    auto context = engine->createExecutionContext();
    EXPECT_TRUE(context.isOk()) << context.status().message();
    if (!context.isOk()) return {};
    auto outputs = (*context)->execute(inputs);
    EXPECT_TRUE(outputs.isOk()) << outputs.status().message();
    return outputs.isOk() ? std::move(*outputs) : TensorMap{};
}

inline void expectSameOutputs(const TensorMap& actual, const TensorMap& expected, double rtol, double atol) {
    ASSERT_EQ(actual.size(), expected.size());
    for (const auto& [name, tensor] : expected) {
        auto it = actual.find(name);
        ASSERT_NE(it, actual.end()) << "missing output " << name;
        EXPECT_EQ(compareTensors(it->second, tensor, rtol, atol), "") << "output " << name;
    }
}

inline size_t countKind(const NetworkDefinition& network, LayerKind kind) {
    size_t count = 0;
    for (const auto& layer : network.layers())
        count += layer->kind() == kind ? 1 : 0;
    return count;
}

inline Tensor* addRandomConstant(NetworkDefinition& network, const std::string& name, const Dims& dims,
                                 uint32_t seed, float low = -1.0f, float high = 1.0f) {
    auto tensor = network.addConstant(name, randomTensor(dims, seed, low, high));
    EXPECT_TRUE(tensor.isOk()) << tensor.status().message();
    return tensor.isOk() ? *tensor : nullptr;
}

inline Layer* addLayer(NetworkDefinition& network, const std::string& name, const LayerParams& params,
                       const std::vector<Tensor*>& inputs) {
    auto layer = network.addLayer(name, params, inputs, {name + ".out"});
    EXPECT_TRUE(layer.isOk()) << layer.status().message();
    return layer.isOk() ? *layer : nullptr;
}

// A 2-D convolution with stride 1, dilation 1, "same" padding for odd kernels, groups 1.
inline ConvolutionParams convParams(int64_t kernel) {
    const int64_t pad = kernel / 2;
    return ConvolutionParams{{1, 1}, {pad, pad, pad, pad}, {1, 1}, 1, std::nullopt};
}

// A convolution layer with random weights [outChannels, C, k, k] and, if `bias`, a random bias.
inline Layer* addConv(NetworkDefinition& network, const std::string& name, Tensor* data, int64_t outChannels,
                      int64_t kernel, uint32_t seed, bool bias = true, ConvolutionParams params = {}) {
    if (params.strides.empty()) params = convParams(kernel);
    Tensor* weights = addRandomConstant(network, name + ".weight",
                                        {outChannels, data->dims()[1] / params.groups, kernel, kernel}, seed);
    Tensor* b = bias ? addRandomConstant(network, name + ".bias", {outChannels}, seed + 1000) : nullptr;
    return addLayer(network, name, params, {data, weights, b});
}

// x [1, 3, 8, 8] -> conv (4 channels, 3x3) -> relu -> output: one vertical fusion away from one layer.
inline NetworkDefinition smallConvReluNetwork() {
    NetworkDefinition network;
    Tensor* x = network.addInput("x", DataType::Float32, {1, 3, 8, 8}).value();
    Layer* conv = addConv(network, "conv", x, 4, 3, 1);
    Layer* relu = addLayer(network, "relu", ActivationParams{ActivationType::Relu, 0.0f, 0.0f}, {conv->output(0)});
    EXPECT_TRUE(network.markOutput(relu->output(0)).isOk());
    return network;
}

}  // namespace kiln::test

// Engines built for the CUDA backend: a small CNN (convolutions with bias, residual and ReLU, pooling,
// a pointwise chain, a concat, global pooling, a fully connected layer, softmax) built and run on the
// GPU against the reference executor; plan round trips; several contexts at once on several streams;
// CUDA-graph replay against plain runs; the caller's device memory through setTensorAddress; runs on
// callers' streams, ordered without host waits, that the callers destroy before the context; the
// profiler; FP16 builds against FP32; plans refused on another GPU or cuDNN.
//
// Tolerance of FP32 engines: convolutions and the matrix product sum up to 8 * 9 * 8 = 576 products
// of values in [-1, 1] in FP32 in another order than the reference; with a few layers in a row,
// rtol 1e-4 and atol 1e-4 hold with an order of magnitude to spare.
#include <cmath>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "backends/backend.h"
#include "gpu_test_util.h"
#include "kiln/builder.h"
#include "kiln/plan.h"
#include "kiln/reference_executor.h"
#include "kiln/runtime.h"
#include "plan/plan_format.h"
#include "support/test_util.h"

namespace kiln::test {
namespace {

Result<Tensor*> addOne(NetworkDefinition& network, const std::string& name, LayerParams params,
                       const std::vector<Tensor*>& inputs) {
    KILN_ASSIGN_OR_RETURN(Layer * layer, network.addLayer(name, std::move(params), inputs, {name + "_out"}));
    return layer->output(0);
}

Result<Tensor*> addConv(NetworkDefinition& network, const std::string& name, Tensor* x, int64_t channels, int64_t kernel,
                        int64_t stride, uint32_t seed) {
    const int64_t in = x->dims()[1];
    KILN_ASSIGN_OR_RETURN(Tensor * w, network.addConstant(name + "_w", randomTensor({channels, in, kernel, kernel}, seed,
                                                                                    -0.3f, 0.3f)));
    KILN_ASSIGN_OR_RETURN(Tensor * b, network.addConstant(name + "_b", randomTensor({channels}, seed + 1)));
    const int64_t pad = kernel / 2;
    ConvolutionParams params{{stride, stride}, {pad, pad, pad, pad}, {1, 1}, 1, std::nullopt};
    return addOne(network, name, params, {x, w, b});
}

// input [N,3,16,16] → conv3x3(8)+relu → maxpool 2 → conv3x3(8) + residual add + relu → batch-norm-like
// scale/shift + sigmoid multiply (SiLU chain) → concat with a 1x1 conv branch → global average pool →
// flatten → gemm(10) → softmax.
Result<NetworkDefinition> smallCnn(int64_t batch) {
    NetworkDefinition network;
    network.setName("small-cnn");
    const ActivationParams relu{ActivationType::Relu, 0.0f, 0.0f};
    KILN_ASSIGN_OR_RETURN(Tensor * x, network.addInput("input", DataType::Float32, {batch, 3, 16, 16}));
    KILN_ASSIGN_OR_RETURN(Tensor * c1, addConv(network, "conv1", x, 8, 3, 1, 10));
    KILN_ASSIGN_OR_RETURN(Tensor * r1, addOne(network, "relu1", relu, {c1}));
    KILN_ASSIGN_OR_RETURN(Tensor * p1, addOne(network, "pool1", PoolingParams{PoolingType::Max, {2, 2}, {2, 2}, {0, 0, 0, 0},
                                                                               {1, 1}, false, false},
                                              {r1}));
    KILN_ASSIGN_OR_RETURN(Tensor * c2, addConv(network, "conv2", p1, 8, 3, 1, 20));
    KILN_ASSIGN_OR_RETURN(Tensor * add, addOne(network, "add2", ElementwiseParams{ElementwiseOp::Add}, {c2, p1}));
    KILN_ASSIGN_OR_RETURN(Tensor * r2, addOne(network, "relu2", relu, {add}));
    KILN_ASSIGN_OR_RETURN(Tensor * scale, network.addConstant("scale", randomTensor({1, 8, 1, 1}, 30)));
    KILN_ASSIGN_OR_RETURN(Tensor * scaled, addOne(network, "scale2", ElementwiseParams{ElementwiseOp::Mul}, {r2, scale}));
    KILN_ASSIGN_OR_RETURN(Tensor * gate, addOne(network, "gate", ActivationParams{ActivationType::Sigmoid, 0.0f, 0.0f},
                                                {scaled}));
    KILN_ASSIGN_OR_RETURN(Tensor * silu, addOne(network, "silu", ElementwiseParams{ElementwiseOp::Mul}, {scaled, gate}));
    KILN_ASSIGN_OR_RETURN(Tensor * branch, addConv(network, "branch", p1, 8, 1, 1, 40));
    KILN_ASSIGN_OR_RETURN(Tensor * joined, addOne(network, "concat", ConcatParams{1}, {silu, branch}));
    KILN_ASSIGN_OR_RETURN(Tensor * pooled, addOne(network, "gap", PoolingParams{PoolingType::Average, {8, 8}, {1, 1},
                                                                                  {0, 0, 0, 0}, {1, 1}, false, false},
                                                  {joined}));
    KILN_ASSIGN_OR_RETURN(Tensor * flat, addOne(network, "flatten", ReshapeParams{{batch, 16}}, {pooled}));
    KILN_ASSIGN_OR_RETURN(Tensor * fcW, network.addConstant("fc_w", randomTensor({10, 16}, 50)));
    KILN_ASSIGN_OR_RETURN(Tensor * fcB, network.addConstant("fc_b", randomTensor({10}, 51)));
    KILN_ASSIGN_OR_RETURN(Tensor * fc, addOne(network, "fc", GemmParams{false, true, 1.0f, 1.0f, std::nullopt},
                                              {flat, fcW, fcB}));
    KILN_ASSIGN_OR_RETURN(Tensor * probabilities, addOne(network, "softmax", SoftmaxParams{1, false, false}, {fc}));
    KILN_RETURN_IF_ERROR(network.markOutput(probabilities));
    KILN_RETURN_IF_ERROR(network.markOutput(fc));
    return network;
}

BuilderConfig cudaConfig() {
    BuilderConfig config;
    config.backend = "cuda";
    config.timingIterations = 2;
    return config;
}

TensorMap inputsFor(const NetworkDefinition& network, uint32_t seed) {
    TensorMap inputs;
    for (const Tensor* input : network.inputs()) inputs[input->name()] = randomTensor(input->dims(), seed);
    return inputs;
}

void expectOutputsClose(const TensorMap& expected, const TensorMap& actual, float rtol, float atol, const std::string& what) {
    ASSERT_EQ(expected.size(), actual.size()) << what;
    for (const auto& [name, value] : expected) {
        ASSERT_TRUE(actual.count(name)) << what << ": no output " << name;
        expectClose(value, actual.at(name), rtol, atol, what + ", output " + name);
    }
}

double cosineSimilarity(const HostTensor& a, const HostTensor& b) {
    double dot = 0.0, na = 0.0, nb = 0.0;
    for (int64_t i = 0; i < a.elementCount(); ++i) {
        dot += double(a.data<float>()[i]) * b.data<float>()[i];
        na += double(a.data<float>()[i]) * a.data<float>()[i];
        nb += double(b.data<float>()[i]) * b.data<float>()[i];
    }
    return dot / std::sqrt(na * nb);
}

TEST(CudaEngine, SmallCnnMatchesTheReferenceAtBatchOneAndThree) {
    KILN_REQUIRE_GPU();
    for (int64_t batch : {1, 3}) {
        auto network = smallCnn(batch);
        ASSERT_TRUE(network.isOk()) << network.status().message();
        const TensorMap inputs = inputsFor(*network, 7);
        auto expected = ReferenceExecutor(*network).execute(inputs);
        ASSERT_TRUE(expected.isOk()) << expected.status().message();
        auto engine = Builder::build(*network, cudaConfig());
        ASSERT_TRUE(engine.isOk()) << engine.status().message();
        EXPECT_TRUE(engine.value()->usesDeviceMemory());
        for (const LayerRecord& layer : engine.value()->report().layersAfter) {
            EXPECT_TRUE(layer.elided || layer.tactic.rfind("reference:", 0) != 0) << layer.name << " runs " << layer.tactic;
        }
        auto context = engine.value()->createExecutionContext();
        ASSERT_TRUE(context.isOk()) << context.status().message();
        for (int run = 0; run < 3; ++run) {  // the first run plain, then recorded and replayed
            auto outputs = context.value()->execute(inputs);
            ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
            expectOutputsClose(*expected, *outputs, 1e-4f, 1e-4f, "batch " + std::to_string(batch) + " run " +
                                                                      std::to_string(run));
        }
        EXPECT_TRUE(context.value()->lastRunReplayed()) << context.value()->graphFallbackReason();
    }
}

TEST(CudaEngine, PlanRoundTripRunsTheSameKernels) {
    KILN_REQUIRE_GPU();
    auto network = smallCnn(2);
    ASSERT_TRUE(network.isOk());
    auto engine = Builder::build(*network, cudaConfig());
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    auto bytes = serializePlan(*engine.value());
    ASSERT_TRUE(bytes.isOk()) << bytes.status().message();
    auto loaded = deserializePlan(*bytes);
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    EXPECT_EQ(loaded.value()->backend(), "cuda");
    const TensorMap inputs = inputsFor(*network, 8);
    auto first = engine.value()->createExecutionContext().value()->execute(inputs);
    auto second = loaded.value()->createExecutionContext().value()->execute(inputs);
    ASSERT_TRUE(first.isOk() && second.isOk());
    // The same tactics on the same data: bit for bit, unless a chosen cuDNN engine is nondeterministic.
    expectOutputsClose(*first, *second, 1e-6f, 1e-7f, "plan round trip");
    for (size_t i = 0; i < engine.value()->report().layersAfter.size(); ++i) {
        EXPECT_EQ(engine.value()->report().layersAfter[i].tactic, loaded.value()->report().layersAfter[i].tactic);
    }
}

TEST(CudaEngine, PlanFromAnotherGpuOrCudnnIsRefused) {
    KILN_REQUIRE_GPU();
    auto network = smallCnn(1);
    ASSERT_TRUE(network.isOk());
    auto engine = Builder::build(*network, cudaConfig());
    ASSERT_TRUE(engine.isOk());
    PlanStamp stamp = currentPlanStamp("cuda");
    const std::string here = stamp.deviceFingerprint;
    // The fingerprint's fields are separated by " | "; replace the one starting with `field`.
    auto replaced = [&here](const std::string& field, const std::string& value) {
        const size_t at = here.find(field);
        const size_t end = here.find(" | ", at);
        return here.substr(0, at) + value + (end == std::string::npos ? std::string() : here.substr(end));
    };
    for (const auto& [fingerprint, what] : std::vector<std::pair<std::string, std::string>>{
             {replaced("cuDNN ", "cuDNN 8.0.0"), "another cuDNN"}, {replaced("sm_", "sm_10"), "another GPU"}}) {
        PlanStamp other = stamp;
        other.deviceFingerprint = fingerprint;
        auto bytes = serializePlanStamped(*engine.value(), other);
        ASSERT_TRUE(bytes.isOk());
        auto refused = deserializePlan(*bytes);
        ASSERT_FALSE(refused.isOk());
        const std::string message = refused.status().message();
        EXPECT_NE(message.find(what), std::string::npos) << message;
        EXPECT_NE(message.find(fingerprint), std::string::npos) << message;
        EXPECT_NE(message.find(here), std::string::npos) << message;
        EXPECT_NE(message.find("rebuild the plan"), std::string::npos) << message;
    }
}

TEST(CudaEngine, ContextsRunConcurrentlyOnTheirOwnStreams) {
    KILN_REQUIRE_GPU();
    auto network = smallCnn(2);
    ASSERT_TRUE(network.isOk());
    auto engine = Builder::build(*network, cudaConfig());
    ASSERT_TRUE(engine.isOk());
    std::vector<TensorMap> inputs;
    std::vector<TensorMap> expected;
    for (uint32_t i = 0; i < 4; ++i) {
        inputs.push_back(inputsFor(*network, 100 + i));
        expected.push_back(*engine.value()->createExecutionContext().value()->execute(inputs.back()));
    }
    std::vector<std::unique_ptr<ExecutionContext>> contexts;
    for (int i = 0; i < 4; ++i) contexts.push_back(std::move(engine.value()->createExecutionContext()).value());
    std::vector<std::thread> threads;
    std::vector<Status> statuses(4);
    std::vector<TensorMap> results(4);
    for (size_t i = 0; i < 4; ++i) {
        threads.emplace_back([&, i] {
            for (int run = 0; run < 20 && statuses[i].isOk(); ++run) {
                auto outputs = contexts[i]->execute(inputs[i]);
                if (!outputs) statuses[i] = outputs.status();
                else results[i] = std::move(outputs).value();
            }
        });
    }
    for (auto& thread : threads) thread.join();
    for (size_t i = 0; i < 4; ++i) {
        ASSERT_TRUE(statuses[i].isOk()) << statuses[i].message();
        expectOutputsClose(expected[i], results[i], 1e-6f, 1e-7f, "context " + std::to_string(i));
    }
}

TEST(CudaEngine, GraphReplayEqualsPlainRunsAndCallerMemoryWorks) {
    KILN_REQUIRE_GPU();
    auto network = smallCnn(1);
    ASSERT_TRUE(network.isOk());
    auto engine = Builder::build(*network, cudaConfig());
    ASSERT_TRUE(engine.isOk());
    const TensorMap inputs = inputsFor(*network, 9);
    auto plain = engine.value()->createExecutionContext().value();
    plain->setGraphReplay(false);
    auto expected = plain->execute(inputs);
    ASSERT_TRUE(expected.isOk());
    EXPECT_FALSE(plain->lastRunReplayed());

    // The caller's device buffers, filled and read through the backend: enqueueV3 twice (the second
    // run replays the recording) into the caller's output buffer. fc_out has no address of the
    // caller's and stays in the context's memory. The caller's stream is destroyed before the context,
    // which must not touch it afterwards.
    const backends::Backend& gpu = gpuBackend();
    auto context = engine.value()->createExecutionContext().value();
    const HostTensor& x = inputs.at("input");
    auto inputBuffer = gpu.allocate(x.byteSize()).value();
    auto stream = gpu.createStream().value();
    ASSERT_TRUE(gpu.copy(inputBuffer->data(), x.bytes(), x.byteSize(), backends::CopyDirection::HostToDevice, *stream).isOk());
    ASSERT_TRUE(stream->synchronize().isOk());
    const HostTensor& reference = expected->at("softmax_out");
    auto outputBuffer = gpu.allocate(reference.byteSize()).value();
    ASSERT_TRUE(context->setTensorAddress("input", inputBuffer->data()).isOk());
    ASSERT_TRUE(context->setTensorAddress("softmax_out", outputBuffer->data()).isOk());
    EXPECT_FALSE(context->setTensorAddress("nope", inputBuffer->data()).isOk());
    for (int run = 0; run < 2; ++run) {
        ASSERT_TRUE(gpu.fill(outputBuffer->data(), 0, reference.byteSize(), *stream).isOk());
        ASSERT_TRUE(stream->synchronize().isOk());
        ASSERT_TRUE(context->enqueueV3(stream->native()).isOk());
        HostTensor result(DataType::Float32, reference.dims());
        ASSERT_TRUE(gpu.copy(result.bytes(), outputBuffer->data(), result.byteSize(), backends::CopyDirection::DeviceToHost,
                             *stream)
                        .isOk());
        ASSERT_TRUE(stream->synchronize().isOk());
        expectClose(reference, result, 0.0f, 0.0f, "caller memory, run " + std::to_string(run));
    }
    EXPECT_TRUE(context->lastRunReplayed()) << context->graphFallbackReason();
    const HostTensor& logits = expected->at("fc_out");
    HostTensor unbound(DataType::Float32, logits.dims());
    ASSERT_TRUE(gpu.copy(unbound.bytes(), context->tensorAddress("fc_out").value(), unbound.byteSize(),
                         backends::CopyDirection::DeviceToHost, *stream)
                    .isOk());
    ASSERT_TRUE(stream->synchronize().isOk());
    expectClose(logits, unbound, 0.0f, 0.0f, "an output without the caller's address");
    stream.reset();
    auto again = context->execute(inputs);
    ASSERT_TRUE(again.isOk()) << again.status().message();
    expectOutputsClose(*expected, *again, 0.0f, 0.0f, "after the caller's stream is gone");
}

// Runs on two caller streams go through the context's own queue, ordered by events: the input copied
// on one stream without a host wait is read by the run, the output read on the other stream after its
// run is complete, and the second stream's run replays the first run's recording.
TEST(CudaEngine, CallerStreamsAreOrderedWithoutHostWaitsAndShareTheRecording) {
    KILN_REQUIRE_GPU();
    auto network = smallCnn(1);
    ASSERT_TRUE(network.isOk());
    auto engine = Builder::build(*network, cudaConfig());
    ASSERT_TRUE(engine.isOk());
    const TensorMap inputs = inputsFor(*network, 11);
    auto expected = engine.value()->createExecutionContext().value()->execute(inputs);
    ASSERT_TRUE(expected.isOk());
    const backends::Backend& gpu = gpuBackend();
    auto context = engine.value()->createExecutionContext().value();
    const HostTensor& x = inputs.at("input");
    auto inputBuffer = gpu.allocate(x.byteSize()).value();
    std::map<std::string, std::shared_ptr<backends::DeviceBuffer>> outputBuffers;
    ASSERT_TRUE(context->setTensorAddress("input", inputBuffer->data()).isOk());
    for (const auto& [name, value] : *expected) {
        outputBuffers[name] = gpu.allocate(value.byteSize()).value();
        ASSERT_TRUE(context->setTensorAddress(name, outputBuffers[name]->data()).isOk());
    }
    auto first = gpu.createStream().value();
    auto second = gpu.createStream().value();
    ASSERT_TRUE(
        gpu.copy(inputBuffer->data(), x.bytes(), x.byteSize(), backends::CopyDirection::HostToDevice, *first).isOk());
    ASSERT_TRUE(context->enqueueV3(first->native()).isOk());
    EXPECT_FALSE(context->lastRunReplayed());
    ASSERT_TRUE(context->enqueueV3(second->native()).isOk());
    EXPECT_TRUE(context->lastRunReplayed()) << context->graphFallbackReason();
    for (const auto& [name, value] : *expected) {
        HostTensor result(DataType::Float32, value.dims());
        ASSERT_TRUE(gpu.copy(result.bytes(), outputBuffers[name]->data(), result.byteSize(),
                             backends::CopyDirection::DeviceToHost, *second)
                        .isOk());
        ASSERT_TRUE(second->synchronize().isOk());
        expectClose(value, result, 0.0f, 0.0f, "two caller streams, output " + name);
    }
    first.reset();
    second.reset();
    ASSERT_TRUE(context->enqueueV3(nullptr).isOk());
    ASSERT_TRUE(context->synchronize().isOk());
}

class CountingProfiler final : public IProfiler {
public:
    void reportLayerTime(const std::string& name, float milliseconds) override {
        names.push_back(name);
        if (!(milliseconds >= 0.0f)) negative = true;
    }
    std::vector<std::string> names;
    bool negative = false;
};

TEST(CudaEngine, ProfilerHearsOfEveryExecutedLayer) {
    KILN_REQUIRE_GPU();
    auto network = smallCnn(1);
    ASSERT_TRUE(network.isOk());
    auto engine = Builder::build(*network, cudaConfig());
    ASSERT_TRUE(engine.isOk());
    auto context = engine.value()->createExecutionContext().value();
    CountingProfiler profiler;
    context->setProfiler(&profiler);
    ASSERT_TRUE(context->execute(inputsFor(*network, 1)).isOk());
    size_t executed = 0;
    for (const auto& layer : engine.value()->network().layers()) executed += layer->isElided() ? 0 : 1;
    EXPECT_EQ(profiler.names.size(), executed);
    EXPECT_FALSE(profiler.negative);
    EXPECT_FALSE(context->lastRunReplayed());
}

TEST(CudaEngine, Fp16BuildAgreesWithFp32) {
    KILN_REQUIRE_GPU();
    auto network = smallCnn(2);
    ASSERT_TRUE(network.isOk());
    BuilderConfig config = cudaConfig();
    config.fp16 = true;
    auto engine = Builder::build(*network, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    int fp16Layers = 0;
    for (const LayerRecord& layer : engine.value()->report().layersAfter) fp16Layers += layer.precision == "FP16";
    EXPECT_GT(fp16Layers, 0) << "no layer runs in FP16";
    const TensorMap inputs = inputsFor(*network, 3);
    auto expected = ReferenceExecutor(*network).execute(inputs);
    auto actual = engine.value()->createExecutionContext().value()->execute(inputs);
    ASSERT_TRUE(expected.isOk() && actual.isOk()) << actual.status().message();
    for (const auto& [name, value] : *expected) {
        EXPECT_GE(cosineSimilarity(value, actual->at(name)), 0.999) << name;
    }
}

// Per-layer precisions on CUDA: an FP16 layer in an FP32 build runs channels-last in FP16 and agrees
// with the reference; an FP32 layer in an FP16 build keeps its own type; INT8, which the CUDA backend
// has no kernels for, fails an obeying build and falls back in a preferring one.
TEST(CudaEngine, LayerPrecisionsAreObeyedOrFallBack) {
    KILN_REQUIRE_GPU();
    auto network = smallCnn(2);
    ASSERT_TRUE(network.isOk());
    for (const auto& layer : network->layers()) layer->setProvenance({layer->name()});
    const TensorMap inputs = inputsFor(*network, 4);
    auto expected = ReferenceExecutor(*network).execute(inputs);
    ASSERT_TRUE(expected.isOk());
    auto precisionOf = [](const Engine& engine, const std::string& node) {
        for (const auto& layer : engine.network().layers()) {
            if (layer->kind() == LayerKind::Reformat) continue;
            for (const std::string& source : layer->provenance()) {
                if (source == node) return layer->input(0)->format().storage.value_or(layer->input(0)->type());
            }
        }
        return DataType::Bool;  // not found
    };

    BuilderConfig fp16Layer = cudaConfig();
    fp16Layer.layerPrecisions.push_back({"conv2", DataType::Float16});
    auto mixed = Builder::build(*network, fp16Layer);
    ASSERT_TRUE(mixed.isOk()) << mixed.status().message();
    EXPECT_EQ(precisionOf(*mixed.value(), "conv2"), DataType::Float16);
    EXPECT_EQ(precisionOf(*mixed.value(), "conv1"), DataType::Float32);
    auto actual = mixed.value()->createExecutionContext().value()->execute(inputs);
    ASSERT_TRUE(actual.isOk()) << actual.status().message();
    for (const auto& [name, value] : *expected) EXPECT_GE(cosineSimilarity(value, actual->at(name)), 0.999) << name;

    BuilderConfig fp32Layer = cudaConfig();
    fp32Layer.fp16 = true;
    fp32Layer.layerPrecisions.push_back({"conv2", DataType::Float32});
    auto kept = Builder::build(*network, fp32Layer);
    ASSERT_TRUE(kept.isOk()) << kept.status().message();
    EXPECT_EQ(precisionOf(*kept.value(), "conv2"), DataType::Float32);
    EXPECT_EQ(precisionOf(*kept.value(), "conv1"), DataType::Float16);

    BuilderConfig int8Layer = cudaConfig();
    int8Layer.layerPrecisions.push_back({"conv2", DataType::Int8});
    auto refused = Builder::build(*network, int8Layer);
    ASSERT_FALSE(refused.isOk());
    EXPECT_NE(refused.status().message().find("the cuda backend has no INT8 kernels"), std::string::npos)
        << refused.status().message();
    int8Layer.precisionConstraints = PrecisionConstraints::Prefer;
    auto fallback = Builder::build(*network, int8Layer);
    ASSERT_TRUE(fallback.isOk()) << fallback.status().message();
    EXPECT_EQ(precisionOf(*fallback.value(), "conv2"), DataType::Float32);
}

// The small CNN as a network source with a symbolic batch: dynamic shapes need no model file.
class SmallCnnSource final : public NetworkSource {
public:
    std::string kind() const override { return "test-small-cnn"; }
    const std::string& bytes() const override { return m_bytes; }
    const std::vector<SourceInput>& inputs() const override { return m_inputs; }
    Result<NetworkDefinition> instantiate(const std::map<std::string, Dims>& shapes) const override {
        auto it = shapes.find("input");
        if (it == shapes.end() || it->second.size() != 4) return invalidArgument("the small CNN needs an input shape");
        return smallCnn(it->second[0]);
    }

private:
    std::string m_bytes = "small-cnn";
    std::vector<SourceInput> m_inputs{{"input", DataType::Float32, {-1, 3, 16, 16}, {"batch", "", "", ""}}};
};

TEST(CudaEngine, DynamicBatchRunsEveryBatchOfItsProfileAndReplays) {
    KILN_REQUIRE_GPU();
    registerNetworkSourceReader("test-small-cnn", [](const std::string&) {
        return Result<std::shared_ptr<const NetworkSource>>(std::make_shared<SmallCnnSource>());
    });
    BuilderConfig config = cudaConfig();
    OptimizationProfile profile;
    profile.inputs["input"] = {{1, 3, 16, 16}, {4, 3, 16, 16}, {8, 3, 16, 16}};
    config.profiles = {profile};
    auto built = Builder::build(std::make_shared<SmallCnnSource>(), config);
    ASSERT_TRUE(built.isOk()) << built.status().message();
    auto bytes = serializePlan(*built.value());
    ASSERT_TRUE(bytes.isOk()) << bytes.status().message();
    auto loaded = deserializePlan(bytes.value());
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    for (const auto& engine : {built.value(), loaded.value()}) {
        auto context = engine->createExecutionContext();
        ASSERT_TRUE(context.isOk()) << context.status().message();
        for (int64_t batch : {1, 3, 8, 4}) {
            auto network = smallCnn(batch);
            ASSERT_TRUE(network.isOk());
            const TensorMap inputs = inputsFor(*network, uint32_t(batch));
            auto expected = ReferenceExecutor(*network).execute(inputs);
            ASSERT_TRUE(expected.isOk());
            for (int run = 0; run < 3; ++run) {  // a new shape runs plainly first, then replays its recording
                auto outputs = context.value()->execute(inputs);
                ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
                expectOutputsClose(*expected, *outputs, 1e-4f, 1e-4f, "batch " + std::to_string(batch));
            }
            EXPECT_TRUE(context.value()->lastRunReplayed()) << context.value()->graphFallbackReason();
        }
        EXPECT_FALSE(context.value()->setInputShape("input", {9, 3, 16, 16}).isOk());
    }
}

TEST(CudaEngine, WithoutADeviceTheBackendSaysWhy) {
    if (noGpuReason().empty()) GTEST_SKIP() << "a CUDA device is present";
    auto network = smallCnn(1);
    ASSERT_TRUE(network.isOk());
    auto engine = Builder::build(*network, cudaConfig());
    ASSERT_FALSE(engine.isOk());
    EXPECT_NE(engine.status().message().find("cuda backend is unavailable"), std::string::npos) << engine.status().message();
    EXPECT_NE(engine.status().message().find("use the cpu backend"), std::string::npos) << engine.status().message();
}

}  // namespace
}  // namespace kiln::test

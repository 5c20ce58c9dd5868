// Precision comparison: recordings hold every float activation of a run with its model nodes; two FP32
// recordings of one engine agree exactly; an FP16 build's errors are measured per tensor; the
// bisection names exactly the planted precision-hostile layer and its answer, applied as a
// constraint, meets the tolerance.
#include <cmath>
#include <set>

#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "kiln/builder.h"
#include "kiln/precision.h"

namespace kiln::test {
namespace {

// x -> normalize (x * 1e-5) -> conv1 + relu -> conv2 -> output. With inputs up to 2e5 the normalize
// layer reads values FP16 cannot hold (its largest finite value is 65504): in an FP16 build it is
// the one layer that must stay in FP32, after it every tensor is of order 1.
NetworkDefinition hostileNetwork() {
    NetworkDefinition network;
    Tensor* x = network.addInput("x", DataType::Float32, {1, 4, 8, 8}).value();
    Tensor* scale = network.addConstant("scale", HostTensor(DataType::Float32, {})).value();
    const_cast<HostTensor&>(*scale->constantData()).data<float>()[0] = 1e-5f;
    Layer* normalize = addLayer(network, "normalize", ElementwiseParams{ElementwiseOp::Mul}, {x, scale});
    normalize->setProvenance({"normalize"});
    Layer* conv1 = addConv(network, "conv1", normalize->output(0), 8, 3, 1);
    conv1->setProvenance({"conv1"});
    Layer* relu = addLayer(network, "relu1", ActivationParams{ActivationType::Relu, 0.0f, 0.0f}, {conv1->output(0)});
    relu->setProvenance({"relu1"});
    Layer* conv2 = addConv(network, "conv2", relu->output(0), 8, 3, 2);
    conv2->setProvenance({"conv2"});
    EXPECT_TRUE(network.markOutput(conv2->output(0)).isOk());
    return network;
}

TensorMap wideInputs(const NetworkDefinition& network) {
    return {{"x", randomTensor(network.findTensor("x")->dims(), 3, -2e5f, 2e5f)}};
}

BuilderConfig config(bool fp16) {
    BuilderConfig c;
    c.fp16 = fp16;
    c.timingIterations = 1;
    return c;
}

TEST(PrecisionCompare, RecordingsOfOneEngineAgreeExactly) {
    NetworkDefinition network = hostileNetwork();
    auto engine = Builder::build(network, config(false));
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    const TensorMap inputs = wideInputs(network);
    auto first = recordTensors(*engine.value(), inputs);
    auto second = recordTensors(*engine.value(), inputs);
    ASSERT_TRUE(first.isOk() && second.isOk());
    // Every executed layer's output is recorded, with its model nodes.
    ASSERT_TRUE(first->count("conv2.out"));
    EXPECT_TRUE(first->at("conv2.out").isNetworkOutput);
    EXPECT_FALSE(first->at("conv2.out").nodes.empty());
    const std::vector<TensorError> errors = compareRecordings(*first, *second, engine.value()->network());
    ASSERT_GE(errors.size(), 3u);
    for (const TensorError& error : errors) {
        EXPECT_EQ(error.maxAbsoluteError, 0.0) << error.tensor;
        EXPECT_EQ(error.cosineSimilarity, 1.0) << error.tensor;
        EXPECT_TRUE(std::isinf(error.snrDb)) << error.tensor;
    }
    EXPECT_TRUE(outputsMeetTolerance(errors, 1e-9));
}

TEST(PrecisionCompare, Fp16ErrorsAreMeasuredAndTheHostileLayerOverflows) {
    NetworkDefinition network = hostileNetwork();
    const TensorMap inputs = wideInputs(network);
    auto reference = recordTensors(*Builder::build(network, config(false)).value(), inputs);
    auto fp16 = Builder::build(network, config(true));
    ASSERT_TRUE(reference.isOk() && fp16.isOk()) << fp16.status().message();
    auto recording = recordTensors(*fp16.value(), inputs);
    ASSERT_TRUE(recording.isOk()) << recording.status().message();
    const std::vector<TensorError> errors = compareRecordings(*reference, *recording, fp16.value()->network());
    bool overflowed = false;
    for (const TensorError& error : errors) overflowed |= error.nonFinite;
    EXPECT_TRUE(overflowed) << "FP16 storage of inputs up to 2e5 must overflow";
    EXPECT_FALSE(outputsMeetTolerance(errors, 1e-2));

    // With inputs FP16 holds, the same engine stays close: errors of the order of half precision.
    const TensorMap small{{"x", randomTensor({1, 4, 8, 8}, 3, -6e4f, 6e4f)}};
    auto smallReference = recordTensors(*Builder::build(network, config(false)).value(), small);
    auto smallRecording = recordTensors(*fp16.value(), small);
    ASSERT_TRUE(smallReference.isOk() && smallRecording.isOk());
    for (const TensorError& error : compareRecordings(*smallReference, *smallRecording, fp16.value()->network())) {
        EXPECT_FALSE(error.nonFinite) << error.tensor;
        EXPECT_GT(error.cosineSimilarity, 0.999) << error.tensor;
        EXPECT_LT(error.meanRelativeError, 1e-2) << error.tensor;
    }
}

TEST(PrecisionCompare, BisectionNamesExactlyTheHostileLayer) {
    NetworkDefinition network = hostileNetwork();
    const TensorMap inputs = wideInputs(network);
    auto reference = recordTensors(*Builder::build(network, config(false)).value(), inputs);
    ASSERT_TRUE(reference.isOk());
    int steps = 0;
    auto result = bisectPrecision(network, config(true), inputs, *reference, 1e-2,
                                  [&steps](const BisectionStep&) { ++steps; });
    ASSERT_TRUE(result.isOk()) << result.status().message();
    ASSERT_TRUE(result->found);
    EXPECT_EQ(result->keptNodes, std::vector<std::string>{"normalize"});
    EXPECT_EQ(result->layerPrecisionsArgument(), "normalize:fp32");
    EXPECT_EQ(steps, int(result->steps.size()));
    EXPECT_FALSE(result->steps.front().meets);

    // Applied as a constraint, the answer meets the tolerance, and the layer is reported as kept.
    BuilderConfig constrained = config(true);
    constrained.layerPrecisions.push_back({"normal*", DataType::Float32});
    auto engine = Builder::build(network, constrained);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    bool reported = false;
    for (const PassChange& change : engine.value()->report().changes) {
        reported |= change.pass == "precision constraints" && change.description.find("normal*:fp32") != std::string::npos;
    }
    EXPECT_TRUE(reported);
    auto recording = recordTensors(*engine.value(), inputs);
    ASSERT_TRUE(recording.isOk());
    EXPECT_TRUE(outputsMeetTolerance(compareRecordings(*reference, *recording, engine.value()->network()), 1e-2));
}

TEST(PrecisionCompare, BisectionNamesOnlyModelNodesNotTheBuildersReformats) {
    NetworkDefinition network = hostileNetwork();
    // An FP16 build converts its FP32 input with a reformat layer the builder adds; no constraint can name it.
    auto fp16 = Builder::build(network, config(true));
    ASSERT_TRUE(fp16.isOk()) << fp16.status().message();
    bool reformatted = false;
    for (const auto& layer : fp16.value()->network().layers()) reformatted |= layer->kind() == LayerKind::Reformat;
    ASSERT_TRUE(reformatted) << "the test needs an engine with a reformat layer";
    // With inputs FP16 holds and a tolerance no rounding meets, the bisection must go through every candidate.
    const TensorMap inputs{{"x", randomTensor({1, 4, 8, 8}, 3, -1.0f, 1.0f)}};
    auto reference = recordTensors(*Builder::build(network, config(false)).value(), inputs);
    ASSERT_TRUE(reference.isOk());
    auto result = bisectPrecision(network, config(true), inputs, *reference, 1e-12, nullptr);
    ASSERT_TRUE(result.isOk()) << result.status().message();
    ASSERT_TRUE(result->found);
    const std::set<std::string> nodes{"normalize", "conv1", "relu1", "conv2"};
    ASSERT_FALSE(result->keptNodes.empty());
    for (const std::string& kept : result->keptNodes) EXPECT_TRUE(nodes.count(kept)) << kept << " is no model node";
}

TEST(PrecisionCompare, ConstraintThatMatchesNoNodeIsRefused) {
    NetworkDefinition network = hostileNetwork();
    BuilderConfig constrained = config(true);
    constrained.layerPrecisions.push_back({"no_such_node", DataType::Float32});
    auto engine = Builder::build(network, constrained);
    ASSERT_FALSE(engine.isOk());
    EXPECT_NE(engine.status().message().find("'no_such_node' matches no node"), std::string::npos)
        << engine.status().message();
}

}  // namespace
}  // namespace kiln::test

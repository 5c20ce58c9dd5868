// Plan round trips: an engine serialized and loaded again has the same network (tensors, constants,
// aliases, layers and every parameter field, compared here field by field), the same memory plan and
// build report, and computes bit-identical outputs with the reference executor.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <tuple>

#include "engine/plan/plan_test_networks.h"
#include "kiln/builder.h"
#include "kiln/plan.h"
#include "kiln/reference_executor.h"
#include "plan/plan_format.h"
#include "runtime/compiled_kernels.h"

namespace kiln::test {
namespace {

// The fields of each parameter struct as a tuple, so that two structs compare with ==. Written out
// here, apart from the plan code, so that a field the plan forgets shows up as a difference.
auto fields(const ActivationParams& p) {
    return std::make_tuple(p.type, p.alpha, p.beta);
}
auto fields(const std::optional<ActivationParams>& p) {
    return p ? std::optional(fields(*p)) : std::nullopt;
}
auto fields(const ConvolutionParams& p) {
    return std::make_tuple(p.strides, p.pads, p.dilations, p.groups, fields(p.activation), p.outputChannels);
}
auto fields(const DeconvolutionParams& p) {
    return std::make_tuple(p.strides, p.pads, p.dilations, p.outputPadding, p.groups);
}
auto fields(const MatMulParams& p) {
    return std::make_tuple(fields(p.activation));
}
auto fields(const GemmParams& p) {
    return std::make_tuple(p.transA, p.transB, p.alpha, p.beta, fields(p.activation));
}
auto fields(const PoolingParams& p) {
    return std::make_tuple(p.type, p.kernel, p.strides, p.pads, p.dilations, p.ceilMode, p.countIncludePad);
}
auto fields(const LrnParams& p) {
    return std::make_tuple(p.size, p.alpha, p.beta, p.bias);
}
auto fields(const BatchNormParams& p) {
    return std::make_tuple(p.epsilon);
}
auto fields(const InstanceNormParams& p) {
    return std::make_tuple(p.epsilon);
}
auto fields(const LayerNormParams& p) {
    return std::make_tuple(p.axis, p.epsilon);
}
auto fields(const AttentionParams& p) {
    return std::make_tuple(p.scale, p.queryPerm, p.keyPerm, p.valuePerm, p.outputPerm);
}
auto fields(const SoftmaxParams& p) {
    return std::make_tuple(p.axis, p.log, p.flattenFromAxis);
}
auto fields(const UnaryParams& p) {
    return std::make_tuple(p.op);
}
auto fields(const ElementwiseParams& p) {
    return std::make_tuple(p.op);
}
auto fields(const SelectParams&) {
    return std::make_tuple();
}
auto fields(const ReduceParams& p) {
    return std::make_tuple(p.op, p.axes, p.keepDims);
}
auto fields(const ArgMinMaxParams& p) {
    return std::make_tuple(p.max, p.axis, p.keepDims, p.selectLastIndex);
}
auto fields(const ConcatParams& p) {
    return std::make_tuple(p.axis);
}
auto fields(const SplitParams& p) {
    return std::make_tuple(p.axis, p.sizes);
}
auto fields(const SliceParams& p) {
    return std::make_tuple(p.starts, p.ends, p.steps);
}
auto fields(const ReshapeParams& p) {
    return std::make_tuple(p.outputDims);
}
auto fields(const TransposeParams& p) {
    return std::make_tuple(p.perm);
}
auto fields(const GatherParams& p) {
    return std::make_tuple(p.axis);
}
auto fields(const PadParams& p) {
    return std::make_tuple(p.mode, p.pads, p.value);
}
auto fields(const ResizeParams& p) {
    return std::make_tuple(p.mode, p.coordinateMode, p.nearestMode, p.outputDims, p.scales);
}
auto fields(const CastParams& p) {
    return std::make_tuple(p.to);
}
auto fields(const ExpandParams& p) {
    return std::make_tuple(p.outputDims);
}
auto fields(const TileParams& p) {
    return std::make_tuple(p.repeats);
}
auto fields(const DepthToSpaceParams& p) {
    return std::make_tuple(p.blockSize, p.columnRowDepth);
}
auto fields(const SpaceToDepthParams& p) {
    return std::make_tuple(p.blockSize);
}
auto fields(const IdentityParams&) {
    return std::make_tuple();
}
auto fields(const ReformatParams&) {
    return std::make_tuple();
}
auto fields(const QuantizeParams& p) {
    return std::make_tuple(p.axis);
}
auto fields(const DequantizeParams& p) {
    return std::make_tuple(p.axis);
}
// A plugin layer's instance is made again by its creator: the same key, fields and serialized bytes.
auto fields(const PluginParams& p) {
    return std::make_tuple(p.plugin->name(), p.plugin->version(), p.plugin->pluginNamespace(),
                           p.plugin->fields(), p.plugin->serialize());
}
auto fields(const PointwiseChainParams& p) {
    using Activation = decltype(fields(ActivationParams{}));
    using Step = std::tuple<PointwiseStep::Kind, Activation, UnaryOp, ElementwiseOp, int64_t, int64_t, bool>;
    std::vector<Step> steps;
    for (const PointwiseStep& s : p.steps) {
        steps.emplace_back(s.kind, fields(s.activation), s.unary, s.op, s.operand, s.shiftOperand,
                           s.operandFirst);
    }
    return steps;
}

bool sameParams(const LayerParams& a, const LayerParams& b) {
    if (a.index() != b.index()) return false;
    return std::visit(
        [&b](const auto& pa) {
            const auto& pb = std::get<std::decay_t<decltype(pa)>>(b);
            return fields(pa) == fields(pb);
        },
        a);
}

std::vector<std::string> names(const std::vector<Tensor*>& tensors) {
    std::vector<std::string> result;
    for (const Tensor* t : tensors)
        result.push_back(t ? t->name() : std::string("<none>"));
    return result;
}

// `omitted`: constants the plan stores as shapes only (every reader's kernel has a prepared copy).
void expectSameNetwork(const NetworkDefinition& expected, const NetworkDefinition& actual,
                       const std::set<const Tensor*>& omitted = {}) {
    EXPECT_EQ(actual.name(), expected.name());
    EXPECT_EQ(names(actual.inputs()), names(expected.inputs()));
    EXPECT_EQ(names(actual.outputs()), names(expected.outputs()));
    ASSERT_EQ(actual.tensors().size(), expected.tensors().size());
    for (const auto& e : expected.tensors()) {
        SCOPED_TRACE("tensor " + e->name());
        const Tensor* a = actual.findTensor(e->name());
        ASSERT_NE(a, nullptr);
        EXPECT_EQ(a->type(), e->type());
        EXPECT_EQ(a->dims(), e->dims());
        EXPECT_EQ(a->isNetworkInput(), e->isNetworkInput());
        EXPECT_EQ(a->isNetworkOutput(), e->isNetworkOutput());
        EXPECT_EQ(a->isConstant(), e->isConstant());
        EXPECT_EQ(a->producer() ? a->producer()->name() : "", e->producer() ? e->producer()->name() : "");
        EXPECT_EQ(a->dynamicRange(), e->dynamicRange());
        ASSERT_EQ(a->alias().has_value(), e->alias().has_value());
        if (e->alias()) {
            EXPECT_EQ(a->alias()->base->name(), e->alias()->base->name());
            EXPECT_EQ(a->alias()->byteOffset, e->alias()->byteOffset);
        }
        if (e->isConstant() && a->isConstant() && !omitted.count(e.get())) {
            const HostTensor& ed = *e->constantData();
            const HostTensor& ad = *a->constantData();
            ASSERT_EQ(ad.byteSize(), ed.byteSize());
            EXPECT_EQ(std::memcmp(ad.bytes(), ed.bytes(), ed.byteSize()), 0);
        }
    }
    ASSERT_EQ(actual.layers().size(), expected.layers().size());
    for (size_t i = 0; i < expected.layers().size(); ++i) {
        const Layer& e = *expected.layers()[i];
        const Layer& a = *actual.layers()[i];
        SCOPED_TRACE("layer " + e.name());
        EXPECT_EQ(a.name(), e.name());
        EXPECT_EQ(a.kind(), e.kind());
        EXPECT_TRUE(sameParams(a.params(), e.params()))
            << describeParams(a.params()) << " vs " << describeParams(e.params());
        EXPECT_EQ(names(a.inputs()), names(e.inputs()));
        EXPECT_EQ(names(a.outputs()), names(e.outputs()));
        EXPECT_EQ(a.provenance(), e.provenance());
        EXPECT_EQ(a.isElided(), e.isElided());
        EXPECT_EQ(a.precisionConstraint(), e.precisionConstraint());
    }
}

void expectSameRecords(const std::vector<LayerRecord>& actual, const std::vector<LayerRecord>& expected) {
    ASSERT_EQ(actual.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        const LayerRecord& a = actual[i];
        const LayerRecord& e = expected[i];
        EXPECT_EQ(std::tie(a.name, a.kind, a.parameters, a.provenance, a.inputs, a.outputs, a.outputDims,
                           a.precision, a.tactic, a.outputOffsets, a.elided),
                  std::tie(e.name, e.kind, e.parameters, e.provenance, e.inputs, e.outputs, e.outputDims,
                           e.precision, e.tactic, e.outputOffsets, e.elided))
            << "layer record " << i;
    }
}

void expectSameReport(const BuildReport& actual, const BuildReport& expected) {
    expectSameRecords(actual.layersBefore, expected.layersBefore);
    expectSameRecords(actual.layersAfter, expected.layersAfter);
    ASSERT_EQ(actual.changes.size(), expected.changes.size());
    for (size_t i = 0; i < expected.changes.size(); ++i) {
        EXPECT_EQ(actual.changes[i].pass, expected.changes[i].pass);
        EXPECT_EQ(actual.changes[i].description, expected.changes[i].description);
        EXPECT_EQ(actual.changes[i].layers, expected.changes[i].layers);
    }
    EXPECT_EQ(actual.arenaBytes, expected.arenaBytes);
    EXPECT_EQ(actual.activationBytes, expected.activationBytes);
    ASSERT_EQ(actual.phases.size(), expected.phases.size());
    for (size_t i = 0; i < expected.phases.size(); ++i) {
        EXPECT_EQ(actual.phases[i].phase, expected.phases[i].phase);
        EXPECT_EQ(actual.phases[i].milliseconds, expected.phases[i].milliseconds);
    }
}

TensorMap randomInputs(const NetworkDefinition& network) {
    TensorMap inputs;
    uint32_t seed = 100;
    for (const Tensor* input : network.inputs())
        inputs[input->name()] = randomTensor(input->dims(), seed++);
    return inputs;
}

// Outputs of both engines (their chosen kernels) on the same inputs, byte for byte.
void expectSameOutputs(const Engine& expected, const Engine& actual) {
    const TensorMap inputs = randomInputs(expected.network());
    auto wantContext = expected.createExecutionContext();
    auto gotContext = actual.createExecutionContext();
    ASSERT_TRUE(wantContext.isOk()) << wantContext.status().message();
    ASSERT_TRUE(gotContext.isOk()) << gotContext.status().message();
    auto want = (*wantContext)->execute(inputs);
    auto got = (*gotContext)->execute(inputs);
    ASSERT_TRUE(want.isOk()) << want.status().message();
    ASSERT_TRUE(got.isOk()) << got.status().message();
    ASSERT_EQ(got->size(), want->size());
    for (const auto& [name, tensor] : *want) {
        SCOPED_TRACE("output " + name);
        ASSERT_EQ(got->count(name), 1u);
        const HostTensor& other = got->at(name);
        ASSERT_EQ(other.type(), tensor.type());
        ASSERT_EQ(other.dims(), tensor.dims());
        EXPECT_EQ(std::memcmp(other.bytes(), tensor.bytes(), tensor.byteSize()), 0);
    }
}

void expectRoundTrip(const Engine& engine) {
    auto bytes = serializePlan(engine);
    ASSERT_TRUE(bytes.isOk()) << bytes.status().message();
    auto loaded = deserializePlan(*bytes);
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    const Engine& copy = **loaded;
    EXPECT_EQ(copy.backend(), engine.backend());
    std::set<const Tensor*> omitted;
    for (const auto& tensor : engine.network().tensors()) {
        if (!tensor->isConstant() || tensor->isNetworkOutput()) continue;
        bool replaced = true;
        bool read = false;
        for (size_t i = 0; i < engine.network().layers().size(); ++i) {
            const Layer& layer = *engine.network().layers()[i];
            const tactics::Kernel* kernel = engine.kernels().layers[i].kernel.get();
            for (size_t index = 0; index < layer.inputs().size(); ++index) {
                if (layer.input(index) != tensor.get()) continue;
                read = true;
                replaced = replaced && kernel && !kernel->readsInput(index);
            }
        }
        if (read && replaced) omitted.insert(tensor.get());
    }
    expectSameNetwork(engine.network(), copy.network(), omitted);
    EXPECT_EQ(copy.memoryPlan().arenaBytes, engine.memoryPlan().arenaBytes);
    EXPECT_EQ(copy.memoryPlan().offsets, engine.memoryPlan().offsets);
    expectSameReport(copy.report(), engine.report());
    expectSameOutputs(engine, copy);
    // Nothing is lost or reordered on the way: writing the loaded engine gives the same bytes.
    auto again = serializePlan(copy);
    ASSERT_TRUE(again.isOk()) << again.status().message();
    EXPECT_TRUE(*again == *bytes);
}

TEST(PlanRoundTrip, ConvolutionAndRelu) {
    auto network = convReluNetwork();
    ASSERT_TRUE(network.isOk()) << network.status().message();
    auto engine = wrapInEngine(std::move(network).value());
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    expectRoundTrip(**engine);
}

TEST(PlanRoundTrip, ConcatAndSplitWithAliasesAndElidedLayers) {
    auto network = concatSplitNetwork();
    ASSERT_TRUE(network.isOk()) << network.status().message();
    auto engine = wrapInEngine(std::move(network).value());
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    int aliases = 0;
    for (const auto& tensor : (*engine)->network().tensors())
        aliases += tensor->alias().has_value();
    ASSERT_EQ(aliases, 4);
    expectRoundTrip(**engine);
}

TEST(PlanRoundTrip, EveryLayerKindAndDataType) {
    auto network = everyKindNetwork();
    ASSERT_TRUE(network.isOk()) << network.status().message();
    std::set<LayerKind> kinds;
    std::set<DataType> constantTypes;
    for (const auto& layer : network->layers())
        kinds.insert(layer->kind());
    for (const auto& tensor : network->tensors()) {
        if (tensor->isConstant()) constantTypes.insert(tensor->type());
    }
    ASSERT_EQ(kinds.size(), std::variant_size_v<LayerParams>);
    ASSERT_EQ(constantTypes.size(), 6u);
    auto engine = wrapInEngine(std::move(network).value());
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    expectRoundTrip(**engine);
}

TEST(PlanRoundTrip, EngineFromTheBuilder) {
    auto network = everyKindNetwork();
    ASSERT_TRUE(network.isOk()) << network.status().message();
    auto engine = Builder::build(*network, BuilderConfig{});
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    expectRoundTrip(**engine);
}

TEST(PlanRoundTrip, SharedConstantsStayShared) {
    NetworkDefinition network;
    auto x = network.addInput("x", DataType::Float32, {2, 3});
    auto data = std::make_shared<const HostTensor>(randomTensor({2, 3}, 5));
    auto c1 = network.addConstant("c1", data);
    auto c2 = network.addConstant("c2", data);
    ASSERT_TRUE(x.isOk() && c1.isOk() && c2.isOk());
    auto sum = addOne(network, "add", ElementwiseParams{ElementwiseOp::Add}, {*x, *c1});
    ASSERT_TRUE(sum.isOk());
    auto product = addOne(network, "mul", ElementwiseParams{ElementwiseOp::Mul}, {*sum, *c2});
    ASSERT_TRUE(product.isOk());
    ASSERT_TRUE(network.markOutput(*product).isOk());
    auto engine = wrapInEngine(std::move(network));
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    auto bytes = serializePlan(**engine);
    ASSERT_TRUE(bytes.isOk());
    auto loaded = deserializePlan(*bytes);
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    const NetworkDefinition& copy = (*loaded)->network();
    EXPECT_EQ(copy.findTensor("c1")->constantData().get(), copy.findTensor("c2")->constantData().get());
    EXPECT_EQ((*loaded)->weightBytes(), 24);  // the shared 2x3 FP32 constant, counted once
    // Written once: the blob starts at a multiple of 64 and holds 24 bytes (48 if written twice).
    EXPECT_EQ(bytes->size() % 64, 24u);
}

// A loaded plan's constants are views of its one copy of the plan's bytes (nothing copied, 64-byte
// aligned in memory), and a copy of one keeps those bytes alive after the engine is gone (under the
// asan preset a dangling copy fails this test).
TEST(PlanRoundTrip, ConstantsAreReadInPlaceAndOutliveTheEngine) {
    auto network = convReluNetwork();
    ASSERT_TRUE(network.isOk());
    const HostTensor original = *network->findTensor("weights")->constantData();
    auto engine = wrapInEngine(std::move(network).value());
    ASSERT_TRUE(engine.isOk());
    HostTensor copy;
    {
        auto bytes = serializePlan(**engine);
        ASSERT_TRUE(bytes.isOk());
        auto loaded = deserializePlan(*bytes);
        ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
        const std::shared_ptr<const HostTensor> weights = (*loaded)->network().findTensor("weights")->constantData();
        EXPECT_FALSE(weights->ownsMemory());
        EXPECT_EQ((*loaded)->weightBytes(), (4 * 3 * 3 * 3 + 4) * 4);  // weights and bias, read by the reference kernel
        EXPECT_EQ(reinterpret_cast<uintptr_t>(weights->bytes()) % 64, 0u);
        copy = *weights;  // a view too
    }
    ASSERT_EQ(copy.byteSize(), original.byteSize());
    EXPECT_EQ(std::memcmp(copy.bytes(), original.bytes(), original.byteSize()), 0);
}

TEST(PlanRoundTrip, ConstantsLieAt64ByteBoundaries) {
    auto network = everyKindNetwork();
    ASSERT_TRUE(network.isOk());
    auto engine = wrapInEngine(std::move(network).value());
    ASSERT_TRUE(engine.isOk());
    auto bytes = serializePlan(**engine);
    ASSERT_TRUE(bytes.isOk());
    auto text = planBodyAsText(*bytes);
    ASSERT_TRUE(text.isOk()) << text.status().message();
    int constants = 0;
    for (size_t at = text->find("constant {"); at != std::string::npos;
         at = text->find("constant {", at + 1)) {
        ++constants;
        const size_t offset = text->find("offset: ", at);
        const size_t close = text->find('}', at);
        // An offset of 0 is not written in protobuf text format.
        if (offset == std::string::npos || offset > close) continue;
        EXPECT_EQ(std::stoull(text->substr(offset + 8)) % 64, 0u) << text->substr(at, close - at);
    }
    // 19 + the quantize pair's scale and zero point + the layer norm's scale and bias + the MatMul's bias
    EXPECT_EQ(constants, 24);
}

TEST(PlanFile, WriteThenReadGivesTheSameEngine) {
    auto network = concatSplitNetwork();
    ASSERT_TRUE(network.isOk());
    auto engine = wrapInEngine(std::move(network).value());
    ASSERT_TRUE(engine.isOk());
    const auto directory =
        std::filesystem::temp_directory_path() / ("kiln_plan_rw_" + std::to_string(::getpid()));
    std::filesystem::remove_all(directory);
    std::filesystem::create_directories(directory);
    const std::string path = (directory / "model.plan").string();
    {
        std::ofstream old(path);
        old << "an older file";
    }
    ASSERT_TRUE(writePlanFile(path, **engine).isOk());
    auto loaded = readPlanFile(path);
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    expectSameNetwork((*engine)->network(), (*loaded)->network());
    // The older file was replaced and no temporary file stayed behind.
    std::vector<std::string> entries;
    for (const auto& entry : std::filesystem::directory_iterator(directory))
        entries.push_back(entry.path().filename());
    EXPECT_EQ(entries, std::vector<std::string>{"model.plan"});
    std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace kiln::test

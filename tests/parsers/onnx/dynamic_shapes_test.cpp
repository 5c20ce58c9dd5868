// Dynamic shapes end to end on the CPU backend: an ONNX model with a symbolic batch and width, built
// once for optimization profiles from its NetworkSource, run at several shapes against the reference
// executor on the network imported at each shape; bad shapes refused per run; plans round-trip.
#include <filesystem>
#include <fstream>
#include <utility>

#include <gtest/gtest.h>

#include "kiln/builder.h"
#include "kiln/onnx_parser.h"
#include "kiln/plan.h"
#include "kiln/reference_executor.h"
#include "parsers/onnx/onnx_model_builder.h"
#include "plan/plan_format.h"
#include "support/test_util.h"

namespace kiln::test {
namespace {

// x [N, 2, 4, W] -> conv 3x3 (pad 1) + relu -> y [N, 3, 4, W]; z = reshape(y, [N, -1]) with the batch
// taken from Shape(y) at run time, so z is [N, 12 W].
class DynamicModel : public ::testing::Test {
protected:
    void SetUp() override {
        OnnxModelBuilder b(13);
        b.input("x", {std::string("N"), int64_t(2), int64_t(4), std::string("W")});
        std::vector<float> weights(3 * 2 * 3 * 3);
        for (size_t i = 0; i < weights.size(); ++i) weights[i] = float(int(i * 7 % 11) - 5) / 8.0f;
        b.initializer("w", {3, 2, 3, 3}, weights);
        b.initializer("bias", {3}, {0.25f, -0.5f, 0.125f});
        auto& conv = b.node("Conv", {"x", "w", "bias"}, {"c"}, "conv");
        auto* pads = conv.add_attribute();
        pads->set_name("pads");
        pads->set_type(onnx::AttributeProto::INTS);
        for (int i = 0; i < 4; ++i) pads->add_ints(1);
        b.node("Relu", {"c"}, {"y"}, "relu");
        b.initializerInt64("zero", {}, {0});
        b.initializerInt64("axes0", {1}, {0});
        b.initializerInt64("minus_one", {1}, {-1});
        b.node("Shape", {"y"}, {"shape"}, "shape");
        b.node("Gather", {"shape", "zero"}, {"batch"}, "gather");
        b.node("Unsqueeze", {"batch", "axes0"}, {"batch_1d"}, "unsqueeze");
        auto& concat = b.node("Concat", {"batch_1d", "minus_one"}, {"target"}, "concat");
        setAttr(concat, "axis", int64_t(0));
        b.node("Reshape", {"y", "target"}, {"z"}, "reshape");
        b.output("y");
        b.output("z");
        m_model = m_dir.writeFile("dynamic.onnx", b.bytes());
    }

    std::shared_ptr<const NetworkSource> source() {
        auto source = onnxNetworkSource(m_model);
        EXPECT_TRUE(source.isOk()) << source.status().message();
        return source.isOk() ? source.value() : nullptr;
    }

    static OptimizationProfile profile(int64_t minN, int64_t optN, int64_t maxN, int64_t minW, int64_t optW,
                                       int64_t maxW) {
        OptimizationProfile profile;
        profile.inputs["x"] = {{minN, 2, 4, minW}, {optN, 2, 4, optW}, {maxN, 2, 4, maxW}};
        return profile;
    }

    std::shared_ptr<Engine> build(std::vector<OptimizationProfile> profiles) {
        BuilderConfig config;
        config.profiles = std::move(profiles);
        config.timingIterations = 1;
        auto engine = Builder::build(source(), config);
        EXPECT_TRUE(engine.isOk()) << engine.status().message();
        return engine.isOk() ? engine.value() : nullptr;
    }

    // The network imported at `dims` and run by the reference executor: an independent path (no
    // passes, no tactics, no derived engine).
    TensorMap reference(const HostTensor& x) {
        OnnxParseOptions options;
        options.inputShapes["x"] = x.dims();
        auto network = parseOnnxFile(m_model, options);
        EXPECT_TRUE(network.isOk()) << network.status().message();
        auto outputs = ReferenceExecutor(network.value()).execute({{"x", x}});
        EXPECT_TRUE(outputs.isOk()) << outputs.status().message();
        return outputs.isOk() ? outputs.value() : TensorMap{};
    }

    // Each output element sums 18 products of values near 1 in FP32: a few ulps of the largest.
    static void expectNear(const TensorMap& outputs, const TensorMap& expected) {
        for (const char* name : {"y", "z"}) {
            ASSERT_TRUE(outputs.count(name) && expected.count(name)) << name;
            EXPECT_EQ(outputs.at(name).dims(), expected.at(name).dims()) << name;
            EXPECT_EQ(compareTensors(outputs.at(name), expected.at(name), 1e-5, 1e-5), "") << name;
        }
    }

    TempDir m_dir{"dynamic"};
    std::string m_model;
};

TEST_F(DynamicModel, RunsEveryShapeOfTheProfileAgainstTheReference) {
    auto engine = build({profile(1, 2, 4, 3, 8, 16)});
    ASSERT_TRUE(engine);
    ASSERT_TRUE(engine->hasDynamicShapes());
    auto context = engine->createExecutionContext();
    ASSERT_TRUE(context.isOk()) << context.status().message();
    for (const Dims& dims : {Dims{1, 2, 4, 3}, Dims{3, 2, 4, 8}, Dims{2, 2, 4, 16}, Dims{4, 2, 4, 5}, Dims{2, 2, 4, 8}}) {
        SCOPED_TRACE(toString(dims));
        const HostTensor x = randomTensor(dims, 17, -1.0f, 1.0f);
        ASSERT_TRUE((*context)->setInputShape("x", dims).isOk());
        auto zShape = (*context)->tensorShape("z");
        ASSERT_TRUE(zShape.isOk()) << zShape.status().message();
        EXPECT_EQ(zShape.value(), (Dims{dims[0], 12 * dims[3]}));
        auto outputs = (*context)->execute({{"x", x}});
        ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
        expectNear(outputs.value(), reference(x));
    }
}

TEST_F(DynamicModel, BindingsSayMinusOneWhereAProfileLetsADimensionVary) {
    auto engine = build({profile(1, 2, 4, 8, 8, 8)});
    ASSERT_TRUE(engine);
    for (const Binding& binding : engine->bindings()) {
        if (binding.name == "x") {
            EXPECT_EQ(binding.dims, (Dims{-1, 2, 4, 8}));
        } else if (binding.name == "z") {
            EXPECT_EQ(binding.dims, (Dims{-1, 96}));  // 12 W, W fixed at 8
        }
    }
    ASSERT_EQ(engine->profiles().size(), 1u);
    EXPECT_EQ(engine->profiles()[0].inputs.at("x").max, (Dims{4, 2, 4, 8}));
}

TEST_F(DynamicModel, BadShapesAreRefusedPerRunWithoutDisturbingOtherContexts) {
    auto engine = build({profile(1, 2, 4, 3, 8, 16)});
    ASSERT_TRUE(engine);
    auto a = engine->createExecutionContext();
    auto b = engine->createExecutionContext();
    ASSERT_TRUE(a.isOk() && b.isOk());
    Status outside = (*a)->setInputShape("x", {5, 2, 4, 8});
    EXPECT_EQ(outside.code(), StatusCode::InvalidArgument);
    EXPECT_NE(outside.message().find("'x'"), std::string::npos) << outside.message();
    EXPECT_NE(outside.message().find("outside 1...4"), std::string::npos) << outside.message();
    Status rank = (*a)->setInputShape("x", {2, 2, 4});
    EXPECT_NE(rank.message().find("rank 3"), std::string::npos) << rank.message();
    Status negative = (*a)->setInputShape("x", {2, 2, 4, -1});
    EXPECT_NE(negative.message().find("negative"), std::string::npos) << negative.message();
    Status fixedDimension = (*a)->setInputShape("x", {2, 3, 4, 8});
    EXPECT_NE(fixedDimension.message().find("outside 2...2"), std::string::npos) << fixedDimension.message();
    auto wrongRun = (*a)->execute({{"x", randomTensor({2, 2, 4, 17}, 3, -1.0f, 1.0f)}});
    EXPECT_FALSE(wrongRun.isOk());

    const HostTensor x = randomTensor({3, 2, 4, 5}, 5, -1.0f, 1.0f);
    auto fromB = (*b)->execute({{"x", x}});
    ASSERT_TRUE(fromB.isOk()) << fromB.status().message();
    expectNear(fromB.value(), reference(x));
    auto fromA = (*a)->execute({{"x", x}});  // the refused shapes left `a` usable
    ASSERT_TRUE(fromA.isOk()) << fromA.status().message();
    EXPECT_EQ(compareTensors(fromA.value().at("z"), fromB.value().at("z"), 0.0, 0.0), "");
}

TEST_F(DynamicModel, SeveralProfilesAreChosenPerContext) {
    auto engine = build({profile(1, 1, 2, 4, 4, 8), profile(4, 6, 8, 16, 24, 32)});
    ASSERT_TRUE(engine);
    auto context = engine->createExecutionContext();
    ASSERT_TRUE(context.isOk());
    EXPECT_FALSE((*context)->setInputShape("x", {6, 2, 4, 20}).isOk());  // profile 0 stops at 2x...x8
    ASSERT_TRUE((*context)->setOptimizationProfile(1).isOk());
    EXPECT_EQ((*context)->tensorShape("x").value(), (Dims{6, 2, 4, 24}));  // the profile's opt shape
    const HostTensor x = randomTensor({5, 2, 4, 20}, 9, -1.0f, 1.0f);
    auto outputs = (*context)->execute({{"x", x}});
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    expectNear(outputs.value(), reference(x));
    EXPECT_FALSE((*context)->setInputShape("x", {1, 2, 4, 4}).isOk());
    EXPECT_FALSE((*context)->setOptimizationProfile(2).isOk());
}

TEST_F(DynamicModel, PlanKeepsProfilesAndModelAndRunsOtherShapesAfterLoading) {
    auto engine = build({profile(1, 2, 4, 3, 8, 16)});
    ASSERT_TRUE(engine);
    auto bytes = serializePlan(*engine);
    ASSERT_TRUE(bytes.isOk()) << bytes.status().message();
    auto loaded = deserializePlan(bytes.value());
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    ASSERT_TRUE(loaded.value()->hasDynamicShapes());
    ASSERT_EQ(loaded.value()->profiles().size(), 1u);
    EXPECT_EQ(loaded.value()->profiles()[0].inputs.at("x").min, (Dims{1, 2, 4, 3}));
    EXPECT_EQ(loaded.value()->profiles()[0].inputs.at("x").opt, (Dims{2, 2, 4, 8}));

    const HostTensor x = randomTensor({3, 2, 4, 11}, 21, -1.0f, 1.0f);
    auto before = engine->createExecutionContext().value()->execute({{"x", x}});
    auto after = loaded.value()->createExecutionContext().value()->execute({{"x", x}});
    ASSERT_TRUE(before.isOk() && after.isOk());
    for (const char* name : {"y", "z"}) {  // the same tactics on the same shape: the same bits
        EXPECT_EQ(compareTensors(after.value().at(name), before.value().at(name), 0.0, 0.0), "") << name;
    }
}

// The same model with its convolution weights and bias in an external data file: the source reads them
// in, so the plan holds the whole model and runs other shapes after the file is gone. A model's copy in a
// plan that refers to external files is refused: a plan never writes one.
TEST_F(DynamicModel, ExternalDataIsKeptInsideThePlan) {
    onnx::ModelProto model;
    {
        std::ifstream file(m_model, std::ios::binary);
        ASSERT_TRUE(model.ParseFromIstream(&file));
    }
    std::string data;
    for (onnx::TensorProto& tensor : *model.mutable_graph()->mutable_initializer()) {
        if (tensor.name() != "w" && tensor.name() != "bias") continue;
        std::string raw;
        for (float value : tensor.float_data()) raw.append(reinterpret_cast<const char*>(&value), sizeof value);
        tensor.clear_float_data();
        tensor.set_data_location(onnx::TensorProto::EXTERNAL);
        for (const auto& [key, value] : {std::pair<std::string, std::string>{"location", "weights.bin"},
                                         {"offset", std::to_string(data.size())},
                                         {"length", std::to_string(raw.size())}}) {
            auto* entry = tensor.add_external_data();
            entry->set_key(key);
            entry->set_value(value);
        }
        data += raw;
    }
    ASSERT_EQ(data.size(), (3 * 2 * 3 * 3 + 3) * sizeof(float));
    TempDir dir("external");
    const std::string weights = dir.writeFile("weights.bin", data);
    const std::string path = dir.writeFile("external.onnx", model.SerializeAsString());
    const std::vector<HostTensor> inputs{randomTensor({1, 2, 4, 5}, 31, -1.0f, 1.0f), randomTensor({3, 2, 4, 13}, 32, -1.0f, 1.0f)};
    std::vector<TensorMap> expected;
    for (const HostTensor& x : inputs) expected.push_back(reference(x));  // the model with its weights inline

    auto source = onnxNetworkSource(path);
    ASSERT_TRUE(source.isOk()) << source.status().message();
    BuilderConfig config;
    config.profiles = {profile(1, 2, 4, 3, 8, 16)};
    config.timingIterations = 1;
    auto engine = Builder::build(source.value(), config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    auto bytes = serializePlan(*engine.value());
    ASSERT_TRUE(bytes.isOk()) << bytes.status().message();
    std::filesystem::remove(weights);
    auto loaded = deserializePlan(bytes.value());
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    auto context = loaded.value()->createExecutionContext();
    ASSERT_TRUE(context.isOk()) << context.status().message();
    for (size_t i = 0; i < inputs.size(); ++i) {
        auto outputs = context.value()->execute({{"x", inputs[i]}});
        ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
        expectNear(outputs.value(), expected[i]);
    }

    // The external model's own bytes as a plan's copy: refused, naming the cause.
    auto refused = readNetworkSource("onnx", model.SerializeAsString());
    ASSERT_FALSE(refused.isOk());
    EXPECT_EQ(refused.status().code(), StatusCode::InvalidModel);
    EXPECT_NE(refused.status().message().find("external data files"), std::string::npos) << refused.status().message();
    EXPECT_NE(refused.status().message().find("damaged"), std::string::npos) << refused.status().message();
}

// The dynamic-shape section of a plan is input like any other: edited bodies are refused with a reason.
TEST_F(DynamicModel, HostileDynamicSectionsAreRefused) {
    auto engine = build({profile(1, 2, 4, 3, 8, 16)});
    ASSERT_TRUE(engine);
    auto plan = serializePlan(*engine);
    ASSERT_TRUE(plan.isOk());
    auto text = planBodyAsText(plan.value());
    ASSERT_TRUE(text.isOk());
    struct Edit {
        std::string from, to, refusal;
    };
    const size_t dynamicAt = text->find("dynamic {");
    ASSERT_NE(dynamicAt, std::string::npos);
    const std::vector<Edit> edits{
        {"source_kind: \"onnx\"", "source_kind: \"caffe\"", "no reader for 'caffe' models"},
        {"min: 1\n", "min: 5\n", "has the range 5x2x4x3"},
        {"max: 4\n", "max: -4\n", "has the range"},
        {"input: \"x\"", "input: \"y\"", "'y', which is not an input"},
        {"arena_bytes: ", "arena_bytes: -", "outside 0..2^40"},
        {"length: ", "length: 9", "does not lie inside"},
        {"timing_iterations: 1\n", "timing_iterations: 0\n", "out of range"},
    };
    for (const Edit& edit : edits) {
        SCOPED_TRACE(edit.from + " -> " + edit.to);
        const size_t at = text->find(edit.from, dynamicAt);
        ASSERT_NE(at, std::string::npos) << *text;
        auto edited = replacePlanBody(plan.value(), text->substr(0, at) + edit.to + text->substr(at + edit.from.size()));
        ASSERT_TRUE(edited.isOk()) << edited.status().message();
        auto loaded = deserializePlan(edited.value());
        ASSERT_FALSE(loaded.isOk());
        EXPECT_NE(loaded.status().message().find(edit.refusal), std::string::npos) << loaded.status().message();
    }
    // Bytes that are not an ONNX model where the model should be: the start of the weight blob.
    std::string body = *text;
    const size_t source = body.find("source {", dynamicAt);
    ASSERT_NE(source, std::string::npos);
    for (const auto& [field, value] : {std::pair{"offset: ", "0"}, std::pair{"length: ", "8"}}) {
        const size_t at = body.find(field, source) + std::string(field).size();
        body.replace(at, body.find('\n', at) - at, value);
    }
    auto moved = replacePlanBody(plan.value(), body);
    ASSERT_TRUE(moved.isOk()) << moved.status().message();
    auto loaded = deserializePlan(moved.value());
    ASSERT_FALSE(loaded.isOk());
    EXPECT_NE(loaded.status().message().find("ONNX model"), std::string::npos) << loaded.status().message();
}

TEST_F(DynamicModel, BuildRefusesProfilesThatDoNotFitTheModel) {
    BuilderConfig config;
    config.timingIterations = 1;
    auto refused = [&](OptimizationProfile profile, const std::string& expected) {
        config.profiles = {std::move(profile)};
        auto engine = Builder::build(source(), config);
        ASSERT_FALSE(engine.isOk());
        EXPECT_NE(engine.status().message().find(expected), std::string::npos) << engine.status().message();
    };
    refused(profile(4, 2, 8, 3, 8, 16), "give 0 <= min <= opt <= max");
    OptimizationProfile fixed = profile(1, 2, 4, 8, 8, 8);
    fixed.inputs["x"].max[1] = 3;
    refused(fixed, "fixed at 2 by the model");
    OptimizationProfile stranger = profile(1, 2, 4, 8, 8, 8);
    stranger.inputs["images"] = stranger.inputs["x"];
    refused(stranger, "'images', which is not an input of the model");
    refused(OptimizationProfile{}, "has no shapes for input 'x'");
    config.profiles.clear();
    auto withoutProfile = Builder::build(source(), config);
    ASSERT_FALSE(withoutProfile.isOk());
    EXPECT_NE(withoutProfile.status().message().find("--minShapes"), std::string::npos);
}

TEST_F(DynamicModel, StaticEngineRefusesAnotherShapeAndSaysHowToGetRanges) {
    OnnxParseOptions options;
    options.inputShapes["x"] = {2, 2, 4, 8};
    auto network = parseOnnxFile(m_model, options);
    ASSERT_TRUE(network.isOk());
    BuilderConfig config;
    config.timingIterations = 1;
    auto engine = Builder::build(network.value(), config);
    ASSERT_TRUE(engine.isOk());
    auto context = engine.value()->createExecutionContext();
    ASSERT_TRUE(context.isOk());
    EXPECT_TRUE((*context)->setInputShape("x", {2, 2, 4, 8}).isOk());
    Status other = (*context)->setInputShape("x", {3, 2, 4, 8});
    EXPECT_NE(other.message().find("--minShapes"), std::string::npos) << other.message();
    EXPECT_FALSE((*context)->setInputShape("z", {2, 96}).isOk());  // an output has no shape to set
}

}  // namespace
}  // namespace kiln::test

namespace kiln::test {
namespace {

// Shape tensors: x [N, 12] -> relu -> reshape to the values of `shape` (INT64 [2]), computed through a
// Mul with a constant (a shape tensor reaches its Reshape through other nodes too); a Slice whose ends
// come straight from `count` (INT64 [1]) keeps the first `count` rows of the result.
class ShapeTensorModel : public ::testing::Test {
protected:
    void SetUp() override {
        OnnxModelBuilder b(13);
        b.input("x", {std::string("N"), int64_t(12)});
        b.input("shape", {int64_t(2)}, onnx::TensorProto::INT64);
        b.input("count", {int64_t(1)}, onnx::TensorProto::INT64);
        b.initializerInt64("ones", {2}, {1, 1});
        b.initializerInt64("zero", {1}, {0});
        b.initializerInt64("axis0", {1}, {0});
        b.node("Relu", {"x"}, {"r"}, "relu");
        b.node("Mul", {"shape", "ones"}, {"target"}, "mul");
        b.node("Reshape", {"r", "target"}, {"z"}, "reshape");
        b.node("Slice", {"z", "zero", "count", "axis0"}, {"head"}, "slice");
        b.output("z");
        b.output("head");
        m_model = m_dir.writeFile("shape_tensors.onnx", b.bytes());
    }

    static OptimizationProfile profile() {
        OptimizationProfile profile;
        profile.inputs["x"] = {{1, 12}, {2, 12}, {4, 12}};
        profile.inputs["shape"] = {{1, 2}, {4, 6}, {16, 48}};  // values, not dimensions
        profile.inputs["count"] = {{0}, {2}, {16}};
        return profile;
    }

    Result<std::shared_ptr<Engine>> build(std::vector<OptimizationProfile> profiles) {
        auto source = onnxNetworkSource(m_model);
        if (!source) return source.status();
        BuilderConfig config;
        config.profiles = std::move(profiles);
        config.timingIterations = 1;
        return Builder::build(source.value(), config);
    }

    static HostTensor int64s(const std::vector<int64_t>& values) {
        HostTensor tensor(DataType::Int64, {int64_t(values.size())});
        std::copy(values.begin(), values.end(), tensor.data<int64_t>());
        return tensor;
    }

    // The model imported with the shape tensors' values as constants, on the reference kernels.
    TensorMap reference(const HostTensor& x, const std::vector<int64_t>& shape, int64_t count) {
        OnnxParseOptions options;
        options.inputShapes["x"] = x.dims();
        options.inputValues["shape"] = int64s(shape);
        options.inputValues["count"] = int64s({count});
        auto network = parseOnnxFile(m_model, options);
        EXPECT_TRUE(network.isOk()) << network.status().message();
        if (!network) return {};
        auto outputs = ReferenceExecutor(network.value()).execute({{"x", x}});
        EXPECT_TRUE(outputs.isOk()) << outputs.status().message();
        return outputs.isOk() ? outputs.value() : TensorMap{};
    }

    TempDir m_dir{"shape_tensors"};
    std::string m_model;
};

TEST_F(ShapeTensorModel, TheSourceNamesItsShapeTensors) {
    auto inputs = readOnnxInputs(m_model);
    ASSERT_TRUE(inputs.isOk()) << inputs.status().message();
    std::map<std::string, bool> shapeTensor;
    for (const OnnxInputInfo& input : inputs.value()) shapeTensor[input.name] = input.isShapeTensor;
    EXPECT_EQ(shapeTensor, (std::map<std::string, bool>{{"x", false}, {"shape", true}, {"count", true}}));
    auto source = onnxNetworkSource(m_model);
    ASSERT_TRUE(source.isOk()) << source.status().message();
    for (const SourceInput& input : source.value()->inputs()) EXPECT_EQ(input.isShapeTensor, shapeTensor[input.name]) << input.name;
}

TEST_F(ShapeTensorModel, RunsTheValuesGivenPerRunAgainstTheReference) {
    auto engine = build({profile()});
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    std::map<std::string, Binding> bindings;
    for (const Binding& binding : engine.value()->bindings()) bindings[binding.name] = binding;
    ASSERT_TRUE(bindings.count("shape") && bindings.count("count"));
    EXPECT_TRUE(bindings["shape"].isInput && bindings["shape"].isShapeTensor);
    EXPECT_EQ(bindings["shape"].dims, (Dims{2}));
    EXPECT_EQ(bindings["shape"].type, DataType::Int64);
    EXPECT_FALSE(bindings["x"].isShapeTensor);

    auto context = engine.value()->createExecutionContext();
    ASSERT_TRUE(context.isOk()) << context.status().message();
    struct Run {
        Dims x;
        std::vector<int64_t> shape;
        int64_t count;
    };
    for (const Run& run : {Run{{2, 12}, {4, 6}, 2}, Run{{4, 12}, {16, 3}, 9}, Run{{3, 12}, {6, 6}, 0}, Run{{2, 12}, {4, 6}, 4}}) {
        SCOPED_TRACE(toString(run.x) + " " + toString(run.shape) + " " + std::to_string(run.count));
        const HostTensor x = randomTensor(run.x, 5, -1.0f, 1.0f);
        auto outputs = (*context)->execute({{"x", x}, {"shape", int64s(run.shape)}, {"count", int64s({run.count})}});
        ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
        const TensorMap expected = reference(x, run.shape, run.count);
        EXPECT_EQ(outputs.value().at("z").dims(), (Dims{run.shape[0], run.shape[1]}));
        EXPECT_EQ(outputs.value().at("head").dims(), (Dims{run.count, run.shape[1]}));
        for (const char* name : {"z", "head"}) {  // relu and copies: exact
            EXPECT_EQ(compareTensors(outputs.value().at(name), expected.at(name), 0.0, 0.0), "") << name;
        }
    }
    auto values = (*context)->shapeTensorValues("shape");
    ASSERT_TRUE(values.isOk());
    EXPECT_EQ(values.value(), (std::vector<int64_t>{4, 6}));
}

TEST_F(ShapeTensorModel, ValuesOutsideTheProfileAreRefusedNamingTheShapeTensor) {
    auto engine = build({profile()});
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    auto context = engine.value()->createExecutionContext();
    ASSERT_TRUE(context.isOk());
    Status outside = (*context)->setShapeTensorValues("shape", {17, 2});
    EXPECT_EQ(outside.code(), StatusCode::InvalidArgument);
    EXPECT_NE(outside.message().find("'shape'"), std::string::npos) << outside.message();
    EXPECT_NE(outside.message().find("value 0 is 17, outside 1...16"), std::string::npos) << outside.message();
    Status count = (*context)->setShapeTensorValues("shape", {4, 6, 1});
    EXPECT_EQ(count.code(), StatusCode::InvalidArgument);
    EXPECT_NE(count.message().find("3 values"), std::string::npos) << count.message();
    Status notShape = (*context)->setShapeTensorValues("x", {1, 12});
    EXPECT_EQ(notShape.code(), StatusCode::InvalidArgument);
    Status address = (*context)->tensorAddress("shape").status();
    EXPECT_NE(address.message().find("shape tensor"), std::string::npos) << address.message();
    // Values that fit the profile but not the data (4 x 6 elements from 3 x 12) fail that run only.
    auto wrong = (*context)->execute({{"x", randomTensor({3, 12}, 5, -1.0f, 1.0f)}, {"shape", int64s({4, 6})}});
    EXPECT_FALSE(wrong.isOk());
    auto right = (*context)->execute({{"x", randomTensor({2, 12}, 5, -1.0f, 1.0f)}, {"shape", int64s({4, 6})}});
    EXPECT_TRUE(right.isOk()) << right.status().message();
}

TEST_F(ShapeTensorModel, ProfilesMustGiveEveryShapeTensorsValues) {
    OptimizationProfile missing = profile();
    missing.inputs.erase("count");
    auto engine = build({missing});
    ASSERT_FALSE(engine.isOk());
    EXPECT_NE(engine.status().message().find("shape tensor 'count'"), std::string::npos) << engine.status().message();
    OptimizationProfile wrongCount = profile();
    wrongCount.inputs["shape"] = {{1}, {2}, {3}};
    engine = build({wrongCount});
    ASSERT_FALSE(engine.isOk());
    EXPECT_NE(engine.status().message().find("holds 2 values"), std::string::npos) << engine.status().message();
    engine = build({});
    ASSERT_FALSE(engine.isOk());
    EXPECT_NE(engine.status().message().find("is a shape tensor"), std::string::npos) << engine.status().message();
}

TEST_F(ShapeTensorModel, PlanKeepsTheValueRangesAndRunsOtherValuesAfterLoading) {
    auto engine = build({profile()});
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    auto bytes = serializePlan(*engine.value());
    ASSERT_TRUE(bytes.isOk()) << bytes.status().message();
    auto loaded = deserializePlan(bytes.value());
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    const ShapeRange range = loaded.value()->profiles()[0].inputs.at("shape");
    EXPECT_TRUE(range.values);
    EXPECT_EQ(range.max, (Dims{16, 48}));
    auto context = loaded.value()->createExecutionContext();
    ASSERT_TRUE(context.isOk());
    const HostTensor x = randomTensor({4, 12}, 9, -1.0f, 1.0f);
    auto outputs = (*context)->execute({{"x", x}, {"shape", int64s({8, 6})}, {"count", int64s({3})}});
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    const TensorMap expected = reference(x, {8, 6}, 3);
    EXPECT_EQ(compareTensors(outputs.value().at("head"), expected.at("head"), 0.0, 0.0), "");
    EXPECT_FALSE((*context)->setShapeTensorValues("count", {17}).isOk());
}

}  // namespace
}  // namespace kiln::test

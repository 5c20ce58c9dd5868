// Import of small hand-built models: the layers and resolved parameters the parser produces, folding of
// shape sub-graphs, and outputs of the imported network on the reference executor against values
// worked out by hand.
#include <gtest/gtest.h>

#include <limits>
#include <numeric>
#include <set>

#include "kiln/device.h"
#include "kiln/onnx_parser.h"
#include "kiln/reference_executor.h"
#include "parsers/onnx/onnx_model_builder.h"
#include "parsers/onnx/onnx_test_helpers.h"
#include "support/test_util.h"

namespace kiln::test {
namespace {

HostTensor iotaTensor(const Dims& dims) {
    HostTensor tensor(DataType::Float32, dims);
    std::iota(tensor.data<float>(), tensor.data<float>() + tensor.elementCount(), 0.0f);
    return tensor;
}

TensorMap runOrFail(const NetworkDefinition& network, const TensorMap& inputs) {
    auto outputs = ReferenceExecutor(network).execute(inputs);
    EXPECT_TRUE(outputs.isOk()) << outputs.status().message();
    return outputs.isOk() ? std::move(outputs).value() : TensorMap{};
}

// Exact comparisons below: every expected value is a small integer or an exactly representable float
// sum, so float32 arithmetic reproduces it without rounding.
void expectValues(const TensorMap& outputs, const std::string& name, const Dims& dims,
                  const std::vector<float>& values) {
    auto it = outputs.find(name);
    ASSERT_NE(it, outputs.end()) << "no output '" << name << "'";
    EXPECT_EQ(compareTensors(it->second, floatTensor(dims, values), 0.0, 0.0), "");
}

TEST(OnnxImport, ShapeChainFoldsToConstantsLeavingOnlyTheReshape) {
    OnnxModelBuilder b(13);
    b.input("x", {int64_t(2), int64_t(3), int64_t(4)});
    b.initializerInt64("zero", {}, {0});
    b.initializerInt64("axes0", {1}, {0});
    b.initializerInt64("minus_one", {1}, {-1});
    b.node("Shape", {"x"}, {"shape"}, "shape");
    b.node("Gather", {"shape", "zero"}, {"batch"}, "gather");
    b.node("Unsqueeze", {"batch", "axes0"}, {"batch_1d"}, "unsqueeze");
    b.node("Concat", {"batch_1d", "minus_one"}, {"new_shape"}, "concat");
    setAttr(*b.graph().mutable_node(3), "axis", int64_t(0));
    b.node("Reshape", {"x", "new_shape"}, {"y"}, "reshape");
    b.output("y");

    NetworkDefinition network = parseOrFail(b);
    ASSERT_EQ(network.layers().size(), 1u);
    EXPECT_EQ(network.layers()[0]->kind(), LayerKind::Reshape);
    EXPECT_EQ(network.layers()[0]->name(), "reshape");
    EXPECT_EQ(network.layers()[0]->provenance(), std::vector<std::string>{"reshape"});
    EXPECT_EQ(network.findTensor("y")->dims(), (Dims{2, 12}));
    const Tensor* newShape = network.findTensor("new_shape");
    ASSERT_NE(newShape, nullptr);
    EXPECT_TRUE(newShape->isConstant());

    std::vector<float> values(24);
    std::iota(values.begin(), values.end(), 0.0f);
    TensorMap outputs = runOrFail(network, {{"x", iotaTensor({2, 3, 4})}});
    expectValues(outputs, "y", {2, 12}, values);
}

TEST(OnnxImport, SymbolicDimensionTakesTheGivenShape) {
    OnnxModelBuilder b;
    b.input("x", {std::string("batch"), int64_t(3)});
    b.node("Relu", {"x"}, {"y"});
    b.output("y");
    OnnxParseOptions options;
    options.inputShapes["x"] = {2, 3};
    NetworkDefinition network = parseOrFail(b, options);
    ASSERT_EQ(network.inputs().size(), 1u);
    EXPECT_EQ(network.inputs()[0]->dims(), (Dims{2, 3}));
    EXPECT_EQ(network.findTensor("y")->dims(), (Dims{2, 3}));
    // An unnamed node gets a generated name and is its own provenance.
    ASSERT_EQ(network.layers().size(), 1u);
    EXPECT_EQ(network.layers()[0]->name(), "Relu_0");
    EXPECT_EQ(network.layers()[0]->provenance(), std::vector<std::string>{"Relu_0"});
}

// The parser tells a logger what it imported, or why it could not.
TEST(OnnxImport, TheLoggerHearsTheImportOrItsFailure) {
    struct Logger : ILogger {
        void log(Severity severity, const std::string& message) override { entries.emplace_back(severity, message); }
        std::vector<std::pair<Severity, std::string>> entries;
    } logger;
    OnnxModelBuilder b;
    b.input("x", {int64_t(2), int64_t(3)});
    b.node("Relu", {"x"}, {"y"});
    b.output("y");
    OnnxParseOptions options;
    options.logger = &logger;
    ASSERT_TRUE(parseOnnxBytes(b.bytes(), ".", options).isOk());
    ASSERT_EQ(logger.entries.size(), 1u);
    EXPECT_EQ(logger.entries[0].first, Severity::Info);
    EXPECT_NE(logger.entries[0].second.find("imported the model: 1 nodes"), std::string::npos) << logger.entries[0].second;
    EXPECT_NE(logger.entries[0].second.find("into 1 layers"), std::string::npos) << logger.entries[0].second;

    logger.entries.clear();
    Result<NetworkDefinition> broken = parseOnnxBytes("not a model", ".", options);
    ASSERT_FALSE(broken.isOk());
    ASSERT_EQ(logger.entries.size(), 1u);
    EXPECT_EQ(logger.entries[0].first, Severity::Error);
    EXPECT_NE(logger.entries[0].second.find(broken.status().message()), std::string::npos) << logger.entries[0].second;
}

TEST(OnnxImport, ConvSameUpperPutsTheOddPadAtTheEnd) {
    OnnxModelBuilder b;
    b.input("x", {int64_t(1), int64_t(1), int64_t(4), int64_t(4)});
    b.initializer("w", {1, 1, 3, 3}, std::vector<float>(9, 1.0f));
    auto& conv = b.node("Conv", {"x", "w"}, {"y"}, "conv");
    setAttr(conv, "auto_pad", std::string("SAME_UPPER"));
    setAttr(conv, "strides", std::vector<int64_t>{2, 2});
    b.output("y");

    NetworkDefinition network = parseOrFail(b);
    ASSERT_EQ(network.layers().size(), 1u);
    const auto& params = network.layers()[0]->paramsAs<ConvolutionParams>();
    // ceil(4 / 2) = 2 outputs need (2 - 1) * 2 + 3 - 4 = 1 pad: SAME_UPPER puts it at the end.
    EXPECT_EQ(params.pads, (std::vector<int64_t>{0, 0, 1, 1}));
    EXPECT_EQ(network.findTensor("y")->dims(), (Dims{1, 1, 2, 2}));

    // x = 0..15 row-major; each output sums a 3x3 window (zero past the end).
    TensorMap outputs = runOrFail(network, {{"x", iotaTensor({1, 1, 4, 4})}});
    expectValues(outputs, "y", {1, 1, 2, 2},
                 {0 + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10, 2 + 3 + 6 + 7 + 10 + 11, 8 + 9 + 10 + 12 + 13 + 14,
                  10 + 11 + 14 + 15});
}

TEST(OnnxImport, ConvSameLowerPutsTheOddPadAtTheBeginning) {
    OnnxModelBuilder b;
    b.input("x", {int64_t(1), int64_t(1), int64_t(4), int64_t(4)});
    b.initializer("w", {1, 1, 3, 3}, std::vector<float>(9, 1.0f));
    auto& conv = b.node("Conv", {"x", "w"}, {"y"}, "conv");
    setAttr(conv, "auto_pad", std::string("SAME_LOWER"));
    setAttr(conv, "strides", std::vector<int64_t>{2, 2});
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    ASSERT_EQ(network.layers().size(), 1u);
    EXPECT_EQ(network.layers()[0]->paramsAs<ConvolutionParams>().pads, (std::vector<int64_t>{1, 1, 0, 0}));
}

TEST(OnnxImport, ConvTransposeSameUpperAndOutputShapeResolvePadding) {
    OnnxModelBuilder b(11);
    b.input("x", {int64_t(1), int64_t(1), int64_t(3), int64_t(3)});
    b.initializer("w", {1, 2, 3, 3}, std::vector<float>(18, 1.0f));
    auto& same = b.node("ConvTranspose", {"x", "w"}, {"y_same"}, "deconv_same");
    setAttr(same, "auto_pad", std::string("SAME_UPPER"));
    setAttr(same, "strides", std::vector<int64_t>{2, 2});
    auto& shaped = b.node("ConvTranspose", {"x", "w"}, {"y_shaped"}, "deconv_shaped");
    setAttr(shaped, "strides", std::vector<int64_t>{3, 2});
    setAttr(shaped, "output_shape", std::vector<int64_t>{10, 8});
    b.output("y_same");
    b.output("y_shaped");

    NetworkDefinition network = parseOrFail(b);
    const auto& sameParams = network.findLayer("deconv_same")->paramsAs<DeconvolutionParams>();
    // Unpadded output 2 * 2 + 3 = 7, target 3 * 2 = 6: one pad, at the end for SAME_UPPER.
    EXPECT_EQ(sameParams.pads, (std::vector<int64_t>{0, 0, 1, 1}));
    EXPECT_EQ(network.findTensor("y_same")->dims(), (Dims{1, 2, 6, 6}));
    const auto& shapedParams = network.findLayer("deconv_shaped")->paramsAs<DeconvolutionParams>();
    // Unpadded 3 * 2 + 3 = 9 and 2 * 2 + 3 = 7 fall one short of 10 and 8: output padding makes it up.
    EXPECT_EQ(shapedParams.pads, (std::vector<int64_t>{0, 0, 0, 0}));
    EXPECT_EQ(shapedParams.outputPadding, (std::vector<int64_t>{1, 1}));
    EXPECT_EQ(network.findTensor("y_shaped")->dims(), (Dims{1, 2, 10, 8}));
}

TEST(OnnxImport, InitializerListedAsInputIsAConstant) {
    OnnxModelBuilder b(8);
    b.model().set_ir_version(3);
    b.input("x", {int64_t(3)});
    b.input("bias", {int64_t(3)});
    b.initializer("bias", {3}, {10, 20, 30});
    b.node("Add", {"x", "bias"}, {"y"}, "add");
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    ASSERT_EQ(network.inputs().size(), 1u);
    EXPECT_EQ(network.inputs()[0]->name(), "x");
    EXPECT_TRUE(network.findTensor("bias")->isConstant());
    TensorMap outputs = runOrFail(network, {{"x", floatTensor({3}, {1, 2, 3})}});
    expectValues(outputs, "y", {3}, {11, 22, 33});
}

TEST(OnnxImport, SumAndMeanBecomeChainsWithUniqueNames) {
    OnnxModelBuilder b;
    b.input("a", {int64_t(2)});
    b.input("b", {int64_t(2)});
    b.input("c", {int64_t(2)});
    b.node("Sum", {"a", "b", "c"}, {"total"}, "sum");
    b.node("Mean", {"a", "b", "c"}, {"average"}, "mean");
    b.output("total");
    b.output("average");
    NetworkDefinition network = parseOrFail(b);
    // Sum: two Adds. Mean: two Adds and a Div.
    ASSERT_EQ(network.layers().size(), 5u);
    std::set<std::string> names;
    for (const auto& layer : network.layers()) {
        names.insert(layer->name());
        ASSERT_EQ(layer->provenance().size(), 1u);
        EXPECT_EQ(layer->name().rfind(layer->provenance()[0], 0), 0u) << layer->name();
    }
    EXPECT_EQ(names.size(), 5u);
    EXPECT_NE(network.findLayer("sum"), nullptr);
    EXPECT_NE(network.findLayer("mean"), nullptr);

    TensorMap outputs = runOrFail(
        network,
        {{"a", floatTensor({2}, {1, 2})}, {"b", floatTensor({2}, {3, 4})}, {"c", floatTensor({2}, {5, 9})}});
    expectValues(outputs, "total", {2}, {9, 15});
    expectValues(outputs, "average", {2}, {3, 5});
}

TEST(OnnxImport, SliceClampsAndHandlesNegativeSteps) {
    OnnxModelBuilder b(13);
    b.input("x", {int64_t(2), int64_t(5)});
    b.initializerInt64("starts", {2}, {-1, 100});
    b.initializerInt64("ends", {2}, {std::numeric_limits<int64_t>::min(), -100});
    b.initializerInt64("axes", {2}, {1, -2});
    b.initializerInt64("steps", {2}, {-2, -1});
    b.node("Slice", {"x", "starts", "ends", "axes", "steps"}, {"y"}, "slice");
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    ASSERT_EQ(network.layers().size(), 1u);
    const auto& params = network.layers()[0]->paramsAs<SliceParams>();
    // Axis 0: start 100 clamps to 1, end -100 + 2 clamps to -1; axis 1: start -1 -> 4, end INT64_MIN -> -1.
    EXPECT_EQ(params.starts, (std::vector<int64_t>{1, 4}));
    EXPECT_EQ(params.ends, (std::vector<int64_t>{-1, -1}));
    EXPECT_EQ(params.steps, (std::vector<int64_t>{-1, -2}));
    EXPECT_EQ(network.findTensor("y")->dims(), (Dims{2, 3}));
    TensorMap outputs = runOrFail(network, {{"x", iotaTensor({2, 5})}});
    expectValues(outputs, "y", {2, 3}, {9, 7, 5, 4, 2, 0});
}

TEST(OnnxImport, SplitEquallyAndBySizes) {
    OnnxModelBuilder b(13);
    b.input("x", {int64_t(6)});
    b.initializerInt64("sizes", {2}, {1, 5});
    b.node("Split", {"x"}, {"p0", "p1", "p2"}, "split_equal");
    b.node("Split", {"x", "sizes"}, {"q0", "q1"}, "split_sizes");
    for (const char* name : {"p0", "p1", "p2", "q0", "q1"})
        b.output(name);
    NetworkDefinition network = parseOrFail(b);
    EXPECT_EQ(network.findLayer("split_equal")->paramsAs<SplitParams>().sizes,
              (std::vector<int64_t>{2, 2, 2}));
    EXPECT_EQ(network.findLayer("split_sizes")->paramsAs<SplitParams>().sizes, (std::vector<int64_t>{1, 5}));
    TensorMap outputs = runOrFail(network, {{"x", iotaTensor({6})}});
    expectValues(outputs, "p0", {2}, {0, 1});
    expectValues(outputs, "p1", {2}, {2, 3});
    expectValues(outputs, "p2", {2}, {4, 5});
    expectValues(outputs, "q0", {1}, {0});
    expectValues(outputs, "q1", {5}, {1, 2, 3, 4, 5});
}

TEST(OnnxImport, LegacyAttributesForUnsqueezeSqueezeAndSoftmax) {
    OnnxModelBuilder b(11);
    b.input("x", {int64_t(2), int64_t(3)});
    auto& unsqueeze = b.node("Unsqueeze", {"x"}, {"u"}, "unsqueeze");
    setAttr(unsqueeze, "axes", std::vector<int64_t>{0, -1});
    auto& squeeze = b.node("Squeeze", {"u"}, {"s"}, "squeeze");
    setAttr(squeeze, "axes", std::vector<int64_t>{0});
    b.node("Softmax", {"x"}, {"sm"}, "softmax");
    b.output("s");
    b.output("sm");
    NetworkDefinition network = parseOrFail(b);
    EXPECT_EQ(network.findTensor("u")->dims(), (Dims{1, 2, 3, 1}));
    EXPECT_EQ(network.findTensor("s")->dims(), (Dims{2, 3, 1}));
    const auto& softmax = network.findLayer("softmax")->paramsAs<SoftmaxParams>();
    // Before opset 13 the default axis is 1 and the input is viewed as 2-D from there.
    EXPECT_EQ(softmax.axis, 1);
    EXPECT_TRUE(softmax.flattenFromAxis);
}

TEST(OnnxImport, SoftmaxFromOpset13UsesTheLastAxis) {
    OnnxModelBuilder b(13);
    b.input("x", {int64_t(2), int64_t(3), int64_t(4)});
    b.node("LogSoftmax", {"x"}, {"y"}, "logsoftmax");
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    const auto& params = network.findLayer("logsoftmax")->paramsAs<SoftmaxParams>();
    EXPECT_EQ(params.axis, 2);
    EXPECT_TRUE(params.log);
    EXPECT_FALSE(params.flattenFromAxis);
}

TEST(OnnxImport, DropoutIsIdentityWithAnAllTrueMask) {
    OnnxModelBuilder b(13);
    b.input("x", {int64_t(3)});
    b.node("Dropout", {"x"}, {"y", "mask"}, "dropout");
    b.output("y");
    b.output("mask", onnx::TensorProto::BOOL);
    NetworkDefinition network = parseOrFail(b);
    const Tensor* mask = network.findTensor("mask");
    ASSERT_NE(mask, nullptr);
    ASSERT_TRUE(mask->isConstant());
    EXPECT_EQ(mask->type(), DataType::Bool);
    for (int64_t i = 0; i < 3; ++i)
        EXPECT_EQ(mask->constantData()->data<uint8_t>()[i], 1);
    TensorMap outputs = runOrFail(network, {{"x", floatTensor({3}, {1, -2, 3})}});
    expectValues(outputs, "y", {3}, {1, -2, 3});
}

TEST(OnnxImport, GemmWithTransposedWeightsAndBias) {
    OnnxModelBuilder b(13);
    b.input("a", {int64_t(1), int64_t(2)});
    b.initializer("w", {3, 2}, {1, 2, 3, 4, 5, 6});
    b.initializer("bias", {3}, {10, 20, 30});
    auto& gemm = b.node("Gemm", {"a", "w", "bias"}, {"y"}, "fc");
    setAttr(gemm, "transB", int64_t(1));
    setAttr(gemm, "alpha", 2.0f);
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    EXPECT_TRUE(network.findLayer("fc")->paramsAs<GemmParams>().transB);
    // y = 2 * a w^T + bias with a = [1, 1]: rows of w sum to 3, 7, 11.
    TensorMap outputs = runOrFail(network, {{"a", floatTensor({1, 2}, {1, 1})}});
    expectValues(outputs, "y", {1, 3}, {16, 34, 52});
}

TEST(OnnxImport, ConstantNodesAndConstantOfShapeBecomeConstants) {
    OnnxModelBuilder b(13);
    b.input("x", {int64_t(2), int64_t(2)});
    auto& shape = b.node("Constant", {}, {"shape"}, "shape_const");
    setAttr(shape, "value_ints", std::vector<int64_t>{2, 2});
    auto& fill = b.node("ConstantOfShape", {"shape"}, {"ones"}, "fill");
    onnx::TensorProto one;
    one.set_data_type(onnx::TensorProto::FLOAT);
    one.add_dims(1);
    one.add_float_data(1.5f);
    setAttr(fill, "value", one);
    b.node("Add", {"x", "ones"}, {"y"}, "add");
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    ASSERT_EQ(network.layers().size(), 1u);
    EXPECT_TRUE(network.findTensor("ones")->isConstant());
    TensorMap outputs = runOrFail(network, {{"x", iotaTensor({2, 2})}});
    expectValues(outputs, "y", {2, 2}, {1.5f, 2.5f, 3.5f, 4.5f});
}

// Range and ScatterND on constants (as exported models compute masks and positions from static shapes)
// fold into constants; ScatterND on a value computed at run time is refused naming the input.
TEST(OnnxImport, RangeAndScatterNdOnConstantsBecomeConstants) {
    OnnxModelBuilder b(13);
    b.input("x", {int64_t(4)});
    b.initializer("start", {}, {1.0f});
    b.initializer("limit", {}, {3.0f});
    b.initializer("delta", {}, {0.5f});
    b.node("Range", {"start", "limit", "delta"}, {"steps"}, "range");
    b.initializer("zeros", {4}, {0, 0, 0, 0});
    b.initializerInt64("where", {2, 1}, {0, -2});
    b.initializer("values", {2}, {10, 20});
    b.node("ScatterND", {"zeros", "where", "values"}, {"scattered"}, "scatter");
    b.node("Add", {"x", "steps"}, {"sum"}, "add1");
    b.node("Add", {"sum", "scattered"}, {"y"}, "add2");
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    EXPECT_EQ(network.layers().size(), 2u);
    EXPECT_TRUE(network.findTensor("steps")->isConstant());
    EXPECT_TRUE(network.findTensor("scattered")->isConstant());
    // x + [1, 1.5, 2, 2.5] + [10, 0, 20, 0]
    TensorMap outputs = runOrFail(network, {{"x", floatTensor({4}, {0, 1, 2, 3})}});
    expectValues(outputs, "y", {4}, {11, 2.5f, 24, 5.5f});

    OnnxModelBuilder computed(13);
    computed.input("x", {int64_t(4)});
    computed.initializerInt64("where", {1, 1}, {0});
    computed.initializer("values", {1}, {10});
    computed.node("ScatterND", {"x", "where", "values"}, {"y"}, "scatter");
    computed.output("y");
    auto refused = parseOnnxBytes(computed.bytes(), "", {});
    ASSERT_FALSE(refused.isOk());
    EXPECT_NE(refused.status().message().find("input 0 ('x', data) is computed at run time"), std::string::npos)
        << refused.status().message();
}

// Integer Range and ScatterND at the ends of their types: the values are computed without overflow (a
// Range of INT64 from its smallest to its largest value by 2^62), and integer reductions wrap as ONNX
// Runtime's do (INT32 2147483647 + 1 is -2147483648). Every value is a power of two, exact as a float.
TEST(OnnxImport, IntegerRangeAndScatterNdAtTheEndsOfTheirTypes) {
    OnnxModelBuilder b(16);
    b.input("x", {int64_t(5)});
    b.initializerInt64("start", {}, {std::numeric_limits<int64_t>::min()});
    b.initializerInt64("limit", {}, {std::numeric_limits<int64_t>::max()});
    b.initializerInt64("delta", {}, {int64_t(1) << 62});
    b.node("Range", {"start", "limit", "delta"}, {"steps"}, "range");
    onnx::TensorProto& data = *b.graph().add_initializer();
    data.set_name("largest");
    data.set_data_type(onnx::TensorProto::INT32);
    data.add_dims(1);
    data.add_int32_data(std::numeric_limits<int32_t>::max());
    onnx::TensorProto& one = *b.graph().add_initializer();
    one.set_name("one");
    one.set_data_type(onnx::TensorProto::INT32);
    one.add_dims(1);
    one.add_int32_data(1);
    b.initializerInt64("where", {1, 1}, {0});
    setAttr(b.node("ScatterND", {"largest", "where", "one"}, {"wrapped"}, "scatter"), "reduction", std::string("add"));
    setAttr(b.node("Cast", {"wrapped"}, {"wrapped64"}, "widen"), "to", int64_t(onnx::TensorProto::INT64));
    setAttr(b.node("Concat", {"steps", "wrapped64"}, {"all"}, "concat"), "axis", int64_t(0));
    setAttr(b.node("Cast", {"all"}, {"floats"}, "to_float"), "to", int64_t(onnx::TensorProto::FLOAT));
    b.node("Add", {"x", "floats"}, {"y"}, "add");
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    const float p62 = 4611686018427387904.0f, p63 = 9223372036854775808.0f;
    TensorMap outputs = runOrFail(network, {{"x", floatTensor({5}, {0, 0, 0, 0, 0})}});
    expectValues(outputs, "y", {5}, {-p63, -p62, 0, p62, -2147483648.0f});
}

// Sets the memory budget for a test's time.
struct MemoryBudget {
    explicit MemoryBudget(uint64_t bytes) { setMemoryBudgetBytes(bytes); }
    ~MemoryBudget() { setMemoryBudgetBytes(0); }
};

// x plus one computed constant of `elements` FP32 values per name in `layers`, each made by `op`
// (ConstantOfShape, or Expand of a 1, which the import folds), added in turn.
OnnxModelBuilder computedConstantsModel(const std::string& op, int64_t elements,
                                        const std::vector<std::string>& layers) {
    OnnxModelBuilder b(13);
    b.input("x", {int64_t(1)});
    b.initializer("one", {1}, {1.0f});
    b.initializerInt64("shape", {1}, {elements});
    std::string sum = "x";
    for (const std::string& layer : layers) {
        if (op == "Expand") {
            b.node("Expand", {"one", "shape"}, {layer + ".out"}, layer);
        } else {
            b.node(op, {"shape"}, {layer + ".out"}, layer);
        }
        b.node("Add", {sum, layer + ".out"}, {layer + ".sum"}, "add_" + layer);
        sum = layer + ".sum";
    }
    b.output(sum);
    return b;
}

void expectRefused(const OnnxModelBuilder& model, const std::string& message) {
    auto refused = parseOnnxBytes(model.bytes(), "", {});
    ASSERT_FALSE(refused.isOk());
    EXPECT_NE(refused.status().message().find(message), std::string::npos) << refused.status().message();
}

// A constant the import would compute (ConstantOfShape, or a layer on constants folded as it is added)
// that the memory budget cannot hold is refused before it is allocated, naming what asked for it.
TEST(OnnxImport, ConstantsLargerThanTheMemoryBudgetAreRefused) {
    const MemoryBudget budget(uint64_t(1) << 20);
    // 4 MiB of FP32 each
    expectRefused(computedConstantsModel("ConstantOfShape", int64_t(1) << 20, {"fill"}),
                  "the requested shape needs 4.0 MiB, more than the memory budget of 1.0 MiB");
    expectRefused(computedConstantsModel("Expand", int64_t(1) << 20, {"expand"}),
                  "layer 'expand' computes constants of 4.0 MiB, more than the memory budget");
}

// Computed constants that fit the budget one by one but not together: the one that takes them past it
// is refused, by name (a hostile model can repeat a ConstantOfShape or an Expand as often as it likes).
TEST(OnnxImport, ComputedConstantsMustFitTheMemoryBudgetTogether) {
    const MemoryBudget budget(uint64_t(1) << 20);
    // 768 KiB of FP32 each
    const OnnxModelBuilder filled = computedConstantsModel("ConstantOfShape", 196608, {"fill_a", "fill_b"});
    expectRefused(filled, "node 'fill_b'");
    expectRefused(filled,
                  "the requested shape takes the constants the import computes to 1.5 MiB, more than the "
                  "memory budget of 1.0 MiB");
    const OnnxModelBuilder expanded = computedConstantsModel("Expand", 196608, {"expand_a", "expand_b"});
    expectRefused(expanded, "layer 'expand_b' takes the constants the import computes to 1.5 MiB");

    setMemoryBudgetBytes(uint64_t(2) << 20);  // both fit
    EXPECT_TRUE(parseOnnxBytes(filled.bytes(), "", {}).isOk());
    EXPECT_TRUE(parseOnnxBytes(expanded.bytes(), "", {}).isOk());
}

TEST(OnnxImport, PadFromOpset11Inputs) {
    OnnxModelBuilder b(13);
    b.input("x", {int64_t(1), int64_t(2)});
    b.initializerInt64("pads", {4}, {0, 1, 0, 2});
    b.initializer("value", {}, {7});
    b.node("Pad", {"x", "pads", "value"}, {"y"}, "pad");
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    const auto& params = network.findLayer("pad")->paramsAs<PadParams>();
    EXPECT_EQ(params.pads, (std::vector<int64_t>{0, 1, 0, 2}));
    EXPECT_EQ(params.value, 7.0);
    TensorMap outputs = runOrFail(network, {{"x", floatTensor({1, 2}, {1, 2})}});
    expectValues(outputs, "y", {1, 5}, {7, 1, 2, 7, 7});
}

TEST(OnnxImport, ReduceSumAxesInputAndNoopWithEmptyAxes) {
    OnnxModelBuilder b(13);
    b.input("x", {int64_t(2), int64_t(3)});
    b.initializerInt64("axes", {1}, {-1});
    auto& sum = b.node("ReduceSum", {"x", "axes"}, {"rows"}, "row_sum");
    setAttr(sum, "keepdims", int64_t(0));
    auto& noop = b.node("ReduceSum", {"x"}, {"same"}, "noop_sum");
    setAttr(noop, "noop_with_empty_axes", int64_t(1));
    b.node("ReduceMax", {"x"}, {"max_all"}, "max_all");
    b.output("rows");
    b.output("same");
    b.output("max_all");
    NetworkDefinition network = parseOrFail(b);
    EXPECT_EQ(network.findLayer("row_sum")->paramsAs<ReduceParams>().axes, (std::vector<int64_t>{1}));
    EXPECT_EQ(network.findLayer("noop_sum")->kind(), LayerKind::Identity);
    EXPECT_EQ(network.findLayer("max_all")->paramsAs<ReduceParams>().axes, (std::vector<int64_t>{0, 1}));
    TensorMap outputs = runOrFail(network, {{"x", iotaTensor({2, 3})}});
    expectValues(outputs, "rows", {2}, {0 + 1 + 2, 3 + 4 + 5});
    expectValues(outputs, "same", {2, 3}, {0, 1, 2, 3, 4, 5});
    expectValues(outputs, "max_all", {1, 1}, {5});
}

TEST(OnnxImport, PoolingCeilModeAndGlobalPooling) {
    OnnxModelBuilder b(13);
    b.input("x", {int64_t(1), int64_t(1), int64_t(3), int64_t(3)});
    auto& pool = b.node("MaxPool", {"x"}, {"pooled"}, "pool");
    setAttr(pool, "kernel_shape", std::vector<int64_t>{2, 2});
    setAttr(pool, "strides", std::vector<int64_t>{2, 2});
    setAttr(pool, "ceil_mode", int64_t(1));
    b.node("GlobalAveragePool", {"x"}, {"gap"}, "gap");
    b.output("pooled");
    b.output("gap");
    NetworkDefinition network = parseOrFail(b);
    EXPECT_TRUE(network.findLayer("pool")->paramsAs<PoolingParams>().ceilMode);
    EXPECT_EQ(network.findLayer("gap")->paramsAs<PoolingParams>().kernel, (std::vector<int64_t>{3, 3}));
    TensorMap outputs = runOrFail(network, {{"x", iotaTensor({1, 1, 3, 3})}});
    // Windows {0,1,3,4}, {2,5}, {6,7}, {8} with ceil mode.
    expectValues(outputs, "pooled", {1, 1, 2, 2}, {4, 5, 7, 8});
    expectValues(outputs, "gap", {1, 1, 1, 1}, {4});
}

TEST(OnnxImport, ResizeFromSizesAndUpsampleFromScales) {
    OnnxModelBuilder b(13);
    b.input("x", {int64_t(1), int64_t(1), int64_t(1), int64_t(2)});
    b.initializerInt64("sizes", {4}, {1, 1, 2, 4});
    auto& resize = b.node("Resize", {"x", "", "", "sizes"}, {"y"}, "resize");
    setAttr(resize, "coordinate_transformation_mode", std::string("asymmetric"));
    setAttr(resize, "nearest_mode", std::string("floor"));
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    const auto& params = network.findLayer("resize")->paramsAs<ResizeParams>();
    EXPECT_EQ(params.outputDims, (Dims{1, 1, 2, 4}));
    EXPECT_EQ(params.scales, (std::vector<float>{1, 1, 2, 2}));
    TensorMap outputs = runOrFail(network, {{"x", floatTensor({1, 1, 1, 2}, {3, 8})}});
    expectValues(outputs, "y", {1, 1, 2, 4}, {3, 3, 8, 8, 3, 3, 8, 8});

    OnnxModelBuilder legacy(9);
    legacy.input("x", {int64_t(1), int64_t(1), int64_t(1), int64_t(2)});
    legacy.initializer("scales", {4}, {1, 1, 3, 1});
    legacy.node("Upsample", {"x", "scales"}, {"y"}, "upsample");
    legacy.output("y");
    NetworkDefinition upsampled = parseOrFail(legacy);
    const auto& legacyParams = upsampled.findLayer("upsample")->paramsAs<ResizeParams>();
    EXPECT_EQ(legacyParams.outputDims, (Dims{1, 1, 3, 2}));
    EXPECT_EQ(legacyParams.coordinateMode, ResizeCoordinateMode::Asymmetric);
    EXPECT_EQ(legacyParams.nearestMode, ResizeNearestMode::Floor);
}

TEST(OnnxImport, PowCastsAnExponentOfAnotherType) {
    OnnxModelBuilder b(13);
    b.input("x", {int64_t(3)});
    b.initializerInt64("two", {}, {2});
    b.node("Pow", {"x", "two"}, {"y"}, "square");
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    // The Cast of the constant exponent folds away, leaving the Pow.
    ASSERT_EQ(network.layers().size(), 1u);
    EXPECT_EQ(network.layers()[0]->kind(), LayerKind::Elementwise);
    TensorMap outputs = runOrFail(network, {{"x", floatTensor({3}, {1, 2, 3})}});
    expectValues(outputs, "y", {3}, {1, 4, 9});
}

TEST(OnnxImport, ClipOnIntegersUsesMaxAndMin) {
    OnnxModelBuilder b(13);
    b.input("x", {int64_t(4)}, onnx::TensorProto::INT32);
    for (auto [name, value] : {std::pair<const char*, int32_t>{"low", 0}, {"high", 4}}) {
        auto* bound = b.graph().add_initializer();
        bound->set_name(name);
        bound->set_data_type(onnx::TensorProto::INT32);
        bound->add_int32_data(value);
    }
    b.node("Clip", {"x", "low", "high"}, {"y"}, "clip");
    b.output("y", onnx::TensorProto::INT32);
    NetworkDefinition network = parseOrFail(b);
    ASSERT_EQ(network.layers().size(), 2u);
    HostTensor x(DataType::Int32, {4});
    const int32_t values[] = {-5, 0, 3, 9};
    std::copy(std::begin(values), std::end(values), x.data<int32_t>());
    TensorMap outputs = runOrFail(network, {{"x", x}});
    ASSERT_EQ(outputs.count("y"), 1u);
    const int32_t expected[] = {0, 0, 3, 4};
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(outputs.at("y").data<int32_t>()[i], expected[i]) << i;
}

TEST(OnnxImport, ReadOnnxInputsReportsSymbolicDims) {
    TempDir dir("inputs");
    OnnxModelBuilder b;
    b.input("x", {std::string("batch"), int64_t(3)});
    b.input("w", {int64_t(3)});
    b.initializer("w", {3}, {1, 2, 3});
    b.node("Add", {"x", "w"}, {"y"});
    b.output("y");
    const std::string path = dir.writeFile("model.onnx", b.bytes());
    auto inputs = readOnnxInputs(path);
    ASSERT_TRUE(inputs.isOk()) << inputs.status().message();
    ASSERT_EQ(inputs->size(), 1u);
    EXPECT_EQ((*inputs)[0].name, "x");
    EXPECT_EQ((*inputs)[0].dims, (std::vector<int64_t>{-1, 3}));
    EXPECT_EQ((*inputs)[0].dimNames, (std::vector<std::string>{"batch", ""}));
}

TEST(OnnxImport, ReadOnnxTensorFileReadsTypedAndRawData) {
    TempDir dir("tensor");
    onnx::TensorProto typed;
    typed.set_name("input");
    typed.set_data_type(onnx::TensorProto::INT64);
    typed.add_dims(2);
    typed.add_int64_data(-7);
    typed.add_int64_data(9);
    auto result = readOnnxTensorFile(dir.writeFile("input_0.pb", typed.SerializeAsString()));
    ASSERT_TRUE(result.isOk()) << result.status().message();
    EXPECT_EQ(result->type(), DataType::Int64);
    EXPECT_EQ(result->dims(), (Dims{2}));
    EXPECT_EQ(result->data<int64_t>()[0], -7);
    EXPECT_EQ(result->data<int64_t>()[1], 9);

    onnx::TensorProto raw;
    raw.set_name("output");
    raw.set_data_type(onnx::TensorProto::FLOAT16);
    raw.add_dims(1);
    const uint16_t half = 0x3C00;  // 1.0 in IEEE half
    raw.set_raw_data(std::string(reinterpret_cast<const char*>(&half), sizeof(half)));
    auto rawResult = readOnnxTensorFile(dir.writeFile("output_0.pb", raw.SerializeAsString()));
    ASSERT_TRUE(rawResult.isOk()) << rawResult.status().message();
    EXPECT_EQ(rawResult->type(), DataType::Float16);
    EXPECT_EQ(rawResult->data<uint16_t>()[0], half);
}

}  // namespace
}  // namespace kiln::test

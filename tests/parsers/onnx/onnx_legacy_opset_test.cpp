// Import of models of opsets 1 to 6, whose ops keep their meaning but spell it differently: legacy
// broadcasting with broadcast/axis, per-channel PRelu slopes, attributes that later became inputs, a type
// name in Cast, Tile along one axis, test-mode flags. Also Clip with bounds computed at run time (opset
// 11+). Expected values are worked out by hand in each test.
#include <gtest/gtest.h>

#include "kiln/onnx_parser.h"
#include "kiln/reference_executor.h"
#include "parsers/onnx/onnx_model_builder.h"
#include "parsers/onnx/onnx_test_helpers.h"
#include "support/test_util.h"

namespace kiln::test {
namespace {

// Every expected value below is a small integer or an exact binary fraction, so float32 reproduces it
// exactly and the comparison needs no tolerance.
void expectOutput(const NetworkDefinition& network, const TensorMap& inputs, const std::string& name,
                  const HostTensor& expected) {
    auto outputs = ReferenceExecutor(network).execute(inputs);
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    auto it = outputs->find(name);
    ASSERT_NE(it, outputs->end()) << "no output '" << name << "'";
    EXPECT_EQ(compareTensors(it->second, expected, 0.0, 0.0), "");
}

TEST(OnnxLegacyOpset, AddWithBroadcastAndAxisAlignsBFromThatAxis) {
    OnnxModelBuilder b(6);
    b.input("a", {int64_t(2), int64_t(3), int64_t(2)});
    b.initializer("b", {3}, {10, 20, 30});
    auto& add = b.node("Add", {"a", "b"}, {"y"}, "add");
    setAttr(add, "broadcast", int64_t(1));
    setAttr(add, "axis", int64_t(1));
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    std::vector<float> a(12, 0.0f);
    a[0] = 1;   // [0,0,0]
    a[11] = 2;  // [1,2,1]
    // b[j] is added to every a[i, j, k].
    expectOutput(network, {{"a", floatTensor({2, 3, 2}, a)}}, "y",
                 floatTensor({2, 3, 2}, {11, 10, 20, 20, 30, 30, 10, 10, 20, 20, 30, 32}));
}

TEST(OnnxLegacyOpset, MulWithBroadcastWithoutAxisMatchesTheSuffix) {
    OnnxModelBuilder b(1);
    b.input("a", {int64_t(2), int64_t(2)});
    b.initializer("b", {2}, {2, 3});
    auto& mul = b.node("Mul", {"a", "b"}, {"y"}, "mul");
    setAttr(mul, "broadcast", int64_t(1));
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    expectOutput(network, {{"a", floatTensor({2, 2}, {1, 1, 2, 2})}}, "y", floatTensor({2, 2}, {2, 3, 4, 6}));
}

TEST(OnnxLegacyOpset, DifferentDimsWithoutBroadcastAreRefused) {
    OnnxModelBuilder b(6);
    b.input("a", {int64_t(2), int64_t(3)});
    b.initializer("b", {3}, {1, 2, 3});
    b.node("Sub", {"a", "b"}, {"y"}, "sub");
    b.output("y");
    expectRefused(b, StatusCode::InvalidModel, "broadcast=1");
}

TEST(OnnxLegacyOpset, BroadcastThatDoesNotFitIsRefused) {
    OnnxModelBuilder b(6);
    b.input("a", {int64_t(2), int64_t(3)});
    b.initializer("b", {2}, {1, 2});
    auto& div = b.node("Div", {"a", "b"}, {"y"}, "div");
    setAttr(div, "broadcast", int64_t(1));
    b.output("y");
    expectRefused(b, StatusCode::InvalidModel, "cannot be broadcast");
}

TEST(OnnxLegacyOpset, PReluSlopeOfOneValuePerChannelAppliesAlongAxisOne) {
    OnnxModelBuilder b(6);
    b.input("x", {int64_t(1), int64_t(2), int64_t(3)});
    b.initializer("slope", {2}, {0.5f, 2.0f});
    b.node("PRelu", {"x", "slope"}, {"y"}, "prelu");
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    expectOutput(network, {{"x", floatTensor({1, 2, 3}, {-2, 4, -6, -2, 4, -6})}}, "y",
                 floatTensor({1, 2, 3}, {-1, 4, -3, -4, 4, -12}));
}

TEST(OnnxLegacyOpset, PadTakesPaddingsInOpsetOne) {
    OnnxModelBuilder b(1);
    b.input("x", {int64_t(1), int64_t(2)});
    auto& pad = b.node("Pad", {"x"}, {"y"}, "pad");
    setAttr(pad, "paddings", std::vector<int64_t>{0, 1, 0, 2});
    setAttr(pad, "value", 7.0f);
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    expectOutput(network, {{"x", floatTensor({1, 2}, {1, 2})}}, "y", floatTensor({1, 5}, {7, 1, 2, 7, 7}));
}

TEST(OnnxLegacyOpset, ConcatWithoutAxisUsesAxisOneBeforeOpset4) {
    OnnxModelBuilder b(3);
    b.input("a", {int64_t(2), int64_t(1)});
    b.input("c", {int64_t(2), int64_t(1)});
    b.node("Concat", {"a", "c"}, {"y"}, "concat");
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    expectOutput(network, {{"a", floatTensor({2, 1}, {1, 2})}, {"c", floatTensor({2, 1}, {3, 4})}}, "y",
                 floatTensor({2, 2}, {1, 3, 2, 4}));
}

TEST(OnnxLegacyOpset, ReshapeTakesTheShapeAttributeBeforeOpset5) {
    OnnxModelBuilder b(4);
    b.input("x", {int64_t(2), int64_t(3)});
    auto& reshape = b.node("Reshape", {"x"}, {"y"}, "reshape");
    setAttr(reshape, "shape", std::vector<int64_t>{3, -1});
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    EXPECT_EQ(network.findTensor("y")->dims(), (Dims{3, 2}));
}

TEST(OnnxLegacyOpset, SplitTakesSizesFromItsSecondInputInOpsetOne) {
    OnnxModelBuilder b(1);
    b.input("x", {int64_t(5)});
    b.initializerInt64("sizes", {2}, {2, 3});
    auto& split = b.node("Split", {"x", "sizes"}, {"p", "q"}, "split");
    setAttr(split, "axis", int64_t(0));
    b.output("p");
    b.output("q");
    NetworkDefinition network = parseOrFail(b);
    EXPECT_EQ(network.findTensor("p")->dims(), (Dims{2}));
    EXPECT_EQ(network.findTensor("q")->dims(), (Dims{3}));
    expectOutput(network, {{"x", floatTensor({5}, {1, 2, 3, 4, 5})}}, "q", floatTensor({3}, {3, 4, 5}));
}

TEST(OnnxLegacyOpset, CastNamesItsTargetTypeBeforeOpset6) {
    OnnxModelBuilder b(5);
    b.input("x", {int64_t(3)});
    auto& cast = b.node("Cast", {"x"}, {"y"}, "cast");
    setAttr(cast, "to", std::string("INT32"));
    b.output("y", onnx::TensorProto::INT32);
    NetworkDefinition network = parseOrFail(b);
    HostTensor expected(DataType::Int32, {3});
    expected.data<int32_t>()[0] = 1;
    expected.data<int32_t>()[1] = -2;
    expected.data<int32_t>()[2] = 3;
    expectOutput(network, {{"x", floatTensor({3}, {1.0f, -2.0f, 3.0f})}}, "y", expected);
}

TEST(OnnxLegacyOpset, TileRepeatsAlongOneAxisInOpsetOne) {
    OnnxModelBuilder b(1);
    b.input("x", {int64_t(2), int64_t(1)});
    b.initializerInt64("tiles", {}, {3});
    b.initializerInt64("axis", {}, {1});
    b.node("Tile", {"x", "tiles", "axis"}, {"y"}, "tile");
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    expectOutput(network, {{"x", floatTensor({2, 1}, {1, 2})}}, "y", floatTensor({2, 3}, {1, 1, 1, 2, 2, 2}));
}

TEST(OnnxLegacyOpset, UpsampleTakesHeightAndWidthScalesInOpsetOne) {
    OnnxModelBuilder b(1);
    b.input("x", {int64_t(1), int64_t(1), int64_t(1), int64_t(2)});
    auto& upsample = b.node("Upsample", {"x"}, {"y"}, "upsample");
    setAttr(upsample, "height_scale", 2.0f);
    setAttr(upsample, "width_scale", 2.0f);
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    expectOutput(network, {{"x", floatTensor({1, 1, 1, 2}, {1, 2})}}, "y",
                 floatTensor({1, 1, 2, 4}, {1, 1, 2, 2, 1, 1, 2, 2}));
}

TEST(OnnxLegacyOpset, BatchNormalizationInTrainingModeIsRefused) {
    OnnxModelBuilder b(6);
    b.input("x", {int64_t(1), int64_t(2)});
    for (const char* name : {"scale", "bias", "mean", "var"})
        b.initializer(name, {2}, {1, 1});
    auto& bn = b.node("BatchNormalization", {"x", "scale", "bias", "mean", "var"}, {"y"}, "bn");
    setAttr(bn, "is_test", int64_t(0));
    b.output("y");
    expectRefused(b, StatusCode::Unsupported, "is_test=0");
}

TEST(OnnxLegacyOpset, BatchNormalizationInTestModeNormalizes) {
    OnnxModelBuilder b(6);
    b.input("x", {int64_t(1), int64_t(2)});
    b.initializer("scale", {2}, {2, 1});
    b.initializer("bias", {2}, {1, 0});
    b.initializer("mean", {2}, {1, 0});
    b.initializer("var", {2}, {4, 1});
    auto& bn = b.node("BatchNormalization", {"x", "scale", "bias", "mean", "var"}, {"y"}, "bn");
    setAttr(bn, "is_test", int64_t(1));
    setAttr(bn, "epsilon", 0.0f);
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    // (5 - 1) / sqrt(4) * 2 + 1 = 5 and (3 - 0) / 1 * 1 + 0 = 3.
    expectOutput(network, {{"x", floatTensor({1, 2}, {5, 3})}}, "y", floatTensor({1, 2}, {5, 3}));
}

TEST(OnnxLegacyOpset, DropoutInTrainingModeIsRefused) {
    OnnxModelBuilder b(6);
    b.input("x", {int64_t(3)});
    auto& dropout = b.node("Dropout", {"x"}, {"y"}, "dropout");
    setAttr(dropout, "is_test", int64_t(0));
    b.output("y");
    expectRefused(b, StatusCode::Unsupported, "is_test=0");
}

TEST(OnnxLegacyOpset, DropoutMaskHasTheDataTypeBeforeOpset10) {
    OnnxModelBuilder b(6);
    b.input("x", {int64_t(2)});
    auto& dropout = b.node("Dropout", {"x"}, {"y", "mask"}, "dropout");
    setAttr(dropout, "is_test", int64_t(1));
    b.output("y");
    b.output("mask");
    NetworkDefinition network = parseOrFail(b);
    const Tensor* mask = network.findTensor("mask");
    ASSERT_NE(mask, nullptr);
    ASSERT_TRUE(mask->isConstant());
    EXPECT_EQ(compareTensors(*mask->constantData(), floatTensor({2}, {1, 1}), 0.0, 0.0), "");
}

TEST(OnnxLegacyOpset, SeluUsesTheOpsetOneDefaults) {
    OnnxModelBuilder b(1);
    b.input("x", {int64_t(1)});
    b.node("Selu", {"x"}, {"y"}, "selu");
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    // Positive inputs are scaled by gamma alone: 2 * 1.0507 (opset 6 would give 2 * 1.05070102).
    auto outputs = ReferenceExecutor(network).execute({{"x", floatTensor({1}, {2})}});
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    EXPECT_FLOAT_EQ(outputs->at("y").data<float>()[0], 2.0f * 1.0507f);
}

TEST(OnnxLegacyOpset, ClipWithRuntimeBoundsUsesMaxThenMin) {
    OnnxModelBuilder b(13);
    b.input("x", {int64_t(4)});
    b.input("low", {});
    b.input("high", {int64_t(1)});
    b.node("Clip", {"x", "low", "high"}, {"y"}, "clip");
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    ASSERT_EQ(network.layers().size(), 2u);
    EXPECT_EQ(network.findTensor("y")->dims(), (Dims{4}));
    expectOutput(network,
                 {{"x", floatTensor({4}, {-3, 0.5f, 2, 9})},
                  {"low", floatTensor({}, {-1})},
                  {"high", floatTensor({1}, {4})}},
                 "y", floatTensor({4}, {-1, 0.5f, 2, 4}));
}

TEST(OnnxLegacyOpset, ClipOfAScalarWithARankOneBoundKeepsTheScalar) {
    OnnxModelBuilder b(13);
    b.input("x", {});
    b.input("high", {int64_t(1)});
    b.node("Clip", {"x", "", "high"}, {"y"}, "clip");
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    EXPECT_EQ(network.findTensor("y")->dims(), Dims{});
    expectOutput(network, {{"x", floatTensor({}, {5})}, {"high", floatTensor({1}, {2})}}, "y",
                 floatTensor({}, {2}));
}

}  // namespace
}  // namespace kiln::test

// Import of models of opsets 18 to 22: the operators whose inputs or attributes changed after opset 17
// (reductions with an axes input, Split's num_outputs, Pad's axes, Resize's axes, antialias and
// keep_aspect_ratio_policy, AveragePool's dilations, Cast's saturate, blocked quantization) and the
// operators added since that Kiln builds from its layers (Gelu, Mish, GroupNormalization). Debian 12's
// ONNX checker knows opset 17; these nodes pass it as the importers check them. Expected values are
// worked out by hand (small integers and exact binary fractions, compared exactly) or, for Gelu, Mish and
// GroupNormalization, computed here in double from their definitions.
#include <cmath>

#include <gtest/gtest.h>

#include "kiln/onnx_parser.h"
#include "kiln/reference_executor.h"
#include "parsers/onnx/onnx_model_builder.h"
#include "parsers/onnx/onnx_test_helpers.h"
#include "support/test_util.h"

namespace kiln::test {
namespace {

void expectOutput(const NetworkDefinition& network, const TensorMap& inputs, const std::string& name,
                  const HostTensor& expected, double atol = 0.0) {
    auto outputs = ReferenceExecutor(network).execute(inputs);
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    auto it = outputs->find(name);
    ASSERT_NE(it, outputs->end()) << "no output '" << name << "'";
    EXPECT_EQ(it->second.dims(), expected.dims());
    EXPECT_EQ(compareTensors(it->second, expected, 0.0, atol), "");
}

TEST(OnnxRecentOpset, ReductionsTakeTheirAxesAsAnInputFromOpset18) {
    OnnxModelBuilder b(18);
    b.input("x", {int64_t(2), int64_t(4)});
    b.initializerInt64("axes", {1}, {-1});
    auto& mean = b.node("ReduceMean", {"x", "axes"}, {"m"});
    setAttr(mean, "keepdims", int64_t(0));
    b.node("ReduceMax", {"x", "axes"}, {"mx"});
    auto& noop = b.node("ReduceMin", {"x"}, {"same"});
    setAttr(noop, "noop_with_empty_axes", int64_t(1));
    b.output("m");
    b.output("mx");
    b.output("same");
    NetworkDefinition network = parseOrFail(b);
    const HostTensor x = floatTensor({2, 4}, {1, 2, 3, 6, -4, 0, 2, 6});
    expectOutput(network, {{"x", x}}, "m", floatTensor({2}, {3, 1}));
    expectOutput(network, {{"x", x}}, "mx", floatTensor({2, 1}, {6, 6}));
    expectOutput(network, {{"x", x}}, "same", x);
}

TEST(OnnxRecentOpset, SplitIntoNumOutputsPartsLeavesTheLastOneSmaller) {
    OnnxModelBuilder b(18);
    b.input("x", {int64_t(7)});
    auto& split = b.node("Split", {"x"}, {"a", "b", "c"});
    setAttr(split, "num_outputs", int64_t(3));
    b.output("a");
    b.output("b");
    b.output("c");
    NetworkDefinition network = parseOrFail(b);
    const HostTensor x = floatTensor({7}, {0, 1, 2, 3, 4, 5, 6});
    expectOutput(network, {{"x", x}}, "a", floatTensor({3}, {0, 1, 2}));
    expectOutput(network, {{"x", x}}, "b", floatTensor({3}, {3, 4, 5}));
    expectOutput(network, {{"x", x}}, "c", floatTensor({1}, {6}));
}

TEST(OnnxRecentOpset, SplitNumOutputsMustMatchTheOutputsAndLeaveEveryPartSomething) {
    OnnxModelBuilder mismatch(18);
    mismatch.input("x", {int64_t(6)});
    setAttr(mismatch.node("Split", {"x"}, {"a", "b"}), "num_outputs", int64_t(3));
    mismatch.output("a");
    mismatch.output("b");
    expectRefused(mismatch, StatusCode::InvalidModel, "'num_outputs' is 3 but the node has 2 outputs");

    OnnxModelBuilder empty(18);
    empty.input("x", {int64_t(4)});
    setAttr(empty.node("Split", {"x"}, {"a", "b", "c"}), "num_outputs", int64_t(3));
    empty.output("a");
    empty.output("b");
    empty.output("c");
    expectRefused(empty, StatusCode::InvalidModel, "leaves nothing for the last of 3 parts of 2");
}

TEST(OnnxRecentOpset, PadWithAnAxesInputPadsOnlyThoseAxes) {
    OnnxModelBuilder b(18);
    b.input("x", {int64_t(2), int64_t(2)});
    b.initializerInt64("pads", {2}, {1, 2});
    b.initializer("value", {}, {9});
    b.initializerInt64("axes", {1}, {-1});
    b.node("Pad", {"x", "pads", "value", "axes"}, {"y"});
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    expectOutput(network, {{"x", floatTensor({2, 2}, {1, 2, 3, 4})}}, "y",
                 floatTensor({2, 5}, {9, 1, 2, 9, 9, 9, 3, 4, 9, 9}));

    OnnxModelBuilder wrong(18);
    wrong.input("x", {int64_t(2), int64_t(2)});
    wrong.initializerInt64("pads", {4}, {1, 1, 1, 1});
    wrong.initializerInt64("axes", {1}, {0});
    wrong.node("Pad", {"x", "pads", "", "axes"}, {"y"});
    wrong.output("y");
    expectRefused(wrong, StatusCode::InvalidModel, "the 1 axes [0] need 2");
}

TEST(OnnxRecentOpset, ResizeScalesOnlyTheListedAxes) {
    OnnxModelBuilder b(18);
    b.input("x", {int64_t(1), int64_t(1), int64_t(2), int64_t(2)});
    b.initializer("scales", {2}, {2, 1});
    auto& resize = b.node("Resize", {"x", "", "scales"}, {"y"});
    setAttr(resize, "axes", std::vector<int64_t>{2, 3});
    setAttr(resize, "mode", std::string("nearest"));
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    expectOutput(network, {{"x", floatTensor({1, 1, 2, 2}, {1, 2, 3, 4})}}, "y",
                 floatTensor({1, 1, 4, 2}, {1, 2, 1, 2, 3, 4, 3, 4}));
}

TEST(OnnxRecentOpset, ResizeRefusesWhatItWouldResizeOtherwise) {
    auto resize = [](int64_t opset, const std::string& attribute, const std::string& value, float scale) {
        auto b = std::make_unique<OnnxModelBuilder>(opset);
        b->input("x", {int64_t(1), int64_t(1), int64_t(4), int64_t(4)});
        b->initializer("scales", {4}, {1, 1, scale, scale});
        auto& node = b->node("Resize", {"x", "", "scales"}, {"y"});
        setAttr(node, "mode", std::string("linear"));
        if (attribute == "antialias") {
            setAttr(node, attribute, int64_t(1));
        } else {
            setAttr(node, attribute, value);
        }
        b->output("y");
        return b;
    };
    expectRefused(*resize(18, "antialias", "", 0.5f), StatusCode::Unsupported, "antialias=1 on axis 2");
    // Enlarging, antialiasing changes nothing.
    EXPECT_TRUE(parseOnnxBytes(resize(18, "antialias", "", 2.0f)->bytes(), "").isOk());
    expectRefused(*resize(19, "coordinate_transformation_mode", "half_pixel_symmetric", 2.0f),
                  StatusCode::Unsupported, "'half_pixel_symmetric' is not supported");

    OnnxModelBuilder policy(18);
    policy.input("x", {int64_t(1), int64_t(1), int64_t(4), int64_t(4)});
    policy.initializerInt64("sizes", {4}, {1, 1, 2, 3});
    setAttr(policy.node("Resize", {"x", "", "", "sizes"}, {"y"}), "keep_aspect_ratio_policy",
            std::string("not_larger"));
    policy.output("y");
    expectRefused(policy, StatusCode::Unsupported, "keep_aspect_ratio_policy 'not_larger' is not supported");
}

TEST(OnnxRecentOpset, AveragePoolTakesDilationsOfOneOnly) {
    auto pool = [](int64_t dilation) {
        auto b = std::make_unique<OnnxModelBuilder>(19);
        b->input("x", {int64_t(1), int64_t(1), int64_t(4), int64_t(4)});
        auto& node = b->node("AveragePool", {"x"}, {"y"});
        setAttr(node, "kernel_shape", std::vector<int64_t>{2, 2});
        setAttr(node, "dilations", std::vector<int64_t>{dilation, dilation});
        b->output("y");
        return b;
    };
    expectRefused(*pool(2), StatusCode::Unsupported, "average pooling with dilations [2,2] is not supported");
    NetworkDefinition network = parseOrFail(*pool(1));
    std::vector<float> x(16);
    for (int i = 0; i < 16; ++i)
        x[size_t(i)] = float(i);
    // Each 2 x 2 window's mean: (i + i+1 + i+4 + i+5) / 4 = i + 2.5.
    expectOutput(network, {{"x", floatTensor({1, 1, 4, 4}, x)}}, "y",
                 floatTensor({1, 1, 3, 3}, {2.5, 3.5, 4.5, 6.5, 7.5, 8.5, 10.5, 11.5, 12.5}));
}

TEST(OnnxRecentOpset, GeluIsAnOpset20OperatorInBothForms) {
    for (const std::string approximate : {"none", "tanh"}) {
        OnnxModelBuilder b(20);
        b.input("x", {int64_t(5)});
        setAttr(b.node("Gelu", {"x"}, {"y"}), "approximate", approximate);
        b.output("y");
        NetworkDefinition network = parseOrFail(b);
        const std::vector<float> x = {-3.0f, -1.0f, 0.0f, 0.5f, 2.0f};
        std::vector<float> expected;
        for (float v : x) {
            const double d = v;
            const double inner = approximate == "none"
                                     ? std::erf(d / std::sqrt(2.0))
                                     : std::tanh(std::sqrt(2.0 / M_PI) * (d + 0.044715 * d * d * d));
            expected.push_back(float(0.5 * d * (1.0 + inner)));
        }
        // float32 evaluation of erf/tanh: a few units of roundoff of values below 2 (2^-23 * 2 each).
        expectOutput(network, {{"x", floatTensor({5}, x)}}, "y", floatTensor({5}, expected), 1e-6);
    }
    OnnxModelBuilder early(17);
    early.input("x", {int64_t(5)});
    early.node("Gelu", {"x"}, {"y"});
    early.output("y");
    expectRefused(early, StatusCode::InvalidModel, "No Op registered for Gelu with domain_version of 17");
}

TEST(OnnxRecentOpset, MishIsXTimesTanhOfSoftplus) {
    OnnxModelBuilder b(18);
    b.input("x", {int64_t(5)});
    b.node("Mish", {"x"}, {"y"});
    b.output("y");
    NetworkDefinition network = parseOrFail(b);
    const std::vector<float> x = {-20.0f, -2.0f, 0.0f, 1.0f, 30.0f};
    std::vector<float> expected;
    for (float v : x)
        expected.push_back(float(double(v) * std::tanh(std::log1p(std::exp(double(v))))));
    // Three float32 functions in a row on values up to 30: a few units of roundoff of 30 (2^-19 each).
    expectOutput(network, {{"x", floatTensor({5}, x)}}, "y", floatTensor({5}, expected), 1e-5);
}

// GroupNormalization computed here in double: x [N, C, positions], scale and bias per channel.
std::vector<float> groupNormalized(const std::vector<float>& x, int64_t n, int64_t c, int64_t positions,
                                   int64_t groups, const std::vector<double>& scale,
                                   const std::vector<double>& bias, double epsilon) {
    std::vector<float> y(x.size());
    const int64_t size = c / groups * positions;
    for (int64_t i = 0; i < n * groups; ++i) {
        const float* group = x.data() + i * size;
        double mean = 0.0, variance = 0.0;
        for (int64_t j = 0; j < size; ++j)
            mean += group[j];
        mean /= double(size);
        for (int64_t j = 0; j < size; ++j)
            variance += (group[j] - mean) * (group[j] - mean);
        variance /= double(size);
        for (int64_t j = 0; j < size; ++j) {
            const int64_t channel = (i % groups) * (c / groups) + j / positions;
            y[size_t(i * size + j)] =
                float((group[j] - mean) / std::sqrt(variance + epsilon) * scale[size_t(channel)] +
                      bias[size_t(channel)]);
        }
    }
    return y;
}

TEST(OnnxRecentOpset, GroupNormalizationScalesPerGroupInOpset18AndPerChannelFrom21) {
    const std::vector<float> x = {1, 2, 4, 8, -1, 0, 3, 5, 2, 2, 7, -3, 0.5, 6, 1, 1};  // [2, 4, 2]
    for (int64_t opset : {18, 21}) {
        OnnxModelBuilder b(opset);
        if (opset >= 21) b.model().set_ir_version(10);
        b.input("x", {int64_t(2), int64_t(4), int64_t(2)});
        const std::vector<float> scale =
            opset >= 21 ? std::vector<float>{1, 2, 0.5, -1} : std::vector<float>{2, 0.5};
        const std::vector<float> bias =
            opset >= 21 ? std::vector<float>{0, 1, -1, 0.25} : std::vector<float>{1, -1};
        b.initializer("scale", {int64_t(scale.size())}, scale);
        b.initializer("bias", {int64_t(bias.size())}, bias);
        auto& node = b.node("GroupNormalization", {"x", "scale", "bias"}, {"y"});
        setAttr(node, "num_groups", int64_t(2));
        setAttr(node, "epsilon", 0.01f);
        b.output("y");
        NetworkDefinition network = parseOrFail(b);
        std::vector<double> perChannelScale, perChannelBias;
        for (int64_t channel = 0; channel < 4; ++channel) {
            const size_t at = opset >= 21 ? size_t(channel) : size_t(channel / 2);
            perChannelScale.push_back(scale[at]);
            perChannelBias.push_back(bias[at]);
        }
        // Normalised values below 2 in magnitude scaled by at most 2: float32 sums of 4 values and a
        // square root, a few units of roundoff of 4 (2^-21 each).
        expectOutput(network, {{"x", floatTensor({2, 4, 2}, x)}}, "y",
                     floatTensor({2, 4, 2}, groupNormalized(x, 2, 4, 2, 2, perChannelScale, perChannelBias,
                                                            double(0.01f))),
                     1e-5);
    }
}

TEST(OnnxRecentOpset, GroupNormalizationRefusesGroupsAndScalesThatDoNotFit) {
    auto model = [](int64_t opset, int64_t groups, int64_t scaleValues) {
        auto b = std::make_unique<OnnxModelBuilder>(opset);
        b->model().set_ir_version(10);
        b->input("x", {int64_t(1), int64_t(6), int64_t(3)});
        b->initializer("scale", {scaleValues}, std::vector<float>(size_t(scaleValues), 1.0f));
        b->initializer("bias", {scaleValues}, std::vector<float>(size_t(scaleValues), 0.0f));
        setAttr(b->node("GroupNormalization", {"x", "scale", "bias"}, {"y"}), "num_groups", groups);
        b->output("y");
        return b;
    };
    expectRefused(*model(21, 4, 6), StatusCode::InvalidModel,
                  "'num_groups' is 4, which does not divide the 6 channels");
    expectRefused(*model(21, 3, 3), StatusCode::InvalidModel,
                  "expected [6], one value per channel (opset 21 and later)");
    expectRefused(*model(18, 3, 6), StatusCode::InvalidModel,
                  "expected [3], one value per group (opset 18 to 20)");
}

TEST(OnnxRecentOpset, CastWithSaturateAndOpset22OperatorsImport) {
    OnnxModelBuilder b(22);
    b.model().set_ir_version(10);
    b.input("x", {int64_t(3)});
    auto& cast = b.node("Cast", {"x"}, {"c"});
    setAttr(cast, "to", int64_t(onnx::TensorProto::INT32));
    setAttr(cast, "saturate", int64_t(1));
    b.node("Relu", {"x"}, {"r"});
    b.output("c", onnx::TensorProto::INT32);
    b.output("r");
    NetworkDefinition network = parseOrFail(b);
    expectOutput(network, {{"x", floatTensor({3}, {-2, 0.5, 3})}}, "r", floatTensor({3}, {0, 0.5, 3}));
}

TEST(OnnxRecentOpset, BlockedQuantizationIsRefused) {
    OnnxModelBuilder b(21);
    b.input("x", {int64_t(2), int64_t(4)}, onnx::TensorProto::INT8);
    b.initializer("scale", {2, 2}, {0.5, 0.5, 0.25, 0.25});
    auto& node = b.node("DequantizeLinear", {"x", "scale"}, {"y"});
    setAttr(node, "block_size", int64_t(2));
    b.output("y");
    expectRefused(b, StatusCode::Unsupported, "blocked quantization (block_size 2) is not supported");
}

TEST(OnnxRecentOpset, OpsetsAfter22AreRefused) {
    OnnxModelBuilder b(23);
    b.input("x", {int64_t(4)});
    b.node("Relu", {"x"}, {"y"});
    b.output("y");
    expectRefused(b, StatusCode::Unsupported, "1 to 22");
}

}  // namespace
}  // namespace kiln::test

// Symbolic shapes of an ONNX model's tensors: each dimension as an expression of the model's named
// input dimensions (kiln/symbolic_shapes.h), and one extent per symbol in profiles and runs.
#include <gtest/gtest.h>

#include "kiln/builder.h"
#include "kiln/onnx_parser.h"
#include "kiln/runtime.h"
#include "kiln/symbolic_shapes.h"
#include "parsers/onnx/onnx_model_builder.h"
#include "support/test_util.h"

namespace kiln::test {
namespace {

// a [N, 2, 8, W], b [N, S], c [N, T]:
//   pool = MaxPool 2x2 stride 2 (a)          [N, 2, 4, W/2]
//   down = Conv 3x3 stride 2 pad 1 (a)       [N, 2, 4, ceil(W/2)]
//   cat  = Concat(b, c, axis 1)              [N, S+T]
//   flat = Reshape(b, [-1])                  [N*S]
//   outer = Reshape(b[:, :, None] * b[:, None, :], [0, -1])   [N, S*S]: no linear form
class SymbolicShapesModel : public ::testing::Test {
protected:
    void SetUp() override {
        OnnxModelBuilder b(13);
        b.input("a", {std::string("N"), int64_t(2), int64_t(8), std::string("W")});
        b.input("b", {std::string("N"), std::string("S")});
        b.input("c", {std::string("N"), std::string("T")});
        auto& pool = b.node("MaxPool", {"a"}, {"pool"}, "pool");
        setAttr(pool, "kernel_shape", std::vector<int64_t>{2, 2});
        setAttr(pool, "strides", std::vector<int64_t>{2, 2});
        b.initializer("w", {2, 2, 3, 3}, std::vector<float>(36, 0.125f));
        auto& conv = b.node("Conv", {"a", "w"}, {"down"}, "down");
        setAttr(conv, "strides", std::vector<int64_t>{2, 2});
        setAttr(conv, "pads", std::vector<int64_t>{1, 1, 1, 1});
        auto& cat = b.node("Concat", {"b", "c"}, {"cat"}, "cat");
        setAttr(cat, "axis", int64_t(1));
        b.initializerInt64("minus_one", {1}, {-1});
        b.node("Reshape", {"b", "minus_one"}, {"flat"}, "flat");
        b.initializerInt64("axis1", {1}, {1});
        b.initializerInt64("axis2", {1}, {2});
        b.node("Unsqueeze", {"b", "axis2"}, {"column"}, "column");
        b.node("Unsqueeze", {"b", "axis1"}, {"row"}, "row");
        b.node("Mul", {"column", "row"}, {"product"}, "product");
        b.initializerInt64("keep_flatten", {2}, {0, -1});
        b.node("Reshape", {"product", "keep_flatten"}, {"outer"}, "outer");
        for (const char* output : {"pool", "down", "cat", "flat", "outer"}) b.output(output);
        m_model = m_dir.writeFile("symbolic.onnx", b.bytes());
        auto source = onnxNetworkSource(m_model);
        ASSERT_TRUE(source.isOk()) << source.status().message();
        m_source = source.value();
    }

    std::map<std::string, Dims> shapes(int64_t n, int64_t w, int64_t s, int64_t t) const {
        return {{"a", {n, 2, 8, w}}, {"b", {n, s}}, {"c", {n, t}}};
    }

    std::string shapeOf(const SymbolicShapes& symbolic, const std::string& tensor) const {
        auto it = symbolic.tensors.find(tensor);
        return it == symbolic.tensors.end() ? "(missing)" : toString(it->second);
    }

    TempDir m_dir{"symbolic"};
    std::string m_model;
    std::shared_ptr<const NetworkSource> m_source;
};

TEST_F(SymbolicShapesModel, EachDimensionIsAnExpressionOfTheNamedInputDimensions) {
    auto symbolic = deriveSymbolicShapes(*m_source, shapes(2, 16, 5, 7));
    ASSERT_TRUE(symbolic.isOk()) << symbolic.status().message();
    EXPECT_EQ(symbolic->symbols, (std::map<std::string, int64_t>{{"N", 2}, {"S", 5}, {"T", 7}, {"W", 16}}));
    EXPECT_EQ(shapeOf(*symbolic, "a"), "Nx2x8xW");
    EXPECT_EQ(shapeOf(*symbolic, "pool"), "Nx2x4xW/2");
    EXPECT_EQ(shapeOf(*symbolic, "down"), "Nx2x4xceil(W/2)");
    EXPECT_EQ(shapeOf(*symbolic, "cat"), "NxS+T");
    EXPECT_EQ(shapeOf(*symbolic, "flat"), "N*S");
    EXPECT_EQ(shapeOf(*symbolic, "outer"), "Nx?");
    // The weights do not depend on any symbol.
    EXPECT_EQ(shapeOf(*symbolic, "w"), "2x2x3x3");
}

TEST_F(SymbolicShapesModel, TheExpressionsDoNotDependOnThePointTheyWereDerivedAt) {
    auto at = [&](int64_t n, int64_t w, int64_t s, int64_t t) {
        auto symbolic = deriveSymbolicShapes(*m_source, shapes(n, w, s, t));
        EXPECT_TRUE(symbolic.isOk()) << symbolic.status().message();
        std::string all;
        for (const char* tensor : {"pool", "down", "cat", "flat"}) all += shapeOf(*symbolic, tensor) + " ";
        return all;
    };
    EXPECT_EQ(at(2, 16, 5, 7), at(1, 33, 1, 2));
    EXPECT_EQ(at(2, 16, 5, 7), at(3, 224, 32, 32));
}

TEST_F(SymbolicShapesModel, ExpressionsEvaluateToTheShapesOfAnotherInstantiation) {
    auto symbolic = deriveSymbolicShapes(*m_source, shapes(2, 16, 5, 7));
    ASSERT_TRUE(symbolic.isOk()) << symbolic.status().message();
    const std::map<std::string, int64_t> values{{"N", 3}, {"W", 21}, {"S", 4}, {"T", 9}};
    auto network = m_source->instantiate(shapes(3, 21, 4, 9));
    ASSERT_TRUE(network.isOk()) << network.status().message();
    int checked = 0;
    for (const auto& [name, dims] : symbolic->tensors) {
        const Tensor* tensor = network->findTensor(name);
        ASSERT_NE(tensor, nullptr) << name;
        ASSERT_EQ(tensor->dims().size(), dims.size()) << name;
        for (size_t axis = 0; axis < dims.size(); ++axis) {
            if (!dims[axis].known) continue;
            EXPECT_EQ(dims[axis].evaluate(values), tensor->dims()[axis]) << name << " dimension " << axis;
            ++checked;
        }
    }
    EXPECT_GT(checked, 20);
}

TEST_F(SymbolicShapesModel, AProfileMustGiveOneSymbolOneExtent) {
    OptimizationProfile profile;
    profile.inputs["a"] = {{1, 2, 8, 8}, {2, 2, 8, 16}, {4, 2, 8, 32}};
    profile.inputs["b"] = {{1, 1}, {2, 4}, {4, 8}};
    profile.inputs["c"] = {{1, 1}, {3, 4}, {4, 8}};  // N at opt is 3 here, 2 for a and b
    BuilderConfig config;
    config.profiles = {profile};
    config.timingIterations = 1;
    auto engine = Builder::build(m_source, config);
    ASSERT_FALSE(engine.isOk());
    const std::string& message = engine.status().message();
    EXPECT_NE(message.find("opt shapes"), std::string::npos) << message;
    EXPECT_NE(message.find("'c' is 'N'"), std::string::npos) << message;
    EXPECT_NE(message.find("input 'a' sets to 2"), std::string::npos) << message;
    EXPECT_NE(message.find("same extent"), std::string::npos) << message;
}

TEST_F(SymbolicShapesModel, ARunThatGivesOneSymbolTwoExtentsIsRefusedWithoutDisturbingOtherContexts) {
    OptimizationProfile profile;
    profile.inputs["a"] = {{1, 2, 8, 8}, {2, 2, 8, 16}, {4, 2, 8, 32}};
    profile.inputs["b"] = {{1, 1}, {2, 4}, {4, 8}};
    profile.inputs["c"] = {{1, 1}, {2, 4}, {4, 8}};
    BuilderConfig config;
    config.profiles = {profile};
    config.timingIterations = 1;
    auto engine = Builder::build(m_source, config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    auto bad = (*engine)->createExecutionContext();
    auto good = (*engine)->createExecutionContext();
    ASSERT_TRUE(bad.isOk() && good.isOk());
    ASSERT_TRUE((*bad)->setInputShape("a", {3, 2, 8, 8}).isOk());
    ASSERT_TRUE((*bad)->setInputShape("b", {3, 2}).isOk());
    ASSERT_TRUE((*bad)->setInputShape("c", {2, 2}).isOk());  // N = 3 for a and b
    const TensorMap badInputs{{"a", HostTensor(DataType::Float32, {3, 2, 8, 8})},
                              {"b", HostTensor(DataType::Float32, {3, 2})},
                              {"c", HostTensor(DataType::Float32, {2, 2})}};
    auto refused = (*bad)->execute(badInputs);
    ASSERT_FALSE(refused.isOk());
    EXPECT_NE(refused.status().message().find("dimension 0 of input 'c' is 'N'"), std::string::npos)
        << refused.status().message();

    const TensorMap inputs{{"a", HostTensor(DataType::Float32, {2, 2, 8, 16})},
                           {"b", HostTensor(DataType::Float32, {2, 4})},
                           {"c", HostTensor(DataType::Float32, {2, 4})}};
    auto outputs = (*good)->execute(inputs);
    ASSERT_TRUE(outputs.isOk()) << outputs.status().message();
    EXPECT_EQ(outputs->at("cat").dims(), (Dims{2, 8}));
}

TEST(SymbolicShapes, UnnamedSymbolicDimensionsAreNamedAfterTheirInputAndAxis) {
    SourceInput input{"x", DataType::Float32, {-1, 3, -1}, {"", "", "height"}, false};
    EXPECT_EQ(symbolsOf(input), (std::vector<std::string>{"x.d0", "", "height"}));
    input.isShapeTensor = true;
    EXPECT_EQ(symbolsOf(input), (std::vector<std::string>{"", "", ""}));
}

TEST(SymbolicShapes, ExpressionsReadAsShapeArithmetic) {
    DimExpression dim;
    dim.terms[{"seq"}] = 2;
    dim.constant = 1;
    EXPECT_EQ(toString(dim), "2*seq+1");
    EXPECT_EQ(dim.evaluate({{"seq", 5}}), 11);
    DimExpression quarter;
    quarter.terms[{"w"}] = 1;
    quarter.divisor = 4;
    quarter.constant = 3;
    EXPECT_EQ(toString(quarter), "ceil(w/4)");
    EXPECT_EQ(quarter.evaluate({{"w", 9}}), 3);
    quarter.constant = -5;  // (w-5)/4 rounded down is ceil(w/4)-2
    EXPECT_EQ(toString(quarter), "ceil(w/4)-2");
    quarter.constant = -6;
    EXPECT_EQ(toString(quarter), "(w-6)/4");
    EXPECT_EQ(quarter.evaluate({{"w", 4}}), -1);  // rounds down, as shape arithmetic does
    quarter.constant = 8;
    EXPECT_EQ(toString(quarter), "w/4+2");
    DimExpression product;
    product.terms[{"batch", "seq"}] = 1;
    product.terms[{"seq"}] = -1;
    EXPECT_EQ(toString(product), "batch*seq-seq");
    EXPECT_EQ(toString(DimExpression{}), "0");
    DimExpression none;
    none.known = false;
    EXPECT_EQ(toString(none), "?");
    EXPECT_EQ(none.evaluate({}), std::nullopt);
}

}  // namespace
}  // namespace kiln::test

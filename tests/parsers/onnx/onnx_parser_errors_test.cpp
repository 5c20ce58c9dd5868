// Malformed and unsupported models: each case asserts the status code and that the message names the
// culprit (file, tensor, node or input), so a user can act on it.
#include <gtest/gtest.h>

#include <cstring>

#include "kiln/onnx_parser.h"
#include "parsers/onnx/onnx_model_builder.h"

namespace kiln::test {
namespace {

OnnxModelBuilder reluModel() {
    OnnxModelBuilder b;
    b.input("x", {int64_t(1), int64_t(4)});
    b.node("Relu", {"x"}, {"y"}, "relu");
    b.output("y");
    return b;
}

void expectError(const Result<NetworkDefinition>& result, StatusCode code,
                 const std::vector<std::string>& parts) {
    ASSERT_FALSE(result.isOk()) << "the model was accepted";
    EXPECT_EQ(result.status().code(), code) << result.status().message();
    for (const std::string& part : parts) {
        EXPECT_NE(result.status().message().find(part), std::string::npos)
            << "message lacks '" << part << "': " << result.status().message();
    }
}

TEST(OnnxParserErrors, MissingFileIsNotFoundAndNamesThePath) {
    const std::string path = "/nonexistent/kiln/model.onnx";
    expectError(parseOnnxFile(path), StatusCode::NotFound, {path});
}

TEST(OnnxParserErrors, EmptyFileIsNotAValidModel) {
    TempDir dir("empty");
    const std::string path = dir.writeFile("empty.onnx", "");
    expectError(parseOnnxFile(path), StatusCode::InvalidModel, {path, "is not a valid ONNX model"});
}

TEST(OnnxParserErrors, TextFileIsNotAValidModel) {
    TempDir dir("text");
    const std::string path = dir.writeFile("notes.onnx", "This is a text file, not a model.\nSecond line.\n");
    expectError(parseOnnxFile(path), StatusCode::InvalidModel, {path, "is not a valid ONNX model"});
}

TEST(OnnxParserErrors, TruncatedModelIsNotAValidModel) {
    TempDir dir("truncated");
    OnnxModelBuilder b = reluModel();
    b.initializer("unused_weights", {64}, std::vector<float>(64, 0.5f));
    const std::string bytes = b.bytes();
    const std::string path = dir.writeFile("half.onnx", bytes.substr(0, bytes.size() / 2));
    expectError(parseOnnxFile(path), StatusCode::InvalidModel, {path, "is not a valid ONNX model"});
}

TEST(OnnxParserErrors, NegativeInputDimIsRefusedNamingTheInput) {
    OnnxModelBuilder b;
    b.input("x", {int64_t(1), int64_t(-5)});
    b.node("Relu", {"x"}, {"y"});
    b.output("y");
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::InvalidModel, {"input 'x'", "-5"});
}

TEST(OnnxParserErrors, HugeInputDimIsRefusedNamingTheInput) {
    OnnxModelBuilder b;
    b.input("x", {int64_t(1) << 62});
    b.node("Relu", {"x"}, {"y"});
    b.output("y");
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::InvalidModel,
                {"input 'x'", std::to_string(int64_t(1) << 62)});
}

TEST(OnnxParserErrors, NegativeInitializerDimIsRefusedNamingTheTensor) {
    OnnxModelBuilder b = reluModel();
    auto& w = b.initializer("weights", {}, {});
    w.add_dims(-5);
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::InvalidModel, {"tensor 'weights'", "-5"});
}

TEST(OnnxParserErrors, HugeInitializerDimIsRefusedNamingTheTensor) {
    OnnxModelBuilder b = reluModel();
    auto& w = b.initializer("weights", {}, {});
    w.add_dims(int64_t(1) << 62);
    w.set_raw_data(std::string(16, '\0'));
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::InvalidModel,
                {"tensor 'weights'", std::to_string(int64_t(1) << 62)});
}

TEST(OnnxParserErrors, RawDataShorterThanDimsIsRefused) {
    OnnxModelBuilder b = reluModel();
    auto& w = b.initializer("weights", {2, 3}, {});
    w.set_raw_data(std::string(4 * sizeof(float), '\0'));
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::InvalidModel,
                {"tensor 'weights'", "16 bytes", "24"});
}

TEST(OnnxParserErrors, TypedDataCountMismatchIsRefused) {
    OnnxModelBuilder b = reluModel();
    b.initializer("weights", {2, 3}, {1.0f, 2.0f});
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::InvalidModel, {"tensor 'weights'", "float_data"});
}

TEST(OnnxParserErrors, UnsupportedElementTypeNamesTensorAndType) {
    OnnxModelBuilder b = reluModel();
    auto& w = b.initializer("weights", {2}, {});
    w.set_data_type(onnx::TensorProto::DOUBLE);
    w.add_double_data(1.0);
    w.add_double_data(2.0);
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::Unsupported, {"tensor 'weights'", "DOUBLE"});
}

onnx::TensorProto& externalInitializer(OnnxModelBuilder& b, const std::string& location, int64_t offset) {
    auto& w = b.initializer("weights", {2, 3}, {});
    w.set_data_location(onnx::TensorProto::EXTERNAL);
    auto* entry = w.add_external_data();
    entry->set_key("location");
    entry->set_value(location);
    entry = w.add_external_data();
    entry->set_key("offset");
    entry->set_value(std::to_string(offset));
    return w;
}

TEST(OnnxParserErrors, ExternalDataWithDotDotIsRefused) {
    TempDir dir("dotdot");
    dir.writeFile("weights.bin", std::string(24, '\0'));
    OnnxModelBuilder b = reluModel();
    externalInitializer(b, "../weights.bin", 0);
    const std::string path = dir.writeFile("model.onnx", b.bytes());
    expectError(parseOnnxFile(path), StatusCode::InvalidModel,
                {"tensor 'weights'", "../weights.bin", "'..'"});
}

TEST(OnnxParserErrors, AbsoluteExternalPathIsRefused) {
    TempDir dir("absolute");
    const std::string binary = dir.writeFile("weights.bin", std::string(24, '\0'));
    OnnxModelBuilder b = reluModel();
    externalInitializer(b, binary, 0);
    const std::string path = dir.writeFile("model.onnx", b.bytes());
    expectError(parseOnnxFile(path), StatusCode::InvalidModel, {"tensor 'weights'", binary, "absolute"});
}

TEST(OnnxParserErrors, SymlinkLeavingTheModelFolderIsRefused) {
    TempDir outside("outside");
    const std::string binary = outside.writeFile("weights.bin", std::string(24, '\0'));
    TempDir dir("symlink");
    std::filesystem::create_symlink(binary, dir.path() / "link.bin");
    OnnxModelBuilder b = reluModel();
    externalInitializer(b, "link.bin", 0);
    const std::string path = dir.writeFile("model.onnx", b.bytes());
    expectError(parseOnnxFile(path), StatusCode::InvalidModel, {"tensor 'weights'", "link.bin", "outside"});
}

TEST(OnnxParserErrors, ExternalOffsetPastTheEndIsRefused) {
    TempDir dir("offset");
    dir.writeFile("weights.bin", std::string(24, '\0'));
    OnnxModelBuilder b = reluModel();
    externalInitializer(b, "weights.bin", 100);
    const std::string path = dir.writeFile("model.onnx", b.bytes());
    expectError(parseOnnxFile(path), StatusCode::InvalidModel, {"tensor 'weights'", "weights.bin", "100"});
}

TEST(OnnxParserErrors, ExternalFileTooShortIsRefused) {
    TempDir dir("short");
    dir.writeFile("weights.bin", std::string(20, '\0'));
    OnnxModelBuilder b = reluModel();
    externalInitializer(b, "weights.bin", 0);
    const std::string path = dir.writeFile("model.onnx", b.bytes());
    expectError(parseOnnxFile(path), StatusCode::InvalidModel, {"tensor 'weights'", "weights.bin", "24"});
}

TEST(OnnxParserErrors, ExternalDataReadsTheRightBytes) {
    TempDir dir("external");
    std::vector<float> values = {1, 2, 3, 4, 5, 6};
    std::string bytes(8, '\x7f');  // 8 bytes of padding before the tensor, skipped by the offset
    bytes.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
    dir.writeFile("weights.bin", bytes);
    OnnxModelBuilder b = reluModel();
    externalInitializer(b, "weights.bin", 8);
    const std::string path = dir.writeFile("model.onnx", b.bytes());
    auto network = parseOnnxFile(path);
    ASSERT_TRUE(network.isOk()) << network.status().message();
    const Tensor* w = network->findTensor("weights");
    ASSERT_NE(w, nullptr);
    ASSERT_TRUE(w->isConstant());
    for (size_t i = 0; i < values.size(); ++i) {
        EXPECT_EQ(w->constantData()->data<float>()[i], values[i]);
    }
}

TEST(OnnxParserErrors, GraphCycleNamesTheNodesOnIt) {
    OnnxModelBuilder b;
    b.input("x", {int64_t(4)});
    b.node("Relu", {"x"}, {"r"}, "before_cycle");
    b.node("Add", {"r", "c"}, {"a"}, "cycle_add");
    b.node("Relu", {"a"}, {"c"}, "cycle_relu");
    b.output("a");
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::InvalidModel,
                {"cycle", "cycle_add", "cycle_relu"});
    auto result = parseOnnxBytes(b.bytes(), "");
    EXPECT_EQ(result.status().message().find("before_cycle"), std::string::npos) << result.status().message();
}

TEST(OnnxParserErrors, DuplicateTensorNameIsRefused) {
    OnnxModelBuilder b;
    b.input("x", {int64_t(4)});
    b.node("Relu", {"x"}, {"y"}, "first");
    b.node("Sigmoid", {"x"}, {"y"}, "second");
    b.output("y");
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::InvalidModel,
                {"duplicate", "'y'", "first", "second"});
}

TEST(OnnxParserErrors, InputThatNothingProducesIsRefused) {
    OnnxModelBuilder b;
    b.input("x", {int64_t(4)});
    b.node("Add", {"x", "ghost"}, {"y"}, "adder");
    b.output("y");
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::InvalidModel, {"'adder'", "'ghost'"});
}

TEST(OnnxParserErrors, UnknownGraphOutputIsNotFound) {
    OnnxModelBuilder b = reluModel();
    b.output("nowhere");
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::NotFound, {"'nowhere'"});
}

TEST(OnnxParserErrors, EveryUnsupportedNodeIsListedInOneError) {
    OnnxModelBuilder b;
    b.input("x", {int64_t(4)});
    b.node("FancyOp", {"x"}, {"a"}, "fancy");
    b.node("Relu", {"a"}, {"b"}, "relu");
    b.node("OtherOp", {"b"}, {"y"}, "other");
    b.output("y");
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::Unsupported,
                {"2 nodes", "op FancyOp (opset 13) at node 'fancy'; op OtherOp (opset 13) at node 'other'"});
    auto result = parseOnnxBytes(b.bytes(), "");
    EXPECT_EQ(result.status().message().find("'relu'"), std::string::npos) << result.status().message();
}

TEST(OnnxParserErrors, UnsupportedNodesAreGroupedByOperator) {
    // A detection model's post-processing: many nodes of a few operators, listed per operator with the
    // first three node names and a count.
    OnnxModelBuilder b;
    b.input("x", {int64_t(4)});
    std::string previous = "x";
    for (int i = 0; i < 5; ++i) {
        const std::string k = std::to_string(i);
        b.node("FancyOp", {previous}, {"f" + k + ".out"}, "fancy" + k);
        b.node("Relu", {"f" + k + ".out"}, {"r" + k + ".out"}, "relu" + k);
        previous = "r" + k + ".out";
    }
    b.node("OtherOp", {previous}, {"y"}, "other");
    b.output("y");
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::Unsupported,
                {"the model has 6 nodes",
                 "op FancyOp (opset 13) at 5 nodes: 'fancy0', 'fancy1', 'fancy2' and 2 more; "
                 "op OtherOp (opset 13) at node 'other'"});
    auto result = parseOnnxBytes(b.bytes(), "");
    EXPECT_EQ(result.status().message().find("'fancy3'"), std::string::npos) << result.status().message();
}

TEST(OnnxParserErrors, ForeignDomainIsRefused) {
    OnnxModelBuilder b = reluModel();
    auto* import = b.model().add_opset_import();
    import->set_domain("com.example");
    import->set_version(1);
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::Unsupported, {"com.example"});
}

TEST(OnnxParserErrors, UnusedMlDomainImportIsAccepted) {
    OnnxModelBuilder b = reluModel();
    auto* import = b.model().add_opset_import();
    import->set_domain("ai.onnx.ml");
    import->set_version(2);
    auto result = parseOnnxBytes(b.bytes(), "");
    EXPECT_TRUE(result.isOk()) << result.status().message();
}

TEST(OnnxParserErrors, NodeOfTheMlDomainIsListedAsUnsupported) {
    OnnxModelBuilder b;
    auto* import = b.model().add_opset_import();
    import->set_domain("ai.onnx.ml");
    import->set_version(2);
    b.input("x", {int64_t(4)});
    auto& scaler = b.node("Scaler", {"x"}, {"y"}, "scaler");
    scaler.set_domain("ai.onnx.ml");
    b.output("y");
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::Unsupported,
                {"op Scaler of domain 'ai.onnx.ml' at node 'scaler' (load a plugin library"});
}

TEST(OnnxParserErrors, OpsetOutOfRangeIsUnsupported) {
    OnnxModelBuilder b(23);
    b.input("x", {int64_t(4)});
    b.node("Relu", {"x"}, {"y"});
    b.output("y");
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::Unsupported, {"opset 23", "1 to 22"});
}

TEST(OnnxParserErrors, OpsetZeroIsUnsupported) {
    OnnxModelBuilder b(0);
    b.input("x", {int64_t(4)});
    b.node("Relu", {"x"}, {"y"});
    b.output("y");
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::Unsupported, {"opset 0", "1 to 22"});
}

TEST(OnnxParserErrors, CheckerComplaintIsReported) {
    OnnxModelBuilder b;
    b.input("x", {int64_t(4)});
    b.node("Relu", {"x", "x"}, {"y"}, "two_input_relu");
    b.output("y");
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::InvalidModel, {"checker", "two_input_relu"});
}

TEST(OnnxParserErrors, SymbolicDimensionAsksForShapes) {
    OnnxModelBuilder b;
    b.input("x", {std::string("batch"), int64_t(3), int64_t(4), int64_t(4)});
    b.node("Relu", {"x"}, {"y"});
    b.output("y");
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::InvalidArgument,
                {"input 'x' dimension 0 is symbolic ('batch')", "--shapes x:1x3x4x4"});
}

TEST(OnnxParserErrors, GivenShapeMustAgreeWithTheModel) {
    OnnxModelBuilder b;
    b.input("x", {std::string("batch"), int64_t(3)});
    b.node("Relu", {"x"}, {"y"});
    b.output("y");
    OnnxParseOptions wrongRank;
    wrongRank.inputShapes["x"] = {2, 3, 1};
    expectError(parseOnnxBytes(b.bytes(), "", wrongRank), StatusCode::InvalidArgument, {"'x'", "2x3x1"});
    OnnxParseOptions wrongFixedDim;
    wrongFixedDim.inputShapes["x"] = {2, 5};
    expectError(parseOnnxBytes(b.bytes(), "", wrongFixedDim), StatusCode::InvalidArgument,
                {"'x'", "fixes it to 3"});
    OnnxParseOptions unknownInput;
    unknownInput.inputShapes["x"] = {2, 3};
    unknownInput.inputShapes["z"] = {1};
    expectError(parseOnnxBytes(b.bytes(), "", unknownInput), StatusCode::InvalidArgument, {"'z'"});
}

TEST(OnnxParserErrors, NonConstantShapeInputIsUnsupportedNamingNodeAndInput) {
    OnnxModelBuilder b;
    b.input("x", {int64_t(2), int64_t(3)});
    b.input("target_shape", {int64_t(2)}, onnx::TensorProto::INT64);
    b.node("Reshape", {"x", "target_shape"}, {"y"}, "dynamic_reshape");
    b.output("y");
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::Unsupported,
                {"dynamic_reshape", "'target_shape'", "shape"});
}

TEST(OnnxParserErrors, MaxPoolIndicesOutputIsUnsupported) {
    OnnxModelBuilder b;
    b.input("x", {int64_t(1), int64_t(1), int64_t(4), int64_t(4)});
    auto& pool = b.node("MaxPool", {"x"}, {"y", "indices"}, "pool_with_indices");
    setAttr(pool, "kernel_shape", std::vector<int64_t>{2, 2});
    b.output("y");
    b.output("indices", onnx::TensorProto::INT64);
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::Unsupported, {"pool_with_indices", "Indices"});
}

TEST(OnnxParserErrors, CubicResizeIsUnsupported) {
    OnnxModelBuilder b;
    b.input("x", {int64_t(1), int64_t(1), int64_t(2), int64_t(2)});
    b.initializer("scales", {4}, {1, 1, 2, 2});
    auto& resize = b.node("Resize", {"x", "", "scales"}, {"y"}, "cubic_resize");
    setAttr(resize, "mode", std::string("cubic"));
    b.output("y");
    expectError(parseOnnxBytes(b.bytes(), ""), StatusCode::Unsupported, {"cubic_resize", "cubic"});
}

TEST(OnnxParserErrors, ReadOnnxTensorFileRefusesGarbage) {
    TempDir dir("tensorfile");
    const std::string path = dir.writeFile("input_0.pb", "");
    auto result = readOnnxTensorFile(path);
    ASSERT_FALSE(result.isOk());
    EXPECT_EQ(result.status().code(), StatusCode::InvalidModel);
    EXPECT_NE(result.status().message().find(path), std::string::npos) << result.status().message();
}

}  // namespace
}  // namespace kiln::test

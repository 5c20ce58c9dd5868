// Runs the built `kiln` executable on generated models and files, checking exit codes, the messages
// on standard error, and that a failed run leaves no output directory behind. Models are built here
// with the ONNX protobuf API so each test controls exactly what the file holds.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include "kiln/npy.h"
#include "kiln/types.h"

namespace {

namespace fs = std::filesystem;

struct CommandResult {
    int exitCode = -1;
    std::string out;
    std::string err;
};

std::string readText(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void writeBytes(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
}

std::string quoted(const std::string& text) {
    std::string quotedText = "'";
    for (char c : text)
        quotedText += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quotedText + "'";
}

void addTensorValue(onnx::ValueInfoProto* value, const std::string& name,
                    const std::vector<std::string>& dims) {
    value->set_name(name);
    auto* tensorType = value->mutable_type()->mutable_tensor_type();
    tensorType->set_elem_type(onnx::TensorProto::FLOAT);
    for (const std::string& dim : dims) {
        auto* d = tensorType->mutable_shape()->add_dim();
        if (!dim.empty() && dim.find_first_not_of("0123456789") == std::string::npos) {
            d->set_dim_value(std::stoll(dim));
        } else {
            d->set_dim_param(dim);
        }
    }
}

// x [dims] -> Relu -> "relu/out:0" and x -> Neg -> "neg": two outputs whose values are easy to check
// by hand, one with a name that is not a safe file name.
onnx::ModelProto reluNegModel(const std::vector<std::string>& inputDims) {
    onnx::ModelProto model;
    model.set_ir_version(8);
    model.set_producer_name("kiln_cli_test");
    auto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(13);
    auto* graph = model.mutable_graph();
    graph->set_name("relu_neg");
    addTensorValue(graph->add_input(), "x", inputDims);
    auto* relu = graph->add_node();
    relu->set_name("relu_node");
    relu->set_op_type("Relu");
    relu->add_input("x");
    relu->add_output("relu/out:0");
    auto* neg = graph->add_node();
    neg->set_name("neg_node");
    neg->set_op_type("Neg");
    neg->add_input("x");
    neg->add_output("neg");
    addTensorValue(graph->add_output(), "relu/out:0", inputDims);
    addTensorValue(graph->add_output(), "neg", inputDims);
    return model;
}

class KilnCliTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "kiln_cli_test_XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        m_dir = pattern;
        m_outputDir = m_dir / "outputs";
    }
    void TearDown() override {
        std::error_code error;
        fs::remove_all(m_dir, error);
    }

    CommandResult kiln(const std::string& args) const {
        const fs::path out = m_dir / "stdout.txt";
        const fs::path err = m_dir / "stderr.txt";
        const std::string command =
            quoted(KILN_CLI_PATH) + " " + args + " > " + quoted(out.string()) + " 2> " + quoted(err.string());
        const int status = std::system(command.c_str());
        CommandResult result;
        result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        result.out = readText(out);
        result.err = readText(err);
        return result;
    }

    std::string writeModel(const std::string& fileName, const onnx::ModelProto& model) const {
        const fs::path path = m_dir / fileName;
        writeBytes(path, model.SerializeAsString());
        return path.string();
    }

    std::string writeArray(const std::string& fileName, const kiln::Dims& dims,
                           const std::vector<float>& values) {
        kiln::HostTensor tensor(kiln::DataType::Float32, dims);
        std::copy(values.begin(), values.end(), tensor.data<float>());
        const fs::path path = m_dir / fileName;
        EXPECT_TRUE(kiln::writeNpy(path.string(), tensor).isOk());
        return path.string();
    }

    std::string outputDirFlag() const { return "--output-dir " + quoted(m_outputDir.string()); }

    // A failed command must report on stderr with the agreed prefix and leave no output directory.
    void expectFailure(const CommandResult& result, int exitCode,
                       const std::vector<std::string>& mentions) const {
        EXPECT_EQ(result.exitCode, exitCode) << result.err;
        EXPECT_EQ(result.err.rfind("kiln: error: ", 0), 0u) << result.err;
        for (const std::string& mention : mentions) {
            EXPECT_NE(result.err.find(mention), std::string::npos)
                << "'" << mention << "' not in: " << result.err;
        }
        EXPECT_FALSE(fs::exists(m_outputDir)) << "a failed command created " << m_outputDir;
    }

    fs::path m_dir;
    fs::path m_outputDir;
};

TEST_F(KilnCliTest, EmptyFileIsRefused) {
    const fs::path model = m_dir / "empty.onnx";
    writeBytes(model, "");
    expectFailure(kiln("inspect " + quoted(model.string())), 1, {"empty.onnx"});
    expectFailure(kiln("run " + quoted(model.string()) + " " + outputDirFlag()), 1, {"empty.onnx"});
}

TEST_F(KilnCliTest, TextFileIsRefused) {
    const fs::path model = m_dir / "notes.onnx";
    writeBytes(model, "These are not the weights you are looking for.\n");
    expectFailure(kiln("run " + quoted(model.string()) + " " + outputDirFlag()), 1, {"notes.onnx"});
}

TEST_F(KilnCliTest, MissingFileIsRefused) {
    expectFailure(kiln("inspect " + quoted((m_dir / "absent.onnx").string())), 1, {"absent.onnx"});
}

TEST_F(KilnCliTest, TruncatedModelIsRefused) {
    const std::string bytes = reluNegModel({"2", "3"}).SerializeAsString();
    const fs::path model = m_dir / "truncated.onnx";
    writeBytes(model, bytes.substr(0, bytes.size() / 2));
    expectFailure(kiln("run " + quoted(model.string()) + " " + outputDirFlag()), 1, {"truncated.onnx"});
}

TEST_F(KilnCliTest, TruncatedSampleModelIsRefused) {
    const fs::path sample = fs::path(KILN_SOURCE_DIR) / "resources/sample/kiln_sample.onnx";
    if (!fs::exists(sample)) GTEST_SKIP() << sample << " is not in this tree";
    const std::string bytes = readText(sample);
    const fs::path model = m_dir / "sample_truncated.onnx";
    writeBytes(model, bytes.substr(0, bytes.size() * 2 / 3));
    expectFailure(kiln("run " + quoted(model.string()) + " " + outputDirFlag()), 1,
                  {"sample_truncated.onnx"});
}

TEST_F(KilnCliTest, SampleModelInspectsAndRuns) {
    const fs::path sample = fs::path(KILN_SOURCE_DIR) / "resources/sample/kiln_sample.onnx";
    if (!fs::exists(sample)) GTEST_SKIP() << sample << " is not in this tree";
    const CommandResult inspect = kiln("inspect " + quoted(sample.string()) + " --json");
    EXPECT_EQ(inspect.exitCode, 0) << inspect.err;
    const CommandResult run = kiln("run " + quoted(sample.string()) + " " + outputDirFlag());
    EXPECT_EQ(run.exitCode, 0) << run.err;
    EXPECT_TRUE(fs::exists(m_outputDir) && !fs::is_empty(m_outputDir)) << "no output written";
}

TEST_F(KilnCliTest, UnsupportedOpIsNamed) {
    onnx::ModelProto model = reluNegModel({"2", "3"});
    auto* graph = model.mutable_graph();
    auto* node = graph->mutable_node(1);
    node->set_name("nms_node");
    node->set_op_type("NonMaxSuppression");
    expectFailure(kiln("run " + quoted(writeModel("nms.onnx", model)) + " " + outputDirFlag()), 1,
                  {"NonMaxSuppression"});
}

TEST_F(KilnCliTest, SymbolicDimensionNeedsShapes) {
    const std::string model = writeModel("symbolic.onnx", reluNegModel({"batch", "3"}));
    expectFailure(kiln("inspect " + quoted(model)), 2, {"'x'", "batch", "--shapes x:1x3"});
    expectFailure(kiln("run " + quoted(model) + " " + outputDirFlag()), 2, {"'x'", "batch", "--shapes"});
}

TEST_F(KilnCliTest, ShapesResolveSymbolicDimension) {
    const std::string model = writeModel("symbolic.onnx", reluNegModel({"batch", "3"}));
    const CommandResult result = kiln("inspect " + quoted(model) + " --shapes x:5x3");
    EXPECT_EQ(result.exitCode, 0) << result.err;
    EXPECT_NE(result.out.find("5x3"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("relu_node"), std::string::npos) << result.out;
}

TEST_F(KilnCliTest, ShapesNamingUnknownInputIsUsageError) {
    const std::string model = writeModel("fixed.onnx", reluNegModel({"2", "3"}));
    expectFailure(kiln("inspect " + quoted(model) + " --shapes images:2x3"), 2, {"images", "'x'"});
}

TEST_F(KilnCliTest, WrongInputShapeIsRefusedBeforeRunning) {
    const std::string model = writeModel("fixed.onnx", reluNegModel({"2", "3"}));
    const std::string array = writeArray("wrong.npy", {3, 2}, {1, 2, 3, 4, 5, 6});
    expectFailure(kiln("run " + quoted(model) + " --input x=" + quoted(array) + " " + outputDirFlag()), 1,
                  {"'x'", "wrong.npy", "3x2", "2x3"});
}

TEST_F(KilnCliTest, InputFileDisagreeingWithShapesIsRefused) {
    const std::string model = writeModel("symbolic.onnx", reluNegModel({"batch", "3"}));
    const std::string array = writeArray("two.npy", {2, 3}, {1, 2, 3, 4, 5, 6});
    expectFailure(
        kiln("run " + quoted(model) + " --shapes x:4x3 --input x=" + quoted(array) + " " + outputDirFlag()),
        1, {"'x'", "two.npy", "2x3", "4x3", "--shapes"});
}

TEST_F(KilnCliTest, BadFlagsAreUsageErrors) {
    const std::string model = quoted(writeModel("fixed.onnx", reluNegModel({"2", "3"})));
    const std::string out = " " + outputDirFlag();
    expectFailure(kiln("run " + model + " --fp64" + out), 2, {"--fp64"});
    expectFailure(kiln("run " + model + out + " --iterations"), 2, {"--iterations", "needs a value"});
    expectFailure(kiln("run " + model + " --iterations ten" + out), 2, {"--iterations", "'ten'"});
    expectFailure(kiln("run " + model + " --iterations 0" + out), 2, {"--iterations"});
    expectFailure(kiln("run " + model + " --warmUp=-1" + out), 2, {"--warmUp", "'-1'"});
    expectFailure(kiln("run " + model + " --iterations 99999999999999999999" + out), 2, {"--iterations"});
    expectFailure(kiln("run " + model + " --shapes x=2x3" + out), 2, {"--shapes", "NAME:DIMS"});
    expectFailure(kiln("run " + model + " --shapes x:2xq" + out), 2, {"--shapes", "x:2xq"});
    expectFailure(kiln("run " + model + " --shapes x:2x3,,y:1" + out), 2, {"--shapes"});
    expectFailure(kiln("run " + model + " --shapes x:2x3,x:2x3" + out), 2, {"--shapes", "twice"});
    expectFailure(kiln("run " + model + " --shapes x:2x3x1" + out), 2, {"--shapes", "2x3x1", "2x3"});
    expectFailure(kiln("run " + model + " --shapes x:4x3" + out), 2, {"--shapes", "4x3", "2x3"});
    expectFailure(kiln("run " + model + " --input x" + out), 2, {"--input", "NAME=FILE"});
    expectFailure(kiln("run " + model + " --input images=a.npy" + out), 2, {"--input", "images"});
    expectFailure(kiln("run " + model + " " + model + out), 2, {"one MODEL"});
    expectFailure(kiln("run" + out), 2, {"missing MODEL"});
    expectFailure(kiln("inspect " + model + " --json=yes"), 2, {"--json"});
    expectFailure(kiln("compile " + model), 2, {"compile"});
    expectFailure(kiln(""), 2, {"no command"});
    expectFailure(kiln("--frobnicate"), 2, {"--frobnicate"});
}

TEST_F(KilnCliTest, OutputDirThatIsAFileIsUsageError) {
    const std::string model = writeModel("fixed.onnx", reluNegModel({"2", "3"}));
    writeBytes(m_dir / "taken", "x");
    const CommandResult result =
        kiln("run " + quoted(model) + " --output-dir " + quoted((m_dir / "taken").string()));
    EXPECT_EQ(result.exitCode, 2) << result.err;
    EXPECT_NE(result.err.find("not a directory"), std::string::npos) << result.err;
}

TEST_F(KilnCliTest, HelpAndVersion) {
    for (const char* args : {"--help", "run --help", "inspect -h", "--version"}) {
        const CommandResult result = kiln(args);
        EXPECT_EQ(result.exitCode, 0) << args << ": " << result.err;
        EXPECT_FALSE(result.out.empty()) << args;
        EXPECT_TRUE(result.err.empty()) << args << ": " << result.err;
    }
    EXPECT_NE(kiln("run --help").out.find("--iterations"), std::string::npos);
    EXPECT_EQ(kiln("--version").out.rfind("kiln ", 0), 0u);
}

// The document must be well-formed; lacking a JSON library, check that brackets balance outside
// strings, which catches a missing separator-free close or an unescaped quote in a name.
bool bracketsBalance(const std::string& json) {
    std::string stack;
    bool inString = false;
    for (size_t i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (inString) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"')
            inString = true;
        else if (c == '{' || c == '[')
            stack += c;
        else if (c == '}' || c == ']') {
            if (stack.empty() || stack.back() != (c == '}' ? '{' : '[')) return false;
            stack.pop_back();
        }
    }
    return stack.empty() && !inString;
}

TEST_F(KilnCliTest, InspectJsonListsLayers) {
    onnx::ModelProto proto = reluNegModel({"2", "3"});
    // A node name needing every kind of escape: a quote, a backslash, a control character and a byte
    // that is not UTF-8.
    proto.mutable_graph()->mutable_node(1)->set_name("neg \"odd\"\\\n\xff");
    const std::string model = writeModel("fixed.onnx", proto);
    const CommandResult result = kiln("inspect " + quoted(model) + " --json");
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_EQ(result.out.front(), '{');
    EXPECT_TRUE(bracketsBalance(result.out)) << result.out;
    EXPECT_NE(result.out.find("\"Name\": \"relu_node\""), std::string::npos) << result.out;
    EXPECT_NE(result.out.find(R"("Name": "neg \"odd\"\\\n\ufffd")"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("\"Name\": \"relu/out:0\""), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("\"Dimensions\": [2, 3]"), std::string::npos) << result.out;
}

TEST_F(KilnCliTest, RunWritesOutputsFromInputFile) {
    const std::string model = writeModel("symbolic.onnx", reluNegModel({"batch", "3"}));
    const std::string array = writeArray("x.npy", {2, 3}, {-1, 2, -3, 4, -5, 6});
    const CommandResult result = kiln("run " + quoted(model) + " --input x=" + quoted(array) +
                                      " --iterations 3 --warmUp 1 " + outputDirFlag());
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_NE(result.out.find("median"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("relu_out_0.npy"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("replaced"), std::string::npos)
        << "no word about the renamed file: " << result.out;

    kiln::Result<kiln::HostTensor> relu = kiln::readNpy((m_outputDir / "relu_out_0.npy").string());
    kiln::Result<kiln::HostTensor> neg = kiln::readNpy((m_outputDir / "neg.npy").string());
    ASSERT_TRUE(relu.isOk()) << relu.status().message();
    ASSERT_TRUE(neg.isOk()) << neg.status().message();
    EXPECT_EQ(relu->dims(), (kiln::Dims{2, 3}));
    EXPECT_EQ(neg->dims(), (kiln::Dims{2, 3}));
    const std::vector<float> expectedRelu = {0, 2, 0, 4, 0, 6};
    const std::vector<float> expectedNeg = {1, -2, 3, -4, 5, -6};
    for (size_t i = 0; i < 6; ++i) {
        EXPECT_EQ(relu->data<float>()[i], expectedRelu[i]) << i;
        EXPECT_EQ(neg->data<float>()[i], expectedNeg[i]) << i;
    }
}

TEST_F(KilnCliTest, RunWithRandomInputsIsRepeatable) {
    const std::string model = writeModel("symbolic.onnx", reluNegModel({"batch", "3"}));
    const fs::path first = m_dir / "first";
    const fs::path second = m_dir / "second";
    ASSERT_EQ(
        kiln("run " + quoted(model) + " --shapes x:4x3 --output-dir " + quoted(first.string())).exitCode, 0);
    ASSERT_EQ(
        kiln("run " + quoted(model) + " --shapes=x:4x3 --output-dir=" + quoted(second.string())).exitCode, 0);

    kiln::Result<kiln::HostTensor> relu = kiln::readNpy((first / "relu_out_0.npy").string());
    kiln::Result<kiln::HostTensor> neg = kiln::readNpy((first / "neg.npy").string());
    kiln::Result<kiln::HostTensor> negAgain = kiln::readNpy((second / "neg.npy").string());
    ASSERT_TRUE(relu.isOk() && neg.isOk() && negAgain.isOk());
    ASSERT_EQ(relu->dims(), (kiln::Dims{4, 3}));
    ASSERT_EQ(neg->dims(), (kiln::Dims{4, 3}));
    for (int64_t i = 0; i < 12; ++i) {
        const float x = -neg->data<float>()[i];
        EXPECT_GE(x, -1.0f) << "random input outside [-1, 1)";
        EXPECT_LT(x, 1.0f) << "random input outside [-1, 1)";
        EXPECT_EQ(relu->data<float>()[i], x > 0.0f ? x : 0.0f) << i;
        EXPECT_EQ(negAgain->data<float>()[i], neg->data<float>()[i]) << "seeded inputs differ between runs";
    }
}

}  // namespace

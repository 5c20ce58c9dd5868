// Runs the built `kiln` executable on generated models and files, checking exit codes, the messages
// on standard error, and that a failed run leaves no output directory behind. Models are built here
// with the ONNX protobuf API so each test controls exactly what the file holds; the plan tests build
// the sample model and compare what its plan computes with what the model computes.
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <onnx/onnx_pb.h>

#include "kiln/npy.h"
#include "kiln/types.h"
#include "tactics/tactic.h"

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

    // `environment`: arguments of env(1) that change the command's environment ("-u NAME", "NAME=VALUE").
    CommandResult kiln(const std::string& args, const std::string& environment = {}) const {
        const fs::path out = m_dir / "stdout.txt";
        const fs::path err = m_dir / "stderr.txt";
        const std::string command = (environment.empty() ? "" : "env " + environment + " ") +
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

// A FIFO where a file belongs would make a reader wait for a writer forever: every reader refuses it
// by name at once (`timeout` turns a regression into a failure rather than a hung test).
TEST_F(KilnCliTest, FifosAreRefusedWithoutWaiting) {
    const fs::path fifo = m_dir / "pipe.onnx";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const std::string model = writeModel("symbolic.onnx", reluNegModel({"2", "3"}));
    const std::string timed = "timeout 20 " + quoted(KILN_CLI_PATH);
    auto kilnWithTimeout = [&](const std::string& args) {
        const fs::path err = m_dir / "stderr.txt";
        const int status = std::system((timed + " " + args + " > /dev/null 2> " + quoted(err.string())).c_str());
        return std::pair{WIFEXITED(status) ? WEXITSTATUS(status) : -1, readText(err)};
    };
    for (const std::string& command : {"inspect " + quoted(fifo.string()), "run " + quoted(fifo.string()),
                                       "build " + quoted(fifo.string()) + " -o " + quoted((m_dir / "p.plan").string())}) {
        const auto [code, err] = kilnWithTimeout(command);
        EXPECT_EQ(code, 1) << command << ": " << err;
        EXPECT_NE(err.find("not a regular file"), std::string::npos) << command << ": " << err;
    }
    const auto [inputCode, inputErr] = kilnWithTimeout("run " + quoted(model) + " --input x=" + quoted(fifo.string()));
    EXPECT_EQ(inputCode, 1) << inputErr;
    EXPECT_NE(inputErr.find("not a regular file"), std::string::npos) << inputErr;
}

// Memory exhaustion is reported as such, not as an "unexpected failure": an address space of 1.5 GB
// cannot hold the 1.6 GB input this shape asks for.
TEST_F(KilnCliTest, OutOfMemoryIsSaidPlainly) {
#if defined(__SANITIZE_ADDRESS__)
    GTEST_SKIP() << "the kiln under test has AddressSanitizer, whose shadow memory does not fit under ulimit -v";
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    GTEST_SKIP() << "the kiln under test has AddressSanitizer, whose shadow memory does not fit under ulimit -v";
#endif
#endif
    const std::string model = writeModel("wide.onnx", reluNegModel({"n", "1024"}));
    const fs::path err = m_dir / "stderr.txt";
    const std::string command = "bash -c 'ulimit -v 1500000; exec " + quoted(KILN_CLI_PATH) + " run " + quoted(model) +
                                " --shapes x:400000x1024' > /dev/null 2> " + quoted(err.string());
    const int status = std::system(command.c_str());
    EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 1);
    // Said where the memory ran out: while timing the layer (the backend's allocation), or elsewhere.
    const std::string message = readText(err);
    EXPECT_EQ(message.rfind("kiln: error: ", 0), 0u) << message;
    EXPECT_NE(message.find("out of memory"), std::string::npos) << message;
}

// Names come from the file: a control character in one must reach the terminal escaped, or a model
// could clear the screen, recolor it or forge output lines.
TEST_F(KilnCliTest, ControlCharactersInNamesAreEscaped) {
    onnx::ModelProto model = reluNegModel({"2", "3"});
    auto* graph = model.mutable_graph();
    const std::string evilInput = "x\x1b[2J";
    graph->mutable_input(0)->set_name(evilInput);
    graph->mutable_node(0)->set_input(0, evilInput);
    graph->mutable_node(1)->set_input(0, evilInput);
    graph->mutable_node(0)->set_name("relu\x1b[31m\rforged");
    const std::string path = writeModel("evil.onnx", model);
    auto clean = [](const std::string& text) {
        return std::none_of(text.begin(), text.end(), [](char c) {
            const auto byte = static_cast<unsigned char>(c);
            return (byte < 0x20 && c != '\n') || byte == 0x7f;
        });
    };
    const CommandResult inspected = kiln("inspect " + quoted(path));
    EXPECT_EQ(inspected.exitCode, 0) << inspected.err;
    EXPECT_TRUE(clean(inspected.out)) << inspected.out;
    EXPECT_NE(inspected.out.find("x\\x1b[2J"), std::string::npos) << inspected.out;
    EXPECT_NE(inspected.out.find("relu\\x1b[31m\\x0dforged"), std::string::npos) << inspected.out;
    const CommandResult refused = kiln("run " + quoted(path) + " --input x=" + quoted((m_dir / "none.npy").string()));
    EXPECT_EQ(refused.exitCode, 2) << refused.err;
    EXPECT_TRUE(clean(refused.err)) << refused.err;
    EXPECT_NE(refused.err.find("'x\\x1b[2J'"), std::string::npos) << refused.err;
}

TEST_F(KilnCliTest, TruncatedModelIsRefused) {
    const std::string bytes = reluNegModel({"2", "3"}).SerializeAsString();
    const fs::path model = m_dir / "truncated.onnx";
    writeBytes(model, bytes.substr(0, bytes.size() / 2));
    expectFailure(kiln("run " + quoted(model.string()) + " " + outputDirFlag()), 1, {"truncated.onnx"});
}

TEST_F(KilnCliTest, TruncatedSampleModelIsRefused) {
    const fs::path sample = fs::path(KILN_SOURCE_DIR) / "resources/sample/kiln_sample.onnx";
    ASSERT_TRUE(fs::exists(sample)) << sample << " is part of the repository";
    const std::string bytes = readText(sample);
    const fs::path model = m_dir / "sample_truncated.onnx";
    writeBytes(model, bytes.substr(0, bytes.size() * 2 / 3));
    expectFailure(kiln("run " + quoted(model.string()) + " " + outputDirFlag()), 1,
                  {"sample_truncated.onnx"});
}

TEST_F(KilnCliTest, SampleModelInspectsAndRuns) {
    const fs::path sample = fs::path(KILN_SOURCE_DIR) / "resources/sample/kiln_sample.onnx";
    ASSERT_TRUE(fs::exists(sample)) << sample << " is part of the repository";
    const CommandResult inspect = kiln("inspect " + quoted(sample.string()) + " --json");
    EXPECT_EQ(inspect.exitCode, 0) << inspect.err;
    const CommandResult run = kiln("run " + quoted(sample.string()) + " " + outputDirFlag());
    EXPECT_EQ(run.exitCode, 0) << run.err;
    EXPECT_TRUE(fs::exists(m_outputDir) && !fs::is_empty(m_outputDir)) << "no output written";
}

// --lint reads a plan: the sample's plan gets its hints as text and as JSON; a model is refused with what
// to do.
TEST_F(KilnCliTest, LintReadsAPlanAndRefusesAModel) {
    const fs::path sample = fs::path(KILN_SOURCE_DIR) / "resources/sample/kiln_sample.onnx";
    const std::string plan = (m_dir / "sample.plan").string();
    ASSERT_EQ(kiln("build " + quoted(sample.string()) + " -o " + quoted(plan)).exitCode, 0);
    const CommandResult text = kiln("inspect " + quoted(plan) + " --lint");
    EXPECT_EQ(text.exitCode, 0) << text.err;
    EXPECT_NE(text.out.find("Lint: "), std::string::npos) << text.out;
    const CommandResult json = kiln("inspect " + quoted(plan) + " --lint --json");
    EXPECT_EQ(json.exitCode, 0) << json.err;
    EXPECT_EQ(json.out.rfind("{", 0), 0u) << json.out;
    EXPECT_NE(json.out.find("\"Hints\": ["), std::string::npos) << json.out;
    expectFailure(kiln("inspect " + quoted(sample.string()) + " --lint"), 2, {"--lint", "kiln build"});
}

// compare-plans: the sample built with and without fusion, every group written as CSV and JSON; a model
// or a single plan is refused with what to give.
TEST_F(KilnCliTest, ComparePlansMatchesFusedAndUnfusedLayers) {
    const fs::path sample = fs::path(KILN_SOURCE_DIR) / "resources/sample/kiln_sample.onnx";
    const std::string fused = (m_dir / "fused.plan").string();
    const std::string unfused = (m_dir / "unfused.plan").string();
    ASSERT_EQ(kiln("build " + quoted(sample.string()) + " -o " + quoted(fused)).exitCode, 0);
    ASSERT_EQ(kiln("build " + quoted(sample.string()) + " --noFusion -o " + quoted(unfused)).exitCode, 0);
    const std::string csv = (m_dir / "comparison.csv").string();
    const std::string json = (m_dir / "comparison.json").string();
    const CommandResult compared = kiln("compare-plans " + quoted(fused) + " " + quoted(unfused) +
                                        " --iterations 5 --warmUp 0 --csv " + quoted(csv) + " --json " + quoted(json));
    ASSERT_EQ(compared.exitCode, 0) << compared.err;
    EXPECT_NE(compared.out.find("Executed layers"), std::string::npos) << compared.out;
    EXPECT_NE(compared.out.find("Layer groups"), std::string::npos) << compared.out;
    const std::string table = readText(csv);
    EXPECT_EQ(table.rfind("layers_a,layers_b,", 0), 0u) << table;
    // A fused layer of the first plan ("conv + relu") meets its parts, separated by " | ", in the second.
    EXPECT_NE(table.find(" + "), std::string::npos) << table;
    EXPECT_NE(table.find(" | "), std::string::npos) << table;
    EXPECT_NE(readText(json).find("\"Groups\": ["), std::string::npos);
    expectFailure(kiln("compare-plans " + quoted(sample.string()) + " " + quoted(unfused)), 2, {"no plan", "kiln build"});
    expectFailure(kiln("compare-plans " + quoted(fused)), 2, {"two plans"});
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

// x [2,3] + w [2,3] -> "sum": a model with one initializer, to be spoiled by each test.
onnx::ModelProto addWeightsModel() {
    onnx::ModelProto model = reluNegModel({"2", "3"});
    auto* graph = model.mutable_graph();
    auto* add = graph->mutable_node(1);
    add->set_op_type("Add");
    add->add_input("w");
    auto* weights = graph->add_initializer();
    weights->set_name("w");
    weights->set_data_type(onnx::TensorProto::FLOAT);
    weights->add_dims(2);
    weights->add_dims(3);
    weights->set_raw_data(std::string(24, '\0'));
    return model;
}

void setExternalData(onnx::TensorProto* tensor, const std::string& location, int64_t offset, int64_t length) {
    tensor->clear_raw_data();
    tensor->set_data_location(onnx::TensorProto::EXTERNAL);
    auto addEntry = [&](const std::string& key, const std::string& value) {
        auto* entry = tensor->add_external_data();
        entry->set_key(key);
        entry->set_value(value);
    };
    addEntry("location", location);
    addEntry("offset", std::to_string(offset));
    addEntry("length", std::to_string(length));
}

TEST_F(KilnCliTest, ExtentsOutOfRangeAreRefused) {
    for (const int64_t extent : {int64_t(-5), int64_t(1) << 62}) {
        onnx::ModelProto model = reluNegModel({"2", "3"});
        auto* dim = model.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0);
        dim->set_dim_value(extent);
        expectFailure(kiln("run " + quoted(writeModel("extent.onnx", model)) + " " + outputDirFlag()), 1,
                      {"'x'", std::to_string(extent)});
    }
}

TEST_F(KilnCliTest, RawDataShorterThanItsDimsIsRefused) {
    onnx::ModelProto model = addWeightsModel();
    model.mutable_graph()->mutable_initializer(0)->set_raw_data(std::string(8, '\0'));
    expectFailure(kiln("run " + quoted(writeModel("short.onnx", model)) + " " + outputDirFlag()), 1,
                  {"'w'", "24"});
}

TEST_F(KilnCliTest, HugeDeclaredWeightsAreRefusedWithoutAllocating) {
    // 2^40 FLOAT elements (4 TiB) declared by a model of a few hundred bytes, raw and external.
    onnx::ModelProto model = addWeightsModel();
    auto* weights = model.mutable_graph()->mutable_initializer(0);
    weights->clear_dims();
    weights->add_dims(int64_t(1) << 40);
    expectFailure(kiln("run " + quoted(writeModel("huge.onnx", model)) + " " + outputDirFlag()), 1,
                  {"'w'", "4398046511104"});
    writeBytes(m_dir / "w.bin", std::string(24, '\0'));
    setExternalData(weights, "w.bin", 0, 24);
    expectFailure(kiln("run " + quoted(writeModel("huge_external.onnx", model)) + " " + outputDirFlag()), 1,
                  {"'w'", "4398046511104"});
}

TEST_F(KilnCliTest, ExternalDataOutsideTheModelFolderIsRefused) {
    writeBytes(m_dir / "w.bin", std::string(24, '\0'));
    for (const std::string& location : {std::string("../w.bin"), (m_dir / "w.bin").string()}) {
        onnx::ModelProto model = addWeightsModel();
        setExternalData(model.mutable_graph()->mutable_initializer(0), location, 0, 24);
        expectFailure(kiln("run " + quoted(writeModel("external.onnx", model)) + " " + outputDirFlag()), 1,
                      {"'w'", location});
    }
}

TEST_F(KilnCliTest, ExternalDataOffsetPastTheEndIsRefused) {
    writeBytes(m_dir / "w.bin", std::string(24, '\0'));
    onnx::ModelProto model = addWeightsModel();
    setExternalData(model.mutable_graph()->mutable_initializer(0), "w.bin", 100, 24);
    expectFailure(kiln("run " + quoted(writeModel("offset.onnx", model)) + " " + outputDirFlag()), 1,
                  {"'w'", "w.bin", "100"});
}

TEST_F(KilnCliTest, GraphStructureErrorsNameTheCulprit) {
    onnx::ModelProto cycle = reluNegModel({"2", "3"});
    cycle.mutable_graph()->mutable_node(0)->set_input(0, "neg");
    cycle.mutable_graph()->mutable_node(1)->set_input(0, "relu/out:0");
    expectFailure(kiln("run " + quoted(writeModel("cycle.onnx", cycle)) + " " + outputDirFlag()), 1,
                  {"cycle", "relu_node", "neg_node"});

    onnx::ModelProto duplicate = reluNegModel({"2", "3"});
    duplicate.mutable_graph()->mutable_node(1)->set_output(0, "relu/out:0");
    expectFailure(kiln("run " + quoted(writeModel("duplicate.onnx", duplicate)) + " " + outputDirFlag()), 1,
                  {"relu/out:0"});

    onnx::ModelProto dangling = reluNegModel({"2", "3"});
    dangling.mutable_graph()->mutable_node(1)->set_input(0, "ghost");
    expectFailure(kiln("run " + quoted(writeModel("dangling.onnx", dangling)) + " " + outputDirFlag()), 1,
                  {"neg_node", "ghost"});
}

// libgomp prints the settings it loaded with under OMP_DISPLAY_ENV=VERBOSE: the kiln command runs with
// bounded spinning unless the user chose a wait policy or spin count, and then runs with theirs.
TEST_F(KilnCliTest, OpenMpSpinningIsBoundedUnlessTheUserChoseOtherwise) {
    const auto spinCounts = [](const std::string& err) {
        std::vector<std::string> counts;
        for (size_t at = err.find("GOMP_SPINCOUNT = '"); at != std::string::npos; at = err.find("GOMP_SPINCOUNT = '", at + 1)) {
            const size_t start = at + std::string("GOMP_SPINCOUNT = '").size();
            counts.push_back(err.substr(start, err.find('\'', start) - start));
        }
        return counts;
    };
    const CommandResult bounded = kiln("--version", "-u GOMP_SPINCOUNT -u OMP_WAIT_POLICY OMP_DISPLAY_ENV=VERBOSE");
    EXPECT_EQ(bounded.exitCode, 0) << bounded.err;
    // The first start loads libgomp with its default, then the program runs again with the bound.
    ASSERT_FALSE(spinCounts(bounded.err).empty()) << bounded.err;
    EXPECT_EQ(spinCounts(bounded.err).back(), "10000") << bounded.err;
    EXPECT_EQ(bounded.out.find("kiln "), 0u) << bounded.out;  // the run that answered is a whole one

    const CommandResult own = kiln("--version", "-u OMP_WAIT_POLICY GOMP_SPINCOUNT=77 OMP_DISPLAY_ENV=VERBOSE");
    EXPECT_EQ(spinCounts(own.err), std::vector<std::string>{"77"}) << own.err;
    const CommandResult policy = kiln("--version", "-u GOMP_SPINCOUNT OMP_WAIT_POLICY=active OMP_DISPLAY_ENV=VERBOSE");
    EXPECT_NE(policy.err.find("OMP_WAIT_POLICY = 'ACTIVE'"), std::string::npos) << policy.err;
    EXPECT_EQ(spinCounts(policy.err).size(), 1u) << policy.err;  // started once
}

// Inspecting needs no shapes (the model is shown at assumed sizes, named); running does.
TEST_F(KilnCliTest, SymbolicDimensionNeedsShapes) {
    const std::string model = writeModel("symbolic.onnx", reluNegModel({"batch", "3"}));
    const CommandResult inspected = kiln("inspect " + quoted(model));
    EXPECT_EQ(inspected.exitCode, 0) << inspected.err;
    EXPECT_NE(inspected.out.find("Symbolic dimensions shown at assumed sizes: x as 1x3"), std::string::npos)
        << inspected.out;
    // The inputs table shows the declared dimensions beside the assumed ones.
    EXPECT_NE(inspected.out.find("Declared"), std::string::npos) << inspected.out;
    EXPECT_NE(inspected.out.find("batchx3"), std::string::npos) << inspected.out;
    EXPECT_NE(inspected.out.find("relu_node"), std::string::npos) << inspected.out;
    // Each tensor's dimensions are also given by symbol.
    EXPECT_NE(inspected.out.find("Output shapes by symbol: relu/out:0 batchx3; neg batchx3;"), std::string::npos)
        << inspected.out;
    EXPECT_NE(inspected.out.find("Symbolic"), std::string::npos) << inspected.out;
    const CommandResult json = kiln("inspect " + quoted(model) + " --json");
    EXPECT_EQ(json.exitCode, 0) << json.err;
    EXPECT_NE(json.out.find(R"("SymbolicDimensions": ["batch", "3"])"), std::string::npos) << json.out;
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
    for (const char* args :
         {"--help", "run --help", "inspect -h", "build --help", "profile -h", "--version"}) {
        const CommandResult result = kiln(args);
        EXPECT_EQ(result.exitCode, 0) << args << ": " << result.err;
        EXPECT_FALSE(result.out.empty()) << args;
        EXPECT_TRUE(result.err.empty()) << args << ": " << result.err;
    }
    EXPECT_NE(kiln("run --help").out.find("--iterations"), std::string::npos);
    EXPECT_NE(kiln("build --help").out.find("--exportLayerInfo"), std::string::npos);
    EXPECT_NE(kiln("profile --help").out.find("--exportProfile"), std::string::npos);
    const std::string mainHelp = kiln("--help").out;
    EXPECT_NE(mainHelp.find("build"), std::string::npos) << mainHelp;
    EXPECT_NE(mainHelp.find("profile"), std::string::npos) << mainHelp;
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

// A plan built for a range of batches runs each batch its input file has, and refuses one outside.
// x [batch, 6] -> Reshape to the values of the shape tensor "target" (INT64 [2]) -> "y".
onnx::ModelProto reshapeByInputModel() {
    onnx::ModelProto model = reluNegModel({"batch", "6"});
    auto* graph = model.mutable_graph();
    graph->clear_node();
    graph->clear_output();
    auto* target = graph->add_input();
    target->set_name("target");
    target->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::INT64);
    target->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(2);
    auto* reshape = graph->add_node();
    reshape->set_op_type("Reshape");
    reshape->add_input("x");
    reshape->add_input("target");
    reshape->add_output("y");
    addTensorValue(graph->add_output(), "y", {"a", "b"});
    return model;
}

// Shape tensors as trtexec takes them: --shapes and the profile flags give a shape tensor's values; a
// plan keeps it as an input whose values are chosen per run (--shapes or an --input file).
TEST_F(KilnCliTest, ShapeTensorValuesComeFromTheShapeFlags) {
    const std::string model = writeModel("reshape_by_input.onnx", reshapeByInputModel());
    const fs::path out = m_dir / "direct";
    const CommandResult direct = kiln("run " + quoted(model) + " --shapes x:2x6,target:3x4 --output-dir " +
                                      quoted(out.string()));
    ASSERT_EQ(direct.exitCode, 0) << direct.err;
    EXPECT_NE(direct.out.find("shape tensor: values 3x4 (set by --shapes)"), std::string::npos) << direct.out;
    kiln::Result<kiln::HostTensor> y = kiln::readNpy((out / "y.npy").string());
    ASSERT_TRUE(y.isOk()) << y.status().message();
    EXPECT_EQ(y->dims(), (kiln::Dims{3, 4}));
    const CommandResult checked = kiln("run " + quoted(model) + " --shapes x:2x6,target:4x3 --check");
    EXPECT_EQ(checked.exitCode, 0) << checked.err;
    EXPECT_NE(checked.out.find("Check: PASS"), std::string::npos) << checked.out;

    expectFailure(kiln("run " + quoted(model) + " --shapes x:2x6 " + outputDirFlag()), 2,
                  {"'target'", "shape tensor", "--shapes"});
    expectFailure(kiln("run " + quoted(model) + " --shapes x:2x6,target:3x2x2 " + outputDirFlag()), 2,
                  {"'target'", "3 values", "holds 2"});

    const std::string plan = (m_dir / "reshape.plan").string();
    const CommandResult built = kiln("build " + quoted(model) + " -o " + quoted(plan) +
                                     " --minShapes x:1x6,target:1x1 --optShapes x:2x6,target:2x6 --maxShapes x:8x6,target:48x48");
    ASSERT_EQ(built.exitCode, 0) << built.err;
    EXPECT_NE(built.out.find("target 1x1 to 48x48 (opt 2x6)"), std::string::npos) << built.out;
    const fs::path planOut = m_dir / "from_plan";
    const CommandResult ran = kiln("run " + quoted(plan) + " --shapes x:4x6,target:2x12 --output-dir " +
                                   quoted(planOut.string()));
    ASSERT_EQ(ran.exitCode, 0) << ran.err;
    y = kiln::readNpy((planOut / "y.npy").string());
    ASSERT_TRUE(y.isOk()) << y.status().message();
    EXPECT_EQ(y->dims(), (kiln::Dims{2, 12}));
    expectFailure(kiln("run " + quoted(plan) + " --shapes x:4x6,target:49x1 " + outputDirFlag()), 2,
                  {"'target'", "outside 1...48"});
}

TEST_F(KilnCliTest, DynamicShapePlanRunsEveryBatchOfItsProfile) {
    const std::string model = writeModel("symbolic.onnx", reluNegModel({"batch", "3"}));
    const std::string plan = (m_dir / "dynamic.plan").string();
    const CommandResult built = kiln("build " + quoted(model) + " -o " + quoted(plan) +
                                     " --minShapes x:1x3 --optShapes x:2x3 --maxShapes x:8x3");
    ASSERT_EQ(built.exitCode, 0) << built.err;
    EXPECT_NE(built.out.find("Optimization profile 0: x 1x3 to 8x3 (opt 2x3)"), std::string::npos) << built.out;

    for (int batch : {1, 5, 8}) {
        std::vector<float> values;
        for (int i = 0; i < batch * 3; ++i) values.push_back(float(i % 2 == 0 ? -i : i));
        const std::string array = writeArray("x" + std::to_string(batch) + ".npy", {batch, 3}, values);
        const fs::path dir = m_dir / ("out" + std::to_string(batch));
        const CommandResult ran =
            kiln("run " + quoted(plan) + " --input x=" + quoted(array) + " --output-dir " + quoted(dir.string()));
        ASSERT_EQ(ran.exitCode, 0) << ran.err;
        kiln::Result<kiln::HostTensor> neg = kiln::readNpy((dir / "neg.npy").string());
        ASSERT_TRUE(neg.isOk()) << neg.status().message();
        ASSERT_EQ(neg->dims(), (kiln::Dims{batch, 3}));
        for (int i = 0; i < batch * 3; ++i) EXPECT_EQ(neg->data<float>()[i], -values[size_t(i)]) << batch << " " << i;
    }
    // With --verbose the runtime's log says which shapes a context runs at (batch 5 is derived from the
    // model the plan keeps); without it, nothing.
    const std::string five = (m_dir / "x5.npy").string();
    const CommandResult verbose = kiln("run " + quoted(plan) + " --input x=" + quoted(five) + " --verbose");
    ASSERT_EQ(verbose.exitCode, 0) << verbose.err;
    EXPECT_NE(verbose.err.find("kiln: info: running at x 5x3 (optimization profile 0;"), std::string::npos) << verbose.err;
    const CommandResult plain = kiln("run " + quoted(plan) + " --input x=" + quoted(five));
    ASSERT_EQ(plain.exitCode, 0) << plain.err;
    EXPECT_EQ(plain.err, "");
    // --shapes picks the shape of random inputs; outside the profile it is refused before running.
    const CommandResult shaped = kiln("run " + quoted(plan) + " --shapes x:3x3");
    EXPECT_EQ(shaped.exitCode, 0) << shaped.err;
    EXPECT_NE(shaped.out.find("3x3"), std::string::npos) << shaped.out;
    expectFailure(kiln("run " + quoted(plan) + " --shapes x:9x3 " + outputDirFlag()), 2,
                  {"'x'", "9x3", "outside 1...8", "--maxShapes"});
    const std::string nine = writeArray("x9.npy", {9, 3}, std::vector<float>(27, 1.0f));
    expectFailure(kiln("run " + quoted(plan) + " --input x=" + quoted(nine) + " " + outputDirFlag()), 1,
                  {"x9.npy", "outside 1...8"});
}

TEST_F(KilnCliTest, DynamicShapeFlagsMustComeTogether) {
    const std::string model = writeModel("symbolic.onnx", reluNegModel({"batch", "3"}));
    const std::string plan = quoted((m_dir / "dynamic.plan").string());
    expectFailure(kiln("build " + quoted(model) + " -o " + plan + " --minShapes x:1x3 --maxShapes x:8x3"), 2,
                  {"--optShapes", "once per optimization profile"});
    expectFailure(kiln("build " + quoted(model) + " -o " + plan +
                       " --minShapes x:1x3 --optShapes x:2x3 --maxShapes y:8x3"),
                  2, {"'x'", "no --maxShapes"});
    expectFailure(kiln("build " + quoted(model) + " -o " + plan +
                       " --minShapes x:4x3 --optShapes x:2x3 --maxShapes x:8x3"),
                  1, {"min <= opt <= max"});
    expectFailure(kiln("build " + quoted(model) + " -o " + plan +
                       " --minShapes x:1x3 --optShapes x:2x3 --maxShapes x:8x4"),
                  1, {"fixed at 3"});
    EXPECT_FALSE(fs::exists(m_dir / "dynamic.plan"));
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

// A small JSON reader for the exported documents, written apart from the engine's writer so that a
// wrong separator, quote or nesting there makes the parse fail here.
struct JsonValue {
    enum class Kind { Null, Boolean, Number, String, Array, Object };
    Kind kind = Kind::Null;
    bool boolean = false;
    double number = 0.0;
    std::string text;
    std::vector<JsonValue> items;
    std::vector<std::pair<std::string, JsonValue>> members;

    const JsonValue* find(const std::string& key) const {
        for (const auto& [name, value] : members) {
            if (name == key) return &value;
        }
        return nullptr;
    }
};

class JsonReader {
public:
    explicit JsonReader(const std::string& text) : m_text(text) {}

    // The document, or nothing when it is not exactly one well-formed JSON value.
    std::optional<JsonValue> document() {
        JsonValue value;
        if (!parseValue(value)) return std::nullopt;
        skipSpace();
        if (m_pos != m_text.size()) return std::nullopt;
        return value;
    }

private:
    void skipSpace() {
        while (m_pos < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[m_pos])))
            ++m_pos;
    }
    bool consume(char c) {
        skipSpace();
        if (m_pos < m_text.size() && m_text[m_pos] == c) {
            ++m_pos;
            return true;
        }
        return false;
    }
    bool literal(const std::string& word) {
        if (m_text.compare(m_pos, word.size(), word) != 0) return false;
        m_pos += word.size();
        return true;
    }
    bool parseString(std::string& out) {
        if (!consume('"')) return false;
        while (m_pos < m_text.size()) {
            const char c = m_text[m_pos++];
            if (c == '"') return true;
            if (static_cast<unsigned char>(c) < 0x20) return false;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (m_pos >= m_text.size()) return false;
            const char escape = m_text[m_pos++];
            const std::string simple = "\"\\/bfnrt";
            const std::string meaning = "\"\\/\b\f\n\r\t";
            if (simple.find(escape) != std::string::npos) {
                out += meaning[simple.find(escape)];
            } else if (escape == 'u' && m_pos + 4 <= m_text.size()) {
                out += '?';  // the tests compare ASCII names only
                m_pos += 4;
            } else {
                return false;
            }
        }
        return false;
    }
    bool parseValue(JsonValue& value) {
        skipSpace();
        if (m_pos >= m_text.size()) return false;
        const char c = m_text[m_pos];
        if (c == '{') {
            value.kind = JsonValue::Kind::Object;
            ++m_pos;
            if (consume('}')) return true;
            do {
                std::string key;
                JsonValue member;
                if (!parseString(key) || !consume(':') || !parseValue(member)) return false;
                value.members.emplace_back(std::move(key), std::move(member));
            } while (consume(','));
            return consume('}');
        }
        if (c == '[') {
            value.kind = JsonValue::Kind::Array;
            ++m_pos;
            if (consume(']')) return true;
            do {
                JsonValue item;
                if (!parseValue(item)) return false;
                value.items.push_back(std::move(item));
            } while (consume(','));
            return consume(']');
        }
        if (c == '"') {
            value.kind = JsonValue::Kind::String;
            return parseString(value.text);
        }
        if (literal("true") || literal("false")) {
            value.kind = JsonValue::Kind::Boolean;
            value.boolean = c == 't';
            return true;
        }
        if (literal("null")) return true;
        const size_t start = m_pos;
        while (m_pos < m_text.size() && std::strchr("+-0123456789.eE", m_text[m_pos]) != nullptr)
            ++m_pos;
        if (m_pos == start) return false;
        const std::string number = m_text.substr(start, m_pos - start);
        char* end = nullptr;
        value.kind = JsonValue::Kind::Number;
        value.number = std::strtod(number.c_str(), &end);
        return end == number.c_str() + number.size();
    }

    const std::string& m_text;
    size_t m_pos = 0;
};

class KilnPlanTest : public KilnCliTest {
protected:
    void SetUp() override {
        KilnCliTest::SetUp();
        m_sample = fs::path(KILN_SOURCE_DIR) / "resources/sample/kiln_sample.onnx";
        ASSERT_TRUE(fs::exists(m_sample)) << m_sample << " is part of the repository";
        m_plan = m_dir / "sample.plan";
    }

    // Builds the sample model into m_plan; `extra` adds flags.
    CommandResult buildPlan(const std::string& extra = "") const {
        return kiln("build " + quoted(m_sample.string()) + " -o " + quoted(m_plan.string()) + " " + extra);
    }

    // A copy of the sample model in the test's folder, which a test may try to overwrite.
    fs::path copySample() const {
        const fs::path copy = m_dir / "model.onnx";
        fs::copy_file(m_sample, copy);
        return copy;
    }

    // The sample's input 1x3x32x32 filled with a smooth pattern in [-1, 1].
    std::string sampleInput() {
        std::vector<float> values(3 * 32 * 32);
        for (size_t i = 0; i < values.size(); ++i)
            values[i] = std::sin(0.37f * float(i));
        return writeArray("input.npy", {1, 3, 32, 32}, values);
    }

    // Runs `target` on the sample input and returns its "output".
    kiln::HostTensor runOutput(const std::string& target, const std::string& extra,
                               const std::string& dirName) {
        const fs::path dir = m_dir / dirName;
        const CommandResult result = kiln("run " + target + " --input input=" + quoted(sampleInput()) +
                                          " --output-dir " + quoted(dir.string()) + " " + extra);
        EXPECT_EQ(result.exitCode, 0) << result.err;
        kiln::Result<kiln::HostTensor> output = kiln::readNpy((dir / "output.npy").string());
        EXPECT_TRUE(output.isOk()) << output.status().message();
        return output.isOk() ? std::move(output).value() : kiln::HostTensor();
    }

    std::optional<JsonValue> readJson(const fs::path& path) const {
        const std::string text = readText(path);
        return JsonReader(text).document();
    }

    fs::path m_sample;
    fs::path m_plan;
};

TEST_F(KilnPlanTest, BuildWritesAPlanAndSaysWhatItDid) {
    const CommandResult result = buildPlan();
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_TRUE(result.err.empty()) << result.err;
    EXPECT_EQ(readText(m_plan).substr(0, 8), "KILNPLAN");
    // The sample has 31 ONNX nodes (see resources/sample/make_sample_model.py), one layer each.
    EXPECT_NE(result.out.find("Layers: 31 -> "), std::string::npos) << result.out;
    for (const char* mention : {"arena", "ratio", "Build time", "passes", "memory", "fusion"})
        EXPECT_NE(result.out.find(mention), std::string::npos) << mention << " not in: " << result.out;
    // Only the plan is left in the directory: no temporary file survives the atomic write.
    std::set<std::string> files;
    for (const auto& entry : fs::directory_iterator(m_dir))
        files.insert(entry.path().filename().string());
    EXPECT_EQ(files, (std::set<std::string>{"sample.plan", "stdout.txt", "stderr.txt"}));
}

// --verbose writes each build phase on standard error, one line each, also into a file; --quiet and
// --verbose together are refused.
TEST_F(KilnPlanTest, VerboseBuildsPrintTheirPhasesOnStandardError) {
    const CommandResult result = buildPlan("--verbose");
    ASSERT_EQ(result.exitCode, 0) << result.err;
    const std::string prefix = "kiln: building '" + m_sample.string() + "': ";
    // The phases as they start, then the builder's log: every pass change and phase time (verbose) and a
    // summary (info).
    EXPECT_EQ(
        result.err.rfind(prefix + "[1/5] passes\n" + prefix + "[2/5] formats\n" + prefix + "[3/5] tactics\n" +
                             prefix + "[4/5] memory\n" + prefix + "[5/5] network timing\n",
                         0),
        0u)
        << result.err;
    EXPECT_NE(result.err.find("kiln: verbose: [batch-norm folding] fused conv1 + bn1"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("kiln: verbose: phase tactics: "), std::string::npos) << result.err;
    // 18 layers, or 19 where the CPU blocks channels by 16: the inception concat's slices (8, 16, 8 and 8
    // channels) then start off block boundaries, and the copies of blocked convolution outputs into them
    // replace other reformats.
    const int layers = kiln::tactics::preferredCpuChannelBlock() == 16 ? 19 : 18;
    EXPECT_NE(result.err.find("kiln: info: built: 31 layers to " + std::to_string(layers) + ","), std::string::npos)
        << result.err;
    EXPECT_NE(result.out.find("Plan: "), std::string::npos) << result.out;  // results stay on standard output
    EXPECT_EQ(result.out.find("kiln: "), std::string::npos) << result.out;
    const CommandResult both = buildPlan("--verbose --quiet");
    EXPECT_EQ(both.exitCode, 2) << both.err;
    EXPECT_NE(both.err.find("--verbose and --quiet"), std::string::npos) << both.err;
}

// Every command that builds takes --verbose and --quiet: run, profile and compare show their in-memory
// builds' phases with --verbose; --quiet leaves standard error empty, the builder's warnings included.
TEST_F(KilnPlanTest, EveryCommandThatBuildsTakesVerboseAndQuiet) {
    const std::string prefix = "kiln: building '" + m_sample.string() + "': ";
    const std::string phases = prefix + "[1/5] passes\n" + prefix + "[2/5] formats\n" + prefix +
                               "[3/5] tactics\n" + prefix + "[4/5] memory\n" + prefix +
                               "[5/5] network timing\n";
    for (const char* command : {"run", "profile"}) {
        const CommandResult verbose = kiln(std::string(command) + " " + quoted(m_sample.string()) + " --verbose --warmUp 0");
        ASSERT_EQ(verbose.exitCode, 0) << command << ": " << verbose.err;
        // The import's and the build's log around the phases.
        EXPECT_EQ(verbose.err.rfind("kiln: info: imported '" + m_sample.string() + "': 31 nodes", 0), 0u) << verbose.err;
        EXPECT_NE(verbose.err.find(phases), std::string::npos) << command << ": " << verbose.err;
        EXPECT_NE(verbose.err.find("kiln: info: built: "), std::string::npos) << command << ": " << verbose.err;
        EXPECT_NE(verbose.out.find("Latency: "), std::string::npos) << command;  // results stay on standard output
    }
    const CommandResult compared = kiln("compare " + quoted(m_sample.string()) + " --verbose --iterations 1 --warmUp 0");
    ASSERT_EQ(compared.exitCode, 0) << compared.err;
    EXPECT_NE(compared.err.find(phases), std::string::npos) << compared.err;  // the reference build first
    EXPECT_NE(compared.err.find("kiln: building the fp16 engine: [3/5] tactics"), std::string::npos)
        << compared.err;

    const fs::path cache = m_dir / "damaged.timing";
    writeBytes(cache, "not a timing cache");
    const CommandResult quiet = kiln("run " + quoted(m_sample.string()) + " --quiet --timingCacheFile " + quoted(cache.string()));
    ASSERT_EQ(quiet.exitCode, 0) << quiet.err;
    EXPECT_EQ(quiet.err, "");
    EXPECT_NE(quiet.out.find("Latency: "), std::string::npos);
    expectFailure(kiln("profile " + quoted(m_sample.string()) + " --verbose --quiet"), 2, {"--verbose and --quiet"});
}

// --threads: recorded in the plan (the build report says it) and refused outside 1..1024.
TEST_F(KilnPlanTest, ThreadsAreRecordedInThePlan) {
    const fs::path report = m_dir / "report.json";
    const CommandResult built = buildPlan("--threads 1 --exportReport " + quoted(report.string()));
    ASSERT_EQ(built.exitCode, 0) << built.err;
    EXPECT_NE(built.out.find("on 1 CPU threads"), std::string::npos) << built.out;
    EXPECT_NE(readText(report).find("\"threads\": 1"), std::string::npos);
    const CommandResult ran = kiln("run " + quoted(m_plan.string()));
    EXPECT_EQ(ran.exitCode, 0) << ran.err;
    expectFailure(buildPlan("--threads 0"), 2, {"--threads"});
    expectFailure(buildPlan("--threads 1025"), 2, {"--threads", "at most 1024"});
}

// Ctrl-C during the tactics phase (a build timing each candidate 100000 times lasts minutes): the build
// stops at the next candidate, exits with 130 as shells report SIGINT, says so, and writes nothing.
TEST_F(KilnPlanTest, CtrlCCancelsABuildAndWritesNothing) {
    const fs::path err = m_dir / "stderr.txt";
    const fs::path exitFile = m_dir / "exit.txt";
    const std::string script =
        quoted(KILN_CLI_PATH) + " build " + quoted(m_sample.string()) + " -o " + quoted(m_plan.string()) +
        " --exportReport " + quoted((m_dir / "report.json").string()) + " --avgTiming 100000 --verbose 2> " +
        quoted(err.string()) + " > /dev/null & pid=$!; " +
        "for i in $(seq 1 1200); do grep -q tactics " + quoted(err.string()) + " && break; sleep 0.05; done; " +
        "kill -INT $pid; wait $pid; echo $? > " + quoted(exitFile.string());
    const auto start = std::chrono::steady_clock::now();
    ASSERT_EQ(std::system(("sh -c " + quoted(script)).c_str()), 0);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::string stderrText = readText(err);
    EXPECT_EQ(readText(exitFile), "130\n") << stderrText;
    EXPECT_NE(stderrText.find("[3/5] tactics"), std::string::npos) << stderrText;
    EXPECT_NE(stderrText.find("kiln: the build was cancelled (Ctrl-C); nothing was written"), std::string::npos)
        << stderrText;
    EXPECT_LT(seconds, 60.0) << "the build did not stop soon after Ctrl-C";
    std::set<std::string> files;
    for (const auto& entry : fs::directory_iterator(m_dir)) files.insert(entry.path().filename().string());
    EXPECT_EQ(files, (std::set<std::string>{"stderr.txt", "exit.txt"}));
}

// kiln run --check compares the built engine's outputs with the reference kernels' run of the model as
// imported: the fused FP32 engine passes the FP32 defaults; an FP16 build (simulated: every tensor rounded
// to half) cannot pass zero tolerances, and fails naming the output, with exit status 1; a plan cannot
// be checked (no model to compare with); bad tolerances are refused.
TEST_F(KilnPlanTest, RunCheckComparesWithTheReferenceKernels) {
    const std::string input = " --input input=" + quoted(sampleInput());
    const CommandResult fused = kiln("run " + quoted(m_sample.string()) + input + " --check");
    ASSERT_EQ(fused.exitCode, 0) << fused.err << fused.out;
    EXPECT_NE(fused.out.find("within 0.0001 + 0.001 * |reference|"), std::string::npos) << fused.out;
    EXPECT_NE(fused.out.find("0 of 10"), std::string::npos) << fused.out;
    EXPECT_NE(fused.out.find("Check: PASS"), std::string::npos) << fused.out;

    const CommandResult half = kiln("run " + quoted(m_sample.string()) + input + " --fp16 --check --atol 0 --rtol 0");
    EXPECT_EQ(half.exitCode, 1) << half.err << half.out;
    EXPECT_NE(half.out.find("Check: FAIL"), std::string::npos) << half.out;
    EXPECT_NE(half.out.find("output"), std::string::npos) << half.out;
    EXPECT_EQ(half.err.rfind("kiln: error: --check: outputs differ", 0), 0u) << half.err;

    ASSERT_EQ(buildPlan().exitCode, 0);
    const CommandResult plan = kiln("run " + quoted(m_plan.string()) + input + " --check");
    EXPECT_EQ(plan.exitCode, 2) << plan.err;
    EXPECT_NE(plan.err.find("give the ONNX model"), std::string::npos) << plan.err;
    for (const char* bad : {"--atol -1", "--rtol x", "--atol 1 --atol 2"}) {
        const CommandResult refused = kiln("run " + quoted(m_sample.string()) + " --check " + bad);
        EXPECT_EQ(refused.exitCode, 2) << bad << ": " << refused.err;
    }
}

// --checkLayers: every tensor the fused engine and the model share, fused layers' outputs included, in
// execution order; an FP16 build with zero tolerance fails and names the first tensor beyond it, which is
// the first layer's (every FP16 layer rounds).
TEST_F(KilnPlanTest, RunCheckLayersComparesEveryTensorTheEngineKeeps) {
    const std::string input = " --input input=" + quoted(sampleInput());
    const CommandResult fused = kiln("run " + quoted(m_sample.string()) + input + " --checkLayers");
    ASSERT_EQ(fused.exitCode, 0) << fused.err << fused.out;
    EXPECT_NE(fused.out.find("Every tensor the engine and the model share (15, in execution order)"), std::string::npos)
        << fused.out;
    // The fused convolution's output is the model's relu1, computed by the layer conv1 + bn1 + relu1.
    const size_t relu1 = fused.out.find("  relu1 ");
    ASSERT_NE(relu1, std::string::npos) << fused.out;
    EXPECT_LT(relu1, fused.out.find("  fc "));
    EXPECT_NE(fused.out.find("conv1 + bn1 + relu1", relu1), std::string::npos) << fused.out;
    EXPECT_EQ(fused.out.find("First tensor beyond tolerance"), std::string::npos) << fused.out;
    EXPECT_NE(fused.out.find("Check: PASS"), std::string::npos) << fused.out;

    const CommandResult half =
        kiln("run " + quoted(m_sample.string()) + input + " --fp16 --checkLayers --atol 0 --rtol 0");
    EXPECT_EQ(half.exitCode, 1) << half.err << half.out;
    EXPECT_NE(half.out.find("First tensor beyond tolerance: relu1 (layer conv1 + bn1 + relu1)"), std::string::npos)
        << half.out;
    EXPECT_EQ(half.err.rfind("kiln: error: --checkLayers: tensors differ", 0), 0u) << half.err;
}

// trtexec's camelCase spelling, --outputDir, and the older --output-dir name one option.
TEST_F(KilnPlanTest, OutputDirHasBothSpellings) {
    const fs::path camel = m_dir / "camel";
    const CommandResult ran = kiln("run " + quoted(m_sample.string()) + " --outputDir " + quoted(camel.string()));
    ASSERT_EQ(ran.exitCode, 0) << ran.err;
    EXPECT_TRUE(fs::exists(camel / "output.npy"));
    expectFailure(kiln("run " + quoted(m_sample.string()) + " --outputDir " + quoted(camel.string()) + " --output-dir " +
                       quoted(camel.string())),
                  2, {"given twice"});
}

// The builder's warnings go to standard error, from every command that builds: a damaged timing cache is
// reported by kiln build (not among its results on standard output) and by kiln run building in memory.
TEST_F(KilnPlanTest, BuildWarningsGoToStandardErrorFromEveryCommandThatBuilds) {
    const fs::path cache = m_dir / "damaged.timing";
    writeBytes(cache, "not a timing cache");
    const std::string warning = "kiln: warning: timing cache '" + cache.string() + "' is not a Kiln timing cache";
    const CommandResult built = buildPlan("--timingCacheFile " + quoted(cache.string()));
    ASSERT_EQ(built.exitCode, 0) << built.err;
    EXPECT_EQ(built.err.rfind(warning, 0), 0u) << built.err;
    EXPECT_EQ(built.out.find("warning"), std::string::npos) << built.out;
    writeBytes(cache, "not a timing cache");
    const CommandResult ran = kiln("run " + quoted(m_sample.string()) + " --timingCacheFile " + quoted(cache.string()));
    ASSERT_EQ(ran.exitCode, 0) << ran.err;
    EXPECT_EQ(ran.err.rfind(warning, 0), 0u) << ran.err;
}

TEST_F(KilnPlanTest, PlanRunsLikeTheModelAndFusionStaysWithinRounding) {
    ASSERT_EQ(buildPlan().exitCode, 0);
    const kiln::HostTensor fromPlan = runOutput(quoted(m_plan.string()), "--iterations 2", "plan");
    const kiln::HostTensor fromModel = runOutput(quoted(m_sample.string()), "", "model");
    const kiln::HostTensor unfused = runOutput(quoted(m_sample.string()), "--noFusion", "unfused");
    ASSERT_EQ(fromPlan.dims(), (kiln::Dims{1, 10}));
    ASSERT_EQ(fromModel.dims(), fromPlan.dims());
    ASSERT_EQ(unfused.dims(), fromPlan.dims());
    // The plan holds the same layers and weights as the engine built in memory, but each build times
    // its tactics anew and may pick another kernel of equal speed (another summation order): the
    // outputs agree within FP32 rounding, as fused and unfused engines do below.
    for (int64_t i = 0; i < 10; ++i) {
        const float a = fromPlan.data<float>()[i];
        const float b = fromModel.data<float>()[i];
        EXPECT_LE(std::fabs(a - b), 1e-5 * std::fabs(b) + 1e-7) << i;
    }
    double sum = 0.0;
    for (int64_t i = 0; i < 10; ++i) {
        const float fused = fromModel.data<float>()[i];
        const float reference = unfused.data<float>()[i];
        sum += fused;
        // Folding and fusion reorder FP32 sums (bias and residual inside the convolution): a few ulps
        // through eight layers, well within 1e-5 relative on softmax outputs that are not near zero.
        EXPECT_LE(std::fabs(fused - reference), 1e-5 * std::fabs(reference) + 1e-7) << i;
    }
    EXPECT_NEAR(sum, 1.0, 1e-5) << "the output is a softmax";
}

TEST_F(KilnPlanTest, InspectShowsTheBuiltLayers) {
    ASSERT_EQ(buildPlan().exitCode, 0);
    const CommandResult result = kiln("inspect " + quoted(m_plan.string()));
    ASSERT_EQ(result.exitCode, 0) << result.err;
    // The sample's first convolution, batch norm and relu are one layer after vertical fusion.
    EXPECT_NE(result.out.find("conv1 + bn1 + relu1"), std::string::npos) << result.out;
    for (const char* mention :
         {"Bindings", "input", "output", "1x3x32x32", "onednn:convolution", "Elided", "arena"})
        EXPECT_NE(result.out.find(mention), std::string::npos) << mention << " not in: " << result.out;

    const CommandResult json = kiln("inspect " + quoted(m_plan.string()) + " --json");
    ASSERT_EQ(json.exitCode, 0) << json.err;
    const std::optional<JsonValue> document = JsonReader(json.out).document();
    ASSERT_TRUE(document) << json.out;
    ASSERT_NE(document->find("Layers"), nullptr);
    EXPECT_NE(json.out.find(" + "), std::string::npos);
}

TEST_F(KilnPlanTest, ExportLayerInfoAndReportAreJson) {
    const fs::path layerInfo = m_dir / "layers.json";
    const fs::path report = m_dir / "report.json";
    ASSERT_EQ(buildPlan("--exportLayerInfo " + quoted(layerInfo.string()) + " --exportReport " +
                        quoted(report.string()))
                  .exitCode,
              0);
    const std::optional<JsonValue> layers = readJson(layerInfo);
    ASSERT_TRUE(layers) << readText(layerInfo);
    const JsonValue* layerList = layers->find("Layers");
    const JsonValue* bindings = layers->find("Bindings");
    ASSERT_TRUE(layerList != nullptr && bindings != nullptr) << readText(layerInfo);
    EXPECT_FALSE(layerList->items.empty());
    std::set<std::string> bindingNames;
    for (const JsonValue& binding : bindings->items)
        bindingNames.insert(binding.text);
    EXPECT_EQ(bindingNames, (std::set<std::string>{"input", "output"}));
    EXPECT_TRUE(readJson(report)) << readText(report);
}

// Close candidates run again in the network: where the report gives candidates network times, the
// chosen one has the lowest of them or one within the margin a change needs, and the summary says how many
// layers were timed there;
// --noNetworkTiming leaves the phase and the network times out.
TEST_F(KilnPlanTest, CloseCandidatesAreTimedInTheNetworkUnlessTurnedOff) {
    const fs::path report = m_dir / "report.json";
    const CommandResult built = buildPlan("--exportReport " + quoted(report.string()));
    ASSERT_EQ(built.exitCode, 0) << built.err;
    std::optional<JsonValue> document = readJson(report);
    ASSERT_TRUE(document) << readText(report);
    const JsonValue* timing = document->find("timing");
    ASSERT_TRUE(timing && timing->find("network")) << readText(report);
    const JsonValue& network = *timing->find("network");
    const double networkLayers = network.find("layers")->number;
    // The tactics fastest in the network are kept together where the network ran faster with them.
    const bool kept = network.find("changed")->number > 0;
    if (kept) EXPECT_LT(network.find("mixedMilliseconds")->number, network.find("aloneMilliseconds")->number);
    int timedThere = 0;
    for (const JsonValue& layer : document->find("layersAfter")->items) {
        const JsonValue* candidates = layer.find("candidates");
        if (!candidates) continue;
        double chosen = -1.0;
        double fastest = 1e30;
        bool any = false;
        for (const JsonValue& candidate : candidates->items) {
            const JsonValue* inNetwork = candidate.find("networkMilliseconds");
            if (!inNetwork) continue;
            any = true;
            const double time = kept ? inNetwork->number : candidate.find("milliseconds")->number;
            fastest = std::min(fastest, time);
            if (candidate.find("chosen")->boolean) chosen = time;
        }
        if (!any) continue;
        ++timedThere;
        // Kept: a layer changes only for a candidate 3 % faster in the network (kNetworkMargin), so its
        // choice is the fastest there or within 3 % of it.
        if (kept) {
            EXPECT_LE(chosen * (1.0 - 0.03), fastest) << layer.find("name")->text;
        } else {
            EXPECT_EQ(chosen, fastest) << layer.find("name")->text;
        }
    }
    EXPECT_EQ(timedThere, int(networkLayers));
    if (networkLayers > 0) {
        EXPECT_NE(built.out.find("layers with close candidates timed again in the network"),
                  std::string::npos)
            << built.out;
    }

    const CommandResult off =
        buildPlan("--noNetworkTiming --verbose --exportReport " + quoted(report.string()));
    ASSERT_EQ(off.exitCode, 0) << off.err;
    EXPECT_NE(off.err.find("[4/4] memory"), std::string::npos) << off.err;
    EXPECT_EQ(off.err.find("network timing"), std::string::npos) << off.err;
    EXPECT_EQ(readText(report).find("networkMilliseconds"), std::string::npos);
    EXPECT_EQ(off.out.find("in the network"), std::string::npos) << off.out;
}

TEST_F(KilnPlanTest, ProfileExportsTheTrtexecLayout) {
    const fs::path layerInfo = m_dir / "layers.json";
    ASSERT_EQ(buildPlan("--exportLayerInfo " + quoted(layerInfo.string())).exitCode, 0);
    const fs::path profile = m_dir / "profile.json";
    const CommandResult result = kiln("profile " + quoted(m_plan.string()) + " --iterations 3 --warmUp 1 " +
                                      "--exportProfile " + quoted(profile.string()));
    ASSERT_EQ(result.exitCode, 0) << result.err;
    for (const char* mention : {"min", "median", "mean", "max", "p90", "p99"})
        EXPECT_NE(result.out.find(mention), std::string::npos) << mention << " not in: " << result.out;

    // The layers that execute: every layer of the plan that was not elided, in plan order.
    const std::optional<JsonValue> layers = readJson(layerInfo);
    ASSERT_TRUE(layers && layers->find("Layers"));
    std::vector<std::string> executed;
    for (const JsonValue& layer : layers->find("Layers")->items) {
        const JsonValue* elided = layer.find("Elided");
        if (elided == nullptr || !elided->boolean) executed.push_back(layer.find("Name")->text);
    }
    ASSERT_FALSE(executed.empty());

    const std::optional<JsonValue> document = readJson(profile);
    ASSERT_TRUE(document) << readText(profile);
    ASSERT_EQ(document->kind, JsonValue::Kind::Array);
    ASSERT_EQ(document->items.size(), executed.size() + 1) << readText(profile);
    const JsonValue* count = document->items[0].find("count");
    ASSERT_NE(count, nullptr);
    EXPECT_EQ(count->number, 3.0);
    double percentages = 0.0;
    for (size_t i = 0; i < executed.size(); ++i) {
        const JsonValue& layer = document->items[i + 1];
        const JsonValue* name = layer.find("name");
        const JsonValue* timeMs = layer.find("timeMs");
        const JsonValue* averageMs = layer.find("averageMs");
        const JsonValue* medianMs = layer.find("medianMs");
        const JsonValue* percentage = layer.find("percentage");
        ASSERT_TRUE(name && timeMs && averageMs && medianMs && percentage) << i;
        EXPECT_EQ(name->text, executed[i]);
        EXPECT_NE(result.out.find(executed[i]), std::string::npos) << executed[i] << " not in the table";
        EXPECT_GE(timeMs->number, 0.0);
        // The total is over the three runs; ten significant digits are written.
        EXPECT_NEAR(averageMs->number * 3.0, timeMs->number, 1e-6 * timeMs->number + 1e-9) << executed[i];
        percentages += percentage->number;
    }
    EXPECT_NEAR(percentages, 100.0, 1e-3);
}

// trtexec's meanings: --warmUp and --duration are times, --iterations a least count; --percentile and
// --avgRuns shape the statistics; the throughput is printed; --exportTimes has trtexec's per-run fields.
TEST_F(KilnPlanTest, ProfileFlagsMeanWhatTrtexecsMean) {
    ASSERT_EQ(buildPlan().exitCode, 0);
    const fs::path times = m_dir / "times.json";
    const auto start = std::chrono::steady_clock::now();
    const CommandResult result = kiln("profile " + quoted(m_plan.string()) +
                                      " --warmUp 300 --duration 0.4 --iterations 3 --percentile 50,99.9 --avgRuns 2 "
                                      "--exportTimes " + quoted(times.string()));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_GE(seconds, 0.7) << "300 ms of warm-up and 0.4 s of timed runs";
    for (const char* mention : {"p50 ", "p99.9 ", "after 300 ms of warm-up", "Throughput: ", "inferences/s",
                                "averages of 2 consecutive runs"}) {
        EXPECT_NE(result.out.find(mention), std::string::npos) << mention << " not in: " << result.out;
    }
    EXPECT_EQ(result.out.find("p90 "), std::string::npos) << "only the percentiles asked: " << result.out;

    const std::optional<JsonValue> document = readJson(times);
    ASSERT_TRUE(document && document->kind == JsonValue::Kind::Array) << readText(times);
    ASSERT_GE(document->items.size(), 3u);
    const std::string runs = std::to_string(document->items.size()) + " timed runs";
    EXPECT_NE(result.out.find(runs), std::string::npos) << runs << " not in: " << result.out;
    double previousEnd = 0.0;
    for (const JsonValue& run : document->items) {
        for (const char* field : {"startHtoDMs", "endHtoDMs", "startComputeMs", "endComputeMs", "startDtoHMs",
                                  "endDtoHMs", "latencyMs", "computeMs", "h2dMs", "d2hMs"}) {
            ASSERT_NE(run.find(field), nullptr) << field;
        }
        const double begin = run.find("startHtoDMs")->number;
        const double end = run.find("endDtoHMs")->number;
        EXPECT_GE(begin, previousEnd - 1e-6 * previousEnd) << "runs follow one another";  // 10 significant digits
        EXPECT_NEAR(run.find("latencyMs")->number, end - begin, 1e-6);
        previousEnd = end;
    }
    EXPECT_GE(previousEnd, 400.0) << "the timed runs span the --duration";

    // Without the profiler attached to the timed runs, the layer table still comes from profiled runs.
    const CommandResult separate = kiln("profile " + quoted(m_plan.string()) + " --separateProfileRun --iterations 3 --warmUp 0");
    ASSERT_EQ(separate.exitCode, 0) << separate.err;
    EXPECT_NE(separate.out.find("without the profiler; then as many profiled runs"), std::string::npos) << separate.out;
    EXPECT_NE(separate.out.find("Sum of layer averages"), std::string::npos) << separate.out;

    // The CPU has no transfers to leave out: the flag is accepted and says so, and --quiet silences it.
    const CommandResult noTransfers = kiln("profile " + quoted(m_plan.string()) + " --noDataTransfers --iterations 2 --warmUp 0");
    ASSERT_EQ(noTransfers.exitCode, 0) << noTransfers.err;
    EXPECT_NE(noTransfers.err.find("--noDataTransfers has no effect on the cpu backend"), std::string::npos) << noTransfers.err;
    EXPECT_NE(noTransfers.out.find("Latency: "), std::string::npos) << noTransfers.out;
    const CommandResult quietly =
        kiln("profile " + quoted(m_plan.string()) + " --noDataTransfers --quiet --iterations 2 --warmUp 0");
    ASSERT_EQ(quietly.exitCode, 0) << quietly.err;
    EXPECT_EQ(quietly.err, "");

    expectFailure(kiln("profile " + quoted(m_plan.string()) + " --duration -1"), 2, {"--duration", "'-1'"});
    expectFailure(kiln("profile " + quoted(m_plan.string()) + " --percentile 90,101"), 2, {"--percentile", "'101'"});
    expectFailure(kiln("profile " + quoted(m_plan.string()) + " --avgRuns 0"), 2, {"--avgRuns"});
}

TEST_F(KilnPlanTest, CorruptPlanIsRefused) {
    ASSERT_EQ(buildPlan().exitCode, 0);
    std::string bytes = readText(m_plan);
    bytes[bytes.size() / 2] = char(bytes[bytes.size() / 2] ^ 0x5a);
    const fs::path corrupt = m_dir / "corrupt.plan";
    writeBytes(corrupt, bytes);
    expectFailure(kiln("run " + quoted(corrupt.string()) + " " + outputDirFlag()), 1, {"corrupt", "rebuild"});
    expectFailure(kiln("inspect " + quoted(corrupt.string())), 1, {"corrupt"});
    expectFailure(kiln("profile " + quoted(corrupt.string())), 1, {"corrupt"});
}

TEST_F(KilnPlanTest, NothingIsWrittenIntoAMissingDirectory) {
    const fs::path missing = m_dir / "missing";
    expectFailure(kiln("build " + quoted(m_sample.string()) + " -o " + quoted((missing / "x.plan").string())),
                  1, {"-o", "missing", "does not exist"});
    EXPECT_FALSE(fs::exists(missing));
    // A bad export path is found before the build, so the plan is not written either.
    expectFailure(buildPlan("--exportReport " + quoted((missing / "report.json").string())), 1,
                  {"--exportReport", "missing"});
    EXPECT_FALSE(fs::exists(m_plan));
    EXPECT_FALSE(fs::exists(missing));
}

// With no workspace at all, layers whose kernels need scratch memory fall back to ones that need none
// (in the end the reference kernels, in linear formats): the build succeeds and computes the same.
TEST_F(KilnPlanTest, ZeroWorkspaceStillBuildsAndAgrees) {
    const CommandResult built = buildPlan("--workspace 0");
    ASSERT_EQ(built.exitCode, 0) << built.err;
    const kiln::HostTensor withoutWorkspace = runOutput(quoted(m_plan.string()), "", "no_workspace");
    const kiln::HostTensor unfused = runOutput(quoted(m_sample.string()), "--noFusion", "unfused");
    ASSERT_EQ(withoutWorkspace.dims(), (kiln::Dims{1, 10}));
    ASSERT_EQ(unfused.dims(), withoutWorkspace.dims());
    for (int64_t i = 0; i < 10; ++i) {  // FP32 sums in other orders, as in the test above
        const float a = withoutWorkspace.data<float>()[i];
        const float b = unfused.data<float>()[i];
        EXPECT_LE(std::fabs(a - b), 1e-5 * std::fabs(b) + 1e-7) << i;
    }
}

// A cache is written back, so a cache path must be somewhere a file can go: a folder or a FIFO is
// refused before the build, with the flag named, instead of failing after it.
TEST_F(KilnPlanTest, CachePathsMustBeFiles) {
    fs::create_directory(m_dir / "folder");
    const fs::path fifo = m_dir / "pipe";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    expectFailure(buildPlan("--timingCacheFile " + quoted((m_dir / "folder").string())), 1,
                  {"--timingCacheFile", "is a directory"});
    expectFailure(buildPlan("--timingCacheFile " + quoted(fifo.string())), 1, {"--timingCacheFile", "not a regular file"});
    EXPECT_FALSE(fs::exists(m_plan));
}

// The plan and its exports are written together: when one cannot be written, none is left, plan
// included. Here the report's name is valid (250 characters) but its temporary file's name beside it
// is not (over the 255 that a file name may have), which fails for every user, root included.
TEST_F(KilnPlanTest, PlanAndExportsAreWrittenAllOrNone) {
    const fs::path layers = m_dir / "layers.json";
    const fs::path report = m_dir / (std::string(245, 'r') + ".json");
    expectFailure(buildPlan("--exportLayerInfo " + quoted(layers.string()) + " --exportReport " + quoted(report.string())),
                  1, {"none of the files was written", "rrrr.json"});
    EXPECT_FALSE(fs::exists(m_plan));
    EXPECT_FALSE(fs::exists(layers));
    for (const auto& entry : fs::directory_iterator(m_dir)) {
        EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
    }
}

// --memoryLimit bounds what a build and a run may take: refused before allocating, naming the need.
TEST_F(KilnPlanTest, MemoryLimitRefusesBeforeAllocating) {
    // x [1024, 1024] FP32 is 4 MiB; with relu and neg outputs a context holds 12 MiB.
    const std::string model = writeModel("wide.onnx", reluNegModel({"n", "1024"}));
    const std::string shapes = " --shapes x:1024x1024";
    expectFailure(kiln("build " + quoted(model) + " -o " + quoted(m_plan.string()) + shapes + " --memoryLimit 2"), 1,
                  {"tensor 'x' (1024x1024) needs 4.0 MiB", "memory budget of 2.0 MiB (--memoryLimit)"});
    EXPECT_FALSE(fs::exists(m_plan));
    const CommandResult built = kiln("build " + quoted(model) + " -o " + quoted(m_plan.string()) + shapes);
    ASSERT_EQ(built.exitCode, 0) << built.err;
    expectFailure(kiln("run " + quoted(m_plan.string()) + " --memoryLimit 6 " + outputDirFlag()), 1,
                  {"execution context", "memory budget of 6.0 MiB"});
    const CommandResult fits = kiln("run " + quoted(m_plan.string()) + " --memoryLimit 64");
    EXPECT_EQ(fits.exitCode, 0) << fits.err;
}

TEST_F(KilnPlanTest, OutputsNeverReplaceInputsOrEachOther) {
    const fs::path model = copySample();
    const std::string original = readText(model);
    const std::string modelFlag = quoted(model.string());

    // The plan onto its own model, also under another spelling of the same path.
    expectFailure(kiln("build " + modelFlag + " -o " + modelFlag), 2, {"-o", "same file", "the model", "destroy"});
    fs::create_directory(m_dir / "sub");
    expectFailure(kiln("build " + modelFlag + " -o " + quoted((m_dir / "sub" / ".." / "model.onnx").string())), 2,
                  {"-o", "same file"});
    // A timing cache is written back, so it must not be the model either.
    expectFailure(kiln("build " + modelFlag + " -o " + quoted(m_plan.string()) + " --timingCacheFile " + modelFlag), 2,
                  {"--timingCacheFile", "the model"});
    EXPECT_EQ(readText(model), original);
    EXPECT_FALSE(fs::exists(m_plan));

    // Two outputs on one path: one would silently replace the other.
    const std::string plan = quoted(m_plan.string());
    expectFailure(kiln("build " + modelFlag + " -o " + plan + " --exportReport " +
                       quoted((m_dir / "sub" / ".." / m_plan.filename()).string())),
                  2, {"--exportReport", "-o", "another output"});
    EXPECT_FALSE(fs::exists(m_plan));

    // Only regular files are replaced: a device file stays a device.
    expectFailure(kiln("build " + modelFlag + " -o /dev/null"), 1, {"-o", "/dev/null", "not a regular file"});
    expectFailure(kiln("build " + modelFlag + " -o " + plan + " --exportReport /dev/null"), 1,
                  {"--exportReport", "not a regular file"});
    EXPECT_FALSE(fs::exists(m_plan));
}

TEST_F(KilnPlanTest, ProfileExportsNeverReplaceInputsOrEachOther) {
    ASSERT_EQ(buildPlan().exitCode, 0);
    const std::string plan = quoted(m_plan.string());
    const std::string original = readText(m_plan);
    expectFailure(kiln("profile " + plan + " --exportProfile " + plan), 2, {"--exportProfile", "the plan", "destroy"});
    const fs::path report = m_dir / "profile.json";
    expectFailure(kiln("profile " + plan + " --exportProfile " + quoted(report.string()) + " --exportTimes " +
                       quoted(report.string())),
                  2, {"--exportTimes", "--exportProfile", "another output"});
    EXPECT_EQ(readText(m_plan), original);
    EXPECT_FALSE(fs::exists(report));
}

TEST_F(KilnPlanTest, CompareAndCalibrateNeverReplaceTheModel) {
    const fs::path model = copySample();
    const std::string original = readText(model);
    const std::string modelFlag = quoted(model.string());
    expectFailure(kiln("compare " + modelFlag + " --precisions fp32,fp16 --json " + modelFlag), 2,
                  {"--json", "the model", "destroy"});
    expectFailure(kiln("calibrate " + modelFlag + " --calib " + quoted(m_dir.string()) + " --calibCache " + modelFlag), 2,
                  {"--calibCache", "the model", "destroy"});
    EXPECT_EQ(readText(model), original);
}

TEST_F(KilnPlanTest, PlanFlagsAreChecked) {
    ASSERT_EQ(buildPlan().exitCode, 0);
    const std::string plan = quoted(m_plan.string());
    const std::string sample = quoted(m_sample.string());
    expectFailure(kiln("build " + sample), 2, {"-o"});
    expectFailure(kiln("build " + sample + " -o a.plan -o b.plan"), 2, {"twice"});
    expectFailure(kiln("build " + sample + " -o a.plan --fp64"), 2, {"--fp64"});
    expectFailure(kiln("profile " + plan + " --iterations 0"), 2, {"--iterations"});
    expectFailure(kiln("profile " + plan + " --warmUp x"), 2, {"--warmUp"});
    expectFailure(kiln("run " + plan + " --shapes input:2x3x32x32 " + outputDirFlag()), 2,
                  {"input", "2x3x32x32", "1x3x32x32"});
    expectFailure(kiln("run " + plan + " --input images=a.npy " + outputDirFlag()), 2, {"images", "'input'"});
    expectFailure(kiln("build " + plan + " -o " + quoted((m_dir / "again.plan").string())), 1, {"plan"});
    EXPECT_FALSE(fs::exists(m_dir / "again.plan"));
}

}  // namespace

// x [1,4,8,8] -> normalize (Mul by 1e-5) -> conv1 (3x3, 8) -> relu1 -> conv2 (3x3, 8) -> y. Inputs up
// to 2e5 overflow FP16 (largest finite value 65504) where normalize reads them: the one layer of an FP16
// build that must stay in FP32.
onnx::ModelProto hostileModel() {
    onnx::ModelProto model;
    model.set_ir_version(8);
    model.set_producer_name("kiln_cli_test");
    auto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(13);
    auto* graph = model.mutable_graph();
    graph->set_name("hostile");
    addTensorValue(graph->add_input(), "x", {"1", "4", "8", "8"});
    auto addWeights = [&](const std::string& name, const std::vector<int64_t>& dims, float amplitude) {
        auto* tensor = graph->add_initializer();
        tensor->set_name(name);
        tensor->set_data_type(onnx::TensorProto::FLOAT);
        int64_t count = 1;
        for (int64_t d : dims) {
            tensor->add_dims(d);
            count *= d;
        }
        for (int64_t i = 0; i < count; ++i) tensor->add_float_data(amplitude * std::sin(0.7f * float(i) + 0.3f));
    };
    addWeights("scale", {}, 0.0f);
    graph->mutable_initializer(0)->set_float_data(0, 1e-5f);
    addWeights("w1", {8, 4, 3, 3}, 0.5f);
    addWeights("w2", {8, 8, 3, 3}, 0.5f);
    auto addNode = [&](const std::string& name, const std::string& op, std::vector<std::string> inputs,
                       const std::string& output) {
        auto* node = graph->add_node();
        node->set_name(name);
        node->set_op_type(op);
        for (const std::string& input : inputs) node->add_input(input);
        node->add_output(output);
        if (op == "Conv") {
            auto* pads = node->add_attribute();
            pads->set_name("pads");
            pads->set_type(onnx::AttributeProto::INTS);
            for (int i = 0; i < 4; ++i) pads->add_ints(1);
        }
    };
    addNode("normalize", "Mul", {"x", "scale"}, "n");
    addNode("conv1", "Conv", {"n", "w1"}, "c1");
    addNode("relu1", "Relu", {"c1"}, "r1");
    addNode("conv2", "Conv", {"r1", "w2"}, "y");
    addTensorValue(graph->add_output(), "y", {"1", "8", "8", "8"});
    return model;
}

TEST_F(KilnCliTest, CompareFindsThePrecisionHostileLayer) {
    const std::string model = writeModel("hostile.onnx", hostileModel());
    std::vector<float> values(4 * 8 * 8);
    for (size_t i = 0; i < values.size(); ++i) values[i] = 2e5f * std::sin(1.3f * float(i));
    const std::string input = writeArray("x.npy", {1, 4, 8, 8}, values);
    const fs::path json = m_dir / "compare.json";
    const CommandResult result = kiln("compare " + quoted(model) + " --input x=" + quoted(input) +
                                      " --precisions fp32,fp16 --bisect --tolerance 0.01 --iterations 2 --json " +
                                      quoted(json.string()));
    ASSERT_EQ(result.exitCode, 0) << result.err << result.out;
    EXPECT_NE(result.out.find("--layerPrecisions normalize:fp32"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("fp16 against fp32 ("), std::string::npos) << result.out;
    EXPECT_NE(result.out.find(" layers simulated): "), std::string::npos) << "no FP16 kernel on the CPU: " << result.out;
    EXPECT_NE(result.out.find("y (output)"), std::string::npos) << result.out;
    const std::string text = readText(json);
    EXPECT_NE(text.find("\"layerPrecisions\": \"normalize:fp32\""), std::string::npos) << text;
    EXPECT_NE(text.find("\"cosineSimilarity\""), std::string::npos);

    // The answer, given to kiln build, gives a plan that runs within the tolerance of FP32.
    const fs::path plan = m_dir / "fp16.plan";
    const CommandResult built = kiln("build " + quoted(model) + " --fp16 --layerPrecisions normalize:fp32 -o " +
                                     quoted(plan.string()));
    ASSERT_EQ(built.exitCode, 0) << built.err;
    EXPECT_NE(built.out.find("kept normalize"), std::string::npos) << built.out;
    const fs::path fp16Out = m_dir / "fp16";
    const fs::path fp32Out = m_dir / "fp32";
    ASSERT_EQ(kiln("run " + quoted(plan.string()) + " --input x=" + quoted(input) + " --output-dir " +
                   quoted(fp16Out.string())).exitCode, 0);
    ASSERT_EQ(kiln("run " + quoted(model) + " --input x=" + quoted(input) + " --output-dir " + quoted(fp32Out.string()))
                  .exitCode, 0);
    auto fp16 = kiln::readNpy((fp16Out / "y.npy").string());
    auto fp32 = kiln::readNpy((fp32Out / "y.npy").string());
    ASSERT_TRUE(fp16.isOk() && fp32.isOk());
    float largest = 0.0f;
    float worst = 0.0f;
    for (int64_t i = 0; i < fp32->elementCount(); ++i) {
        largest = std::max(largest, std::abs(fp32->data<float>()[i]));
        worst = std::max(worst, std::abs(fp32->data<float>()[i] - fp16->data<float>()[i]));
    }
    EXPECT_LE(worst, 0.01f * largest);
}

TEST_F(KilnCliTest, CompareAndPrecisionFlagsAreChecked) {
    const std::string model = writeModel("hostile.onnx", hostileModel());
    expectFailure(kiln("compare " + quoted(model) + " --precisions fp32"), 2, {"--precisions needs two precisions"});
    expectFailure(kiln("compare " + quoted(model) + " --precisions fp32,fp8"), 2, {"'fp8' is no precision"});
    expectFailure(kiln("compare " + quoted(model) + " --tolerance -1"), 2, {"--tolerance must be a positive number"});
    expectFailure(kiln("build " + quoted(model) + " -o " + quoted((m_dir / "p.plan").string()) +
                       " --layerPrecisions conv1"),
                  2, {"is not NODE:PRECISION"});
    expectFailure(kiln("build " + quoted(model) + " -o " + quoted((m_dir / "p.plan").string()) +
                       " --fp16 --layerPrecisions nothing:fp32"),
                  1, {"'nothing' matches no node"});
    expectFailure(kiln("build " + quoted(model) + " -o " + quoted((m_dir / "p.plan").string()) + " --backend tpu"),
                  2, {"--backend is 'cpu' or 'cuda'"});
}

TEST_F(KilnCliTest, LayerPrecisionsGiveLayersTheirOwnPrecision) {
    const std::string model = writeModel("hostile.onnx", hostileModel());
    const std::string plan = quoted((m_dir / "mixed.plan").string());
    // An FP16 layer in an FP32 build, and the plan runs.
    const CommandResult fp16 = kiln("build " + quoted(model) + " --layerPrecisions conv1:fp16 -o " + plan);
    ASSERT_EQ(fp16.exitCode, 0) << fp16.err;
    EXPECT_NE(fp16.out.find("in FP16 (conv1:fp16)"), std::string::npos) << fp16.out;
    EXPECT_EQ(kiln("run " + plan).exitCode, 0);

    // An INT8 layer needs calibrated ranges, and gets them from --calib like an --int8 build.
    expectFailure(kiln("build " + quoted(model) + " --layerPrecisions conv1:int8 -o " + plan), 2,
                  {"INT8 needs calibrated ranges"});
    std::vector<float> values(4 * 8 * 8);
    for (size_t i = 0; i < values.size(); ++i) values[i] = std::sin(0.7f * float(i));
    const std::string calib = writeArray("calib.npy", {1, 4, 8, 8}, values);
    const CommandResult int8 =
        kiln("build " + quoted(model) + " --layerPrecisions conv1:int8 --calib " + quoted(calib) + " -o " + plan);
    ASSERT_EQ(int8.exitCode, 0) << int8.err << int8.out;
    EXPECT_NE(int8.out.find("in INT8 (conv1:int8)"), std::string::npos) << int8.out;

    // 'none' ignores them, and says so.
    const CommandResult ignored = kiln("build " + quoted(model) +
                                       " --layerPrecisions conv1:int8 --precisionConstraints none -o " + plan);
    ASSERT_EQ(ignored.exitCode, 0) << ignored.err;
    EXPECT_NE((ignored.out + ignored.err).find("layer precisions were ignored"), std::string::npos)
        << ignored.out << ignored.err;
    expectFailure(kiln("build " + quoted(model) + " --precisionConstraints sometimes -o " + plan), 2,
                  {"--precisionConstraints is obey, prefer or none, not 'sometimes'"});
}

// BF16 runs oneDNN's BF16 convolutions where the CPU has AVX-512 BF16, and is simulated elsewhere; the
// build and the comparison say how many layers ran simulated.
TEST_F(KilnCliTest, Bf16RunsOnTheCpuAndOneReducedPrecisionAtATime) {
    const std::string model = writeModel("hostile.onnx", hostileModel());
    const fs::path plan = m_dir / "bf16.plan";
    const fs::path report = m_dir / "bf16.json";
    const CommandResult built = kiln("build " + quoted(model) + " --bf16 -o " + quoted(plan.string()) +
                                     " --exportReport " + quoted(report.string()));
    ASSERT_EQ(built.exitCode, 0) << built.err;
    EXPECT_NE(built.out.find("BF16 allowed"), std::string::npos) << built.out;
    EXPECT_TRUE(fs::exists(plan));
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512bf16")) {
        // Timed beside the simulated tactics: which wins on a layer this small depends on the moment.
        const std::string candidates = readText(report);
        bool timed = false;
        const std::string key = "\"tactic\": \"onednn:convolution_bf16:";
        for (size_t at = candidates.find(key); at != std::string::npos && !timed; at = candidates.find(key, at + 1)) {
            const std::string entry = candidates.substr(at, candidates.find('}', at) - at);
            timed = entry.find("\"milliseconds\"") != std::string::npos;
        }
        EXPECT_TRUE(timed) << "no oneDNN BF16 convolution was timed: " << candidates;
    } else {
        EXPECT_NE(built.out.find("layers simulated on this CPU"), std::string::npos) << built.out;
        EXPECT_NE(built.out.find("simbf16:"), std::string::npos) << built.out;
    }

    const CommandResult compared = kiln("compare " + quoted(model) + " --precisions fp32,bf16 --iterations 1");
    ASSERT_EQ(compared.exitCode, 0) << compared.err << compared.out;
    EXPECT_NE(compared.out.find("bf16 against fp32"), std::string::npos) << compared.out;

    const fs::path refused = m_dir / "both.plan";
    expectFailure(kiln("build " + quoted(model) + " --fp16 --bf16 -o " + quoted(refused.string())), 1,
                  {"give one of --fp16, --bf16 and --int8"});
    EXPECT_FALSE(fs::exists(refused));
    expectFailure(kiln("compare " + quoted(model) + " --precisions fp32,bf8"), 2, {"use fp32, fp16, bf16 or int8"});
}

TEST_F(KilnCliTest, CudaWithoutADeviceSaysSoAndWritesNothing) {
    const CommandResult version = kiln("--version");
    ASSERT_EQ(version.exitCode, 0);
    if (version.out.find("backend cuda: unavailable") == std::string::npos) GTEST_SKIP() << "a CUDA device is present";
    const std::string model = writeModel("hostile.onnx", hostileModel());
    const fs::path plan = m_dir / "cuda.plan";
    expectFailure(kiln("build " + quoted(model) + " --backend cuda -o " + quoted(plan.string())), 1,
                  {"the cuda backend is unavailable", "use the cpu backend"});
    EXPECT_FALSE(fs::exists(plan));
}

TEST_F(KilnCliTest, CalibrateWritesReusesAndReplacesTheCache) {
    const std::string model = writeModel("hostile.onnx", hostileModel());
    fs::create_directories(m_dir / "calib");
    for (int b = 0; b < 3; ++b) {
        std::vector<float> values(4 * 8 * 8);
        for (size_t i = 0; i < values.size(); ++i) values[i] = std::sin(0.1f * float(i) + float(b));
        writeArray("calib/b" + std::to_string(b) + ".npy", {1, 4, 8, 8}, values);
    }
    const fs::path cache = m_dir / "model.calib";
    const std::string base = "calibrate " + quoted(model) + " --calib " + quoted((m_dir / "calib").string()) +
                             " --calibCache " + quoted(cache.string());
    CommandResult first = kiln(base + " --calibAlgo minmax --verbose");
    ASSERT_EQ(first.exitCode, 0) << first.err;
    // Progress is on standard error, a line per pass in a log; standard output keeps the results.
    const std::string progress = "kiln: calibrating '" + model + "': ";
    EXPECT_NE(first.err.find(progress + "[1/2] ranges\n" + progress + "[2/2] histograms\n"), std::string::npos) << first.err;
    EXPECT_EQ(first.out.find('\r'), std::string::npos) << first.out;
    const std::string text = readText(cache);
    EXPECT_EQ(text.rfind("kiln-calibration 1\nalgorithm: minmax\npreprocessing: npy batches x=", 0), 0u) << text;
    EXPECT_NE(text.find("\nbatches: 3\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\ny: "), std::string::npos) << text;

    CommandResult again = kiln(base + " --calibAlgo minmax");
    ASSERT_EQ(again.exitCode, 0) << again.err;
    EXPECT_NE(again.out.find("scales reused"), std::string::npos) << again.out;

    CommandResult other = kiln(base + " --calibAlgo entropy");
    ASSERT_EQ(other.exitCode, 0) << other.err;
    EXPECT_NE(other.err.find("made with minmax, not entropy"), std::string::npos) << other.err;
    EXPECT_NE(readText(cache).find("algorithm: entropy"), std::string::npos);

    writeBytes(cache, "kiln-calibration 1\nalgorithm: entropy\n");
    CommandResult damaged = kiln(base);
    ASSERT_EQ(damaged.exitCode, 0) << damaged.err;
    EXPECT_NE(damaged.err.find("truncated or damaged at line 3"), std::string::npos) << damaged.err;
    EXPECT_NE(readText(cache).find("\nbatches: 3\n"), std::string::npos);
}

// Calibration data whose values are all negative: the Relu's output is all 0 and gets no scale, which the
// command says with the tensor's name; the input and the Neg's output get scales.
TEST_F(KilnCliTest, CalibrateNamesTheTensorsWithoutAScale) {
    const std::string model = writeModel("relu_neg.onnx", reluNegModel({"2", "3"}));
    fs::create_directories(m_dir / "calib");
    writeArray("calib/b0.npy", {2, 3}, {-1.0f, -2.0f, -3.0f, -0.5f, -0.25f, -4.0f});
    const fs::path cache = m_dir / "model.calib";
    const CommandResult result =
        kiln("calibrate " + quoted(model) + " --calib " + quoted((m_dir / "calib").string()) +
             " --calibCache " + quoted(cache.string()));
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_NE(result.out.find("2 scales"), std::string::npos) << result.out;
    EXPECT_NE(
        result.out.find("1 tensor got no scale (every value 0, or too near 0 for an INT8 range) and will "
                        "stay in floating point: relu/out:0\n"),
        std::string::npos)
        << result.out;
    const std::string text = readText(cache);
    EXPECT_NE(text.find("\nneg: "), std::string::npos) << text;
    EXPECT_EQ(text.find("relu/out:0"), std::string::npos) << text;
}

TEST_F(KilnCliTest, BadCalibrationDataIsRefusedAndNoCacheIsWritten) {
    const std::string model = writeModel("hostile.onnx", hostileModel());
    const fs::path cache = m_dir / "model.calib";
    const std::string wrong = writeArray("wrong.npy", {1, 4, 8, 7}, std::vector<float>(4 * 8 * 7, 0.5f));
    const CommandResult result = kiln("calibrate " + quoted(model) + " --calib " + quoted(wrong) + " --calibCache " +
                                      quoted(cache.string()));
    expectFailure(result, 1, {"wrong.npy' has shape 1x4x8x7", "1x4x8x8"});
    EXPECT_FALSE(fs::exists(cache));
    expectFailure(kiln("calibrate " + quoted(model) + " --calibCache " + quoted(cache.string())), 2, {"missing --calib"});
    expectFailure(kiln("calibrate " + quoted(model) + " --calib " + quoted(wrong) + " --calibCache " + quoted(cache.string()) +
                       " --calibAlgo magic"),
                  2, {"--calibAlgo is entropy, minmax, percentile or mse, not 'magic'"});
}

TEST_F(KilnCliTest, Int8BuildCalibratesOrReusesTheCache) {
    const std::string model = writeModel("hostile.onnx", hostileModel());
    fs::create_directories(m_dir / "calib");
    std::vector<float> values(4 * 8 * 8);
    for (size_t i = 0; i < values.size(); ++i) values[i] = std::sin(0.1f * float(i));
    const std::string input = writeArray("calib/b0.npy", {1, 4, 8, 8}, values);
    const fs::path cache = m_dir / "model.calib";
    const fs::path plan = m_dir / "int8.plan";
    expectFailure(kiln("build " + quoted(model) + " --int8 -o " + quoted(plan.string())), 2, {"INT8 needs calibrated ranges"});
    const CommandResult built = kiln("build " + quoted(model) + " --int8 --calib " + quoted((m_dir / "calib").string()) +
                                     " --calibCache " + quoted(cache.string()) + " -o " + quoted(plan.string()));
    ASSERT_EQ(built.exitCode, 0) << built.err;
    EXPECT_NE(built.out.find("INT8"), std::string::npos) << built.out;
    EXPECT_TRUE(fs::exists(cache));
    // The cache alone suffices for the next build.
    const CommandResult again = kiln("build " + quoted(model) + " --int8 --calibCache " + quoted(cache.string()) + " -o " +
                                     quoted(plan.string()));
    ASSERT_EQ(again.exitCode, 0) << again.err;
    EXPECT_NE(again.out.find("scales from"), std::string::npos) << again.out;
    const fs::path out = m_dir / "out";
    ASSERT_EQ(kiln("run " + quoted(plan.string()) + " --input x=" + quoted(input) + " --output-dir " + quoted(out.string()))
                  .exitCode, 0);
    EXPECT_TRUE(fs::exists(out / "y.npy"));
}

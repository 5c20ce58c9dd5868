// `kiln inspect | build | run | profile` on a Caffe net: MODEL.prototxt with --weights FILE.caffemodel,
// the refusals when one of the two is missing or does not belong, and that the plan built from a Caffe
// net computes what the net does.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "kiln/npy.h"
#include "parsers/caffe/caffe_model_builder.h"

namespace {

namespace fs = std::filesystem;

struct CommandResult {
    int exitCode = -1;
    std::string out;
    std::string err;
};

std::string shellQuoted(const std::string& text) {
    std::string quotedText = "'";
    for (char c : text)
        quotedText += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quotedText + "'";
}

std::string readText(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// y = relu(2 * x - 1) per element of x [1, 2, 2], through a Power and an in-place ReLU.
const char* kNet = R"(
name: "affine_relu"
input: "x"
input_shape { dim: 1 dim: 2 dim: 2 }
layer { name: "affine" type: "Power" bottom: "x" top: "y" power_param { scale: 2 shift: -1 } }
layer { name: "relu" type: "ReLU" bottom: "y" top: "y" }
)";

class KilnCliCaffeTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "kiln_cli_caffe_XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        m_dir = pattern;
        m_prototxt = write("net.prototxt", kNet);
        m_weights = write("net.caffemodel", kiln::test::CaffeWeights().layer("affine", {}).bytes());
        kiln::HostTensor x(kiln::DataType::Float32, {1, 2, 2});
        const float values[] = {-1.0f, 0.25f, 0.5f, 3.0f};
        std::copy(values, values + 4, x.data<float>());
        m_input = (m_dir / "x.npy").string();
        ASSERT_TRUE(kiln::writeNpy(m_input, x).isOk());
    }
    void TearDown() override {
        std::error_code error;
        fs::remove_all(m_dir, error);
    }

    std::string write(const std::string& name, const std::string& contents) const {
        std::ofstream(m_dir / name, std::ios::binary) << contents;
        return (m_dir / name).string();
    }

    CommandResult kiln(const std::string& args) const {
        const fs::path out = m_dir / "stdout.txt";
        const fs::path err = m_dir / "stderr.txt";
        const std::string command = shellQuoted(KILN_CLI_PATH) + " " + args + " > " +
                                    shellQuoted(out.string()) + " 2> " + shellQuoted(err.string());
        const int status = std::system(command.c_str());
        return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, readText(out), readText(err)};
    }

    std::string model() const { return shellQuoted(m_prototxt) + " --weights " + shellQuoted(m_weights); }

    // The values of y the run left in `folder`, which must be relu(2 * x - 1) of the input file.
    void expectY(const fs::path& folder) const {
        auto y = kiln::readNpy((folder / "y.npy").string());
        ASSERT_TRUE(y.isOk()) << y.status().message();
        ASSERT_EQ(y->dims(), (kiln::Dims{1, 2, 2}));
        const float expected[] = {0.0f, 0.0f, 0.0f, 5.0f};
        for (int i = 0; i < 4; ++i)
            EXPECT_EQ(y->data<float>()[i], expected[i]) << i;
    }

    fs::path m_dir;
    std::string m_prototxt;
    std::string m_weights;
    std::string m_input;
};

TEST_F(KilnCliCaffeTest, RunBuildsTheNetAndSavesItsOutputs) {
    const CommandResult result = kiln("run " + model() + " --input x=" + shellQuoted(m_input) +
                                      " --outputDir " + shellQuoted((m_dir / "out").string()) + " --check");
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_NE(result.out.find("Check: PASS"), std::string::npos) << result.out;
    expectY(m_dir / "out");
}

TEST_F(KilnCliCaffeTest, InspectShowsTheImportedLayers) {
    const CommandResult result = kiln("inspect " + model());
    ASSERT_EQ(result.exitCode, 0) << result.err;
    EXPECT_NE(result.out.find("affine_relu"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("relu"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("y/affine"), std::string::npos) << result.out;  // the version the ReLU reads
}

TEST_F(KilnCliCaffeTest, TheBuiltPlanComputesWhatTheNetDoes) {
    const std::string plan = (m_dir / "net.plan").string();
    const CommandResult built = kiln("build " + model() + " -o " + shellQuoted(plan));
    ASSERT_EQ(built.exitCode, 0) << built.err;
    const CommandResult run = kiln("run " + shellQuoted(plan) + " --input x=" + shellQuoted(m_input) +
                                   " --outputDir " + shellQuoted((m_dir / "plan_out").string()));
    ASSERT_EQ(run.exitCode, 0) << run.err;
    expectY(m_dir / "plan_out");
    const CommandResult profiled = kiln("profile " + model() + " --iterations 2 --warmUp 0");
    EXPECT_EQ(profiled.exitCode, 0) << profiled.err;
    EXPECT_NE(profiled.out.find("Latency"), std::string::npos) << profiled.out;
}

TEST_F(KilnCliCaffeTest, APrototxtWithoutWeightsAsksForThem) {
    for (const char* command : {"inspect", "build", "run", "profile"}) {
        const CommandResult result = kiln(std::string(command) + " " + shellQuoted(m_prototxt) +
                                          (std::string(command) == "build" ? " -o plan" : ""));
        EXPECT_EQ(result.exitCode, 2) << command;
        EXPECT_NE(result.err.find("is a Caffe net description: give its trained weights with --weights"),
                  std::string::npos)
            << result.err;
    }
}

TEST_F(KilnCliCaffeTest, WeightsForAnythingButAPrototxtAreRefused) {
    const CommandResult result =
        kiln("inspect " + shellQuoted(m_weights) + " --weights " + shellQuoted(m_weights));
    EXPECT_EQ(result.exitCode, 2);
    EXPECT_NE(result.err.find("--weights is for a Caffe net (MODEL.prototxt)"), std::string::npos)
        << result.err;
}

TEST_F(KilnCliCaffeTest, WeightsOfAnotherNetAreRefusedAndNothingIsWritten) {
    const std::string other = write("other.prototxt", R"(
input: "x"
input_shape { dim: 1 dim: 2 dim: 2 }
layer { name: "fc" type: "InnerProduct" bottom: "x" top: "y" inner_product_param { num_output: 3 } }
)");
    const CommandResult result = kiln("run " + shellQuoted(other) + " --weights " + shellQuoted(m_weights) +
                                      " --outputDir " + shellQuoted((m_dir / "out").string()));
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_NE(result.err.find("layer 'fc' (type InnerProduct): the caffemodel has no weights for it"),
              std::string::npos)
        << result.err;
    EXPECT_FALSE(fs::exists(m_dir / "out"));
}

TEST_F(KilnCliCaffeTest, EachCommandsHelpTellsOfWeights) {
    for (const char* command : {"inspect", "build", "run", "profile"}) {
        const CommandResult result = kiln(std::string(command) + " --help");
        EXPECT_EQ(result.exitCode, 0);
        EXPECT_NE(result.out.find("--weights"), std::string::npos) << command;
        EXPECT_NE(result.out.find("caffemodel"), std::string::npos) << command;
    }
}

}  // namespace

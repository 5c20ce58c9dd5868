// `kiln ... --plugins LIB` with the sample plugin libraries: a model with a custom-domain operator runs
// and gives what the operator's formula gives (computed here, not by the plugin); its plan is refused
// without the library, naming the plugin, and runs with it; every command takes the flag; a library
// that replaces a built-in operator is used once loaded; bad --plugins values are clear errors.
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "kiln/npy.h"
#include "parsers/onnx/onnx_model_builder.h"

namespace {

namespace fs = std::filesystem;

struct CommandResult {
    int exitCode = -1;
    std::string out;
    std::string err;
};

std::string shellQuoted(const std::string& text) {
    std::string result = "'";
    for (char c : text)
        result += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return result + "'";
}

std::string readText(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

constexpr float kAlpha = 2.5f;

class KilnCliPluginTest : public ::testing::Test {
protected:
    void SetUp() override {
        // x [2, 5] -> com.example::ScaledSoftsign(alpha 2.5) -> y
        kiln::test::OnnxModelBuilder softsign;
        auto* import = softsign.model().add_opset_import();
        import->set_domain("com.example");
        import->set_version(1);
        softsign.input("x", {2, 5});
        onnx::NodeProto& node = softsign.node("ScaledSoftsign", {"x"}, {"y"}, "softsign");
        node.set_domain("com.example");
        kiln::test::setAttr(node, "alpha", kAlpha);
        softsign.output("y");
        m_model = m_temp.writeFile("softsign.onnx", softsign.bytes());

        // x [2, 5] -> LeakyRelu(alpha 0.5) -> y: an operator Kiln imports itself.
        kiln::test::OnnxModelBuilder leaky;
        leaky.input("x", {2, 5});
        kiln::test::setAttr(leaky.node("LeakyRelu", {"x"}, {"y"}, "leaky"), "alpha", 0.5f);
        leaky.output("y");
        m_leakyModel = m_temp.writeFile("leaky.onnx", leaky.bytes());

        m_x = kiln::HostTensor(kiln::DataType::Float32, {2, 5});
        const float values[] = {-7.0f, -1.0f, -0.3f, -0.0f, 0.0f, 1e-3f, 0.5f, 1.0f, 4.0f, 1e4f};
        std::copy(values, values + 10, m_x.data<float>());
        m_input = (m_temp.path() / "x.npy").string();
        ASSERT_TRUE(kiln::writeNpy(m_input, m_x).isOk());
    }

    CommandResult kiln(const std::string& args) const {
        const fs::path out = m_temp.path() / "stdout.txt";
        const fs::path err = m_temp.path() / "stderr.txt";
        const std::string command = shellQuoted(KILN_CLI_PATH) + " " + args + " > " +
                                    shellQuoted(out.string()) + " 2> " + shellQuoted(err.string());
        const int status = std::system(command.c_str());
        return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, readText(out), readText(err)};
    }

    std::string runArgs(const std::string& modelOrPlan, const std::string& outDir) const {
        return "run " + shellQuoted(modelOrPlan) + " --input x=" + shellQuoted(m_input) + " --outputDir " +
               shellQuoted((m_temp.path() / outDir).string());
    }

    // y.npy in `outDir` against alpha * x / (1 + |x|) in double precision. The plugin's FP32 division and
    // multiplication each round once: a relative error of a few 2^-24 at most.
    void expectSoftsign(const std::string& outDir) const {
        auto y = kiln::readNpy((m_temp.path() / outDir / "y.npy").string());
        ASSERT_TRUE(y.isOk()) << y.status().message();
        ASSERT_EQ(y->dims(), (kiln::Dims{2, 5}));
        for (int i = 0; i < 10; ++i) {
            const double x = m_x.data<float>()[i];
            const double expected = double(kAlpha) * x / (1.0 + std::fabs(x));
            EXPECT_NEAR(y->data<float>()[i], expected, 1e-6 * std::fabs(expected))
                << "element " << i << ", x = " << x;
        }
    }

    kiln::test::TempDir m_temp{"kiln_cli_plugin"};
    std::string m_model;
    std::string m_leakyModel;
    std::string m_input;
    kiln::HostTensor m_x;
};

TEST_F(KilnCliPluginTest, RunWithThePluginLibraryGivesTheOperatorsValues) {
    const CommandResult result =
        kiln(runArgs(m_model, "out") + " --plugins " + shellQuoted(KILN_SAMPLE_SOFTSIGN_PLUGIN));
    ASSERT_EQ(result.exitCode, 0) << result.err;
    expectSoftsign("out");
}

TEST_F(KilnCliPluginTest, WithoutThePluginLibraryTheModelIsRefusedSayingHowToLoadIt) {
    const CommandResult result = kiln(runArgs(m_model, "out"));
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_NE(result.err.find("ScaledSoftsign"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("com.example"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("--plugins"), std::string::npos) << result.err;
    EXPECT_FALSE(fs::exists(m_temp.path() / "out" / "y.npy"));
}

TEST_F(KilnCliPluginTest, ThePlanIsRefusedWithoutThePluginAndRunsWithIt) {
    const std::string plan = (m_temp.path() / "softsign.plan").string();
    const CommandResult built = kiln("build " + shellQuoted(m_model) + " -o " + shellQuoted(plan) +
                                     " --plugins=" + shellQuoted(KILN_SAMPLE_SOFTSIGN_PLUGIN));
    ASSERT_EQ(built.exitCode, 0) << built.err;

    const CommandResult refused = kiln(runArgs(plan, "refused"));
    EXPECT_EQ(refused.exitCode, 1);
    EXPECT_NE(refused.err.find("com.example::ScaledSoftsign v1"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("--plugins"), std::string::npos) << refused.err;
    EXPECT_FALSE(fs::exists(m_temp.path() / "refused" / "y.npy"));

    const CommandResult run =
        kiln(runArgs(plan, "plan_out") + " --plugins " + shellQuoted(KILN_SAMPLE_SOFTSIGN_PLUGIN));
    ASSERT_EQ(run.exitCode, 0) << run.err;
    expectSoftsign("plan_out");

    const CommandResult inspected =
        kiln("inspect " + shellQuoted(plan) + " --plugins " + shellQuoted(KILN_SAMPLE_SOFTSIGN_PLUGIN));
    ASSERT_EQ(inspected.exitCode, 0) << inspected.err;
    EXPECT_NE(inspected.out.find("com.example::ScaledSoftsign v1 alpha=2.5"), std::string::npos)
        << inspected.out;
    EXPECT_NE(inspected.out.find("plugin:com.example::ScaledSoftsign:v1:fp32"), std::string::npos)
        << inspected.out;

    const CommandResult profiled =
        kiln("profile " + shellQuoted(plan) + " --iterations 2 --warmUp 0 --plugins " +
             shellQuoted(KILN_SAMPLE_SOFTSIGN_PLUGIN));
    EXPECT_EQ(profiled.exitCode, 0) << profiled.err;
    EXPECT_NE(profiled.out.find("softsign"), std::string::npos) << profiled.out;
}

TEST_F(KilnCliPluginTest, TheReplacementLibraryTakesOverABuiltinOperatorOnlyWhenLoaded) {
    const CommandResult builtin = kiln("inspect " + shellQuoted(m_leakyModel));
    ASSERT_EQ(builtin.exitCode, 0) << builtin.err;
    EXPECT_EQ(builtin.out.find("Plugin"), std::string::npos) << builtin.out;

    const CommandResult replaced =
        kiln("inspect " + shellQuoted(m_leakyModel) + " --plugins " + shellQuoted(KILN_SAMPLE_LEAKY_PLUGIN));
    ASSERT_EQ(replaced.exitCode, 0) << replaced.err;
    EXPECT_NE(replaced.out.find("Plugin"), std::string::npos) << replaced.out;
    EXPECT_NE(replaced.out.find("LeakyRelu v1 alpha=0.5"), std::string::npos) << replaced.out;

    // Both libraries at once, in one comma-separated value; the plugin's values are LeakyRelu's.
    const CommandResult run =
        kiln(runArgs(m_leakyModel, "leaky_out") + " --plugins " +
             shellQuoted(std::string(KILN_SAMPLE_SOFTSIGN_PLUGIN) + "," + KILN_SAMPLE_LEAKY_PLUGIN));
    ASSERT_EQ(run.exitCode, 0) << run.err;
    auto y = kiln::readNpy((m_temp.path() / "leaky_out" / "y.npy").string());
    ASSERT_TRUE(y.isOk()) << y.status().message();
    for (int i = 0; i < 10; ++i) {
        const float x = m_x.data<float>()[i];
        EXPECT_EQ(y->data<float>()[i], x < 0.0f ? 0.5f * x : x) << "element " << i;
    }
}

TEST_F(KilnCliPluginTest, BadPluginValuesAreClearErrors) {
    const CommandResult missing =
        kiln("inspect " + shellQuoted(m_model) + " --plugins /nonexistent/libnothing.so");
    EXPECT_EQ(missing.exitCode, 1);
    EXPECT_NE(missing.err.find("/nonexistent/libnothing.so"), std::string::npos) << missing.err;

    const CommandResult notALibrary =
        kiln("inspect " + shellQuoted(m_model) + " --plugins " + shellQuoted(m_model));
    EXPECT_EQ(notALibrary.exitCode, 1);
    EXPECT_NE(notALibrary.err.find("cannot load plugin library"), std::string::npos) << notALibrary.err;

    const CommandResult noValue = kiln("inspect " + shellQuoted(m_model) + " --plugins");
    EXPECT_EQ(noValue.exitCode, 2);
    EXPECT_NE(noValue.err.find("--plugins needs a value"), std::string::npos) << noValue.err;

    const CommandResult emptyEntry = kiln("inspect " + shellQuoted(m_model) + " --plugins " +
                                          shellQuoted(std::string(KILN_SAMPLE_SOFTSIGN_PLUGIN) + ","));
    EXPECT_EQ(emptyEntry.exitCode, 2);
    EXPECT_NE(emptyEntry.err.find("empty library name"), std::string::npos) << emptyEntry.err;
}

TEST_F(KilnCliPluginTest, EveryCommandsHelpListsPlugins) {
    for (const char* command : {"build", "inspect", "run", "profile", "compare", "calibrate"}) {
        const CommandResult help = kiln(std::string(command) + " --help");
        EXPECT_EQ(help.exitCode, 0) << command;
        EXPECT_NE(help.out.find("--plugins LIB[,LIB]"), std::string::npos) << command << ":\n" << help.out;
    }
}

}  // namespace

// The `kiln` command on the CUDA backend: the timing flags whose meaning differs where inputs and
// outputs cross between host and device (--noDataTransfers, the GPU compute figures), --check and
// --checkLayers against the reference executor, and the build log. The executable and the sample
// model are found through KILN_CLI and KILN_SOURCE_DIR where set (the GPU machine runs a packed
// build), else where this build put them.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gpu_test_util.h"

namespace kiln::test {
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

std::string shellQuoted(const std::string& text) { return "'" + text + "'"; }

std::string fromEnvironment(const char* name, const std::string& fallback) {
    const char* value = std::getenv(name);
    return value && *value ? std::string(value) : fallback;
}

// Every value of `field` in a JSON text of numbers, in order.
std::vector<double> numbersOf(const std::string& json, const std::string& field) {
    std::vector<double> values;
    const std::regex pattern("\"" + field + "\"\\s*:\\s*([-+0-9.eE]+)");
    for (auto it = std::sregex_iterator(json.begin(), json.end(), pattern); it != std::sregex_iterator(); ++it) {
        values.push_back(std::stod((*it)[1].str()));
    }
    return values;
}

class CudaCliTest : public ::testing::Test {
protected:
    void SetUp() override {
        KILN_REQUIRE_GPU();
        std::string pattern = (fs::temp_directory_path() / "kiln_cuda_cli_XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        m_dir = pattern;
        m_kiln = fromEnvironment("KILN_CLI", KILN_CLI_PATH);
        m_sample = (fs::path(fromEnvironment("KILN_SOURCE_DIR", KILN_SOURCE_DIR)) /
                    "resources/sample/kiln_sample.onnx").string();
        ASSERT_TRUE(fs::exists(m_kiln)) << m_kiln << ": set KILN_CLI to the kiln executable";
        ASSERT_TRUE(fs::exists(m_sample)) << m_sample << ": set KILN_SOURCE_DIR to the source tree";
    }
    void TearDown() override {
        std::error_code error;
        if (!m_dir.empty()) fs::remove_all(m_dir, error);
    }

    CommandResult kiln(const std::string& args) const {
        const fs::path out = m_dir / "stdout.txt";
        const fs::path err = m_dir / "stderr.txt";
        const std::string command =
            shellQuoted(m_kiln) + " " + args + " > " + shellQuoted(out.string()) + " 2> " + shellQuoted(err.string());
        const int status = std::system(command.c_str());
        CommandResult result;
        result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        result.out = readText(out);
        result.err = readText(err);
        return result;
    }

    fs::path m_dir;
    std::string m_kiln;
    std::string m_sample;
};

TEST_F(CudaCliTest, NoDataTransfersTimesDeviceResidentRunsOnly) {
    const fs::path plan = m_dir / "sample.plan";
    const CommandResult built = kiln("build " + shellQuoted(m_sample) + " --backend cuda -o " + shellQuoted(plan.string()));
    ASSERT_EQ(built.exitCode, 0) << built.err;

    // With transfers: each run copies the inputs in and the outputs out, and the compute span is a
    // part of the run's span.
    const fs::path withCopies = m_dir / "with_copies.json";
    const CommandResult copied = kiln("profile " + shellQuoted(plan.string()) +
                                      " --iterations 20 --warmUp 50 --exportTimes " + shellQuoted(withCopies.string()));
    ASSERT_EQ(copied.exitCode, 0) << copied.err;
    EXPECT_NE(copied.out.find("GPU compute: "), std::string::npos) << copied.out;
    EXPECT_EQ(copied.out.find("no data transfers"), std::string::npos) << copied.out;
    const std::string copiedTimes = readText(withCopies);
    const std::vector<double> latency = numbersOf(copiedTimes, "latencyMs");
    const std::vector<double> compute = numbersOf(copiedTimes, "computeMs");
    ASSERT_EQ(latency.size(), 20u) << copiedTimes;
    ASSERT_EQ(compute.size(), latency.size()) << copiedTimes;
    for (size_t i = 0; i < latency.size(); ++i) EXPECT_LE(compute[i], latency[i] + 1e-6) << "run " << i;

    // Without: every timed run is device-resident, so the host span is the compute span.
    const fs::path without = m_dir / "without.json";
    const CommandResult direct = kiln("profile " + shellQuoted(plan.string()) +
                                      " --noDataTransfers --separateProfileRun --iterations 20 --warmUp 50 "
                                      "--exportTimes " + shellQuoted(without.string()));
    ASSERT_EQ(direct.exitCode, 0) << direct.err;
    EXPECT_NE(direct.out.find("Latency (no data transfers): "), std::string::npos) << direct.out;
    EXPECT_NE(direct.out.find("Sum of layer averages"), std::string::npos) << "the layers are still profiled: " << direct.out;
    const std::string directTimes = readText(without);
    const std::vector<double> directLatency = numbersOf(directTimes, "latencyMs");
    const std::vector<double> directCompute = numbersOf(directTimes, "computeMs");
    ASSERT_EQ(directLatency.size(), 20u) << directTimes;
    ASSERT_EQ(directCompute.size(), directLatency.size());
    for (size_t i = 0; i < directLatency.size(); ++i) {
        EXPECT_NEAR(directCompute[i], directLatency[i], 1e-6) << "run " << i;
    }
}

TEST_F(CudaCliTest, CheckComparesEveryOutputAndLayerWithTheReference) {
    const CommandResult fp32 = kiln("run " + shellQuoted(m_sample) + " --backend cuda --check --iterations 1 --warmUp 0");
    EXPECT_EQ(fp32.exitCode, 0) << fp32.out << fp32.err;
    EXPECT_NE(fp32.out.find("Check"), std::string::npos) << fp32.out;

    const CommandResult layers =
        kiln("run " + shellQuoted(m_sample) + " --backend cuda --fp16 --checkLayers --iterations 1 --warmUp 0");
    EXPECT_EQ(layers.exitCode, 0) << layers.out << layers.err;

    // A tolerance no FP16 engine meets: the check fails with exit status 1 and names a tensor.
    const CommandResult strict = kiln("run " + shellQuoted(m_sample) +
                                      " --backend cuda --fp16 --check --atol 0 --rtol 0 --iterations 1 --warmUp 0");
    EXPECT_EQ(strict.exitCode, 1) << strict.out << strict.err;
}

TEST_F(CudaCliTest, VerboseBuildLogsItsPhasesOnStandardError) {
    const fs::path plan = m_dir / "sample.plan";
    const CommandResult verbose =
        kiln("build " + shellQuoted(m_sample) + " --backend cuda --verbose -o " + shellQuoted(plan.string()));
    ASSERT_EQ(verbose.exitCode, 0) << verbose.err;
    EXPECT_NE(verbose.err.find("tactics"), std::string::npos) << verbose.err;
    const CommandResult quiet =
        kiln("build " + shellQuoted(m_sample) + " --backend cuda --quiet -o " + shellQuoted((m_dir / "q.plan").string()));
    ASSERT_EQ(quiet.exitCode, 0) << quiet.err;
    EXPECT_EQ(quiet.err, "") << "--quiet prints nothing but errors";
}

}  // namespace
}  // namespace kiln::test

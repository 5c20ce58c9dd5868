// The logger: a build tells it its pass changes and phase times (verbose), its warnings and a summary
// (info) when it succeeds, its error when it fails; builds inside a dynamic build stay silent so that
// the outcome is told once; the ONNX parser tells what it imported or why it could not.
#include <filesystem>
#include <fstream>
#include <vector>

#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "kiln/builder.h"
#include "kiln/logger.h"

namespace kiln::test {
namespace {

class RecordingLogger : public ILogger {
public:
    void log(Severity severity, const std::string& message) override { entries.emplace_back(severity, message); }
    int count(Severity severity) const {
        int n = 0;
        for (const auto& entry : entries) n += entry.first == severity;
        return n;
    }
    bool has(Severity severity, const std::string& text) const {
        for (const auto& [s, message] : entries) {
            if (s == severity && message.find(text) != std::string::npos) return true;
        }
        return false;
    }
    std::vector<std::pair<Severity, std::string>> entries;
};

TEST(BuildLogging, ASuccessfulBuildTellsItsChangesWarningsAndSummary) {
    const std::filesystem::path cache = std::filesystem::temp_directory_path() / "kiln_build_logging_damaged.timing";
    std::ofstream(cache) << "not a timing cache";
    RecordingLogger logger;
    BuilderConfig config;
    config.timingIterations = 1;
    config.timingCachePath = cache.string();
    config.logger = &logger;
    auto engine = Builder::build(smallConvReluNetwork(), config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    EXPECT_TRUE(logger.has(Severity::Verbose, "[vertical fusion] fused conv + relu"));
    EXPECT_TRUE(logger.has(Severity::Verbose, "phase tactics: "));
    EXPECT_TRUE(logger.has(Severity::Warning, "is not a Kiln timing cache"));
    EXPECT_EQ(logger.count(Severity::Warning), int(engine.value()->report().warnings.size()));
    EXPECT_TRUE(logger.has(Severity::Info, "built: 2 layers to 1"));
    EXPECT_EQ(logger.count(Severity::Error), 0);
    std::filesystem::remove(cache);
}

TEST(BuildLogging, AFailedBuildTellsItsError) {
    RecordingLogger logger;
    BuilderConfig config;
    config.timingIterations = 0;
    config.logger = &logger;
    auto engine = Builder::build(smallConvReluNetwork(), config);
    ASSERT_FALSE(engine.isOk());
    ASSERT_EQ(logger.entries.size(), 1u);
    EXPECT_EQ(logger.entries[0].first, Severity::Error);
    EXPECT_NE(logger.entries[0].second.find(engine.status().message()), std::string::npos);
}

TEST(BuildLogging, SeverityNames) {
    EXPECT_STREQ(toString(Severity::Warning), "warning");
    EXPECT_STREQ(toString(Severity::Verbose), "verbose");
    EXPECT_STREQ(toString(Severity::InternalError), "internal error");
}

}  // namespace
}  // namespace kiln::test

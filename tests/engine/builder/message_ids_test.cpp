// Message ids: the catalogue's ids are unique and its templates well formed; every change a build's passes
// record carries an id from the catalogue whose template, filled with the change's arguments, is the
// change's text word for word, and the ids and arguments survive a plan's round trip; the build logger
// hears the same ids; an error made from the catalogue is found again from its text behind contexts.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "engine/passes/pass_test_util.h"
#include "kiln/builder.h"
#include "kiln/logger.h"
#include "kiln/message.h"
#include "kiln/plan.h"

namespace kiln::test {
namespace {

// The placeholders a template uses, by number.
std::set<int> placeholders(const std::string& pattern) {
    std::set<int> found;
    static const std::regex placeholder("%([1-9])");
    for (auto it = std::sregex_iterator(pattern.begin(), pattern.end(), placeholder); it != std::sregex_iterator(); ++it)
        found.insert(std::stoi((*it)[1]));
    return found;
}

// x -> conv -> batch norm -> relu -> identity -> output, and a relu on x that no output needs: batch-norm
// folding, vertical fusion, identity and dead-layer elimination each have something to do.
NetworkDefinition foldableNetwork() {
    NetworkDefinition network;
    Tensor* x = network.addInput("x", DataType::Float32, {1, 3, 8, 8}).value();
    Layer* conv = addConv(network, "conv", x, 4, 3, 1);
    Tensor* gamma = addRandomConstant(network, "bn.gamma", {4}, 2);
    Tensor* beta = addRandomConstant(network, "bn.beta", {4}, 3);
    Tensor* mean = addRandomConstant(network, "bn.mean", {4}, 4);
    Tensor* variance = addRandomConstant(network, "bn.var", {4}, 5, 0.1f, 2.0f);
    Layer* bn = addLayer(network, "bn", BatchNormParams{1e-5f}, {conv->output(0), gamma, beta, mean, variance});
    Layer* relu = addLayer(network, "relu", ActivationParams{ActivationType::Relu, 0.0f, 0.0f}, {bn->output(0)});
    Layer* identity = addLayer(network, "identity", IdentityParams{}, {relu->output(0)});
    addLayer(network, "unused", ActivationParams{ActivationType::Relu, 0.0f, 0.0f}, {x});
    EXPECT_TRUE(network.markOutput(identity->output(0)).isOk());
    return network;
}

class RecordingLogger : public ILogger {
public:
    void log(Severity, const std::string& message) override { texts.push_back(message); }
    void logMessage(Severity severity, const Message& message) override {
        messages.push_back(message);
        ILogger::logMessage(severity, message);
    }
    std::vector<std::string> texts;
    std::vector<Message> messages;
};

TEST(MessageIds, TheCatalogueHasUniqueIdsAndWellFormedTemplates) {
    std::set<std::string> ids;
    for (const MessageTemplate& entry : messageCatalog()) {
        EXPECT_TRUE(ids.insert(entry.id).second) << entry.id;
        EXPECT_EQ(messageTemplate(entry.id), entry.english);
        // %1 .. %n, each once: a translation can place every argument.
        const std::set<int> used = placeholders(entry.english);
        int expected = 1;
        for (int number : used) EXPECT_EQ(number, expected++) << entry.id;
        const std::string text = entry.english;
        for (int number : used) {
            const std::string token = "%" + std::to_string(number);
            EXPECT_EQ(text.find(token), text.rfind(token)) << entry.id;
        }
    }
    EXPECT_EQ(messageTemplate("pass.no_such_message"), nullptr);
    // Ids published to the workbench keep their meaning.
    EXPECT_STREQ(messageTemplate("pass.fused_activation"), "fused %1 (activation applied as the output is written)");
    EXPECT_STREQ(messageTemplate("onnx.empty"), "%1 is not a valid ONNX model: it is empty");
}

TEST(MessageIds, FormattingFillsEachPlaceholderOnce) {
    EXPECT_EQ(formatMessage("folded %1 into the padding of %2", {"pad", "conv"}), "folded pad into the padding of conv");
    // An argument that holds a placeholder is not filled again; a placeholder without an argument stays.
    EXPECT_EQ(formatMessage("%1 and %2", {"%2", "b"}), "%2 and b");
    EXPECT_EQ(formatMessage("%1 and %2", {"a"}), "a and %2");
    const Message message = makeMessage("pass.removed_identity", {"identity"});
    EXPECT_EQ(message.id, "pass.removed_identity");
    EXPECT_EQ(message.args, std::vector<std::string>{"identity"});
    EXPECT_EQ(message.text, "removed identity identity");
}

TEST(MessageIds, EveryPassChangeOfABuildHasAnIdWhoseArgumentsMakeItsText) {
    BuilderConfig config;
    config.timingIterations = 1;
    RecordingLogger logger;
    config.logger = &logger;
    auto engine = Builder::build(foldableNetwork(), config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    const std::vector<PassChange>& changes = engine.value()->report().changes;
    ASSERT_GE(changes.size(), 4u);
    std::map<std::string, std::vector<std::string>> argsById;
    for (const PassChange& change : changes) {
        SCOPED_TRACE(change.description);
        ASSERT_FALSE(change.messageId.empty());
        const char* pattern = messageTemplate(change.messageId);
        ASSERT_NE(pattern, nullptr) << change.messageId;
        EXPECT_EQ(placeholders(pattern).size(), change.messageArgs.size());
        EXPECT_EQ(formatMessage(pattern, change.messageArgs), change.description);
        argsById[change.messageId] = change.messageArgs;
    }
    // The ids and arguments the workbench translates, as a user reads them in English.
    EXPECT_EQ(argsById["pass.removed_dead"], std::vector<std::string>{"unused"});
    EXPECT_EQ(argsById["pass.removed_identity"], std::vector<std::string>{"identity"});
    EXPECT_EQ(argsById["pass.folded_batch_norm"], (std::vector<std::string>{"conv + bn", "bn"}));
    EXPECT_EQ(argsById["pass.fused_activation"], std::vector<std::string>{"conv + bn + relu"});

    // The logger hears each change with its id, its text as the CLI prints it ("[pass] description").
    size_t withIds = 0;
    for (const Message& message : logger.messages) {
        if (message.id.rfind("pass.", 0) != 0) continue;
        EXPECT_EQ(message.text.substr(0, 1), "[");
        EXPECT_EQ(message.text.substr(message.text.size() - formatMessage(messageTemplate(message.id), message.args).size()),
                  formatMessage(messageTemplate(message.id), message.args));
        ++withIds;
    }
    EXPECT_EQ(withIds, changes.size());
    EXPECT_NE(std::find(logger.texts.begin(), logger.texts.end(), "[vertical fusion] fused conv + bn + relu (activation "
                                                                   "applied as the output is written)"),
              logger.texts.end());

    // A plan keeps them.
    auto bytes = serializePlan(*engine.value());
    ASSERT_TRUE(bytes.isOk()) << bytes.status().message();
    auto loaded = deserializePlan(*bytes);
    ASSERT_TRUE(loaded.isOk()) << loaded.status().message();
    const std::vector<PassChange>& reloaded = loaded.value()->report().changes;
    ASSERT_EQ(reloaded.size(), changes.size());
    for (size_t i = 0; i < changes.size(); ++i) {
        EXPECT_EQ(reloaded[i].messageId, changes[i].messageId);
        EXPECT_EQ(reloaded[i].messageArgs, changes[i].messageArgs);
        EXPECT_EQ(reloaded[i].description, changes[i].description);
    }
}

// The "precision constraints" entries of a build with `asked` for the one layer conv + bn + relu becomes,
// by id; each checked to make its description from its template and arguments.
std::map<std::string, PassChange> constraintEntries(const LayerPrecision& asked) {
    BuilderConfig config;
    config.timingIterations = 1;
    config.layerPrecisions = {asked};
    config.precisionConstraints = PrecisionConstraints::Prefer;
    auto engine = Builder::build(foldableNetwork(), config);
    EXPECT_TRUE(engine.isOk()) << engine.status().message();
    std::map<std::string, PassChange> byId;
    if (!engine.isOk()) return byId;
    for (const PassChange& change : engine.value()->report().changes) {
        if (change.pass != "precision constraints") continue;
        EXPECT_NE(messageTemplate(change.messageId), nullptr) << change.description;
        if (messageTemplate(change.messageId))
            EXPECT_EQ(formatMessage(messageTemplate(change.messageId), change.messageArgs), change.description);
        byId[change.messageId] = change;
    }
    return byId;
}

TEST(MessageIds, PrecisionConstraintEntriesHaveIds) {
    // Met: conv in FP32.
    std::map<std::string, PassChange> kept = constraintEntries({"conv", DataType::Float32});
    ASSERT_EQ(kept.count("build.kept_precision"), 1u);
    EXPECT_EQ(kept["build.kept_precision"].messageArgs, (std::vector<std::string>{"conv + bn + relu", "FP32", "conv:fp32"}));
    // Not met: INT8 without a calibrated range, which Prefer reports instead of failing.
    std::map<std::string, PassChange> unmet = constraintEntries({"conv", DataType::Int8});
    ASSERT_EQ(unmet.count("build.precision_unmet"), 1u);
    const std::vector<std::string>& args = unmet["build.precision_unmet"].messageArgs;
    ASSERT_EQ(args.size(), 5u);
    EXPECT_EQ(args[0], "conv + bn + relu");
    EXPECT_EQ(args[1], "FP32");
    EXPECT_EQ(args[2], "INT8");
    EXPECT_EQ(args[3], "conv:int8");
}

TEST(MessageIds, APlanThatDoesNotLoadSaysWhyWithAnId) {
    BuilderConfig config;
    config.timingIterations = 1;
    auto engine = Builder::build(foldableNetwork(), config);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    auto bytes = serializePlan(*engine.value());
    ASSERT_TRUE(bytes.isOk()) << bytes.status().message();
    const std::string& plan = *bytes;
    std::string flipped = plan;
    flipped.back() = char(flipped.back() ^ 0x5a);
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", "plan.empty"},
        {"this is no plan", "plan.not_a_plan"},
        {plan.substr(0, plan.size() / 2), "plan.truncated"},
        {flipped, "plan.body_corrupt"},
    };
    for (const auto& [data, id] : cases) {
        SCOPED_TRACE(id);
        auto loaded = deserializePlan(data);
        ASSERT_FALSE(loaded.isOk());
        const std::optional<Message> message = matchMessage(loaded.status().message());
        ASSERT_TRUE(message.has_value()) << loaded.status().message();
        EXPECT_EQ(message->id, id) << loaded.status().message();
    }
}

TEST(MessageIds, ABuildWarningReachesTheLoggerWithItsId) {
    const std::filesystem::path cache = std::filesystem::temp_directory_path() / "kiln_message_ids_junk.timing";
    std::ofstream(cache) << "not a timing cache";
    BuilderConfig config;
    config.timingIterations = 1;
    config.timingCachePath = cache.string();
    RecordingLogger logger;
    config.logger = &logger;
    auto engine = Builder::build(smallConvReluNetwork(), config);
    std::filesystem::remove(cache);
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    const std::string expected = "timing cache '" + cache.string() +
                                 "' is not a Kiln timing cache; it is ignored and will be replaced by this build's timings";
    ASSERT_EQ(engine.value()->report().warnings, std::vector<std::string>{expected});
    const auto warning = std::find_if(logger.messages.begin(), logger.messages.end(),
                                      [](const Message& message) { return message.id == "build.timing_cache_foreign"; });
    ASSERT_NE(warning, logger.messages.end());
    EXPECT_EQ(warning->args, std::vector<std::string>{cache.string()});
    EXPECT_EQ(warning->text, expected);
}

TEST(MessageIds, AnErrorFromTheCatalogueIsFoundBehindItsContexts) {
    const Status status = messageStatus(StatusCode::InvalidModel, "onnx.opset_out_of_range", {"3", "7", "21"})
                              .withContext("importing 'model.onnx'");
    EXPECT_EQ(status.code(), StatusCode::InvalidModel);
    EXPECT_EQ(status.message(), "importing 'model.onnx': the model uses opset 3; Kiln supports opsets 7 to 21 (convert it "
                                "with onnx.version_converter)");
    const std::optional<Message> found = matchMessage(status.message());
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->id, "onnx.opset_out_of_range");
    EXPECT_EQ(found->args, (std::vector<std::string>{"3", "7", "21"}));
    EXPECT_EQ(found->text, "the model uses opset 3; Kiln supports opsets 7 to 21 (convert it with onnx.version_converter)");

    const std::optional<Message> empty = matchMessage("'/tmp/a: b.onnx' is not a valid ONNX model: it is empty");
    ASSERT_TRUE(empty.has_value());
    EXPECT_EQ(empty->id, "onnx.empty");
    EXPECT_EQ(empty->args, std::vector<std::string>{"'/tmp/a: b.onnx'"});

    // "%1; it is ignored ..." fits every timing-cache warning; the template that spells out more wins.
    const std::optional<Message> stale = matchMessage(makeMessage("build.timing_cache_corrupt", {"c.timing"}).text);
    ASSERT_TRUE(stale.has_value());
    EXPECT_EQ(stale->id, "build.timing_cache_corrupt");
    EXPECT_EQ(stale->args, std::vector<std::string>{"c.timing"});

    EXPECT_FALSE(matchMessage("something no template says").has_value());
    EXPECT_FALSE(matchMessage("").has_value());
}

}  // namespace
}  // namespace kiln::test

// Plans that must be refused, each with its own message and without a crash: empty, truncated at any
// length, not a plan, corrupted anywhere, from another kiln version, backend, device or format
// version, and bodies whose hashes are right but whose contents no writer produces. Also: writing a
// plan where it cannot be written leaves nothing behind.
#include <gtest/gtest.h>

#include <regex>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "engine/plan/plan_test_networks.h"
#include "kiln/device.h"
#include "kiln/plan.h"
#include "plan/plan_format.h"

namespace kiln::test {
namespace {

std::shared_ptr<Engine> convReluEngine() {
    auto network = convReluNetwork();
    EXPECT_TRUE(network.isOk()) << network.status().message();
    auto engine = wrapInEngine(std::move(network).value());
    EXPECT_TRUE(engine.isOk()) << engine.status().message();
    return engine.isOk() ? *engine : nullptr;
}

std::string convReluPlan() {
    const auto engine = convReluEngine();
    if (!engine) return {};
    auto bytes = serializePlan(*engine);
    EXPECT_TRUE(bytes.isOk()) << bytes.status().message();
    return bytes.isOk() ? *bytes : std::string();
}

// The refusal message of loading `bytes`; fails the test if the plan loads.
std::string refusal(const std::string& bytes) {
    auto engine = deserializePlan(bytes);
    EXPECT_FALSE(engine.isOk()) << "the plan was accepted";
    return engine.isOk() ? std::string() : engine.status().message();
}

std::string stampedPlan(const PlanStamp& stamp) {
    const auto engine = convReluEngine();
    if (!engine) return {};
    auto bytes = serializePlanStamped(*engine, stamp);
    EXPECT_TRUE(bytes.isOk()) << bytes.status().message();
    return bytes.isOk() ? *bytes : std::string();
}

TEST(PlanRefusal, EmptyFile) {
    EXPECT_NE(refusal("").find("empty"), std::string::npos);
}

TEST(PlanRefusal, EveryTruncation) {
    const std::string plan = convReluPlan();
    ASSERT_GT(plan.size(), kPlanHeaderSize);
    for (size_t length = 1; length < plan.size(); ++length) {
        const std::string message = refusal(plan.substr(0, length));
        EXPECT_NE(message.find("the plan is truncated"), std::string::npos)
            << length << " bytes: " << message;
    }
}

TEST(PlanRefusal, TrailingBytes) {
    EXPECT_NE(refusal(convReluPlan() + "x").find("after its weight blob"), std::string::npos);
}

TEST(PlanRefusal, WrongMagic) {
    std::string plan = convReluPlan();
    plan[3] = 'X';
    EXPECT_NE(refusal(plan).find("not a Kiln plan file"), std::string::npos);
    EXPECT_NE(refusal("PK\x03\x04 a zip archive").find("not a Kiln plan file"), std::string::npos);
}

TEST(PlanRefusal, EveryFlippedByteAfterTheHeader) {
    const std::string plan = convReluPlan();
    ASSERT_GT(plan.size(), kPlanHeaderSize);
    for (size_t at = kPlanHeaderSize; at < plan.size(); ++at) {
        std::string corrupt = plan;
        corrupt[at] = char(corrupt[at] ^ 0x10);
        const std::string message = refusal(corrupt);
        EXPECT_NE(message.find("the plan is corrupt: body hash mismatch"), std::string::npos)
            << "byte " << at << ": " << message;
    }
}

TEST(PlanRefusal, EveryFlippedByteOfTheHeader) {
    const std::string plan = convReluPlan();
    for (size_t at = 0; at < kPlanHeaderSize; ++at) {
        std::string corrupt = plan;
        corrupt[at] = char(corrupt[at] ^ 0x01);
        const std::string message = refusal(corrupt);
        const char* expected = at < 8    ? "not a Kiln plan file"
                               : at < 12 ? "format version"
                                         : "header hash mismatch";
        EXPECT_NE(message.find(expected), std::string::npos) << "byte " << at << ": " << message;
    }
}

TEST(PlanRefusal, OtherKilnVersion) {
    PlanStamp stamp = currentPlanStamp("cpu");
    const std::string here = stamp.kilnVersion;
    stamp.kilnVersion = "0.0.7";
    const std::string message = refusal(stampedPlan(stamp));
    EXPECT_NE(message.find("with kiln 0.0.7"), std::string::npos) << message;
    EXPECT_NE(message.find("this machine is " + deviceFingerprint("cpu") + " with kiln " + here),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("rebuild the plan"), std::string::npos) << message;
}

TEST(PlanRefusal, OtherDevice) {
    PlanStamp stamp = currentPlanStamp("cpu");
    stamp.deviceFingerprint = "cpu x86_64 avx512f amx-imaginary";
    const std::string message = refusal(stampedPlan(stamp));
    EXPECT_NE(message.find("this plan was built for cpu x86_64 avx512f amx-imaginary with kiln " +
                           stamp.kilnVersion),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("this machine is " + deviceFingerprint("cpu") + " with kiln"), std::string::npos)
        << message;
    EXPECT_NE(message.find("rebuild the plan"), std::string::npos) << message;
}

TEST(PlanRefusal, OtherBackend) {
    PlanStamp stamp = currentPlanStamp("cpu");
    stamp.backend = "tpu";
    stamp.deviceFingerprint = "tpu v5e";
    std::string message = refusal(stampedPlan(stamp));
    EXPECT_NE(message.find("this plan was built for tpu v5e with kiln"), std::string::npos) << message;
    EXPECT_NE(
        message.find("this machine is " + deviceFingerprint("cpu") + " without tpu (kiln has no backend"),
        std::string::npos)
        << message;

    stamp.backend = "cuda";
    stamp.deviceFingerprint = "cuda NVIDIA H100 80GB HBM3 sm_90";
    message = refusal(stampedPlan(stamp));
    EXPECT_NE(message.find("this plan was built for cuda NVIDIA H100 80GB HBM3 sm_90 with kiln"),
              std::string::npos)
        << message;
    if (cudaDeviceCount() == 0) {
        EXPECT_NE(message.find("this machine is " + deviceFingerprint("cpu") + " without cuda ("),
                  std::string::npos)
            << message;
    }
    EXPECT_NE(message.find("rebuild the plan"), std::string::npos) << message;
}

TEST(PlanRefusal, PlanStampedForCpuWithAnotherBackendName) {
    PlanStamp stamp = currentPlanStamp("cpu");
    stamp.backend = "gpu";
    EXPECT_NE(refusal(stampedPlan(stamp)).find("rebuild the plan"), std::string::npos);
}

TEST(PlanRefusal, UnknownFormatVersion) {
    PlanStamp stamp = currentPlanStamp("cpu");
    stamp.formatVersion = kPlanFormatVersion + 1;
    const std::string message = refusal(stampedPlan(stamp));
    EXPECT_NE(message.find("format version " + std::to_string(kPlanFormatVersion + 1)), std::string::npos)
        << message;
    EXPECT_NE(message.find("rebuild the plan"), std::string::npos) << message;
}

TEST(PlanRefusal, StampThatDoesNotFitTheHeader) {
    const auto engine = convReluEngine();
    ASSERT_TRUE(engine);
    PlanStamp stamp = currentPlanStamp("cpu");
    stamp.deviceFingerprint = std::string(kPlanFingerprintFieldSize + 1, 'f');
    auto bytes = serializePlanStamped(*engine, stamp);
    ASSERT_FALSE(bytes.isOk());
    EXPECT_NE(bytes.status().message().find("does not fit"), std::string::npos);
}

// Replaces `from` (which must occur in the plan's body text) by `to` and returns the refusal message.
std::string refusalOfEditedBody(const std::string& from, const std::string& to) {
    const std::string plan = convReluPlan();
    auto text = planBodyAsText(plan);
    EXPECT_TRUE(text.isOk()) << text.status().message();
    if (!text.isOk()) return {};
    const size_t at = text->find(from);
    EXPECT_NE(at, std::string::npos) << "'" << from << "' is not in the body:\n" << *text;
    if (at == std::string::npos) return {};
    auto edited = replacePlanBody(plan, text->substr(0, at) + to + text->substr(at + from.size()));
    EXPECT_TRUE(edited.isOk()) << edited.status().message();
    return edited.isOk() ? refusal(*edited) : std::string();
}

// A plan whose hash is right but whose memory plan would make the engine compute wrong numbers: two
// tensors live at the same time in the same bytes, or a block off the arena alignment. Refused.
TEST(PlanRefusal, InconsistentMemoryPlans) {
    const std::string plan = convReluPlan();
    auto text = planBodyAsText(plan);
    ASSERT_TRUE(text.isOk());
    const auto offsetOf = [&](const std::string& tensor) -> std::pair<size_t, size_t> {  // where its number is
        const std::regex entry("tensor: \"" + tensor + "\"\\s*offset: (\\d+)");
        std::smatch match;
        EXPECT_TRUE(std::regex_search(*text, match, entry)) << tensor << " in\n" << *text;
        return {size_t(match.position(1)), size_t(match.length(1))};
    };
    // conv1_out and relu1_out (in place) are at offset 0, which the text leaves out as proto3 does.
    EXPECT_EQ(text->find("tensor: \"conv1_out\"\n    offset:"), std::string::npos) << *text;
    const auto [inputAt, inputLength] = offsetOf("input");
    // The input, read by conv1 while it writes conv1_out, moved onto conv1_out's bytes.
    std::string shared = *text;
    shared.replace(inputAt, inputLength, "0");
    auto sharedPlan = replacePlanBody(plan, shared);
    ASSERT_TRUE(sharedPlan.isOk());
    const std::string overlap = refusal(*sharedPlan);
    EXPECT_NE(overlap.find("live at the same time"), std::string::npos) << overlap;
    // A block 4 bytes off the alignment (still inside the arena).
    std::string unaligned = *text;
    unaligned.replace(inputAt, inputLength, std::to_string(std::stoll(text->substr(inputAt, inputLength)) - 4));
    auto unalignedPlan = replacePlanBody(plan, unaligned);
    ASSERT_TRUE(unalignedPlan.isOk());
    const std::string offAlignment = refusal(*unalignedPlan);
    EXPECT_NE(offAlignment.find("not a multiple of 64"), std::string::npos) << offAlignment;
}

struct BodyEdit {
    const char* what;
    const char* from;
    const char* to;
    const char* message;  // a part of the refusal
};

TEST(PlanRefusal, HostileBodies) {
    const BodyEdit edits[] = {
        {"input index out of range", "inputs: 2\n", "inputs: 99\n", "refers to tensor #99"},
        {"negative input index", "inputs: 2\n", "inputs: -5\n", "refers to tensor #-5"},
        {"input written later", "inputs: 0\n", "inputs: 4\n", "before a layer writes it"},
        {"layer reads its own output", "inputs: 3\n", "inputs: 4\n", "before a layer writes it"},
        {"layer writes an input", "outputs: 3\n", "outputs: 0\n", "not an activation"},
        {"layer output out of range", "outputs: 3\n", "outputs: 77\n", "not an activation"},
        {"two layers write one tensor", "outputs: 4\n    provenance", "outputs: 3\n    provenance",
         "not an activation"},
        {"constant length", "length: 16", "length: 20", "declares 20 weight bytes"},
        {"constant outside the blob", "offset: 448", "offset: 4480", "weight blob"},
        {"unaligned constant", "offset: 448", "offset: 440", "64-byte boundary"},
        {"constant without weights",
         "role: CONSTANT\n    dims: 4\n    constant {\n      offset: 448\n      length: 16\n    }",
         "role: CONSTANT\n    dims: 4", "constant without weight bytes"},
        {"activation with weights", "name: \"bias\"\n    role: CONSTANT", "name: \"bias\"",
         "weight bytes but is no constant"},
        {"activation type out of range", "activation {\n    }", "activation {\n      type: 99\n    }",
         "activation type is 99"},
        {"layer without parameters", "activation {\n    }", "", "no parameters"},
        {"recorded shape differs", "name: \"conv1_out\"\n    dims: 1\n    dims: 4",
         "name: \"conv1_out\"\n    dims: 1\n    dims: 5", "records another type or shape"},
        {"recorded type differs", "name: \"conv1_out\"\n", "name: \"conv1_out\"\n    data_type: 3\n",
         "records another type or shape"},
        {"data type out of range", "name: \"input\"\n", "name: \"input\"\n    data_type: 6\n",
         "data type is 6"},
        {"negative extent", "name: \"input\"\n    role: INPUT\n    dims: 1",
         "name: \"input\"\n    role: INPUT\n    dims: -1", "tensor 'input'"},
        {"duplicate tensor name", "name: \"relu1_out\"", "name: \"conv1_out\"", "duplicate tensor name"},
        {"duplicate layer name", "name: \"relu1\"", "name: \"conv1\"", "duplicate layer name"},
        {"network output out of range", "outputs: 4\n}", "outputs: 40\n}",
         "a network output refers to tensor #40"},
        {"network output twice", "outputs: 4\n}", "outputs: 4\n  outputs: 4\n}", "twice"},
        {"no network output", "outputs: 4\n}", "}", "output"},
        {"alias on an input", "role: INPUT\n", "role: INPUT\n    alias {\n      base: 3\n    }\n",
         "network input"},
        {"alias base out of range", "name: \"relu1_out\"\n",
         "name: \"relu1_out\"\n    alias {\n      base: 42\n    }\n", "refers to tensor #42"},
        {"alias outside its base", "name: \"relu1_out\"\n",
         "name: \"relu1_out\"\n    alias {\n      base: 3\n      byte_offset: 8\n    }\n", "do not fit"},
        {"dynamic range not finite", "role: INPUT\n", "role: INPUT\n    dynamic_range: nan\n",
         "dynamic range"},
        {"dynamic range with no normal step", "role: INPUT\n", "role: INPUT\n    dynamic_range: 1e-37\n",
         "dynamic range 9.99999991e-38 is outside 1.49287783e-36 to 3.40282326e+38"},
        {"dynamic range zero", "role: INPUT\n", "role: INPUT\n    dynamic_range: 0\n", "dynamic range 0 is outside"},
        {"precision out of range", "provenance: \"relu1\"\n",
         "provenance: \"relu1\"\n    precision_constraint: 17\n", "precision is 17"},
        {"zero groups", "groups: 1", "groups: 0", "conv1"},
        {"zero stride", "strides: 1\n      strides: 1", "strides: 0\n      strides: 1", "conv1"},
        {"too few pads", "pads: 1\n      pads: 1\n      pads: 1\n      pads: 1", "pads: 1", "conv1"},
        {"arena larger than every activation", "arena_bytes: 1792", "arena_bytes: 999999999",
         "the memory plan's arena"},
        {"negative arena", "arena_bytes: 1792", "arena_bytes: -64", "the memory plan's arena"},
        {"offset outside the arena", "offset: 1024", "offset: 1600", "outside the 1792-byte arena"},
        {"negative offset", "offset: 1024", "offset: -8", "outside the 1792-byte arena"},
        {"unknown tensor in the memory plan", "tensor: \"input\"", "tensor: \"nosuch\"", "places 'nosuch'"},
        {"constant in the memory plan", "tensor: \"input\"", "tensor: \"weights\"", "places 'weights'"},
        {"tensor placed twice", "tensor: \"conv1_out\"", "tensor: \"relu1_out\"", "twice"},
    };
    for (const BodyEdit& edit : edits) {
        SCOPED_TRACE(edit.what);
        const std::string message = refusalOfEditedBody(edit.from, edit.to);
        EXPECT_NE(message.find(edit.message), std::string::npos) << message;
        EXPECT_NE(message.find("rebuild the plan"), std::string::npos) << message;
    }
}

TEST(PlanRefusal, UnparsableBody) {
    std::string plan = convReluPlan();
    ASSERT_GT(plan.size(), kPlanHeaderSize + 4);
    // A field tag with wire type 7, which does not exist.
    plan[kPlanHeaderSize] = char(0x0f);
    ASSERT_TRUE(resealPlan(plan).isOk());
    EXPECT_NE(refusal(plan).find("cannot be parsed"), std::string::npos);
}

// Random edits of the body and weights with the hashes made right again: the loader must return
// (an engine or an error) every time; a crash or a hang fails the test. Accepted edits must still
// give a network that passes validation.
TEST(PlanRefusal, RandomlyEditedBodiesNeverCrash) {
    auto network = everyKindNetwork();
    ASSERT_TRUE(network.isOk()) << network.status().message();
    auto engine = wrapInEngine(std::move(network).value());
    ASSERT_TRUE(engine.isOk()) << engine.status().message();
    auto plan = serializePlan(**engine);
    ASSERT_TRUE(plan.isOk());
    std::mt19937 random(2024);
    std::uniform_int_distribution<size_t> position(kPlanHeaderSize, plan->size() - 1);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> count(1, 4);
    int accepted = 0;
    for (int trial = 0; trial < 3000; ++trial) {
        std::string edited = *plan;
        for (int i = count(random); i > 0; --i)
            edited[position(random)] = char(byte(random));
        ASSERT_TRUE(resealPlan(edited).isOk());
        auto loaded = deserializePlan(edited);
        if (loaded.isOk()) {
            ++accepted;
            EXPECT_TRUE((*loaded)->network().validate().isOk());
        }
    }
    // Most edits land in the weight blob or change a name or a value, which a plan cannot tell from
    // the truth; many others must be refused.
    EXPECT_GT(accepted, 0);
    EXPECT_LT(accepted, 3000);
}

TEST(PlanFile, UnwritablePathLeavesNothingBehind) {
    const auto engine = convReluEngine();
    ASSERT_TRUE(engine);
    const auto directory =
        std::filesystem::temp_directory_path() / ("kiln_plan_unwritable_" + std::to_string(::getpid()));
    std::filesystem::remove_all(directory);
    std::filesystem::create_directories(directory / "occupied");

    // The directory does not exist: nothing can be created.
    Status status = writePlanFile((directory / "missing" / "model.plan").string(), *engine);
    EXPECT_EQ(status.code(), StatusCode::IoError);
    EXPECT_NE(status.message().find("cannot create"), std::string::npos) << status.message();

    // A directory stands where the plan should go: the temporary file is written, the rename fails,
    // and the temporary file is removed again.
    status = writePlanFile((directory / "occupied").string(), *engine);
    EXPECT_EQ(status.code(), StatusCode::IoError);
    EXPECT_NE(status.message().find("cannot move the new file into place"), std::string::npos)
        << status.message();

    std::vector<std::string> entries;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(directory)) {
        entries.push_back(entry.path().lexically_relative(directory).string());
    }
    EXPECT_EQ(entries, std::vector<std::string>{"occupied"});
    std::filesystem::remove_all(directory);
}

TEST(PlanFile, MissingFile) {
    auto engine = readPlanFile("/nonexistent/kiln/model.plan");
    ASSERT_FALSE(engine.isOk());
    EXPECT_EQ(engine.status().code(), StatusCode::NotFound);
    EXPECT_NE(engine.status().message().find("/nonexistent/kiln/model.plan"), std::string::npos);
}

TEST(PlanFile, RefusalNamesTheFile) {
    const auto directory =
        std::filesystem::temp_directory_path() / ("kiln_plan_named_" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory);
    const std::string path = (directory / "notes.txt").string();
    {
        std::ofstream file(path);
        file << "not a plan at all";
    }
    auto engine = readPlanFile(path);
    ASSERT_FALSE(engine.isOk());
    EXPECT_NE(engine.status().message().find(path), std::string::npos);
    EXPECT_NE(engine.status().message().find("not a Kiln plan file"), std::string::npos);
    std::filesystem::remove_all(directory);
}

// The CPU fingerprint names exactly the ISA extensions the kernel lists in /proc/cpuinfo.
TEST(DeviceFingerprint, CpuMatchesProcCpuinfo) {
    const std::string fingerprint = deviceFingerprint("cpu");
    ASSERT_EQ(fingerprint.rfind("cpu ", 0), 0u) << fingerprint;
#if defined(__x86_64__)
    EXPECT_EQ(fingerprint.rfind("cpu x86_64", 0), 0u) << fingerprint;
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    std::string flags;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("flags", 0) == 0) {
            flags = line.substr(line.find(':') + 1) + " ";
            break;
        }
    }
    if (flags.empty()) GTEST_SKIP() << "/proc/cpuinfo lists no flags";
    const std::pair<const char*, const char*> names[] = {
        {"avx2", "avx2"},
        {"fma", "fma"},
        {"f16c", "f16c"},
        {"avx512f", "avx512f"},
        {"avx512bw", "avx512bw"},
        {"avx512vl", "avx512vl"},
        {"avx512_vnni", "avx512vnni"},
        {"sse4_2", "sse4.2"},
    };
    const std::string listed = fingerprint + " ";
    for (const auto& [procName, ours] : names) {
        const bool inProc = flags.find(" " + std::string(procName) + " ") != std::string::npos;
        const bool inOurs = listed.find(" " + std::string(ours) + " ") != std::string::npos;
        EXPECT_EQ(inOurs, inProc) << ours << " in '" << fingerprint << "'";
    }
#endif
}

TEST(DeviceFingerprint, UnavailableBackendsSayWhy) {
    EXPECT_EQ(deviceFingerprint("tpu"), "tpu unavailable: kiln has no backend named 'tpu'");
    if (!builtWithCuda()) {
        EXPECT_EQ(deviceFingerprint("cuda"), "cuda unavailable: this kiln was built without CUDA");
    } else if (cudaDeviceCount() > 0) {
        EXPECT_EQ(deviceFingerprint("cuda").rfind("cuda ", 0), 0u);
        EXPECT_NE(deviceFingerprint("cuda").find(" sm_"), std::string::npos);
    }
}

}  // namespace
}  // namespace kiln::test

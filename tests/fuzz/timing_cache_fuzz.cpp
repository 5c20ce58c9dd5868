// Fuzz target: the timing cache reader, and the builder using what it read. The input is a cache's
// protobuf body; the target gives it a valid header and hash, and where it decodes, also this Kiln's
// version and device, so that its entries reach the builder. A build of a small network with that
// cache must succeed and its engine must compute what the reference executor does: a cache records
// timings, it never decides whether a build works or what it computes.
//
// KILN_FUZZ_WRITE_SEED=FILE: writes the body of the cache a cold build of the network makes (a seed),
// then exits.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz_support.h"
#include "kiln/builder.h"
#include "kiln/plan.h"
#include "kiln/reference_executor.h"
#include "plan.pb.h"
#include "plan/plan_format.h"

namespace {

using namespace kiln;

std::string withHeader(std::string_view body) {
    std::string bytes(32, '\0');
    std::memcpy(bytes.data(), "KILNTIME", 8);
    auto put = [&bytes](size_t at, uint64_t value) {
        for (int i = 0; i < 8; ++i) bytes[at + size_t(i)] = char((value >> (8 * i)) & 0xff);
    };
    put(8, 1);
    put(16, body.size());
    put(24, fnv1a64(body));
    return bytes + std::string(body);
}

struct Fixture {
    NetworkDefinition network = fuzz::smallNetwork();
    TensorMap inputs{{"x", fuzz::filled({1, 8, 8, 8}, 1.0f, 0.0f)}};
    TensorMap expected;
    std::string device = deviceFingerprint("cpu");

    Fixture() {
        Result<TensorMap> reference = ReferenceExecutor(network).execute(inputs);
        if (!reference) fuzz::fail("the reference executor cannot run the network: " + reference.status().message());
        expected = std::move(reference).value();
    }

    // Builds with the cache file at `path` and checks what the engine computes.
    void buildWith(const std::string& path) const {
        BuilderConfig config;
        config.timingIterations = 1;
        config.timingCachePath = path;
        Result<std::shared_ptr<Engine>> engine = Builder::build(network, config);
        if (!engine) fuzz::fail("a build with a timing cache failed: " + engine.status().message());
        Result<TensorMap> outputs = (*engine)->createExecutionContext().value()->execute(inputs);
        if (!outputs) fuzz::fail("an engine built with a timing cache does not run: " + outputs.status().message());
        const HostTensor& want = expected.at("y");
        const HostTensor& got = outputs->at("y");
        // 72 products of values below 1 and weights below 0.3, summed in another order than the
        // reference's in FP32: far within 1e-4.
        for (int64_t i = 0; i < want.elementCount(); ++i) {
            const float a = want.data<float>()[i];
            const float b = got.data<float>()[i];
            if (!(std::fabs(a - b) <= 1e-4f + 1e-4f * std::fabs(a))) {
                fuzz::fail("an engine built with a timing cache computes " + std::to_string(b) + " instead of " +
                           std::to_string(a) + " at " + std::to_string(i));
            }
        }
    }
};

const Fixture& fixture() {
    static const Fixture instance;
    return instance;
}

void writeSeedIfAsked() {
    const char* seed = std::getenv("KILN_FUZZ_WRITE_SEED");
    if (!seed || !*seed) return;
    const std::string path = fuzz::scratchPath("seed.timing");
    std::filesystem::remove(path);
    fixture().buildWith(path);
    std::ifstream file(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (bytes.size() <= 32) fuzz::fail("the cold build wrote no timing cache");
    fuzz::writeBytes(seed, bytes.data() + 32, bytes.size() - 32);
    std::exit(0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::setUp();
    writeSeedIfAsked();
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const std::string path = fuzz::scratchPath("input.timing");
    const std::string raw = withHeader(body);
    fuzz::writeBytes(path, raw.data(), raw.size());
    fixture().buildWith(path);

    plan_proto::TimingCache proto;
    if (!proto.ParseFromArray(data, int(size))) return 0;
    proto.set_kiln_version(currentPlanStamp("cpu").kilnVersion);
    proto.set_device(fixture().device);
    std::string current;
    if (!proto.SerializeToString(&current)) return 0;
    const std::string adopted = withHeader(current);
    fuzz::writeBytes(path, adopted.data(), adopted.size());
    fixture().buildWith(path);
    return 0;
}

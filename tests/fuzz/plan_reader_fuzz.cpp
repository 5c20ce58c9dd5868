// Fuzz target: the plan reader and engine creation, past the hashes. The input is a plan's body and
// weight blob (a little-endian uint32 body length, the protobuf body, then the weights); the target
// assembles a plan with a valid header and hashes for this Kiln and machine, so that every mutation
// reaches the body's checks. The plan loads or is refused with a message; a loaded engine makes a
// context and runs on zero inputs, or refuses to. Crashes, sanitizer findings and StatusCode::Internal
// errors are findings.
#include <algorithm>

#include "fuzz_support.h"
#include "kiln/onnx_parser.h"
#include "kiln/plan.h"
#include "plan/plan_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace kiln;
    fuzz::setUp();
    static const bool registered = [] {
        registerOnnxSourceReader();  // dynamic-shape plans keep an ONNX model
        return true;
    }();
    (void)registered;
    if (size < 4) return 0;
    uint64_t bodyLength = uint64_t(data[0]) | uint64_t(data[1]) << 8 | uint64_t(data[2]) << 16 | uint64_t(data[3]) << 24;
    bodyLength = std::min<uint64_t>(bodyLength, size - 4);
    const std::string_view all(reinterpret_cast<const char*>(data) + 4, size - 4);
    Result<std::string> plan = assemblePlan(currentPlanStamp("cpu"), all.substr(0, bodyLength), all.substr(bodyLength));
    if (!plan) return 0;
    Result<std::shared_ptr<Engine>> engine = deserializePlan(*plan);
    if (!engine) {
        fuzz::checkRefusal(engine.status(), "plan reading");
        return 0;
    }
    fuzz::runOnZeroInputs(**engine);
    return 0;
}

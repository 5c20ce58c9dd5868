// Fuzz target: ONNX import, then the CPU builder and a run of what it built. Any bytes are imported or
// refused with a message; an imported network is valid; the builder builds it or refuses it; a built
// engine runs on zero inputs or refuses them. Crashes, sanitizer findings and errors that Kiln reports
// as its own bug (StatusCode::Internal) are findings.
#include "fuzz_support.h"
#include "kiln/builder.h"
#include "kiln/onnx_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace kiln;
    fuzz::setUp();
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    Result<NetworkDefinition> network = parseOnnxBytes(bytes, "/nonexistent/kiln-fuzz");
    if (!network) {
        fuzz::checkRefusal(network.status(), "import");
        return 0;
    }
    if (Status valid = network->validate(); !valid) fuzz::fail("import made an invalid network: " + valid.message());
    BuilderConfig config;
    config.timingIterations = 1;
    config.workspaceLimit = int64_t(64) << 20;
    Result<std::shared_ptr<Engine>> engine = Builder::build(*network, config);
    if (!engine) {
        fuzz::checkRefusal(engine.status(), "build");
        return 0;
    }
    fuzz::runOnZeroInputs(**engine);
    return 0;
}

// Fuzz target: Caffe import (a prototxt and a caffemodel from one input), then the CPU builder and a
// run of what it built. The input is a little-endian uint32 prototxt length, the prototxt's text, and
// the caffemodel's bytes (shorter inputs are a prototxt alone). Any bytes are imported or refused with
// a message; an imported network is valid; the builder builds it or refuses it; a built engine runs on
// zero inputs or refuses them. Crashes, sanitizer findings and errors that Kiln reports as its own bug
// (StatusCode::Internal) are findings.
#include <cstring>

#include "fuzz_support.h"
#include "kiln/builder.h"
#include "kiln/caffe_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace kiln;
    fuzz::setUp();
    const char* bytes = reinterpret_cast<const char*>(data);
    std::string prototxt(bytes, size);
    std::string caffemodel;
    if (size >= 4) {
        uint32_t length = 0;
        std::memcpy(&length, data, 4);  // the seeds are written little-endian, as the fuzzing machines are
        const size_t textLength = std::min<size_t>(length, size - 4);
        prototxt.assign(bytes + 4, textLength);
        caffemodel.assign(bytes + 4 + textLength, size - 4 - textLength);
    }
    Result<NetworkDefinition> network = parseCaffeBytes(prototxt, caffemodel);
    if (!network) {
        fuzz::checkRefusal(network.status(), "import");
        return 0;
    }
    if (Status valid = network->validate(); !valid)
        fuzz::fail("import made an invalid network: " + valid.message());
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

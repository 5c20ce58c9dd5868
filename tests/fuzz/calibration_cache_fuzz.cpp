// Fuzz target: the calibration cache reader, and an INT8 build with the scales it read. The input is
// the cache file's text. Where it reads, the table must come back unchanged when written and read
// again, and an INT8 build of a small network with its scales as the calibrated ranges must either
// succeed and run to finite outputs or refuse with a message: scales decide how values are rounded,
// never whether Kiln crashes.
#include <cmath>

#include "fuzz_support.h"
#include "kiln/builder.h"
#include "kiln/calibration.h"

namespace {

using namespace kiln;

bool sameTable(const CalibrationTable& a, const CalibrationTable& b) {
    return a.algorithm == b.algorithm && a.preprocessing == b.preprocessing && a.modelHash == b.modelHash &&
           a.batches == b.batches && a.scales == b.scales;
}

void buildAndRun(const CalibrationTable& table) {
    static const NetworkDefinition network = fuzz::smallNetwork();
    BuilderConfig config;
    config.int8 = true;
    config.timingIterations = 1;
    for (const auto& [name, scale] : table.scales) config.dynamicRanges[name] = scale * 127.0f;
    Result<std::shared_ptr<Engine>> engine = Builder::build(network, config);
    if (!engine) {
        fuzz::checkRefusal(engine.status(), "an INT8 build with a calibration cache's scales");
        return;
    }
    Result<std::unique_ptr<ExecutionContext>> context = (*engine)->createExecutionContext();
    if (!context) fuzz::fail("an engine built with a calibration cache has no context: " + context.status().message());
    Result<TensorMap> outputs = (*context)->execute({{"x", fuzz::filled({1, 8, 8, 8}, 1.0f, 0.0f)}});
    if (!outputs) fuzz::fail("an engine built with a calibration cache does not run: " + outputs.status().message());
    const HostTensor& y = outputs->at("y");
    for (int64_t i = 0; i < y.elementCount(); ++i) {
        if (!std::isfinite(y.data<float>()[i])) {
            fuzz::fail("an engine built with a calibration cache computes " + std::to_string(y.data<float>()[i]) +
                       " at " + std::to_string(i));
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::setUp();
    const std::string path = fuzz::scratchPath("input.calibration");
    fuzz::writeBytes(path, data, size);
    Result<CalibrationTable> table = readCalibrationCache(path);
    if (!table) {
        fuzz::checkRefusal(table.status(), "reading a calibration cache");
        return 0;
    }
    const std::string again = fuzz::scratchPath("again.calibration");
    const Status written = writeCalibrationCache(again, *table);
    if (!written.isOk()) fuzz::fail("a calibration cache that was read cannot be written: " + written.message());
    Result<CalibrationTable> reread = readCalibrationCache(again);
    if (!reread) fuzz::fail("a calibration cache Kiln wrote does not read back: " + reread.status().message());
    if (!sameTable(*table, *reread)) fuzz::fail("a calibration cache changes when written and read again");
    buildAndRun(*table);
    return 0;
}

// `kiln calibrate`: the INT8 scale of every activation of a model, from calibration data, kept in a
// calibration cache that later builds reuse while it matches the model, algorithm and data.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "commands.h"
#include "engine_loading.h"
#include "file_output.h"
#include "kiln/calibration.h"
#include "model_loading.h"

namespace kiln::cli {

int calibrateCommand(const std::vector<std::string>& args) {
    Result<Parsed<CalibrateOptions>> parsed = parseCalibrateArguments(args);
    if (!parsed) return fail(kExitUsage, parsed.status().message());
    if (parsed->helpRequested) {
        std::cout << calibrateHelp();
        return kExitSuccess;
    }
    const CalibrateOptions& options = parsed->options;
    if (isPlanFile(options.modelPath)) return fail(kExitUsage, "kiln calibrate runs the model: give the ONNX model, not a plan");
    if (Status status = checkDestination("--calibCache", options.cachePath); !status) return fail(kExitFailure, status.message());
    Result<CalibrationAlgorithm> algorithm = calibrationAlgorithmFromString(options.algorithm);
    if (!algorithm) return fail(kExitUsage, "--calibAlgo: " + algorithm.status().message());

    // The FP32 engine, without fusion: every activation of the model gets a scale.
    EngineRequest request;
    request.path = options.modelPath;
    request.shapes = options.shapes;
    request.enableFusion = false;
    request.builder = options.builder;
    PreparedEngine prepared;
    if (int code = prepareEngine(request, prepared); code != kExitSuccess) return code;
    std::vector<const Binding*> inputs;
    for (const Binding& binding : prepared.engine->bindings()) {
        if (binding.isInput) inputs.push_back(&binding);
    }
    if (inputs.size() != 1) {
        return fail(kExitUsage, "kiln calibrate takes .npy data for models with one input; this one has " +
                                    std::to_string(inputs.size()));
    }
    auto data = npyCalibrationData(options.calibPath, inputs[0]->name, inputs[0]->type, inputs[0]->dims);
    if (!data) return fail(kExitFailure, data.status().message());
    Result<std::string> hash = modelFileHash(options.modelPath);
    if (!hash) return fail(kExitFailure, hash.status().message());

    if (auto cached = readCalibrationCache(options.cachePath); cached.isOk()) {
        const std::string mismatch =
            calibrationCacheMismatch(*cached, *algorithm, data.value()->preprocessing(), *hash);
        if (mismatch.empty()) {
            std::cout << "Calibration cache " << options.cachePath << " matches the model, algorithm and data: "
                      << cached->scales.size() << " scales reused\n";
            return kExitSuccess;
        }
        std::cerr << "kiln: warning: the calibration cache '" << options.cachePath << "' is not reused: " << mismatch
                  << "; calibrating again\n";
    } else if (std::ifstream(options.cachePath).good()) {
        std::cerr << "kiln: warning: " << cached.status().message() << "; calibrating again\n";
    }

    CalibrationOptions calibration;
    calibration.algorithm = *algorithm;
    calibration.percentile = options.percentile;
    std::cout << "Calibrating " << options.modelPath << " with " << toString(*algorithm) << " on "
              << data.value()->preprocessing() << '\n';
    auto table = calibrate(*prepared.engine, *data.value(), calibration, *hash, [](int done, int total) {
        std::cout << "\r  pass " << (done > total / 2 ? 2 : 1) << " of 2, batch " << ((done - 1) % (total / 2)) + 1 << " of "
                  << total / 2 << std::flush;
        return false;
    });
    std::cout << '\n';
    if (!table) return fail(kExitFailure, table.status().message());
    if (Status status = writeCalibrationCache(options.cachePath, *table); !status) return fail(kExitFailure, status.message());

    std::vector<std::pair<float, std::string>> largest;
    for (const auto& [name, scale] : table->scales) largest.emplace_back(scale, name);
    std::sort(largest.rbegin(), largest.rend());
    TextTable scales({"Tensor", "Scale", "Threshold"});
    for (size_t i = 0; i < std::min<size_t>(largest.size(), 10); ++i) {
        char scale[32], threshold[32];
        std::snprintf(scale, sizeof scale, "%.6g", double(largest[i].first));
        std::snprintf(threshold, sizeof threshold, "%.6g", double(largest[i].first) * 127.0);
        scales.addRow({largest[i].second, scale, threshold});
    }
    std::cout << table->scales.size() << " scales (the 10 largest):\n";
    scales.print(std::cout);
    std::cout << "Calibration cache: " << options.cachePath << '\n';
    return kExitSuccess;
}

}  // namespace kiln::cli

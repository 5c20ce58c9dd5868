// Obtaining an INT8 build's calibrated ranges: cache reuse, calibration on data, and the checks
// between them.
#include "calibration_loading.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "build_progress.h"
#include "commands.h"
#include "kiln/builder.h"
#include "kiln/npy.h"
#include "model_loading.h"
#include "text_table.h"

namespace kiln::cli {

namespace {

// The dims of the first .npy batch at `path` (a file or the first in name order of a folder).
std::optional<Dims> firstNpyBatchDims(const std::string& path) {
    std::error_code error;
    std::string first = path;
    if (std::filesystem::is_directory(path, error)) {
        first.clear();
        for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
            if (entry.path().extension() == ".npy" && (first.empty() || entry.path().string() < first)) {
                first = entry.path().string();
            }
        }
    }
    if (first.empty()) return std::nullopt;
    auto tensor = readNpy(first);
    return tensor ? std::optional<Dims>(tensor->dims()) : std::nullopt;
}

}  // namespace

int obtainCalibration(const std::string& modelPath, const std::string& weights, const ShapeMap& shapes,
                      const BuilderOptions& options, CalibrationTable& table) {
    Result<CalibrationAlgorithm> algorithm = calibrationAlgorithmFromString(options.calibAlgorithm);
    if (!algorithm) return fail(kExitUsage, "--calibAlgo: " + algorithm.status().message());
    Result<std::string> hash = modelFileHash(modelPath);
    if (!hash) return fail(kExitFailure, hash.status().message());
    if (!weights.empty()) {
        Result<std::string> weightsHash = modelFileHash(weights);
        if (!weightsHash) return fail(kExitFailure, weightsHash.status().message());
        *hash += "+" + *weightsHash;
    }
    std::optional<CalibrationTable> cached;
    if (options.calibCachePath) {
        auto read = readCalibrationCache(*options.calibCachePath);
        if (read) {
            cached = std::move(read).value();
        } else if (read.status().code() != StatusCode::NotFound) {  // there, but unusable
            if (!options.calibPath) return fail(kExitFailure, read.status().message() + "; or give --calib DATA to calibrate");
            std::cerr << "kiln: warning: " << printable(read.status().message()) << "; calibrating again\n";
        }
    }
    if (!options.calibPath) {
        if (!cached) {
            // A model quantized with QuantizeLinear/DequantizeLinear pairs brings its own ranges.
            std::optional<NetworkDefinition> network;
            if (int code = importWithShapes(modelPath, weights, shapes, network); code != kExitSuccess) return code;
            const bool quantized = std::any_of(network->layers().begin(), network->layers().end(),
                                               [](const auto& layer) { return layer->kind() == LayerKind::Quantize; });
            if (quantized) {
                std::cout << "Calibration: none; the model is quantized (QuantizeLinear/DequantizeLinear) and "
                             "brings its own scales\n";
                table = CalibrationTable{};
                return kExitSuccess;
            }
            return fail(kExitUsage, "INT8 needs calibrated ranges: give --calib DATA (a .npy batch or a folder of them), "
                                    "or --calibCache FILE written by an earlier calibration, or a model quantized "
                                    "with QuantizeLinear/DequantizeLinear pairs");
        }
        if (cached->modelHash != *hash) {
            return fail(kExitFailure, "the calibration cache '" + *options.calibCachePath + "' was made for another model (" +
                                          cached->modelHash + ", not " + *hash + "); give --calib DATA to calibrate again");
        }
        std::cout << "Calibration: " << cached->scales.size() << " scales from " << *options.calibCachePath << " ("
                  << toString(cached->algorithm) << ", " << cached->preprocessing << ")\n";
        table = std::move(*cached);
        return kExitSuccess;
    }

    std::optional<NetworkDefinition> network;
    if (int code = importWithShapes(modelPath, weights, shapes, network); code != kExitSuccess) return code;
    if (network->inputs().size() != 1) {
        return fail(kExitUsage, "calibration takes .npy data for models with one input; this one has " +
                                    std::to_string(network->inputs().size()));
    }
    const Tensor* input = network->inputs().front();
    // A folder without .npy files is read as images.
    bool images = false;
    std::error_code error;
    if (std::filesystem::is_directory(*options.calibPath, error)) {
        images = true;
        for (const auto& entry : std::filesystem::directory_iterator(*options.calibPath, error)) {
            if (entry.path().extension() == ".npy") images = false;
        }
    }
    // Ranges do not depend on the batch size: .npy batches of another batch size than the build's are
    // calibrated with a network of theirs.
    if (!images) {
        if (auto batch = firstNpyBatchDims(*options.calibPath); batch && batch->size() == input->dims().size() &&
                                                                 !batch->empty() && *batch != input->dims() &&
                                                                 std::equal(batch->begin() + 1, batch->end(),
                                                                            input->dims().begin() + 1)) {
            ShapeMap batchShapes = shapes;
            batchShapes[input->name()] = *batch;
            network.reset();
            if (int code = importWithShapes(modelPath, weights, batchShapes, network); code != kExitSuccess) return code;
            input = network->inputs().front();
        }
    }
    auto data = images ? imageCalibrationData(*options.calibPath, input->name(), input->dims(), options.calibImages)
                       : npyCalibrationData(*options.calibPath, input->name(), input->type(), input->dims());
    if (!data) return fail(kExitFailure, data.status().message());
    if (cached) {
        const std::string mismatch = calibrationCacheMismatch(*cached, *algorithm, data.value()->preprocessing(), *hash);
        if (mismatch.empty()) {
            std::cout << "Calibration: " << cached->scales.size() << " scales reused from " << *options.calibCachePath
                      << " (it matches the model, algorithm and data)\n";
            table = std::move(*cached);
            return kExitSuccess;
        }
        std::cerr << "kiln: warning: the calibration cache '" << *options.calibCachePath << "' is not reused: " << mismatch
                  << "; calibrating again\n";
    }

    // Every activation of the model gets a range: the FP32 network without fusion.
    BuilderConfig config;
    config.backend = options.backend.value_or("cpu");
    config.enableFusion = false;
    config.timingIterations = 1;
    auto engine = Builder::build(*network, config);
    if (!engine) return fail(kExitFailure, "building the FP32 engine to calibrate with failed: " + engine.status().message());
    CalibrationOptions calibration;
    calibration.algorithm = *algorithm;
    calibration.percentile = options.percentile;
    std::cout << "Calibrating with " << toString(*algorithm) << " on " << data.value()->preprocessing() << '\n';
    // Progress on standard error as for builds (a line on a terminal, a line per pass with --verbose);
    // Ctrl-C cancels.
    InterruptScope interrupts;
    BuildProgress progress("kiln: calibrating '" + modelPath + "'", progressShow(options));
    int pass = 0;
    auto result = calibrate(*engine.value(), *data.value(), calibration, *hash, [&](int done, int total) {
        const int perPass = std::max(1, total / 2);
        const int now = done > perPass ? 2 : 1;
        if (now != pass) {
            pass = now;
            progress.phaseStarted(now == 1 ? "ranges" : "histograms", now - 1, 2);
        }
        progress.itemStarted((done - 1) % perPass, perPass, "batch");
        return InterruptScope::interrupted();
    });
    progress.finish();
    if (!result && (result.status().code() == StatusCode::Cancelled || InterruptScope::interrupted())) {
        std::cerr << "kiln: the calibration was cancelled (Ctrl-C); nothing was written\n";
        return kExitInterrupted;
    }
    if (!result) return fail(kExitFailure, result.status().message());
    if (options.calibCachePath) {
        if (Status status = writeCalibrationCache(*options.calibCachePath, *result); !status) {
            return fail(kExitFailure, status.message());
        }
        std::cout << "Calibration cache: " << *options.calibCachePath << '\n';
    }
    table = std::move(result).value();
    return kExitSuccess;
}

std::map<std::string, float> dynamicRanges(const CalibrationTable& table) {
    std::map<std::string, float> ranges;
    for (const auto& [name, scale] : table.scales) ranges[name] = scale * 127.0f;
    return ranges;
}

}  // namespace kiln::cli

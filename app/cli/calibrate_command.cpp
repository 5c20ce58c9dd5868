// `kiln calibrate`: the INT8 scale of every activation of a model, from calibration data, kept in a
// calibration cache that later builds reuse while it matches the model, algorithm and data.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "calibration_loading.h"
#include "commands.h"
#include "engine_loading.h"
#include "file_output.h"
#include "kiln/message.h"
#include "text_table.h"

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
    if (Status status = checkDestination("--calibCache", *options.builder.calibCachePath); !status) {
        return fail(kExitFailure, status.message());
    }
    if (Status status = checkDistinctPaths({{"the model", options.modelPath, false},
                                            {"--calibCache", *options.builder.calibCachePath, true}});
        !status) {
        return fail(kExitUsage, status.message());
    }
    CalibrationTable table;
    if (int code = obtainCalibration(options.modelPath, "", options.shapes, options.builder, table); code != kExitSuccess) {
        return code;
    }
    std::vector<std::pair<float, std::string>> largest;
    for (const auto& [name, scale] : table.scales) largest.emplace_back(scale, name);
    std::sort(largest.rbegin(), largest.rend());
    TextTable scales({"Tensor", "Scale", "Threshold"});
    for (size_t i = 0; i < std::min<size_t>(largest.size(), 10); ++i) {
        char scale[32], threshold[32];
        std::snprintf(scale, sizeof scale, "%.6g", double(largest[i].first));
        std::snprintf(threshold, sizeof threshold, "%.6g", double(largest[i].first) * 127.0);
        scales.addRow({largest[i].second, scale, threshold});
    }
    std::cout << table.scales.size() << " scales (the 10 largest):\n";
    scales.print(std::cout);
    if (!table.unscaled.empty()) {
        // TensorRT warns of such tensors only when it builds; here the calibration names them.
        std::vector<std::string> names;
        for (const std::string& name : table.unscaled)
            names.push_back(printable(name));
        std::cout
            << table.unscaled.size() << (table.unscaled.size() == 1 ? " tensor" : " tensors")
            << " got no scale (every value 0, or too near 0 for an INT8 range) and will stay in floating "
               "point: "
            << listedNames(names, 10) << "\n";
    }
    return kExitSuccess;
}

}  // namespace kiln::cli

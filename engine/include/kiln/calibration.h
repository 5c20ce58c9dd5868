// INT8 calibration: the range of every activation, measured by running the FP32 network on
// representative data, turned into a per-tensor scale by one of four algorithms (TensorRT's entropy
// calibration, min-max, a percentile, least squared error), and the calibration cache that keeps the
// result between builds. The cache is plain text a person can read and diff:
//
//   kiln-calibration 1
//   algorithm: entropy
//   preprocessing: npy batches input=calib/*.npy
//   model: 3f2a9c01d44e7b10
//   batches: 16
//   conv1.out: 0.0123456789
//   ...
//
// one line per tensor, "name: scale" (the scale maps int8 127 to the threshold: threshold / 127).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kiln/network.h"
#include "kiln/reference_executor.h"
#include "kiln/runtime.h"
#include "kiln/status.h"

namespace kiln {

enum class CalibrationAlgorithm : uint8_t { Entropy, MinMax, Percentile, Mse };

const char* toString(CalibrationAlgorithm algorithm);  // "entropy", "minmax", "percentile", "mse"
Result<CalibrationAlgorithm> calibrationAlgorithmFromString(const std::string& name);

struct CalibrationOptions {
    CalibrationAlgorithm algorithm = CalibrationAlgorithm::Entropy;
    double percentile = 99.99;  // for Percentile: the share of |x| values at or below the threshold
    int bins = 2048;            // histogram bins over [0, max |x|]
};

// The histogram of |x| of one tensor over all calibration batches, on [0, maxAbs].
struct ActivationHistogram {
    double maxAbs = 0.0;
    std::vector<double> counts;  // `bins` bins of width maxAbs / bins
    double binWidth() const { return counts.empty() ? 0.0 : maxAbs / double(counts.size()); }
};

// The clipping threshold of one histogram (the value int8 127 stands for); 0 for an all-zero tensor.
double calibrationThreshold(const ActivationHistogram& histogram, const CalibrationOptions& options);

// Batches of network inputs for calibration, and how they were made (recorded in the cache).
class ICalibrationData {
public:
    virtual ~ICalibrationData() = default;
    virtual int batchCount() const = 0;
    virtual Result<TensorMap> batch(int index) = 0;
    virtual std::string preprocessing() const = 0;
};

// .npy files, one batch each, for the network input `inputName`: every file in a folder (sorted by
// name) or one file. Each must match the input's type and shape exactly; NaN or infinity is refused.
Result<std::unique_ptr<ICalibrationData>> npyCalibrationData(const std::string& path, const std::string& inputName,
                                                            DataType type, const Dims& dims);

// How images become network input for calibration, in this order: decode (8-bit, 3 channels),
// resize so that the shorter side is `resize` pixels (bilinear; 0 keeps the size), crop the centre
// to the input's height and width, scale to [0, 1], subtract `mean` and divide by `std` per channel,
// order the channels RGB or BGR, lay out as NCHW or NHWC. Grayscale inputs (1 channel) average the
// three channels first.
struct ImagePreprocessing {
    int resize = 0;
    float mean[3] = {0.0f, 0.0f, 0.0f};
    float std[3] = {1.0f, 1.0f, 1.0f};
    bool bgr = false;
    bool nhwc = false;
    std::string describe() const;  // recorded in the calibration cache
};

// Every image (.png, .jpg, .jpeg, .bmp) of a folder, in name order, as batches of the network input
// `inputName` of `dims` ([N, C, H, W], or [N, H, W, C] with preprocessing.nhwc); images beyond the
// last whole batch are left out. An empty folder, fewer images than one batch or an image that cannot
// be decoded is an error naming it.
Result<std::unique_ptr<ICalibrationData>> imageCalibrationData(const std::string& folder, const std::string& inputName,
                                                              const Dims& dims, const ImagePreprocessing& preprocessing);

// The INT8 ranges Kiln takes. An INT8 tensor holds q with x = q * scale, scale = range / 127: the scale
// must be a normal float (a smaller one makes 1 / scale infinite) and 127 * scale a finite one (or the
// largest values dequantize to infinity). That admits ranges from 1.49287783e-36 to 3.40282326e+38;
// int8RangeLimits() says so in words for messages.
bool isInt8Scale(float scale);
bool isInt8Range(float range);
std::string int8RangeLimits();
// A scale or range as the cache writes it and messages show it: 9 significant digits, the same float
// when read back.
std::string formatInt8Value(float value);

struct CalibrationTable {
    CalibrationAlgorithm algorithm = CalibrationAlgorithm::Entropy;
    std::string preprocessing;
    std::string modelHash;
    int batches = 0;
    std::map<std::string, float> scales;  // tensor name -> threshold / 127
    // Tensors calibrated without a scale (their values all 0, or too near 0 for an INT8 range): they stay
    // in floating point. Known only where the histograms were at hand; a calibration cache does not keep it.
    std::vector<std::string> unscaled;
};

// Called after every batch; returning true cancels with StatusCode::Cancelled.
using CalibrationProgress = std::function<bool(int batch, int batchCount)>;

// Runs `engine` (an FP32 engine of the network) on every batch twice, first for each tensor's largest
// magnitude and then for its histogram of `bins` bins: every floating-point activation and network input.
Result<std::map<std::string, ActivationHistogram>> activationHistograms(const Engine& engine, ICalibrationData& data,
                                                                        int bins,
                                                                        const CalibrationProgress& progress = nullptr);

// The scales `options.algorithm` derives from `histograms` (tensors without a positive finite
// threshold get none), recorded with the data's preprocessing, the model's hash and the batch count.
CalibrationTable calibrationTableOf(const std::map<std::string, ActivationHistogram>& histograms,
                                    const CalibrationOptions& options, const std::string& preprocessing,
                                    const std::string& modelHash, int batches);

// activationHistograms, then calibrationTableOf.
Result<CalibrationTable> calibrate(const Engine& engine, ICalibrationData& data, const CalibrationOptions& options,
                                   const std::string& modelHash, const CalibrationProgress& progress = nullptr);

// Writes the cache atomically; reads one, refusing a file that is not a Kiln calibration cache, is
// truncated, or names a scale isInt8Scale refuses, with the line it stopped at.
Status writeCalibrationCache(const std::string& path, const CalibrationTable& table);
Result<CalibrationTable> readCalibrationCache(const std::string& path);

// The hash a calibration cache names its model by: 64-bit FNV-1a of the model file, in hex.
Result<std::string> modelFileHash(const std::string& path);

// Why `table` cannot be reused for a calibration with these settings ("made with min-max, not
// entropy"), or an empty string when it can.
std::string calibrationCacheMismatch(const CalibrationTable& table, CalibrationAlgorithm algorithm,
                                     const std::string& preprocessing, const std::string& modelHash);

}  // namespace kiln

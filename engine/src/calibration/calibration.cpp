// Calibration: histograms of every activation over the calibration batches, the four threshold
// algorithms, .npy calibration data, and the calibration cache.
#include "kiln/calibration.h"

#include "kiln/file_reading.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "io/atomic_file.h"
#include "kiln/npy.h"
#include "plan/plan_format.h"

namespace kiln {

namespace {

// The largest scale whose 127 * scale is finite (the next float up overflows it).
constexpr float kLargestInt8Scale = 2.67938839e+36f;

}  // namespace

bool isInt8Scale(float scale) { return scale >= FLT_MIN && std::isfinite(127.0f * scale); }

bool isInt8Range(float range) { return std::isfinite(range) && isInt8Scale(range / 127.0f); }

std::string int8RangeLimits() {
    return formatInt8Value(127.0f * FLT_MIN) + " to " + formatInt8Value(127.0f * kLargestInt8Scale);
}

std::string formatInt8Value(float value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.9g", double(value));
    return text;
}

namespace {

constexpr int kQuantizedBins = 128;  // int8's non-negative levels

double thresholdMinMax(const ActivationHistogram& h) { return h.maxAbs; }

double thresholdPercentile(const ActivationHistogram& h, double percentile) {
    double total = 0.0;
    for (double count : h.counts) total += count;
    const double wanted = total * std::clamp(percentile, 0.0, 100.0) / 100.0;
    double cumulative = 0.0;
    for (size_t k = 0; k < h.counts.size(); ++k) {
        cumulative += h.counts[k];
        if (cumulative >= wanted) return double(k + 1) * h.binWidth();
    }
    return h.maxAbs;
}

// TensorRT's entropy calibration: the threshold whose int8 quantization of the clipped distribution
// loses the least information (Kullback-Leibler divergence), trying every bin edge from the 128th on.
// The first bin is given the second's count first: it holds the exact zeros (half of a ReLU's
// output), which every threshold quantizes without error; left in, their mass dominates both
// distributions and the divergence stops seeing the tail, so that thresholds far inside the range
// win (NVIDIA's pytorch-quantization does the same).
double thresholdEntropy(const ActivationHistogram& h) {
    std::vector<double> bins = h.counts;
    const int n = int(bins.size());
    if (n <= kQuantizedBins) return h.maxAbs;
    bins[0] = bins[1];
    std::vector<double> suffix(size_t(n) + 1, 0.0);
    for (int k = n - 1; k >= 0; --k) suffix[size_t(k)] = suffix[size_t(k) + 1] + bins[size_t(k)];
    double best = std::numeric_limits<double>::infinity();
    int bestEdge = n;
    std::vector<double> reference(static_cast<size_t>(n), 0.0);
    std::vector<double> quantized(static_cast<size_t>(n), 0.0);
    for (int i = kQuantizedBins; i <= n; ++i) {
        // P: the first i bins with everything beyond folded into the last one.
        std::copy(bins.begin(), bins.begin() + i, reference.begin());
        reference[size_t(i) - 1] += suffix[size_t(i)];
        // Q: the first i bins merged into 128 levels, each level spread evenly over its non-empty bins.
        for (int level = 0; level < kQuantizedBins; ++level) {
            const int begin = int(int64_t(level) * i / kQuantizedBins);
            const int end = int(int64_t(level + 1) * i / kQuantizedBins);
            double sum = 0.0;
            int nonEmpty = 0;
            for (int k = begin; k < end; ++k) {
                sum += bins[size_t(k)];
                nonEmpty += bins[size_t(k)] != 0.0;
            }
            for (int k = begin; k < end; ++k) {
                quantized[size_t(k)] = bins[size_t(k)] != 0.0 ? sum / nonEmpty : 0.0;
            }
        }
        double referenceTotal = 0.0;
        double quantizedTotal = 0.0;
        for (int k = 0; k < i; ++k) {
            referenceTotal += reference[size_t(k)];
            quantizedTotal += quantized[size_t(k)];
        }
        if (referenceTotal <= 0.0 || quantizedTotal <= 0.0) continue;
        // Q is zero where the clipped outliers land in P's last bin when that bin was empty: zeros of Q
        // get a small share of the mass (MXNet's smoothing) so that the divergence stays finite.
        int zeros = 0;
        for (int k = 0; k < i; ++k) zeros += quantized[size_t(k)] == 0.0;
        const double epsilon = 1e-4;
        const double taken = zeros == i ? 0.0 : epsilon * zeros / double(i - zeros);
        double divergence = 0.0;
        for (int k = 0; k < i; ++k) {
            const double p = reference[size_t(k)] / referenceTotal;
            if (p == 0.0) continue;
            const double raw = quantized[size_t(k)] / quantizedTotal;
            const double q = raw == 0.0 ? epsilon : raw - taken * raw;
            if (!(q > 0.0)) continue;
            divergence += p * std::log(p / q);
        }
        if (divergence < best) {
            best = divergence;
            bestEdge = i;
        }
    }
    return double(bestEdge) * h.binWidth();
}

// The threshold with the least expected squared error: rounding error (step^2 / 12) below it,
// clipping error above it, summed over the histogram's bin centres.
double thresholdMse(const ActivationHistogram& h) {
    const double width = h.binWidth();
    double best = std::numeric_limits<double>::infinity();
    double bestThreshold = h.maxAbs;
    for (size_t edge = 1; edge <= h.counts.size(); ++edge) {
        const double threshold = double(edge) * width;
        const double step = threshold / 127.0;
        double error = 0.0;
        for (size_t k = 0; k < h.counts.size(); ++k) {
            if (h.counts[k] == 0.0) continue;
            const double centre = (double(k) + 0.5) * width;
            const double clipped = centre > threshold ? centre - threshold : 0.0;
            error += h.counts[k] * (centre > threshold ? clipped * clipped : step * step / 12.0);
        }
        if (error < best) {
            best = error;
            bestThreshold = threshold;
        }
    }
    return bestThreshold;
}

// Collects each float activation's and network input's largest magnitude (first pass) or histogram
// (second pass).
class HistogramObserver final : public ITensorObserver {
public:
    HistogramObserver(std::map<std::string, ActivationHistogram>& histograms, bool rangesOnly, int bins)
        : m_histograms(histograms), m_rangesOnly(rangesOnly), m_bins(bins) {}

    void observe(const Layer&, const Tensor& tensor, const HostTensor& value) override {
        if (tensor.isNetworkInput()) return;  // record() has them, from the batch itself
        record(tensor.name(), value);
    }

    void record(const std::string& name, const HostTensor& value) {
        if (value.type() != DataType::Float32) return;
        ActivationHistogram& histogram = m_histograms[name];
        const float* data = value.data<float>();
        const int64_t count = value.elementCount();
        if (m_rangesOnly) {
            for (int64_t i = 0; i < count; ++i) histogram.maxAbs = std::max(histogram.maxAbs, double(std::fabs(data[i])));
            return;
        }
        if (histogram.counts.empty()) histogram.counts.assign(size_t(m_bins), 0.0);
        if (histogram.maxAbs <= 0.0) {
            histogram.counts[0] += double(count);
            return;
        }
        const double scale = double(m_bins) / histogram.maxAbs;
        for (int64_t i = 0; i < count; ++i) {
            const int64_t bin = std::min<int64_t>(int64_t(std::fabs(data[i]) * scale), m_bins - 1);
            histogram.counts[size_t(bin)] += 1.0;
        }
    }

private:
    std::map<std::string, ActivationHistogram>& m_histograms;
    bool m_rangesOnly;
    int m_bins;
};

class NpyCalibrationData final : public ICalibrationData {
public:
    NpyCalibrationData(std::vector<std::string> files, std::string inputName, std::string description)
        : m_files(std::move(files)), m_inputName(std::move(inputName)), m_description(std::move(description)) {}
    int batchCount() const override { return int(m_files.size()); }
    Result<TensorMap> batch(int index) override {
        KILN_ASSIGN_OR_RETURN(HostTensor tensor, readNpy(m_files[size_t(index)]));
        return TensorMap{{m_inputName, std::move(tensor)}};
    }
    std::string preprocessing() const override { return m_description; }

private:
    std::vector<std::string> m_files;
    std::string m_inputName;
    std::string m_description;
};

Status checkBatch(const std::string& file, const HostTensor& tensor, DataType type, const Dims& dims) {
    if (tensor.type() != type) {
        return invalidArgument("calibration batch '" + file + "' holds " + toString(tensor.type()) + " values; the input is " +
                               toString(type) + ": save the batch with that dtype");
    }
    if (tensor.dims() != dims) {
        if (tensor.dims().size() == dims.size() && !dims.empty() && tensor.dims()[0] < dims[0]) {
            return invalidArgument("calibration batch '" + file + "' has " + std::to_string(tensor.dims()[0]) +
                                   " samples, fewer than one batch of " + std::to_string(dims[0]) +
                                   "; give whole batches of " + toString(dims));
        }
        return invalidArgument("calibration batch '" + file + "' has shape " + toString(tensor.dims()) +
                               "; the input takes " + toString(dims) + " per batch");
    }
    if (type == DataType::Float32) {
        for (int64_t i = 0; i < tensor.elementCount(); ++i) {
            if (!std::isfinite(tensor.data<float>()[i])) {
                return invalidArgument("calibration batch '" + file + "' holds " +
                                       (std::isnan(tensor.data<float>()[i]) ? "NaN" : "an infinity") + " at element " +
                                       std::to_string(i) + "; calibration data must be finite");
            }
        }
    }
    return Status::ok();
}

}  // namespace

const char* toString(CalibrationAlgorithm algorithm) {
    switch (algorithm) {
        case CalibrationAlgorithm::Entropy: return "entropy";
        case CalibrationAlgorithm::MinMax: return "minmax";
        case CalibrationAlgorithm::Percentile: return "percentile";
        case CalibrationAlgorithm::Mse: return "mse";
    }
    return "entropy";
}

Result<CalibrationAlgorithm> calibrationAlgorithmFromString(const std::string& name) {
    for (CalibrationAlgorithm algorithm : {CalibrationAlgorithm::Entropy, CalibrationAlgorithm::MinMax,
                                           CalibrationAlgorithm::Percentile, CalibrationAlgorithm::Mse}) {
        if (name == toString(algorithm)) return algorithm;
    }
    return invalidArgument("'" + name + "' is no calibration algorithm; use entropy, minmax, percentile or mse");
}

double calibrationThreshold(const ActivationHistogram& histogram, const CalibrationOptions& options) {
    if (!(histogram.maxAbs > 0.0) || histogram.counts.empty()) return 0.0;
    switch (options.algorithm) {
        case CalibrationAlgorithm::MinMax: return thresholdMinMax(histogram);
        case CalibrationAlgorithm::Percentile: return thresholdPercentile(histogram, options.percentile);
        case CalibrationAlgorithm::Entropy: return thresholdEntropy(histogram);
        case CalibrationAlgorithm::Mse: return thresholdMse(histogram);
    }
    return histogram.maxAbs;
}

Result<std::unique_ptr<ICalibrationData>> npyCalibrationData(const std::string& path, const std::string& inputName,
                                                            DataType type, const Dims& dims) {
    namespace fs = std::filesystem;
    std::error_code error;
    std::vector<std::string> files;
    if (fs::is_directory(path, error)) {
        for (const auto& entry : fs::directory_iterator(path, error)) {
            if (entry.is_regular_file() && entry.path().extension() == ".npy") files.push_back(entry.path().string());
        }
        if (error) return ioError("cannot read the calibration folder '" + path + "': " + error.message());
        std::sort(files.begin(), files.end());
        if (files.empty()) {
            return invalidArgument("the calibration folder '" + path + "' holds no .npy file; put one batch per .npy file there");
        }
    } else if (fs::is_regular_file(path, error)) {
        files.push_back(path);
    } else {
        return notFound("the calibration data '" + path + "' does not exist; give a .npy file or a folder of them");
    }
    // Every batch is checked before calibration starts, so a bad file never costs a half-done run.
    for (const std::string& file : files) {
        KILN_ASSIGN_OR_RETURN(HostTensor tensor, readNpy(file).withContext("calibration batch '" + file + "'"));
        KILN_RETURN_IF_ERROR(checkBatch(file, tensor, type, dims));
    }
    const std::string description = "npy batches " + inputName + "=" + path + " (" + std::to_string(files.size()) +
                                    " of " + toString(dims) + ", used as they are)";
    return std::unique_ptr<ICalibrationData>(std::make_unique<NpyCalibrationData>(std::move(files), inputName, description));
}

Result<std::map<std::string, ActivationHistogram>> activationHistograms(const Engine& engine, ICalibrationData& data,
                                                                        int bins, const CalibrationProgress& progress) {
    if (data.batchCount() < 1) return invalidArgument("calibration needs at least one batch of data");
    if (bins < kQuantizedBins) {
        return invalidArgument("calibration histograms need at least " + std::to_string(kQuantizedBins) + " bins");
    }
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<ExecutionContext> context, engine.createExecutionContext());
    std::map<std::string, ActivationHistogram> histograms;
    const int batches = data.batchCount();
    for (int pass = 0; pass < 2; ++pass) {
        HistogramObserver observer(histograms, pass == 0, bins);
        context->setTensorObserver(&observer);
        for (int i = 0; i < batches; ++i) {
            KILN_ASSIGN_OR_RETURN(TensorMap inputs, data.batch(i).withContext("calibration batch " + std::to_string(i + 1)));
            // The network's inputs get ranges too, so that an INT8 build can quantize them for its first
            // layers (as TensorRT's calibration does).
            for (const auto& [name, value] : inputs) observer.record(name, value);
            KILN_RETURN_IF_ERROR(context->execute(inputs).status().withContext("calibration batch " + std::to_string(i + 1)));
            if (progress && progress(pass * batches + i + 1, 2 * batches)) return cancelled("the calibration was cancelled");
        }
    }
    context->setTensorObserver(nullptr);
    return histograms;
}

CalibrationTable calibrationTableOf(const std::map<std::string, ActivationHistogram>& histograms,
                                    const CalibrationOptions& options, const std::string& preprocessing,
                                    const std::string& modelHash, int batches) {
    CalibrationTable table;
    table.algorithm = options.algorithm;
    table.preprocessing = preprocessing;
    table.modelHash = modelHash;
    table.batches = batches;
    for (const auto& [name, histogram] : histograms) {
        const double threshold = calibrationThreshold(histogram, options);
        // A tensor whose values are all 0, or so near it that their step would be no normal float, has
        // no scale (as if it were all 0); one that reaches the largest floats takes the largest scale.
        const float scale = float(std::min(threshold / 127.0, double(kLargestInt8Scale)));
        if (isInt8Scale(scale)) {
            table.scales[name] = scale;
        } else {
            table.unscaled.push_back(name);
        }
    }
    return table;
}

Result<CalibrationTable> calibrate(const Engine& engine, ICalibrationData& data, const CalibrationOptions& options,
                                   const std::string& modelHash, const CalibrationProgress& progress) {
    KILN_ASSIGN_OR_RETURN(auto histograms, activationHistograms(engine, data, options.bins, progress));
    return calibrationTableOf(histograms, options, data.preprocessing(), modelHash, data.batchCount());
}

Status writeCalibrationCache(const std::string& path, const CalibrationTable& table) {
    std::ostringstream out;
    out << "kiln-calibration 1\n";
    out << "algorithm: " << toString(table.algorithm) << '\n';
    out << "preprocessing: " << table.preprocessing << '\n';
    out << "model: " << table.modelHash << '\n';
    out << "batches: " << table.batches << '\n';
    for (const auto& [name, scale] : table.scales) out << name << ": " << formatInt8Value(scale) << '\n';
    return writeFileAtomically(path, out.str());
}

Result<CalibrationTable> readCalibrationCache(const std::string& path) {
    constexpr uint64_t kLargestCache = uint64_t(256) << 20;  // a line per tensor
    KILN_ASSIGN_OR_RETURN(const std::string text, readRegularFile(path, "the calibration cache", kLargestCache));
    std::istringstream in(text);
    const std::string where = "the calibration cache '" + path + "'";
    std::string line;
    if (!std::getline(in, line) || line != "kiln-calibration 1") {
        return invalidModel(where + " is not a Kiln calibration cache (its first line is not 'kiln-calibration 1'); "
                                    "delete it or give another file");
    }
    CalibrationTable table;
    int lineNumber = 1;
    auto header = [&](const std::string& key, std::string& value) -> Status {
        ++lineNumber;
        if (!std::getline(in, line) || line.rfind(key + ": ", 0) != 0) {
            return invalidModel(where + " is truncated or damaged at line " + std::to_string(lineNumber) + ": expected '" +
                                key + ": ...'; delete it to calibrate again");
        }
        value = line.substr(key.size() + 2);
        return Status::ok();
    };
    std::string algorithm, batches;
    KILN_RETURN_IF_ERROR(header("algorithm", algorithm));
    KILN_ASSIGN_OR_RETURN(table.algorithm, calibrationAlgorithmFromString(algorithm).withContext(where));
    KILN_RETURN_IF_ERROR(header("preprocessing", table.preprocessing));
    KILN_RETURN_IF_ERROR(header("model", table.modelHash));
    KILN_RETURN_IF_ERROR(header("batches", batches));
    table.batches = std::atoi(batches.c_str());
    while (std::getline(in, line)) {
        ++lineNumber;
        const size_t colon = line.rfind(": ");
        char* end = nullptr;
        // Read in double, so that a scale beyond a float's range is told apart from one that is no number.
        const double scale = colon == std::string::npos ? 0.0 : std::strtod(line.c_str() + colon + 2, &end);
        if (colon == std::string::npos || colon == 0 || end != line.c_str() + line.size() || !(scale > 0.0) ||
            !std::isfinite(scale)) {
            return invalidModel(where + " is damaged at line " + std::to_string(lineNumber) + " ('" + line +
                                "'): expected 'tensor: scale' with a positive scale; delete it to calibrate again");
        }
        if (!(scale <= double(FLT_MAX)) || !isInt8Scale(float(scale))) {
            return invalidModel(where + " is damaged at line " + std::to_string(lineNumber) + " ('" + line +
                                "'): the scale is too " + (scale < double(FLT_MIN) ? "small" : "large") +
                                " (INT8 ranges, 127 x scale, go from " + int8RangeLimits() +
                                "); delete it to calibrate again");
        }
        table.scales[line.substr(0, colon)] = float(scale);
    }
    if (table.scales.empty()) {
        return invalidModel(where + " holds no scales (truncated?); delete it to calibrate again");
    }
    return table;
}

Result<std::string> modelFileHash(const std::string& path) {
    KILN_ASSIGN_OR_RETURN(const std::string bytes, readRegularFile(path, "the model", uint64_t(1) << 36));
    char text[20];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(fnv1a64(bytes)));
    return std::string(text);
}

std::string calibrationCacheMismatch(const CalibrationTable& table, CalibrationAlgorithm algorithm,
                                     const std::string& preprocessing, const std::string& modelHash) {
    if (table.modelHash != modelHash) return "it was made for another model (" + table.modelHash + ", not " + modelHash + ")";
    if (table.algorithm != algorithm) {
        return std::string("it was made with ") + toString(table.algorithm) + ", not " + toString(algorithm);
    }
    if (table.preprocessing != preprocessing) {
        return "it was made from other data or preprocessing ('" + table.preprocessing + "', not '" + preprocessing + "')";
    }
    return "";
}

}  // namespace kiln

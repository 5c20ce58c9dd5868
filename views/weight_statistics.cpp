// Two passes over the elements: range and mean first, then deviation and histogram, both of which need
// the mean and the range. Sums are kept in double, which stays exact to 1e-16 relative per addition, far
// below what the panel shows (six significant digits). See weight_statistics.h.
#include "weight_statistics.h"

#include <algorithm>
#include <cmath>

namespace kiln::views {

namespace {

// Checking the cancel flag costs an atomic load; doing it once per block keeps the loops tight.
constexpr int64_t kCancelCheckInterval = int64_t(1) << 16;

bool cancelled(const std::atomic<bool>* cancel) {
    return cancel && cancel->load(std::memory_order_relaxed);
}

template <typename ReadElement>
WeightStatistics summarize(int64_t count, int binCount, const std::atomic<bool>* cancel,
                           ReadElement&& read) {
    WeightStatistics stats;
    stats.count = count;
    double sum = 0.0;
    double minimum = 0.0;
    double maximum = 0.0;
    for (int64_t i = 0; i < count; ++i) {
        if (i % kCancelCheckInterval == 0 && cancelled(cancel)) return stats;
        const double value = read(i);
        if (!std::isfinite(value)) continue;
        if (stats.finiteCount == 0) {
            minimum = maximum = value;
        } else {
            minimum = std::min(minimum, value);
            maximum = std::max(maximum, value);
        }
        if (value == 0.0) ++stats.zeroCount;
        sum += value;
        ++stats.finiteCount;
    }
    if (stats.finiteCount == 0) return stats;
    stats.minimum = minimum;
    stats.maximum = maximum;
    stats.mean = sum / double(stats.finiteCount);

    const double range = maximum - minimum;
    const int bins = range > 0.0 ? std::max(binCount, 1) : 1;
    stats.histogram.assign(size_t(bins), 0);
    double squaredDeviations = 0.0;
    for (int64_t i = 0; i < count; ++i) {
        if (i % kCancelCheckInterval == 0 && cancelled(cancel)) return stats;
        const double value = read(i);
        if (!std::isfinite(value)) continue;
        const double deviation = value - stats.mean;
        squaredDeviations += deviation * deviation;
        int bin = 0;
        if (range > 0.0) bin = std::min(int((value - minimum) / range * bins), bins - 1);
        ++stats.histogram[size_t(bin)];
    }
    stats.standardDeviation = std::sqrt(squaredDeviations / double(stats.finiteCount));
    return stats;
}

}  // namespace

WeightStatistics computeWeightStatistics(const HostTensor& tensor, int binCount,
                                         const std::atomic<bool>* cancel) {
    const int64_t count = tensor.elementCount();
    // A tensor without bytes (a default HostTensor, or one whose size disagrees with its dims) has
    // nothing to read; summarizing it as empty is better than reading past its end.
    if (count <= 0 || !tensor.bytes() || tensor.byteSize() < size_t(count) * dataTypeSize(tensor.type())) {
        WeightStatistics empty;
        empty.count = std::max<int64_t>(count, 0);
        return empty;
    }
    switch (tensor.type()) {
        case DataType::Float32: {
            const float* data = tensor.data<float>();
            return summarize(count, binCount, cancel, [data](int64_t i) { return double(data[i]); });
        }
        case DataType::Float16: {
            const uint16_t* data = tensor.data<uint16_t>();
            return summarize(count, binCount, cancel, [data](int64_t i) { return double(halfToFloat(data[i])); });
        }
        case DataType::BFloat16: {
            const uint16_t* data = tensor.data<uint16_t>();
            return summarize(count, binCount, cancel, [data](int64_t i) { return double(bfloat16ToFloat(data[i])); });
        }
        case DataType::Int8: {
            const int8_t* data = tensor.data<int8_t>();
            return summarize(count, binCount, cancel, [data](int64_t i) { return double(data[i]); });
        }
        case DataType::Int32: {
            const int32_t* data = tensor.data<int32_t>();
            return summarize(count, binCount, cancel, [data](int64_t i) { return double(data[i]); });
        }
        case DataType::Int64: {
            // Values beyond 2^53 lose their last digits as doubles; statistics are approximate anyway.
            const int64_t* data = tensor.data<int64_t>();
            return summarize(count, binCount, cancel, [data](int64_t i) { return double(data[i]); });
        }
        case DataType::Bool: {
            const uint8_t* data = reinterpret_cast<const uint8_t*>(tensor.bytes());
            return summarize(count, binCount, cancel, [data](int64_t i) { return data[i] != 0 ? 1.0 : 0.0; });
        }
    }
    return WeightStatistics{};
}

}  // namespace kiln::views

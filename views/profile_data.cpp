// Statistics of profiled times; see profile_data.h.
#include "profile_data.h"

#include <QHash>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace kiln::views {

namespace {

constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

}  // namespace

double median(std::vector<double> values) {
    if (values.empty()) return kNoValue;
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

double mean(const std::vector<double>& values) {
    if (values.empty()) return kNoValue;
    return std::accumulate(values.begin(), values.end(), 0.0) / double(values.size());
}

double minimum(const std::vector<double>& values) {
    if (values.empty()) return kNoValue;
    return *std::min_element(values.begin(), values.end());
}

double maximum(const std::vector<double>& values) {
    if (values.empty()) return kNoValue;
    return *std::max_element(values.begin(), values.end());
}

double percentile(std::vector<double> values, double percent) {
    if (values.empty() || std::isnan(percent)) return kNoValue;
    std::sort(values.begin(), values.end());
    const double clamped = std::clamp(percent, 0.0, 100.0);
    const size_t rank = size_t(std::ceil(clamped / 100.0 * double(values.size())));
    return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

LatencyStatistics latencyStatistics(const std::vector<double>& milliseconds) {
    LatencyStatistics stats;
    stats.count = int(milliseconds.size());
    stats.minimum = minimum(milliseconds);
    stats.median = median(milliseconds);
    stats.mean = mean(milliseconds);
    stats.p90 = percentile(milliseconds, 90.0);
    stats.p99 = percentile(milliseconds, 99.0);
    stats.maximum = maximum(milliseconds);
    return stats;
}

LayerProfile summarizeLayerTimes(const QString& name, const std::vector<double>& millisecondsPerRun) {
    LayerProfile layer;
    layer.name = name;
    if (!millisecondsPerRun.empty()) {
        layer.milliseconds = median(millisecondsPerRun);
        layer.averageMilliseconds = mean(millisecondsPerRun);
    }
    return layer;
}

double totalLayerMilliseconds(const std::vector<LayerProfile>& layers) {
    double total = 0.0;
    for (const LayerProfile& layer : layers)
        total += layer.milliseconds;
    return total;
}

void assignPercentages(std::vector<LayerProfile>& layers) {
    const double total = totalLayerMilliseconds(layers);
    for (LayerProfile& layer : layers)
        layer.percent = total > 0.0 ? layer.milliseconds / total * 100.0 : 0.0;
}

std::vector<TypeBreakdown> breakdownByType(const std::vector<LayerProfile>& layers) {
    std::vector<TypeBreakdown> types;
    QHash<QString, size_t> index;
    for (const LayerProfile& layer : layers) {
        auto it = index.find(layer.type);
        if (it == index.end()) {
            it = index.insert(layer.type, types.size());
            types.push_back({layer.type, 0, 0.0, 0.0});
        }
        TypeBreakdown& type = types[*it];
        ++type.layerCount;
        type.milliseconds += layer.milliseconds;
    }
    const double total = totalLayerMilliseconds(layers);
    for (TypeBreakdown& type : types)
        type.percent = total > 0.0 ? type.milliseconds / total * 100.0 : 0.0;
    std::sort(types.begin(), types.end(), [](const TypeBreakdown& a, const TypeBreakdown& b) {
        if (a.milliseconds != b.milliseconds) return a.milliseconds > b.milliseconds;
        return a.type < b.type;
    });
    return types;
}

}  // namespace kiln::views

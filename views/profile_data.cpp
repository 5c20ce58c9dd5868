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

double minimum(const std::vector<double>& values) {
    if (values.empty()) return kNoValue;
    return *std::min_element(values.begin(), values.end());
}

double maximum(const std::vector<double>& values) {
    if (values.empty()) return kNoValue;
    return *std::max_element(values.begin(), values.end());
}

LatencyStatistics latencyStatistics(const std::vector<double>& milliseconds) {
    const TimeStatistics stats = timeStatistics(milliseconds, {90.0, 99.0});
    return {stats.count, stats.minimum, stats.median, stats.mean, stats.percentiles[0].second,
            stats.percentiles[1].second, stats.maximum};
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

LayerProfile layerProfileOf(const LayerTimeSummary& summary) {
    LayerProfile layer;
    layer.name = QString::fromStdString(summary.name);
    layer.milliseconds = summary.medianMs;
    layer.averageMilliseconds = summary.averageMs;
    layer.percent = summary.percentage;
    return layer;
}

std::string profileJsonOf(const ProfileResult& profile) {
    if (!profile.engineLayers.empty()) return kiln::profileJson(profile.engineLayers, profile.iterations);
    const double runs = profile.iterations > 0 ? double(profile.iterations) : 1.0;
    std::vector<LayerTimeSummary> layers;
    for (const LayerProfile& layer : profile.layers) {
        const double average = layer.averageMilliseconds >= 0.0 ? layer.averageMilliseconds : layer.milliseconds;
        layers.push_back({layer.name.toStdString(), average * runs, average, layer.milliseconds, layer.percent});
    }
    return kiln::profileJson(layers, profile.iterations);
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

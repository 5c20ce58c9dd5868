// The profiling toolkit; see kiln/profiling.h.
#include "kiln/profiling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>

#include "kiln/json_writer.h"

namespace kiln {

namespace {

constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

}  // namespace

void LayerTimeCollector::reportLayerTime(const std::string& layerName, float milliseconds) {
    const auto [it, inserted] = m_index.emplace(layerName, m_layers.size());
    if (inserted) m_layers.push_back({layerName, {}});
    m_layers[it->second].milliseconds.push_back(milliseconds);
}

void LayerTimeCollector::clear() {
    m_index.clear();
    m_layers.clear();
}

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

double percentile(std::vector<double> values, double percent) {
    if (values.empty() || std::isnan(percent)) return kNoValue;
    std::sort(values.begin(), values.end());
    const double clamped = std::clamp(percent, 0.0, 100.0);
    const size_t rank = size_t(std::ceil(clamped / 100.0 * double(values.size())));
    return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

TimeStatistics timeStatistics(const std::vector<double>& milliseconds, const std::vector<double>& percents) {
    TimeStatistics stats;
    stats.count = int(milliseconds.size());
    const bool empty = milliseconds.empty();
    stats.minimum = empty ? kNoValue : *std::min_element(milliseconds.begin(), milliseconds.end());
    stats.maximum = empty ? kNoValue : *std::max_element(milliseconds.begin(), milliseconds.end());
    stats.mean = mean(milliseconds);
    stats.median = median(milliseconds);
    for (double percent : percents) stats.percentiles.emplace_back(percent, percentile(milliseconds, percent));
    return stats;
}

std::vector<double> windowAverages(const std::vector<double>& values, int window) {
    std::vector<double> averages;
    if (window < 1 || values.empty()) return averages;
    const size_t size = size_t(window);
    for (size_t first = 0; first + size <= values.size(); first += size) {
        averages.push_back(std::accumulate(values.begin() + long(first), values.begin() + long(first + size), 0.0) /
                           double(size));
    }
    if (averages.empty()) averages.push_back(mean(values));
    return averages;
}

std::vector<LayerTimeSummary> summarizeLayerTimes(const LayerTimeCollector& collector, int runs) {
    std::vector<LayerTimeSummary> layers;
    double total = 0.0;
    for (const LayerTimeCollector::Layer& layer : collector.layers()) {
        LayerTimeSummary summary;
        summary.name = layer.name;
        for (double ms : layer.milliseconds) summary.totalMs += ms;
        const int count = std::max(1, std::min(runs, int(layer.milliseconds.size())));
        summary.averageMs = summary.totalMs / count;
        summary.medianMs = layer.milliseconds.empty() ? 0.0 : median(layer.milliseconds);
        total += summary.totalMs;
        layers.push_back(std::move(summary));
    }
    for (LayerTimeSummary& layer : layers) layer.percentage = total > 0.0 ? layer.totalMs / total * 100.0 : 0.0;
    return layers;
}

std::string profileJson(const std::vector<LayerTimeSummary>& layers, int runs) {
    std::ostringstream text;
    JsonWriter json(text);
    json.beginArray();
    json.beginObject();
    json.key("count");
    json.value(runs);
    json.endObject();
    for (const LayerTimeSummary& layer : layers) {
        json.beginObject();
        json.key("name");
        json.value(layer.name);
        json.key("timeMs");
        json.value(layer.totalMs);
        json.key("averageMs");
        json.value(layer.averageMs);
        json.key("medianMs");
        json.value(layer.medianMs);
        json.key("percentage");
        json.value(layer.percentage);
        json.endObject();
    }
    json.endArray();  // ends the document with a newline
    return text.str();
}

std::string timesJson(const std::vector<RunTimes>& runs) {
    std::ostringstream text;
    JsonWriter json(text);
    json.beginArray();
    for (const RunTimes& run : runs) {
        json.beginObject();
        const std::pair<const char*, double> fields[] = {
            {"startHtoDMs", run.startMs},          {"endHtoDMs", run.startMs},
            {"startComputeMs", run.computeStartMs}, {"endComputeMs", run.computeEndMs},
            {"startDtoHMs", run.endMs},            {"endDtoHMs", run.endMs},
            {"latencyMs", run.latencyMs()},        {"computeMs", run.computeMs()},
            {"h2dMs", 0.0},                        {"d2hMs", 0.0}};
        for (const auto& [name, value] : fields) {
            json.key(name);
            json.value(value);
        }
        json.endObject();
    }
    json.endArray();  // ends the document with a newline
    return text.str();
}

HostTensor randomInput(const Binding& input, std::mt19937& generator, float amplitude) {
    HostTensor tensor(input.type, input.dims);
    std::uniform_real_distribution<float> distribution(-amplitude, amplitude);
    const int64_t count = tensor.elementCount();
    if (input.type == DataType::Float32) {
        float* data = tensor.data<float>();
        for (int64_t i = 0; i < count; ++i) data[i] = distribution(generator);
    } else if (input.type == DataType::Float16) {
        uint16_t* data = tensor.data<uint16_t>();
        for (int64_t i = 0; i < count; ++i) data[i] = floatToHalf(distribution(generator));
    }
    return tensor;
}

TensorMap randomInputs(const std::vector<Binding>& bindings, uint32_t seed, float amplitude) {
    std::mt19937 generator(seed);
    TensorMap inputs;
    for (const Binding& binding : bindings) {
        if (binding.isInput && !binding.isShapeTensor) inputs.emplace(binding.name, randomInput(binding, generator, amplitude));
    }
    return inputs;
}

}  // namespace kiln

// Two engines' layers matched through provenance (kiln/engine_comparison.h).
#include "kiln/engine_comparison.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <numeric>
#include <sstream>

#include "kiln/json_writer.h"
#include "kiln/profiling.h"

namespace kiln {

namespace {

class DisjointSets {
public:
    explicit DisjointSets(size_t size) : m_parent(size) { std::iota(m_parent.begin(), m_parent.end(), size_t(0)); }
    size_t find(size_t x) {
        while (m_parent[x] != x) x = m_parent[x] = m_parent[m_parent[x]];
        return x;
    }
    void join(size_t x, size_t y) {
        x = find(x);
        y = find(y);
        if (x != y) m_parent[std::max(x, y)] = std::min(x, y);
    }

private:
    std::vector<size_t> m_parent;
};

void addDistinct(std::string& joined, const std::string& item) {
    if (item.empty()) return;
    std::string separated = ", " + joined + ", ";
    if (separated.find(", " + item + ", ") != std::string::npos) return;
    joined += (joined.empty() ? "" : ", ") + item;
}

EngineSummary summarize(const Engine& engine, double latency) {
    EngineSummary summary;
    for (const auto& layer : engine.network().layers()) {
        (layer->isElided() ? summary.elidedLayers : summary.executedLayers) += 1;
    }
    summary.arenaBytes = engine.memoryPlan().arenaBytes;
    summary.weightBytes = engine.weightBytes();
    summary.latencyMs = latency;
    return summary;
}

std::string csvField(const std::string& text) {
    if (text.find_first_of(",\"\n") == std::string::npos) return text;
    std::string quoted = "\"";
    for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

std::string joinedNames(const std::vector<std::string>& names, const char* separator) {
    std::string text;
    for (const std::string& name : names) text += (text.empty() ? "" : separator) + name;
    return text;
}

}  // namespace

EngineComparison compareEngines(const Engine& a, const Engine& b, const LayerTimes& timesA, const LayerTimes& timesB,
                                double latencyA, double latencyB) {
    const auto& layersA = a.network().layers();
    const auto& layersB = b.network().layers();
    const size_t countA = layersA.size();
    const size_t count = countA + layersB.size();
    auto layerAt = [&](size_t i) -> const Layer& { return i < countA ? *layersA[i] : *layersB[i - countA]; };

    // Layers and nodes in one set each; a layer joins the nodes it came from.
    std::map<std::string, size_t> nodeIds;
    for (size_t i = 0; i < count; ++i) {
        for (const std::string& node : layerAt(i).provenance()) nodeIds.emplace(node, count + nodeIds.size());
    }
    DisjointSets sets(count + nodeIds.size());
    for (size_t i = 0; i < count; ++i) {
        for (const std::string& node : layerAt(i).provenance()) sets.join(i, nodeIds.at(node));
    }

    std::map<std::string, const LayerRecord*> recordsA;
    std::map<std::string, const LayerRecord*> recordsB;
    for (const LayerRecord& record : a.report().layersAfter) recordsA[record.name] = &record;
    for (const LayerRecord& record : b.report().layersAfter) recordsB[record.name] = &record;

    EngineComparison comparison{summarize(a, latencyA), summarize(b, latencyB), {}};
    std::map<size_t, size_t> groupOf;  // set root -> index in comparison.groups
    for (size_t i = 0; i < count; ++i) {  // A's layers first: groups come in A's order
        const size_t root = sets.find(i);
        auto [found, added] = groupOf.emplace(root, comparison.groups.size());
        if (added) comparison.groups.emplace_back();
        LayerGroupComparison& group = comparison.groups[found->second];
        const Layer& layer = layerAt(i);
        const bool inA = i < countA;
        (inA ? group.layersA : group.layersB).push_back(layer.name());
        for (const std::string& node : layer.provenance()) {
            if (std::find(group.nodes.begin(), group.nodes.end(), node) == group.nodes.end()) group.nodes.push_back(node);
        }
        if (layer.isElided()) continue;
        const LayerTimes& times = inA ? timesA : timesB;
        if (auto time = times.find(layer.name()); time != times.end()) {
            (inA ? group.millisecondsA : group.millisecondsB) += time->second;
        }
        const auto& records = inA ? recordsA : recordsB;
        if (auto record = records.find(layer.name()); record != records.end()) {
            addDistinct(inA ? group.precisionA : group.precisionB, record->second->precision);
            addDistinct(inA ? group.tacticA : group.tacticB, record->second->tactic);
            for (const std::string& format : record->second->outputFormats) addDistinct(inA ? group.formatA : group.formatB, format);
        }
    }
    return comparison;
}

Result<std::vector<SideProfile>> profileSideBySide(const std::vector<ExecutionContext*>& contexts,
                                                   const std::vector<TensorMap>& inputs, int runs, int roundRuns,
                                                   const std::function<bool(int, int)>& progress, size_t* failed) {
    if (contexts.size() != inputs.size()) return invalidArgument("one set of inputs is needed per engine");
    if (runs < 1) return invalidArgument("the number of profiled runs must be at least 1");
    roundRuns = std::max(1, roundRuns);
    std::vector<LayerTimeCollector> collectors(contexts.size());
    std::vector<SideProfile> profiles(contexts.size());
    const int total = runs * int(contexts.size());
    int done = 0;
    for (int first = 0; first < runs; first += roundRuns) {
        const int last = std::min(runs, first + roundRuns);
        for (size_t i = 0; i < contexts.size(); ++i) {
            contexts[i]->setProfiler(&collectors[i]);
            for (int run = first; run < last; ++run) {
                const auto start = std::chrono::steady_clock::now();
                Result<TensorMap> outputs = contexts[i]->execute(inputs[i]);
                const auto stop = std::chrono::steady_clock::now();
                if (!outputs) {
                    contexts[i]->setProfiler(nullptr);
                    if (failed) *failed = i;
                    return outputs.status();
                }
                profiles[i].latenciesMs.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
                if (progress && !progress(++done, total)) {
                    contexts[i]->setProfiler(nullptr);
                    return cancelled("the profile was cancelled");
                }
            }
            contexts[i]->setProfiler(nullptr);
        }
    }
    for (size_t i = 0; i < contexts.size(); ++i) {
        for (const LayerTimeSummary& layer : summarizeLayerTimes(collectors[i], runs)) {
            profiles[i].layerTimes[layer.name] = layer.medianMs;
        }
    }
    return profiles;
}

std::string comparisonCsv(const EngineComparison& comparison) {
    std::ostringstream out;
    out << "layers_a,layers_b,ms_a,ms_b,b_over_a,precision_a,precision_b,tactic_a,tactic_b,format_a,format_b,nodes\n";
    for (const LayerGroupComparison& g : comparison.groups) {
        out << csvField(joinedNames(g.layersA, " | ")) << ',' << csvField(joinedNames(g.layersB, " | ")) << ','
            << g.millisecondsA << ',' << g.millisecondsB << ',';
        if (g.millisecondsA > 0.0) out << g.millisecondsB / g.millisecondsA;
        out << ',' << csvField(g.precisionA) << ',' << csvField(g.precisionB) << ',' << csvField(g.tacticA) << ','
            << csvField(g.tacticB) << ',' << csvField(g.formatA) << ',' << csvField(g.formatB) << ','
            << csvField(joinedNames(g.nodes, " | ")) << '\n';
    }
    return out.str();
}

std::string comparisonJson(const EngineComparison& comparison) {
    std::ostringstream out;
    JsonWriter json(out);
    auto summary = [&](const char* key, const EngineSummary& s) {
        json.key(key);
        json.beginObject();
        json.key("ExecutedLayers");
        json.value(s.executedLayers);
        json.key("ElidedLayers");
        json.value(s.elidedLayers);
        json.key("ArenaBytes");
        json.value(s.arenaBytes);
        json.key("WeightBytes");
        json.value(s.weightBytes);
        json.key("LatencyMs");
        json.value(s.latencyMs);
        json.endObject();
    };
    json.beginObject();
    summary("A", comparison.a);
    summary("B", comparison.b);
    json.key("Groups");
    json.beginArray();
    for (const LayerGroupComparison& g : comparison.groups) {
        json.beginObject();
        json.key("LayersA");
        json.stringArray(g.layersA);
        json.key("LayersB");
        json.stringArray(g.layersB);
        json.key("Nodes");
        json.stringArray(g.nodes);
        json.key("MillisecondsA");
        json.value(g.millisecondsA);
        json.key("MillisecondsB");
        json.value(g.millisecondsB);
        json.key("PrecisionA");
        json.value(g.precisionA);
        json.key("PrecisionB");
        json.value(g.precisionB);
        json.key("TacticA");
        json.value(g.tacticA);
        json.key("TacticB");
        json.value(g.tacticB);
        json.key("FormatA");
        json.value(g.formatA);
        json.key("FormatB");
        json.value(g.formatB);
        json.endObject();
    }
    json.endArray();
    json.endObject();
    return out.str();
}

}  // namespace kiln

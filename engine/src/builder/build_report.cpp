// Build report: layer records of a network and the JSON form of the report.
#include "kiln/build_report.h"

#include <algorithm>

#include <sstream>

#include "kiln/json_writer.h"
#include "kiln/network.h"

namespace kiln {

double LayerRecord::chosenMilliseconds() const {
    for (const TacticCandidate& candidate : candidates) {
        if (candidate.chosen) return candidate.milliseconds;
    }
    return -1.0;
}

std::vector<LayerRecord> describeLayers(const NetworkDefinition& network) {
    std::vector<LayerRecord> records;
    for (const auto& layer : network.layers()) {
        LayerRecord record;
        record.name = layer->name();
        record.kind = toString(layer->kind());
        record.parameters = describeLayer(*layer);
        record.provenance = layer->provenance();
        for (const Tensor* input : layer->inputs()) record.inputs.push_back(input ? input->name() : std::string());
        for (const Tensor* output : layer->outputs()) {
            record.outputs.push_back(output->name());
            record.outputDims.push_back(toString(output->dims()));
            record.outputFormats.push_back(toString(output->format(), output->dims().size()));
            record.outputOffsets.push_back(-1);
        }
        record.precision = toString(storageType(layer->output(0)->type(), layer->output(0)->format()));
        record.elided = layer->isElided();
        records.push_back(std::move(record));
    }
    return records;
}

namespace {

void writeLayers(JsonWriter& json, const std::vector<LayerRecord>& layers) {
    json.beginArray();
    for (const LayerRecord& layer : layers) {
        json.beginObject();
        json.key("name");
        json.value(layer.name);
        json.key("kind");
        json.value(layer.kind);
        json.key("parameters");
        json.value(layer.parameters);
        json.key("provenance");
        json.stringArray(layer.provenance);
        json.key("inputs");
        json.stringArray(layer.inputs);
        json.key("outputs");
        json.stringArray(layer.outputs);
        json.key("outputDims");
        json.stringArray(layer.outputDims);
        json.key("precision");
        json.value(layer.precision);
        json.key("tactic");
        json.value(layer.tactic);
        json.key("outputOffsets");
        json.intArray(layer.outputOffsets);
        json.key("elided");
        json.value(layer.elided);
        json.key("outputFormats");
        json.stringArray(layer.outputFormats);
        if (!layer.candidates.empty()) {
            json.key("timingFromCache");
            json.value(layer.timingFromCache);
            json.key("timingReused");
            json.value(layer.timingReused);
            if (layer.timingBatch > 0) {
                json.key("timingBatch");
                json.value(layer.timingBatch);
            }
            json.key("candidates");
            json.beginArray();
            for (const TacticCandidate& candidate : layer.candidates) {
                json.beginObject();
                json.key("tactic");
                json.value(candidate.tactic);
                json.key("library");
                json.value(candidate.library);
                if (candidate.milliseconds >= 0.0) {
                    json.key("milliseconds");
                    json.value(candidate.milliseconds);
                } else {
                    json.key("skipped");
                    json.value(candidate.skipReason);
                }
                if (candidate.networkMilliseconds >= 0.0) {
                    json.key("networkMilliseconds");
                    json.value(candidate.networkMilliseconds);
                }
                json.key("chosen");
                json.value(candidate.chosen);
                json.endObject();
            }
            json.endArray();
        }
        json.endObject();
    }
    json.endArray();
}

}  // namespace

int BuildReport::executedLayerCount() const {
    return int(std::count_if(layersAfter.begin(), layersAfter.end(), [](const LayerRecord& r) { return !r.elided; }));
}

int BuildReport::simulatedLayerCount() const {
    return int(std::count_if(layersAfter.begin(), layersAfter.end(), [](const LayerRecord& r) {
        return !r.elided && (r.tactic.rfind("simfp16:", 0) == 0 || r.tactic.rfind("simbf16:", 0) == 0 ||
                             r.tactic.rfind("simint8:", 0) == 0);
    }));
}

std::string BuildReport::toJson() const {
    std::ostringstream out;
    JsonWriter json(out);
    json.beginObject();
    json.key("passes");
    json.beginArray();
    for (const PassChange& change : changes) {
        json.beginObject();
        json.key("pass");
        json.value(change.pass);
        json.key("description");
        json.value(change.description);
        json.key("layers");
        json.stringArray(change.layers);
        json.endObject();
    }
    json.endArray();
    json.key("memory");
    json.beginObject();
    json.key("arenaBytes");
    json.value(arenaBytes);
    json.key("activationBytes");
    json.value(activationBytes);
    json.endObject();
    json.key("phases");
    json.beginArray();
    for (const PhaseTime& phase : phases) {
        json.beginObject();
        json.key("phase");
        json.value(phase.phase);
        json.key("milliseconds");
        json.value(phase.milliseconds);
        json.endObject();
    }
    json.endArray();
    json.key("timing");
    json.beginObject();
    json.key("milliseconds");
    json.value(timingMilliseconds);
    json.key("cacheHits");
    json.value(int64_t(timingCacheHits));
    json.key("cacheMisses");
    json.value(int64_t(timingCacheMisses));
    json.key("reuses");
    json.value(int64_t(timingReuses));
    json.key("network");
    json.beginObject();
    json.key("layers");
    json.value(int64_t(networkTimedLayers));
    json.key("changed");
    json.value(int64_t(networkChangedLayers));
    json.key("rounds");
    json.value(int64_t(networkTimingRounds));
    json.key("milliseconds");
    json.value(networkTimingMilliseconds);
    json.key("fromCache");
    json.value(networkTimingFromCache);
    json.key("mixedMilliseconds");
    json.value(networkMixedMilliseconds);
    json.key("aloneMilliseconds");
    json.value(networkAloneMilliseconds);
    if (!networkTimingSkipped.empty()) {
        json.key("skipped");
        json.value(networkTimingSkipped);
    }
    json.endObject();
    json.endObject();
    json.key("threads");
    json.value(int64_t(threads));
    json.key("warnings");
    json.stringArray(warnings);
    json.key("layersBefore");
    writeLayers(json, layersBefore);
    json.key("layersAfter");
    writeLayers(json, layersAfter);
    json.endObject();
    out << '\n';
    return out.str();
}

}  // namespace kiln

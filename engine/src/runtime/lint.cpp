// Lint hints on a built engine (kiln/lint.h).
#include "kiln/lint.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <optional>
#include <unordered_map>
#include <sstream>

#include "kiln/json_writer.h"
#include "kiln/message.h"

namespace kiln {

namespace {

constexpr double kReformatShareInfo = 0.05;
constexpr double kReformatShareWarning = 0.15;
constexpr double kPaddingShare = 0.10;
constexpr double kRooflineShare = 0.03;
constexpr double kRooflineFactor = 8.0;
constexpr double kRooflineMinMs = 0.05;  // below this a layer's time is mostly the cost of running any layer
constexpr int64_t kTensorCoreChannels = 8;

std::string percent(double share) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.1f %%", share * 100.0);
    return text;
}

std::string milliseconds(double ms) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.3f ms", ms);
    return text;
}

std::string listed(const std::vector<std::string>& names) {
    return listedNames(names, 6);
}

double layerFlops(const Layer& layer) {
    auto outputVolume = [&] {
        double total = 0.0;
        for (const Tensor* output : layer.outputs()) total += output ? double(volume(output->dims())) : 0.0;
        return total;
    };
    switch (layer.kind()) {
        case LayerKind::Convolution: {
            const Dims& w = layer.input(1)->dims();
            return w.empty() || w[0] == 0 ? 0.0 : 2.0 * outputVolume() * double(volume(w) / w[0]);
        }
        case LayerKind::Deconvolution: {
            const Dims& w = layer.input(1)->dims();
            return w.empty() || w[0] == 0 ? 0.0 : 2.0 * double(volume(layer.input(0)->dims())) * double(volume(w) / w[0]);
        }
        case LayerKind::MatMul: {
            const Dims& a = layer.input(0)->dims();
            return a.empty() ? 0.0 : 2.0 * outputVolume() * double(a.back());
        }
        case LayerKind::Gemm: {
            const Dims& a = layer.input(0)->dims();
            if (a.size() != 2) return 0.0;
            return 2.0 * outputVolume() * double(layer.paramsAs<GemmParams>().transA ? a[0] : a[1]);
        }
        default:
            return 0.0;
    }
}

double layerBytes(const Layer& layer) {
    double bytes = 0.0;
    for (const Tensor* input : layer.inputs()) bytes += input ? double(std::max<int64_t>(input->storageBytes(), 0)) : 0.0;
    for (const Tensor* output : layer.outputs()) bytes += output ? double(std::max<int64_t>(output->storageBytes(), 0)) : 0.0;
    return bytes;
}

// The channel block of a blocked layout name ("NCHW16c" -> 16), or 0.
int64_t channelBlock(const std::string& format) {
    const size_t end = format.size();
    if (end < 2 || format[end - 1] != 'c') return 0;
    size_t begin = end - 1;
    while (begin > 0 && std::isdigit(static_cast<unsigned char>(format[begin - 1]))) --begin;
    return begin == end - 1 ? 0 : std::stoll(format.substr(begin, end - 1 - begin));
}

// The wording of the hints both sources of layers give (an engine's network, or records alone).
constexpr const char* kReformatAdvice =
    "layers that want different layouts meet here (a channel-blocked convolution next to a "
    "layer that runs linear tensors only): the build report's format assignment lists each "
    "reformat and the reader it serves; keeping such layers together, or a layout both take, "
    "avoids them";

LintHint reformatTimeHint(std::vector<std::string> reformats, double reformatMs, double share,
                          const std::string& advice = kReformatAdvice) {
    return {"reformat-time", share >= kReformatShareWarning ? HintSeverity::Warning : HintSeverity::Info,
            std::to_string(reformats.size()) + " Reformat layers take " + milliseconds(reformatMs) + ", " +
                percent(share) + " of the layers' time",
            advice, std::move(reformats)};
}

LintHint unfusedActivationHint(const std::string& activation, const std::string& producerKind,
                               const std::string& producer, const std::string& why) {
    return {"unfused-activation", HintSeverity::Info,
            activation + " runs as a layer of its own after " + producerKind + " " + producer + ": " + why,
            "an activation whose input nothing else reads is applied as the " + producerKind +
                " writes its output (one pass over the data instead of two); give the other readers the "
                "activation's output, or the activation its own copy of the input",
            {activation, producer}};
}

// The size of the inputs and the time are left out of the message where not known.
LintHint copyingConcatHint(const std::string& concat, size_t inputCount, std::optional<double> bytes, double ms) {
    std::string size;
    if (bytes) {
        std::ostringstream text;
        text.precision(3);
        text << *bytes / (1 << 20);
        size = " (" + text.str() + " MiB)";
    }
    return {"copying-concat", HintSeverity::Info,
            concat + " copies its " + std::to_string(inputCount) + " inputs" + size +
                " instead of having them written in place" + (ms > 0.0 ? ", " + milliseconds(ms) : std::string()),
            "a concat is free when each input's producer can write into its slice: inputs that are "
            "network inputs or constants, read by another concat, already views of other tensors, or "
            "channel ranges that are not contiguous in the layout (channels-last) make it copy",
            {concat}};
}

// `unaligned` describes each convolution ("conv1 (3 -> 32)"), `names` names them.
LintHint tensorCoreHint(const std::vector<std::string>& unaligned, std::vector<std::string> names) {
    return {"channel-padding", HintSeverity::Info,
            std::to_string(unaligned.size()) +
                (unaligned.size() == 1 ? " reduced-precision convolution has" : " reduced-precision convolutions have") +
                " input or output channels that are no multiple of 8, which tensor-core kernels need: " +
                listed(unaligned),
            "pad the channels to multiples of 8 (zero weights), or keep these layers in FP32", std::move(names)};
}

bool misalignedForTensorCores(int64_t inputChannels, int64_t outputChannels) {
    return inputChannels % kTensorCoreChannels != 0 || outputChannels % kTensorCoreChannels != 0;
}

void sortWarningsFirst(std::vector<LintHint>& hints) {
    std::stable_sort(hints.begin(), hints.end(), [](const LintHint& a, const LintHint& b) {
        return a.severity == HintSeverity::Warning && b.severity != HintSeverity::Warning;
    });
}

struct Timed {
    const Layer* layer = nullptr;
    const LayerRecord* record = nullptr;
    double ms = -1.0;
};

}  // namespace

const char* toString(HintSeverity severity) { return severity == HintSeverity::Warning ? "warning" : "info"; }

std::vector<LintHint> lintEngine(const Engine& engine) {
    const NetworkDefinition& network = engine.network();
    std::map<std::string, const LayerRecord*> records;
    for (const LayerRecord& record : engine.report().layersAfter) records[record.name] = &record;
    std::vector<Timed> layers;
    double total = 0.0;
    for (const auto& layer : network.layers()) {
        if (layer->isElided()) continue;
        const auto found = records.find(layer->name());
        Timed timed{layer.get(), found == records.end() ? nullptr : found->second, -1.0};
        if (timed.record) timed.ms = timed.record->chosenMilliseconds();
        if (timed.ms > 0.0) total += timed.ms;
        layers.push_back(timed);
    }
    std::vector<LintHint> hints;

    // Reference kernels.
    std::vector<std::string> reference;
    for (const Timed& t : layers) {
        if (t.record && t.record->tactic.rfind("reference:", 0) == 0) {
            reference.push_back(t.layer->name() + " (" + toString(t.layer->kind()) + ")");
        }
    }
    if (!reference.empty()) {
        LintHint hint{"reference-kernel", HintSeverity::Warning,
                      std::to_string(reference.size()) + (reference.size() == 1 ? " layer runs" : " layers run") +
                          " on the reference kernels, plain loops kept as the oracle and a last resort: " +
                          listed(reference),
                      "no fast tactic of this build takes these layers' configuration (kind, layout, precision): "
                      "`kiln build --verbose` says why each one was skipped; another precision or layout, or a "
                      "model rewritten around the layer, may avoid it",
                      {}};
        for (const Timed& t : layers) {
            if (t.record && t.record->tactic.rfind("reference:", 0) == 0) hint.layers.push_back(t.layer->name());
        }
        hints.push_back(std::move(hint));
    }

    // Reformats' share of the time.
    if (total > 0.0) {
        double reformatMs = 0.0;
        std::vector<std::string> reformats;
        for (const Timed& t : layers) {
            if (t.layer->kind() != LayerKind::Reformat) continue;
            reformats.push_back(t.layer->name());
            reformatMs += std::max(t.ms, 0.0);
        }
        const double share = reformatMs / total;
        if (share >= kReformatShareInfo) hints.push_back(reformatTimeHint(std::move(reformats), reformatMs, share));
    }

    // Activations left after a convolution, Gemm or MatMul.
    for (const Timed& t : layers) {
        if (t.layer->kind() != LayerKind::Activation) continue;
        const Tensor* input = t.layer->input(0);
        const Layer* producer = input ? input->producer() : nullptr;
        if (!producer) continue;
        const LayerKind kind = producer->kind();
        if (kind != LayerKind::Convolution && kind != LayerKind::Gemm && kind != LayerKind::MatMul) continue;
        std::vector<std::string> others;
        for (const Layer* reader : network.consumersOf(input)) {
            if (reader != t.layer) others.push_back(reader->name());
        }
        const std::string why = input->isNetworkOutput() ? "its input is a network output, which must keep its value"
                                : !others.empty()        ? "its input is also read by " + listed(others)
                                                         : "the producer's fused form was not taken (precision or tactic)";
        hints.push_back(unfusedActivationHint(t.layer->name(), toString(kind), producer->name(), why));
    }

    // Concats that copy.
    for (const Timed& t : layers) {
        if (t.layer->kind() != LayerKind::Concat) continue;
        double bytes = 0.0;
        for (const Tensor* input : t.layer->inputs()) bytes += input ? double(input->storageBytes()) : 0.0;
        hints.push_back(copyingConcatHint(t.layer->name(), t.layer->inputs().size(), bytes, t.ms));
    }

    // Channel padding.
    std::vector<std::string> padded;
    std::vector<std::string> paddedNames;
    std::vector<std::string> unaligned;
    std::vector<std::string> unalignedNames;
    for (const Timed& t : layers) {
        if (!t.record) continue;
        for (size_t i = 0; i < t.layer->outputs().size() && i < t.record->outputFormats.size(); ++i) {
            const Tensor* output = t.layer->output(i);
            const int64_t block = channelBlock(t.record->outputFormats[i]);
            if (!output || block <= 0 || output->dims().size() < 2) continue;
            const int64_t channels = output->dims()[1];
            const int64_t rounded = (channels + block - 1) / block * block;
            if (rounded > 0 && double(rounded - channels) / double(rounded) >= kPaddingShare) {
                padded.push_back(t.layer->name() + " (" + std::to_string(channels) + " -> " + std::to_string(rounded) + ")");
                paddedNames.push_back(t.layer->name());
                break;
            }
        }
        const bool reduced = t.record->precision == "FP16" || t.record->precision == "INT8";
        if (engine.backend() == "cuda" && reduced && t.layer->kind() == LayerKind::Convolution) {
            const int64_t in = t.layer->input(0)->dims().size() > 1 ? t.layer->input(0)->dims()[1] : 0;
            const int64_t out = t.layer->output(0)->dims().size() > 1 ? t.layer->output(0)->dims()[1] : 0;
            const int64_t groups = t.layer->paramsAs<ConvolutionParams>().groups;
            if (groups == 1 && misalignedForTensorCores(in, out)) {
                unaligned.push_back(t.layer->name() + " (" + std::to_string(in) + " -> " + std::to_string(out) + ")");
                unalignedNames.push_back(t.layer->name());
            }
        }
    }
    if (!padded.empty()) {
        hints.push_back({"channel-padding", HintSeverity::Info,
                         std::to_string(padded.size()) +
                             (padded.size() == 1 ? " layer writes a channel-blocked tensor whose channel count is"
                                                 : " layers write channel-blocked tensors whose channel count is") +
                             " no multiple of the block, so at least " + percent(kPaddingShare) +
                             " of each is padding the kernels compute and move: " + listed(padded),
                         "channel counts that are multiples of the vector width (16 on AVX-512, 8 on AVX2) fill every "
                         "block; where the model is yours to change, round them up",
                         paddedNames});
    }
    if (!unaligned.empty()) hints.push_back(tensorCoreHint(unaligned, unalignedNames));

    // Below the roofline.
    double peakFlopRate = 0.0;
    double peakByteRate = 0.0;
    // A Winograd or FFT convolution computes fewer products than its direct FLOP count: it would set a
    // peak no direct kernel reaches, and its own rate says nothing.
    auto transformed = [](const Timed& t) {
        return t.record && (t.record->tactic.find("wino") != std::string::npos || t.record->tactic.find("fft") != std::string::npos);
    };
    for (const Timed& t : layers) {
        if (t.ms <= 0.0) continue;
        if (!transformed(t)) peakFlopRate = std::max(peakFlopRate, layerFlops(*t.layer) / t.ms);
        peakByteRate = std::max(peakByteRate, layerBytes(*t.layer) / t.ms);
    }
    if (total > 0.0 && peakFlopRate > 0.0 && peakByteRate > 0.0) {
        for (const Timed& t : layers) {
            const double flops = layerFlops(*t.layer);
            if (flops <= 0.0 || t.ms < kRooflineMinMs || t.ms / total < kRooflineShare || transformed(t)) continue;
            const double bound = std::max(flops / peakFlopRate, layerBytes(*t.layer) / peakByteRate);
            if (t.ms <= kRooflineFactor * bound) continue;
            char rate[64];
            std::snprintf(rate, sizeof(rate), "%.1f GFLOP/s against %.1f", flops / t.ms / 1e6, peakFlopRate / 1e6);
            hints.push_back({"below-roofline", HintSeverity::Warning,
                             t.layer->name() + " (" + toString(t.layer->kind()) + ", " + t.record->tactic + ") takes " +
                                 milliseconds(t.ms) + ", " + percent(t.ms / total) + " of the time, " +
                                 std::to_string(int(t.ms / bound)) + "x its roofline estimate (" + rate +
                                 " for the fastest layer of this engine)",
                             "its tactic runs far below what this machine does for the other layers: `kiln build "
                             "--verbose` lists the candidates it was chosen from; a layout, precision or shape (channel "
                             "counts, groups) that a faster kernel takes may help",
                             {t.layer->name()}});
        }
    }

    sortWarningsFirst(hints);
    return hints;
}

namespace {

bool kindIsOneOf(const std::string& kind, std::initializer_list<const char*> names) {
    return std::any_of(names.begin(), names.end(), [&](const char* name) { return kind == name; });
}

// The second extent of "1x32x112x112" (the channels), or -1 when there is none.
int64_t channelsOf(const std::string& dims) {
    const size_t first = dims.find('x');
    if (first == std::string::npos) return -1;
    const size_t second = dims.find('x', first + 1);
    const std::string extent = dims.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
    if (extent.empty() || !std::all_of(extent.begin(), extent.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
        return -1;
    return std::stoll(extent);
}

}  // namespace

std::vector<LintHint> lintRecordedLayers(const std::vector<RecordedLayer>& layers, bool tensorCores) {
    std::unordered_map<std::string, size_t> producers;
    std::unordered_map<std::string, std::vector<size_t>> readers;
    double total = 0.0;
    for (size_t i = 0; i < layers.size(); ++i) {
        const LayerRecord& record = layers[i].record;
        for (const std::string& output : record.outputs) producers.emplace(output, i);
        for (const std::string& input : record.inputs) readers[input].push_back(i);
        if (!record.elided && layers[i].milliseconds > 0.0) total += layers[i].milliseconds;
    }
    std::vector<LintHint> hints;

    // Reformats' share of the time.
    if (total > 0.0) {
        double reformatMs = 0.0;
        std::vector<std::string> reformats;
        for (const RecordedLayer& layer : layers) {
            if (layer.record.elided || layer.record.kind != "Reformat") continue;
            reformats.push_back(layer.record.name);
            reformatMs += std::max(layer.milliseconds, 0.0);
        }
        const double share = reformatMs / total;
        // No build report stands behind records alone: each reformat's own formats tell.
        if (share >= kReformatShareInfo) {
            hints.push_back(reformatTimeHint(
                std::move(reformats), reformatMs, share,
                "layers that want different formats or precisions meet here: each reformat's input and output "
                "formats (its properties) say which; neighbours kept in one precision and layout avoid them "
                "(in a quantized model, quantize and dequantize nodes placed where they fuse into their "
                "neighbours)"));
        }
    }

    // Activations left after a convolution, Gemm or matrix product.
    for (size_t i = 0; i < layers.size(); ++i) {
        const LayerRecord& record = layers[i].record;
        if (record.elided || record.kind != "Activation" || record.inputs.empty()) continue;
        const auto producer = producers.find(record.inputs.front());
        if (producer == producers.end()) continue;
        const LayerRecord& source = layers[producer->second].record;
        if (!kindIsOneOf(source.kind, {"Convolution", "Gemm", "MatMul", "MatrixMultiply", "FullyConnected"})) continue;
        std::vector<std::string> others;
        for (size_t reader : readers[record.inputs.front()]) {
            if (reader != i) others.push_back(layers[reader].record.name);
        }
        const std::string why = !others.empty() ? "its input is also read by " + listed(others)
                                                : "the producer's fused form was not taken (precision or tactic)";
        hints.push_back(unfusedActivationHint(record.name, source.kind, source.name, why));
    }

    // Concats that copy: one that does not is elided, or (TensorRT) not a layer at all.
    for (const RecordedLayer& layer : layers) {
        if (layer.record.elided || !kindIsOneOf(layer.record.kind, {"Concat", "Concatenation"})) continue;
        hints.push_back(copyingConcatHint(layer.record.name, layer.record.inputs.size(), std::nullopt, layer.milliseconds));
    }

    // Reduced-precision convolutions off tensor-core channel multiples.
    if (tensorCores) {
        std::vector<std::string> unaligned;
        std::vector<std::string> unalignedNames;
        for (const RecordedLayer& layer : layers) {
            const LayerRecord& record = layer.record;
            const bool reduced = record.precision == "FP16" || record.precision == "INT8";
            if (!reduced || record.kind != "Convolution" || layer.groups != 1 || record.outputDims.empty()) continue;
            std::string inputDims = layer.inputDims.empty() ? std::string() : layer.inputDims.front();
            if (inputDims.empty() && !record.inputs.empty()) {
                const auto producer = producers.find(record.inputs.front());
                const LayerRecord* source = producer == producers.end() ? nullptr : &layers[producer->second].record;
                for (size_t o = 0; source && o < source->outputs.size() && o < source->outputDims.size(); ++o) {
                    if (source->outputs[o] == record.inputs.front()) inputDims = source->outputDims[o];
                }
            }
            const int64_t in = channelsOf(inputDims);
            const int64_t out = channelsOf(record.outputDims.front());
            if (in <= 0 || out <= 0 || !misalignedForTensorCores(in, out)) continue;
            unaligned.push_back(record.name + " (" + std::to_string(in) + " -> " + std::to_string(out) + ")");
            unalignedNames.push_back(record.name);
        }
        if (!unaligned.empty()) hints.push_back(tensorCoreHint(unaligned, unalignedNames));
    }

    sortWarningsFirst(hints);
    return hints;
}

std::string lintJson(const std::vector<LintHint>& hints) {
    std::ostringstream out;
    JsonWriter json(out);
    json.beginObject();
    json.key("Hints");
    json.beginArray();
    for (const LintHint& hint : hints) {
        json.beginObject();
        json.key("Id");
        json.value(hint.id);
        json.key("Severity");
        json.value(std::string(toString(hint.severity)));
        json.key("Message");
        json.value(hint.message);
        json.key("Advice");
        json.value(hint.advice);
        json.key("Layers");
        json.stringArray(hint.layers);
        json.endObject();
    }
    json.endArray();
    json.endObject();
    return out.str();
}

}  // namespace kiln

// What a build decided, kept with the plan so that the workbench and the CLI can show it: what each
// pass changed, the layers before and after with their provenance, per-layer precision, tactic,
// shapes and memory offsets, the activation arena, and the time of each build phase.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

class NetworkDefinition;

// One rewrite by one pass: "fused conv1 + bn1 + relu1".
struct PassChange {
    std::string pass;         // "batch-norm folding"
    std::string description;  // what was done, in the words users know from TensorRT
    std::vector<std::string> layers;  // the layers that resulted from the change
    // The description as a catalogued message (kiln/message.h): its id and arguments, for translation.
    std::string messageId;
    std::vector<std::string> messageArgs;
};

// One kernel the builder considered for a layer: timed on dummy data, or skipped with the reason.
struct TacticCandidate {
    std::string tactic;        // "onednn:jit:avx512_core", "kiln:reference"
    std::string library;       // "oneDNN 2.6.3", "Kiln"
    double milliseconds = -1;  // median over the timing iterations; negative when not timed
    std::string skipReason;    // why it was not timed ("needs NCHW layout", "workspace 2 GiB > limit 1 GiB")
    bool chosen = false;       // the fastest: the one the plan runs
    // Its median time in the network, where the build ran close candidates there (CPU builds of short
    // networks: builder/network_timing.h); negative when it did not. Where set, the chosen candidate
    // is the fastest there.
    double networkMilliseconds = -1;
};

struct LayerRecord {
    std::string name;
    std::string kind;
    std::string parameters;
    std::vector<std::string> provenance;
    std::vector<std::string> inputs;
    std::vector<std::string> outputs;
    std::vector<std::string> outputDims;  // one per output, "1x64x56x56"
    std::string precision;                // "FP32"
    std::string tactic;                   // "kiln:reference"; empty before the build
    std::vector<int64_t> outputOffsets;   // byte offset of each output in the arena; -1 where none
    bool elided = false;                  // removed by aliasing: executes nothing
    std::vector<std::string> outputFormats;  // one per output after the build, "NCHW", "NCHW16c"
    std::vector<TacticCandidate> candidates;  // every tactic considered; empty before the build
    bool timingFromCache = false;         // the candidates' times came from the timing cache, or from an
                                          // identical layer timed earlier in the same build
    bool timingReused = false;            // ... the latter: an identical layer of this build
    // The batch the candidates were timed at when it was not the layer's own: part of a large batch
    // (BuilderConfig::exhaustiveTiming explains when); 0 when they ran at the layer's shape.
    int64_t timingBatch = 0;

    // The time the build measured alone for the candidate the layer runs; negative when unknown.
    double chosenMilliseconds() const;
};

struct PhaseTime {
    std::string phase;
    double milliseconds = 0.0;
};

struct BuildReport {
    std::vector<LayerRecord> layersBefore;
    std::vector<LayerRecord> layersAfter;
    std::vector<PassChange> changes;
    int64_t arenaBytes = 0;           // size of one execution context's activation arena
    int64_t activationBytes = 0;      // sum of every activation tensor's size, without reuse
    std::vector<PhaseTime> phases;
    double timingMilliseconds = 0.0;  // time spent timing tactics (zero when the cache had them all)
    int timingCacheHits = 0;          // layers whose timings came from the timing cache file
    int timingCacheMisses = 0;        // layers timed during this build
    int timingReuses = 0;             // layers that took the timings of an identical layer of this build
    // Close candidates run again in the network (builder/network_timing.h): layers that had some, layers
    // whose tactic changed, runs of each variant and the time taken; or why the network was not timed
    // (empty when it was, or when no layer had a close candidate).
    int networkTimedLayers = 0;
    int networkChangedLayers = 0;
    int networkTimingRounds = 0;
    double networkTimingMilliseconds = 0.0;
    std::string networkTimingSkipped;
    bool networkTimingFromCache = false;  // the choices in the network came from the timing cache
    // The end-to-end check of the layers' tactics fastest in the network: the network's median time with
    // them together and with the choices alone (both 0 where every layer kept its choice); they are kept
    // where the first is lower (networkChangedLayers counts them then, else it is 0).
    double networkMixedMilliseconds = 0.0;
    double networkAloneMilliseconds = 0.0;
    std::vector<std::string> warnings;  // e.g. a timing cache that could not be used, and why
    int threads = 0;                    // CPU threads the kernels run on (BuilderConfig::threads); 0: every core

    // Executed layers, and those of them that run simulated: an FP32 kernel between conversions to and
    // from the reduced type (tactics "simfp16:...", "simbf16:...", "simint8:..."), where no kernel of
    // that precision runs the layer.
    int executedLayerCount() const;
    int simulatedLayerCount() const;

    std::string toJson() const;
};

// The layer records of a network as it stands (no tactic or offsets).
std::vector<LayerRecord> describeLayers(const NetworkDefinition& network);

}  // namespace kiln

// The builder turns a network definition into an optimized engine: passes (folding, fusion, copy
// elimination), precision, tactic choice, memory planning. The caller follows and cancels a build
// through a progress monitor.
#pragma once

#include <cstdint>
#include <memory>
#include <map>
#include <string>
#include <vector>

#include "kiln/logger.h"
#include "kiln/network.h"
#include "kiln/network_source.h"
#include "kiln/runtime.h"
#include "kiln/status.h"

namespace kiln {

class IProgressMonitor {
public:
    virtual ~IProgressMonitor() = default;
    // A build phase ("passes", "tactics", "memory") starts; `step` of `stepCount` within the build.
    virtual void phaseStarted(const std::string& phase, int step, int stepCount) = 0;
    // Polled between units of work; returning true stops the build with StatusCode::Cancelled.
    virtual bool shouldCancel() = 0;
    // The tactics phase starts choosing for layer `index` of `count` (elided layers are skipped).
    virtual void layerStarted(int index, int count, const std::string& layer) {
        (void)index, (void)count, (void)layer;
    }
};

// A precision a user asks for the layers that model nodes matching `pattern` became (a node name, or a
// pattern with * and ?): --layerPrecisions "conv1:fp32,layer4.*:fp16". FP32 keeps them, inputs included,
// at full precision in a reduced-precision build; FP16, BF16 and INT8 run them in that precision
// whatever the build's (INT8 needs the calibrated ranges of the layer's tensors). When several
// patterns match a layer, the last one given decides.
struct LayerPrecision {
    std::string pattern;
    DataType precision = DataType::Float32;
};

// How the builder treats layerPrecisions (--precisionConstraints, as TensorRT's builder flags):
// Obey fails the build naming a layer that cannot run in the precision asked; Prefer runs such a layer
// in the precision it would have had and says so in the build report; None ignores the constraints
// (with a warning).
enum class PrecisionConstraints { Obey, Prefer, None };

struct BuilderConfig {
    std::string backend = "cpu";       // "cpu" or "cuda" (--backend)
    bool enableFusion = true;          // off: only what execution needs, no rewriting (--noFusion)
    bool fp16 = false;                 // allow FP16 kernels (--fp16)
    bool bf16 = false;                 // allow BF16 kernels (--bf16); not together with fp16 or int8
    bool int8 = false;                 // allow INT8 kernels (--int8); needs dynamicRanges or a QDQ model
    // Calibrated ranges by tensor name: the magnitude INT8's 127 stands for (a calibration cache's
    // scale times 127). Tensors without one stay in floating point. A model quantized with
    // QuantizeLinear/DequantizeLinear pairs brings its own ranges (QDQ folding), which these do not replace.
    // A range isInt8Range (kiln/calibration.h) refuses makes the build fail naming the tensor.
    std::map<std::string, float> dynamicRanges;
    int64_t workspaceLimit = int64_t(1) << 30;  // bytes a tactic may use as scratch
    bool tf32 = false;                 // allow TF32 tensor-core math for FP32 layers on CUDA (--tf32)
    std::vector<LayerPrecision> layerPrecisions;  // per-layer precisions (--layerPrecisions)
    PrecisionConstraints precisionConstraints = PrecisionConstraints::Obey;
    int timingIterations = 10;         // timed runs per tactic candidate (after one warm-up run); the median counts
    bool flushCaches = false;          // evict the device caches before every timed run (--flushL2)
    // Every candidate timed timingIterations times after its warm-up, none stopped early (a sole candidate,
    // a hopeless one, long runs) and every layer at its own batch: slow, the reference the early stops
    // are checked against (--exhaustiveTiming). Otherwise, on the CPU, a convolution or pooling layer of
    // a batch of 32 or more is timed on an eighth of it (at least 8 images) and its choice recreated for
    // the whole batch: those kernels' times grow with the batch in proportion.
    bool exhaustiveTiming = false;
    // On the CPU, where the network is short enough (batch 1 of most models), candidates within 1.7 times
    // a layer's choice run again in the network, in turns with the choice, and the fastest there win
    // where the network also runs faster with them end to end (builder/network_timing.h;
    // --noNetworkTiming turns it off). Not for the other shapes of a dynamic
    // engine, whose tactics are given.
    bool networkTiming = true;
    // CPU threads the kernels run on (--threads), when timed and when the engine runs; 0: every core.
    // Recorded in the engine (BuildReport::threads) and part of the timing-cache key, since which tactic
    // is fastest depends on it.
    int threads = 0;
    // Where tactic timings are kept between builds (keyed by layer signature, device and Kiln version);
    // empty: no cache. A cache that cannot be used is reported in BuildReport::warnings and rebuilt.
    std::string timingCachePath;
    IProgressMonitor* progress = nullptr;       // not owned; may be null
    // Hears how the build ended (its failure, or its warnings, a summary and, verbose, every pass change
    // and phase time); not owned, may be null, never kept in the engine.
    ILogger* logger = nullptr;
    // Dynamic shapes (--minShapes/--optShapes/--maxShapes): the ranges a source-built engine serves;
    // several profiles are allowed, each timed at its opt shapes.
    std::vector<OptimizationProfile> profiles;
    // Layer name -> tactic id: used without timing where that tactic can run the layer (what the
    // shapes of a profile other than opt reuse); other layers are timed as usual.
    std::map<std::string, std::string> preferredTactics;
};

// The most CPU threads a build may ask for (BuilderConfig::threads).
inline constexpr int kMaxThreads = 1024;

class Builder {
public:
    // Builds an engine from `network` (left untouched). Errors name the layer and what to do.
    static Result<std::shared_ptr<Engine>> build(const NetworkDefinition& network, const BuilderConfig& config);
    // Builds an engine for the shapes of config.profiles from `source` (network_source.h): timed at
    // each profile's opt shapes and checked at its min and max, with memory for its largest shape.
    // Without profiles, the source must have no symbolic dimension.
    static Result<std::shared_ptr<Engine>> build(std::shared_ptr<const NetworkSource> source,
                                                 const BuilderConfig& config);
};

}  // namespace kiln

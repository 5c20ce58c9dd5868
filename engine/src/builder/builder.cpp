// The build pipeline: copy the network, run the pass list, choose memory formats (inserting reformats),
// time and choose tactics, plan memory, and record every decision in the build report.
#include "kiln/builder.h"
#include "kiln/message.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <optional>
#include <set>

#include "backends/backend.h"
#include "backends/cpu/cpu_backend.h"
#include "builder/build_logging.h"
#include "builder/format_assignment.h"
#include "builder/memory_planner.h"
#include "builder/network_timing.h"
#include "builder/tactic_selection.h"
#include "builder/timing_cache.h"
#include "kiln/calibration.h"
#include "kiln/device.h"
#include "kiln/plan.h"
#include "passes/pass.h"
#include "runtime/compiled_kernels.h"

namespace kiln {

namespace {

// An INT8 concat copies bytes only when its inputs are stored with its own scale: each input that is
// read by nothing but concats of one range takes that range, as TensorRT does (the concat's output
// holds every input value, so its range covers them). An input read by layers of other ranges keeps its
// own, and the concat converts it.
void shareConcatRanges(NetworkDefinition& network) {
    std::map<const Tensor*, std::optional<float>> shared;  // nullopt: readers disagree
    for (const auto& layer : network.layers()) {
        for (const Tensor* input : layer->inputs()) {
            if (!input || input->isConstant() || !input->dynamicRange()) continue;
            const Tensor* output = layer->output(0);
            const bool concat = layer->kind() == LayerKind::Concat && output && output->dynamicRange();
            const std::optional<float> wanted = concat ? output->dynamicRange() : std::nullopt;
            auto [it, added] = shared.emplace(input, wanted);
            if (!added && it->second != wanted) it->second.reset();
        }
    }
    for (const auto& tensor : network.tensors()) {
        auto it = shared.find(tensor.get());
        if (it != shared.end() && it->second && !tensor->isNetworkOutput()) tensor->setDynamicRange(*it->second);
    }
}

// An INT8 pooling pools the stored values as they are when its output has its input's scale: a max or
// an average of values in the input's range stays in it.
void sharePoolingRanges(NetworkDefinition& network) {
    for (const auto& layer : network.layers()) {
        if (layer->kind() != LayerKind::Pooling) continue;
        const Tensor* input = layer->input(0);
        Tensor* output = layer->output(0);
        if (input && output && input->dynamicRange() && output->dynamicRange() && !output->isNetworkOutput()) {
            output->setDynamicRange(*input->dynamicRange());
        }
    }
}

// The format each layer a user constrained wants: an FP32 layer keeps the build's layout in its own type,
// a reduced-precision one takes the backend's format for that precision. A precision the backend has no
// kernels for fails the build when constraints are obeyed, and leaves the layer as it was when preferred.
Result<std::map<std::string, TensorFormat>> constrainedFormats(const backends::Backend& backend, TensorFormat preferred,
                                                               const std::map<std::string, builder::LayerConstraint>& constraints,
                                                               PrecisionConstraints mode) {
    std::map<std::string, TensorFormat> formats;
    for (const auto& [layer, constraint] : constraints) {
        if (constraint.precision == DataType::Float32) {
            TensorFormat own = preferred;
            own.storage.reset();
            formats[layer] = own;
            continue;
        }
        if (!backend.supportsPrecision(constraint.precision)) {
            if (mode == PrecisionConstraints::Prefer) continue;  // checkConstraintsMet reports it
            return unsupported("layer '" + layer + "' cannot run in " + toString(constraint.precision) + " (asked by " +
                               constraint.pattern + "): the " + backend.name() + " backend has no " +
                               toString(constraint.precision) + " kernels; ask for another precision, or give "
                               "--precisionConstraints prefer to let it run in the build's");
        }
        formats[layer] = backend.preferredFormat(constraint.precision);
    }
    return formats;
}

// The precision a layer runs in: the storage of the activations it reads (INT8, FP16 or BF16), else
// their own type.
DataType layerPrecision(const Layer& layer) {
    for (const Tensor* input : layer.inputs()) {
        if (input && !input->isConstant()) return input->format().storage.value_or(input->type());
    }
    const Tensor* output = layer.output(0);
    return output ? output->format().storage.value_or(output->type()) : DataType::Float32;
}

// "fp16": a precision as --layerPrecisions spells it.
std::string precisionFlag(DataType precision) {
    std::string name = toString(precision);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return name;
}

// Why a constrained layer does not run in the precision asked, for the error or the build report.
std::string unmetReason(const Layer& layer, DataType wanted, const backends::Backend& backend,
                        const std::set<std::string>& linearLayers) {
    if (wanted != DataType::Float32 && !backend.supportsPrecision(wanted)) {
        return std::string("the ") + backend.name() + " backend has no " + toString(wanted) + " kernels";
    }
    if (linearLayers.count(layer.name())) {
        return std::string("no ") + backend.name() + " tactic runs it in " + toString(wanted);
    }
    for (const Tensor* output : layer.outputs()) {
        const Tensor* root = output && output->alias() ? output->alias()->base : output;
        if (root && root->isNetworkOutput()) {
            return "it writes the network output '" + root->name() + "', which keeps its own type";
        }
    }
    if (wanted == DataType::Int8) {
        for (const Tensor* input : layer.inputs()) {
            if (input && !input->isConstant() && !input->dynamicRange()) {
                return "its input '" + input->name() + "' has no calibrated range (calibrate with --calib, or give a "
                       "model quantized with QuantizeLinear/DequantizeLinear pairs)";
            }
        }
    }
    return std::string("its kind has no ") + toString(wanted) + " kernel on " + backend.name();
}

// Each constrained layer runs in the precision asked, or: Obey fails the build naming it and why; Prefer
// records in the build report what it runs in instead.
// A build-report entry whose description is the catalogued `message` (kiln/message.h).
PassChange cataloguedChange(std::string pass, Message message, std::vector<std::string> layers) {
    return {std::move(pass), std::move(message.text), std::move(layers), std::move(message.id), std::move(message.args)};
}

Status checkConstraintsMet(const NetworkDefinition& network, const backends::Backend& backend,
                           const std::map<std::string, builder::LayerConstraint>& constraints,
                           const std::set<std::string>& linearLayers, PrecisionConstraints mode,
                           std::vector<PassChange>& changes) {
    for (const auto& [name, constraint] : constraints) {
        const Layer* layer = network.findLayer(name);
        if (layer == nullptr || layer->isElided()) continue;
        const std::string asked = constraint.pattern + ":" + precisionFlag(constraint.precision);
        const DataType actual = layerPrecision(*layer);
        if (actual == constraint.precision) {
            changes.push_back(cataloguedChange(
                "precision constraints",
                makeMessage(constraint.precision == DataType::Float32 ? "build.kept_precision" : "build.ran_precision",
                            {name, toString(constraint.precision), asked}),
                {name}));
            continue;
        }
        const std::string reason = unmetReason(*layer, constraint.precision, backend, linearLayers);
        if (mode == PrecisionConstraints::Obey) {
            return unsupported("layer '" + name + "' cannot run in " + toString(constraint.precision) + " (asked by " +
                               asked + "): " + reason + "; give --precisionConstraints prefer to let it run in " +
                               toString(actual) + " instead");
        }
        changes.push_back(cataloguedChange("precision constraints",
                                           makeMessage("build.precision_unmet", {name, toString(actual),
                                                                                 toString(constraint.precision), asked, reason}),
                                           {name}));
    }
    return Status::ok();
}

class PhaseClock {
public:
    PhaseClock(BuildReport& report, IProgressMonitor* progress, const char* phase, int step, int stepCount)
        : m_report(report), m_phase(phase), m_start(std::chrono::steady_clock::now()) {
        if (progress) progress->phaseStarted(phase, step, stepCount);
    }
    ~PhaseClock() {
        const std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - m_start;
        m_report.phases.push_back({m_phase, elapsed.count()});
    }

private:
    BuildReport& m_report;
    const char* m_phase;
    std::chrono::steady_clock::time_point m_start;
};

Status checkCancel(const BuilderConfig& config) {
    if (config.progress && config.progress->shouldCancel()) return cancelled("the build was cancelled");
    return Status::ok();
}

Result<std::shared_ptr<Engine>> buildNetwork(const NetworkDefinition& network, const BuilderConfig& config);

}  // namespace

Result<std::shared_ptr<Engine>> Builder::build(const NetworkDefinition& network, const BuilderConfig& config) {
    Result<std::shared_ptr<Engine>> engine = buildNetwork(network, config);
    builder::logBuild(config.logger, engine);
    return engine;
}

namespace {

Result<std::shared_ptr<Engine>> buildNetwork(const NetworkDefinition& network, const BuilderConfig& config) {
    KILN_ASSIGN_OR_RETURN(const backends::Backend* backend, backends::availableBackend(config.backend));
    const std::vector<const tactics::TacticProvider*> providers = backend->providers();
    if (config.int8 && !backend->supportsPrecision(DataType::Int8)) {
        return unsupported(std::string("INT8 builds are not available yet on the ") + backend->name() +
                           " backend; build without --int8, or for --backend cpu");
    }
    if (config.fp16 && !backend->supportsPrecision(DataType::Float16)) {
        return unsupported(std::string("FP16 builds are not available on the ") + backend->name() +
                           " backend; build without --fp16, or for --backend cuda");
    }
    if (config.bf16 && !backend->supportsPrecision(DataType::BFloat16)) {
        return unsupported(std::string("BF16 builds are not available yet on the ") + backend->name() +
                           " backend; build without --bf16, or for --backend cpu");
    }
    if (int(config.fp16) + int(config.bf16) + int(config.int8) > 1) {
        return unsupported("give one of --fp16, --bf16 and --int8, not several; 'kiln compare --precisions "
                           "fp32,fp16,bf16,int8' compares them");
    }
    const DataType precision = config.int8   ? DataType::Int8
                               : config.fp16 ? DataType::Float16
                               : config.bf16 ? DataType::BFloat16
                                             : DataType::Float32;
    if (config.timingIterations < 1) {
        return invalidArgument("timing iterations is " + std::to_string(config.timingIterations) +
                               "; give at least 1");
    }
    if (config.workspaceLimit < 0) return invalidArgument("the workspace limit is negative; give 0 bytes or more");
    if (config.threads < 0 || config.threads > kMaxThreads) {
        return invalidArgument("the thread count is " + std::to_string(config.threads) + "; give 1 to " +
                               std::to_string(kMaxThreads) + ", or 0 for every core");
    }
    // An INT8 range is the largest magnitude a tensor holds, and range / 127 the step of its values:
    // outside isInt8Range's limits every value it rounds would come out NaN, infinite or zero.
    for (const auto& [tensor, range] : config.dynamicRanges) {
        if (!isInt8Range(range)) {
            return invalidArgument("the dynamic range given for tensor '" + tensor + "' is " + formatInt8Value(range) +
                                   "; give a range from " + int8RangeLimits() +
                                   ", or none for the tensor (it then stays in floating point)");
        }
    }
    for (const auto& tensor : network.tensors()) {
        if (tensor->dynamicRange() && !isInt8Range(*tensor->dynamicRange())) {
            return invalidArgument("tensor '" + tensor->name() + "' has the dynamic range " +
                                   formatInt8Value(*tensor->dynamicRange()) + "; give it a range from " +
                                   int8RangeLimits() + ", or none (it then stays in floating point)");
        }
    }
    // Tactics are timed on the threads the engine will run on.
    const cpu::KernelThreads threads(config.threads);
    KILN_RETURN_IF_ERROR(network.validate().withContext("the network is not valid"));

    // CPU builds time close candidates again in the network, a phase of their own (builder/network_timing.h).
    const bool networkPhase =
        config.networkTiming && config.preferredTactics.empty() && config.backend == "cpu";
    const int steps = networkPhase ? 5 : 4;
    BuildReport report;
    report.threads = config.threads;
    report.layersBefore = describeLayers(network);
    NetworkDefinition optimized = network.clone();
    {
        PhaseClock clock(report, config.progress, "passes", 0, steps);
        const bool channelSlices = !backend->preferredFormat(precision).channelsLast;
        for (const passes::PassEntry& pass : passes::optimizationPipeline(config.enableFusion, channelSlices, {backend->runsAttention(), backend->runsMatMulEpilogues()})) {
            KILN_RETURN_IF_ERROR(checkCancel(config));
            passes::PassLog log(pass.name, report.changes);
            KILN_RETURN_IF_ERROR(pass.run(optimized, log).withContext(std::string("pass '") + pass.name + "'"));
        }
        optimized.removeUnusedTensors();
        KILN_RETURN_IF_ERROR(optimized.validate().withContext("the optimized network is not valid (a Kiln bug)"));
        // Before anything is allocated for it: a tensor no machine of this size could hold.
        if (const uint64_t budget = memoryBudgetBytes(); budget > 0) {
            for (const auto& tensor : optimized.tensors()) {
                const auto bytes = uint64_t(std::max<int64_t>(tensor->storageBytes(), 0));
                if (!tensor->isConstant() && bytes > budget) {
                    return unsupported("tensor '" + tensor->name() + "' (" + toString(tensor->dims()) + ") needs " +
                                       formatByteCount(bytes) + ", more than " + describeMemoryBudget() +
                                       "; build for smaller shapes");
                }
            }
        }
        // A range QDQ folding took from the model is what the model was quantized with: calibration
        // only fills in the tensors that have none.
        bool anyRange = false;
        for (const auto& tensor : optimized.tensors()) {
            auto range = config.dynamicRanges.find(tensor->name());
            if (!tensor->dynamicRange() && range != config.dynamicRanges.end()) {
                tensor->setDynamicRange(range->second);
            }
            anyRange = anyRange || tensor->dynamicRange().has_value();
        }
        if (config.int8 && !anyRange) {
            return invalidArgument("an INT8 build needs the activations' calibrated ranges: calibrate first (--calib "
                                   "DATA, or a calibration cache), or give a model quantized with "
                                   "QuantizeLinear/DequantizeLinear pairs");
        }
        const bool int8Layers = std::any_of(config.layerPrecisions.begin(), config.layerPrecisions.end(),
                                            [](const LayerPrecision& c) { return c.precision == DataType::Int8; });
        if (config.int8 || (int8Layers && config.precisionConstraints != PrecisionConstraints::None)) {
            sharePoolingRanges(optimized);
            shareConcatRanges(optimized);
        }
    }
    KILN_RETURN_IF_ERROR(checkCancel(config));
    // Without a file the cache lives for this build only: identical layers are still timed once. Its
    // entries also tell format assignment which layers have a tactic, without asking the providers.
    // Which tactic is fastest depends on the threads it runs on: timings of other counts are not reused.
    const std::string device = deviceFingerprint(config.backend) +
                               (config.threads > 0 ? " on " + std::to_string(config.threads) + " threads" : "");
    builder::TimingCache cache = config.timingCachePath.empty()
                                     ? builder::TimingCache(device)
                                     : builder::TimingCache::load(config.timingCachePath, device, report.warnings);
    {
        // Layers no tactic can run in blocked formats are made linear and formats chosen again; each
        // round makes at least one more layer linear, so this ends.
        PhaseClock clock(report, config.progress, "formats", 1, steps);
        const TensorFormat preferred = backend->preferredFormat(precision);
        std::map<std::string, builder::LayerConstraint> constraints;
        if (config.precisionConstraints == PrecisionConstraints::None) {
            if (!config.layerPrecisions.empty()) {
                report.warnings.push_back(makeMessage("build.layer_precisions_ignored", {}).text);
            }
        } else {
            KILN_ASSIGN_OR_RETURN(constraints, builder::constrainedLayers(optimized, config.layerPrecisions));
        }
        KILN_ASSIGN_OR_RETURN(const auto layerPreferred,
                              constrainedFormats(*backend, preferred, constraints, config.precisionConstraints));
        std::set<std::string> linearLayers;
        std::vector<PassChange> fallbacks;
        for (;;) {
            KILN_RETURN_IF_ERROR(checkCancel(config));
            NetworkDefinition formatted = optimized.clone();
            std::vector<PassChange> changes;
            passes::PassLog log("format assignment", changes);
            KILN_RETURN_IF_ERROR(builder::assignFormats(formatted, preferred, linearLayers, log, layerPreferred));
            bool retry = false;
            for (const auto& layer : formatted.layers()) {
                if (layer->isElided() || builder::hasTactic(providers, *layer, &cache, config.tf32, config.workspaceLimit)) continue;
                if (layer->kind() == LayerKind::Reformat || linearLayers.count(layer->name())) continue;
                linearLayers.insert(layer->name());
                const Tensor* output = layer->output(0);
                fallbacks.push_back(cataloguedChange(
                    "precision and formats",
                    makeMessage("build.linear_fallback", {layer->name(), backend->name(),
                                                          toString(output->format(), output->dims().size())}),
                    {layer->name()}));
                retry = true;
            }
            if (!retry) {
                optimized = std::move(formatted);
                report.changes.insert(report.changes.end(), fallbacks.begin(), fallbacks.end());
                report.changes.insert(report.changes.end(), changes.begin(), changes.end());
                break;
            }
        }
        KILN_RETURN_IF_ERROR(optimized.validate().withContext("the network with reformats is not valid (a Kiln bug)"));
        KILN_RETURN_IF_ERROR(checkConstraintsMet(optimized, *backend, constraints, linearLayers,
                                                 config.precisionConstraints, report.changes));
    }
    KILN_RETURN_IF_ERROR(checkCancel(config));
    auto kernels = std::make_shared<detail::CompiledKernels>();
    std::vector<int64_t> workspaces;  // per layer, its tactic's
    report.layersAfter = describeLayers(optimized);
    {
        PhaseClock clock(report, config.progress, "tactics", 2, steps);
        KILN_ASSIGN_OR_RETURN(std::unique_ptr<backends::Stream> stream, backend->createStream());
        builder::TimingDevice timing{*backend, providers, *stream, nullptr, nullptr};
        const auto& layers = optimized.layers();
        for (size_t i = 0; i < layers.size(); ++i) {
            KILN_RETURN_IF_ERROR(checkCancel(config));
            LayerRecord& record = report.layersAfter[i];
            if (layers[i]->isElided()) {
                kernels->layers.emplace_back();
                workspaces.push_back(0);
                continue;
            }
            if (config.progress) config.progress->layerStarted(int(i), int(layers.size()), layers[i]->name());
            KILN_ASSIGN_OR_RETURN(builder::TacticChoice choice,
                                  builder::chooseTactic(timing, *layers[i], config, &cache));
            record.tactic = choice.tacticId;
            record.candidates = std::move(choice.candidates);
            record.timingFromCache = choice.fromCache;
            record.timingReused = choice.fromThisBuild;
            record.timingBatch = choice.timingBatch;
            report.timingMilliseconds += choice.timingMilliseconds;
            if (choice.fromThisBuild) {
                ++report.timingReuses;
            } else {
                ++(choice.fromCache ? report.timingCacheHits : report.timingCacheMisses);
            }
            kernels->workspaceBytes = std::max(kernels->workspaceBytes, choice.workspaceBytes);
            workspaces.push_back(choice.workspaceBytes);
            kernels->layers.push_back({choice.tacticId, std::move(choice.weights), std::move(choice.kernel)});
        }
    }
    KILN_RETURN_IF_ERROR(checkCancel(config));
    MemoryPlan memory;
    {
        PhaseClock clock(report, config.progress, "memory", 3, steps);
        KILN_ASSIGN_OR_RETURN(memory, planMemory(optimized));
        report.arenaBytes = memory.arenaBytes;
        report.activationBytes = activationBytes(optimized);
        for (LayerRecord& record : report.layersAfter) {
            for (size_t i = 0; i < record.outputs.size(); ++i) {
                auto it = memory.offsets.find(record.outputs[i]);
                record.outputOffsets[i] = it == memory.offsets.end() ? -1 : it->second;
            }
        }
    }
    if (networkPhase) {
        PhaseClock clock(report, config.progress, "network timing", 4, steps);
        const builder::NetworkTimingLimits limits;
        const int variants = builder::networkVariants(report.layersAfter);
        report.networkTimingSkipped =
            variants > 1 ? builder::networkTimingRefusal(report.layersAfter, variants, limits) : "";
        if (variants > 1 && report.networkTimingSkipped.empty()) {
            KILN_ASSIGN_OR_RETURN(std::unique_ptr<backends::Stream> stream, backend->createStream());
            builder::TimingDevice timing{*backend, providers, *stream, nullptr, nullptr};
            KILN_RETURN_IF_ERROR(builder::chooseInNetwork(timing, optimized, memory, config, kernels,
                                                          workspaces, report, cache, limits));
        }
    }
    if (!config.timingCachePath.empty() && cache.isModified()) {
        if (Status saved = cache.save(config.timingCachePath); !saved.isOk()) {
            report.warnings.push_back(saved.message());
        }
    }
    const uint64_t contextBytes = uint64_t(memory.arenaBytes) + uint64_t(kernels->workspaceBytes);
    if (const uint64_t budget = memoryBudgetBytes(); backend->hostAddressable() && budget > 0 && contextBytes > budget) {
        return unsupported("the engine's execution context would need " + formatByteCount(contextBytes) +
                           " (activations " + formatByteCount(uint64_t(memory.arenaBytes)) + ", workspace " +
                           formatByteCount(uint64_t(kernels->workspaceBytes)) + "), more than " + describeMemoryBudget() +
                           "; build for smaller shapes");
    }
    return std::make_shared<Engine>(std::move(optimized), std::move(memory), std::move(report), config.backend,
                                    std::move(kernels));
}

}  // namespace

}  // namespace kiln

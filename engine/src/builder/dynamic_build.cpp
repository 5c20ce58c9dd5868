// Builds for ranges of shapes: each optimization profile's network at its opt shapes is built and timed
// as a static one; its min and max shapes are built again with the tactics chosen at opt (timing only a
// layer whose opt tactic cannot run there), which checks that the profile's whole range builds and
// measures the memory its largest shape needs. Other shapes are derived the same way when a context
// first runs them.
#include <algorithm>
#include <sstream>

#include "builder/build_logging.h"
#include "kiln/builder.h"
#include "kiln/symbolic_shapes.h"
#include "runtime/compiled_kernels.h"
#include "runtime/dynamic_shapes.h"

namespace kiln {

namespace {

std::map<std::string, Dims> shapesAt(const OptimizationProfile& profile, Dims ShapeRange::*which) {
    std::map<std::string, Dims> shapes;
    for (const auto& [name, range] : profile.inputs) shapes[name] = range.*which;
    return shapes;
}

Status checkValueRange(const std::string& where, const SourceInput& input, const ShapeRange& range) {
    const int64_t count = volume(input.dims);
    for (const auto* values : {&range.min, &range.opt, &range.max}) {
        if (int64_t(values->size()) != count) {
            return invalidArgument(where + ": shape tensor '" + input.name + "' holds " + std::to_string(count) +
                                   " values (its values decide shapes, so its range gives values, as trtexec's "
                                   "shape flags do) but was given " + toString(*values));
        }
    }
    for (size_t k = 0; k < range.min.size(); ++k) {
        if (!(range.min[k] <= range.opt[k] && range.opt[k] <= range.max[k])) {
            return invalidArgument(where + ": shape tensor '" + input.name + "' value " + std::to_string(k) + " has min " +
                                   std::to_string(range.min[k]) + ", opt " + std::to_string(range.opt[k]) + " and max " +
                                   std::to_string(range.max[k]) + "; give min <= opt <= max");
        }
    }
    return Status::ok();
}

// Every symbolic input and every shape tensor has a range in every profile, of the model's rank (a
// shape tensor: of its value count), agreeing with its fixed dimensions, with min <= opt <= max.
// Returns the profiles with the shape tensors' ranges marked as values.
Result<std::vector<OptimizationProfile>> checkProfiles(const NetworkSource& source,
                                                       std::vector<OptimizationProfile> profiles) {
    for (size_t p = 0; p < profiles.size(); ++p) {
        const std::string where = "optimization profile " + std::to_string(p);
        for (auto& [name, range] : profiles[p].inputs) {
            auto input = std::find_if(source.inputs().begin(), source.inputs().end(),
                                      [&name = name](const SourceInput& in) { return in.name == name; });
            if (input == source.inputs().end()) {
                std::string names;
                for (const SourceInput& in : source.inputs()) names += (names.empty() ? "" : ", ") + in.name;
                return invalidArgument(where + " gives shapes for '" + name + "', which is not an input of the model; "
                                       "its inputs are " + names);
            }
            range.values = input->isShapeTensor;
            if (input->isShapeTensor) {
                KILN_RETURN_IF_ERROR(checkValueRange(where, *input, range));
                continue;
            }
            for (const auto* dims : {&range.min, &range.opt, &range.max}) {
                if (dims->size() != input->dims.size()) {
                    return invalidArgument(where + ": input '" + name + "' has rank " +
                                           std::to_string(input->dims.size()) + " (" + toString(input->dims) +
                                           ", -1 symbolic) but was given " + toString(*dims));
                }
            }
            for (size_t axis = 0; axis < input->dims.size(); ++axis) {
                const int64_t low = range.min[axis], opt = range.opt[axis], high = range.max[axis];
                if (low < 0 || !(low <= opt && opt <= high)) {
                    return invalidArgument(where + ": input '" + name + "' dimension " + std::to_string(axis) +
                                           " has min " + std::to_string(low) + ", opt " + std::to_string(opt) +
                                           " and max " + std::to_string(high) +
                                           "; give 0 <= min <= opt <= max (--minShapes, --optShapes, --maxShapes)");
                }
                if (input->dims[axis] >= 0 && (low != input->dims[axis] || high != input->dims[axis])) {
                    return invalidArgument(where + ": input '" + name + "' dimension " + std::to_string(axis) +
                                           " is fixed at " + std::to_string(input->dims[axis]) +
                                           " by the model; it was given " + std::to_string(low) + " to " +
                                           std::to_string(high));
                }
            }
        }
        for (const auto& [which, member] : {std::pair{"min", &ShapeRange::min}, std::pair{"opt", &ShapeRange::opt},
                                            std::pair{"max", &ShapeRange::max}}) {
            KILN_RETURN_IF_ERROR(checkSharedSymbols(source.inputs(), shapesAt(profiles[p], member),
                                                    where + "'s " + which + " shapes"));
        }
        for (const SourceInput& input : source.inputs()) {
            if (profiles[p].inputs.count(input.name)) continue;
            if (input.isShapeTensor) {
                return invalidArgument(where + " has no values for shape tensor '" + input.name + "' (" +
                                       toString(input.type) + " " + toString(input.dims) +
                                       ", whose values decide shapes); give them in --minShapes, --optShapes and "
                                       "--maxShapes (e.g. " + input.name + ":1x3x224x224 for four values), or fix "
                                       "them with --shapes");
            }
            if (std::any_of(input.dims.begin(), input.dims.end(), [](int64_t d) { return d < 0; })) {
                return invalidArgument(where + " has no shapes for input '" + input.name + "' (" +
                                       toString(input.dims) + ", -1 symbolic); give it in --minShapes, --optShapes "
                                       "and --maxShapes, or fix it with --shapes");
            }
        }
    }
    return profiles;
}

// The monitor of the builds at a profile's min and max shapes: they may be cancelled, but their phases
// are not the build's (a monitor hears the phases of the opt build only).
class CancelOnly final : public IProgressMonitor {
public:
    explicit CancelOnly(IProgressMonitor* monitor) : m_monitor(monitor) {}
    void phaseStarted(const std::string&, int, int) override {}
    bool shouldCancel() override { return m_monitor && m_monitor->shouldCancel(); }

private:
    IProgressMonitor* m_monitor;
};

std::map<std::string, std::string> chosenTactics(const Engine& engine) {
    std::map<std::string, std::string> tactics;
    for (const LayerRecord& record : engine.report().layersAfter) {
        if (!record.tactic.empty()) tactics[record.name] = record.tactic;
    }
    return tactics;
}

}  // namespace

namespace detail {

std::string shapeKey(const std::map<std::string, Dims>& shapes, size_t profile) {
    std::string key = std::to_string(profile);
    for (const auto& [name, dims] : shapes) key += "|" + name + "=" + toString(dims);
    return key;
}

Result<std::shared_ptr<const Engine>> DynamicShapes::specialize(const std::map<std::string, Dims>& shapes,
                                                                size_t profile) const {
    if (profile >= profiles.size()) return invalidArgument("optimization profile " + std::to_string(profile) + " does not exist");
    for (const auto& [name, dims] : shapes) {
        KILN_RETURN_IF_ERROR(checkShapeInProfile(name, dims, profiles[profile].profile, profile));
    }
    KILN_RETURN_IF_ERROR(checkSharedSymbols(source->inputs(), shapes, "the input shapes set"));
    const std::string key = shapeKey(shapes, profile);
    if (profile == 0 && shapes == shapesAt(profiles[0].profile, &ShapeRange::opt)) {
        if (auto engine = root.lock()) return std::shared_ptr<const Engine>(engine);
    }
    // One lock for the whole derivation: two contexts asking for a new shape at once build it once.
    std::lock_guard lock(m_mutex);
    if (auto it = m_specializations.find(key); it != m_specializations.end()) return it->second;
    KILN_ASSIGN_OR_RETURN(NetworkDefinition network,
                          source->instantiate(shapes).withContext("deriving the network for " + key.substr(key.find('|') + 1)));
    BuilderConfig shapeConfig = config;
    shapeConfig.preferredTactics = profiles[profile].tactics;
    KILN_ASSIGN_OR_RETURN(std::shared_ptr<Engine> engine, Builder::build(network, shapeConfig));
    m_specializations[key] = engine;
    return std::shared_ptr<const Engine>(std::move(engine));
}

void DynamicShapes::remember(const std::map<std::string, Dims>& shapes, size_t profile,
                             std::shared_ptr<const Engine> engine) const {
    std::lock_guard lock(m_mutex);
    m_specializations[shapeKey(shapes, profile)] = std::move(engine);
}

}  // namespace detail

namespace {

Result<std::shared_ptr<Engine>> buildFromSource(std::shared_ptr<const NetworkSource> source, const BuilderConfig& config);

}  // namespace

Result<std::shared_ptr<Engine>> Builder::build(std::shared_ptr<const NetworkSource> source, const BuilderConfig& config) {
    // The builds inside (one per profile and range end) stay silent: the logger hears the outcome once.
    BuilderConfig quiet = config;
    quiet.logger = nullptr;
    Result<std::shared_ptr<Engine>> engine = buildFromSource(std::move(source), quiet);
    builder::logBuild(config.logger, engine);
    return engine;
}

namespace {

Result<std::shared_ptr<Engine>> buildFromSource(std::shared_ptr<const NetworkSource> source, const BuilderConfig& config) {
    if (!source) return invalidArgument("no network source given");
    KILN_ASSIGN_OR_RETURN(const std::vector<OptimizationProfile> profiles, checkProfiles(*source, config.profiles));
    if (profiles.empty()) {
        for (const SourceInput& input : source->inputs()) {
            if (input.isShapeTensor) {
                return invalidArgument("input '" + input.name + "' is a shape tensor (" + toString(input.type) + " " +
                                       toString(input.dims) + ", whose values decide shapes): give its values with "
                                       "--shapes " + input.name + ":AxB..., or a range of values with --minShapes, "
                                       "--optShapes and --maxShapes");
            }
        }
        for (const SourceInput& input : source->inputs()) {
            if (std::any_of(input.dims.begin(), input.dims.end(), [](int64_t d) { return d < 0; })) {
                return invalidArgument("input '" + input.name + "' is " + toString(input.dims) +
                                       " (-1 symbolic): give its shapes with --shapes, or a range with --minShapes, "
                                       "--optShapes and --maxShapes");
            }
        }
        KILN_ASSIGN_OR_RETURN(NetworkDefinition network, source->instantiate({}));
        return Builder::build(network, config);
    }

    auto dynamic = std::make_shared<detail::DynamicShapes>();
    dynamic->source = source;
    dynamic->config = config;
    dynamic->config.progress = nullptr;
    dynamic->config.timingCachePath.clear();
    dynamic->config.profiles.clear();
    dynamic->config.preferredTactics.clear();
    std::shared_ptr<Engine> first;
    std::vector<std::string> warnings;
    struct Built {
        size_t profile;
        std::map<std::string, Dims> shapes;
        std::shared_ptr<const Engine> engine;
    };
    std::vector<Built> built;  // engines of the range ends, kept for runs at those shapes
    for (size_t p = 0; p < profiles.size(); ++p) {
        const OptimizationProfile& profile = profiles[p];
        const std::string where = "optimization profile " + std::to_string(p);
        KILN_ASSIGN_OR_RETURN(NetworkDefinition optNetwork, source->instantiate(shapesAt(profile, &ShapeRange::opt))
                                                                .withContext(where + " at its opt shapes"));
        CancelOnly cancelOnly(config.progress);
        BuilderConfig optConfig = config;
        if (p > 0) optConfig.progress = &cancelOnly;  // the monitor hears the phases of one build
        optConfig.profiles.clear();
        optConfig.preferredTactics.clear();
        KILN_ASSIGN_OR_RETURN(std::shared_ptr<Engine> optEngine,
                              Builder::build(optNetwork, optConfig).withContext(where + " at its opt shapes"));
        detail::ProfileInfo info;
        info.profile = profile;
        info.tactics = chosenTactics(*optEngine);
        info.arenaBytes = optEngine->memoryPlan().arenaBytes;
        info.workspaceBytes = optEngine->kernels().workspaceBytes;
        BuilderConfig rangeConfig = dynamic->config;
        rangeConfig.preferredTactics = info.tactics;
        rangeConfig.progress = &cancelOnly;
        for (const auto& [label, which] : {std::pair{"min", &ShapeRange::min}, std::pair{"max", &ShapeRange::max}}) {
            const auto shapes = shapesAt(profile, which);
            if (shapes == shapesAt(profile, &ShapeRange::opt)) continue;
            const std::string context = where + " at its " + label + " shapes";
            Result<NetworkDefinition> network = source->instantiate(shapes).withContext(context);
            Result<std::shared_ptr<Engine>> engine = network ? Builder::build(*network, rangeConfig).withContext(context)
                                                             : Result<std::shared_ptr<Engine>>(network.status());
            // A shape tensor's min (or max) values need not fit the other inputs' min (or max) shapes (a
            // Reshape's target with the data's size): that end is not a shape the model runs, and a
            // context sizes its memory for the shapes it meets.
            const bool hasValues = std::any_of(profile.inputs.begin(), profile.inputs.end(),
                                               [](const auto& entry) { return entry.second.values; });
            if (!engine && hasValues && engine.status().code() != StatusCode::Cancelled) {
                warnings.push_back(engine.status().message() + " (the shape tensors' " + label + " values with the " +
                                   "other inputs' " + label + " shapes); the memory of that end is not known in " +
                                   "advance: a context allocates what the shapes it runs need");
                continue;
            }
            if (!engine) return engine.status();
            info.arenaBytes = std::max(info.arenaBytes, (*engine)->memoryPlan().arenaBytes);
            info.workspaceBytes = std::max(info.workspaceBytes, (*engine)->kernels().workspaceBytes);
            for (const LayerRecord& record : (*engine)->report().layersAfter) {
                auto chosen = info.tactics.find(record.name);
                if (!record.tactic.empty() && chosen != info.tactics.end() && chosen->second != record.tactic) {
                    warnings.push_back(context + ": layer '" + record.name + "' cannot run tactic '" +
                                       chosen->second + "' chosen at opt; it runs '" + record.tactic + "' there");
                }
            }
            built.push_back({p, shapes, *engine});
        }
        dynamic->profiles.push_back(std::move(info));
        if (first) built.push_back({p, shapesAt(profile, &ShapeRange::opt), optEngine});
        if (!first) first = optEngine;
    }
    dynamic->root = first;
    for (const Built& engine : built) dynamic->remember(engine.shapes, engine.profile, engine.engine);
    first->setDynamicShapes(dynamic, warnings);
    return first;
}

}  // namespace

}  // namespace kiln

// Tactic timing on dummy data in the backend's memory. Inputs are random in [-1, 1] (integer and boolean
// inputs zero, which is always a valid index; an integer Div's divisor one), drawn in the layer's formats with padded lanes zero as
// kernels expect; outputs and workspace are scratch buffers of the sizes the layer and
// tactic need. Times come from the backend's timer (CUDA events on the GPU), one run at a time.
#include "builder/tactic_selection.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <optional>

#include "tactics/formats.h"

namespace kiln::builder {

namespace {

constexpr const char* kReferenceTactic = "reference:naive";
constexpr uint64_t kDummySeed = 20261126u;
// A candidate whose first timed run is this many times slower than the best so far is timed only
// once: its median cannot win, and timing it fully would only make the build slower. (Not the warm-up
// run: that one also pays for first-use set-up, such as loading a GPU kernel's module or creating a
// library handle, and would make fast candidates look hopeless.)
constexpr double kHopelessFactor = 10.0;
// A candidate whose timed runs add up to this many milliseconds stops after kLeastTimedRuns, fewer than
// the configured count: runs that long vary little from one to the next (the median of three is within a
// percent or two of the median of ten on the CPU), and at large batches timing every candidate ten times
// made builds take close to a minute.
// A warm-up run this long (a third of the budget) is one of those runs: kernels that long spend next to
// nothing of it on first-use set-up, and the median of three discards a warm-up that did. Such a
// candidate also stops after two runs that are both slower than the best and add up to the budget: a
// third would end its timing, and a median of three with two above the best cannot win.
constexpr double kTimingBudgetMilliseconds = 100.0;
constexpr int kLeastTimedRuns = 3;
// A candidate whose kLeastTimedRuns runs are all more than kClearlySlowerFactor times the best median
// stops there: the machine's drift does not bridge that, and a tenth of the timing of each layer of a
// CNN at a large batch went to such candidates (a direct convolution beside Winograd's, 3x3 layers).
constexpr double kClearlySlowerFactor = 1.5;
// Candidates timed one after another see the machine at different moments, and on a shared machine (a
// virtual one, or beside other programs) its speed drifts by more than the gap between close tactics:
// the one timed in a slow moment loses. Candidates within kCloseFactor of the best are timed again in a
// run-off, one run of each in turn for kRunOffRounds rounds (the order rotated), and the medians of the
// run-off decide. It takes at most kRunOffBudgetMilliseconds a layer (fewer rounds for long kernels,
// none below kLeastRunOffRounds: such kernels vary little from run to run).
constexpr double kCloseFactor = 1.15;
constexpr int kRunOffRounds = 5;
constexpr int kLeastRunOffRounds = 3;
constexpr double kRunOffBudgetMilliseconds = 40.0;
// Where the backend ranks tactics on part of the batch, a convolution or pooling layer is timed on a
// kPartOfTheBatch-th of its images, at least kLeastTimingBatch, where that is at most a quarter of them:
// at batch 64 its candidates were four fifths of a CNN's build time.
constexpr int64_t kPartOfTheBatch = 8;
constexpr int64_t kLeastTimingBatch = 8;
constexpr double kContenderFactor = 1.5;
// At most this many (the fastest on part of the batch) are timed again on the whole batch: each costs
// runs of the whole batch, and a CNN with three close libraries on most layers (a direct convolution
// beside oneDNN's two) took a third longer to build.
constexpr int kMostContenders = 2;

// Input `index` of `layer` is an integer divisor, which zeros would make Div refuse to run.
bool isIntegerDivisor(const Layer& layer, size_t index) {
    const auto* params = std::get_if<ElementwiseParams>(&layer.params());
    return params && params->op == ElementwiseOp::Div && index == 1 && !isFloatingPoint(layer.input(index)->type());
}

// Integer ones in the little-endian storage of `type`, in place of the zeros of `size` bytes at `bytes`.
void fillWithOnes(std::byte* bytes, size_t size, DataType type) {
    const size_t element = size_t(dataTypeSize(type));
    for (size_t at = 0; at + element <= size; at += element) bytes[at] = std::byte{1};
}

// `buffer` when it holds at least `bytes`, else a new buffer of that size in its place (the old one let go
// first, so that the two never coexist).
Result<std::byte*> reusedBuffer(const backends::Backend& backend, std::shared_ptr<backends::DeviceBuffer>& buffer,
                                size_t bytes) {
    bytes = std::max<size_t>(bytes, 1);
    if (!buffer || buffer->size() < bytes) {
        buffer.reset();
        KILN_ASSIGN_OR_RETURN(buffer, backend.allocate(bytes));
    }
    return buffer->data();
}

// One layer's inputs and outputs in their formats, in the timing device's data buffer, filled once.
class DummyData {
public:
    static Result<DummyData> make(TimingDevice& device, backends::Stream& stream, const Layer& layer) {
        const backends::Backend& backend = device.backend;
        DummyData data;
        size_t total = 0;
        const auto reserve = [&total](size_t bytes) {
            const size_t at = total;
            total += (bytes + 255) / 256 * 256;
            return at;
        };
        const auto activation = [&](size_t i) { return layer.input(i) && !layer.input(i)->isConstant(); };
        std::vector<size_t> inputAt(layer.inputs().size(), 0);
        for (size_t i = 0; i < layer.inputs().size(); ++i) {
            if (activation(i)) inputAt[i] = reserve(size_t(layer.input(i)->storageBytes()));
        }
        std::vector<size_t> outputAt;
        for (const Tensor* output : layer.outputs()) outputAt.push_back(reserve(size_t(output->storageBytes())));
        KILN_ASSIGN_OR_RETURN(std::byte* const base, reusedBuffer(backend, device.dataBuffer, total));
        for (size_t i = 0; i < layer.inputs().size(); ++i) {
            const Tensor* input = layer.input(i);
            if (!input) {
                data.m_args.inputs.push_back(nullptr);
                continue;
            }
            if (input->isConstant()) {
                data.m_args.inputs.push_back(input->constantData()->bytes());
                continue;
            }
            const auto bytes = size_t(input->storageBytes());
            const float scale = tactics::storageScale(*input);
            if (backend.hostAddressable()) {
                // Written in place: no copy, and no fresh pages to fault in.
                tactics::fillRandomInFormat(base + inputAt[i], input->type(), input->dims(), input->format(), scale,
                                            kDummySeed + i);
                if (isIntegerDivisor(layer, i)) fillWithOnes(base + inputAt[i], bytes, input->type());
            } else {
                std::vector<std::byte> host =
                    tactics::randomInFormat(input->type(), input->dims(), input->format(), scale, kDummySeed + i);
                if (isIntegerDivisor(layer, i)) fillWithOnes(host.data(), host.size(), input->type());
                KILN_RETURN_IF_ERROR(backend.copy(base + inputAt[i], host.data(), host.size(),
                                                  backends::CopyDirection::HostToDevice, stream));
                KILN_RETURN_IF_ERROR(stream.synchronize());
            }
            data.m_args.inputs.push_back(base + inputAt[i]);
        }
        for (size_t at : outputAt) data.m_args.outputs.push_back(base + at);
        KILN_RETURN_IF_ERROR(stream.synchronize());
        return data;
    }

    tactics::KernelArgs args(std::byte* workspace, backends::Stream& stream) const {
        tactics::KernelArgs args = m_args;
        args.workspace = workspace;
        args.stream = &stream;
        return args;
    }

private:
    tactics::KernelArgs m_args;
};

// "512 bytes", "12.0 KiB", "3.5 MiB": small sizes are not rounded to "0.0 MiB".
std::string mebibytes(int64_t bytes) {
    char text[32];
    if (bytes < 1024) {
        std::snprintf(text, sizeof text, "%lld bytes", static_cast<long long>(bytes));
    } else if (bytes < 1024 * 1024) {
        std::snprintf(text, sizeof text, "%.1f KiB", double(bytes) / 1024.0);
    } else {
        std::snprintf(text, sizeof text, "%.1f MiB", double(bytes) / (1024.0 * 1024.0));
    }
    return text;
}

struct Enumerated {
    std::vector<std::unique_ptr<tactics::Tactic>> tactics;
    std::vector<tactics::SkippedTactic> skipped;
};

Enumerated enumerateAll(const std::vector<const tactics::TacticProvider*>& providers, const tactics::LayerConfig& config) {
    Enumerated all;
    for (const tactics::TacticProvider* provider : providers) provider->enumerate(config, all.tactics, all.skipped);
    return all;
}

std::string formatsOf(const Layer& layer) {
    std::string text;
    for (const Tensor* input : layer.inputs()) {
        if (input && !input->isConstant()) text += (text.empty() ? "" : ", ") + toString(input->format(), input->dims().size());
    }
    text += " -> ";
    for (const Tensor* output : layer.outputs()) text += toString(output->format(), output->dims().size()) + " ";
    return text;
}

}  // namespace

std::string timingSignature(const Layer& layer, bool tf32) {
    return layerSignature(layer, tactics::LayerConfig::of(layer).precision) + (tf32 ? " tf32" : "");
}

bool hasTactic(const std::vector<const tactics::TacticProvider*>& providers, const Layer& layer,
               const TimingCache* cache, bool tf32, int64_t workspaceLimit) {
    // A cached choice answers without recreating it (for cuDNN that would mean building its plan); one
    // that no longer fits the workspace limit is timed again among the others when the layer is chosen.
    if (cache && cache->find(timingSignature(layer, tf32))) return true;
    const Enumerated offered = enumerateAll(providers, tactics::LayerConfig::of(layer));
    return std::any_of(offered.tactics.begin(), offered.tactics.end(),
                       [&](const auto& tactic) { return tactic->workspaceBytes() <= workspaceLimit; });
}

double millisecondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

std::optional<TacticChoice> recreateTactic(const TimingDevice& device, const Layer& layer,
                                           const BuilderConfig& config, const std::string& id) {
    tactics::LayerConfig layerConfig = tactics::LayerConfig::of(layer);
    layerConfig.allowTf32 = config.tf32;
    const tactics::TacticProvider* provider = tactics::providerOf(device.providers, id);
    if (!provider) return std::nullopt;
    auto tactic = provider->find(layerConfig, id);
    if (!tactic) return std::nullopt;
    TacticChoice choice;
    choice.tacticId = id;
    choice.workspaceBytes = tactic.value()->workspaceBytes();
    if (choice.workspaceBytes > config.workspaceLimit) return std::nullopt;
    auto weights = tactic.value()->prepareWeights();
    if (!weights) return std::nullopt;
    auto kernel = tactic.value()->instantiate(weights.value());
    if (!kernel) return std::nullopt;
    choice.weights = std::move(weights).value();
    choice.kernel = std::move(kernel).value();
    return choice;
}

namespace {

// The cache's choice for `layer`, recreated by the provider that made it, without enumerating the
// other candidates (for cuDNN that skips the heuristics queries). Null when the tactic cannot be
// recreated here or no longer fits the workspace limit; the layer is then timed.
std::optional<TacticChoice> cachedChoice(const TimingDevice& device, const Layer& layer,
                                         const BuilderConfig& config, const TimingCache::Entry& entry) {
    std::optional<TacticChoice> choice = recreateTactic(device, layer, config, entry.chosen);
    if (!choice) return std::nullopt;
    choice->candidates = entry.candidates;
    choice->fromCache = true;
    choice->fromThisBuild = entry.fromThisBuild;
    choice->timingBatch = entry.timingBatch;
    return choice;
}

// The batch to time `layer` at in place of its own, or 0 to time it as it is: a convolution or pooling
// layer of a large batch on a backend that ranks tactics on part of the batch, where the batch is the
// first dimension of its activation input and outputs (merged sibling convolutions have several) and of
// nothing else (a fused residual has an output's shape; weights and biases are constants).
int64_t partialTimingBatch(const TimingDevice& device, const Layer& layer, const BuilderConfig& config) {
    if (config.exhaustiveTiming || !device.backend.ranksTacticsOnPartOfTheBatch()) return 0;
    const LayerKind kind = layer.kind();
    if (kind != LayerKind::Convolution && kind != LayerKind::Deconvolution && kind != LayerKind::Pooling)
        return 0;
    const Tensor* input = layer.input(0);
    if (!input || input->isConstant() || input->dims().empty()) return 0;
    const int64_t batch = input->dims()[0];
    const auto& outputs = layer.outputs();
    const auto batchFirst = [batch](const Tensor* output) {
        return !output->dims().empty() && output->dims()[0] == batch;
    };
    if (outputs.empty() || !std::all_of(outputs.begin(), outputs.end(), batchFirst)) return 0;
    for (size_t i = 1; i < layer.inputs().size(); ++i) {
        const Tensor* other = layer.input(i);
        const auto shaped = [other](const Tensor* output) { return output->dims() == other->dims(); };
        if (other && !other->isConstant() && std::none_of(outputs.begin(), outputs.end(), shaped)) return 0;
    }
    const int64_t part = std::max(kLeastTimingBatch, batch / kPartOfTheBatch);
    return batch >= 4 * part ? part : 0;
}

// `layer` alone in a network of its own, with `batch` images: the same parameters, constants, formats
// and ranges.
struct PartialLayer {
    NetworkDefinition network;
    const Layer* layer = nullptr;
};

Result<PartialLayer> withBatch(const Layer& layer, int64_t batch) {
    PartialLayer part;
    std::map<const Tensor*, Tensor*> copies;
    const auto copyRange = [](const Tensor& from, Tensor& to) {
        to.setFormat(from.format());
        if (from.dynamicRange()) to.setDynamicRange(*from.dynamicRange());
    };
    std::vector<Tensor*> inputs;
    for (const Tensor* input : layer.inputs()) {
        if (!input) {
            inputs.push_back(nullptr);
            continue;
        }
        auto& copy = copies[input];
        if (!copy) {
            Dims dims = input->dims();
            if (!input->isConstant()) dims[0] = batch;
            KILN_ASSIGN_OR_RETURN(copy, input->isConstant()
                                            ? part.network.addConstant(input->name(), input->constantData())
                                            : part.network.addInput(input->name(), input->type(), dims));
            copyRange(*input, *copy);
        }
        inputs.push_back(copy);
    }
    std::vector<std::string> outputNames;
    for (const Tensor* output : layer.outputs())
        outputNames.push_back(output->name());
    KILN_ASSIGN_OR_RETURN(Layer * copy,
                          part.network.addLayer(layer.name(), layer.params(), inputs, outputNames));
    for (size_t i = 0; i < layer.outputs().size(); ++i) {
        Dims expected = layer.output(i)->dims();
        expected[0] = batch;
        if (copy->output(i)->dims() != expected || copy->output(i)->type() != layer.output(i)->type()) {
            return internalError("layer '" + layer.name() + "' at batch " + std::to_string(batch) +
                                 " has output " + toString(copy->output(i)->dims()) + ", not " +
                                 toString(expected));
        }
        copyRange(*layer.output(i), *copy->output(i));
    }
    copy->setPrecisionConstraint(layer.precisionConstraint());
    part.layer = copy;
    return part;
}

// Candidates left out of a layer's timing, each with the reason the report gives.
using RuledOut = std::map<std::string, std::string>;

// chooseTactic, which times `layer` on part of its batch where that ranks its candidates and
// `mayTimePart` (not again for that part), leaving out the candidates `ruledOut` names.
// A timed candidate still in the running, with what it runs with.
struct Contender {
    size_t candidate = 0;  // its index in the choice's candidates
    std::unique_ptr<tactics::Kernel> kernel;
    std::vector<tactics::WeightBlob> weights;
    int64_t workspace = 0;
};

// Times the contenders again, one run of each in turn (see kCloseFactor), and gives each the median of
// its run-off runs as its time. Fewer rounds for long kernels; none when even kLeastRunOffRounds would
// overrun the budget.
Status runOff(TimingDevice& device, const BuilderConfig& config, const DummyData& data,
              backends::Timer& timer, std::vector<Contender>& contenders,
              std::vector<TacticCandidate>& candidates) {
    double round = 0.0;
    int64_t workspace = 1;
    for (const Contender& c : contenders) {
        round += candidates[c.candidate].milliseconds;
        workspace = std::max(workspace, c.workspace);
    }
    const int rounds =
        round > 0.0 ? int(std::min<double>(kRunOffRounds, kRunOffBudgetMilliseconds / round)) : kRunOffRounds;
    if (rounds < kLeastRunOffRounds) return Status::ok();
    backends::Stream& stream = device.stream;
    KILN_ASSIGN_OR_RETURN(std::byte* const workspaceBuffer,
                          reusedBuffer(device.backend, device.workspaceBuffer, size_t(workspace)));
    const tactics::KernelArgs args = data.args(workspaceBuffer, stream);
    std::vector<std::vector<double>> times(contenders.size());
    for (int r = 0; r < rounds; ++r) {
        for (size_t i = 0; i < contenders.size(); ++i) {
            if (config.progress && config.progress->shouldCancel())
                return cancelled("the build was cancelled");
            const size_t which = (i + size_t(r)) % contenders.size();
            const Contender& c = contenders[which];
            if (config.flushCaches) KILN_RETURN_IF_ERROR(device.backend.flushCaches(stream));
            timer.start(stream);
            KILN_RETURN_IF_ERROR(
                c.kernel->run(args).withContext("tactic '" + candidates[c.candidate].tactic + "'"));
            timer.stop(stream);
            KILN_ASSIGN_OR_RETURN(const double milliseconds, timer.milliseconds());
            times[which].push_back(milliseconds);
        }
    }
    for (size_t i = 0; i < contenders.size(); ++i) {
        std::nth_element(times[i].begin(), times[i].begin() + times[i].size() / 2, times[i].end());
        candidates[contenders[i].candidate].milliseconds = times[i][times[i].size() / 2];
    }
    return Status::ok();
}

Result<TacticChoice> chooseTacticAt(TimingDevice& device, const Layer& layer, const BuilderConfig& config,
                                    TimingCache* cache, bool mayTimePart,
                                    const RuledOut* ruledOut = nullptr) {
    tactics::LayerConfig layerConfig = tactics::LayerConfig::of(layer);
    layerConfig.allowTf32 = config.tf32;
    const std::string signature = cache ? timingSignature(layer, config.tf32) : std::string();
    // A tactic chosen for this layer at another shape of its profile, reused where it can run this one.
    if (auto preferred = config.preferredTactics.find(layer.name()); preferred != config.preferredTactics.end()) {
        TimingCache::Entry entry;
        entry.chosen = preferred->second;
        if (auto choice = cachedChoice(device, layer, config, entry)) return std::move(*choice);
    }
    if (const TimingCache::Entry* entry = cache ? cache->find(signature) : nullptr) {
        if (auto choice = cachedChoice(device, layer, config, *entry)) return std::move(*choice);
    }

    // Long kernels of a large batch: the candidates are timed on part of it, and the fastest recreated
    // for the whole batch (timed there as any layer is where it cannot be). Where others came within
    // kContenderFactor of it, those are timed again on the whole batch (the kMostContenders fastest), the
    // rest left out: a library can block its loops differently for fewer images (oneDNN's 1x1
    // convolutions of 8 and 64 images ranked the other way round). Pooling has no such blocking to
    // change: its kernels stream each image's planes alike whatever the batch, so part of it decides
    // (Inception-v3's thirteen pooling layers timed again at batch 64 took most of a second).
    if (const int64_t batch = mayTimePart ? partialTimingBatch(device, layer, config) : 0) {
        const auto timingStart = std::chrono::steady_clock::now();
        if (auto part = withBatch(layer, batch); part.isOk()) {
            BuilderConfig partConfig = config;
            partConfig.preferredTactics.clear();
            KILN_ASSIGN_OR_RETURN(TacticChoice timed,
                                  chooseTacticAt(device, *part->layer, partConfig, nullptr, false));
            RuledOut slower;
            bool contended = false;
            const double best = std::max(timed.timedMilliseconds(timed.tacticId), 0.0);
            // The runner-up's time: only the fastest kMostContenders go on to the whole batch.
            std::vector<double> others;
            for (const TacticCandidate& candidate : timed.candidates) {
                if (candidate.milliseconds >= 0.0 && candidate.tactic != timed.tacticId)
                    others.push_back(candidate.milliseconds);
            }
            std::sort(others.begin(), others.end());
            const double lastContender =
                others.size() >= size_t(kMostContenders - 1) ? others[size_t(kMostContenders - 2)] : -1.0;
            for (const TacticCandidate& candidate : timed.candidates) {
                if (candidate.milliseconds < 0.0 || candidate.tactic == timed.tacticId) continue;
                const bool close =
                    layer.kind() != LayerKind::Pooling && candidate.milliseconds <= kContenderFactor * best;
                if (close && candidate.milliseconds <= lastContender) {
                    contended = true;
                    continue;
                }
                char ratio[32];
                std::snprintf(ratio, sizeof ratio, "%.1f", best > 0.0 ? candidate.milliseconds / best : 0.0);
                slower[candidate.tactic] =
                    std::string("not timed on the whole batch: ") + ratio + " times slower than " +
                    timed.tacticId + " on " + std::to_string(batch) + " of its images" +
                    (close
                         ? " (" + std::to_string(kMostContenders) + " faster ones were timed on all of them)"
                         : std::string());
            }
            if (contended) {
                KILN_ASSIGN_OR_RETURN(TacticChoice choice,
                                      chooseTacticAt(device, layer, config, cache, false, &slower));
                choice.timingMilliseconds = millisecondsSince(timingStart);
                return choice;
            }
            TimingCache::Entry entry{timed.tacticId, std::move(timed.candidates)};
            entry.timingBatch = batch;
            if (auto choice = cachedChoice(device, layer, config, entry)) {
                choice->fromCache = false;
                choice->fromThisBuild = false;
                choice->timingBatch = batch;
                choice->timingMilliseconds = millisecondsSince(timingStart);
                if (cache) cache->store(signature, std::move(entry));
                return std::move(*choice);
            }
        }
    }

    Enumerated offered = enumerateAll(device.providers, layerConfig);
    if (ruledOut) {
        for (auto it = offered.tactics.begin(); it != offered.tactics.end();) {
            const auto reason = ruledOut->find((*it)->id());
            if (reason == ruledOut->end()) {
                ++it;
                continue;
            }
            offered.skipped.push_back({(*it)->id(), (*it)->library(), reason->second});
            it = offered.tactics.erase(it);
        }
    }
    const std::string context = "layer '" + layer.name() + "' (" + toString(layer.kind()) + ")";
    if (offered.tactics.empty()) {
        std::string reasons;
        for (const auto& skip : offered.skipped) reasons += "; " + skip.id + ": " + skip.reason;
        return unsupported(context + ": no " + device.backend.name() + " tactic can run it with formats " +
                           formatsOf(layer) + reasons);
    }

    TacticChoice choice;
    const auto timingStart = std::chrono::steady_clock::now();
    for (const auto& skip : offered.skipped) choice.candidates.push_back({skip.id, skip.library, -1.0, skip.reason, false});
    // The reference kernel is timed when nothing else can run the layer, which includes the case where
    // every other tactic needs more workspace than the limit allows.
    const bool onlyReference = std::all_of(offered.tactics.begin(), offered.tactics.end(), [&](const auto& tactic) {
        return tactic->id() == kReferenceTactic || tactic->workspaceBytes() > config.workspaceLimit;
    });
    backends::Stream& stream = device.stream;
    KILN_ASSIGN_OR_RETURN(DummyData data, DummyData::make(device, stream, layer).withContext(context));
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<backends::Timer> timer, device.backend.createTimer());
    // A layer with one candidate is timed once after its warm-up: nothing is chosen, the time is only
    // reported (concats and pointwise chains of a DenseNet at batch 64 spent seconds of its build on this).
    const auto timed = std::count_if(offered.tactics.begin(), offered.tactics.end(), [&](const auto& tactic) {
        return (tactic->id() != kReferenceTactic || onlyReference) && tactic->workspaceBytes() <= config.workspaceLimit;
    });
    const int iterations = timed == 1 && !config.exhaustiveTiming ? 1 : std::max(1, config.timingIterations);
    double best = -1.0;
    std::vector<Contender> contenders;  // the timed candidates within kCloseFactor of the best
    for (auto& tactic : offered.tactics) {
        TacticCandidate candidate{tactic->id(), tactic->library(), -1.0, "", false};
        auto skip = [&](std::string reason) {
            candidate.skipReason = std::move(reason);
            choice.candidates.push_back(candidate);
        };
        if (config.progress && config.progress->shouldCancel()) return cancelled("the build was cancelled");
        if (tactic->id() == kReferenceTactic && !onlyReference) {
            skip("not timed: the fallback for layers no other tactic can run");
            continue;
        }
        const int64_t workspace = tactic->workspaceBytes();
        if (workspace > config.workspaceLimit) {
            skip("needs " + mebibytes(workspace) + " of workspace; the limit is " + mebibytes(config.workspaceLimit));
            continue;
        }
        auto weights = tactic->prepareWeights();
        if (!weights) {
            skip("could not prepare its weights: " + weights.status().message());
            continue;
        }
        auto kernel = tactic->instantiate(weights.value());
        if (!kernel) {
            skip("could not be instantiated: " + kernel.status().message());
            continue;
        }
        auto workspaceBuffer = reusedBuffer(device.backend, device.workspaceBuffer, size_t(std::max<int64_t>(workspace, 1)));
        if (!workspaceBuffer) {
            skip("its workspace of " + mebibytes(workspace) + " cannot be allocated: " + workspaceBuffer.status().message());
            continue;
        }
        const tactics::KernelArgs args = data.args(workspaceBuffer.value(), stream);
        // The warm-up run, timed and waited for, so that a kernel failing on the device is caught here.
        timer->start(stream);
        Status ran = kernel.value()->run(args);
        timer->stop(stream);
        if (ran.isOk()) ran = stream.synchronize();
        if (!ran.isOk()) {
            skip("failed on dummy data: " + ran.message());
            continue;
        }
        KILN_ASSIGN_OR_RETURN(const double warmUp, timer->milliseconds().withContext(context + ", tactic '" + tactic->id() + "'"));
        std::vector<double> times;
        double timedMilliseconds = 0.0;
        const bool longRuns = !config.exhaustiveTiming && warmUp * kLeastTimedRuns >= kTimingBudgetMilliseconds &&
                              iterations >= kLeastTimedRuns;
        if (longRuns) {
            times.push_back(warmUp);
            timedMilliseconds = warmUp;
        }
        int slower = best >= 0.0 && longRuns && warmUp > best ? 1 : 0;
        for (int i = longRuns ? 1 : 0; i < iterations; ++i) {
            // Polled between timed runs too: a candidate timed many times can take longer than a user waits.
            if (config.progress && config.progress->shouldCancel()) return cancelled("the build was cancelled");
            if (config.flushCaches) KILN_RETURN_IF_ERROR(device.backend.flushCaches(stream));
            timer->start(stream);
            KILN_RETURN_IF_ERROR(kernel.value()->run(args).withContext(context + ", tactic '" + tactic->id() + "'"));
            timer->stop(stream);
            KILN_ASSIGN_OR_RETURN(const double milliseconds,
                                  timer->milliseconds().withContext(context + ", tactic '" + tactic->id() + "'"));
            times.push_back(milliseconds);
            timedMilliseconds += milliseconds;
            if (config.exhaustiveTiming) continue;
            if (times.size() == (longRuns ? 2u : 1u) && best >= 0.0 && milliseconds > kHopelessFactor * best) break;
            if (best >= 0.0 && milliseconds > best) ++slower;
            if (longRuns && times.size() == 2 && slower == 2 && timedMilliseconds >= kTimingBudgetMilliseconds) break;
            if (i + 1 >= kLeastTimedRuns && timedMilliseconds >= kTimingBudgetMilliseconds) break;
            if (best >= 0.0 && int(times.size()) >= kLeastTimedRuns &&
                *std::min_element(times.begin(), times.end()) > kClearlySlowerFactor * best) {
                break;
            }
        }
        std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
        candidate.milliseconds = times[times.size() / 2];
        choice.candidates.push_back(candidate);
        if (best < 0.0 || candidate.milliseconds < best) best = candidate.milliseconds;
        std::erase_if(contenders, [&](const Contender& c) {
            return choice.candidates[c.candidate].milliseconds > kCloseFactor * best;
        });
        if (candidate.milliseconds <= kCloseFactor * best) {
            contenders.push_back({choice.candidates.size() - 1, std::move(kernel).value(),
                                  std::move(weights).value(), workspace});
        }
    }
    if (contenders.size() > 1) {
        KILN_RETURN_IF_ERROR(runOff(device, config, data, *timer, contenders, choice.candidates)
                                 .withContext(context + ", run-off"));
    }
    if (!contenders.empty()) {
        const auto winner = std::min_element(contenders.begin(), contenders.end(),
                                             [&](const Contender& a, const Contender& b) {
                                                 return choice.candidates[a.candidate].milliseconds <
                                                        choice.candidates[b.candidate].milliseconds;
                                             });
        choice.tacticId = choice.candidates[winner->candidate].tactic;
        choice.workspaceBytes = winner->workspace;
        choice.weights = std::move(winner->weights);
        choice.kernel = std::move(winner->kernel);
    }
    if (!choice.kernel) {
        std::string reasons;
        for (const auto& candidate : choice.candidates) reasons += "; " + candidate.tactic + ": " + candidate.skipReason;
        return unsupported(context + ": every tactic that could run it was skipped" + reasons);
    }
    for (TacticCandidate& candidate : choice.candidates) candidate.chosen = candidate.tactic == choice.tacticId;
    choice.timingMilliseconds = millisecondsSince(timingStart);
    if (cache) cache->store(signature, {choice.tacticId, choice.candidates});
    return choice;
}

}  // namespace

Result<TacticChoice> chooseTactic(TimingDevice& device, const Layer& layer, const BuilderConfig& config,
                                  TimingCache* cache) {
    return chooseTacticAt(device, layer, config, cache, true);
}

}  // namespace kiln::builder

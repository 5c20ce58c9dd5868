// Channel-permutation folding (channel_permutation_folding.h): match a shuffle and plan what each layer
// around it becomes, read-only; then rewrite those layers and remove the shuffle.
#include "passes/channel_permutation_folding.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "passes/pass_helpers.h"

namespace kiln::passes {
namespace {

// How many readers a permutation may be folded into, passed-on ones included: a bound on the search.
constexpr size_t kMaxFoldedReaders = 64;

// Reshape -> Transpose -> Reshape that permutes one axis: y[..., c, ...] = x[..., perm[c], ...].
struct Shuffle {
    Layer* split = nullptr;
    Layer* transpose = nullptr;
    Layer* merge = nullptr;
    size_t axis = 0;
    std::vector<int64_t> perm;
};

enum class FoldKind {
    Weights,  // a Convolution reads the unpermuted tensor through permuted weight input channels
    Gather,   // a Slice along the axis becomes a Gather of the permuted indices
    PassOn,   // a per-channel layer computes on the unpermuted channels and its readers fold it in turn
};

struct ReaderFold {
    Layer* layer = nullptr;
    FoldKind kind = FoldKind::Weights;
    std::vector<ReaderFold> readers;  // PassOn: what the layer's own readers become
};

struct Match {
    Shuffle shuffle;
    Layer* producer = nullptr;  // set when the producer writes the permuted channels
    std::vector<ReaderFold> readers;
};

bool isLive(const Layer* layer, LayerKind kind) {
    return layer && layer->kind() == kind && !layer->isElided() && layer->outputs().size() == 1 &&
           !layer->output(0)->alias();
}

// The permutation of one axis that `split` -> `transpose` -> `merge` amounts to, if that is all they do:
// `split` divides axis k of x into factors (every other axis kept), the transpose reorders only those
// factors, and `merge` gives back x's shape.
std::optional<Shuffle> matchShuffle(const NetworkDefinition& network, Layer* split) {
    if (!isLive(split, LayerKind::Reshape) || split->inputs().size() != 1) return std::nullopt;
    const Tensor* x = split->input(0);
    Layer* transpose = soleReader(network, split->output(0));
    if (!isLive(transpose, LayerKind::Transpose) || transpose->precisionConstraint() != split->precisionConstraint()) {
        return std::nullopt;
    }
    Layer* merge = soleReader(network, transpose->output(0));
    if (!isLive(merge, LayerKind::Reshape) || merge->precisionConstraint() != split->precisionConstraint()) {
        return std::nullopt;
    }
    const Dims& dims = x->dims();
    const Dims& factored = split->output(0)->dims();
    if (x->alias() || x->isConstant() || dims.empty() || factored.size() < dims.size() + 1 ||
        merge->output(0)->dims() != dims) {
        return std::nullopt;
    }
    // The axes kept before and after the split one.
    size_t before = 0;
    while (before + 1 < dims.size() && before + 2 < factored.size() && dims[before] == factored[before]) ++before;
    size_t after = 0;
    while (after + before + 1 < dims.size() && after + before + 2 < factored.size() &&
           dims[dims.size() - 1 - after] == factored[factored.size() - 1 - after]) {
        ++after;
    }
    if (before + after + 1 != dims.size()) return std::nullopt;
    const size_t count = factored.size() - before - after;  // factors of the split axis
    int64_t product = 1;
    for (size_t j = 0; j < count; ++j) product *= factored[before + j];
    if (product != dims[before]) return std::nullopt;
    const std::vector<int64_t>& order = transpose->paramsAs<TransposeParams>().perm;
    if (order.size() != factored.size()) return std::nullopt;
    for (size_t i = 0; i < order.size(); ++i) {
        const bool factor = i >= before && i < before + count;
        if (!factor && order[i] != int64_t(i)) return std::nullopt;
        if (factor && (order[i] < int64_t(before) || order[i] >= int64_t(before + count))) return std::nullopt;
    }
    // Output index o, read digit by digit over the transposed factors, addresses the input through the
    // strides of the factors as they were split.
    std::vector<int64_t> strides(count, 1);
    for (size_t j = count - 1; j > 0; --j) strides[j - 1] = strides[j] * factored[before + j];
    Shuffle shuffle{split, transpose, merge, before, std::vector<int64_t>(size_t(dims[before]))};
    for (int64_t o = 0; o < dims[before]; ++o) {
        int64_t rest = o;
        int64_t source = 0;
        for (size_t j = count; j-- > 0;) {
            const auto from = size_t(order[before + j]) - before;
            source += (rest % factored[before + from]) * strides[from];
            rest /= factored[before + from];
        }
        shuffle.perm[size_t(o)] = source;
    }
    return shuffle;
}

bool hasFloatWeights(const Layer& conv) {
    return floatConstant(conv.input(1)) && (!conv.input(2) || floatConstant(conv.input(2)));
}

// Whether the permutation keeps every channel in its group of `perGroup` channels.
bool keepsGroups(const std::vector<int64_t>& perm, int64_t perGroup) {
    for (size_t c = 0; c < perm.size(); ++c) {
        if (perm[c] / perGroup != int64_t(c) / perGroup) return false;
    }
    return true;
}

// A Slice that takes a range of `axis` alone (every other axis whole).
bool slicesOnly(const Layer& slice, size_t axis) {
    const auto& p = slice.paramsAs<SliceParams>();
    const Dims& in = slice.input(0)->dims();
    const Dims& out = slice.output(0)->dims();
    for (size_t i = 0; i < in.size(); ++i) {
        if (i != axis && (p.starts[i] != 0 || p.steps[i] != 1 || out[i] != in[i])) return false;
    }
    return true;
}

// What each reader of `tensor` (holding the permuted channels) becomes; nothing when one of them cannot
// take the permutation.
std::optional<std::vector<ReaderFold>> planReaders(const NetworkDefinition& network, const Tensor* tensor,
                                                   const Shuffle& shuffle, size_t& budget) {
    if (tensor->isNetworkOutput() || tensor->alias()) return std::nullopt;
    std::vector<ReaderFold> folds;
    for (Layer* reader : network.consumersOf(tensor)) {
        if (budget == 0 || reader->isElided() || reader->outputs().size() != 1 || reader->output(0)->alias() ||
            reader->input(0) != tensor) {
            return std::nullopt;
        }
        const auto& inputs = reader->inputs();
        if (std::count(inputs.begin(), inputs.end(), tensor) != 1) return std::nullopt;
        --budget;
        ReaderFold fold{reader, FoldKind::Weights, {}};
        const size_t rank = tensor->dims().size();
        switch (reader->kind()) {
            case LayerKind::Convolution: {
                if (shuffle.axis != 1 || rank < 3 || !hasFloatWeights(*reader)) return std::nullopt;
                const auto& p = reader->paramsAs<ConvolutionParams>();
                const int64_t channels = tensor->dims()[1];
                const int64_t perGroup = channels / p.groups;
                const bool depthwise = p.groups == channels && reader->input(1)->dims()[0] == channels &&
                                       !reader->input(3) && p.outputChannels.empty();
                if (p.groups == 1 || keepsGroups(shuffle.perm, perGroup)) {
                    fold.kind = FoldKind::Weights;
                } else if (depthwise) {
                    auto next = planReaders(network, reader->output(0), shuffle, budget);
                    if (!next) return std::nullopt;
                    fold = {reader, FoldKind::PassOn, std::move(*next)};
                } else {
                    return std::nullopt;
                }
                break;
            }
            case LayerKind::Activation:
            case LayerKind::Unary: {
                if (inputs.size() != 1) return std::nullopt;
                auto next = planReaders(network, reader->output(0), shuffle, budget);
                if (!next) return std::nullopt;
                fold = {reader, FoldKind::PassOn, std::move(*next)};
                break;
            }
            case LayerKind::Slice:
                if (!slicesOnly(*reader, shuffle.axis)) return std::nullopt;
                fold.kind = FoldKind::Gather;
                break;
            default:
                return std::nullopt;
        }
        folds.push_back(std::move(fold));
    }
    return folds;
}

// An ungrouped Convolution that only the shuffle reads, whose output rows can be written permuted.
Layer* permutableProducer(const NetworkDefinition& network, const Shuffle& shuffle) {
    Tensor* x = shuffle.split->input(0);
    Layer* producer = x->producer();
    if (shuffle.axis != 1 || !isLive(producer, LayerKind::Convolution) || x->isNetworkOutput() ||
        soleReader(network, x) != shuffle.split || !hasFloatWeights(*producer) || producer->input(3) ||
        producer->precisionConstraint() != shuffle.split->precisionConstraint()) {
        return nullptr;
    }
    const auto& p = producer->paramsAs<ConvolutionParams>();
    return p.groups == 1 && p.outputChannels.empty() ? producer : nullptr;
}

std::optional<Match> matchAt(const NetworkDefinition& network, Layer* layer) {
    auto shuffle = matchShuffle(network, layer);
    if (!shuffle) return std::nullopt;
    if (Layer* producer = permutableProducer(network, *shuffle)) return Match{std::move(*shuffle), producer, {}};
    size_t budget = kMaxFoldedReaders;
    auto readers = planReaders(network, shuffle->merge->output(0), *shuffle, budget);
    if (!readers) return std::nullopt;
    return Match{std::move(*shuffle), nullptr, std::move(*readers)};
}

// How the rows (slices along axis 0) of a weight or bias move with a permutation: a producer writing the
// permuted channels takes row perm[c] as its row c; a layer passing it on puts its row c at perm[c].
enum class RowMove { Gather, Scatter };

HostTensor movedRows(const HostTensor& data, const std::vector<int64_t>& perm, RowMove move) {
    HostTensor moved(DataType::Float32, data.dims());
    const int64_t width = data.elementCount() / data.dims()[0];
    for (size_t c = 0; c < perm.size(); ++c) {
        const int64_t from = move == RowMove::Gather ? perm[c] : int64_t(c);
        const int64_t to = move == RowMove::Gather ? int64_t(c) : perm[c];
        std::copy_n(data.data<float>() + from * width, width, moved.data<float>() + to * width);
    }
    return moved;
}

Result<Tensor*> permutedConstant(NetworkDefinition& network, const Tensor* original, HostTensor data) {
    return network.addConstant(freshTensorName(network, original->name() + ".permuted"), std::move(data));
}

// The convolution inputs `inputs` with its weights (1) and bias (2, when there is one) moved as `move` says.
Status moveWeightsAndBias(NetworkDefinition& network, std::vector<Tensor*>& inputs, const std::vector<int64_t>& perm,
                          RowMove move) {
    for (size_t i : {size_t(1), size_t(2)}) {
        if (!inputs[i]) continue;
        KILN_ASSIGN_OR_RETURN(inputs[i], permutedConstant(network, inputs[i], movedRows(*inputs[i]->constantData(), perm, move)));
    }
    return Status::ok();
}

// Rewrites one reader of `permuted` (whose channels are `source`'s through the shuffle) to read `source`;
// returns the layer that stands in its place.
Result<Layer*> applyFold(NetworkDefinition& network, const ReaderFold& fold, Tensor* source, const Shuffle& shuffle,
                         PassLog& log) {
    Layer* layer = fold.layer;
    std::vector<Tensor*> inputs = layer->inputs();
    inputs[0] = source;
    const std::vector<int64_t>& perm = shuffle.perm;
    switch (fold.kind) {
        case FoldKind::Weights: {
            // Input channel c of the layer was source channel perm[c]: its weights move there.
            const HostTensor& w = *layer->input(1)->constantData();
            const int64_t perGroup = w.dims()[1];
            const int64_t rows = w.dims()[0];
            const int64_t taps = w.elementCount() / (rows * perGroup);
            const int64_t groups = int64_t(perm.size()) / perGroup;
            HostTensor moved(DataType::Float32, w.dims());
            for (int64_t o = 0; o < rows; ++o) {
                const int64_t group = o / (rows / groups);
                for (int64_t j = 0; j < perGroup; ++j) {
                    const int64_t to = perm[size_t(group * perGroup + j)] - group * perGroup;
                    std::copy_n(w.data<float>() + (o * perGroup + j) * taps, taps,
                                moved.data<float>() + (o * perGroup + to) * taps);
                }
            }
            KILN_ASSIGN_OR_RETURN(inputs[1], permutedConstant(network, layer->input(1), std::move(moved)));
            KILN_RETURN_IF_ERROR(network.updateLayer(layer, layer->params(), inputs));
            return layer;
        }
        case FoldKind::Gather: {
            const auto& p = layer->paramsAs<SliceParams>();
            const int64_t count = layer->output(0)->dims()[shuffle.axis];
            HostTensor indices(DataType::Int64, {count});
            for (int64_t j = 0; j < count; ++j) {
                indices.data<int64_t>()[j] = perm[size_t(p.starts[shuffle.axis] + j * p.steps[shuffle.axis])];
            }
            KILN_ASSIGN_OR_RETURN(
                Tensor * constant,
                network.addConstant(freshTensorName(network, layer->name() + ".indices"), std::move(indices)));
            KILN_RETURN_IF_ERROR(network.updateLayer(layer, GatherParams{int64_t(shuffle.axis)}, {source, constant}));
            return layer;
        }
        case FoldKind::PassOn: {
            // The layer computes on the unpermuted channels (a depthwise one with its weights and bias
            // moved along) into a new tensor, which its readers then take through the same permutation.
            if (layer->kind() == LayerKind::Convolution) {
                KILN_RETURN_IF_ERROR(moveWeightsAndBias(network, inputs, perm, RowMove::Scatter));
            }
            const Tensor* original = layer->output(0);
            const std::string name = layer->name();
            KILN_ASSIGN_OR_RETURN(
                Layer * replacement,
                network.addLayer(freshLayerName(network, name + ".channel_permuted"), layer->params(), inputs,
                                 {freshTensorName(network, original->name() + ".channel_permuted")}));
            replacement->setProvenance(layer->provenance());
            replacement->setPrecisionConstraint(layer->precisionConstraint());
            Tensor* permuted = replacement->output(0);
            if (original->dynamicRange()) permuted->setDynamicRange(*original->dynamicRange());
            std::vector<std::string> names;
            for (const ReaderFold& next : fold.readers) {
                KILN_ASSIGN_OR_RETURN(Layer * folded, applyFold(network, next, permuted, shuffle, log));
                names.push_back(folded->name());
            }
            KILN_RETURN_IF_ERROR(network.removeLayer(layer));
            KILN_RETURN_IF_ERROR(network.renameLayer(replacement, name));
            std::string readers;
            for (const std::string& reader : names) readers += (readers.empty() ? "" : ", ") + reader;
            log.record(makeMessage("pass.permutation_passed_on", {name, permuted->name(), readers}), {name});
            return replacement;
        }
    }
    return internalError("channel-permutation folding: unknown fold");
}

const char* foldText(FoldKind kind) {
    switch (kind) {
        case FoldKind::Weights: return "weights";
        case FoldKind::Gather: return "gather";
        case FoldKind::PassOn: return "passed on";
    }
    return "";
}

Status rewrite(NetworkDefinition& network, const Match& match, PassLog& log) {
    const Shuffle& s = match.shuffle;
    const std::vector<const Layer*> shuffleLayers{s.split, s.transpose, s.merge};
    const std::string shuffleNames = joinedNames({s.split, s.transpose, s.merge});
    Tensor* source = s.split->input(0);
    Tensor* result = s.merge->output(0);
    if (match.producer) {
        // Output channel c is what channel perm[c] was: the weight rows and the bias move with it.
        Layer* producer = match.producer;
        std::vector<Tensor*> inputs = producer->inputs();
        KILN_RETURN_IF_ERROR(moveWeightsAndBias(network, inputs, s.perm, RowMove::Gather));
        const std::string name = producer->name();
        KILN_RETURN_IF_ERROR(
            fuseInto(network, {producer, s.split, s.transpose, s.merge}, producer, producer->params(), inputs, result, name));
        log.record(makeMessage("pass.permutation_into_producer", {shuffleNames, name}), {name});
        return Status::ok();
    }
    std::vector<std::string> folded;
    std::string description;
    for (const ReaderFold& fold : match.readers) {
        KILN_ASSIGN_OR_RETURN(Layer * layer, applyFold(network, fold, source, s, log));
        std::vector<const Layer*> provenance = shuffleLayers;
        provenance.push_back(layer);
        layer->setProvenance(mergedProvenance(provenance));
        folded.push_back(layer->name());
        description += (description.empty() ? "" : ", ") + layer->name() + " (" + foldText(fold.kind) + ")";
    }
    for (Layer* layer : {s.merge, s.transpose, s.split}) KILN_RETURN_IF_ERROR(network.removeLayer(layer));
    log.record(makeMessage("pass.permutation_into_readers", {shuffleNames, description}), folded);
    return Status::ok();
}

}  // namespace

Status foldChannelPermutations(NetworkDefinition& network, PassLog& log) {
    return rewriteEachMatchAndSort(
        network, [&](Layer* layer) { return matchAt(network, layer); },
        [&](const Match& match) { return rewrite(network, match, log); });
}

}  // namespace kiln::passes

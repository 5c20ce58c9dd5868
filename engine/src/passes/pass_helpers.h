// What several passes share: small read-only queries (who reads a tensor, whether it is the base of an
// alias), the provenance of a fused layer, fresh names for the layers and constants a pass creates, and
// the match-and-rewrite loop of the fusion passes.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "kiln/network.h"

namespace kiln::passes {

// How many layer input slots read `tensor` (a layer reading it twice counts twice).
int readCount(const NetworkDefinition& network, const Tensor* tensor);

// The only layer that reads `tensor`, through exactly one input slot; null when it has no reader,
// several readers, is read twice by one layer, or is a network output (its value must stay visible).
Layer* soleReader(const NetworkDefinition& network, const Tensor* tensor);

// Whether some other tensor is an alias of `tensor`.
bool isAliasBase(const NetworkDefinition& network, const Tensor* tensor);

// The union of the layers' provenance, in order, each node once.
std::vector<std::string> mergedProvenance(std::initializer_list<const Layer*> layers);
std::vector<std::string> mergedProvenance(const std::vector<const Layer*>& layers);

// `base` when no tensor (layer) has that name yet, else `base` with the first free suffix "_2", "_3", ...
std::string freshTensorName(const NetworkDefinition& network, const std::string& base);
std::string freshLayerName(const NetworkDefinition& network, const std::string& base);
// A fresh layer name for a pattern fused into one layer: the layers' common name prefix up to its last
// separator ('/', '.', ':' or '_') followed by `kind`: "/blocks.0/norm1/ReduceMean", "/blocks.0/norm1/Sub",
// ... and "LayerNorm" give "/blocks.0/norm1/LayerNorm".
std::string patternLayerName(const NetworkDefinition& network, const std::vector<Layer*>& layers,
                             const std::string& kind);

// A constant's FP32 data, or null when `tensor` is no FP32 constant.
const HostTensor* floatConstant(const Tensor* tensor);

bool sameActivation(const std::optional<ActivationParams>& a, const std::optional<ActivationParams>& b);

// Whether `layer` is an Elementwise layer computing `op` (false for null).
bool isElementwiseOp(const Layer* layer, ElementwiseOp op);
// The operand of a binary `layer` other than `tensor` (null when both or neither are it).
Tensor* otherOperand(const Layer& layer, const Tensor* tensor);
// Whether a pattern fusion may take `layer` beside `anchor`: live, one FP32 output that is no view, and
// `anchor`'s precision constraint (false for null).
bool fusibleBeside(const Layer* layer, const Layer* anchor);
// The producer of `tensor` when it is fusible beside `reader` and `reader` alone reads it; else null.
Layer* soleFeeder(const NetworkDefinition& network, const Tensor* tensor, const Layer* reader);

// "a, b, c": the layers' names, for a pass's log.
std::string joinedNames(const std::vector<Layer*>& layers);

// The rewrite every fusion ends with: removes `layers` except `kept` (one of them), gives `kept` the
// parameters and inputs of the fused layer, makes it write `result` (what the last of the pattern wrote),
// renames it `name` and gives it the provenance of all of `layers`, in their order.
Status fuseInto(NetworkDefinition& network, const std::vector<Layer*>& layers, Layer* kept, LayerParams params,
                const std::vector<Tensor*>& inputs, Tensor* result, const std::string& name);

// The rewrite of sibling layers merged into one with an output per sibling: adds a layer `name` with
// `params` reading `inputs`, which takes over writing each sibling's own output tensor (in order), with
// their provenance and the first one's precision constraint, and removes the siblings.
Status mergeSiblings(NetworkDefinition& network, const std::vector<Layer*>& siblings, const std::string& name,
                     LayerParams params, const std::vector<Tensor*>& inputs);

// Where the match-and-rewrite loop looks after a rewrite: at the same position (the rewritten layer may
// match again, e.g. an activation after a folded batch norm; a pattern's layers removed before that
// position must not be able to skip one), or from the first layer again.
enum class Rescan { SamePosition, FromStart };

// The loop every fusion pass shares: `match(layer)` (read-only, returning an optional match) at each
// layer in network order, `rewrite(match)` (returning Status) for each match found. Returns whether
// anything was rewritten; the pass then tidies up (unused tensors, topological order) as it needs.
template <typename MatchFn, typename RewriteFn>
Result<bool> rewriteEachMatch(NetworkDefinition& network, MatchFn match, RewriteFn rewrite,
                              Rescan rescan = Rescan::SamePosition) {
    bool changed = false;
    for (size_t index = 0; index < network.layers().size();) {
        auto found = match(network.layers()[index].get());
        if (!found) {
            ++index;
            continue;
        }
        KILN_RETURN_IF_ERROR(rewrite(*found));
        changed = true;
        if (rescan == Rescan::FromStart) index = 0;
    }
    return changed;
}

// rewriteEachMatch for a pass whose rewrites add layers or leave tensors unread: when anything was
// rewritten, the unused tensors are removed and the layers sorted topologically again.
template <typename MatchFn, typename RewriteFn>
Status rewriteEachMatchAndSort(NetworkDefinition& network, MatchFn match, RewriteFn rewrite) {
    KILN_ASSIGN_OR_RETURN(const bool changed, rewriteEachMatch(network, match, rewrite));
    if (!changed) return Status::ok();
    network.removeUnusedTensors();
    return network.sortTopologically();
}

}  // namespace kiln::passes

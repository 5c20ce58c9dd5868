// Vertical fusion: match a producer and its sole reader read-only, then fold the reader into the
// producer's parameters and let the producer write the reader's output. A fused residual may be computed
// by a layer that now runs after the producer in network order, hence the final topological sort.
#include "passes/vertical_fusion.h"

#include <optional>

#include "passes/pass_helpers.h"

namespace kiln::passes {
namespace {

enum class Fusion { Activation, Residual };

struct Match {
    Layer* producer = nullptr;
    Layer* follower = nullptr;
    Fusion fusion = Fusion::Activation;
    Tensor* residual = nullptr;
};

std::optional<Match> matchAt(const NetworkDefinition& network, Layer* producer) {
    const bool conv = producer->kind() == LayerKind::Convolution;
    if ((!conv && producer->kind() != LayerKind::Gemm) || producer->isElided()) return std::nullopt;
    const bool activated = conv ? producer->paramsAs<ConvolutionParams>().activation.has_value()
                                : producer->paramsAs<GemmParams>().activation.has_value();
    // A convolution with split outputs would apply the fusion to every output, not just the one read.
    if (producer->outputs().size() != 1) return std::nullopt;
    Tensor* output = producer->output(0);
    if (activated || output->alias()) return std::nullopt;
    Layer* follower = soleReader(network, output);
    if (!follower || follower->isElided() || follower->output(0)->alias()) return std::nullopt;
    if (follower->precisionConstraint() != producer->precisionConstraint()) return std::nullopt;
    if (follower->output(0)->type() != output->type()) return std::nullopt;

    if (follower->kind() == LayerKind::Activation)
        return Match{producer, follower, Fusion::Activation, nullptr};
    const bool add = follower->kind() == LayerKind::Elementwise &&
                     follower->paramsAs<ElementwiseParams>().op == ElementwiseOp::Add;
    if (!conv || !add || producer->input(3) != nullptr) return std::nullopt;
    Tensor* residual = follower->input(0) == output ? follower->input(1) : follower->input(0);
    if (residual->dims() != output->dims() || residual->type() != output->type()) return std::nullopt;
    return Match{producer, follower, Fusion::Residual, residual};
}

Status rewrite(NetworkDefinition& network, const Match& match, PassLog& log) {
    Layer* producer = match.producer;
    Layer* follower = match.follower;
    LayerParams params = producer->params();
    std::vector<Tensor*> inputs = producer->inputs();
    if (match.fusion == Fusion::Activation) {
        const auto& activation = follower->paramsAs<ActivationParams>();
        if (auto* conv = std::get_if<ConvolutionParams>(&params)) {
            conv->activation = activation;
        } else {
            std::get<GemmParams>(params).activation = activation;
        }
    } else {
        inputs.resize(4, nullptr);
        inputs[3] = match.residual;
    }
    const std::string name = freshLayerName(network, producer->name() + " + " + follower->name());
    KILN_RETURN_IF_ERROR(fuseInto(network, {producer, follower}, producer, params, inputs, follower->output(0), name));
    const char* id = match.fusion == Fusion::Activation ? "pass.fused_activation" : "pass.fused_residual_add";
    log.record(makeMessage(id, {name}), {name});
    return Status::ok();
}

}  // namespace

Status fuseVertically(NetworkDefinition& network, PassLog& log) {
    // The same producer is matched again: an activation after a residual add fuses too.
    return rewriteEachMatchAndSort(
        network, [&](Layer* layer) { return matchAt(network, layer); },
        [&](const Match& match) { return rewrite(network, match, log); });
}

}  // namespace kiln::passes

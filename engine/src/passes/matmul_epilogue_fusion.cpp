// MatMul epilogue fusion (matmul_epilogue_fusion.h): match a MatMul and its sole reader read-only, then fold
// the reader into the MatMul's inputs or parameters and let the MatMul write the reader's output. A fused
// residual may be computed by a layer that now runs after the MatMul in network order, hence the final
// topological sort.
#include "passes/matmul_epilogue_fusion.h"

#include <algorithm>
#include <optional>

#include "passes/pass_helpers.h"

namespace kiln::passes {
namespace {

enum class Fusion { Bias, Residual, Activation };

struct Match {
    Layer* product = nullptr;
    Layer* follower = nullptr;
    Fusion fusion = Fusion::Activation;
    Tensor* operand = nullptr;  // the bias or the residual
};

// Whether `weights` are constant and free of batch axes (2-D, or leading axes of 1).
bool batchFreeConstant(const Tensor* weights) {
    const Dims& dims = weights->dims();
    return weights->isConstant() && dims.size() >= 2 &&
           std::all_of(dims.begin(), dims.end() - 2, [](int64_t extent) { return extent == 1; });
}

// Whether `dims` hold one value per column of an output with `columns` columns: [N] or [1, ..., 1, N].
bool isRow(const Dims& dims, int64_t columns) {
    return !dims.empty() && dims.back() == columns &&
           std::all_of(dims.begin(), dims.end() - 1, [](int64_t extent) { return extent == 1; });
}

std::optional<Match> matchAt(const NetworkDefinition& network, Layer* product) {
    if (product->kind() != LayerKind::MatMul || product->isElided() || product->outputs().size() != 1) {
        return std::nullopt;
    }
    const auto& params = product->paramsAs<MatMulParams>();
    Tensor* output = product->output(0);
    if (params.activation || output->alias() || output->type() != DataType::Float32 ||
        product->input(0)->dims().size() < 2 || product->input(1)->dims().size() < 2) {
        return std::nullopt;
    }
    Layer* follower = soleReader(network, output);
    if (!follower || follower->isElided() || follower->output(0)->alias() ||
        follower->precisionConstraint() != product->precisionConstraint() ||
        follower->output(0)->type() != output->type() || follower->output(0)->dims() != output->dims()) {
        return std::nullopt;
    }
    if (follower->kind() == LayerKind::Activation) return Match{product, follower, Fusion::Activation, nullptr};
    const bool add = follower->kind() == LayerKind::Elementwise &&
                     follower->paramsAs<ElementwiseParams>().op == ElementwiseOp::Add && follower->inputs().size() == 2;
    if (!add || product->inputs().size() > 3) return std::nullopt;  // a residual is there already
    Tensor* other = follower->input(0) == output ? follower->input(1) : follower->input(0);
    if (other == output || other->type() != DataType::Float32) return std::nullopt;
    if (other->isConstant()) {
        if (product->inputs().size() > 2 || !batchFreeConstant(product->input(1)) || !floatConstant(other) ||
            !isRow(other->dims(), output->dims().back())) {
            return std::nullopt;
        }
        return Match{product, follower, Fusion::Bias, other};
    }
    if (other->dims() != output->dims()) return std::nullopt;
    return Match{product, follower, Fusion::Residual, other};
}

Status rewrite(NetworkDefinition& network, const Match& m, PassLog& log) {
    MatMulParams params = m.product->paramsAs<MatMulParams>();
    std::vector<Tensor*> inputs = m.product->inputs();
    const char* what = "pass.fused_matmul_activation";
    if (m.fusion == Fusion::Activation) {
        params.activation = m.follower->paramsAs<ActivationParams>();
    } else if (m.fusion == Fusion::Bias) {
        Tensor* bias = m.operand;
        const int64_t columns = m.product->output(0)->dims().back();
        if (bias->dims() != Dims{columns}) {
            // [1, ..., 1, N] holds the same values as [N].
            HostTensor row(DataType::Float32, {columns});
            std::copy_n(bias->constantData()->data<float>(), columns, row.data<float>());
            KILN_ASSIGN_OR_RETURN(bias, network.addConstant(freshTensorName(network, bias->name() + "_row"), std::move(row)));
        }
        inputs.resize(3, nullptr);
        inputs[2] = bias;
        what = "pass.fused_matmul_bias";
    } else {
        inputs.resize(4, nullptr);
        inputs[3] = m.operand;
        what = "pass.fused_matmul_residual_add";
    }
    const std::string name = freshLayerName(network, m.product->name() + " + " + m.follower->name());
    KILN_RETURN_IF_ERROR(fuseInto(network, {m.product, m.follower}, m.product, params, inputs, m.follower->output(0), name));
    log.record(makeMessage(what, {name}), {name});
    return Status::ok();
}

}  // namespace

Status fuseMatMulEpilogues(NetworkDefinition& network, PassLog& log) {
    // The same MatMul is matched again: a bias, then a residual or an activation.
    return rewriteEachMatchAndSort(
        network, [&](Layer* layer) { return matchAt(network, layer); },
        [&](const Match& match) { return rewrite(network, match, log); });
}

}  // namespace kiln::passes

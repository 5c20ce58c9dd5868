// Batch-norm folding: match a producer (Convolution or Gemm) and its per-channel affine follower
// read-only, then compute the folded weights in double, round once to float, and rewrite.
#include "passes/batch_norm_folding.h"

#include <cmath>
#include <optional>

#include "passes/pass_helpers.h"

namespace kiln::passes {
namespace {

// y = x * scale[c] + shift[c] along the producer's channel axis (axis 1 of [N, K, ...] or [M, N]).
struct ChannelAffine {
    std::vector<double> scale;
    std::vector<double> shift;
};

struct Match {
    Layer* producer = nullptr;
    Layer* follower = nullptr;
    ChannelAffine affine;
    const char* what = "";  // the message id: "pass.folded_batch_norm" or "pass.folded_scale"
};

bool producerFits(const Layer& layer) {
    if (layer.isElided() || layer.outputs().size() != 1) return false;
    if (layer.kind() == LayerKind::Convolution) {
        const auto& p = layer.paramsAs<ConvolutionParams>();
        const bool residual = layer.input(3) != nullptr;
        return !p.activation && !residual && floatConstant(layer.input(1)) &&
               (!layer.input(2) || floatConstant(layer.input(2)));
    }
    if (layer.kind() == LayerKind::Gemm) {
        const auto& p = layer.paramsAs<GemmParams>();
        return !p.activation && floatConstant(layer.input(1)) &&
               (!layer.input(2) || floatConstant(layer.input(2)));
    }
    return false;
}

std::optional<ChannelAffine> batchNormAffine(const Layer& bn, int64_t channels) {
    const float epsilon = bn.paramsAs<BatchNormParams>().epsilon;
    const HostTensor* gamma = floatConstant(bn.input(1));
    const HostTensor* beta = floatConstant(bn.input(2));
    const HostTensor* mean = floatConstant(bn.input(3));
    const HostTensor* variance = floatConstant(bn.input(4));
    for (const HostTensor* t : {gamma, beta, mean, variance}) {
        if (!t || t->dims() != Dims{channels}) return std::nullopt;
    }
    ChannelAffine affine;
    for (int64_t c = 0; c < channels; ++c) {
        const double s =
            double(gamma->data<float>()[c]) / std::sqrt(double(variance->data<float>()[c]) + epsilon);
        affine.scale.push_back(s);
        affine.shift.push_back(double(beta->data<float>()[c]) - double(mean->data<float>()[c]) * s);
    }
    return affine;
}

// The per-channel values of `constant` broadcast against `dims`, or nothing when it varies along another
// axis than the channel axis 1 or would broadcast the result to a larger shape.
std::optional<std::vector<double>> perChannelValues(const HostTensor& constant, const Dims& dims) {
    const Dims& c = constant.dims();
    if (c.size() > dims.size()) return std::nullopt;
    const size_t offset = dims.size() - c.size();
    bool alongChannels = false;
    for (size_t i = 0; i < c.size(); ++i) {
        const size_t axis = offset + i;
        if (c[i] == 1) continue;
        if (axis != 1 || c[i] != dims[1]) return std::nullopt;
        alongChannels = true;
    }
    std::vector<double> values;
    for (int64_t k = 0; k < dims[1]; ++k)
        values.push_back(constant.data<float>()[alongChannels ? k : 0]);
    return values;
}

std::optional<ChannelAffine> scaleAffine(const Layer& layer, const Tensor* data) {
    const ElementwiseOp op = layer.paramsAs<ElementwiseParams>().op;
    const bool dataFirst = layer.input(0) == data;
    const Tensor* other = dataFirst ? layer.input(1) : layer.input(0);
    const bool commutative = op == ElementwiseOp::Add || op == ElementwiseOp::Mul;
    if (!commutative && !(dataFirst && (op == ElementwiseOp::Sub || op == ElementwiseOp::Div)))
        return std::nullopt;
    const HostTensor* constant = floatConstant(other);
    if (!constant || layer.output(0)->dims() != data->dims()) return std::nullopt;
    const auto values = perChannelValues(*constant, data->dims());
    if (!values) return std::nullopt;
    const size_t channels = values->size();
    ChannelAffine affine{std::vector<double>(channels, 1.0), std::vector<double>(channels, 0.0)};
    for (size_t k = 0; k < channels; ++k) {
        const double v = (*values)[k];
        switch (op) {
            case ElementwiseOp::Mul:
                affine.scale[k] = v;
                break;
            case ElementwiseOp::Div:
                affine.scale[k] = 1.0 / v;
                break;
            case ElementwiseOp::Add:
                affine.shift[k] = v;
                break;
            case ElementwiseOp::Sub:
                affine.shift[k] = -v;
                break;
            default:
                return std::nullopt;
        }
    }
    return affine;
}

std::optional<Match> matchAt(const NetworkDefinition& network, Layer* producer) {
    if (!producerFits(*producer)) return std::nullopt;
    const Tensor* output = producer->output(0);
    if (output->type() != DataType::Float32 || output->alias()) return std::nullopt;
    Layer* follower = soleReader(network, output);
    if (!follower || follower->isElided() || follower->output(0)->alias()) return std::nullopt;
    if (follower->precisionConstraint() != producer->precisionConstraint()) return std::nullopt;
    Match match{producer, follower, {}, ""};
    std::optional<ChannelAffine> affine;
    if (follower->kind() == LayerKind::BatchNorm && follower->input(0) == output) {
        affine = batchNormAffine(*follower, output->dims()[1]);
        match.what = "pass.folded_batch_norm";
    } else if (follower->kind() == LayerKind::Elementwise) {
        affine = scaleAffine(*follower, output);
        match.what = "pass.folded_scale";
    }
    if (!affine) return std::nullopt;
    match.affine = std::move(*affine);
    return match;
}

// The tensor that will hold `data` in place of `original`: the original itself when it is a folded
// constant only this layer reads (folding twice, as for conv + bn + scale), else a new constant.
Result<Tensor*> foldedConstant(NetworkDefinition& network, Tensor* original, const std::string& baseName,
                               HostTensor data) {
    auto shared = std::make_shared<const HostTensor>(std::move(data));
    const std::string suffix = ".folded";
    const bool ownFolded = original && baseName.ends_with(suffix) && readCount(network, original) == 1 &&
                           original->dims() == shared->dims();
    if (ownFolded) {
        KILN_RETURN_IF_ERROR(network.makeConstant(original, std::move(shared)));
        return original;
    }
    return network.addConstant(freshTensorName(network, baseName + suffix), std::move(shared));
}

struct FoldedWeights {
    HostTensor weights;
    HostTensor bias;
    bool biasIsMatrix = false;
};

FoldedWeights foldConvolution(const Layer& conv, const ChannelAffine& affine) {
    const HostTensor& w = *conv.input(1)->constantData();
    const HostTensor* b = conv.input(2) ? conv.input(2)->constantData().get() : nullptr;
    const int64_t channels = w.dims()[0];
    const int64_t perChannel = w.elementCount() / channels;
    FoldedWeights folded{HostTensor(DataType::Float32, w.dims()), HostTensor(DataType::Float32, {channels})};
    for (int64_t k = 0; k < channels; ++k) {
        for (int64_t i = 0; i < perChannel; ++i) {
            const int64_t at = k * perChannel + i;
            folded.weights.data<float>()[at] = float(double(w.data<float>()[at]) * affine.scale[k]);
        }
        const double bias = b ? double(b->data<float>()[k]) : 0.0;
        folded.bias.data<float>()[k] = float(bias * affine.scale[k] + affine.shift[k]);
    }
    return folded;
}

// Y = alpha * op(A) * op(B) + beta * C, then per column n: Y * scale[n] + shift[n]. Scaling the columns
// of op(B) and replacing C by scale * beta * C + shift (with beta 1) gives the same result.
FoldedWeights foldGemm(const Layer& gemm, const ChannelAffine& affine) {
    const auto& p = gemm.paramsAs<GemmParams>();
    const HostTensor& b = *gemm.input(1)->constantData();
    const HostTensor* c = gemm.input(2) ? gemm.input(2)->constantData().get() : nullptr;
    const Dims& out = gemm.output(0)->dims();
    const int64_t m = out[0];
    const int64_t n = out[1];
    FoldedWeights folded{HostTensor(DataType::Float32, b.dims()), HostTensor()};
    const int64_t rowsOfB = b.dims()[0];
    const int64_t colsOfB = b.dims()[1];
    for (int64_t r = 0; r < rowsOfB; ++r) {
        for (int64_t col = 0; col < colsOfB; ++col) {
            const int64_t channel = p.transB ? r : col;
            const int64_t at = r * colsOfB + col;
            folded.weights.data<float>()[at] = float(double(b.data<float>()[at]) * affine.scale[channel]);
        }
    }
    // C keeps one row when it does not vary along M.
    const Dims& cd = c ? c->dims() : Dims{};
    folded.biasIsMatrix = c && cd.size() == 2 && cd[0] != 1;
    const int64_t rows = folded.biasIsMatrix ? m : 1;
    folded.bias =
        folded.biasIsMatrix ? HostTensor(DataType::Float32, {m, n}) : HostTensor(DataType::Float32, {n});
    for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < n; ++j) {
            double value = 0.0;
            if (c && p.beta != 0.0f) {
                // Broadcast C (scalar, [1], [N], [1, N], [M, 1], [M, N]) to [M, N] at (i, j).
                const int64_t ci = cd.size() == 2 && cd[0] != 1 ? i : 0;
                const int64_t cj = !cd.empty() && cd.back() != 1 ? j : 0;
                const int64_t cols = cd.empty() ? 1 : cd.back();
                value = double(p.beta) * double(c->data<float>()[ci * cols + cj]);
            }
            folded.bias.data<float>()[i * n + j] = float(value * affine.scale[j] + affine.shift[j]);
        }
    }
    return folded;
}

Status rewrite(NetworkDefinition& network, const Match& match, PassLog& log) {
    Layer* producer = match.producer;
    Layer* follower = match.follower;
    const bool conv = producer->kind() == LayerKind::Convolution;
    FoldedWeights folded =
        conv ? foldConvolution(*producer, match.affine) : foldGemm(*producer, match.affine);

    Tensor* weights = producer->input(1);
    Tensor* bias = producer->input(2);
    KILN_ASSIGN_OR_RETURN(Tensor * newWeights,
                          foldedConstant(network, weights, weights->name(), std::move(folded.weights)));
    KILN_ASSIGN_OR_RETURN(Tensor * newBias,
                          foldedConstant(network, bias, bias ? bias->name() : producer->name() + ".bias",
                                         std::move(folded.bias)));

    LayerParams params = producer->params();
    if (!conv) std::get<GemmParams>(params).beta = 1.0f;
    const std::string name = freshLayerName(network, producer->name() + " + " + follower->name());
    const std::vector<std::string> provenance = mergedProvenance({producer, follower});
    Tensor* result = follower->output(0);
    const std::string followerName = follower->name();

    KILN_RETURN_IF_ERROR(network.removeLayer(follower));
    KILN_RETURN_IF_ERROR(network.updateLayer(producer, params, {producer->input(0), newWeights, newBias}));
    KILN_RETURN_IF_ERROR(network.redirectOutput(producer, 0, result));
    KILN_RETURN_IF_ERROR(network.renameLayer(producer, name));
    producer->setProvenance(provenance);
    log.record(makeMessage(match.what, {name, followerName}), {name});
    return Status::ok();
}

}  // namespace

Status foldBatchNorms(NetworkDefinition& network, PassLog& log) {
    // The same producer is matched again: a scale after a batch norm folds into it too.
    KILN_ASSIGN_OR_RETURN(const bool changed,
                          rewriteEachMatch(
                              network, [&](Layer* layer) { return matchAt(network, layer); },
                              [&](const Match& match) { return rewrite(network, match, log); }));
    if (changed) network.removeUnusedTensors();
    return Status::ok();
}

}  // namespace kiln::passes

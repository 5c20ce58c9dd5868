// One importer per Caffe layer type, registered in the single table at the bottom of this file. Each
// turns the layer's parameters and blobs into fully resolved Kiln layers (Caffe's defaults, its _h/_w
// forms, its ceil rounding of pooling output sizes, legacy field names), using several engine layers
// where one Caffe layer needs them. Shared helpers cover the common shapes of layer: activations,
// convolution geometry, constants and elementwise steps.
#include "layer_importers.h"

#include <algorithm>
#include <map>

namespace kiln::caffe_import {

namespace {

std::string joinInts(const std::vector<int64_t>& values) {
    std::string text;
    for (size_t i = 0; i < values.size(); ++i)
        text += (i ? "," : "") + std::to_string(values[i]);
    return text;
}

HostTensor scalarTensor(float value) {
    HostTensor tensor(DataType::Float32, {});
    tensor.data<float>()[0] = value;
    return tensor;
}

HostTensor filledTensor(const Dims& dims, float value) {
    HostTensor tensor(DataType::Float32, dims);
    std::fill(tensor.data<float>(), tensor.data<float>() + tensor.elementCount(), value);
    return tensor;
}

// `dims` followed by 1s up to rank `rank`, so that a per-channel tensor broadcasts over the axes after it.
Dims paddedRight(Dims dims, size_t rank) {
    while (dims.size() < rank)
        dims.push_back(1);
    return dims;
}

Result<Tensor*> expectRank(const LayerContext& l, size_t i, size_t minimum, size_t maximum,
                           const char* what) {
    Tensor* tensor = l.bottom(i);
    const size_t rank = tensor->dims().size();
    if (rank >= minimum && rank <= maximum) return tensor;
    const std::string expected = minimum == maximum
                                     ? std::to_string(minimum)
                                     : std::to_string(minimum) + " to " + std::to_string(maximum);
    return invalidModel("bottom '" + l.proto().bottom(static_cast<int>(i)) + "' has shape " +
                        toString(tensor->dims()) + "; " + what + " needs " + expected + " axes");
}

// v = op(a, b) as one engine layer writing `output`.
Result<Tensor*> elementwise(LayerContext& l, ElementwiseOp op, Tensor* a, Tensor* b,
                            const std::string& output) {
    return l.addLayer(ElementwiseParams{op}, {a, b}, output);
}

Result<Tensor*> elementwiseScalar(LayerContext& l, ElementwiseOp op, Tensor* a, float value,
                                  const std::string& suffix, const std::string& output) {
    KILN_ASSIGN_OR_RETURN(Tensor * constant, l.addConstant(suffix, scalarTensor(value)));
    return elementwise(l, op, a, constant, output);
}

Result<Tensor*> reshape(LayerContext& l, Tensor* x, const Dims& dims, const std::string& output) {
    return l.addLayer(ReshapeParams{dims}, {x}, output);
}

// ---- shared shapes of layer ----

Status activation(LayerContext& l, ActivationType type, float alpha = 0.0f) {
    KILN_RETURN_IF_ERROR(l.expectBottoms(1, 1));
    KILN_RETURN_IF_ERROR(l.expectTops(1, 1));
    return l.addLayer(ActivationParams{type, alpha, 0.0f}, {l.bottom(0)}, l.topName(0)).status();
}

Status identity(LayerContext& l) {
    KILN_RETURN_IF_ERROR(l.expectBottoms(1, 1));
    for (size_t i = 0; i < l.topCount(); ++i) {
        KILN_RETURN_IF_ERROR(l.addLayer(IdentityParams{}, {l.bottom(0)}, l.topName(i)).status());
    }
    return l.topCount() > 0 ? Status::ok() : l.expectTops(1, 1);
}

// Kernel, stride, pad and dilation of a convolution over `spatial` axes, from the repeated fields or the
// 2-D _h/_w forms, with Caffe's defaults (stride and dilation 1, pad 0).
struct ConvGeometry {
    std::vector<int64_t> kernel;
    std::vector<int64_t> strides;
    std::vector<int64_t> pads;  // begin pads, then end pads
    std::vector<int64_t> dilations;
};

Result<std::vector<int64_t>> perAxis(const google::protobuf::RepeatedField<uint32_t>& values, bool hasH,
                                     bool hasW, uint32_t h, uint32_t w, size_t spatial, int64_t fallback,
                                     const std::string& field) {
    if (hasH || hasW) {
        if (spatial != 2) {
            return invalidModel(field + "_h and " + field + "_w are for 2-D convolutions; this one has " +
                                std::to_string(spatial) + " spatial axes: use repeated '" + field +
                                "' values");
        }
        if (!hasH || !hasW) return invalidModel("give both " + field + "_h and " + field + "_w, or neither");
        if (!values.empty())
            return invalidModel("give either '" + field + "' or " + field + "_h and " + field +
                                "_w, not both");
        return std::vector<int64_t>{h, w};
    }
    if (values.empty()) return std::vector<int64_t>(spatial, fallback);
    if (values.size() == 1) return std::vector<int64_t>(spatial, values.Get(0));
    if (static_cast<size_t>(values.size()) != spatial) {
        return invalidModel("'" + field + "' has " + std::to_string(values.size()) +
                            " values; give 1 or one per spatial axis (" + std::to_string(spatial) + ")");
    }
    return std::vector<int64_t>(values.begin(), values.end());
}

Result<ConvGeometry> convGeometry(const caffe::ConvolutionParameter& p, size_t spatial) {
    ConvGeometry g;
    KILN_ASSIGN_OR_RETURN(g.kernel, perAxis(p.kernel_size(), p.has_kernel_h(), p.has_kernel_w(), p.kernel_h(),
                                            p.kernel_w(), spatial, 0, "kernel"));
    KILN_ASSIGN_OR_RETURN(g.strides, perAxis(p.stride(), p.has_stride_h(), p.has_stride_w(), p.stride_h(),
                                             p.stride_w(), spatial, 1, "stride"));
    KILN_ASSIGN_OR_RETURN(std::vector<int64_t> pads, perAxis(p.pad(), p.has_pad_h(), p.has_pad_w(), p.pad_h(),
                                                             p.pad_w(), spatial, 0, "pad"));
    KILN_ASSIGN_OR_RETURN(g.dilations, perAxis(p.dilation(), false, false, 0, 0, spatial, 1, "dilation"));
    for (size_t i = 0; i < spatial; ++i) {
        if (g.kernel[i] <= 0) {
            return invalidModel("the kernel size is [" + joinInts(g.kernel) +
                                "]; give kernel_size (or kernel_h and kernel_w) above 0");
        }
        if (g.strides[i] <= 0)
            return invalidModel("the stride is [" + joinInts(g.strides) + "]; strides must be above 0");
        if (g.dilations[i] <= 0)
            return invalidModel("the dilation is [" + joinInts(g.dilations) + "]; dilations must be above 0");
    }
    g.pads = pads;
    g.pads.insert(g.pads.end(), pads.begin(), pads.end());
    return g;
}

// ---- importers ----

// Convolution and Deconvolution share their parameters; the weights are [K, C/group, kernel...] for a
// convolution and [C, K/group, kernel...] for a deconvolution (K = num_output).
Status convolutionLike(LayerContext& l, bool transposed) {
    KILN_RETURN_IF_ERROR(l.expectBottoms(1, 1));
    KILN_RETURN_IF_ERROR(l.expectTops(1, 1));
    const caffe::ConvolutionParameter& p = l.proto().convolution_param();
    if (p.axis() != 1) {
        return unsupported("convolution_param.axis is " + std::to_string(p.axis()) +
                           "; Kiln convolves with channels on axis 1");
    }
    KILN_ASSIGN_OR_RETURN(Tensor * x, expectRank(l, 0, 3, 5, "a convolution"));
    const size_t spatial = x->dims().size() - 2;
    KILN_ASSIGN_OR_RETURN(ConvGeometry g, convGeometry(p, spatial));
    const int64_t channels = x->dims()[1];
    const int64_t outputs = p.num_output();
    const int64_t groups = p.group();
    if (outputs <= 0)
        return invalidModel("convolution_param.num_output is 0; give the number of output channels");
    if (groups <= 0 || channels % groups != 0 || outputs % groups != 0) {
        return invalidModel("convolution_param.group is " + std::to_string(groups) + "; it must divide the " +
                            std::to_string(channels) + " input channels and num_output " +
                            std::to_string(outputs));
    }
    const bool bias = p.bias_term();
    KILN_RETURN_IF_ERROR(l.expectBlobs(bias ? 2 : 1, bias ? "weights, bias" : "weights"));
    Dims weightDims = transposed ? Dims{channels, outputs / groups} : Dims{outputs, channels / groups};
    weightDims.insert(weightDims.end(), g.kernel.begin(), g.kernel.end());
    KILN_ASSIGN_OR_RETURN(HostTensor weightData, l.blob(0, "weights", weightDims));
    KILN_ASSIGN_OR_RETURN(Tensor * weights, l.addConstant("weights", std::move(weightData)));
    std::vector<Tensor*> inputs{x, weights};
    if (bias) {
        KILN_ASSIGN_OR_RETURN(HostTensor biasData, l.blob(1, "bias", {outputs}));
        KILN_ASSIGN_OR_RETURN(Tensor * biasTensor, l.addConstant("bias", std::move(biasData)));
        inputs.push_back(biasTensor);
    }
    if (transposed) {
        DeconvolutionParams params{g.strides, g.pads, g.dilations, std::vector<int64_t>(spatial, 0), groups};
        return l.addLayer(std::move(params), inputs, l.topName(0)).status();
    }
    ConvolutionParams params;
    params.strides = g.strides;
    params.pads = g.pads;
    params.dilations = g.dilations;
    params.groups = groups;
    return l.addLayer(std::move(params), inputs, l.topName(0)).status();
}

Status importConvolution(LayerContext& l) {
    return convolutionLike(l, false);
}
Status importDeconvolution(LayerContext& l) {
    return convolutionLike(l, true);
}

// y = x' W^T + b with x' the bottom flattened from `axis` on: a Gemm between two reshapes.
Status importInnerProduct(LayerContext& l) {
    KILN_RETURN_IF_ERROR(l.expectBottoms(1, 1));
    KILN_RETURN_IF_ERROR(l.expectTops(1, 1));
    const caffe::InnerProductParameter& p = l.proto().inner_product_param();
    Tensor* x = l.bottom(0);
    const Dims& dims = x->dims();
    KILN_ASSIGN_OR_RETURN(
        int64_t axis, canonicalAxis(p.axis(), static_cast<int64_t>(dims.size()), "inner_product_param.axis"));
    const int64_t rows = volume(Dims(dims.begin(), dims.begin() + axis));
    const int64_t depth = volume(Dims(dims.begin() + axis, dims.end()));
    const int64_t outputs = p.num_output();
    if (outputs <= 0) return invalidModel("inner_product_param.num_output is 0; give the number of outputs");
    const bool bias = p.bias_term();
    KILN_RETURN_IF_ERROR(l.expectBlobs(bias ? 2 : 1, bias ? "weights, bias" : "weights"));
    KILN_ASSIGN_OR_RETURN(HostTensor weightData,
                          l.blob(0, "weights", p.transpose() ? Dims{depth, outputs} : Dims{outputs, depth}));
    KILN_ASSIGN_OR_RETURN(Tensor * weights, l.addConstant("weights", std::move(weightData)));
    Tensor* flat = x;
    if (dims != Dims{rows, depth}) {
        KILN_ASSIGN_OR_RETURN(flat, reshape(l, x, {rows, depth}, l.internalTensorName("flat")));
    }
    std::vector<Tensor*> inputs{flat, weights};
    if (bias) {
        KILN_ASSIGN_OR_RETURN(HostTensor biasData, l.blob(1, "bias", {outputs}));
        KILN_ASSIGN_OR_RETURN(Tensor * biasTensor, l.addConstant("bias", std::move(biasData)));
        inputs.push_back(biasTensor);
    }
    Dims outputDims(dims.begin(), dims.begin() + axis);
    outputDims.push_back(outputs);
    const bool reshapeAfter = outputDims != Dims{rows, outputs};
    GemmParams params;
    params.transB = !p.transpose();
    KILN_ASSIGN_OR_RETURN(
        Tensor * product,
        l.addLayer(params, inputs, reshapeAfter ? l.internalTensorName("gemm") : l.topName(0)));
    if (reshapeAfter) KILN_RETURN_IF_ERROR(reshape(l, product, outputDims, l.topName(0)).status());
    return Status::ok();
}

// Caffe pools 2-D windows. Its output extent rounds up (ceil((in + 2 pad - kernel) / stride) + 1, less
// one where the last window would start in the end padding), and its average divides by the window
// clipped to the padded input: the engine's ceil mode with count-include-pad and the same pads is exactly
// that, as its floor mode is Caffe's FLOOR rounding. Caffe's one other case, a last window that starts
// past an unpadded input, is refused.
Status importPooling(LayerContext& l) {
    KILN_RETURN_IF_ERROR(l.expectBottoms(1, 1));
    KILN_RETURN_IF_ERROR(l.expectTops(1, 1));
    const caffe::PoolingParameter& p = l.proto().pooling_param();
    KILN_ASSIGN_OR_RETURN(Tensor * x, expectRank(l, 0, 4, 4, "Caffe pooling"));
    const Dims& dims = x->dims();
    PoolingParams params;
    switch (p.pool()) {
        case caffe::PoolingParameter::MAX:
            params.type = PoolingType::Max;
            break;
        case caffe::PoolingParameter::AVE:
            params.type = PoolingType::Average;
            break;
        default:
            return unsupported("pooling_param.pool is STOCHASTIC; Kiln pools with MAX or AVE");
    }
    std::vector<int64_t> kernel, strides, pads;
    if (p.global_pooling()) {
        if (p.has_kernel_size() || p.has_kernel_h() || p.has_kernel_w()) {
            return invalidModel(
                "global_pooling pools the whole input; remove kernel_size, kernel_h and kernel_w");
        }
        if (p.pad() || p.pad_h() || p.pad_w() || p.stride() != 1 || p.has_stride_h() || p.has_stride_w()) {
            return invalidModel("global_pooling takes no pad and stride 1; remove pad and stride");
        }
        kernel = {dims[2], dims[3]};
        strides = {1, 1};
        pads = {0, 0};
    } else {
        if (p.has_kernel_size() == (p.has_kernel_h() || p.has_kernel_w()) ||
            (!p.has_kernel_size() && !(p.has_kernel_h() && p.has_kernel_w()))) {
            return invalidModel("give the window as kernel_size, or as kernel_h and kernel_w");
        }
        kernel = p.has_kernel_size() ? std::vector<int64_t>{p.kernel_size(), p.kernel_size()}
                                     : std::vector<int64_t>{p.kernel_h(), p.kernel_w()};
        if (p.has_pad_h() != p.has_pad_w()) return invalidModel("give both pad_h and pad_w, or neither");
        pads = p.has_pad_h() ? std::vector<int64_t>{p.pad_h(), p.pad_w()}
                             : std::vector<int64_t>{p.pad(), p.pad()};
        if (p.has_stride_h() != p.has_stride_w())
            return invalidModel("give both stride_h and stride_w, or neither");
        strides = p.has_stride_h() ? std::vector<int64_t>{p.stride_h(), p.stride_w()}
                                   : std::vector<int64_t>{p.stride(), p.stride()};
    }
    const bool ceil = p.round_mode() == caffe::PoolingParameter::CEIL;
    Dims expected{dims[0], dims[1]};
    for (size_t i = 0; i < 2; ++i) {
        if (kernel[i] <= 0 || strides[i] <= 0) {
            return invalidModel("the window is " + joinInts(kernel) + " with stride " + joinInts(strides) +
                                "; both must be above 0");
        }
        if (pads[i] >= kernel[i]) {
            return invalidModel("the pad " + joinInts(pads) + " is not smaller than the window " +
                                joinInts(kernel) + " (Caffe refuses this too)");
        }
        const int64_t span = dims[i + 2] + 2 * pads[i] - kernel[i];
        if (span < 0) {
            return invalidModel("the window " + joinInts(kernel) + " is larger than the padded input " +
                                toString(dims));
        }
        int64_t extent = (ceil ? (span + strides[i] - 1) / strides[i] : span / strides[i]) + 1;
        if (pads[i] > 0 && (extent - 1) * strides[i] >= dims[i + 2] + pads[i]) --extent;
        if ((extent - 1) * strides[i] - pads[i] >= dims[i + 2]) {
            return unsupported("with window " + joinInts(kernel) + " and stride " + joinInts(strides) +
                               ", Caffe's last window starts past the end of the input " + toString(dims) +
                               " and pools nothing; use a window at least as large as the stride");
        }
        expected.push_back(extent);
    }
    params.kernel = kernel;
    params.strides = strides;
    params.pads = {pads[0], pads[1], pads[0], pads[1]};
    params.dilations = {1, 1};
    params.ceilMode = ceil;
    params.countIncludePad = params.type == PoolingType::Average;
    KILN_ASSIGN_OR_RETURN(Tensor * y, l.addLayer(std::move(params), {x}, l.topName(0)));
    if (y->dims() != expected) {
        return internalError("the pooled shape " + toString(y->dims()) + " differs from Caffe's " +
                             toString(expected));
    }
    return Status::ok();
}

// ACROSS_CHANNELS is the engine's LRN. WITHIN_CHANNEL is Caffe's own composition: x / (1 + alpha *
// mean of x^2 over the local_size x local_size window, zero-padded)^beta.
Status importLrn(LayerContext& l) {
    KILN_RETURN_IF_ERROR(l.expectBottoms(1, 1));
    KILN_RETURN_IF_ERROR(l.expectTops(1, 1));
    const caffe::LRNParameter& p = l.proto().lrn_param();
    KILN_ASSIGN_OR_RETURN(Tensor * x, expectRank(l, 0, 4, 4, "LRN"));
    const int64_t size = p.local_size();
    if (size <= 0 || size % 2 == 0) {
        return invalidModel("lrn_param.local_size is " + std::to_string(size) + "; Caffe needs an odd size");
    }
    if (p.norm_region() == caffe::LRNParameter::ACROSS_CHANNELS) {
        return l.addLayer(LrnParams{size, p.alpha(), p.beta(), p.k()}, {x}, l.topName(0)).status();
    }
    // A window reaching past the whole input from every position pools the whole plane: no net asks for
    // that, and a hostile size would make the pooling loop for ever.
    const int64_t largest = std::max(x->dims()[2], x->dims()[3]);
    if (size > 2 * largest + 1) {
        return unsupported("lrn_param.local_size " + std::to_string(size) +
                           " spans more than twice the input " + toString(x->dims()) +
                           " within channels; use a window of at most " + std::to_string(2 * largest + 1));
    }
    KILN_ASSIGN_OR_RETURN(Tensor * squared,
                          elementwise(l, ElementwiseOp::Mul, x, x, l.internalTensorName("squared")));
    PoolingParams pool;
    pool.type = PoolingType::Average;
    pool.kernel = {size, size};
    pool.strides = {1, 1};
    const int64_t pad = (size - 1) / 2;
    pool.pads = {pad, pad, pad, pad};
    pool.dilations = {1, 1};
    pool.countIncludePad = true;
    KILN_ASSIGN_OR_RETURN(Tensor * mean, l.addLayer(pool, {squared}, l.internalTensorName("mean")));
    KILN_ASSIGN_OR_RETURN(Tensor * scaled, elementwiseScalar(l, ElementwiseOp::Mul, mean, p.alpha(), "alpha",
                                                             l.internalTensorName("scaled")));
    KILN_ASSIGN_OR_RETURN(Tensor * shifted, elementwiseScalar(l, ElementwiseOp::Add, scaled, 1.0f, "one",
                                                              l.internalTensorName("shifted")));
    KILN_ASSIGN_OR_RETURN(Tensor * divisor, elementwiseScalar(l, ElementwiseOp::Pow, shifted, -p.beta(),
                                                              "minus_beta", l.internalTensorName("factor")));
    return elementwise(l, ElementwiseOp::Mul, x, divisor, l.topName(0)).status();
}

Status importRelu(LayerContext& l) {
    const float slope = l.proto().relu_param().negative_slope();
    return slope == 0.0f ? activation(l, ActivationType::Relu)
                         : activation(l, ActivationType::LeakyRelu, slope);
}

Status importSigmoid(LayerContext& l) {
    return activation(l, ActivationType::Sigmoid);
}
Status importTanh(LayerContext& l) {
    return activation(l, ActivationType::Tanh);
}
Status importElu(LayerContext& l) {
    return activation(l, ActivationType::Elu, l.proto().elu_param().alpha());
}

Status importPrelu(LayerContext& l) {
    KILN_RETURN_IF_ERROR(l.expectBottoms(1, 1));
    KILN_RETURN_IF_ERROR(l.expectTops(1, 1));
    KILN_ASSIGN_OR_RETURN(Tensor * x, expectRank(l, 0, 2, 5, "PReLU"));
    const bool shared = l.proto().prelu_param().channel_shared();
    KILN_RETURN_IF_ERROR(l.expectBlobs(1, "slopes"));
    const Dims slopeDims = shared ? Dims{} : Dims{x->dims()[1]};
    KILN_ASSIGN_OR_RETURN(HostTensor slopeData, l.blob(0, "slopes", slopeDims));
    const size_t rank = x->dims().size();
    KILN_ASSIGN_OR_RETURN(
        Tensor * slopes,
        l.addConstant("slopes", shared ? slopeData : slopeData.reshaped(paddedRight(slopeDims, rank - 1))));
    return elementwise(l, ElementwiseOp::PRelu, x, slopes, l.topName(0)).status();
}

// Inference-time batch normalization with the stored statistics, which Caffe keeps multiplied by a
// moving-average factor (blob 2). A Scale layer right after it (the usual pair) becomes the
// normalization's scale and bias, so the pair is one engine layer.
Status importBatchNorm(LayerContext& l) {
    KILN_RETURN_IF_ERROR(l.expectBottoms(1, 1));
    KILN_RETURN_IF_ERROR(l.expectTops(1, 1));
    const caffe::BatchNormParameter& p = l.proto().batch_norm_param();
    if (p.has_use_global_stats() && !p.use_global_stats()) {
        return unsupported(
            "batch_norm_param.use_global_stats is false, which normalizes with the statistics of each "
            "batch (training); set it to true (or remove it) for inference");
    }
    KILN_ASSIGN_OR_RETURN(Tensor * x, expectRank(l, 0, 2, 5, "BatchNorm"));
    const int64_t channels = x->dims()[1];
    KILN_RETURN_IF_ERROR(l.expectBlobs(3, "mean, variance, moving-average factor"));
    KILN_ASSIGN_OR_RETURN(HostTensor mean, l.blob(0, "mean", {channels}));
    KILN_ASSIGN_OR_RETURN(HostTensor variance, l.blob(1, "variance", {channels}));
    KILN_ASSIGN_OR_RETURN(HostTensor factor, l.blob(2, "moving-average factor", {1}));
    const float stored = factor.data<float>()[0];
    const float unscale = stored == 0.0f ? 0.0f : 1.0f / stored;
    for (int64_t c = 0; c < channels; ++c) {
        mean.data<float>()[c] *= unscale;
        variance.data<float>()[c] *= unscale;
    }
    HostTensor scale = filledTensor({channels}, 1.0f);
    HostTensor bias = filledTensor({channels}, 0.0f);
    if (const FoldedScale& folded = l.foldedScale(); folded.layer) {
        const bool hasBias = folded.layer->scale_param().bias_term();
        const size_t present = folded.blobs ? static_cast<size_t>(folded.blobs->size()) : 0;
        if (present != (hasBias ? 2u : 1u)) {
            return invalidModel("its Scale layer '" + folded.layer->name() + "' has " +
                                std::to_string(present) + (present == 1 ? " blob" : " blobs") +
                                " in the caffemodel; it needs " +
                                (hasBias ? "2 (scale, bias)" : "1 (scale)") +
                                ": use the caffemodel trained with this prototxt");
        }
        KILN_ASSIGN_OR_RETURN(scale, l.blobOf(*folded.blobs, 0, "scale", {channels}, folded.layer->name()));
        if (hasBias) {
            KILN_ASSIGN_OR_RETURN(bias, l.blobOf(*folded.blobs, 1, "bias", {channels}, folded.layer->name()));
        }
    }
    KILN_ASSIGN_OR_RETURN(Tensor * scaleTensor, l.addConstant("scale", std::move(scale)));
    KILN_ASSIGN_OR_RETURN(Tensor * biasTensor, l.addConstant("bias", std::move(bias)));
    KILN_ASSIGN_OR_RETURN(Tensor * meanTensor, l.addConstant("mean", std::move(mean)));
    KILN_ASSIGN_OR_RETURN(Tensor * varianceTensor, l.addConstant("variance", std::move(variance)));
    return l
        .addLayer(BatchNormParams{p.eps()}, {x, scaleTensor, biasTensor, meanTensor, varianceTensor},
                  l.topName(0))
        .status();
}

// y = x * s (+ b), s and b spanning axes [axis, axis + num_axes) of x and broadcast over the rest; s is
// blob 0 or, with two bottoms, the second bottom.
Status importScale(LayerContext& l) {
    KILN_RETURN_IF_ERROR(l.expectBottoms(1, 2));
    KILN_RETURN_IF_ERROR(l.expectTops(1, 1));
    const caffe::ScaleParameter& p = l.proto().scale_param();
    Tensor* x = l.bottom(0);
    const Dims& dims = x->dims();
    const int64_t rank = static_cast<int64_t>(dims.size());
    const bool fromBottom = l.bottomCount() == 2;
    Dims scaleDims;
    int64_t axis = 0;
    if (fromBottom) {
        scaleDims = l.bottom(1)->dims();
        if (!scaleDims.empty()) {
            KILN_ASSIGN_OR_RETURN(axis, canonicalAxis(p.axis(), rank, "scale_param.axis"));
        }
    } else {
        if (p.num_axes() < -1)
            return invalidModel("scale_param.num_axes is " + std::to_string(p.num_axes()) +
                                "; give -1 or more");
        if (p.num_axes() != 0) {
            KILN_ASSIGN_OR_RETURN(axis, canonicalAxis(p.axis(), rank, "scale_param.axis"));
        }
        const int64_t end = p.num_axes() == -1 ? rank : axis + p.num_axes();
        if (end > rank) {
            return invalidModel("scale_param spans axes " + std::to_string(axis) + " to " +
                                std::to_string(end - 1) + " of a bottom of shape " + toString(dims));
        }
        scaleDims.assign(dims.begin() + axis, dims.begin() + end);
    }
    if (axis + static_cast<int64_t>(scaleDims.size()) > rank ||
        !std::equal(scaleDims.begin(), scaleDims.end(), dims.begin() + axis)) {
        return invalidModel("the scale of shape " + toString(scaleDims) + " does not match the bottom " +
                            toString(dims) + " from axis " + std::to_string(axis));
    }
    const size_t blobCount = (fromBottom ? 0 : 1) + (p.bias_term() ? 1 : 0);
    KILN_RETURN_IF_ERROR(l.expectBlobs(blobCount, fromBottom      ? "bias"
                                                  : p.bias_term() ? "scale, bias"
                                                                  : "scale"));
    const Dims broadcast = paddedRight(scaleDims, static_cast<size_t>(rank - axis));
    Tensor* scale = nullptr;
    if (fromBottom) {
        KILN_ASSIGN_OR_RETURN(scale, reshape(l, l.bottom(1), broadcast, l.internalTensorName("scale")));
    } else {
        KILN_ASSIGN_OR_RETURN(HostTensor scaleData, l.blob(0, "scale", scaleDims));
        KILN_ASSIGN_OR_RETURN(scale, l.addConstant("scale", scaleData.reshaped(broadcast)));
    }
    if (!p.bias_term()) return elementwise(l, ElementwiseOp::Mul, x, scale, l.topName(0)).status();
    KILN_ASSIGN_OR_RETURN(Tensor * scaled,
                          elementwise(l, ElementwiseOp::Mul, x, scale, l.internalTensorName("scaled")));
    KILN_ASSIGN_OR_RETURN(HostTensor biasData, l.blob(fromBottom ? 0 : 1, "bias", scaleDims));
    KILN_ASSIGN_OR_RETURN(Tensor * bias, l.addConstant("bias", biasData.reshaped(broadcast)));
    return elementwise(l, ElementwiseOp::Add, scaled, bias, l.topName(0)).status();
}

Status importConcat(LayerContext& l) {
    KILN_RETURN_IF_ERROR(l.expectBottoms(1, 1u << 16));
    KILN_RETURN_IF_ERROR(l.expectTops(1, 1));
    const caffe::ConcatParameter& p = l.proto().concat_param();
    const int64_t rank = static_cast<int64_t>(l.bottom(0)->dims().size());
    int64_t axis = p.concat_dim();
    if (!p.has_concat_dim()) {
        KILN_ASSIGN_OR_RETURN(axis, canonicalAxis(p.axis(), rank, "concat_param.axis"));
    } else if (axis >= rank) {
        return invalidModel("concat_param.concat_dim is " + std::to_string(axis) + "; the bottoms have " +
                            std::to_string(rank) + " axes");
    }
    if (l.bottomCount() == 1) return l.addLayer(IdentityParams{}, {l.bottom(0)}, l.topName(0)).status();
    std::vector<Tensor*> inputs;
    for (size_t i = 0; i < l.bottomCount(); ++i)
        inputs.push_back(l.bottom(i));
    return l.addLayer(ConcatParams{axis}, inputs, l.topName(0)).status();
}

// SUM (each bottom times its coefficient), PROD or MAX of equally shaped bottoms, as a chain of binary
// layers.
Status importEltwise(LayerContext& l) {
    KILN_RETURN_IF_ERROR(l.expectBottoms(2, 1u << 16));
    KILN_RETURN_IF_ERROR(l.expectTops(1, 1));
    const caffe::EltwiseParameter& p = l.proto().eltwise_param();
    for (size_t i = 1; i < l.bottomCount(); ++i) {
        if (l.bottom(i)->dims() != l.bottom(0)->dims()) {
            return invalidModel("its bottoms have shapes " + toString(l.bottom(0)->dims()) + " and " +
                                toString(l.bottom(i)->dims()) + "; Eltwise needs equal shapes");
        }
    }
    ElementwiseOp op = ElementwiseOp::Add;
    switch (p.operation()) {
        case caffe::EltwiseParameter::SUM:
            op = ElementwiseOp::Add;
            break;
        case caffe::EltwiseParameter::PROD:
            op = ElementwiseOp::Mul;
            break;
        case caffe::EltwiseParameter::MAX:
            op = ElementwiseOp::Max;
            break;
    }
    if (p.coeff_size() > 0 && op != ElementwiseOp::Add) {
        return invalidModel("eltwise_param.coeff is given for " +
                            caffe::EltwiseParameter::EltwiseOp_Name(p.operation()) +
                            "; coefficients apply to SUM only");
    }
    if (p.coeff_size() > 0 && static_cast<size_t>(p.coeff_size()) != l.bottomCount()) {
        return invalidModel("eltwise_param.coeff has " + std::to_string(p.coeff_size()) +
                            " values; give one per bottom (" + std::to_string(l.bottomCount()) + ")");
    }
    auto term = [&](size_t i) -> Result<Tensor*> {
        if (p.coeff_size() == 0 || p.coeff(static_cast<int>(i)) == 1.0f) return l.bottom(i);
        return elementwiseScalar(l, ElementwiseOp::Mul, l.bottom(i), p.coeff(static_cast<int>(i)),
                                 "coeff" + std::to_string(i),
                                 l.internalTensorName("term" + std::to_string(i)));
    };
    KILN_ASSIGN_OR_RETURN(Tensor * sum, term(0));
    for (size_t i = 1; i < l.bottomCount(); ++i) {
        KILN_ASSIGN_OR_RETURN(Tensor * next, term(i));
        const bool last = i + 1 == l.bottomCount();
        KILN_ASSIGN_OR_RETURN(
            sum, elementwise(l, op, sum, next,
                             last ? l.topName(0) : l.internalTensorName("partial" + std::to_string(i))));
    }
    return Status::ok();
}

Status importSoftmax(LayerContext& l) {
    KILN_RETURN_IF_ERROR(l.expectBottoms(1, 1));
    KILN_RETURN_IF_ERROR(l.expectTops(1, 1));
    const int64_t rank = static_cast<int64_t>(l.bottom(0)->dims().size());
    KILN_ASSIGN_OR_RETURN(int64_t axis,
                          canonicalAxis(l.proto().softmax_param().axis(), rank, "softmax_param.axis"));
    return l.addLayer(SoftmaxParams{axis, false, false}, {l.bottom(0)}, l.topName(0)).status();
}

Status importFlatten(LayerContext& l) {
    KILN_RETURN_IF_ERROR(l.expectBottoms(1, 1));
    KILN_RETURN_IF_ERROR(l.expectTops(1, 1));
    const caffe::FlattenParameter& p = l.proto().flatten_param();
    const Dims& dims = l.bottom(0)->dims();
    const int64_t rank = static_cast<int64_t>(dims.size());
    KILN_ASSIGN_OR_RETURN(int64_t first, canonicalAxis(p.axis(), rank, "flatten_param.axis"));
    KILN_ASSIGN_OR_RETURN(int64_t last, canonicalAxis(p.end_axis(), rank, "flatten_param.end_axis"));
    if (last < first) {
        return invalidModel("flatten_param.end_axis (" + std::to_string(last) + ") comes before axis (" +
                            std::to_string(first) + ")");
    }
    Dims flat(dims.begin(), dims.begin() + first);
    flat.push_back(volume(Dims(dims.begin() + first, dims.begin() + last + 1)));
    flat.insert(flat.end(), dims.begin() + last + 1, dims.end());
    return reshape(l, l.bottom(0), flat, l.topName(0)).status();
}

// Caffe's reshape replaces axes [axis, axis + num_axes) by `shape`, where 0 copies the extent it
// replaces and one -1 takes what the element count leaves.
Status importReshape(LayerContext& l) {
    KILN_RETURN_IF_ERROR(l.expectBottoms(1, 1));
    KILN_RETURN_IF_ERROR(l.expectTops(1, 1));
    const caffe::ReshapeParameter& p = l.proto().reshape_param();
    const Dims& dims = l.bottom(0)->dims();
    const int64_t rank = static_cast<int64_t>(dims.size());
    const int64_t start = p.axis() >= 0 ? p.axis() : rank + p.axis() + 1;
    if (start < 0 || start > rank) {
        return invalidModel("reshape_param.axis " + std::to_string(p.axis()) +
                            " is out of range for a bottom of shape " + toString(dims));
    }
    if (p.num_axes() < -1)
        return invalidModel("reshape_param.num_axes is " + std::to_string(p.num_axes()) +
                            "; give -1 or more");
    const int64_t end = p.num_axes() == -1 ? rank : start + p.num_axes();
    if (end > rank) {
        return invalidModel("reshape_param replaces axes " + std::to_string(start) + " to " +
                            std::to_string(end - 1) + " of a bottom of shape " + toString(dims));
    }
    Dims shape(dims.begin(), dims.begin() + start);
    int64_t inferred = -1;
    for (int i = 0; i < p.shape().dim_size(); ++i) {
        const int64_t extent = p.shape().dim(i);
        if (extent == 0) {
            if (start + i >= end) {
                return invalidModel("reshape_param.shape entry " + std::to_string(i) +
                                    " is 0 (copy), but no axis of the bottom stands there");
            }
            shape.push_back(dims[static_cast<size_t>(start + i)]);
        } else if (extent == -1) {
            if (inferred >= 0)
                return invalidModel(
                    "reshape_param.shape has more than one -1; at most one extent is inferred");
            inferred = static_cast<int64_t>(shape.size());
            shape.push_back(1);
        } else if (extent < 0) {
            return invalidModel("reshape_param.shape has extent " + std::to_string(extent) +
                                "; extents are -1, 0 or positive");
        } else {
            shape.push_back(extent);
        }
    }
    shape.insert(shape.end(), dims.begin() + end, dims.end());
    KILN_RETURN_IF_ERROR(checkDims(shape, "reshape_param.shape"));
    const int64_t known = volume(shape);
    const int64_t count = volume(dims);
    if (inferred >= 0) {
        if (known == 0 || count % known != 0) {
            return invalidModel("reshape_param.shape cannot hold the " + std::to_string(count) +
                                " elements of " + toString(dims) + " with its -1 extent");
        }
        shape[static_cast<size_t>(inferred)] = count / known;
    }
    if (volume(shape) != count) {
        return invalidModel("reshape_param gives shape " + toString(shape) + " (" +
                            std::to_string(volume(shape)) + " elements) to a bottom of shape " +
                            toString(dims) + " (" + std::to_string(count) + ")");
    }
    return reshape(l, l.bottom(0), shape, l.topName(0)).status();
}

Status importSlice(LayerContext& l) {
    KILN_RETURN_IF_ERROR(l.expectBottoms(1, 1));
    KILN_RETURN_IF_ERROR(l.expectTops(1, 1u << 16));
    const caffe::SliceParameter& p = l.proto().slice_param();
    const Dims& dims = l.bottom(0)->dims();
    const int64_t rank = static_cast<int64_t>(dims.size());
    int64_t axis = p.slice_dim();
    if (!p.has_slice_dim()) {
        KILN_ASSIGN_OR_RETURN(axis, canonicalAxis(p.axis(), rank, "slice_param.axis"));
    } else if (axis >= rank) {
        return invalidModel("slice_param.slice_dim is " + std::to_string(axis) + "; the bottom has " +
                            std::to_string(rank) + " axes");
    }
    const int64_t extent = dims[static_cast<size_t>(axis)];
    const int64_t parts = static_cast<int64_t>(l.topCount());
    std::vector<int64_t> sizes;
    if (p.slice_point_size() > 0) {
        if (p.slice_point_size() != parts - 1) {
            return invalidModel("slice_param.slice_point has " + std::to_string(p.slice_point_size()) +
                                " values; with " + std::to_string(parts) + " tops it needs " +
                                std::to_string(parts - 1));
        }
        int64_t previous = 0;
        for (int i = 0; i <= p.slice_point_size(); ++i) {
            const int64_t point = i < p.slice_point_size() ? int64_t(p.slice_point(i)) : extent;
            if (point <= previous || point > extent) {
                return invalidModel("slice_param.slice_point must increase strictly within (0, " +
                                    std::to_string(extent) + ") along axis " + std::to_string(axis));
            }
            sizes.push_back(point - previous);
            previous = point;
        }
    } else {
        if (extent % parts != 0) {
            return invalidModel("axis " + std::to_string(axis) + " of extent " + std::to_string(extent) +
                                " does not split evenly into " + std::to_string(parts) +
                                " tops; give slice_point");
        }
        sizes.assign(static_cast<size_t>(parts), extent / parts);
    }
    if (parts == 1) return l.addLayer(IdentityParams{}, {l.bottom(0)}, l.topName(0)).status();
    std::vector<std::string> names;
    for (size_t i = 0; i < l.topCount(); ++i)
        names.push_back(l.topName(i));
    return l.addLayer(SplitParams{axis, sizes}, {l.bottom(0)}, names).status();
}

// y = (shift + scale * x)^power, each step only where it changes something.
Status importPower(LayerContext& l) {
    KILN_RETURN_IF_ERROR(l.expectBottoms(1, 1));
    KILN_RETURN_IF_ERROR(l.expectTops(1, 1));
    const caffe::PowerParameter& p = l.proto().power_param();
    struct Step {
        ElementwiseOp op;
        float value;
        const char* name;
    };
    std::vector<Step> steps;
    if (p.scale() != 1.0f) steps.push_back({ElementwiseOp::Mul, p.scale(), "scale"});
    if (p.shift() != 0.0f) steps.push_back({ElementwiseOp::Add, p.shift(), "shift"});
    if (p.power() != 1.0f) steps.push_back({ElementwiseOp::Pow, p.power(), "power"});
    if (steps.empty()) return l.addLayer(IdentityParams{}, {l.bottom(0)}, l.topName(0)).status();
    Tensor* value = l.bottom(0);
    for (size_t i = 0; i < steps.size(); ++i) {
        const bool last = i + 1 == steps.size();
        KILN_ASSIGN_OR_RETURN(value,
                              elementwiseScalar(l, steps[i].op, value, steps[i].value, steps[i].name,
                                                last ? l.topName(0) : l.internalTensorName(steps[i].name)));
    }
    return Status::ok();
}

// SSD's Permute: the axes in `order`, then the ones it leaves out in their own order.
Status importPermute(LayerContext& l) {
    KILN_RETURN_IF_ERROR(l.expectBottoms(1, 1));
    KILN_RETURN_IF_ERROR(l.expectTops(1, 1));
    const int64_t rank = static_cast<int64_t>(l.bottom(0)->dims().size());
    std::vector<int64_t> perm;
    std::vector<bool> used(static_cast<size_t>(rank), false);
    for (uint32_t axis : l.proto().permute_param().order()) {
        if (int64_t(axis) >= rank || used[axis]) {
            return invalidModel("permute_param.order has axis " + std::to_string(axis) + " " +
                                (int64_t(axis) >= rank ? "beyond the bottom's rank " + std::to_string(rank)
                                                       : std::string("twice")));
        }
        used[axis] = true;
        perm.push_back(axis);
    }
    for (int64_t axis = 0; axis < rank; ++axis) {
        if (!used[static_cast<size_t>(axis)]) perm.push_back(axis);
    }
    return l.addLayer(TransposeParams{perm}, {l.bottom(0)}, l.topName(0)).status();
}

// Crops bottom 0 to the extents of bottom 1 on the axes from `axis` on, starting at the offsets.
Status importCrop(LayerContext& l) {
    KILN_RETURN_IF_ERROR(l.expectBottoms(2, 2));
    KILN_RETURN_IF_ERROR(l.expectTops(1, 1));
    const caffe::CropParameter& p = l.proto().crop_param();
    const Dims& dims = l.bottom(0)->dims();
    const Dims& reference = l.bottom(1)->dims();
    const int64_t rank = static_cast<int64_t>(dims.size());
    if (reference.size() != dims.size()) {
        return invalidModel("its bottoms have shapes " + toString(dims) + " and " + toString(reference) +
                            "; Crop needs bottoms of equal rank");
    }
    KILN_ASSIGN_OR_RETURN(int64_t axis, canonicalAxis(p.axis(), rank, "crop_param.axis"));
    const int64_t cropped = rank - axis;
    if (p.offset_size() > 1 && p.offset_size() != cropped) {
        return invalidModel("crop_param.offset has " + std::to_string(p.offset_size()) +
                            " values; give 0, 1 or one per cropped axis (" + std::to_string(cropped) + ")");
    }
    SliceParams params;
    for (int64_t i = 0; i < rank; ++i) {
        int64_t start = 0;
        int64_t extent = dims[static_cast<size_t>(i)];
        if (i >= axis) {
            start = p.offset_size() == 0   ? 0
                    : p.offset_size() == 1 ? p.offset(0)
                                           : p.offset(static_cast<int>(i - axis));
            extent = reference[static_cast<size_t>(i)];
            if (start + extent > dims[static_cast<size_t>(i)]) {
                return invalidModel("cropping axis " + std::to_string(i) + " to " + std::to_string(extent) +
                                    " from offset " + std::to_string(start) +
                                    " reaches past the bottom's extent " +
                                    std::to_string(dims[static_cast<size_t>(i)]));
            }
        }
        params.starts.push_back(start);
        params.ends.push_back(start + extent);
        params.steps.push_back(1);
    }
    return l.addLayer(std::move(params), {l.bottom(0)}, l.topName(0)).status();
}

const std::map<std::string, ImporterFn>& importerTable() {
    static const std::map<std::string, ImporterFn> table = {
        {"BatchNorm", importBatchNorm},
        {"Concat", importConcat},
        {"Convolution", importConvolution},
        {"Crop", importCrop},
        {"Deconvolution", importDeconvolution},
        {"Dropout", identity},
        {"ELU", importElu},
        {"Eltwise", importEltwise},
        {"Flatten", importFlatten},
        {"InnerProduct", importInnerProduct},
        {"LRN", importLrn},
        {"Permute", importPermute},
        {"Pooling", importPooling},
        {"Power", importPower},
        {"PReLU", importPrelu},
        {"ReLU", importRelu},
        {"Reshape", importReshape},
        {"Scale", importScale},
        {"Sigmoid", importSigmoid},
        {"Slice", importSlice},
        {"Softmax", importSoftmax},
        {"Split", identity},
        {"TanH", importTanh},
    };
    return table;
}

}  // namespace

ImporterFn findImporter(const std::string& type) {
    auto it = importerTable().find(type);
    return it == importerTable().end() ? nullptr : it->second;
}

std::shared_ptr<const PluginCreator> findPluginCreator(const std::string& type) {
    const auto creators = PluginRegistry::global().findAll(type, "");
    if (creators.empty()) return nullptr;
    if (findImporter(type) && !creators.front()->replacesBuiltin()) return nullptr;
    return creators.front();
}

Status importPlugin(LayerContext& layer, const PluginCreator& creator) {
    const std::string key = pluginKey(creator.name(), creator.version(), creator.pluginNamespace());
    auto plugin = creator.create(layer.name(), {});
    if (!plugin) return plugin.status().withContext("plugin " + key);
    if (!*plugin) return internalError("plugin " + key + " made no plugin");
    if (size_t((*plugin)->outputCount()) != layer.topCount()) {
        return invalidModel("the layer has " + std::to_string(layer.topCount()) + " tops; plugin " + key +
                            " produces " + std::to_string((*plugin)->outputCount()));
    }
    std::vector<Tensor*> inputs;
    for (size_t i = 0; i < layer.bottomCount(); ++i)
        inputs.push_back(layer.bottom(i));
    std::vector<std::string> outputs;
    for (size_t i = 0; i < layer.topCount(); ++i)
        outputs.push_back(layer.topName(i));
    PluginParams params{std::shared_ptr<const Plugin>(std::move(plugin).value())};
    return layer.addLayer(std::move(params), inputs, outputs).status();
}

bool scaleFoldsIntoBatchNorm(const caffe::LayerParameter& scale) {
    return scale.type() == "Scale" && scale.bottom_size() == 1 && scale.top_size() == 1 &&
           scale.scale_param().axis() == 1 && scale.scale_param().num_axes() == 1;
}

}  // namespace kiln::caffe_import

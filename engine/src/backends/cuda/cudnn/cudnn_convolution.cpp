// cuDNN convolution and deconvolution tactics. A tactic is one engine configuration for one of the
// layer's graphs; its id names the graph and the configuration ("cudnn:conv:e12.k3=1"), so a plan
// recreates exactly that configuration. Plans (cuDNN's) are made when a tactic is first asked for its
// workspace and reused by its kernel.
#include "backends/cuda/cudnn/cudnn_convolution.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>

#include "backends/cuda/cuda_common.h"
#include "backends/cuda/cudnn/conv_epilogue.h"
#include "backends/cuda/cudnn/cudnn_graph.h"

namespace kiln::cuda {

namespace {

using cudnn::Descriptor;
using cudnn::EngineChoice;
using cudnn::OperationGraph;

// Unique ids of the graph's tensors; virtual ones from 100 on.
constexpr int64_t kInputId = 1;
constexpr int64_t kWeightsId = 2;
constexpr int64_t kOutputId = 3;
constexpr int64_t kBiasId = 4;
constexpr int64_t kResidualId = 5;
constexpr int64_t kFirstVirtualId = 100;

// The engine configurations offered per graph; the heuristics rank them, and timing more than this
// many only makes builds slower.
constexpr size_t kMaxConfigurations = 8;
// Of those, the most that cuDNN compiles at run time: each takes a second or more to compile, and the
// configurations of one such engine differ little in speed.
constexpr size_t kMaxRuntimeCompiled = 3;

// Conv: the convolution alone, then Kiln's epilogue (bias in FP32). Fused: bias, residual and
// activation in cuDNN's graph, the bias in the graph's type. FusedFp32Bias: the same with an FP32 bias,
// for FP16 layers whose bias is too large to round to FP16 (largeBias below); only cuDNN's run-time
// compiled engines take it, which are slower to build and to run. Dgrad: a deconvolution.
enum class Variant { Conv, Fused, FusedFp32Bias, Dgrad };

// How large a bias may be, against its output channel's weights (L2 norm), and still be rounded to FP16.
// With inputs of unit scale, as normalized networks have, rounding the inputs and weights to FP16 already
// puts an error of about 2^-12 * |w|_2 on the sum; rounding the bias adds up to 2^-12 * |b|. A bias within
// a few weight norms adds no more error than the layer has anyway. A larger one is what folding a batch
// norm leaves where the mean it subtracts is large against the output's spread: the sum and the bias then
// cancel, and the bias's rounding error dominates what remains, so it stays FP32. FP32 biases everywhere
// would cost the precompiled engines and seconds of run-time compilation per layer.
constexpr double kLargestFp16BiasToWeights = 3.0;

// Whether some output channel's bias exceeds kLargestFp16BiasToWeights times its weights' L2 norm. (A
// layer loaded from a plan reads zeros here: it keeps only its prepared weights.)
bool largeBias(const Layer& layer) {
    const Tensor* weights = layer.input(1);
    const Tensor* bias = layer.input(2);
    if (!bias || !bias->isConstant() || !weights->isConstant()) return false;
    const HostTensor& w = *weights->constantData();
    const HostTensor& b = *bias->constantData();
    const int64_t channels = b.elementCount();
    if (channels == 0 || w.dims().empty() || w.dims()[0] != channels) return false;
    const int64_t perChannel = w.elementCount() / channels;
    for (int64_t k = 0; k < channels; ++k) {
        double squares = 0.0;
        for (int64_t i = 0; i < perChannel; ++i) {
            const double weight = w.data<float>()[k * perChannel + i];
            squares += weight * weight;
        }
        const double limit = kLargestFp16BiasToWeights * std::sqrt(squares);
        if (std::abs(double(b.data<float>()[k])) > limit) return true;
    }
    return false;
}

const char* variantName(Variant variant) {
    switch (variant) {
        case Variant::Conv: return "conv";
        case Variant::Fused: return "fused";
        case Variant::FusedFp32Bias: return "fused-fp32-bias";
        case Variant::Dgrad: return "dgrad";
    }
    return "conv";
}

std::optional<Variant> variantNamed(const std::string& name) {
    for (Variant variant : {Variant::Conv, Variant::Fused, Variant::FusedFp32Bias, Variant::Dgrad}) {
        if (name == variantName(variant)) return variant;
    }
    return std::nullopt;
}

bool isFused(Variant variant) { return variant == Variant::Fused || variant == Variant::FusedFp32Bias; }

std::string cudnnLibrary() { return "cuDNN " + libraryVersion(cudnnGetVersion()); }

// What cuDNN is asked to compute, in its terms: at least two spatial axes (a 1-D convolution gets a
// unit axis), the deconvolution as the data gradient of the convolution it transposes.
struct ConvProblem {
    bool deconvolution = false;
    // FP16 channels-last: every channel count padded to `channelPadding`, the padded input channels
    // read zero weights and the padded output channels come out as zeros.
    bool nhwc = false;
    int64_t channelPadding = 1;
    int64_t groups = 1;              // of the padded problem (a padded depthwise convolution has more)
    std::vector<int64_t> input, weights, output;  // cuDNN's dims, padded channels included
    std::vector<int64_t> pre, post, strides, dilations;
    bool bias = false;
    bool largeBias = false;  // largeBias(): an FP16 fused graph takes it in FP32
    bool residual = false;
    std::optional<ActivationParams> activation;
    std::vector<int64_t> outputChannels;  // one entry per output
    int64_t inputAlignment = 16;
    int64_t outputAlignment = 16;
    int64_t residualAlignment = 16;

    int64_t outputElements() const { return volume(output); }
    cudnnDataType_t dataType() const { return nhwc ? CUDNN_DATA_HALF : CUDNN_DATA_FLOAT; }
    int64_t elementBytes() const { return nhwc ? 2 : 4; }
    std::vector<int64_t> stridesOf(const std::vector<int64_t>& dims) const;
    bool needsEpilogue() const {
        return bias || residual || activation || outputChannels.size() > 1;
    }
};

// The alignment cuDNN may assume for a tensor's address: arena tensors start on 64-byte boundaries,
// views (aliases) at their offset inside their base; 16 is all vector loads use.
int64_t alignmentOf(const Tensor* tensor) {
    if (!tensor) return 16;
    const int64_t offset = tensor->alias() ? tensor->alias()->byteOffset : 0;
    int64_t alignment = 16;
    while (alignment > 1 && offset % alignment != 0) alignment /= 2;
    return alignment;
}

std::vector<int64_t> denseStrides(const std::vector<int64_t>& dims) {
    std::vector<int64_t> strides(dims.size(), 1);
    for (size_t i = dims.size(); i-- > 1;) strides[i - 1] = strides[i] * dims[i];
    return strides;
}

// Channels-last strides for dims in cuDNN's [N, C, spatial...] order: channels innermost.
std::vector<int64_t> channelsLastStrides(const std::vector<int64_t>& dims) {
    std::vector<int64_t> strides(dims.size(), 1);
    int64_t stride = dims[1];
    for (size_t axis = dims.size(); axis-- > 2;) {
        strides[axis] = stride;
        stride *= dims[axis];
    }
    strides[0] = stride;
    return strides;
}

std::vector<int64_t> ConvProblem::stridesOf(const std::vector<int64_t>& dims) const {
    return nhwc ? channelsLastStrides(dims) : denseStrides(dims);
}

int64_t padTo(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

Result<ConvProblem> problemOf(const Layer& layer) {
    ConvProblem p;
    p.deconvolution = layer.kind() == LayerKind::Deconvolution;
    p.input = layer.input(0)->dims();
    p.weights = layer.input(1)->dims();
    p.output = layer.output(0)->dims();
    std::vector<int64_t> pads;
    if (p.deconvolution) {
        const auto& params = layer.paramsAs<DeconvolutionParams>();
        pads = params.pads;
        p.strides = params.strides;
        p.dilations = params.dilations;
        p.bias = layer.input(2) != nullptr;
        p.outputChannels = {p.output[1]};
    } else {
        const auto& params = layer.paramsAs<ConvolutionParams>();
        pads = params.pads;
        p.strides = params.strides;
        p.dilations = params.dilations;
        p.bias = layer.input(2) != nullptr;
        p.residual = layer.input(3) != nullptr;
        p.largeBias = largeBias(layer);
        p.activation = params.activation;
        p.outputChannels = params.outputChannels.empty() ? std::vector<int64_t>{p.weights[0]} : params.outputChannels;
        // One cuDNN output holds every channel; the epilogue splits them.
        p.output[1] = p.weights[0];
    }
    const TensorFormat format = layer.input(0)->format();
    if (format.channelsLast) {
        if (p.deconvolution) return unsupported("deconvolutions run in linear FP32 only");
        if (p.outputChannels.size() > 1) return unsupported("split outputs run in linear FP32 only");
        p.nhwc = true;
        p.channelPadding = std::max(format.channelBlock, 1);
        const int64_t groups = layer.paramsAs<ConvolutionParams>().groups;
        const int64_t channels = p.input[1];
        const int64_t filters = p.weights[0];
        if (groups == 1) {
            p.input[1] = p.weights[1] = padTo(channels, p.channelPadding);
            p.output[1] = p.weights[0] = padTo(filters, p.channelPadding);
        } else if (groups == channels && filters == channels) {
            // Depthwise: the padded channels are groups of their own with zero filters.
            p.input[1] = p.output[1] = p.weights[0] = p.groups = padTo(channels, p.channelPadding);
        } else if (channels % p.channelPadding == 0 && filters % p.channelPadding == 0) {
            p.groups = groups;
        } else {
            return unsupported("grouped convolutions run channels-last only when every channel count is a multiple of " +
                               std::to_string(p.channelPadding));
        }
    } else if (!p.deconvolution) {
        p.groups = layer.paramsAs<ConvolutionParams>().groups;
    } else {
        p.groups = layer.paramsAs<DeconvolutionParams>().groups;
    }
    const size_t spatial = p.input.size() - 2;
    if (spatial < 1 || spatial > 3) return unsupported("needs 1 to 3 spatial axes");
    p.pre.assign(pads.begin(), pads.begin() + long(spatial));
    p.post.assign(pads.begin() + long(spatial), pads.end());
    if (spatial == 1) {
        for (auto* dims : {&p.input, &p.weights, &p.output}) dims->insert(dims->begin() + 2, 1);
        p.pre.insert(p.pre.begin(), 0);
        p.post.insert(p.post.begin(), 0);
        p.strides.insert(p.strides.begin(), 1);
        p.dilations.insert(p.dilations.begin(), 1);
    }
    if (p.deconvolution) {
        // cuDNN checks the forward shape relation; output padding (< stride) only adds rows at the end
        // that the floor in that relation absorbs.
        for (size_t i = 0; i < p.post.size(); ++i) {
            if (p.pre[i] < 0 || p.post[i] < 0) return unsupported("negative padding");
        }
    }
    p.inputAlignment = alignmentOf(layer.input(0));
    p.outputAlignment = 16;
    for (const Tensor* output : layer.outputs()) p.outputAlignment = std::min(p.outputAlignment, alignmentOf(output));
    p.residualAlignment = alignmentOf(layer.input(3));
    return p;
}

// Whether an activation maps 0 to 0, so that padded channels (zero sums, zero bias) stay zero.
bool keepsZero(const std::optional<ActivationParams>& activation) {
    if (!activation) return true;
    switch (activation->type) {
        case ActivationType::Relu:
        case ActivationType::Tanh: return true;
        case ActivationType::Clip: return activation->alpha <= 0.0f && activation->beta >= 0.0f;
        default: return false;
    }
}

// Whether cuDNN's fused graph can express the layer's activation exactly as the reference does.
bool fusableActivation(const std::optional<ActivationParams>& activation) {
    if (!activation) return true;
    switch (activation->type) {
        case ActivationType::Relu:
        case ActivationType::Sigmoid:
        case ActivationType::Tanh: return true;
        case ActivationType::Clip: return activation->alpha == 0.0f && activation->beta > 0.0f;
        default: return false;
    }
}

Result<Descriptor> pointwiseOperation(cudnnPointwiseMode_t mode, const Descriptor& x, const Descriptor* b, const Descriptor& y,
                                      std::optional<double> upperClip) {
    KILN_ASSIGN_OR_RETURN(Descriptor pointwise, Descriptor::make(CUDNN_BACKEND_POINTWISE_DESCRIPTOR, "a pointwise"));
    KILN_RETURN_IF_ERROR(pointwise.setOne(CUDNN_ATTR_POINTWISE_MODE, CUDNN_TYPE_POINTWISE_MODE, mode));
    KILN_RETURN_IF_ERROR(pointwise.setOne(CUDNN_ATTR_POINTWISE_MATH_PREC, CUDNN_TYPE_DATA_TYPE, CUDNN_DATA_FLOAT));
    // A double, as cudnn-frontend sets it whatever the math precision.
    if (upperClip) {
        KILN_RETURN_IF_ERROR(pointwise.setOne(CUDNN_ATTR_POINTWISE_RELU_UPPER_CLIP, CUDNN_TYPE_DOUBLE, *upperClip));
    }
    KILN_RETURN_IF_ERROR(pointwise.finalize());
    KILN_ASSIGN_OR_RETURN(Descriptor operation,
                          Descriptor::make(CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR, "a pointwise operation"));
    KILN_RETURN_IF_ERROR(operation.setDescriptor(CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR, pointwise));
    KILN_RETURN_IF_ERROR(operation.setDescriptor(CUDNN_ATTR_OPERATION_POINTWISE_XDESC, x));
    if (b) KILN_RETURN_IF_ERROR(operation.setDescriptor(CUDNN_ATTR_OPERATION_POINTWISE_BDESC, *b));
    KILN_RETURN_IF_ERROR(operation.setDescriptor(CUDNN_ATTR_OPERATION_POINTWISE_YDESC, y));
    KILN_RETURN_IF_ERROR(operation.finalize());
    return operation;
}

// The operation graph of `variant`: the convolution (or data gradient) alone, or with the bias,
// residual and activation after it in the graph.
Result<std::shared_ptr<OperationGraph>> buildGraph(const ConvProblem& p, Variant variant, cudnnHandle_t handle) {
    auto graph = std::make_shared<OperationGraph>();
    const bool fused = isFused(variant);
    const bool epilogueInGraph = fused && (p.bias || p.residual || p.activation);
    int64_t nextVirtual = kFirstVirtualId;
    // Intermediate results of a fused graph stay FP32; what lies in memory has the problem's type.
    const cudnnDataType_t type = p.dataType();
    KILN_ASSIGN_OR_RETURN(Descriptor x, cudnn::makeTensor(kInputId, type, p.input, p.stridesOf(p.input),
                                                          p.inputAlignment, false));
    KILN_ASSIGN_OR_RETURN(Descriptor w, cudnn::makeTensor(kWeightsId, type, p.weights, p.stridesOf(p.weights), 16, false));
    KILN_ASSIGN_OR_RETURN(Descriptor y, cudnn::makeTensor(epilogueInGraph ? nextVirtual++ : kOutputId,
                                                          epilogueInGraph ? CUDNN_DATA_FLOAT : type, p.output,
                                                          p.stridesOf(p.output), p.outputAlignment, epilogueInGraph));
    KILN_ASSIGN_OR_RETURN(Descriptor convolution, Descriptor::make(CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR, "a convolution"));
    const int64_t spatialDims = int64_t(p.strides.size());
    KILN_RETURN_IF_ERROR(convolution.setOne(CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, CUDNN_DATA_FLOAT));
    KILN_RETURN_IF_ERROR(
        convolution.setOne(CUDNN_ATTR_CONVOLUTION_CONV_MODE, CUDNN_TYPE_CONVOLUTION_MODE, CUDNN_CROSS_CORRELATION));
    KILN_RETURN_IF_ERROR(convolution.setOne(CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS, CUDNN_TYPE_INT64, spatialDims));
    KILN_RETURN_IF_ERROR(convolution.setInts(CUDNN_ATTR_CONVOLUTION_DILATIONS, p.dilations));
    KILN_RETURN_IF_ERROR(convolution.setInts(CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES, p.strides));
    KILN_RETURN_IF_ERROR(convolution.setInts(CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS, p.pre));
    KILN_RETURN_IF_ERROR(convolution.setInts(CUDNN_ATTR_CONVOLUTION_POST_PADDINGS, p.post));
    KILN_RETURN_IF_ERROR(convolution.finalize());

    const float one = 1.0f;
    const float zero = 0.0f;
    std::vector<cudnnBackendDescriptor_t> operations;
    if (p.deconvolution) {
        KILN_ASSIGN_OR_RETURN(Descriptor op, Descriptor::make(CUDNN_BACKEND_OPERATION_CONVOLUTION_BACKWARD_DATA_DESCRIPTOR,
                                                              "a convolution data gradient"));
        KILN_RETURN_IF_ERROR(op.setDescriptor(CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_DX, y));
        KILN_RETURN_IF_ERROR(op.setDescriptor(CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_W, w));
        KILN_RETURN_IF_ERROR(op.setDescriptor(CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_DY, x));
        KILN_RETURN_IF_ERROR(op.setDescriptor(CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_CONV_DESC, convolution));
        KILN_RETURN_IF_ERROR(op.setOne(CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_ALPHA, CUDNN_TYPE_FLOAT, one));
        KILN_RETURN_IF_ERROR(op.setOne(CUDNN_ATTR_OPERATION_CONVOLUTION_BWD_DATA_BETA, CUDNN_TYPE_FLOAT, zero));
        KILN_RETURN_IF_ERROR(op.finalize());
        operations.push_back(op.get());
        graph->parts.push_back(std::move(op));
    } else {
        KILN_ASSIGN_OR_RETURN(Descriptor op, Descriptor::make(CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR,
                                                              "a convolution operation"));
        KILN_RETURN_IF_ERROR(op.setDescriptor(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X, x));
        KILN_RETURN_IF_ERROR(op.setDescriptor(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W, w));
        KILN_RETURN_IF_ERROR(op.setDescriptor(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y, y));
        KILN_RETURN_IF_ERROR(op.setDescriptor(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC, convolution));
        KILN_RETURN_IF_ERROR(op.setOne(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA, CUDNN_TYPE_FLOAT, one));
        KILN_RETURN_IF_ERROR(op.setOne(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA, CUDNN_TYPE_FLOAT, zero));
        KILN_RETURN_IF_ERROR(op.finalize());
        operations.push_back(op.get());
        graph->parts.push_back(std::move(op));
    }

    if (epilogueInGraph) {
        // Each step reads the previous step's (virtual) result; the last one writes the output.
        int steps = int(p.bias) + int(p.residual) + int(p.activation.has_value());
        Descriptor current = std::move(y);
        auto nextTensor = [&]() -> Result<Descriptor> {
            const bool last = --steps == 0;
            return cudnn::makeTensor(last ? kOutputId : nextVirtual++, last ? type : CUDNN_DATA_FLOAT, p.output,
                                     p.stridesOf(p.output), p.outputAlignment, !last);
        };
        auto append = [&](Descriptor operation, Descriptor next) {
            operations.push_back(operation.get());
            graph->parts.push_back(std::move(operation));
            graph->parts.push_back(std::move(current));
            current = std::move(next);
        };
        if (p.bias) {
            std::vector<int64_t> dims(p.output.size(), 1);
            dims[1] = p.output[1];
            const cudnnDataType_t biasType = variant == Variant::FusedFp32Bias ? CUDNN_DATA_FLOAT : type;
            KILN_ASSIGN_OR_RETURN(Descriptor b, cudnn::makeTensor(kBiasId, biasType, dims, p.stridesOf(dims), 16, false));
            KILN_ASSIGN_OR_RETURN(Descriptor next, nextTensor());
            KILN_ASSIGN_OR_RETURN(Descriptor op, pointwiseOperation(CUDNN_POINTWISE_ADD, current, &b, next, std::nullopt));
            graph->parts.push_back(std::move(b));
            append(std::move(op), std::move(next));
        }
        if (p.residual) {
            KILN_ASSIGN_OR_RETURN(Descriptor r, cudnn::makeTensor(kResidualId, type, p.output, p.stridesOf(p.output),
                                                                  p.residualAlignment, false));
            KILN_ASSIGN_OR_RETURN(Descriptor next, nextTensor());
            KILN_ASSIGN_OR_RETURN(Descriptor op, pointwiseOperation(CUDNN_POINTWISE_ADD, current, &r, next, std::nullopt));
            graph->parts.push_back(std::move(r));
            append(std::move(op), std::move(next));
        }
        if (p.activation) {
            const ActivationType type = p.activation->type;
            const cudnnPointwiseMode_t mode = type == ActivationType::Sigmoid ? CUDNN_POINTWISE_SIGMOID_FWD
                                              : type == ActivationType::Tanh  ? CUDNN_POINTWISE_TANH_FWD
                                                                              : CUDNN_POINTWISE_RELU_FWD;
            const std::optional<double> clip =
                type == ActivationType::Clip ? std::optional<double>(p.activation->beta) : std::nullopt;
            KILN_ASSIGN_OR_RETURN(Descriptor next, nextTensor());
            KILN_ASSIGN_OR_RETURN(Descriptor op, pointwiseOperation(mode, current, nullptr, next, clip));
            append(std::move(op), std::move(next));
        }
        graph->parts.push_back(std::move(current));
    } else {
        graph->parts.push_back(std::move(y));
    }
    graph->parts.push_back(std::move(x));
    graph->parts.push_back(std::move(w));
    graph->parts.push_back(std::move(convolution));

    KILN_ASSIGN_OR_RETURN(graph->graph, Descriptor::make(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR, "an operation graph"));
    KILN_RETURN_IF_ERROR(graph->graph.setOne(CUDNN_ATTR_OPERATIONGRAPH_HANDLE, CUDNN_TYPE_HANDLE, handle));
    KILN_RETURN_IF_ERROR(graph->graph.set(CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR,
                                          int64_t(operations.size()), operations.data()));
    KILN_RETURN_IF_ERROR(graph->graph.finalize());
    return graph;
}

// Everything buildGraph() reads from a problem, and the device: layers with equal keys get equal
// graphs, heuristics and plans.
std::string graphKey(const ConvProblem& p, Variant variant) {
    int device = -1;
    cudaGetDevice(&device);
    std::string key = std::to_string(device) + "|" + variantName(variant);
    auto add = [&key](const char* name, const std::vector<int64_t>& values) {
        key += std::string("|") + name;
        for (int64_t value : values) key += " " + std::to_string(value);
    };
    add("in", p.input);
    add("w", p.weights);
    add("out", p.output);
    add("pre", p.pre);
    add("post", p.post);
    add("s", p.strides);
    add("d", p.dilations);
    add("split", p.outputChannels);
    add("misc", {p.deconvolution, p.nhwc, p.channelPadding, p.groups, p.bias, p.residual, p.inputAlignment,
                 p.outputAlignment, p.residualAlignment});
    if (p.activation) {
        char text[64];
        std::snprintf(text, sizeof text, "|act %d %a %a", int(p.activation->type), double(p.activation->alpha),
                      double(p.activation->beta));
        key += text;
    }
    return key;
}

// What cuDNN answered for one graph key within this process: the graph, and its heuristics once
// asked. A network repeats shapes (ResNet-50's 53 convolutions have about 20), and the builder asks
// for each layer while choosing formats and again while timing; the heuristics queries, not the
// kernels, are most of a warm build's time. Failures are not kept, so a later call asks again.
struct GraphMemo {
    std::shared_ptr<OperationGraph> graph;
    std::optional<std::vector<EngineChoice>> choices;
};

// Bounds what a long-lived process (the workbench) keeps; kernels hold their own references.
constexpr size_t kMaxMemoEntries = 4096;

// The memos are never destroyed: cuDNN descriptors must not be released during static destruction,
// when the CUDA runtime may already be gone.
std::mutex& memoMutex() {
    static auto* mutex = new std::mutex;
    return *mutex;
}

std::map<std::string, GraphMemo>& graphMemo() {
    static auto* memo = new std::map<std::string, GraphMemo>;
    return *memo;
}

Result<std::shared_ptr<OperationGraph>> sharedGraph(const ConvProblem& problem, Variant variant, cudnnHandle_t handle) {
    const std::string key = graphKey(problem, variant);
    {
        std::lock_guard<std::mutex> lock(memoMutex());
        auto it = graphMemo().find(key);
        if (it != graphMemo().end()) return it->second.graph;
    }
    KILN_ASSIGN_OR_RETURN(std::shared_ptr<OperationGraph> graph, buildGraph(problem, variant, handle));
    std::lock_guard<std::mutex> lock(memoMutex());
    if (graphMemo().size() >= kMaxMemoEntries) graphMemo().clear();
    graphMemo().emplace(key, GraphMemo{graph, std::nullopt});
    return graph;
}

Result<std::vector<EngineChoice>> sharedEngineChoices(const ConvProblem& problem, Variant variant,
                                                      const OperationGraph& graph) {
    const std::string key = graphKey(problem, variant);
    {
        std::lock_guard<std::mutex> lock(memoMutex());
        auto it = graphMemo().find(key);
        if (it != graphMemo().end() && it->second.choices) return *it->second.choices;
    }
    KILN_ASSIGN_OR_RETURN(std::vector<EngineChoice> choices, cudnn::engineChoices(graph));
    std::lock_guard<std::mutex> lock(memoMutex());
    auto it = graphMemo().find(key);
    if (it != graphMemo().end()) it->second.choices = choices;
    return choices;
}

// What a kernel needs from its tactic: the graph, the finalized plan, where the convolution writes.
struct PlanState {
    std::shared_ptr<OperationGraph> graph;
    cudnn::ExecutionPlan plan;
    int64_t planWorkspace = 0;  // cuDNN's workspace, rounded up to 256 bytes
    int64_t temporaryBytes = 0;  // the convolution's own output, when the epilogue cannot work in place
};

int64_t roundUp(int64_t bytes) { return (bytes + 255) / 256 * 256; }

std::map<std::string, std::shared_ptr<PlanState>>& planMemo() {
    static auto* memo = new std::map<std::string, std::shared_ptr<PlanState>>;  // never destroyed, as graphMemo()
    return *memo;
}

class CudnnConvolutionKernel final : public tactics::Kernel {
public:
    CudnnConvolutionKernel(const Layer& layer, ConvProblem problem, Variant variant, std::shared_ptr<PlanState> state,
                           std::shared_ptr<CudaBuffer> weights, std::shared_ptr<CudaBuffer> bias)
        : m_layer(layer), m_problem(std::move(problem)), m_variant(variant), m_state(std::move(state)),
          m_weights(std::move(weights)), m_bias(std::move(bias)) {}

    Status run(const tactics::KernelArgs& args) const override {
        KILN_ASSIGN_OR_RETURN(cudnnHandle_t handle, streamOf(args).cudnn());
        const bool fusedGraph = isFused(m_variant);
        std::byte* convolutionOutput = m_state->temporaryBytes > 0 ? args.workspace + m_state->planWorkspace : args.outputs[0];
        std::vector<int64_t> uids{kInputId, kWeightsId, kOutputId};
        std::vector<void*> pointers{const_cast<std::byte*>(args.inputs[0]), m_weights->data(), convolutionOutput};
        if (fusedGraph && m_problem.bias) {
            uids.push_back(kBiasId);
            pointers.push_back(m_bias->data());
        }
        if (fusedGraph && m_problem.residual) {
            uids.push_back(kResidualId);
            pointers.push_back(const_cast<std::byte*>(args.inputs[3]));
        }
        KILN_RETURN_IF_ERROR(cudnn::execute(handle, m_state->plan.plan, uids, pointers, args.workspace)
                                 .withContext("cuDNN " + std::string(variantName(m_variant))));
        if (fusedGraph || !m_problem.needsEpilogue()) return Status::ok();
        if (m_problem.nhwc) {
            ChannelsLastEpilogue epilogue;
            epilogue.channels = m_layer.output(0)->dims()[1];
            epilogue.padded = m_problem.output[1];
            epilogue.positions = m_problem.outputElements() / std::max<int64_t>(epilogue.padded, 1);
            epilogue.bias = m_bias ? m_bias->as<float>() : nullptr;
            epilogue.residual = m_problem.residual ? args.inputs[3] : nullptr;
            epilogue.activation = m_problem.activation;
            return runChannelsLastEpilogue(epilogue, convolutionOutput, streamOf(args).stream());
        }
        ConvEpilogue epilogue;
        epilogue.batch = m_problem.output[0];
        epilogue.channels = m_problem.output[1];
        epilogue.spatial = m_problem.outputElements() / std::max<int64_t>(epilogue.batch * epilogue.channels, 1);
        epilogue.bias = m_bias ? m_bias->as<float>() : nullptr;
        epilogue.residual = m_problem.residual ? reinterpret_cast<const float*>(args.inputs[3]) : nullptr;
        epilogue.activation = m_problem.activation;
        epilogue.outputChannels = m_problem.outputChannels;
        std::vector<float*> outputs;
        for (std::byte* output : args.outputs) outputs.push_back(reinterpret_cast<float*>(output));
        return runConvEpilogue(epilogue, reinterpret_cast<const float*>(convolutionOutput), outputs,
                               streamOf(args).stream());
    }

    bool readsInput(size_t index) const override { return index != 1 && index != 2; }

private:
    const Layer& m_layer;
    ConvProblem m_problem;
    Variant m_variant;
    std::shared_ptr<PlanState> m_state;
    std::shared_ptr<CudaBuffer> m_weights;
    std::shared_ptr<CudaBuffer> m_bias;
};

class CudnnConvolutionTactic final : public tactics::Tactic {
public:
    CudnnConvolutionTactic(const Layer& layer, ConvProblem problem, Variant variant, std::shared_ptr<OperationGraph> graph,
                           EngineChoice choice)
        : m_layer(layer), m_problem(std::move(problem)), m_variant(variant), m_graph(std::move(graph)),
          m_choice(std::move(choice)) {}

    std::string id() const override { return std::string("cudnn:") + variantName(m_variant) + ":" + m_choice.key(); }
    std::string library() const override {
        const std::string notes = m_choice.notes();
        return cudnnLibrary() + (notes.empty() ? "" : " (" + notes + ")");
    }

    // Whether cuDNN can finalize the chosen engine for this graph (an id from another cuDNN may name
    // an engine that does not exist here).
    Status checkPlan() const { return planState().status(); }

    int64_t workspaceBytes() const override {
        auto state = planState();
        return state ? state.value()->planWorkspace + state.value()->temporaryBytes : 0;
    }

    Result<std::vector<tactics::WeightBlob>> prepareWeights() const override {
        std::vector<tactics::WeightBlob> blobs;
        for (size_t index : {size_t(1), size_t(2)}) {
            const Tensor* tensor = m_layer.input(index);
            if (!tensor) continue;
            if (!tensor->isConstant()) return unsupported("its weights and bias must be constants");
            const HostTensor& data = *tensor->constantData();
            if (!m_problem.nhwc) {
                blobs.emplace_back(data.bytes(), data.bytes() + data.byteSize());
            } else {
                blobs.push_back(index == 1 ? channelsLastWeights(data) : paddedBias(data));
            }
        }
        return blobs;
    }

    Result<std::unique_ptr<tactics::Kernel>> instantiate(std::vector<tactics::WeightBlob> weights) const override {
        const size_t expected = m_problem.bias ? 2 : 1;
        const size_t weightBytes = size_t(volume(m_problem.weights) * m_problem.elementBytes());
        const size_t biasBytes = m_problem.bias ? size_t(m_problem.output[1]) * biasElementBytes() : 0;
        if (weights.size() != expected || weights[0].size() != weightBytes ||
            (m_problem.bias && weights[1].size() != biasBytes)) {
            return invalidModel("the prepared weights of '" + m_layer.name() + "' do not match its shape; rebuild the plan");
        }
        KILN_ASSIGN_OR_RETURN(std::shared_ptr<PlanState> state, planState());
        KILN_ASSIGN_OR_RETURN(auto weightsOnDevice, upload(weights[0].data(), weights[0].size()));
        std::shared_ptr<CudaBuffer> biasOnDevice;
        if (m_problem.bias) {
            KILN_ASSIGN_OR_RETURN(biasOnDevice, upload(weights[1].data(), weights[1].size()));
        }
        return std::unique_ptr<tactics::Kernel>(std::make_unique<CudnnConvolutionKernel>(
            m_layer, m_problem, m_variant, std::move(state), std::move(weightsOnDevice), std::move(biasOnDevice)));
    }

private:
    // The weights as FP16 [K][kernel...][C per group], output and input channels padded with zeros.
    tactics::WeightBlob channelsLastWeights(const HostTensor& weights) const {
        const Dims& source = weights.dims();  // [K, C/groups, kernel...]
        const int64_t filters = source[0];
        const int64_t perGroup = source[1];
        const int64_t taps = volume(source) / std::max<int64_t>(filters * perGroup, 1);
        const int64_t paddedPerGroup = m_problem.weights[1];
        tactics::WeightBlob blob(size_t(volume(m_problem.weights)) * sizeof(uint16_t));  // padded channels zero
        auto* target = reinterpret_cast<uint16_t*>(blob.mutableData());
        for (int64_t k = 0; k < filters; ++k) {
            for (int64_t c = 0; c < perGroup; ++c) {
                for (int64_t t = 0; t < taps; ++t) {
                    const float value = weights.data<float>()[(k * perGroup + c) * taps + t];
                    target[(k * taps + t) * paddedPerGroup + c] = floatToHalf(value);
                }
            }
        }
        return blob;
    }

    // FP16 where a fused graph adds it in FP16, else FP32 (Kiln's epilogue adds it in FP32).
    size_t biasElementBytes() const { return m_variant == Variant::Fused ? m_problem.elementBytes() : sizeof(float); }

    // The bias for channels-last, padded channels zero.
    tactics::WeightBlob paddedBias(const HostTensor& bias) const {
        tactics::WeightBlob blob(size_t(m_problem.output[1]) * biasElementBytes());
        if (biasElementBytes() == sizeof(float)) {
            std::memcpy(blob.mutableData(), bias.data<float>(), size_t(bias.elementCount()) * sizeof(float));
            return blob;
        }
        auto* target = reinterpret_cast<uint16_t*>(blob.mutableData());
        for (int64_t k = 0; k < bias.elementCount(); ++k) target[k] = floatToHalf(bias.data<float>()[k]);
        return blob;
    }

    // The finalized plan, shared with every tactic of an equal graph key and engine configuration in
    // this process: finalizing can compile kernels at run time, which costs more than timing them.
    Result<std::shared_ptr<PlanState>> planState() const {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_state) return m_state;
        if (!m_stateError.isOk()) return m_stateError;
        const std::string key = graphKey(m_problem, m_variant) + "|" + m_choice.key();
        {
            std::lock_guard<std::mutex> memoLock(memoMutex());
            auto it = planMemo().find(key);
            if (it != planMemo().end()) return m_state = it->second;
        }
        auto made = makePlanState();
        if (!made) {
            m_stateError = made.status();
            return m_stateError;
        }
        m_state = std::move(made).value();
        std::lock_guard<std::mutex> memoLock(memoMutex());
        if (planMemo().size() >= kMaxMemoEntries) planMemo().clear();
        planMemo().emplace(key, m_state);
        return m_state;
    }

    Result<std::shared_ptr<PlanState>> makePlanState() const {
        KILN_ASSIGN_OR_RETURN(cudnn::BuildHandle build, cudnn::buildHandle());
        auto state = std::make_shared<PlanState>();
        state->graph = m_graph;
        KILN_ASSIGN_OR_RETURN(state->plan, cudnn::makeExecutionPlan(build.handle, *m_graph, m_choice));
        state->planWorkspace = roundUp(state->plan.workspaceBytes);
        // The epilogue works in place on a single output; split channels need the whole output first.
        if (!isFused(m_variant) && m_problem.outputChannels.size() > 1) {
            state->temporaryBytes = roundUp(m_problem.outputElements() * m_problem.elementBytes());
        }
        return state;
    }

    const Layer& m_layer;
    ConvProblem m_problem;
    Variant m_variant;
    std::shared_ptr<OperationGraph> m_graph;
    EngineChoice m_choice;
    mutable std::mutex m_mutex;
    mutable std::shared_ptr<PlanState> m_state;
    mutable Status m_stateError;
};

// Why cuDNN tactics cannot run `config` at all, or nothing.
std::optional<std::string> unsupportedReason(const tactics::LayerConfig& config, const Layer& layer) {
    // FP32 runs linear NCHW; FP16 runs channels-last with padded channels (NHWC8), every activation
    // in the same format.
    const TensorFormat expected = config.precision == DataType::Float16 ? config.outputFormats[0] : TensorFormat{};
    if (config.precision == DataType::Float16 &&
        !(expected.channelsLast && expected.storage == DataType::Float16 && expected.channelBlock >= 1)) {
        return std::string("FP16 runs channels-last (NHWC8) only");
    }
    if (config.precision != DataType::Float32 && config.precision != DataType::Float16) {
        return std::string("FP32 and FP16 only");
    }
    for (size_t i = 0; i < config.inputFormats.size(); ++i) {
        const Tensor* input = layer.input(i);
        if (input && !input->isConstant() && !(config.inputFormats[i] == expected)) {
            return "needs every activation in " + toString(expected, input->dims().size());
        }
    }
    for (const TensorFormat& format : config.outputFormats) {
        if (!(format == expected)) return "needs every activation in " + toString(expected, layer.output(0)->dims().size());
    }
    for (size_t i = 0; i < layer.inputs().size(); ++i) {
        const Tensor* input = layer.input(i);
        if (input && input->type() != DataType::Float32) return std::string("FP32 tensors only");
    }
    if (!layer.input(1)->isConstant() || (layer.input(2) && !layer.input(2)->isConstant())) {
        return std::string("weights and bias must be constants");
    }
    const size_t rank = layer.input(0)->dims().size();
    if (rank < 3 || rank > 5) return std::string("needs 1 to 3 spatial axes");
    if (layer.kind() == LayerKind::Convolution &&
        layer.paramsAs<ConvolutionParams>().outputChannels.size() > size_t(kMaxEpilogueOutputs)) {
        return "more than " + std::to_string(kMaxEpilogueOutputs) + " split outputs";
    }
    if (layer.kind() == LayerKind::Deconvolution) {
        for (int64_t padding : layer.paramsAs<DeconvolutionParams>().outputPadding) {
            if (padding < 0) return std::string("negative output padding");
        }
    }
    return std::nullopt;
}

// The variants a build offers for a layer.
std::vector<Variant> variantsOf(const ConvProblem& problem) {
    if (problem.deconvolution) return {Variant::Dgrad};
    const bool epilogue = problem.bias || problem.residual || problem.activation;
    // A fused graph must keep padded channels at zero: zero sums and bias through the activation.
    const bool fusable = problem.outputChannels.size() == 1 && fusableActivation(problem.activation) &&
                         (!problem.nhwc || keepsZero(problem.activation));
    if (!epilogue || !fusable) return {Variant::Conv};
    // The FP32-bias graph comes first: where it has an engine, the unfused variant is not offered (see
    // addCudnnConvolutionTactics).
    if (problem.nhwc && problem.largeBias) return {Variant::FusedFp32Bias, Variant::Conv};
    return {Variant::Conv, Variant::Fused};
}

}  // namespace

void addCudnnConvolutionTactics(const tactics::LayerConfig& config, std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                                std::vector<tactics::SkippedTactic>& skipped) {
    const Layer& layer = *config.layer;
    if (layer.kind() != LayerKind::Convolution && layer.kind() != LayerKind::Deconvolution) return;
    const std::string library = cudnnLibrary();
    if (const auto reason = unsupportedReason(config, layer)) {
        skipped.push_back({"cudnn:conv", library, *reason});
        return;
    }
    auto problem = problemOf(layer);
    if (!problem) {
        skipped.push_back({"cudnn:conv", library, problem.status().message()});
        return;
    }
    auto build = cudnn::buildHandle();
    if (!build) {
        skipped.push_back({"cudnn:conv", library, build.status().message()});
        return;
    }
    bool fp32BiasOffered = false;
    for (const Variant variant : variantsOf(problem.value())) {
        const std::string prefix = std::string("cudnn:") + variantName(variant);
        if (variant == Variant::Conv && fp32BiasOffered) {
            // Its output is rounded to FP16 before Kiln's epilogue adds the bias: with a bias that large the
            // sum and the bias cancel, and that rounding error dominates what remains.
            skipped.push_back({prefix, library, "an FP16 sum before a large bias loses precision; the FP32-bias graph runs it"});
            continue;
        }
        auto graph = sharedGraph(problem.value(), variant, build.value().handle);
        if (!graph) {
            skipped.push_back({prefix, library, "cuDNN cannot describe it: " + graph.status().message()});
            continue;
        }
        auto choices = sharedEngineChoices(problem.value(), variant, *graph.value());
        if (!choices || choices.value().empty()) {
            skipped.push_back({prefix, library, choices ? "no cuDNN engine supports it" : choices.status().message()});
            continue;
        }
        size_t offered = 0;
        size_t runtimeCompiled = 0;
        for (EngineChoice& choice : choices.value()) {
            const std::string id = prefix + ":" + choice.key();
            if (choice.has(CUDNN_NUMERICAL_NOTE_REDUCED_PRECISION_REDUCTION)) {
                skipped.push_back({id, library, "accumulates in reduced precision; Kiln accumulates in FP32"});
                continue;
            }
            if (!problem.value().nhwc && !config.allowTf32 &&
                (choice.has(CUDNN_NUMERICAL_NOTE_TENSOR_CORE) || choice.has(CUDNN_NUMERICAL_NOTE_DOWN_CONVERT_INPUTS))) {
                skipped.push_back({id, library, "computes in TF32 on tensor cores; build with --tf32 to allow it"});
                continue;
            }
            if (choice.has(CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION) && runtimeCompiled == kMaxRuntimeCompiled) {
                skipped.push_back({id, library, "compiled at run time, ranked below the " + std::to_string(kMaxRuntimeCompiled) +
                                                    " such configurations the heuristics rate best"});
                continue;
            }
            if (offered == kMaxConfigurations) {
                skipped.push_back({id, library, "ranked below the " + std::to_string(kMaxConfigurations) +
                                                    " configurations the heuristics rate best"});
                continue;
            }
            ++offered;
            runtimeCompiled += choice.has(CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION);
            fp32BiasOffered |= variant == Variant::FusedFp32Bias;
            tactics.push_back(std::make_unique<CudnnConvolutionTactic>(layer, problem.value(), variant, graph.value(),
                                                                       std::move(choice)));
        }
    }
}

Result<std::unique_ptr<tactics::Tactic>> findCudnnConvolutionTactic(const tactics::LayerConfig& config,
                                                                   const std::string& id) {
    const Layer& layer = *config.layer;
    const std::string context = "tactic '" + id + "' for layer '" + layer.name() + "'";
    const size_t first = id.find(':');
    const size_t second = id.find(':', first + 1);
    if (second == std::string::npos) return notFound(context + ": not a cuDNN convolution tactic id");
    const auto variant = variantNamed(id.substr(first + 1, second - first - 1));
    if (!variant) return notFound(context + ": not a cuDNN convolution tactic id");
    KILN_ASSIGN_OR_RETURN(EngineChoice choice, EngineChoice::parse(id.substr(second + 1)));
    if (layer.kind() != LayerKind::Convolution && layer.kind() != LayerKind::Deconvolution) {
        return notFound(context + ": the layer is not a convolution");
    }
    if (const auto reason = unsupportedReason(config, layer)) return notFound(context + ": " + *reason);
    KILN_ASSIGN_OR_RETURN(ConvProblem problem, problemOf(layer).withContext(context));
    std::vector<Variant> variants = variantsOf(problem);
    // A layer loaded from a plan cannot tell the size of its bias, so an FP32 bias is accepted wherever an
    // FP16 one would be; it is never less accurate.
    if (problem.nhwc && std::find(variants.begin(), variants.end(), Variant::Fused) != variants.end()) {
        variants.push_back(Variant::FusedFp32Bias);
    }
    if (std::find(variants.begin(), variants.end(), *variant) == variants.end()) {
        return notFound(context + ": the layer has no such graph");
    }
    std::shared_ptr<OperationGraph> graph;
    {
        // Released before the plan check below takes the build handle again.
        KILN_ASSIGN_OR_RETURN(cudnn::BuildHandle build, cudnn::buildHandle());
        KILN_ASSIGN_OR_RETURN(graph, sharedGraph(problem, *variant, build.handle).withContext(context));
    }
    auto tactic = std::make_unique<CudnnConvolutionTactic>(layer, std::move(problem), *variant, std::move(graph),
                                                           std::move(choice));
    if (Status planned = tactic->checkPlan(); !planned.isOk()) {
        return notFound(context + ": cuDNN cannot make this engine here (" + planned.message() + ")");
    }
    return std::unique_ptr<tactics::Tactic>(std::move(tactic));
}

}  // namespace kiln::cuda

// The kinds of layer a network is made of and their typed parameters. Parameters are fully resolved:
// no "auto" padding, no negative axes, no attribute defaults left to interpret — a parser turns its
// format's conventions into these, so kernels and passes only ever see one meaning.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "kiln/types.h"

namespace kiln {

enum class ActivationType : uint8_t {
    Relu,         // max(x, 0)
    LeakyRelu,    // x < 0 ? alpha * x : x
    Sigmoid,
    Tanh,
    Clip,         // min(max(x, alpha), beta)
    HardSigmoid,  // max(0, min(1, alpha * x + beta))
    HardSwish,    // x * max(0, min(1, x / 6 + 1 / 2))
    Elu,          // x < 0 ? alpha * (exp(x) - 1) : x
    Selu,         // x <= 0 ? beta * (alpha * exp(x) - alpha) : beta * x
    Softplus,     // log(exp(x) + 1)
    Gelu,         // x / 2 * (1 + erf(x / sqrt(2)))
    GeluTanh,     // x / 2 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))): GELU's tanh approximation
};

struct ActivationParams {
    ActivationType type = ActivationType::Relu;
    float alpha = 0.0f;
    float beta = 0.0f;
};

// Inputs: data [N, C, spatial...], weights [K, C/groups, kernel...], optional bias [K], optional residual
// (the output's shape; added after the bias, before the activation: a fused residual connection).
// Spatial rank 1 to 3. pads holds the begin pads of every spatial axis, then the end pads.
struct ConvolutionParams {
    std::vector<int64_t> strides;
    std::vector<int64_t> pads;
    std::vector<int64_t> dilations;
    int64_t groups = 1;
    std::optional<ActivationParams> activation;  // fused activation, applied last
    // Empty: one output. Otherwise one output per entry, each a dense [N, entry, spatial...] tensor
    // holding the next `entry` output channels; the entries add up to the weights' output channels.
    std::vector<int64_t> outputChannels{};
};

// Transposed convolution. Inputs: data [N, C, spatial...], weights [C, K/groups, kernel...],
// optional bias [K]. Output extent per axis:
// stride * (in - 1) + outputPadding + (kernel - 1) * dilation + 1 - padBegin - padEnd.
struct DeconvolutionParams {
    std::vector<int64_t> strides;
    std::vector<int64_t> pads;
    std::vector<int64_t> dilations;
    std::vector<int64_t> outputPadding;
    int64_t groups = 1;
};

// Numpy-style batched matrix product with broadcasting of the batch dimensions; rank-1 operands are
// promoted as numpy does. Inputs: A, B, then (from MatMul epilogue fusion, both operands of rank 2 or
// more) an optional bias [N] added to every row and an optional residual of the output's shape, added
// after the bias and before the activation.
struct MatMulParams {
    std::optional<ActivationParams> activation;  // fused activation, applied last
};

// Y = alpha * op(A) * op(B) + beta * C with A, B rank 2 and C (optional) broadcastable to [M, N].
struct GemmParams {
    bool transA = false;
    bool transB = false;
    float alpha = 1.0f;
    float beta = 1.0f;
    std::optional<ActivationParams> activation;  // fused activation, applied last
};

enum class PoolingType : uint8_t { Max, Average };

// Inputs: data [N, C, spatial...]. Global pooling is expressed by a kernel equal to the spatial dims.
struct PoolingParams {
    PoolingType type = PoolingType::Max;
    std::vector<int64_t> kernel;
    std::vector<int64_t> strides;
    std::vector<int64_t> pads;       // begin pads per spatial axis, then end pads
    std::vector<int64_t> dilations;  // max pooling only; 1s otherwise
    bool ceilMode = false;
    bool countIncludePad = false;    // average pooling only
};

// Local response normalization across channels (ONNX LRN semantics). Input: data [N, C, ...].
struct LrnParams {
    int64_t size = 1;
    float alpha = 1e-4f;
    float beta = 0.75f;
    float bias = 1.0f;
};

// Inputs: data [N, C, ...], scale [C], bias [C], mean [C], variance [C].
struct BatchNormParams {
    float epsilon = 1e-5f;
};

// Inputs: data [N, C, spatial...], scale [C], bias [C]; statistics over the spatial axes.
struct InstanceNormParams {
    float epsilon = 1e-5f;
};

// Layer normalization (ONNX LayerNormalization): every element of each group of the trailing axes
// dims[axis:] is normalised by the group's mean and population variance, then scaled and shifted per
// position: y = (x - mean) / sqrt(variance + epsilon) * scale + bias. Inputs: data, scale and optional
// bias, both shaped dims[axis:] exactly (a parser expands broadcast ones).
struct LayerNormParams {
    int64_t axis = 0;  // resolved: 0 <= axis < rank
    float epsilon = 1e-5f;
};

// Scaled dot-product attention, as a transformer computes it for every head at once:
//   out = softmax(scale * q k^T + mask) v        along the last axis of the scores
// with q [..., Sq, D], k [..., Sk, D], v [..., Sk, Dv] and out [..., Sq, Dv] sharing their leading axes.
// Inputs: query, key, value and an optional additive mask that broadcasts (numpy rules) to the scores
// [..., Sq, Sk]. Each of q, k, v is its input transposed by queryPerm, keyPerm, valuePerm, and the output
// tensor is out transposed by outputPerm (an empty permutation: as it is), so that the transposes that
// split a projection into heads and merge the heads again are read and written in place. A permutation
// keeps one of the last two axes innermost (the rows, or columns, of each matrix are contiguous), and
// outputPerm keeps the last axis last.
struct AttentionParams {
    float scale = 1.0f;
    std::vector<int64_t> queryPerm;
    std::vector<int64_t> keyPerm;
    std::vector<int64_t> valuePerm;
    std::vector<int64_t> outputPerm;
};

// `dims` transposed by `perm` as ONNX Transpose does (result[i] = dims[perm[i]]); empty: `dims` as they
// are. `perm` must be empty or a permutation of dims' axes.
Dims transposedDims(const Dims& dims, const std::vector<int64_t>& perm);

// Softmax (or log-softmax) along `axis`. With flattenFromAxis the input is viewed as 2-D
// [prod(dims[:axis]), prod(dims[axis:])] and normalised along the second dimension (ONNX opset < 13).
struct SoftmaxParams {
    int64_t axis = -1;  // resolved: 0 <= axis < rank
    bool log = false;
    bool flattenFromAxis = false;
};

// Round: to the nearest integer, halves to even (ONNX Round). Sign: -1, 0 or 1 (NaN stays NaN).
enum class UnaryOp : uint8_t {
    Exp,
    Log,
    Sqrt,
    Abs,
    Neg,
    Reciprocal,
    Floor,
    Ceil,
    Erf,
    Not,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Asinh,
    Acosh,
    Atanh,
    Sign,
    Round,
};
inline constexpr UnaryOp kLastUnaryOp = UnaryOp::Round;

struct UnaryParams {
    UnaryOp op = UnaryOp::Exp;
};

// Binary operations with numpy broadcasting. Comparisons produce BOOL; And/Or take BOOL.
// PRelu: a < 0 ? a * b : a.
enum class ElementwiseOp : uint8_t {
    Add, Sub, Mul, Div, Pow, Max, Min, PRelu, Equal, Less, Greater, And, Or,
};

struct ElementwiseParams {
    ElementwiseOp op = ElementwiseOp::Add;
};

// Inputs: condition (BOOL), x, y, broadcast together.
struct SelectParams {};

enum class ReduceOp : uint8_t { Sum, Mean, Max, Min, Prod, L1, L2, SumSquare, LogSum, LogSumExp };

// axes resolved and sorted; empty axes is not allowed (a parser expands "all axes").
struct ReduceParams {
    ReduceOp op = ReduceOp::Sum;
    std::vector<int64_t> axes;
    bool keepDims = true;
};

// Output INT64 indices.
struct ArgMinMaxParams {
    bool max = true;
    int64_t axis = 0;
    bool keepDims = true;
    bool selectLastIndex = false;
};

struct ConcatParams {
    int64_t axis = 0;
};

// One output per entry of sizes; the sizes add up to the input's extent along axis.
struct SplitParams {
    int64_t axis = 0;
    std::vector<int64_t> sizes;
};

// Resolved for every axis of the input: 0 <= start <= extent for a positive step, -1 <= end for a
// negative one; output extent per axis = max(0, ceil((end - start) / step)).
struct SliceParams {
    std::vector<int64_t> starts;
    std::vector<int64_t> ends;
    std::vector<int64_t> steps;
};

// Same elements in row-major order, new shape (already resolved: no 0 or -1 entries).
struct ReshapeParams {
    Dims outputDims;
};

struct TransposeParams {
    std::vector<int64_t> perm;
};

// Inputs: data, indices (INT32 or INT64, negative values count from the end).
struct GatherParams {
    int64_t axis = 0;
};

enum class PadMode : uint8_t { Constant, Reflect, Edge };

// pads: begin pads of every axis, then end pads (negative values crop).
struct PadParams {
    PadMode mode = PadMode::Constant;
    std::vector<int64_t> pads;
    double value = 0.0;
};

enum class ResizeMode : uint8_t { Nearest, Linear };
enum class ResizeCoordinateMode : uint8_t {
    HalfPixel, PytorchHalfPixel, AlignCorners, Asymmetric, TfHalfPixelForNn,
};
enum class ResizeNearestMode : uint8_t { RoundPreferFloor, RoundPreferCeil, Floor, Ceil };

// Linear means linear along every resized axis (bilinear for 2 axes, trilinear for 3).
struct ResizeParams {
    ResizeMode mode = ResizeMode::Nearest;
    ResizeCoordinateMode coordinateMode = ResizeCoordinateMode::HalfPixel;
    ResizeNearestMode nearestMode = ResizeNearestMode::RoundPreferFloor;
    Dims outputDims;
    std::vector<float> scales;  // per axis, as used by the coordinate transform (output / input if not given)
};

struct CastParams {
    DataType to = DataType::Float32;
};

// Broadcasts the input to outputDims (resolved with numpy rules).
struct ExpandParams {
    Dims outputDims;
};

struct TileParams {
    std::vector<int64_t> repeats;
};

// DepthToSpace (blockSize, DCR or CRD order) and SpaceToDepth.
struct DepthToSpaceParams {
    int64_t blockSize = 1;
    bool columnRowDepth = false;  // CRD mode
};

struct SpaceToDepthParams {
    int64_t blockSize = 1;
};

// Copies its input (ONNX Identity, Dropout at inference).
struct IdentityParams {};

// One step of a pointwise chain, applied to the running FP32 value v of every element. Operands are
// layer input indices (1 and up) of FP32 tensors that broadcast to input 0's shape.
struct PointwiseStep {
    enum class Kind : uint8_t {
        Activation,   // v = activation(v)
        Unary,        // v = unary(v); not Not
        ScaleShift,   // v = v * input[operand] + input[shiftOperand]
        Elementwise,  // v = op(v, input[operand]), or op(input[operand], v) with operandFirst; arithmetic ops
    };
    Kind kind = Kind::Activation;
    ActivationParams activation;
    UnaryOp unary = UnaryOp::Exp;
    ElementwiseOp op = ElementwiseOp::Add;
    int64_t operand = -1;
    int64_t shiftOperand = -1;
    bool operandFirst = false;
};

// Inputs: data (FP32), then the steps' operands. Output: data's shape, each element the result of the
// steps in order, computed without writing any intermediate tensor (a fused run of pointwise layers).
struct PointwiseChainParams {
    std::vector<PointwiseStep> steps;
};

// Inserted by the builder between layers that want different memory formats: the output holds the
// input's elements in the output tensor's format (Tensor::format()). Same type and shape.
struct ReformatParams {};

// ONNX QuantizeLinear: INT8 y = saturate(round_half_to_even(x / scale) + zeroPoint) into [-128, 127].
// Inputs: x (FP32), scale (FP32: one value for the whole tensor, or a 1-D tensor of one value per index
// of x along `axis`), optional zero point (INT8, the scale's shape; absent means 0). Kiln's own INT8 is
// symmetric (Tensor::dynamicRange): QDQ folding turns a Quantize -> Dequantize pair with a constant
// one-value scale and zero point 0 into a range, and these layers run only where a pair does not fit.
struct QuantizeParams {
    int64_t axis = 0;  // 0 <= axis < rank; read only with a per-axis scale
};

// ONNX DequantizeLinear: FP32 y = (q - zeroPoint) * scale. Inputs: q (INT8, or INT32 as quantized biases
// are), scale (as Quantize's), optional zero point of q's type and the scale's shape.
struct DequantizeParams {
    int64_t axis = 0;  // 0 <= axis < rank; read only with a per-axis scale
};

class Plugin;  // kiln/plugin.h

// A custom layer: an instance of a plugin that a registered creator made (kiln/plugin.h). The plugin
// answers for the outputs' types and shapes, the formats and precisions it runs, and the kernels; the
// plan stores its creator's name, version and namespace and its serialized fields. Passes leave plugin
// layers as they are. The instance is immutable once in a network, so copies share it.
struct PluginParams {
    std::shared_ptr<const Plugin> plugin;
};

using LayerParams = std::variant<ConvolutionParams, DeconvolutionParams, MatMulParams, GemmParams,
                                 PoolingParams, LrnParams, BatchNormParams, InstanceNormParams,
                                 SoftmaxParams, ActivationParams, UnaryParams, ElementwiseParams,
                                 SelectParams, ReduceParams, ArgMinMaxParams, ConcatParams, SplitParams,
                                 SliceParams, ReshapeParams, TransposeParams, GatherParams, PadParams,
                                 ResizeParams, CastParams, ExpandParams, TileParams, DepthToSpaceParams,
                                 SpaceToDepthParams, IdentityParams, PointwiseChainParams,
                                 ReformatParams, QuantizeParams, DequantizeParams, LayerNormParams,
                                 AttentionParams, PluginParams>;

// The layer kind is the index of the parameter alternative; the enum order matches LayerParams.
enum class LayerKind : uint8_t {
    Convolution, Deconvolution, MatMul, Gemm, Pooling, Lrn, BatchNorm, InstanceNorm, Softmax,
    Activation, Unary, Elementwise, Select, Reduce, ArgMinMax, Concat, Split, Slice, Reshape,
    Transpose, Gather, Pad, Resize, Cast, Expand, Tile, DepthToSpace, SpaceToDepth, Identity,
    PointwiseChain, Reformat, Quantize, Dequantize, LayerNorm, Attention, Plugin,
};

inline LayerKind kindOf(const LayerParams& params) { return static_cast<LayerKind>(params.index()); }
const char* toString(LayerKind kind);  // "Convolution", ...
const char* toString(ActivationType type);
const char* toString(UnaryOp op);
const char* toString(ElementwiseOp op);
const char* toString(ReduceOp op);

// A one-line summary of the parameters ("kernel 3x3 stride 1x1 pads 1,1,1,1 groups 1").
std::string describeParams(const LayerParams& params);

}  // namespace kiln

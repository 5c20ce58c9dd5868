// Shape and type inference, one overload per layer kind. Each file infer_<family>.cpp implements the
// overloads of its family; shape_inference.cpp dispatches on the parameter type. Inputs may hold null
// entries for omitted optional inputs. Errors name the input or parameter at fault; the caller adds
// the layer name.
#pragma once

#include <string>
#include <vector>

#include "kiln/network.h"

namespace kiln::detail {

using InferInputs = std::vector<const Tensor*>;
using InferResult = Result<std::vector<TensorDesc>>;

InferResult inferOutputs(const ConvolutionParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const DeconvolutionParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const MatMulParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const GemmParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const PoolingParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const LrnParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const BatchNormParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const InstanceNormParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const LayerNormParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const AttentionParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const SoftmaxParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const ReduceParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const ArgMinMaxParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const ActivationParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const UnaryParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const ElementwiseParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const SelectParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const CastParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const ConcatParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const SplitParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const SliceParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const ReshapeParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const TransposeParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const GatherParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const PadParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const ExpandParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const TileParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const DepthToSpaceParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const SpaceToDepthParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const IdentityParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const ReformatParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const ResizeParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const PointwiseChainParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const QuantizeParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const DequantizeParams& p, const InferInputs& in, size_t numOutputs);
InferResult inferOutputs(const PluginParams& p, const InferInputs& in, size_t numOutputs);

// Shared checks, returning InvalidArgument/InvalidModel messages such as
// "input 1 (weights) has 3 dimensions; expected 4".
Status expectInputCount(const InferInputs& in, size_t minCount, size_t maxCount);
Status expectRank(const Tensor* t, size_t index, const char* role, size_t rank);
Status expectRankAtLeast(const Tensor* t, size_t index, const char* role, size_t rank);
Status expectType(const Tensor* t, size_t index, const char* role, DataType type);
Status expectFloat(const Tensor* t, size_t index, const char* role);
// Add, Sub, Mul, Div, Pow, Max, Min, PRelu: the ops that compute a number (not a BOOL).
bool isArithmetic(ElementwiseOp op);
// "1,2,3": a parameter list as messages show it.
std::string listText(const std::vector<int64_t>& values);
// Bounding parameters (kernel sizes, strides, dilations, pads) keeps every extent computation well
// inside int64 range.
constexpr int64_t kMaxParamValue = int64_t(1) << 20;
// Checks that parameter `name` has `count` entries, each in [minimum, kMaxParamValue].
Status checkParam(const char* name, const std::vector<int64_t>& values, size_t count, int64_t minimum);
// Whether `from` broadcasts to `to` under numpy rules without `to` growing.
bool broadcastsTo(const Dims& from, const Dims& to);
// Numpy broadcasting of two shapes; the message names both shapes when they do not broadcast.
Result<Dims> broadcastDims(const Dims& a, const Dims& b);

}  // namespace kiln::detail

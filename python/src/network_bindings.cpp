// The network definition API for Python: inputs, constants from NumPy arrays, layers of every kind
// through add_layer(params, inputs) and helpers for the common ones (as TensorRT's INetworkDefinition
// has add_convolution_nd, add_activation, ...), outputs. Tensors and layers belong to their network:
// a Python Tensor or Layer keeps its network alive, and one network's tensor is refused by another.
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "bindings.h"
#include "kiln/build_report.h"
#include "kiln/calibration.h"
#include "kiln/network.h"
#include "numpy_tensors.h"

namespace kiln::python {

namespace {

std::string reprOf(py::handle value) {
    return py::str(py::repr(value));
}

// `base` if no layer or tensor has that name yet, else base_1, base_2, ...
std::string freshName(const NetworkDefinition& network, const std::string& base) {
    auto taken = [&](const std::string& name) { return network.findLayer(name) || network.findTensor(name); };
    if (!taken(base)) return base;
    for (int i = 1;; ++i) {
        const std::string name = base + "_" + std::to_string(i);
        if (!taken(name)) return name;
    }
}

std::string layerName(const NetworkDefinition& network, const std::optional<std::string>& name,
                      LayerKind kind) {
    if (name) return *name;
    return freshName(network, std::string(toString(kind)) + "_" + std::to_string(network.layers().size()));
}

Tensor* memberTensor(const NetworkDefinition& network, Tensor* tensor, const std::string& what) {
    if (!tensor) throw py::type_error(what + ": expected a Tensor, got None");
    if (network.findTensor(tensor->name()) != tensor) {
        throw py::value_error(what + ": tensor '" + tensor->name() +
                              "' belongs to another network; use this network's tensors");
    }
    return tensor;
}

// A tensor argument: a Tensor of this network, or a NumPy array (or anything numpy.asarray() takes),
// which becomes a constant named `constantName`.
Tensor* tensorArgument(NetworkDefinition& network, py::handle value, const std::string& what,
                       const std::string& constantName) {
    if (py::isinstance<Tensor>(value)) return memberTensor(network, value.cast<Tensor*>(), what);
    if (value.is_none()) throw py::type_error(what + ": expected a Tensor or a NumPy array, got None");
    HostTensor data = copyOfArray(value, what);
    return take(network.addConstant(freshName(network, constantName), std::move(data)));
}

Tensor* optionalTensorArgument(NetworkDefinition& network, py::handle value, const std::string& what,
                               const std::string& constantName) {
    if (value.is_none()) return nullptr;
    return tensorArgument(network, value, what, constantName);
}

size_t outputCount(const LayerParams& params) {
    if (const auto* split = std::get_if<SplitParams>(&params)) return split->sizes.size();
    if (const auto* conv = std::get_if<ConvolutionParams>(&params); conv && !conv->outputChannels.empty()) {
        return conv->outputChannels.size();
    }
    return 1;
}

Layer* addLayer(NetworkDefinition& network, LayerParams params, const std::vector<Tensor*>& inputs,
                const std::optional<std::string>& name, std::optional<std::vector<std::string>> outputNames) {
    const std::string layer = layerName(network, name, kindOf(params));
    if (!outputNames) {
        const size_t count = outputCount(params);
        outputNames.emplace();
        for (size_t i = 0; i < count; ++i) {
            outputNames->push_back(freshName(
                network, layer + (count == 1 ? std::string("_output") : "_output" + std::to_string(i))));
        }
    }
    return take(network.addLayer(layer, std::move(params), inputs, *outputNames));
}

// One value per spatial axis from an int (the same on every axis) or a sequence of `spatial` ints.
std::vector<int64_t> perAxis(py::handle value, size_t spatial, const std::string& what) {
    Dims values = dimsOf(value, what);
    if (py::isinstance<py::int_>(value)) return std::vector<int64_t>(spatial, values.front());
    if (values.size() != spatial) {
        throw py::value_error(what + ": give one int, or " + std::to_string(spatial) +
                              " (one per spatial axis); got " + std::to_string(values.size()));
    }
    return values;
}

// Begin pads of every spatial axis then end pads, from an int, one int per axis (both sides) or 2 per axis.
std::vector<int64_t> padsOf(py::handle value, size_t spatial, const std::string& what) {
    Dims values = dimsOf(value, what);
    if (py::isinstance<py::int_>(value)) return std::vector<int64_t>(2 * spatial, values.front());
    if (values.size() == spatial) {
        values.insert(values.end(), values.begin(), values.end());
        return values;
    }
    if (values.size() != 2 * spatial) {
        throw py::value_error(what + ": give one int, " + std::to_string(spatial) +
                              " (each axis' both sides) or " + std::to_string(2 * spatial) +
                              " (begin pads, then end pads); got " + std::to_string(values.size()));
    }
    return values;
}

size_t spatialRank(const Tensor* input, const std::string& what) {
    if (input->dims().size() < 3) {
        throw py::value_error(what + ": input '" + input->name() + "' is " + toString(input->dims()) +
                              "; it needs [N, C, spatial...] (rank 3 to 5)");
    }
    return input->dims().size() - 2;
}

int64_t resolvedAxis(int64_t axis, size_t rank, const std::string& what) {
    const int64_t resolved = axis < 0 ? axis + int64_t(rank) : axis;
    if (resolved < 0 || resolved >= int64_t(std::max<size_t>(rank, 1))) {
        throw py::value_error(what + ": axis " + std::to_string(axis) + " is outside a tensor of rank " +
                              std::to_string(rank));
    }
    return resolved;
}

// Reshape dims as NumPy and ONNX take them: 0 copies the input's extent, one -1 is inferred.
Dims resolvedShape(const Tensor* input, const Dims& shape) {
    Dims dims = shape;
    int64_t inferred = -1;
    int64_t known = 1;
    for (size_t i = 0; i < dims.size(); ++i) {
        if (dims[i] == 0 && i < input->dims().size()) dims[i] = input->dims()[i];
        if (dims[i] == -1) {
            if (inferred >= 0)
                throw py::value_error("shape " + reprOf(shapeTuple(shape)) + ": only one -1 is allowed");
            inferred = int64_t(i);
        } else if (dims[i] < 0) {
            throw py::value_error("shape " + reprOf(shapeTuple(shape)) +
                                  ": extents must be positive, 0 or one -1");
        } else {
            known *= dims[i];
        }
    }
    if (inferred >= 0) {
        const int64_t total = volume(input->dims());
        if (known == 0 || total % known != 0) {
            throw py::value_error("cannot reshape '" + input->name() + "' (" + toString(input->dims()) +
                                  ") to " + reprOf(shapeTuple(shape)));
        }
        dims[size_t(inferred)] = total / known;
    }
    return dims;
}

std::optional<ActivationParams> fusedActivation(py::handle activation) {
    if (activation.is_none()) return std::nullopt;
    if (py::isinstance<ActivationType>(activation))
        return ActivationParams{activation.cast<ActivationType>()};
    return activation.cast<ActivationParams>();
}

// A parameters class with keyword construction (ConvolutionParams(strides=[1, 1], ...)) and a repr
// that shows what describeParams() says.
template <typename P>
py::class_<P> paramsClass(py::module_& module, const char* name, const char* doc) {
    py::class_<P> params(module, name, doc);
    py::handle type = params;
    params.def(py::init<>());
    params.def(py::init([type](const py::kwargs& fields) {
                   py::object made = type();
                   for (auto [field, value] : fields)
                       py::setattr(made, field, value);
                   return made.cast<P>();
               }),
               "Parameters with the fields given by keyword; the rest keep their defaults.");
    std::string prefix = std::string(name) + "(";
    params.def("__repr__",
               [prefix](const P& value) { return prefix + describeParams(LayerParams(value)) + ")"; });
    return params;
}

void registerEnums(py::module_& module) {
    py::enum_<DataType>(module, "DataType", "Element types of tensors (TensorRT's trt.DataType).")
        .value("FLOAT", DataType::Float32)
        .value("HALF", DataType::Float16)
        .value("INT8", DataType::Int8)
        .value("INT32", DataType::Int32)
        .value("INT64", DataType::Int64)
        .value("BOOL", DataType::Bool)
        .value("BF16", DataType::BFloat16);
    module.attr("float32") = DataType::Float32;
    module.attr("float16") = DataType::Float16;
    module.attr("int8") = DataType::Int8;
    module.attr("int32") = DataType::Int32;
    module.attr("int64") = DataType::Int64;
    module.attr("bool") = DataType::Bool;
    module.attr("bfloat16") = DataType::BFloat16;
    module.def("nptype", &dtypeOf, py::arg("type"), "The NumPy dtype of a kiln.DataType (as trt.nptype).");

    py::enum_<LayerKind>(module, "LayerKind")
        .value("CONVOLUTION", LayerKind::Convolution)
        .value("DECONVOLUTION", LayerKind::Deconvolution)
        .value("MATMUL", LayerKind::MatMul)
        .value("GEMM", LayerKind::Gemm)
        .value("POOLING", LayerKind::Pooling)
        .value("LRN", LayerKind::Lrn)
        .value("BATCH_NORM", LayerKind::BatchNorm)
        .value("INSTANCE_NORM", LayerKind::InstanceNorm)
        .value("SOFTMAX", LayerKind::Softmax)
        .value("ACTIVATION", LayerKind::Activation)
        .value("UNARY", LayerKind::Unary)
        .value("ELEMENTWISE", LayerKind::Elementwise)
        .value("SELECT", LayerKind::Select)
        .value("REDUCE", LayerKind::Reduce)
        .value("ARG_MIN_MAX", LayerKind::ArgMinMax)
        .value("CONCAT", LayerKind::Concat)
        .value("SPLIT", LayerKind::Split)
        .value("SLICE", LayerKind::Slice)
        .value("RESHAPE", LayerKind::Reshape)
        .value("TRANSPOSE", LayerKind::Transpose)
        .value("GATHER", LayerKind::Gather)
        .value("PAD", LayerKind::Pad)
        .value("RESIZE", LayerKind::Resize)
        .value("CAST", LayerKind::Cast)
        .value("EXPAND", LayerKind::Expand)
        .value("TILE", LayerKind::Tile)
        .value("DEPTH_TO_SPACE", LayerKind::DepthToSpace)
        .value("SPACE_TO_DEPTH", LayerKind::SpaceToDepth)
        .value("IDENTITY", LayerKind::Identity)
        .value("POINTWISE_CHAIN", LayerKind::PointwiseChain)
        .value("REFORMAT", LayerKind::Reformat)
        .value("QUANTIZE", LayerKind::Quantize)
        .value("DEQUANTIZE", LayerKind::Dequantize)
        .value("LAYER_NORM", LayerKind::LayerNorm)
        .value("ATTENTION", LayerKind::Attention);

    py::enum_<ActivationType>(module, "ActivationType")
        .value("RELU", ActivationType::Relu)
        .value("LEAKY_RELU", ActivationType::LeakyRelu)
        .value("SIGMOID", ActivationType::Sigmoid)
        .value("TANH", ActivationType::Tanh)
        .value("CLIP", ActivationType::Clip)
        .value("HARD_SIGMOID", ActivationType::HardSigmoid)
        .value("HARD_SWISH", ActivationType::HardSwish)
        .value("ELU", ActivationType::Elu)
        .value("SELU", ActivationType::Selu)
        .value("SOFTPLUS", ActivationType::Softplus)
        .value("GELU", ActivationType::Gelu)
        .value("GELU_TANH", ActivationType::GeluTanh);
    py::enum_<PoolingType>(module, "PoolingType")
        .value("MAX", PoolingType::Max)
        .value("AVERAGE", PoolingType::Average);
    py::enum_<UnaryOp>(module, "UnaryOperation")
        .value("EXP", UnaryOp::Exp)
        .value("LOG", UnaryOp::Log)
        .value("SQRT", UnaryOp::Sqrt)
        .value("ABS", UnaryOp::Abs)
        .value("NEG", UnaryOp::Neg)
        .value("RECIP", UnaryOp::Reciprocal)
        .value("FLOOR", UnaryOp::Floor)
        .value("CEIL", UnaryOp::Ceil)
        .value("ERF", UnaryOp::Erf)
        .value("NOT", UnaryOp::Not)
        .value("SIN", UnaryOp::Sin)
        .value("COS", UnaryOp::Cos)
        .value("TAN", UnaryOp::Tan)
        .value("ASIN", UnaryOp::Asin)
        .value("ACOS", UnaryOp::Acos)
        .value("ATAN", UnaryOp::Atan)
        .value("SINH", UnaryOp::Sinh)
        .value("COSH", UnaryOp::Cosh)
        .value("ASINH", UnaryOp::Asinh)
        .value("ACOSH", UnaryOp::Acosh)
        .value("ATANH", UnaryOp::Atanh)
        .value("SIGN", UnaryOp::Sign)
        .value("ROUND", UnaryOp::Round);
    py::enum_<ElementwiseOp>(module, "ElementWiseOperation")
        .value("SUM", ElementwiseOp::Add)
        .value("SUB", ElementwiseOp::Sub)
        .value("PROD", ElementwiseOp::Mul)
        .value("DIV", ElementwiseOp::Div)
        .value("POW", ElementwiseOp::Pow)
        .value("MAX", ElementwiseOp::Max)
        .value("MIN", ElementwiseOp::Min)
        .value("PRELU", ElementwiseOp::PRelu)
        .value("EQUAL", ElementwiseOp::Equal)
        .value("LESS", ElementwiseOp::Less)
        .value("GREATER", ElementwiseOp::Greater)
        .value("AND", ElementwiseOp::And)
        .value("OR", ElementwiseOp::Or);
    py::enum_<ReduceOp>(module, "ReduceOperation")
        .value("SUM", ReduceOp::Sum)
        .value("AVG", ReduceOp::Mean)
        .value("MAX", ReduceOp::Max)
        .value("MIN", ReduceOp::Min)
        .value("PROD", ReduceOp::Prod)
        .value("L1", ReduceOp::L1)
        .value("L2", ReduceOp::L2)
        .value("SUM_SQUARE", ReduceOp::SumSquare)
        .value("LOG_SUM", ReduceOp::LogSum)
        .value("LOG_SUM_EXP", ReduceOp::LogSumExp);
    py::enum_<PadMode>(module, "PadMode")
        .value("CONSTANT", PadMode::Constant)
        .value("REFLECT", PadMode::Reflect)
        .value("EDGE", PadMode::Edge);
    py::enum_<ResizeMode>(module, "ResizeMode")
        .value("NEAREST", ResizeMode::Nearest)
        .value("LINEAR", ResizeMode::Linear);
    py::enum_<ResizeCoordinateMode>(module, "ResizeCoordinateMode")
        .value("HALF_PIXEL", ResizeCoordinateMode::HalfPixel)
        .value("PYTORCH_HALF_PIXEL", ResizeCoordinateMode::PytorchHalfPixel)
        .value("ALIGN_CORNERS", ResizeCoordinateMode::AlignCorners)
        .value("ASYMMETRIC", ResizeCoordinateMode::Asymmetric)
        .value("TF_HALF_PIXEL_FOR_NN", ResizeCoordinateMode::TfHalfPixelForNn);
    py::enum_<ResizeNearestMode>(module, "ResizeNearestMode")
        .value("ROUND_PREFER_FLOOR", ResizeNearestMode::RoundPreferFloor)
        .value("ROUND_PREFER_CEIL", ResizeNearestMode::RoundPreferCeil)
        .value("FLOOR", ResizeNearestMode::Floor)
        .value("CEIL", ResizeNearestMode::Ceil);
}

void registerParams(py::module_& module) {
    paramsClass<ActivationParams>(module, "ActivationParams",
                                  "max(x, 0) and the other activations; see layers.h")
        .def(py::init([](ActivationType type, float alpha, float beta) {
                 return ActivationParams{type, alpha, beta};
             }),
             py::arg("type"), py::arg("alpha") = 0.0f, py::arg("beta") = 0.0f)
        .def_readwrite("type", &ActivationParams::type)
        .def_readwrite("alpha", &ActivationParams::alpha)
        .def_readwrite("beta", &ActivationParams::beta);
    paramsClass<ConvolutionParams>(
        module, "ConvolutionParams",
        "Inputs: data [N, C, spatial...], weights [K, C/groups, kernel...], optional bias [K]")
        .def_readwrite("strides", &ConvolutionParams::strides)
        .def_readwrite("pads", &ConvolutionParams::pads)
        .def_readwrite("dilations", &ConvolutionParams::dilations)
        .def_readwrite("groups", &ConvolutionParams::groups)
        .def_readwrite("activation", &ConvolutionParams::activation)
        .def_readwrite("output_channels", &ConvolutionParams::outputChannels);
    paramsClass<DeconvolutionParams>(
        module, "DeconvolutionParams",
        "Inputs: data [N, C, spatial...], weights [C, K/groups, kernel...], optional bias [K]")
        .def_readwrite("strides", &DeconvolutionParams::strides)
        .def_readwrite("pads", &DeconvolutionParams::pads)
        .def_readwrite("dilations", &DeconvolutionParams::dilations)
        .def_readwrite("output_padding", &DeconvolutionParams::outputPadding)
        .def_readwrite("groups", &DeconvolutionParams::groups);
    paramsClass<MatMulParams>(module, "MatMulParams", "NumPy's matmul with broadcasting. Inputs: A, B")
        .def_readwrite("activation", &MatMulParams::activation);
    paramsClass<GemmParams>(module, "GemmParams", "alpha * op(A) op(B) + beta * C. Inputs: A, B, optional C")
        .def_readwrite("trans_a", &GemmParams::transA)
        .def_readwrite("trans_b", &GemmParams::transB)
        .def_readwrite("alpha", &GemmParams::alpha)
        .def_readwrite("beta", &GemmParams::beta)
        .def_readwrite("activation", &GemmParams::activation);
    paramsClass<PoolingParams>(module, "PoolingParams", "Input: data [N, C, spatial...]")
        .def_readwrite("type", &PoolingParams::type)
        .def_readwrite("kernel", &PoolingParams::kernel)
        .def_readwrite("strides", &PoolingParams::strides)
        .def_readwrite("pads", &PoolingParams::pads)
        .def_readwrite("dilations", &PoolingParams::dilations)
        .def_readwrite("ceil_mode", &PoolingParams::ceilMode)
        .def_readwrite("count_include_pad", &PoolingParams::countIncludePad);
    paramsClass<LrnParams>(module, "LrnParams", "Local response normalization across channels")
        .def_readwrite("size", &LrnParams::size)
        .def_readwrite("alpha", &LrnParams::alpha)
        .def_readwrite("beta", &LrnParams::beta)
        .def_readwrite("bias", &LrnParams::bias);
    paramsClass<BatchNormParams>(module, "BatchNormParams",
                                 "Inputs: data [N, C, ...], scale, bias, mean, variance [C]")
        .def_readwrite("epsilon", &BatchNormParams::epsilon);
    paramsClass<InstanceNormParams>(module, "InstanceNormParams",
                                    "Inputs: data [N, C, spatial...], scale [C], bias [C]")
        .def_readwrite("epsilon", &InstanceNormParams::epsilon);
    paramsClass<LayerNormParams>(module, "LayerNormParams",
                                 "Inputs: data, scale and optional bias shaped dims[axis:]")
        .def_readwrite("axis", &LayerNormParams::axis)
        .def_readwrite("epsilon", &LayerNormParams::epsilon);
    paramsClass<AttentionParams>(module, "AttentionParams",
                                 "softmax(scale * q k^T + mask) v. Inputs: q, k, v, optional mask")
        .def_readwrite("scale", &AttentionParams::scale)
        .def_readwrite("query_perm", &AttentionParams::queryPerm)
        .def_readwrite("key_perm", &AttentionParams::keyPerm)
        .def_readwrite("value_perm", &AttentionParams::valuePerm)
        .def_readwrite("output_perm", &AttentionParams::outputPerm);
    paramsClass<SoftmaxParams>(module, "SoftmaxParams", "Softmax along a resolved axis (0 <= axis < rank)")
        .def_readwrite("axis", &SoftmaxParams::axis)
        .def_readwrite("log", &SoftmaxParams::log)
        .def_readwrite("flatten_from_axis", &SoftmaxParams::flattenFromAxis);
    paramsClass<UnaryParams>(module, "UnaryParams", "exp, log, sqrt, ...")
        .def_readwrite("op", &UnaryParams::op);
    paramsClass<ElementwiseParams>(module, "ElementwiseParams", "Binary operations with NumPy broadcasting")
        .def_readwrite("op", &ElementwiseParams::op);
    paramsClass<SelectParams>(module, "SelectParams", "Inputs: condition (BOOL), x, y");
    paramsClass<ReduceParams>(module, "ReduceParams", "Reduction over resolved, sorted axes")
        .def_readwrite("op", &ReduceParams::op)
        .def_readwrite("axes", &ReduceParams::axes)
        .def_readwrite("keep_dims", &ReduceParams::keepDims);
    paramsClass<ArgMinMaxParams>(module, "ArgMinMaxParams", "INT64 indices of the largest or smallest values")
        .def_readwrite("max", &ArgMinMaxParams::max)
        .def_readwrite("axis", &ArgMinMaxParams::axis)
        .def_readwrite("keep_dims", &ArgMinMaxParams::keepDims)
        .def_readwrite("select_last_index", &ArgMinMaxParams::selectLastIndex);
    paramsClass<ConcatParams>(module, "ConcatParams", "Concatenation along a resolved axis")
        .def_readwrite("axis", &ConcatParams::axis);
    paramsClass<SplitParams>(module, "SplitParams", "One output per entry of sizes")
        .def_readwrite("axis", &SplitParams::axis)
        .def_readwrite("sizes", &SplitParams::sizes);
    paramsClass<SliceParams>(module, "SliceParams", "starts, ends and steps resolved for every axis")
        .def_readwrite("starts", &SliceParams::starts)
        .def_readwrite("ends", &SliceParams::ends)
        .def_readwrite("steps", &SliceParams::steps);
    paramsClass<ReshapeParams>(module, "ReshapeParams", "A new shape of the same volume (no 0 or -1 entries)")
        .def_readwrite("output_dims", &ReshapeParams::outputDims);
    paramsClass<TransposeParams>(module, "TransposeParams", "A permutation of the axes")
        .def_readwrite("perm", &TransposeParams::perm);
    paramsClass<GatherParams>(module, "GatherParams", "Inputs: data, indices (INT32 or INT64)")
        .def_readwrite("axis", &GatherParams::axis);
    paramsClass<PadParams>(module, "PadParams", "pads: begin pads of every axis, then end pads")
        .def_readwrite("mode", &PadParams::mode)
        .def_readwrite("pads", &PadParams::pads)
        .def_readwrite("value", &PadParams::value);
    paramsClass<ResizeParams>(module, "ResizeParams", "Nearest or (bi/tri)linear resizing to output_dims")
        .def_readwrite("mode", &ResizeParams::mode)
        .def_readwrite("coordinate_mode", &ResizeParams::coordinateMode)
        .def_readwrite("nearest_mode", &ResizeParams::nearestMode)
        .def_readwrite("output_dims", &ResizeParams::outputDims)
        .def_readwrite("scales", &ResizeParams::scales);
    paramsClass<CastParams>(module, "CastParams", "Conversion to another type")
        .def_readwrite("to", &CastParams::to);
    paramsClass<ExpandParams>(module, "ExpandParams", "Broadcast to output_dims")
        .def_readwrite("output_dims", &ExpandParams::outputDims);
    paramsClass<TileParams>(module, "TileParams", "Repeats per axis")
        .def_readwrite("repeats", &TileParams::repeats);
    paramsClass<DepthToSpaceParams>(module, "DepthToSpaceParams", "DCR, or CRD with column_row_depth")
        .def_readwrite("block_size", &DepthToSpaceParams::blockSize)
        .def_readwrite("column_row_depth", &DepthToSpaceParams::columnRowDepth);
    paramsClass<SpaceToDepthParams>(module, "SpaceToDepthParams", "Blocks of space moved into channels")
        .def_readwrite("block_size", &SpaceToDepthParams::blockSize);
    paramsClass<IdentityParams>(module, "IdentityParams", "A copy of the input");
    py::enum_<PointwiseStep::Kind>(module, "PointwiseStepKind")
        .value("ACTIVATION", PointwiseStep::Kind::Activation)
        .value("UNARY", PointwiseStep::Kind::Unary)
        .value("SCALE_SHIFT", PointwiseStep::Kind::ScaleShift)
        .value("ELEMENTWISE", PointwiseStep::Kind::Elementwise);
    py::class_<PointwiseStep>(module, "PointwiseStep", "One step of a fused pointwise chain")
        .def(py::init<>())
        .def_readwrite("kind", &PointwiseStep::kind)
        .def_readwrite("activation", &PointwiseStep::activation)
        .def_readwrite("unary", &PointwiseStep::unary)
        .def_readwrite("op", &PointwiseStep::op)
        .def_readwrite("operand", &PointwiseStep::operand)
        .def_readwrite("shift_operand", &PointwiseStep::shiftOperand)
        .def_readwrite("operand_first", &PointwiseStep::operandFirst);
    paramsClass<PointwiseChainParams>(module, "PointwiseChainParams", "Pointwise layers fused into one")
        .def_readwrite("steps", &PointwiseChainParams::steps);
    paramsClass<ReformatParams>(module, "ReformatParams",
                                "A change of memory format, inserted by the builder");
    paramsClass<QuantizeParams>(module, "QuantizeParams",
                                "ONNX QuantizeLinear. Inputs: x, scale, optional zero point")
        .def_readwrite("axis", &QuantizeParams::axis);
    paramsClass<DequantizeParams>(module, "DequantizeParams",
                                  "ONNX DequantizeLinear. Inputs: q, scale, optional zero point")
        .def_readwrite("axis", &DequantizeParams::axis);
}

void registerTensorAndLayer(py::module_& module) {
    py::class_<Tensor>(module, "Tensor", "A tensor of a network: an input, a constant or a layer's output.")
        .def_property_readonly("name", &Tensor::name)
        .def_property_readonly(
            "dtype", [](const Tensor& tensor) { return dtypeOf(tensor.type()); }, "The NumPy dtype")
        .def_property_readonly("data_type", &Tensor::type, "The kiln.DataType")
        .def_property_readonly("shape", [](const Tensor& tensor) { return shapeTuple(tensor.dims()); })
        .def_property_readonly("is_network_input", &Tensor::isNetworkInput)
        .def_property_readonly("is_network_output", &Tensor::isNetworkOutput)
        .def_property_readonly("is_constant", &Tensor::isConstant)
        .def_property_readonly("producer", &Tensor::producer, py::return_value_policy::reference_internal,
                               "The layer that writes it; None for inputs and constants")
        .def_property(
            "dynamic_range", [](const Tensor& tensor) { return tensor.dynamicRange(); },
            [](Tensor& tensor, float absMax) {
                if (!isInt8Range(absMax)) {
                    throw py::value_error("dynamic_range of '" + tensor.name() + "' is " + formatInt8Value(absMax) +
                                          ": give a magnitude from " + int8RangeLimits() +
                                          " (what INT8's 127 stands for)");
                }
                tensor.setDynamicRange(absMax);
            },
            "The symmetric range INT8 maps to [-127, 127]; None until set")
        .def(
            "numpy",
            [](const Tensor& tensor) {
                if (!tensor.isConstant()) {
                    throw py::value_error("tensor '" + tensor.name() +
                                          "' is not a constant; only constants have values "
                                          "before the network runs");
                }
                HostTensor copy(tensor.type(), tensor.dims());
                if (copy.byteSize() > 0)
                    std::memcpy(copy.bytes(), tensor.constantData()->bytes(), copy.byteSize());
                return arrayOfTensor(std::move(copy));
            },
            "A copy of a constant's values")
        .def("__repr__", [](const Tensor& tensor) {
            return "<kiln.Tensor '" + tensor.name() + "' " + toString(tensor.type()) + " " +
                   toString(tensor.dims()) + ">";
        });

    py::class_<Layer>(module, "Layer", "A layer of a network.")
        .def_property_readonly("name", &Layer::name)
        .def_property_readonly("kind", &Layer::kind)
        .def_property_readonly(
            "params",
            [](const Layer& layer) {
                return std::visit([](const auto& params) { return py::cast(params); }, layer.params());
            },
            "A copy of the layer's parameters")
        .def_property_readonly("inputs", &Layer::inputs, py::return_value_policy::reference_internal,
                               "Input tensors; None where an optional input is left out")
        .def_property_readonly("outputs", &Layer::outputs, py::return_value_policy::reference_internal)
        .def_property_readonly("num_inputs", [](const Layer& layer) { return layer.inputs().size(); })
        .def_property_readonly("num_outputs", [](const Layer& layer) { return layer.outputs().size(); })
        .def(
            "get_output",
            [](const Layer& layer, size_t index) {
                if (index >= layer.outputs().size()) {
                    throw py::index_error("layer '" + layer.name() + "' has " +
                                          std::to_string(layer.outputs().size()) +
                                          " output(s); there is no output " + std::to_string(index));
                }
                return layer.output(index);
            },
            py::arg("index") = 0, py::return_value_policy::reference_internal)
        .def_property_readonly("provenance", &Layer::provenance, "The model nodes the layer stands for")
        .def_property(
            "precision", [](const Layer& layer) { return layer.precisionConstraint(); },
            [](Layer& layer, std::optional<DataType> precision) { layer.setPrecisionConstraint(precision); },
            "The precision the layer must run in (as TensorRT's ILayer.precision); None: the builder chooses")
        .def("describe", &describeLayer, "A one-line summary of the parameters")
        .def("__repr__", [](const Layer& layer) {
            return std::string("<kiln.Layer '") + layer.name() + "' " + toString(layer.kind()) + ">";
        });
}

void registerNetworkDefinition(py::module_& module) {
    using Net = NetworkDefinition;
    constexpr auto internal = py::return_value_policy::reference_internal;
    py::class_<Net>(module, "NetworkDefinition",
                    "A network built by hand or by a parser: inputs, constants, layers and marked outputs. "
                    "Shapes are inferred as each layer is added.")
        .def(py::init<>())
        .def_property("name", &Net::name,
                      [](Net& network, std::string name) { network.setName(std::move(name)); })
        .def_property_readonly(
            "layers",
            [](const Net& network) {
                std::vector<Layer*> layers;
                for (const auto& layer : network.layers())
                    layers.push_back(layer.get());
                return layers;
            },
            internal)
        .def_property_readonly("inputs", &Net::inputs, internal)
        .def_property_readonly("outputs", &Net::outputs, internal)
        .def_property_readonly("num_layers", [](const Net& network) { return network.layers().size(); })
        .def("find_tensor", &Net::findTensor, py::arg("name"), internal, "The tensor of that name, or None")
        .def("find_layer", &Net::findLayer, py::arg("name"), internal, "The layer of that name, or None")
        .def(
            "add_input",
            [](Net& network, const std::string& name, py::handle dtype, py::handle shape) {
                return take(network.addInput(name, dataTypeOf(dtype, "add_input '" + name + "' dtype"),
                                             dimsOf(shape, "add_input '" + name + "' shape")));
            },
            py::arg("name"), py::arg("dtype"), py::arg("shape"), internal,
            "A network input of a fixed shape; dtype is a kiln.DataType or a NumPy dtype")
        .def(
            "add_constant",
            [](Net& network, py::handle values, std::optional<std::string> name) {
                const std::string tensorName =
                    name ? *name : freshName(network, "constant_" + std::to_string(network.tensors().size()));
                return take(network.addConstant(tensorName,
                                                copyOfArray(values, "add_constant '" + tensorName + "'")));
            },
            py::arg("values"), py::arg("name") = py::none(), internal,
            "A constant holding a copy of a NumPy array (float64 is stored as float32)")
        .def(
            "add_layer",
            [](Net& network, LayerParams params, const py::sequence& inputs, std::optional<std::string> name,
               std::optional<std::vector<std::string>> outputNames) {
                const std::string layer = layerName(network, name, kindOf(params));
                std::vector<Tensor*> tensors;
                for (size_t i = 0; i < inputs.size(); ++i) {
                    tensors.push_back(optionalTensorArgument(
                        network, inputs[i], "add_layer '" + layer + "' input " + std::to_string(i),
                        layer + ".input" + std::to_string(i)));
                }
                return addLayer(network, std::move(params), tensors, layer, std::move(outputNames));
            },
            py::arg("params"), py::arg("inputs"), py::arg("name") = py::none(),
            py::arg("output_names") = py::none(), internal,
            "A layer of any kind: params is one of the *Params classes; inputs are tensors of this network, "
            "NumPy "
            "arrays (made constants) or None for an optional input left out. Output names default to "
            "NAME_output.")
        .def(
            "mark_output",
            [](Net& network, Tensor* tensor) {
                check(network.markOutput(memberTensor(network, tensor, "mark_output")));
            },
            py::arg("tensor"))
        .def(
            "validate", [](const Net& network) { check(network.validate()); },
            "Raises KilnError naming the first problem: a duplicate name, a dangling tensor, no output")
        .def("describe_layers", &describeLayers, "The layers as build-report records (no tactics)")
        .def(
            "add_convolution",
            [](Net& network, Tensor* input, py::handle weights, py::handle bias, py::handle stride,
               py::handle padding, py::handle dilation, int64_t groups, py::handle activation,
               std::optional<std::string> name) {
                const std::string layer = layerName(network, name, LayerKind::Convolution);
                const std::string what = "add_convolution '" + layer + "'";
                memberTensor(network, input, what);
                const size_t spatial = spatialRank(input, what);
                ConvolutionParams params;
                params.strides = perAxis(stride, spatial, what + " stride");
                params.pads = padsOf(padding, spatial, what + " padding");
                params.dilations = perAxis(dilation, spatial, what + " dilation");
                params.groups = groups;
                params.activation = fusedActivation(activation);
                std::vector<Tensor*> inputs{
                    input, tensorArgument(network, weights, what + " weights", layer + ".weight")};
                if (!bias.is_none())
                    inputs.push_back(tensorArgument(network, bias, what + " bias", layer + ".bias"));
                return addLayer(network, params, inputs, layer, std::nullopt);
            },
            py::arg("input"), py::arg("weights"), py::arg("bias") = py::none(), py::arg("stride") = 1,
            py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("groups") = 1,
            py::arg("activation") = py::none(), py::arg("name") = py::none(), internal,
            "Convolution with weights [K, C/groups, kernel...] and optional bias [K] (NumPy arrays or "
            "tensors); "
            "padding: an int, one per spatial axis, or begin pads then end pads")
        .def(
            "add_fully_connected",
            [](Net& network, Tensor* input, py::handle weights, py::handle bias, py::handle activation,
               std::optional<std::string> name) {
                const std::string layer = layerName(network, name, LayerKind::Gemm);
                const std::string what = "add_fully_connected '" + layer + "'";
                memberTensor(network, input, what);
                if (input->dims().size() != 2) {
                    throw py::value_error(what + ": input '" + input->name() + "' is " +
                                          toString(input->dims()) +
                                          "; it needs [N, C]: flatten it first with add_flatten");
                }
                GemmParams params;
                params.transB = true;
                params.activation = fusedActivation(activation);
                std::vector<Tensor*> inputs{
                    input, tensorArgument(network, weights, what + " weights", layer + ".weight")};
                if (!bias.is_none())
                    inputs.push_back(tensorArgument(network, bias, what + " bias", layer + ".bias"));
                return addLayer(network, params, inputs, layer, std::nullopt);
            },
            py::arg("input"), py::arg("weights"), py::arg("bias") = py::none(),
            py::arg("activation") = py::none(), py::arg("name") = py::none(), internal,
            "y = x W^T + b for x [N, C], weights [K, C] (PyTorch's Linear layout) and bias [K]: a Gemm layer")
        .def(
            "add_gemm",
            [](Net& network, py::handle a, py::handle b, py::handle c, bool transA, bool transB, float alpha,
               float beta, std::optional<std::string> name) {
                const std::string layer = layerName(network, name, LayerKind::Gemm);
                const std::string what = "add_gemm '" + layer + "'";
                std::vector<Tensor*> inputs{tensorArgument(network, a, what + " a", layer + ".a"),
                                            tensorArgument(network, b, what + " b", layer + ".b")};
                if (!c.is_none()) inputs.push_back(tensorArgument(network, c, what + " c", layer + ".c"));
                return addLayer(network, GemmParams{transA, transB, alpha, beta, std::nullopt}, inputs, layer,
                                std::nullopt);
            },
            py::arg("a"), py::arg("b"), py::arg("c") = py::none(), py::arg("trans_a") = false,
            py::arg("trans_b") = false, py::arg("alpha") = 1.0f, py::arg("beta") = 1.0f,
            py::arg("name") = py::none(), internal)
        .def(
            "add_matrix_multiply",
            [](Net& network, py::handle a, py::handle b, std::optional<std::string> name) {
                const std::string layer = layerName(network, name, LayerKind::MatMul);
                const std::string what = "add_matrix_multiply '" + layer + "'";
                return addLayer(network, MatMulParams{},
                                {tensorArgument(network, a, what + " a", layer + ".a"),
                                 tensorArgument(network, b, what + " b", layer + ".b")},
                                layer, std::nullopt);
            },
            py::arg("a"), py::arg("b"), py::arg("name") = py::none(), internal,
            "NumPy's matmul, with broadcasting")
        .def(
            "add_activation",
            [](Net& network, Tensor* input, ActivationType type, float alpha, float beta,
               std::optional<std::string> name) {
                memberTensor(network, input, "add_activation");
                return addLayer(network, ActivationParams{type, alpha, beta}, {input}, name, std::nullopt);
            },
            py::arg("input"), py::arg("type"), py::arg("alpha") = 0.0f, py::arg("beta") = 0.0f,
            py::arg("name") = py::none(), internal)
        .def(
            "add_pooling",
            [](Net& network, Tensor* input, PoolingType type, py::handle kernel, py::handle stride,
               py::handle padding, bool ceilMode, bool countIncludePad, std::optional<std::string> name) {
                const std::string layer = layerName(network, name, LayerKind::Pooling);
                const std::string what = "add_pooling '" + layer + "'";
                memberTensor(network, input, what);
                const size_t spatial = spatialRank(input, what);
                PoolingParams params;
                params.type = type;
                params.kernel = perAxis(kernel, spatial, what + " kernel");
                params.strides =
                    stride.is_none() ? params.kernel : perAxis(stride, spatial, what + " stride");
                params.pads = padsOf(padding, spatial, what + " padding");
                params.dilations = std::vector<int64_t>(spatial, 1);
                params.ceilMode = ceilMode;
                params.countIncludePad = countIncludePad;
                return addLayer(network, params, {input}, layer, std::nullopt);
            },
            py::arg("input"), py::arg("type"), py::arg("kernel"), py::arg("stride") = py::none(),
            py::arg("padding") = 0, py::arg("ceil_mode") = false, py::arg("count_include_pad") = false,
            py::arg("name") = py::none(), internal, "Max or average pooling; stride defaults to the kernel")
        .def(
            "add_global_pooling",
            [](Net& network, Tensor* input, PoolingType type, std::optional<std::string> name) {
                const std::string what = "add_global_pooling";
                memberTensor(network, input, what);
                const size_t spatial = spatialRank(input, what);
                PoolingParams params;
                params.type = type;
                params.kernel.assign(input->dims().end() - std::ptrdiff_t(spatial), input->dims().end());
                params.strides = std::vector<int64_t>(spatial, 1);
                params.pads = std::vector<int64_t>(2 * spatial, 0);
                params.dilations = std::vector<int64_t>(spatial, 1);
                return addLayer(network, params, {input}, name, std::nullopt);
            },
            py::arg("input"), py::arg("type") = PoolingType::Average, py::arg("name") = py::none(), internal,
            "Pooling over the whole of every spatial axis: [N, C, 1, ...]")
        .def(
            "add_elementwise",
            [](Net& network, py::handle a, py::handle b, ElementwiseOp op, std::optional<std::string> name) {
                const std::string layer = layerName(network, name, LayerKind::Elementwise);
                const std::string what = "add_elementwise '" + layer + "'";
                return addLayer(network, ElementwiseParams{op},
                                {tensorArgument(network, a, what + " a", layer + ".a"),
                                 tensorArgument(network, b, what + " b", layer + ".b")},
                                layer, std::nullopt);
            },
            py::arg("a"), py::arg("b"), py::arg("op"), py::arg("name") = py::none(), internal,
            "A binary operation with NumPy broadcasting; either operand may be a NumPy array")
        .def(
            "add_unary",
            [](Net& network, Tensor* input, UnaryOp op, std::optional<std::string> name) {
                memberTensor(network, input, "add_unary");
                return addLayer(network, UnaryParams{op}, {input}, name, std::nullopt);
            },
            py::arg("input"), py::arg("op"), py::arg("name") = py::none(), internal)
        .def(
            "add_softmax",
            [](Net& network, Tensor* input, int64_t axis, bool log, std::optional<std::string> name) {
                memberTensor(network, input, "add_softmax");
                SoftmaxParams params;
                params.axis = resolvedAxis(axis, input->dims().size(), "add_softmax");
                params.log = log;
                return addLayer(network, params, {input}, name, std::nullopt);
            },
            py::arg("input"), py::arg("axis") = -1, py::arg("log") = false, py::arg("name") = py::none(),
            internal)
        .def(
            "add_concatenation",
            [](Net& network, const std::vector<Tensor*>& inputs, int64_t axis,
               std::optional<std::string> name) {
                if (inputs.empty()) throw py::value_error("add_concatenation: give at least one tensor");
                for (Tensor* input : inputs)
                    memberTensor(network, input, "add_concatenation");
                ConcatParams params{resolvedAxis(axis, inputs.front()->dims().size(), "add_concatenation")};
                return addLayer(network, params, inputs, name, std::nullopt);
            },
            py::arg("inputs"), py::arg("axis") = 1, py::arg("name") = py::none(), internal,
            "Concatenation along axis (default 1: channels)")
        .def(
            "add_reshape",
            [](Net& network, Tensor* input, py::handle shape, std::optional<std::string> name) {
                memberTensor(network, input, "add_reshape");
                ReshapeParams params{resolvedShape(input, dimsOf(shape, "add_reshape shape"))};
                return addLayer(network, params, {input}, name, std::nullopt);
            },
            py::arg("input"), py::arg("shape"), py::arg("name") = py::none(), internal,
            "The same elements in a new shape; 0 keeps the input's extent and one -1 is inferred")
        .def(
            "add_flatten",
            [](Net& network, Tensor* input, int64_t axis, std::optional<std::string> name) {
                memberTensor(network, input, "add_flatten");
                const Dims& dims = input->dims();
                const int64_t at =
                    axis == int64_t(dims.size()) ? axis : resolvedAxis(axis, dims.size(), "add_flatten");
                const int64_t outer =
                    std::accumulate(dims.begin(), dims.begin() + at, int64_t(1), std::multiplies<>());
                const int64_t inner =
                    std::accumulate(dims.begin() + at, dims.end(), int64_t(1), std::multiplies<>());
                return addLayer(network, ReshapeParams{{outer, inner}}, {input}, name, std::nullopt);
            },
            py::arg("input"), py::arg("axis") = 1, py::arg("name") = py::none(), internal,
            "[prod(shape[:axis]), prod(shape[axis:])], as ONNX Flatten")
        .def(
            "add_transpose",
            [](Net& network, Tensor* input, std::vector<int64_t> perm, std::optional<std::string> name) {
                memberTensor(network, input, "add_transpose");
                return addLayer(network, TransposeParams{std::move(perm)}, {input}, name, std::nullopt);
            },
            py::arg("input"), py::arg("perm"), py::arg("name") = py::none(), internal)
        .def(
            "add_batch_norm",
            [](Net& network, Tensor* input, py::handle scale, py::handle bias, py::handle mean,
               py::handle variance, float epsilon, std::optional<std::string> name) {
                const std::string layer = layerName(network, name, LayerKind::BatchNorm);
                const std::string what = "add_batch_norm '" + layer + "'";
                memberTensor(network, input, what);
                return addLayer(network, BatchNormParams{epsilon},
                                {input, tensorArgument(network, scale, what + " scale", layer + ".scale"),
                                 tensorArgument(network, bias, what + " bias", layer + ".bias"),
                                 tensorArgument(network, mean, what + " mean", layer + ".mean"),
                                 tensorArgument(network, variance, what + " variance", layer + ".variance")},
                                layer, std::nullopt);
            },
            py::arg("input"), py::arg("scale"), py::arg("bias"), py::arg("mean"), py::arg("variance"),
            py::arg("epsilon") = 1e-5f, py::arg("name") = py::none(), internal)
        .def(
            "add_reduce",
            [](Net& network, Tensor* input, ReduceOp op, const std::vector<int64_t>& axes, bool keepDims,
               std::optional<std::string> name) {
                memberTensor(network, input, "add_reduce");
                ReduceParams params{op, {}, keepDims};
                for (int64_t axis : axes)
                    params.axes.push_back(resolvedAxis(axis, input->dims().size(), "add_reduce"));
                std::sort(params.axes.begin(), params.axes.end());
                return addLayer(network, params, {input}, name, std::nullopt);
            },
            py::arg("input"), py::arg("op"), py::arg("axes"), py::arg("keep_dims") = true,
            py::arg("name") = py::none(), internal);
}

}  // namespace

void registerNetwork(py::module_& module) {
    registerEnums(module);
    registerParams(module);
    registerTensorAndLayer(module);
    registerNetworkDefinition(module);
}

}  // namespace kiln::python

// Plan bytes → Engine. Nothing in the body is trusted: every index, offset and length is checked
// against what the plan holds, and the network is rebuilt through the NetworkDefinition API, so every
// layer's parameters and shapes pass the same inference and checks as a freshly built network's.
#include <google/protobuf/text_format.h>

#include <bit>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <algorithm>
#include <tuple>

#include <sys/mman.h>

#include "backends/cpu/cpu_backend.h"
#include "kiln/calibration.h"
#include "kiln/device.h"
#include "kiln/file_reading.h"
#include "kiln/plan.h"
#include "kiln/plugin.h"
#include "plan.pb.h"
#include "runtime/compiled_kernels.h"
#include "runtime/dynamic_shapes.h"
#include "plan/plan_format.h"

namespace kiln {

namespace {

static_assert(std::endian::native == std::endian::little,
              "the weight blob holds constants in little-endian order, as they are in memory");

Status bodyError(const std::string& message) {
    return invalidModel("the plan body is invalid: " + message + "; rebuild the plan");
}

template <typename Enum>
Result<Enum> readEnum(uint32_t value, Enum last, const std::string& what) {
    if (value > uint32_t(last)) {
        return bodyError(what + " is " + std::to_string(value) + ", outside 0.." +
                         std::to_string(uint32_t(last)));
    }
    return static_cast<Enum>(value);
}

template <typename Field>
std::vector<int64_t> ints(const Field& field) {
    return std::vector<int64_t>(field.begin(), field.end());
}

Result<ActivationParams> readActivation(const plan_proto::Activation& in, const std::string& context) {
    ActivationParams p;
    KILN_ASSIGN_OR_RETURN(p.type,
                          readEnum(in.type(), ActivationType::GeluTanh, context + ": activation type"));
    p.alpha = in.alpha();
    p.beta = in.beta();
    return p;
}

// One reader per parameter message, as the writer has one writer per parameter type. `context` names
// the layer in messages.
using Context = const std::string&;

Result<LayerParams> readParams(const plan_proto::ConvolutionParams& f, Context context) {
    ConvolutionParams p{ints(f.strides()), ints(f.pads()), ints(f.dilations()), f.groups(), std::nullopt,
                        ints(f.output_channels())};
    if (f.has_activation()) {
        KILN_ASSIGN_OR_RETURN(p.activation, readActivation(f.activation(), context));
    }
    return LayerParams(std::move(p));
}

Result<LayerParams> readParams(const plan_proto::DeconvolutionParams& f, Context) {
    return LayerParams(
        DeconvolutionParams{ints(f.strides()), ints(f.pads()), ints(f.dilations()), ints(f.output_padding()), f.groups()});
}

Result<LayerParams> readParams(const plan_proto::MatMulParams& f, Context context) {
    MatMulParams p;
    if (f.has_activation()) {
        KILN_ASSIGN_OR_RETURN(p.activation, readActivation(f.activation(), context));
    }
    return LayerParams(std::move(p));
}

Result<LayerParams> readParams(const plan_proto::GemmParams& f, Context context) {
    GemmParams p{f.trans_a(), f.trans_b(), f.alpha(), f.beta(), std::nullopt};
    if (f.has_activation()) {
        KILN_ASSIGN_OR_RETURN(p.activation, readActivation(f.activation(), context));
    }
    return LayerParams(std::move(p));
}

Result<LayerParams> readParams(const plan_proto::PoolingParams& f, Context context) {
    PoolingParams p;
    KILN_ASSIGN_OR_RETURN(p.type, readEnum(f.type(), PoolingType::Average, context + ": pooling type"));
    p.kernel = ints(f.kernel());
    p.strides = ints(f.strides());
    p.pads = ints(f.pads());
    p.dilations = ints(f.dilations());
    p.ceilMode = f.ceil_mode();
    p.countIncludePad = f.count_include_pad();
    return LayerParams(std::move(p));
}

Result<LayerParams> readParams(const plan_proto::LrnParams& f, Context) {
    return LayerParams(LrnParams{f.size(), f.alpha(), f.beta(), f.bias()});
}

Result<LayerParams> readParams(const plan_proto::BatchNormParams& f, Context) {
    return LayerParams(BatchNormParams{f.epsilon()});
}

Result<LayerParams> readParams(const plan_proto::InstanceNormParams& f, Context) {
    return LayerParams(InstanceNormParams{f.epsilon()});
}

Result<LayerParams> readParams(const plan_proto::LayerNormParams& f, Context) {
    return LayerParams(LayerNormParams{f.axis(), f.epsilon()});
}

Result<LayerParams> readParams(const plan_proto::SoftmaxParams& f, Context) {
    return LayerParams(SoftmaxParams{f.axis(), f.log(), f.flatten_from_axis()});
}

Result<LayerParams> readParams(const plan_proto::Activation& f, Context context) {
    KILN_ASSIGN_OR_RETURN(ActivationParams p, readActivation(f, context));
    return LayerParams(p);
}

Result<LayerParams> readParams(const plan_proto::UnaryParams& f, Context context) {
    KILN_ASSIGN_OR_RETURN(const UnaryOp op, readEnum(f.op(), kLastUnaryOp, context + ": unary op"));
    return LayerParams(UnaryParams{op});
}

Result<LayerParams> readParams(const plan_proto::ElementwiseParams& f, Context context) {
    KILN_ASSIGN_OR_RETURN(const ElementwiseOp op, readEnum(f.op(), ElementwiseOp::Or, context + ": elementwise op"));
    return LayerParams(ElementwiseParams{op});
}

Result<LayerParams> readParams(const plan_proto::SelectParams&, Context) { return LayerParams(SelectParams{}); }

Result<LayerParams> readParams(const plan_proto::ReduceParams& f, Context context) {
    KILN_ASSIGN_OR_RETURN(const ReduceOp op, readEnum(f.op(), ReduceOp::LogSumExp, context + ": reduce op"));
    return LayerParams(ReduceParams{op, ints(f.axes()), f.keep_dims()});
}

Result<LayerParams> readParams(const plan_proto::ArgMinMaxParams& f, Context) {
    return LayerParams(ArgMinMaxParams{f.max(), f.axis(), f.keep_dims(), f.select_last_index()});
}

Result<LayerParams> readParams(const plan_proto::ConcatParams& f, Context) { return LayerParams(ConcatParams{f.axis()}); }

Result<LayerParams> readParams(const plan_proto::SplitParams& f, Context) {
    return LayerParams(SplitParams{f.axis(), ints(f.sizes())});
}

Result<LayerParams> readParams(const plan_proto::SliceParams& f, Context) {
    return LayerParams(SliceParams{ints(f.starts()), ints(f.ends()), ints(f.steps())});
}

Result<LayerParams> readParams(const plan_proto::ReshapeParams& f, Context) {
    return LayerParams(ReshapeParams{ints(f.output_dims())});
}

Result<LayerParams> readParams(const plan_proto::TransposeParams& f, Context) {
    return LayerParams(TransposeParams{ints(f.perm())});
}

Result<LayerParams> readParams(const plan_proto::AttentionParams& f, Context) {
    return LayerParams(AttentionParams{f.scale(), ints(f.query_perm()), ints(f.key_perm()), ints(f.value_perm()),
                                       ints(f.output_perm())});
}

// The plugin is made again by its creator, which must be registered by now.
Result<LayerParams> readPluginParams(const plan_proto::PluginParams& f, const std::string& layerName,
                                     Context context) {
    const std::string key = pluginKey(f.name(), f.version(), f.plugin_namespace());
    const auto creator = PluginRegistry::global().find(f.name(), f.version(), f.plugin_namespace());
    if (!creator) {
        return notFound(context + " uses plugin " + key + " (name '" + f.name() + "', version '" +
                        f.version() + "', namespace '" + f.plugin_namespace() +
                        "'), which is not registered: load the library that provides it first "
                        "(kiln --plugins libfoo.so, or PluginRegistry::loadLibrary)");
    }
    auto plugin = creator->deserialize(layerName, std::vector<uint8_t>(f.data().begin(), f.data().end()));
    if (!plugin)
        return plugin.status().withContext(context + ": plugin " + key + " cannot read its stored fields");
    if (!*plugin) return bodyError(context + ": plugin " + key + " made no plugin from its stored fields");
    return LayerParams(PluginParams{std::shared_ptr<const Plugin>(std::move(plugin).value())});
}

Result<LayerParams> readParams(const plan_proto::GatherParams& f, Context) { return LayerParams(GatherParams{f.axis()}); }

Result<LayerParams> readParams(const plan_proto::PadParams& f, Context context) {
    KILN_ASSIGN_OR_RETURN(const PadMode mode, readEnum(f.mode(), PadMode::Edge, context + ": pad mode"));
    return LayerParams(PadParams{mode, ints(f.pads()), f.value()});
}

Result<LayerParams> readParams(const plan_proto::ResizeParams& f, Context context) {
    ResizeParams p;
    KILN_ASSIGN_OR_RETURN(p.mode, readEnum(f.mode(), ResizeMode::Linear, context + ": resize mode"));
    KILN_ASSIGN_OR_RETURN(p.coordinateMode, readEnum(f.coordinate_mode(), ResizeCoordinateMode::TfHalfPixelForNn,
                                                     context + ": resize coordinate mode"));
    KILN_ASSIGN_OR_RETURN(p.nearestMode,
                          readEnum(f.nearest_mode(), ResizeNearestMode::Ceil, context + ": resize nearest mode"));
    p.outputDims = ints(f.output_dims());
    p.scales.assign(f.scales().begin(), f.scales().end());
    return LayerParams(std::move(p));
}

Result<LayerParams> readParams(const plan_proto::CastParams& f, Context context) {
    KILN_ASSIGN_OR_RETURN(const DataType to, readEnum(f.to(), DataType::Bool, context + ": cast type"));
    return LayerParams(CastParams{to});
}

Result<LayerParams> readParams(const plan_proto::ExpandParams& f, Context) {
    return LayerParams(ExpandParams{ints(f.output_dims())});
}

Result<LayerParams> readParams(const plan_proto::TileParams& f, Context) { return LayerParams(TileParams{ints(f.repeats())}); }

Result<LayerParams> readParams(const plan_proto::DepthToSpaceParams& f, Context) {
    return LayerParams(DepthToSpaceParams{f.block_size(), f.column_row_depth()});
}

Result<LayerParams> readParams(const plan_proto::SpaceToDepthParams& f, Context) {
    return LayerParams(SpaceToDepthParams{f.block_size()});
}

Result<LayerParams> readParams(const plan_proto::IdentityParams&, Context) { return LayerParams(IdentityParams{}); }

Result<LayerParams> readParams(const plan_proto::ReformatParams&, Context) { return LayerParams(ReformatParams{}); }

Result<LayerParams> readParams(const plan_proto::QuantizeParams& f, Context) { return LayerParams(QuantizeParams{f.axis()}); }

Result<LayerParams> readParams(const plan_proto::DequantizeParams& f, Context) {
    return LayerParams(DequantizeParams{f.axis()});
}

Result<LayerParams> readParams(const plan_proto::PointwiseChainParams& in, Context context) {
    PointwiseChainParams p;
    for (const auto& f : in.steps()) {
        PointwiseStep step;
        KILN_ASSIGN_OR_RETURN(step.kind,
                              readEnum(f.kind(), PointwiseStep::Kind::Elementwise, context + ": pointwise step kind"));
        KILN_ASSIGN_OR_RETURN(step.activation, readActivation(f.activation(), context));
        KILN_ASSIGN_OR_RETURN(step.unary, readEnum(f.unary(), kLastUnaryOp, context + ": unary op"));
        KILN_ASSIGN_OR_RETURN(step.op, readEnum(f.op(), ElementwiseOp::Or, context + ": elementwise op"));
        step.operand = f.operand();
        step.shiftOperand = f.shift_operand();
        step.operandFirst = f.operand_first();
        p.steps.push_back(step);
    }
    return LayerParams(std::move(p));
}

// The layer's parameter message, whichever the oneof holds, through its reader.
Result<LayerParams> readParams(const plan_proto::Layer& in, Context context) {
    using Proto = plan_proto::Layer;
    switch (in.params_case()) {
        case Proto::kConvolution: return readParams(in.convolution(), context);
        case Proto::kDeconvolution: return readParams(in.deconvolution(), context);
        case Proto::kMatMul: return readParams(in.mat_mul(), context);
        case Proto::kGemm: return readParams(in.gemm(), context);
        case Proto::kPooling: return readParams(in.pooling(), context);
        case Proto::kLrn: return readParams(in.lrn(), context);
        case Proto::kBatchNorm: return readParams(in.batch_norm(), context);
        case Proto::kInstanceNorm: return readParams(in.instance_norm(), context);
        case Proto::kLayerNorm: return readParams(in.layer_norm(), context);
        case Proto::kAttention: return readParams(in.attention(), context);
        case Proto::kSoftmax: return readParams(in.softmax(), context);
        case Proto::kActivation: return readParams(in.activation(), context);
        case Proto::kUnary: return readParams(in.unary(), context);
        case Proto::kElementwise: return readParams(in.elementwise(), context);
        case Proto::kSelect: return readParams(in.select(), context);
        case Proto::kReduce: return readParams(in.reduce(), context);
        case Proto::kArgMinMax: return readParams(in.arg_min_max(), context);
        case Proto::kConcat: return readParams(in.concat(), context);
        case Proto::kSplit: return readParams(in.split(), context);
        case Proto::kSlice: return readParams(in.slice(), context);
        case Proto::kReshape: return readParams(in.reshape(), context);
        case Proto::kTranspose: return readParams(in.transpose(), context);
        case Proto::kGather: return readParams(in.gather(), context);
        case Proto::kPad: return readParams(in.pad(), context);
        case Proto::kResize: return readParams(in.resize(), context);
        case Proto::kCast: return readParams(in.cast(), context);
        case Proto::kExpand: return readParams(in.expand(), context);
        case Proto::kTile: return readParams(in.tile(), context);
        case Proto::kDepthToSpace: return readParams(in.depth_to_space(), context);
        case Proto::kSpaceToDepth: return readParams(in.space_to_depth(), context);
        case Proto::kIdentity: return readParams(in.identity(), context);
        case Proto::kReformat: return readParams(in.reformat(), context);
        case Proto::kQuantize: return readParams(in.quantize(), context);
        case Proto::kDequantize: return readParams(in.dequantize(), context);
        case Proto::kPointwiseChain: return readParams(in.pointwise_chain(), context);
        case Proto::kPlugin:
            return readPluginParams(in.plugin(), in.name(), context);
        case Proto::PARAMS_NOT_SET: break;
    }
    return bodyError(context + " has no parameters of a kind this kiln knows");
}

int64_t byteSizeOf(const Tensor& tensor) { return tensor.storageBytes(); }

class NetworkReader {
public:
    // `owner` holds the bytes `weights` lies in: constants are views of them that keep it alive.
    NetworkReader(const plan_proto::Network& in, std::string_view weights, std::shared_ptr<const void> owner)
        : m_in(in), m_weights(weights), m_owner(std::move(owner)) {}

    Result<NetworkDefinition> read() {
        m_network.setName(m_in.name());
        m_tensors.assign(size_t(m_in.tensors_size()), nullptr);
        for (int i = 0; i < m_in.tensors_size(); ++i)
            KILN_RETURN_IF_ERROR(readSourceTensor(i));
        for (int i = 0; i < m_in.layers_size(); ++i)
            KILN_RETURN_IF_ERROR(readLayer(m_in.layers(i), i));
        for (int i = 0; i < m_in.tensors_size(); ++i) {
            if (!m_tensors[size_t(i)]) {
                return bodyError("tensor '" + m_in.tensors(i).name() + "' is an activation no layer writes");
            }
        }
        for (int i = 0; i < m_in.tensors_size(); ++i)
            KILN_RETURN_IF_ERROR(readAlias(i));
        for (int i = 0; i < m_in.tensors_size(); ++i)
            KILN_RETURN_IF_ERROR(checkAlias(i));
        for (const uint32_t index : m_in.outputs()) {
            KILN_ASSIGN_OR_RETURN(Tensor* const output, tensorAt(index, "a network output"));
            Status status = m_network.markOutput(output);
            if (!status.isOk()) return bodyError(status.message());
        }
        Status status = m_network.validate();
        if (!status.isOk()) return bodyError(status.message());
        return std::move(m_network);
    }

private:
    Result<Tensor*> tensorAt(int64_t index, const std::string& what) const {
        if (index < 0 || uint64_t(index) >= m_tensors.size()) {
            return bodyError(what + " refers to tensor #" + std::to_string(index) + ", but the plan has " +
                             std::to_string(m_tensors.size()) + " tensors");
        }
        if (!m_tensors[size_t(index)]) {
            return bodyError(what + " refers to tensor '" + m_in.tensors(int(index)).name() +
                             "' before a layer writes it");
        }
        return m_tensors[size_t(index)];
    }

    // Inputs and constants; activations appear when the layer that writes them is added.
    Status readSourceTensor(int index) {
        const plan_proto::Tensor& in = m_in.tensors(index);
        const std::string context = "tensor '" + in.name() + "'";
        KILN_ASSIGN_OR_RETURN(const DataType type,
                              readEnum(in.data_type(), DataType::Bool, context + ": data type"));
        const Dims dims = ints(in.dims());
        Status status = checkDims(dims, context);
        if (!status.isOk()) return bodyError(status.message());
        const bool constant = in.role() == plan_proto::Tensor::CONSTANT;
        if (in.omitted() && (!constant || in.has_constant())) {
            return bodyError(context + " is marked omitted but is no constant without weight bytes");
        }
        if (in.has_constant() != (constant && !in.omitted())) {
            return bodyError(context + (in.has_constant() ? " has weight bytes but is no constant"
                                                          : " is a constant without weight bytes"));
        }
        if (in.has_dynamic_range() && !isInt8Range(in.dynamic_range())) {
            return bodyError(context + ": dynamic range " + formatInt8Value(in.dynamic_range()) + " is outside " +
                             int8RangeLimits() + " (a range INT8 kernels cannot scale by; rebuild the plan)");
        }
        if (in.role() == plan_proto::Tensor::ACTIVATION) return Status::ok();
        if (in.channel_block() != 0) return bodyError(context + " is an input or constant but not linear");
        if (in.role() != plan_proto::Tensor::INPUT && in.role() != plan_proto::Tensor::CONSTANT) {
            return bodyError(context + " has unknown role " + std::to_string(int(in.role())));
        }
        std::shared_ptr<const HostTensor> data;
        if (in.omitted()) {
            KILN_ASSIGN_OR_RETURN(data, zeroConstant(type, dims, context));
        } else if (in.role() == plan_proto::Tensor::CONSTANT) {
            KILN_ASSIGN_OR_RETURN(data, readConstant(in.constant(), type, dims, context));
        }
        Result<Tensor*> tensor = data ? m_network.addConstant(in.name(), std::move(data))
                                      : m_network.addInput(in.name(), type, dims);
        if (!tensor.isOk()) return bodyError(tensor.status().message());
        if (in.has_dynamic_range()) (*tensor)->setDynamicRange(in.dynamic_range());
        m_tensors[size_t(index)] = *tensor;
        return Status::ok();
    }

    // Zeros in pages the kernel maps on first read, so an omitted constant costs no memory: the
    // kernels that read this layer's weights read their prepared copy instead.
    static Result<std::shared_ptr<const HostTensor>> zeroConstant(DataType type, const Dims& dims,
                                                                  const std::string& context) {
        const size_t bytes = std::max<size_t>(1, size_t(volume(dims)) * dataTypeSize(type));
        void* pages = mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (pages == MAP_FAILED) {
            return ioError(context + ": cannot reserve " + std::to_string(bytes) + " bytes: " + std::strerror(errno));
        }
        auto* view = new HostTensor(HostTensor::view(type, dims, static_cast<std::byte*>(pages)));
        return std::shared_ptr<const HostTensor>(view, [pages, bytes](const HostTensor* tensor) {
            delete tensor;
            munmap(pages, bytes);
        });
    }

    Result<std::shared_ptr<const HostTensor>> readConstant(const plan_proto::WeightRange& range,
                                                           DataType type, const Dims& dims,
                                                           const std::string& context) {
        const uint64_t needed = uint64_t(volume(dims)) * dataTypeSize(type);
        if (range.length() != needed) {
            return bodyError(context + " declares " + std::to_string(range.length()) + " weight bytes, but " +
                             toString(type) + " " + toString(dims) + " needs " + std::to_string(needed));
        }
        if (range.offset() % kPlanWeightAlignment != 0 || range.offset() > m_weights.size() ||
            range.length() > m_weights.size() - range.offset()) {
            return bodyError(context + ": weight bytes " + std::to_string(range.offset()) + "+" +
                             std::to_string(range.length()) +
                             " do not lie at a 64-byte boundary inside the " +
                             std::to_string(m_weights.size()) + "-byte weight blob");
        }
        // Constants that shared their data when written share it again.
        auto& shared = m_constants[std::make_tuple(range.offset(), type, dims)];
        if (!shared) {
            // Read in place: a view of the plan's bytes, which it keeps alive (no copy of the weights).
            auto* where = const_cast<std::byte*>(reinterpret_cast<const std::byte*>(m_weights.data() + range.offset()));
            auto data = std::make_shared<HostTensor>(HostTensor::view(type, dims, where, m_owner));
            shared = std::move(data);
        }
        return shared;
    }

    Status readLayer(const plan_proto::Layer& in, int index) {
        const std::string context = "layer #" + std::to_string(index) + " '" + in.name() + "'";
        KILN_ASSIGN_OR_RETURN(LayerParams params, readParams(in, context));
        std::vector<Tensor*> inputs;
        for (int i = 0; i < in.inputs_size(); ++i) {
            if (in.inputs(i) == -1) {
                inputs.push_back(nullptr);
                continue;
            }
            KILN_ASSIGN_OR_RETURN(Tensor* const input,
                                  tensorAt(in.inputs(i), context + " input " + std::to_string(i)));
            inputs.push_back(input);
        }
        std::vector<std::string> outputNames;
        for (const uint32_t output : in.outputs()) {
            if (output >= m_tensors.size() ||
                m_in.tensors(int(output)).role() != plan_proto::Tensor::ACTIVATION || m_tensors[output]) {
                return bodyError(context + " writes tensor #" + std::to_string(output) +
                                 ", which is not an activation that no other layer writes");
            }
            outputNames.push_back(m_in.tensors(int(output)).name());
        }
        auto layer = m_network.addLayer(in.name(), std::move(params), inputs, outputNames);
        if (!layer.isOk()) return bodyError(layer.status().message());
        for (int i = 0; i < in.outputs_size(); ++i) {
            const plan_proto::Tensor& recorded = m_in.tensors(int(in.outputs(i)));
            Tensor* const produced = (*layer)->output(size_t(i));
            if (uint32_t(produced->type()) != recorded.data_type() ||
                produced->dims() != ints(recorded.dims())) {
                return bodyError(context + " produces " + toString(produced->type()) + " " +
                                 toString(produced->dims()) + " for '" + recorded.name() +
                                 "', but the plan records another type or shape");
            }
            if (recorded.has_dynamic_range()) produced->setDynamicRange(recorded.dynamic_range());
            const uint32_t block = recorded.channel_block();
            if (block != 0 && (block > 64 || (block & (block - 1)) != 0 || produced->dims().size() < 3)) {
                return bodyError(context + ": tensor '" + recorded.name() + "' has channel block " +
                                 std::to_string(block) + ", which no format of a rank-" +
                                 std::to_string(produced->dims().size()) + " tensor has");
            }
            // A channels-last tensor's block is its channel padding; 0 and 1 both mean none.
            TensorFormat format{int(block), recorded.channels_last(), std::nullopt};
            if (format.channelsLast && produced->dims().size() < 3) {
                return bodyError(context + ": tensor '" + recorded.name() + "' is channels-last with rank " +
                                 std::to_string(produced->dims().size()) + "; channels-last tensors have spatial axes");
            }
            if (recorded.has_storage_type()) {
                const uint32_t storage = recorded.storage_type();
                if ((storage != uint32_t(DataType::Float16) && storage != uint32_t(DataType::BFloat16) &&
                     storage != uint32_t(DataType::Int8)) ||
                    produced->type() != DataType::Float32) {
                    return bodyError(context + ": tensor '" + recorded.name() + "' of type " +
                                     toString(produced->type()) + " has a storage type no format has");
                }
                format.storage = DataType(storage);
            }
            produced->setFormat(format);
            m_tensors[in.outputs(i)] = produced;
        }
        (*layer)->setProvenance(std::vector<std::string>(in.provenance().begin(), in.provenance().end()));
        if (in.has_precision_constraint()) {
            KILN_ASSIGN_OR_RETURN(
                const DataType precision,
                readEnum(in.precision_constraint(), DataType::Bool, context + ": precision"));
            (*layer)->setPrecisionConstraint(precision);
        }
        return m_network.setElided(*layer, in.elided());
    }

    Status readAlias(int index) {
        const plan_proto::Tensor& in = m_in.tensors(index);
        if (!in.has_alias()) return Status::ok();
        const std::string context = "the alias of tensor '" + in.name() + "'";
        KILN_ASSIGN_OR_RETURN(Tensor* const base, tensorAt(in.alias().base(), context));
        Status status = m_network.setAlias(m_tensors[size_t(index)], base, in.alias().byte_offset());
        return status.isOk() ? Status::ok() : bodyError(status.message());
    }

    // setAlias resolves chains and re-bases earlier aliases; a body whose aliases do not already say
    // where every byte finally lives is not one a writer produced.
    Status checkAlias(int index) const {
        const plan_proto::Tensor& in = m_in.tensors(index);
        const auto& alias = m_tensors[size_t(index)]->alias();
        if (alias.has_value() != in.has_alias() ||
            (alias && (alias->base != m_tensors[in.alias().base()] ||
                       alias->byteOffset != in.alias().byte_offset()))) {
            return bodyError("the alias of tensor '" + in.name() +
                             "' is inconsistent with the other aliases");
        }
        return Status::ok();
    }

    const plan_proto::Network& m_in;
    std::string_view m_weights;
    std::shared_ptr<const void> m_owner;
    NetworkDefinition m_network;
    std::vector<Tensor*> m_tensors;
    std::map<std::tuple<uint64_t, DataType, Dims>, std::shared_ptr<const HostTensor>> m_constants;
};

// The most arena any planner can need: every tensor that owns activation bytes in its own 64-byte
// aligned slot, with no reuse at all. A larger declared arena is not one a writer produced.
int64_t arenaBound(const NetworkDefinition& network) {
    int64_t bound = 0;
    for (const auto& tensor : network.tensors()) {
        if (tensor->isConstant() || tensor->alias()) continue;
        // Saturates: a hostile body may declare enough large tensors to overflow the sum.
        if (__builtin_add_overflow(bound, (byteSizeOf(*tensor) + 63) / 64 * 64, &bound)) {
            return std::numeric_limits<int64_t>::max();
        }
    }
    return bound;
}

Result<MemoryPlan> readMemoryPlan(const plan_proto::MemoryPlan& in, const NetworkDefinition& network) {
    MemoryPlan plan;
    plan.arenaBytes = in.arena_bytes();
    const int64_t bound = arenaBound(network);
    if (plan.arenaBytes < 0 || plan.arenaBytes > bound) {
        return bodyError("the memory plan's arena of " + std::to_string(plan.arenaBytes) +
                         " bytes is not between 0 and " + std::to_string(bound) +
                         ", the size of every activation without reuse");
    }
    for (const auto& entry : in.offsets()) {
        const Tensor* tensor = network.findTensor(entry.tensor());
        if (!tensor || tensor->isConstant()) {
            return bodyError("the memory plan places '" + entry.tensor() +
                             "', which is no activation of the network");
        }
        const int64_t bytes = byteSizeOf(*tensor);
        if (entry.offset() < 0 || entry.offset() > plan.arenaBytes ||
            bytes > plan.arenaBytes - entry.offset()) {
            return bodyError("the memory plan places the " + std::to_string(bytes) + " bytes of '" +
                             entry.tensor() + "' at offset " + std::to_string(entry.offset()) +
                             ", outside the " + std::to_string(plan.arenaBytes) + "-byte arena");
        }
        if (!plan.offsets.emplace(entry.tensor(), entry.offset()).second) {
            return bodyError("the memory plan places '" + entry.tensor() + "' twice");
        }
    }
    return plan;
}

// What the plan's memory plan must satisfy for the engine to compute the right numbers, re-derived from
// the network rather than trusted: blocks start on the arena alignment, an alias lies where its base's
// bytes are, and two blocks live at the same time never share bytes (except a pointwise layer that
// writes over the input it is the last reader of, which the planner does on purpose).
Status checkMemoryPlan(const NetworkDefinition& network, const MemoryPlan& plan) {
    constexpr int64_t kAlignment = 64;  // the planner's kArenaAlignment
    const auto root = [](const Tensor* tensor) { return tensor->alias() ? tensor->alias()->base : tensor; };
    struct Block {
        int64_t offset = 0, bytes = 0, first = 0, last = 0;
    };
    std::map<const Tensor*, Block> blocks;
    for (const auto& tensor : network.tensors()) {
        auto placed = plan.offsets.find(tensor->name());
        // Every activation a layer writes or the caller gives has its bytes somewhere (views live in their base's).
        if (!tensor->isConstant() && !tensor->alias() && placed == plan.offsets.end() &&
            (tensor->producer() || tensor->isNetworkInput())) {
            return bodyError("the memory plan has no place for tensor '" + tensor->name() + "'");
        }
        if (tensor->isConstant() || placed == plan.offsets.end()) continue;
        const Tensor* base = root(tensor.get());
        if (tensor->alias()) {
            auto baseAt = plan.offsets.find(base->name());
            if (baseAt == plan.offsets.end() || placed->second != baseAt->second + tensor->alias()->byteOffset) {
                return bodyError("the memory plan places view '" + tensor->name() + "' at offset " +
                                 std::to_string(placed->second) + ", not inside '" + base->name() + "' where its bytes are");
            }
            continue;
        }
        if (placed->second % kAlignment != 0) {
            return bodyError("the memory plan places '" + tensor->name() + "' at offset " +
                             std::to_string(placed->second) + ", not a multiple of " + std::to_string(kAlignment));
        }
        blocks[base] = {placed->second, byteSizeOf(*base), std::numeric_limits<int64_t>::max(), -1};
    }
    const auto& layers = network.layers();
    const auto touch = [&](const Tensor* tensor, int64_t index) {
        auto it = blocks.find(root(tensor));
        if (it == blocks.end()) return;
        it->second.first = std::min(it->second.first, index);
        it->second.last = std::max(it->second.last, index);
    };
    for (const Tensor* input : network.inputs()) touch(input, -1);
    for (size_t i = 0; i < layers.size(); ++i) {
        for (const Tensor* output : layers[i]->outputs()) touch(output, int64_t(i));
        for (const Tensor* input : layers[i]->inputs()) {
            if (input && !input->isConstant()) touch(input, int64_t(i));
        }
    }
    for (const Tensor* output : network.outputs()) {
        if (!output->isConstant()) touch(output, int64_t(layers.size()));
    }
    // Whether layer `at` is a pointwise layer that writes `written` over `read`, its last use.
    const auto inPlace = [&](int64_t at, const Tensor* read, const Tensor* written, const Block& a, const Block& b) {
        if (at < 0 || at >= int64_t(layers.size()) || a.offset != b.offset || a.bytes != b.bytes) return false;
        const Layer& layer = *layers[size_t(at)];
        const bool pointwise = layer.kind() == LayerKind::Activation || layer.kind() == LayerKind::Unary ||
                               layer.kind() == LayerKind::Elementwise || layer.kind() == LayerKind::PointwiseChain;
        return pointwise && layer.outputs().size() == 1 && layer.output(0) == written && layer.input(0) == read;
    };
    std::vector<std::pair<const Tensor*, Block>> list(blocks.begin(), blocks.end());
    for (size_t i = 0; i < list.size(); ++i) {
        for (size_t j = i + 1; j < list.size(); ++j) {
            const auto& [ta, a] = list[i];
            const auto& [tb, b] = list[j];
            const bool bytesOverlap = a.bytes > 0 && b.bytes > 0 && a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
            const bool timesOverlap = a.first <= b.last && b.first <= a.last;
            if (!bytesOverlap || !timesOverlap) continue;
            if ((a.last == b.first && inPlace(a.last, ta, tb, a, b)) || (b.last == a.first && inPlace(b.last, tb, ta, b, a))) {
                continue;
            }
            return bodyError("the memory plan gives '" + ta->name() + "' and '" + tb->name() +
                             "', which are live at the same time, overlapping bytes (" + std::to_string(a.offset) +
                             "+" + std::to_string(a.bytes) + " and " + std::to_string(b.offset) + "+" +
                             std::to_string(b.bytes) + "); rebuild the plan");
        }
    }
    return Status::ok();
}

template <typename Field>
std::vector<std::string> strings(const Field& field) {
    return std::vector<std::string>(field.begin(), field.end());
}

LayerRecord readLayerRecord(const plan_proto::LayerRecord& in) {
    LayerRecord record;
    record.name = in.name();
    record.kind = in.kind();
    record.parameters = in.parameters();
    record.provenance = strings(in.provenance());
    record.inputs = strings(in.inputs());
    record.outputs = strings(in.outputs());
    record.outputDims = strings(in.output_dims());
    record.precision = in.precision();
    record.tactic = in.tactic();
    record.outputOffsets = ints(in.output_offsets());
    record.elided = in.elided();
    record.outputFormats = strings(in.output_formats());
    for (const auto& c : in.candidates()) {
        record.candidates.push_back({c.tactic(), c.library(), c.milliseconds(), c.skip_reason(),
                                     c.tactic() == in.tactic(),
                                     c.network_milliseconds() > 0.0 ? c.network_milliseconds() : -1.0});
    }
    record.timingFromCache = in.timing_from_cache();
    record.timingReused = in.timing_reused();
    record.timingBatch = in.timing_batch();
    return record;
}

BuildReport readReport(const plan_proto::BuildReport& in) {
    BuildReport report;
    for (const auto& record : in.layers_before())
        report.layersBefore.push_back(readLayerRecord(record));
    for (const auto& record : in.layers_after())
        report.layersAfter.push_back(readLayerRecord(record));
    for (const auto& change : in.changes()) {
        report.changes.push_back(PassChange{change.pass(), change.description(), strings(change.layers()),
                                            change.message_id(), strings(change.message_args())});
    }
    report.arenaBytes = in.arena_bytes();
    report.activationBytes = in.activation_bytes();
    for (const auto& phase : in.phases())
        report.phases.push_back(PhaseTime{phase.phase(), phase.milliseconds()});
    report.timingMilliseconds = in.timing_milliseconds();
    report.timingCacheHits = in.timing_cache_hits();
    report.timingCacheMisses = in.timing_cache_misses();
    report.timingReuses = in.timing_reuses();
    report.threads = in.threads();  // checked by the caller
    report.networkTimedLayers = in.network_timed_layers();
    report.networkChangedLayers = in.network_changed_layers();
    report.networkTimingRounds = in.network_timing_rounds();
    report.networkTimingMilliseconds = in.network_timing_milliseconds();
    report.networkTimingSkipped = in.network_timing_skipped();
    report.networkTimingFromCache = in.network_timing_from_cache();
    report.networkMixedMilliseconds = in.network_mixed_milliseconds();
    report.networkAloneMilliseconds = in.network_alone_milliseconds();
    report.warnings = strings(in.warnings());
    return report;
}

// The tactic of every layer, made again from its id and the weights it prepared at build time (read in
// place from the plan's bytes, which `owner` holds: 64-byte aligned, as the kernels want them).
Result<std::shared_ptr<const detail::CompiledKernels>> readKernels(const plan_proto::Network& in,
                                                                   const NetworkDefinition& network,
                                                                   std::string_view weights,
                                                                   const std::string& backend,
                                                                   const std::shared_ptr<const void>& owner) {
    std::vector<std::string> tacticIds;
    std::vector<std::vector<tactics::WeightBlob>> blobs;
    for (int i = 0; i < in.layers_size(); ++i) {
        const plan_proto::Layer& layer = in.layers(i);
        tacticIds.push_back(layer.tactic());
        blobs.emplace_back();
        for (const plan_proto::WeightRange& range : layer.tactic_weights()) {
            if (range.offset() % kPlanWeightAlignment != 0 || range.offset() > weights.size() ||
                range.length() > weights.size() - range.offset()) {
                return bodyError("layer '" + layer.name() + "': prepared weights " + std::to_string(range.offset()) +
                                 "+" + std::to_string(range.length()) + " do not lie at a 64-byte boundary inside the " +
                                 std::to_string(weights.size()) + "-byte weight blob");
            }
            const auto* first = reinterpret_cast<const std::byte*>(weights.data() + range.offset());
            blobs.back().push_back(tactics::WeightBlob::view(first, range.length(), owner));  // read in place
        }
    }
    auto kernels = detail::instantiateKernels(network, backend, std::move(tacticIds), std::move(blobs));
    if (!kernels.isOk()) return bodyError(kernels.status().message());
    return kernels;
}

// The dynamic-shape section, checked as hostile input: every range inside its input's rank and order,
// the model inside the weight blob, memory sizes that can be allocated, a reader for the model's kind.
Result<std::shared_ptr<detail::DynamicShapes>> readDynamicShapes(const plan_proto::DynamicShapes& in,
                                                                  const NetworkDefinition& network,
                                                                  std::string_view weights, const std::string& backend) {
    constexpr int64_t kMostBytes = int64_t(1) << 40;
    auto dynamic = std::make_shared<detail::DynamicShapes>();
    const plan_proto::WeightRange& range = in.source();
    if (range.offset() > weights.size() || range.length() > weights.size() - range.offset()) {
        return bodyError("the dynamic-shape model (" + std::to_string(range.offset()) + "+" +
                         std::to_string(range.length()) + ") does not lie inside the " +
                         std::to_string(weights.size()) + "-byte weight blob");
    }
    KILN_ASSIGN_OR_RETURN(dynamic->source,
                          readNetworkSource(in.source_kind(), std::string(weights.substr(range.offset(), range.length()))));
    if (in.profiles_size() == 0) return bodyError("the dynamic-shape section has no optimization profile");
    for (int p = 0; p < in.profiles_size(); ++p) {
        const plan_proto::OptimizationProfile& profile = in.profiles(p);
        const std::string where = "optimization profile " + std::to_string(p);
        detail::ProfileInfo info;
        for (const plan_proto::InputShapeRange& input : profile.inputs()) {
            auto shapeTensor = std::find_if(dynamic->source->inputs().begin(), dynamic->source->inputs().end(),
                                            [&](const SourceInput& in) { return in.name == input.input() && in.isShapeTensor; });
            if (shapeTensor != dynamic->source->inputs().end()) {
                // Values, not dimensions: any integers, as many as the shape tensor holds, min <= opt <= max.
                const int64_t count = volume(shapeTensor->dims);
                ShapeRange values{Dims(input.min().begin(), input.min().end()), Dims(input.opt().begin(), input.opt().end()),
                                  Dims(input.max().begin(), input.max().end()), true};
                bool ordered = input.min_size() == count && input.opt_size() == count && input.max_size() == count;
                for (int64_t k = 0; ordered && k < count; ++k) {
                    ordered = values.min[k] <= values.opt[k] && values.opt[k] <= values.max[k];
                }
                if (!ordered) {
                    return bodyError(where + ": shape tensor '" + input.input() + "' has the values " + toString(values) +
                                     ", not " + std::to_string(count) + " ordered values");
                }
                info.profile.inputs[input.input()] = std::move(values);
                continue;
            }
            const Tensor* tensor = network.findTensor(input.input());
            if (!tensor || !tensor->isNetworkInput()) {
                return bodyError(where + " gives shapes for '" + input.input() + "', which is not an input of the network");
            }
            const size_t rank = tensor->dims().size();
            if (size_t(input.min_size()) != rank || size_t(input.opt_size()) != rank || size_t(input.max_size()) != rank) {
                return bodyError(where + ": the ranges of input '" + input.input() + "' do not have its rank " +
                                 std::to_string(rank));
            }
            ShapeRange shapes{Dims(input.min().begin(), input.min().end()), Dims(input.opt().begin(), input.opt().end()),
                              Dims(input.max().begin(), input.max().end())};
            for (size_t axis = 0; axis < rank; ++axis) {
                if (shapes.min[axis] < 0 || shapes.min[axis] > shapes.opt[axis] || shapes.opt[axis] > shapes.max[axis] ||
                    shapes.max[axis] > kMostBytes) {
                    return bodyError(where + ": input '" + input.input() + "' has the range " + toString(shapes));
                }
            }
            info.profile.inputs[input.input()] = std::move(shapes);
        }
        for (const plan_proto::LayerTactic& tactic : profile.tactics()) info.tactics[tactic.layer()] = tactic.tactic();
        if (profile.arena_bytes() < 0 || profile.arena_bytes() > kMostBytes || profile.workspace_bytes() < 0 ||
            profile.workspace_bytes() > kMostBytes) {
            return bodyError(where + " needs " + std::to_string(profile.arena_bytes()) + " bytes of activations and " +
                             std::to_string(profile.workspace_bytes()) + " of workspace, outside 0..2^40");
        }
        info.arenaBytes = profile.arena_bytes();
        info.workspaceBytes = profile.workspace_bytes();
        dynamic->profiles.push_back(std::move(info));
    }
    const plan_proto::ShapeBuildConfig& c = in.config();
    BuilderConfig& config = dynamic->config;
    config.backend = backend;
    config.enableFusion = c.enable_fusion();
    config.fp16 = c.fp16();
    config.bf16 = c.bf16();
    config.int8 = c.int8();
    config.tf32 = c.tf32();
    config.workspaceLimit = c.workspace_limit();
    config.timingIterations = c.timing_iterations();
    config.flushCaches = c.flush_caches();
    if (config.workspaceLimit < 0 || config.timingIterations < 1 || config.timingIterations > 1000) {
        return bodyError("the dynamic-shape build settings are out of range (workspace " +
                         std::to_string(config.workspaceLimit) + ", timing runs " +
                         std::to_string(config.timingIterations) + ")");
    }
    for (const plan_proto::TensorRange& entry : c.dynamic_ranges()) {
        if (!isInt8Range(entry.range())) {
            return bodyError("the dynamic-shape build settings give tensor '" + entry.tensor() + "' the range " +
                             formatInt8Value(entry.range()) + ", outside " + int8RangeLimits() + "; rebuild the plan");
        }
        config.dynamicRanges[entry.tensor()] = entry.range();
    }
    for (const plan_proto::LayerPrecision& entry : c.layer_precisions()) {
        KILN_ASSIGN_OR_RETURN(const DataType precision,
                              readEnum(entry.precision(), DataType::BFloat16, "a layer precision constraint's type"));
        config.layerPrecisions.push_back({entry.pattern(), precision});
    }
    KILN_ASSIGN_OR_RETURN(config.precisionConstraints,
                          readEnum(c.precision_constraints(), PrecisionConstraints::None, "the precision constraints"));
    return dynamic;
}

Status parseBody(std::string_view bytes, const PlanLayout& layout, plan_proto::Plan& body) {
    if (layout.bodyLength > uint64_t(INT_MAX) ||
        !body.ParseFromArray(bytes.data() + kPlanHeaderSize, int(layout.bodyLength))) {
        return invalidModel("the plan body cannot be parsed; rebuild the plan");
    }
    return Status::ok();
}

// A plan's bytes in one 64-byte-aligned allocation (the weights' offsets are 64-byte aligned in the file,
// so they are in memory too), shared by the constants read from it in place.
class PlanBuffer {
public:
    static Result<std::shared_ptr<PlanBuffer>> allocate(uint64_t size, const std::string& what) {
        if (const uint64_t budget = memoryBudgetBytes(); budget > 0 && size > budget) {
            return invalidArgument(what + " is " + formatByteCount(size) + ", more than " + describeMemoryBudget());
        }
        auto buffer = std::make_shared<PlanBuffer>();
        const size_t capacity = std::max<size_t>(kPlanWeightAlignment, (size + 63) / 64 * 64);
        buffer->m_data = static_cast<std::byte*>(std::aligned_alloc(kPlanWeightAlignment, capacity));
        if (!buffer->m_data) {
            return ioError("out of memory reading " + what + ": " + formatByteCount(size) + " could not be allocated");
        }
        buffer->m_size = size_t(size);
        return buffer;
    }
    PlanBuffer() = default;
    PlanBuffer(const PlanBuffer&) = delete;
    PlanBuffer& operator=(const PlanBuffer&) = delete;
    ~PlanBuffer() { std::free(m_data); }
    std::byte* data() { return m_data; }
    std::string_view view() const { return {reinterpret_cast<const char*>(m_data), m_size}; }

private:
    std::byte* m_data = nullptr;
    size_t m_size = 0;
};

// The plan in `buffer`, whose constants and prepared weights are read in place.
Result<std::shared_ptr<Engine>> deserializeBuffer(std::shared_ptr<const PlanBuffer> buffer) {
    const std::string_view bytes = buffer->view();
    KILN_ASSIGN_OR_RETURN(const PlanLayout layout, checkPlanHeader(bytes));
    KILN_RETURN_IF_ERROR(checkPlanStamp(layout.stamp));
    plan_proto::Plan body;
    KILN_RETURN_IF_ERROR(parseBody(bytes, layout, body));
    const std::string_view weights =
        std::string_view(bytes).substr(layout.weightsOffset, layout.weightsLength);
    KILN_ASSIGN_OR_RETURN(NetworkDefinition network, NetworkReader(body.network(), weights, buffer).read());
    KILN_ASSIGN_OR_RETURN(MemoryPlan memory, readMemoryPlan(body.memory(), network));
    KILN_RETURN_IF_ERROR(checkMemoryPlan(network, memory));
    if (body.report().threads() < 0 || body.report().threads() > kMaxThreads) {
        return bodyError("its build report asks for " + std::to_string(body.report().threads()) + " threads");
    }
    // Kernels are made for the threads the engine runs on, as the builder made them: some prepared weights
    // (oneDNN's Winograd convolutions) have a layout that depends on the count.
    std::shared_ptr<const detail::CompiledKernels> kernels;
    {
        const cpu::KernelThreads threads(body.report().threads());
        KILN_ASSIGN_OR_RETURN(kernels, readKernels(body.network(), network, weights, layout.stamp.backend, buffer));
    }
    for (const plan_proto::Tensor& tensor : body.network().tensors()) {
        if (!tensor.omitted()) continue;
        const Tensor* omitted = network.findTensor(tensor.name());
        for (size_t i = 0; i < network.layers().size(); ++i) {
            const Layer& layer = *network.layers()[i];
            const tactics::Kernel* kernel = kernels->layers[i].kernel.get();
            for (size_t index = 0; index < layer.inputs().size(); ++index) {
                if (layer.input(index) == omitted && (!kernel || kernel->readsInput(index))) {
                    return bodyError("constant '" + tensor.name() + "' is omitted, but layer '" + layer.name() +
                                     "' runs a tactic that reads it");
                }
            }
        }
    }
    std::shared_ptr<detail::DynamicShapes> dynamic;
    if (body.has_dynamic()) {
        KILN_ASSIGN_OR_RETURN(dynamic, readDynamicShapes(body.dynamic(), network, weights, layout.stamp.backend));
    }
    auto engine = std::make_shared<Engine>(std::move(network), std::move(memory), readReport(body.report()),
                                           layout.stamp.backend, std::move(kernels));
    if (dynamic) {
        dynamic->root = engine;
        engine->setDynamicShapes(std::move(dynamic));
    }
    return engine;
}

}  // namespace

bool isPlanFile(const std::string& path) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) return false;
    std::ifstream file(path, std::ios::binary);
    char magic[sizeof(kPlanMagic)] = {};
    if (!file.read(magic, sizeof(magic))) return false;
    return std::memcmp(magic, kPlanMagic, sizeof(magic)) == 0;
}

Result<std::shared_ptr<Engine>> deserializePlan(const std::string& bytes) {
    KILN_ASSIGN_OR_RETURN(std::shared_ptr<PlanBuffer> buffer, PlanBuffer::allocate(bytes.size(), "the plan"));
    if (!bytes.empty()) std::memcpy(buffer->data(), bytes.data(), bytes.size());
    return deserializeBuffer(std::move(buffer));
}

Result<std::shared_ptr<Engine>> readPlanFile(const std::string& path) {
    constexpr uint64_t kLargestPlan = uint64_t(1) << 38;  // 256 GiB: weights and a model fit many times over
    // Read once into the buffer the engine's constants stay in.
    KILN_ASSIGN_OR_RETURN(const uint64_t size, boundedFileSize(path, "the plan", kLargestPlan));
    KILN_ASSIGN_OR_RETURN(std::shared_ptr<PlanBuffer> buffer, PlanBuffer::allocate(size, "the plan '" + path + "'"));
    KILN_RETURN_IF_ERROR(readFileInto(path, "the plan", buffer->data(), size));
    auto engine = deserializeBuffer(std::move(buffer));
    if (!engine.isOk()) return engine.status().withContext("'" + path + "'");
    return engine;
}

Result<std::string> planBodyAsText(const std::string& planBytes) {
    KILN_ASSIGN_OR_RETURN(const PlanLayout layout, checkPlanHeader(planBytes));
    plan_proto::Plan body;
    KILN_RETURN_IF_ERROR(parseBody(planBytes, layout, body));
    std::string text;
    if (!google::protobuf::TextFormat::PrintToString(body, &text)) {
        return internalError("the plan body cannot be printed as text");
    }
    return text;
}

Result<std::string> replacePlanBody(const std::string& planBytes, const std::string& bodyText) {
    KILN_ASSIGN_OR_RETURN(const PlanLayout layout, checkPlanHeader(planBytes));
    plan_proto::Plan body;
    if (!google::protobuf::TextFormat::ParseFromString(bodyText, &body)) {
        return invalidArgument("replacePlanBody: the text is not a plan body in protobuf text format");
    }
    std::string bodyBytes;
    if (!body.SerializeToString(&bodyBytes))
        return internalError("replacePlanBody: the body does not serialize");
    return assemblePlan(layout.stamp, bodyBytes,
                        std::string_view(planBytes).substr(layout.weightsOffset, layout.weightsLength));
}

}  // namespace kiln

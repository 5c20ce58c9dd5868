// Engine → plan bytes: the network, memory plan and build report as a protobuf body, and every
// constant's bytes in the weight blob (once per distinct constant, each at a 64-byte boundary).
#include <bit>
#include <map>
#include <set>
#include <type_traits>

#include "io/atomic_file.h"
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

template <typename Field>
void copyInts(Field* field, const std::vector<int64_t>& values) {
    field->Add(values.begin(), values.end());
}

void writeActivation(const ActivationParams& p, plan_proto::Activation& out) {
    out.set_type(uint32_t(p.type));
    out.set_alpha(p.alpha);
    out.set_beta(p.beta);
}

// One overload per LayerParams alternative; each sets its own case of the Layer.params oneof.
void writeParams(const ConvolutionParams& p, plan_proto::Layer& layer) {
    auto& out = *layer.mutable_convolution();
    copyInts(out.mutable_strides(), p.strides);
    copyInts(out.mutable_pads(), p.pads);
    copyInts(out.mutable_dilations(), p.dilations);
    out.set_groups(p.groups);
    if (p.activation) writeActivation(*p.activation, *out.mutable_activation());
    copyInts(out.mutable_output_channels(), p.outputChannels);
}
void writeParams(const DeconvolutionParams& p, plan_proto::Layer& layer) {
    auto& out = *layer.mutable_deconvolution();
    copyInts(out.mutable_strides(), p.strides);
    copyInts(out.mutable_pads(), p.pads);
    copyInts(out.mutable_dilations(), p.dilations);
    copyInts(out.mutable_output_padding(), p.outputPadding);
    out.set_groups(p.groups);
}
void writeParams(const MatMulParams& p, plan_proto::Layer& layer) {
    auto& out = *layer.mutable_mat_mul();
    if (p.activation) writeActivation(*p.activation, *out.mutable_activation());
}
void writeParams(const GemmParams& p, plan_proto::Layer& layer) {
    auto& out = *layer.mutable_gemm();
    out.set_trans_a(p.transA);
    out.set_trans_b(p.transB);
    out.set_alpha(p.alpha);
    out.set_beta(p.beta);
    if (p.activation) writeActivation(*p.activation, *out.mutable_activation());
}
void writeParams(const PoolingParams& p, plan_proto::Layer& layer) {
    auto& out = *layer.mutable_pooling();
    out.set_type(uint32_t(p.type));
    copyInts(out.mutable_kernel(), p.kernel);
    copyInts(out.mutable_strides(), p.strides);
    copyInts(out.mutable_pads(), p.pads);
    copyInts(out.mutable_dilations(), p.dilations);
    out.set_ceil_mode(p.ceilMode);
    out.set_count_include_pad(p.countIncludePad);
}
void writeParams(const LrnParams& p, plan_proto::Layer& layer) {
    auto& out = *layer.mutable_lrn();
    out.set_size(p.size);
    out.set_alpha(p.alpha);
    out.set_beta(p.beta);
    out.set_bias(p.bias);
}
void writeParams(const BatchNormParams& p, plan_proto::Layer& layer) {
    layer.mutable_batch_norm()->set_epsilon(p.epsilon);
}
void writeParams(const InstanceNormParams& p, plan_proto::Layer& layer) {
    layer.mutable_instance_norm()->set_epsilon(p.epsilon);
}
void writeParams(const SoftmaxParams& p, plan_proto::Layer& layer) {
    auto& out = *layer.mutable_softmax();
    out.set_axis(p.axis);
    out.set_log(p.log);
    out.set_flatten_from_axis(p.flattenFromAxis);
}
void writeParams(const ActivationParams& p, plan_proto::Layer& layer) {
    writeActivation(p, *layer.mutable_activation());
}
void writeParams(const UnaryParams& p, plan_proto::Layer& layer) {
    layer.mutable_unary()->set_op(uint32_t(p.op));
}
void writeParams(const ElementwiseParams& p, plan_proto::Layer& layer) {
    layer.mutable_elementwise()->set_op(uint32_t(p.op));
}
void writeParams(const SelectParams&, plan_proto::Layer& layer) {
    layer.mutable_select();
}
void writeParams(const ReduceParams& p, plan_proto::Layer& layer) {
    auto& out = *layer.mutable_reduce();
    out.set_op(uint32_t(p.op));
    copyInts(out.mutable_axes(), p.axes);
    out.set_keep_dims(p.keepDims);
}
void writeParams(const ArgMinMaxParams& p, plan_proto::Layer& layer) {
    auto& out = *layer.mutable_arg_min_max();
    out.set_max(p.max);
    out.set_axis(p.axis);
    out.set_keep_dims(p.keepDims);
    out.set_select_last_index(p.selectLastIndex);
}
void writeParams(const ConcatParams& p, plan_proto::Layer& layer) {
    layer.mutable_concat()->set_axis(p.axis);
}
void writeParams(const SplitParams& p, plan_proto::Layer& layer) {
    auto& out = *layer.mutable_split();
    out.set_axis(p.axis);
    copyInts(out.mutable_sizes(), p.sizes);
}
void writeParams(const SliceParams& p, plan_proto::Layer& layer) {
    auto& out = *layer.mutable_slice();
    copyInts(out.mutable_starts(), p.starts);
    copyInts(out.mutable_ends(), p.ends);
    copyInts(out.mutable_steps(), p.steps);
}
void writeParams(const ReshapeParams& p, plan_proto::Layer& layer) {
    copyInts(layer.mutable_reshape()->mutable_output_dims(), p.outputDims);
}
void writeParams(const TransposeParams& p, plan_proto::Layer& layer) {
    copyInts(layer.mutable_transpose()->mutable_perm(), p.perm);
}
void writeParams(const GatherParams& p, plan_proto::Layer& layer) {
    layer.mutable_gather()->set_axis(p.axis);
}
void writeParams(const PadParams& p, plan_proto::Layer& layer) {
    auto& out = *layer.mutable_pad();
    out.set_mode(uint32_t(p.mode));
    copyInts(out.mutable_pads(), p.pads);
    out.set_value(p.value);
}
void writeParams(const ResizeParams& p, plan_proto::Layer& layer) {
    auto& out = *layer.mutable_resize();
    out.set_mode(uint32_t(p.mode));
    out.set_coordinate_mode(uint32_t(p.coordinateMode));
    out.set_nearest_mode(uint32_t(p.nearestMode));
    copyInts(out.mutable_output_dims(), p.outputDims);
    out.mutable_scales()->Add(p.scales.begin(), p.scales.end());
}
void writeParams(const CastParams& p, plan_proto::Layer& layer) {
    layer.mutable_cast()->set_to(uint32_t(p.to));
}
void writeParams(const ExpandParams& p, plan_proto::Layer& layer) {
    copyInts(layer.mutable_expand()->mutable_output_dims(), p.outputDims);
}
void writeParams(const TileParams& p, plan_proto::Layer& layer) {
    copyInts(layer.mutable_tile()->mutable_repeats(), p.repeats);
}
void writeParams(const DepthToSpaceParams& p, plan_proto::Layer& layer) {
    auto& out = *layer.mutable_depth_to_space();
    out.set_block_size(p.blockSize);
    out.set_column_row_depth(p.columnRowDepth);
}
void writeParams(const SpaceToDepthParams& p, plan_proto::Layer& layer) {
    layer.mutable_space_to_depth()->set_block_size(p.blockSize);
}
void writeParams(const IdentityParams&, plan_proto::Layer& layer) {
    layer.mutable_identity();
}
void writeParams(const ReformatParams&, plan_proto::Layer& layer) {
    layer.mutable_reformat();
}
void writeParams(const QuantizeParams& p, plan_proto::Layer& layer) {
    layer.mutable_quantize()->set_axis(p.axis);
}
void writeParams(const DequantizeParams& p, plan_proto::Layer& layer) {
    layer.mutable_dequantize()->set_axis(p.axis);
}
void writeParams(const LayerNormParams& p, plan_proto::Layer& layer) {
    auto& out = *layer.mutable_layer_norm();
    out.set_axis(p.axis);
    out.set_epsilon(p.epsilon);
}
void writeParams(const PluginParams& p, plan_proto::Layer& layer) {
    auto& out = *layer.mutable_plugin();
    if (!p.plugin) return;
    out.set_name(p.plugin->name());
    out.set_version(p.plugin->version());
    out.set_plugin_namespace(p.plugin->pluginNamespace());
    const std::vector<uint8_t> data = p.plugin->serialize();
    out.set_data(std::string(data.begin(), data.end()));
}
void writeParams(const AttentionParams& p, plan_proto::Layer& layer) {
    auto& out = *layer.mutable_attention();
    out.set_scale(p.scale);
    copyInts(out.mutable_query_perm(), p.queryPerm);
    copyInts(out.mutable_key_perm(), p.keyPerm);
    copyInts(out.mutable_value_perm(), p.valuePerm);
    copyInts(out.mutable_output_perm(), p.outputPerm);
}
void writeParams(const PointwiseChainParams& p, plan_proto::Layer& layer) {
    auto& out = *layer.mutable_pointwise_chain();
    for (const PointwiseStep& step : p.steps) {
        auto& s = *out.add_steps();
        s.set_kind(uint32_t(step.kind));
        writeActivation(step.activation, *s.mutable_activation());
        s.set_unary(uint32_t(step.unary));
        s.set_op(uint32_t(step.op));
        s.set_operand(step.operand);
        s.set_shift_operand(step.shiftOperand);
        s.set_operand_first(step.operandFirst);
    }
}

class NetworkWriter {
public:
    NetworkWriter(const NetworkDefinition& network, std::string& weights)
        : m_network(network), m_weights(weights) {}

    // The tactics and prepared weights of `kernels` go with the layers.
    void setKernels(const detail::CompiledKernels* kernels) { m_kernels = kernels; }

    Status write(plan_proto::Network& out) {
        out.set_name(m_network.name());
        findOmittedConstants();
        for (const Tensor* input : m_network.inputs())
            addTensor(*input, plan_proto::Tensor::INPUT, out);
        for (const auto& tensor : m_network.tensors()) {
            if (tensor->isConstant()) addTensor(*tensor, plan_proto::Tensor::CONSTANT, out);
        }
        for (const auto& layer : m_network.layers()) {
            for (const Tensor* output : layer->outputs())
                addTensor(*output, plan_proto::Tensor::ACTIVATION, out);
        }
        for (size_t i = 0; i < m_network.layers().size(); ++i) {
            plan_proto::Layer& layer = *out.add_layers();
            KILN_RETURN_IF_ERROR(writeLayer(*m_network.layers()[i], layer));
            if (m_kernels && i < m_kernels->layers.size()) {
                const detail::LayerKernel& kernel = m_kernels->layers[i];
                layer.set_tactic(kernel.tacticId);
                for (const tactics::WeightBlob& blob : kernel.weights) {
                    *layer.add_tactic_weights() = appendWeights(blob.data(), blob.size());
                }
            }
        }
        for (const auto& tensor : m_network.tensors()) {
            if (!tensor->alias()) continue;
            KILN_ASSIGN_OR_RETURN(const uint32_t index, indexOf(tensor.get(), "an aliased tensor"));
            KILN_ASSIGN_OR_RETURN(const uint32_t base, indexOf(tensor->alias()->base, "an alias base"));
            auto& alias = *out.mutable_tensors(int(index))->mutable_alias();
            alias.set_base(base);
            alias.set_byte_offset(tensor->alias()->byteOffset);
        }
        for (const Tensor* output : m_network.outputs()) {
            KILN_ASSIGN_OR_RETURN(const uint32_t index, indexOf(output, "a network output"));
            out.add_outputs(index);
        }
        return Status::ok();
    }

    // Whether `name` is a tensor the plan holds.
    bool holds(const std::string& name) const {
        const Tensor* tensor = m_network.findTensor(name);
        return tensor && m_indices.count(tensor);
    }

private:
    void addTensor(const Tensor& tensor, plan_proto::Tensor::Role role, plan_proto::Network& out) {
        m_indices[&tensor] = uint32_t(out.tensors_size());
        auto& record = *out.add_tensors();
        record.set_name(tensor.name());
        record.set_role(role);
        record.set_data_type(uint32_t(tensor.type()));
        copyInts(record.mutable_dims(), tensor.dims());
        if (tensor.dynamicRange()) record.set_dynamic_range(*tensor.dynamicRange());
        record.set_channel_block(uint32_t(tensor.format().channelBlock));
        record.set_channels_last(tensor.format().channelsLast);
        if (tensor.format().storage) record.set_storage_type(uint32_t(*tensor.format().storage));
        if (role == plan_proto::Tensor::CONSTANT && m_omitted.count(&tensor)) {
            record.set_omitted(true);
        } else if (role == plan_proto::Tensor::CONSTANT) {
            const HostTensor& data = *tensor.constantData();
            auto [it, added] = m_constants.try_emplace(&data);
            if (added) it->second = appendWeights(data.bytes(), data.byteSize());
            *record.mutable_constant() = it->second;
        }
    }

    // Constants that only kernels with their own prepared copy read: the plan stores their shapes only.
    void findOmittedConstants() {
        if (!m_kernels || m_kernels->layers.size() != m_network.layers().size()) return;
        std::map<const Tensor*, bool> replaceable;
        for (size_t i = 0; i < m_network.layers().size(); ++i) {
            const tactics::Kernel* kernel = m_kernels->layers[i].kernel.get();
            const auto& inputs = m_network.layers()[i]->inputs();
            for (size_t index = 0; index < inputs.size(); ++index) {
                const Tensor* input = inputs[index];
                if (!input || !input->isConstant()) continue;
                const bool replaced = kernel && !kernel->readsInput(index);
                auto [it, added] = replaceable.emplace(input, replaced);
                if (!added) it->second = it->second && replaced;
            }
        }
        for (const Tensor* output : m_network.outputs()) replaceable[output] = false;
        for (const auto& [tensor, replaced] : replaceable) {
            if (replaced) m_omitted.insert(tensor);
        }
    }

    plan_proto::WeightRange appendWeights(const std::byte* bytes, size_t size) {
        m_weights.resize((m_weights.size() + kPlanWeightAlignment - 1) / kPlanWeightAlignment * kPlanWeightAlignment);
        plan_proto::WeightRange range;
        range.set_offset(m_weights.size());
        range.set_length(size);
        m_weights.append(reinterpret_cast<const char*>(bytes), size);
        return range;
    }

    Result<uint32_t> indexOf(const Tensor* tensor, const char* what) const {
        const auto it = m_indices.find(tensor);
        if (it == m_indices.end()) {
            return internalError("cannot write the plan: " + std::string(what) + ", tensor '" +
                                 tensor->name() +
                                 "', is not an input, a constant or a layer output; validate the network");
        }
        return it->second;
    }

    Status writeLayer(const Layer& layer, plan_proto::Layer& out) {
        out.set_name(layer.name());
        std::visit([&out](const auto& p) { writeParams(p, out); }, layer.params());
        for (const Tensor* input : layer.inputs()) {
            if (!input) {
                out.add_inputs(-1);
                continue;
            }
            KILN_ASSIGN_OR_RETURN(const uint32_t index, indexOf(input, "a layer input"));
            out.add_inputs(index);
        }
        for (const Tensor* output : layer.outputs())
            out.add_outputs(m_indices.at(output));
        for (const std::string& node : layer.provenance())
            out.add_provenance(node);
        out.set_elided(layer.isElided());
        if (layer.precisionConstraint()) out.set_precision_constraint(uint32_t(*layer.precisionConstraint()));
        return Status::ok();
    }

    const NetworkDefinition& m_network;
    std::string& m_weights;
    const detail::CompiledKernels* m_kernels = nullptr;
    std::set<const Tensor*> m_omitted;
    std::map<const Tensor*, uint32_t> m_indices;
    std::map<const HostTensor*, plan_proto::WeightRange> m_constants;
};

void writeLayerRecord(const LayerRecord& record, plan_proto::LayerRecord& out) {
    out.set_name(record.name);
    out.set_kind(record.kind);
    out.set_parameters(record.parameters);
    for (const auto& node : record.provenance)
        out.add_provenance(node);
    for (const auto& name : record.inputs)
        out.add_inputs(name);
    for (const auto& name : record.outputs)
        out.add_outputs(name);
    for (const auto& dims : record.outputDims)
        out.add_output_dims(dims);
    out.set_precision(record.precision);
    out.set_tactic(record.tactic);
    copyInts(out.mutable_output_offsets(), record.outputOffsets);
    out.set_elided(record.elided);
    for (const auto& format : record.outputFormats)
        out.add_output_formats(format);
    for (const TacticCandidate& candidate : record.candidates) {
        auto& c = *out.add_candidates();
        c.set_tactic(candidate.tactic);
        c.set_library(candidate.library);
        c.set_milliseconds(candidate.milliseconds);
        c.set_skip_reason(candidate.skipReason);
        if (candidate.networkMilliseconds > 0.0) c.set_network_milliseconds(candidate.networkMilliseconds);
    }
    out.set_timing_from_cache(record.timingFromCache);
    out.set_timing_reused(record.timingReused);
    out.set_timing_batch(record.timingBatch);
}

void writeReport(const BuildReport& report, plan_proto::BuildReport& out) {
    for (const auto& record : report.layersBefore)
        writeLayerRecord(record, *out.add_layers_before());
    for (const auto& record : report.layersAfter)
        writeLayerRecord(record, *out.add_layers_after());
    for (const auto& change : report.changes) {
        auto& record = *out.add_changes();
        record.set_pass(change.pass);
        record.set_description(change.description);
        for (const auto& name : change.layers)
            record.add_layers(name);
        record.set_message_id(change.messageId);
        for (const auto& arg : change.messageArgs)
            record.add_message_args(arg);
    }
    out.set_arena_bytes(report.arenaBytes);
    out.set_activation_bytes(report.activationBytes);
    for (const auto& phase : report.phases) {
        auto& record = *out.add_phases();
        record.set_phase(phase.phase);
        record.set_milliseconds(phase.milliseconds);
    }
    out.set_timing_milliseconds(report.timingMilliseconds);
    out.set_timing_cache_hits(report.timingCacheHits);
    out.set_timing_cache_misses(report.timingCacheMisses);
    out.set_timing_reuses(report.timingReuses);
    out.set_threads(report.threads);
    out.set_network_timed_layers(report.networkTimedLayers);
    out.set_network_changed_layers(report.networkChangedLayers);
    out.set_network_timing_rounds(report.networkTimingRounds);
    out.set_network_timing_milliseconds(report.networkTimingMilliseconds);
    out.set_network_timing_skipped(report.networkTimingSkipped);
    out.set_network_timing_from_cache(report.networkTimingFromCache);
    out.set_network_mixed_milliseconds(report.networkMixedMilliseconds);
    out.set_network_alone_milliseconds(report.networkAloneMilliseconds);
    for (const auto& warning : report.warnings)
        out.add_warnings(warning);
}

void writeDynamicShapes(const detail::DynamicShapes& dynamic, std::string& weights, plan_proto::DynamicShapes& out) {
    out.set_source_kind(dynamic.source->kind());
    const std::string& source = dynamic.source->bytes();
    weights.resize((weights.size() + kPlanWeightAlignment - 1) / kPlanWeightAlignment * kPlanWeightAlignment);
    out.mutable_source()->set_offset(weights.size());
    out.mutable_source()->set_length(source.size());
    weights += source;
    for (const detail::ProfileInfo& info : dynamic.profiles) {
        auto& profile = *out.add_profiles();
        for (const auto& [name, range] : info.profile.inputs) {
            auto& input = *profile.add_inputs();
            input.set_input(name);
            copyInts(input.mutable_min(), range.min);
            copyInts(input.mutable_opt(), range.opt);
            copyInts(input.mutable_max(), range.max);
        }
        for (const auto& [layer, tactic] : info.tactics) {
            auto& entry = *profile.add_tactics();
            entry.set_layer(layer);
            entry.set_tactic(tactic);
        }
        profile.set_arena_bytes(info.arenaBytes);
        profile.set_workspace_bytes(info.workspaceBytes);
    }
    const BuilderConfig& config = dynamic.config;
    auto& c = *out.mutable_config();
    c.set_enable_fusion(config.enableFusion);
    c.set_fp16(config.fp16);
    c.set_bf16(config.bf16);
    c.set_int8(config.int8);
    c.set_tf32(config.tf32);
    c.set_workspace_limit(config.workspaceLimit);
    c.set_timing_iterations(config.timingIterations);
    c.set_flush_caches(config.flushCaches);
    for (const auto& [tensor, range] : config.dynamicRanges) {
        auto& entry = *c.add_dynamic_ranges();
        entry.set_tensor(tensor);
        entry.set_range(range);
    }
    for (const LayerPrecision& constraint : config.layerPrecisions) {
        auto& entry = *c.add_layer_precisions();
        entry.set_pattern(constraint.pattern);
        entry.set_precision(uint32_t(constraint.precision));
    }
    c.set_precision_constraints(uint32_t(config.precisionConstraints));
}

}  // namespace

Result<std::string> serializePlanStamped(const Engine& engine, const PlanStamp& stamp) {
    plan_proto::Plan body;
    std::string weights;
    NetworkWriter network(engine.network(), weights);
    network.setKernels(&engine.kernels());
    KILN_RETURN_IF_ERROR(network.write(*body.mutable_network()));

    auto& memory = *body.mutable_memory();
    memory.set_arena_bytes(engine.memoryPlan().arenaBytes);
    for (const auto& [name, offset] : engine.memoryPlan().offsets) {
        if (!network.holds(name)) {
            return internalError("cannot write the plan: the memory plan places tensor '" + name +
                                 "', which is not in the network; plan the memory of the final network");
        }
        auto& entry = *memory.add_offsets();
        entry.set_tensor(name);
        entry.set_offset(offset);
    }
    writeReport(engine.report(), *body.mutable_report());
    if (const detail::DynamicShapes* dynamic = engine.dynamicShapes()) {
        writeDynamicShapes(*dynamic, weights, *body.mutable_dynamic());
    }

    std::string bodyBytes;
    if (!body.SerializeToString(&bodyBytes)) {
        return internalError("cannot write the plan: the body does not serialize (it may exceed 2 GiB)");
    }
    return assemblePlan(stamp, bodyBytes, weights);
}

Result<std::string> serializePlan(const Engine& engine) {
    return serializePlanStamped(engine, currentPlanStamp(engine.backend()));
}

Status writePlanFile(const std::string& path, const Engine& engine) {
    KILN_ASSIGN_OR_RETURN(const std::string bytes, serializePlan(engine));
    return writeFileAtomically(path, bytes);
}

}  // namespace kiln

// Format assignment in two steps. The forward step walks the layers in order and gives each layer one
// format for the tensors it reads and writes, from what the layer wants and what its input already
// is; tensors that share memory (aliases) must agree, and a group that cannot be blocked as a whole is
// made linear and the walk repeated. The second step inserts the reformats.
#include "builder/format_assignment.h"

#include <fnmatch.h>

#include <algorithm>
#include <map>

#include "passes/pass_helpers.h"

namespace kiln::builder {

namespace {

enum class Role {
    Blocked,      // wants blocked tensors (convolution, pooling, LRN)
    PassThrough,  // runs in its input's format (pointwise, channel concat)
    Permute,  // a CPU transpose: reads its input blocked where it is, writes blocked where a reader wants it
    Linear,   // reads and writes linear tensors
};

bool blockable(const Tensor* tensor) {
    return tensor && !tensor->isConstant() && tensor->type() == DataType::Float32 && tensor->dims().size() >= 3 &&
           tensor->dims().size() <= 5;
}

// [N or 1, C, 1, ...] once broadcast to the output's rank (ONNX aligns ranks on the right, so [C, 1, 1]
// counts): one value per channel, broadcast over the spatial axes.
bool isPerChannel(const Dims& dims, const Dims& output) {
    if (dims.size() > output.size()) return false;
    Dims aligned(output.size() - dims.size(), 1);
    aligned.insert(aligned.end(), dims.begin(), dims.end());
    if (aligned[1] != output[1] || (aligned[0] != 1 && aligned[0] != output[0])) return false;
    return std::all_of(aligned.begin() + 2, aligned.end(), [](int64_t extent) { return extent == 1; });
}

// Whether `preferred` is the CPU's channel-blocked FP32 format, which Kiln's pointwise kernels and
// transposes read and write beside linear operands.
bool cpuBlocked(TensorFormat preferred) {
    return preferred.isBlocked() && !preferred.storage;
}

// A constant operand other than a single value runs blocked where it holds one value per channel and
// the kernels take it linear beside the blocked data (the CPU's: a layer scale, a per-channel bias).
bool elementwiseRunsBlocked(const Layer& layer, TensorFormat preferred) {
    switch (layer.paramsAs<ElementwiseParams>().op) {
        case ElementwiseOp::Add: case ElementwiseOp::Sub: case ElementwiseOp::Mul: case ElementwiseOp::Div:
        case ElementwiseOp::Max: case ElementwiseOp::Min: break;
        default: return false;
    }
    const Dims& output = layer.output(0)->dims();
    for (const Tensor* input : layer.inputs()) {
        if (input->isConstant()) {
            if (volume(input->dims()) != 1 &&
                !(cpuBlocked(preferred) && isPerChannel(input->dims(), output))) {
                return false;
            }
        } else if (input->dims() != output && !isPerChannel(input->dims(), output)) {
            return false;
        }
    }
    return true;
}

bool concatRunsBlocked(const Layer& layer, int block) {
    if (layer.paramsAs<ConcatParams>().axis != 1) return false;
    for (size_t i = 0; i + 1 < layer.inputs().size(); ++i) {
        if (layer.input(i)->dims()[1] % std::max(block, 1) != 0) return false;
    }
    return true;
}

// Pooling whose window is the whole unpadded input: one value per channel.
bool isGlobalPooling(const Layer& layer) {
    const PoolingParams& p = layer.paramsAs<PoolingParams>();
    const Dims& dims = layer.input(0)->dims();
    return dims.size() >= 3 && p.kernel == std::vector<int64_t>(dims.begin() + 2, dims.end()) &&
           std::all_of(p.pads.begin(), p.pads.end(), [](int64_t pad) { return pad == 0; }) &&
           std::all_of(p.dilations.begin(), p.dilations.end(), [](int64_t d) { return d == 1; });
}

// The input whose format a pass-through layer follows: the first activation of the output's shape.
const Tensor* primaryInput(const Layer& layer) {
    for (const Tensor* input : layer.inputs()) {
        if (input && !input->isConstant() && input->dims() == layer.output(0)->dims()) return input;
    }
    return layer.input(0);
}

// Channels-last concats copy every input's channels wherever they start, so any channel counts do. An
// elementwise layer's data is its primary input, wherever it stands (PyTorch writes a layer scale first).
Role roleOf(const Layer& layer, TensorFormat preferred, const std::set<std::string>& linearLayers) {
    const int block = preferred.channelBlock;
    const bool channelsLast = preferred.channelsLast;
    const Tensor* data = layer.kind() == LayerKind::Elementwise ? primaryInput(layer) : layer.input(0);
    if (linearLayers.count(layer.name()) || !blockable(data) ||
        !std::all_of(layer.outputs().begin(), layer.outputs().end(), blockable)) {
        return Role::Linear;
    }
    switch (layer.kind()) {
        case LayerKind::Convolution:
        case LayerKind::Pooling:
        case LayerKind::Lrn: return Role::Blocked;
        case LayerKind::PointwiseChain:
        case LayerKind::Activation:
        case LayerKind::BatchNorm: return Role::PassThrough;
        case LayerKind::Unary: return layer.paramsAs<UnaryParams>().op == UnaryOp::Not ? Role::Linear : Role::PassThrough;
        case LayerKind::Elementwise:
            return elementwiseRunsBlocked(layer, preferred) ? Role::PassThrough : Role::Linear;
        case LayerKind::Transpose:
            return cpuBlocked(preferred) ? Role::Permute : Role::Linear;
        case LayerKind::Concat: return concatRunsBlocked(layer, channelsLast ? 1 : block) ? Role::PassThrough : Role::Linear;
        default: return Role::Linear;
    }
}

// Whether the tensors aliasing `base` can all be blocked: each is a channel slice of the base (same
// rank, same other extents, batch 1) starting on a block boundary, and only the last may end off one.
// Channels-last tensors have no contiguous channel slices, and byte offsets assume the tensor's own
// type, so a group of aliases is only ever blocked in its own type.
bool aliasGroupBlockable(const NetworkDefinition& network, const Tensor* base, TensorFormat preferred) {
    if (!blockable(base) || !preferred.isBlocked() || preferred.storage) return false;
    const int block = preferred.channelBlock;
    const Dims& dims = base->dims();
    const int64_t channelBytes = volume(dims) / std::max<int64_t>(dims[1], 1) * int64_t(dataTypeSize(base->type()));
    for (const auto& tensor : network.tensors()) {
        if (!tensor->alias() || tensor->alias()->base != base) continue;
        const Dims& slice = tensor->dims();
        if (!blockable(tensor.get()) || slice.size() != dims.size() || dims[0] != 1 || channelBytes == 0) return false;
        for (size_t axis = 2; axis < dims.size(); ++axis) {
            if (slice[axis] != dims[axis]) return false;
        }
        const int64_t offset = tensor->alias()->byteOffset;
        if (offset % channelBytes != 0) return false;
        const int64_t firstChannel = offset / channelBytes;
        if (firstChannel % block != 0) return false;
        if (slice[1] % block != 0 && firstChannel + slice[1] != dims[1]) return false;
    }
    return true;
}

const Tensor* aliasRoot(const Tensor* tensor) { return tensor->alias() ? tensor->alias()->base : tensor; }

class FormatAssigner {
public:
    FormatAssigner(NetworkDefinition& network, TensorFormat preferred, const std::set<std::string>& linearLayers,
                   const std::map<std::string, TensorFormat>& layerPreferred)
        : m_network(network), m_preferred(preferred), m_linearLayers(linearLayers), m_layerPreferred(layerPreferred) {}

    Status run(passes::PassLog& log) {
        for (const Tensor* output : m_network.outputs()) m_forcedLinear.insert(aliasRoot(output));
        for (const auto& tensor : m_network.tensors()) {
            if (tensor->alias() && !aliasGroupBlockable(m_network, tensor->alias()->base, m_preferred)) {
                m_forcedLinear.insert(tensor->alias()->base);
            }
        }
        KILN_RETURN_IF_ERROR(detachConvolutionsFromLinearSlices());
        // Each repetition makes at least one more alias group linear, so this ends.
        while (!chooseFormats()) {
        }
        for (const auto& tensor : m_network.tensors()) {
            auto it = m_formats.find(tensor.get());
            tensor->setFormat(it == m_formats.end() ? TensorFormat{} : it->second);
        }
        return insertReformats(log);
    }

private:
    // The format `layer` wants where its kind runs in a preferred format.
    TensorFormat preferredFor(const Layer& layer) const {
        auto it = m_layerPreferred.find(layer.name());
        return it == m_layerPreferred.end() ? m_preferred : it->second;
    }

    // A convolution that writes a slice of a concat that stays linear (inputs that do not start on
    // block boundaries: ShuffleNetV2's halves of 58, 116 and 232 channels) would run linear too, where
    // oneDNN has only its GEMM-based kernels (a 58-channel 1x1 convolution at 28x28: 0.12 ms against
    // 0.035 ms blocked). It keeps its output as a tensor of its own, which runs blocked, and a reformat
    // copies that into the slice (about a tenth of the convolution's time); the concat and any other
    // view of the slice read the copy. Only where the convolution's format stores FP32 (not in a
    // BF16 or FP16 build's layers): a reduced-precision output would also change what the slice holds.
    Status detachConvolutionsFromLinearSlices() {
        std::vector<Tensor*> slices;
        for (const auto& tensor : m_network.tensors()) {
            if (tensor->alias() && m_forcedLinear.count(tensor->alias()->base) && !tensor->isNetworkOutput()) {
                slices.push_back(tensor.get());
            }
        }
        const size_t detachedBefore = m_detached.size();
        for (Tensor* slice : slices) {
            Layer* producer = slice->producer();
            if (!producer || producer->kind() != LayerKind::Convolution || producer->isElided() ||
                producer->outputs().size() != 1 || m_linearLayers.count(producer->name())) {
                continue;
            }
            const TensorFormat preferred = preferredFor(*producer);
            if (!preferred.isBlocked() || preferred.storage ||
                roleOf(*producer, preferred, m_linearLayers) != Role::Blocked) {
                continue;
            }
            const TensorAlias place = *slice->alias();
            std::vector<Layer*> views;  // elided layers (the concat) that take the slice where it lies
            for (Layer* reader : m_network.consumersOf(slice)) {
                if (reader->isElided()) views.push_back(reader);
            }
            const std::string linear = toString(TensorFormat{}, slice->dims().size());
            KILN_ASSIGN_OR_RETURN(
                Layer * copy,
                m_network.addLayer(passes::freshLayerName(m_network, "Reformat " + slice->name() + " to " + linear),
                                   ReformatParams{}, {slice},
                                   {passes::freshTensorName(m_network, slice->name() + " (" + linear + ")")}));
            Tensor* placed = copy->output(0);
            if (slice->dynamicRange()) placed->setDynamicRange(*slice->dynamicRange());
            KILN_RETURN_IF_ERROR(m_network.clearAlias(slice));
            KILN_RETURN_IF_ERROR(m_network.setAlias(placed, place.base, place.byteOffset));
            for (Layer* view : views) {
                std::vector<Tensor*> inputs = view->inputs();
                std::replace(inputs.begin(), inputs.end(), slice, placed);
                KILN_RETURN_IF_ERROR(m_network.updateLayer(view, view->params(), inputs));
            }
            m_detached.insert(copy);
        }
        return m_detached.size() > detachedBefore ? m_network.sortTopologically() : Status::ok();
    }

    // One forward walk; false when an alias group had to be made linear and the walk must be redone.
    // "Linear" for an alias group means linear in the tensor's own type.
    bool chooseFormats() {
        m_formats.clear();
        m_layerFormats.clear();
        m_permuteReadsBlocked.clear();
        std::map<const Tensor*, TensorFormat> groupFormats;
        for (const auto& layer : m_network.layers()) {
            const TensorFormat preferred = preferredFor(*layer);
            const Role role = roleOf(*layer, preferred, m_linearLayers);
            bool blocked = false;
            if (role == Role::Blocked) {
                blocked = true;
            } else if (role == Role::PassThrough) {
                const TensorFormat input = formatOf(primaryInput(*layer));
                blocked = input.channelBlock == preferred.channelBlock && input.channelsLast == preferred.channelsLast &&
                          !input.isLinear();
            } else if (role == Role::Permute) {
                // Blocks move whole only where the channels fill them.
                const int64_t block = preferred.channelBlock;
                const Tensor* input = layer->input(0);
                m_permuteReadsBlocked[layer.get()] =
                    formatOf(input) == preferred && input->dims()[1] % block == 0;
                blocked = layer->output(0)->dims()[1] % block == 0 && readersWantBlocked(layer->output(0), 0);
            }
            bool forced = false;
            for (const Tensor* output : layer->outputs()) {
                if (m_forcedLinear.count(aliasRoot(output))) forced = true;
            }
            if (forced) blocked = false;
            // In a reduced-precision build the other layers keep linear tensors, stored in the reduced
            // type too; network outputs, views and the layers named linear keep their own type.
            const TensorFormat linear =
                forced || m_linearLayers.count(layer->name()) ? TensorFormat{} : TensorFormat{0, false, preferred.storage};
            m_layerFormats[layer.get()] = blocked ? preferred : linear;
            for (const Tensor* output : layer->outputs()) {
                const TensorFormat format = storable(blocked && blockable(output) ? preferred
                                                     : output->type() == DataType::Float32 ? linear
                                                                                           : TensorFormat{},
                                                     output);
                m_formats[output] = format;
                const Tensor* root = aliasRoot(output);
                if (root == output && !hasAliases(output)) continue;
                auto [it, inserted] = groupFormats.emplace(root, format);
                if (!inserted && !(it->second == format)) {
                    m_forcedLinear.insert(root);
                    return false;
                }
            }
        }
        return true;
    }

    // Whether a layer reading `tensor` wants it blocked: a convolution or pooling, another transpose
    // (which moves blocks as cheaply as rows: ConvNeXt's last block of a stage, whose residual add goes
    // to the downsampling layer norm's transpose), or a pass-through layer that follows it and whose own
    // readers do (a layer scale and a residual add before the next block's convolution). A transpose
    // writes blocked only for such readers: others would reformat it back.
    bool readersWantBlocked(const Tensor* tensor, int depth) const {
        if (depth > 8) return false;
        for (const Layer* reader : m_network.consumersOf(tensor)) {
            if (reader->isElided()) continue;
            const Role role = roleOf(*reader, preferredFor(*reader), m_linearLayers);
            if (role == Role::Blocked || role == Role::Permute) return true;
            if (role == Role::PassThrough && primaryInput(*reader) == tensor &&
                reader->outputs().size() == 1 && readersWantBlocked(reader->output(0), depth + 1)) {
                return true;
            }
        }
        return false;
    }

    bool hasAliases(const Tensor* tensor) const {
        return std::any_of(m_network.tensors().begin(), m_network.tensors().end(),
                           [&](const auto& t) { return t->alias() && t->alias()->base == tensor; });
    }

    TensorFormat formatOf(const Tensor* tensor) const {
        auto it = m_formats.find(tensor);
        return it == m_formats.end() ? TensorFormat{} : it->second;
    }

    // `format` without INT8 storage for a tensor that has no calibrated range to scale it by.
    static TensorFormat storable(TensorFormat format, const Tensor* tensor) {
        if (format.storage == DataType::Int8 && !tensor->dynamicRange()) format.storage.reset();
        return format;
    }

    // The format `layer` needs input `index` in.
    TensorFormat neededFormat(const Layer& layer, size_t index, const Tensor* input) const {
        return storable(neededLayout(layer, index, input), input);
    }

    TensorFormat neededLayout(const Layer& layer, size_t index, const Tensor* input) const {
        const TensorFormat layerFormat = m_layerFormats.at(&layer);
        const TensorFormat preferred = preferredFor(layer);
        // Pooling that writes a linear tensor (the global pooling before a flatten view) reads a
        // channels-last input as it is: one pass instead of a reformat of the larger input. So does a
        // CPU global pooling with a channel-blocked FP32 input (Kiln's kernel writes the channels out of
        // their blocks).
        if (layer.kind() == LayerKind::Pooling && layerFormat.isDefault() && input->format() == preferred &&
            !m_linearLayers.count(layer.name()) &&
            (preferred.channelsLast || (cpuBlocked(preferred) && isGlobalPooling(layer)))) {
            return preferred;
        }
        if (m_detached.count(&layer)) return input->format();  // a detached convolution's copy
        if (auto it = m_permuteReadsBlocked.find(&layer); it != m_permuteReadsBlocked.end() && index == 0) {
            return it->second ? preferred : TensorFormat{0, false, layerFormat.storage};
        }
        if (input->type() != DataType::Float32) return TensorFormat{};
        const TensorFormat linear{0, false, layerFormat.storage};
        if (layerFormat.isLinear() || !blockable(input)) return linear;
        // A CPU convolution reads a linear image with few channels directly (the first layer of a CNN).
        if (preferred.isBlocked() && layer.kind() == LayerKind::Convolution && index == 0 &&
            input->format().isLinear() && input->dims()[1] < preferred.channelBlock) {
            return linear;
        }
        return layerFormat;
    }

    Status insertReformats(passes::PassLog& log) {
        std::map<std::pair<const Tensor*, std::string>, Tensor*> copies;
        std::map<const Tensor*, std::vector<std::string>> readers;
        std::vector<Layer*> layers;
        for (const auto& layer : m_network.layers()) layers.push_back(layer.get());
        for (Layer* layer : layers) {
            if (layer->isElided()) continue;
            std::vector<Tensor*> inputs = layer->inputs();
            bool changed = false;
            for (size_t i = 0; i < inputs.size(); ++i) {
                Tensor* input = inputs[i];
                if (!input || input->isConstant()) continue;
                const TensorFormat needed = neededFormat(*layer, i, input);
                if (input->format() == needed) continue;
                Tensor*& copy = copies[{input, toString(needed, input->dims().size())}];
                if (!copy) {
                    const std::string formatName = toString(needed, input->dims().size());
                    KILN_ASSIGN_OR_RETURN(
                        Layer * reformat,
                        m_network.addLayer(passes::freshLayerName(m_network, "Reformat " + input->name() + " to " + formatName),
                                           ReformatParams{}, {input},
                                           {passes::freshTensorName(m_network, input->name() + " (" + formatName + ")")}));
                    copy = reformat->output(0);
                    copy->setFormat(needed);
                    // A copy holds the same values: the same calibrated range scales it.
                    if (input->dynamicRange()) copy->setDynamicRange(*input->dynamicRange());
                }
                readers[copy].push_back(layer->name());
                inputs[i] = copy;
                changed = true;
            }
            if (changed) KILN_RETURN_IF_ERROR(m_network.updateLayer(layer, layer->params(), inputs));
        }
        for (const Layer* copy : m_detached) {
            for (const Layer* reader : m_network.consumersOf(copy->output(0))) readers[copy->output(0)].push_back(reader->name());
        }
        for (const auto& [copy, names] : readers) {
            const Tensor* source = copy->producer()->input(0);
            std::string list;
            for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
            log.record(makeMessage("pass.reformatted", {source->name(), toString(source->format(), source->dims().size()),
                                                        toString(copy->format(), copy->dims().size()), list}),
                       {copy->producer()->name()});
        }
        return m_network.sortTopologically();
    }

    NetworkDefinition& m_network;
    TensorFormat m_preferred;
    const std::set<std::string>& m_linearLayers;
    const std::map<std::string, TensorFormat>& m_layerPreferred;
    std::set<const Tensor*> m_forcedLinear;  // alias roots (or plain tensors) that must stay linear
    std::map<const Tensor*, TensorFormat> m_formats;
    std::map<const Layer*, TensorFormat> m_layerFormats;
    std::set<const Layer*> m_detached;  // the reformats detachConvolutionsFromLinearSlices added
    std::map<const Layer*, bool>
        m_permuteReadsBlocked;  // transposes, and whether each reads its input blocked
};

}  // namespace

Result<std::map<std::string, LayerConstraint>> constrainedLayers(const NetworkDefinition& network,
                                                                 const std::vector<LayerPrecision>& constraints) {
    std::map<std::string, LayerConstraint> layers;
    for (const LayerPrecision& constraint : constraints) {
        switch (constraint.precision) {
            case DataType::Float32: case DataType::Float16: case DataType::BFloat16: case DataType::Int8: break;
            default:
                return invalidArgument("the precision constraint '" + constraint.pattern + ":" +
                                       toString(constraint.precision) + "' asks for no layer precision; use fp32, fp16, bf16 or int8");
        }
        bool matched = false;
        for (const auto& layer : network.layers()) {
            for (const std::string& node : layer->provenance()) {
                if (fnmatch(constraint.pattern.c_str(), node.c_str(), 0) != 0) continue;
                matched = true;
                layers[layer->name()] = {constraint.precision, constraint.pattern};
            }
        }
        if (!matched) {
            return invalidArgument("the precision constraint '" + constraint.pattern +
                                   "' matches no node of the model that is left after optimization (folded nodes have no layer); give model node names (kiln inspect MODEL "
                                   "lists them), with * and ? as wildcards");
        }
    }
    return layers;
}

Status assignFormats(NetworkDefinition& network, TensorFormat preferred, const std::set<std::string>& linearLayers,
                     passes::PassLog& log, const std::map<std::string, TensorFormat>& layerPreferred) {
    if (preferred.isDefault() && layerPreferred.empty()) {
        for (const auto& tensor : network.tensors()) tensor->setFormat(TensorFormat{});
        return Status::ok();
    }
    FormatAssigner assigner(network, preferred, linearLayers, layerPreferred);
    return assigner.run(log);
}

}  // namespace kiln::builder

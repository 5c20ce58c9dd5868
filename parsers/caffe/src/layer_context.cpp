// Implementation of the layer view importers work through: bottom, top and blob access with their
// checks, and adding layers named and attributed the same way for every layer type.
#include "layer_context.h"

#include <algorithm>

namespace kiln::caffe_import {

namespace {

// `dims` without its leading 1s: Caffe's older blobs pad shapes to four axes with leading 1s.
Dims withoutLeadingOnes(const Dims& dims) {
    size_t first = 0;
    while (first < dims.size() && dims[first] == 1)
        ++first;
    return Dims(dims.begin() + static_cast<std::ptrdiff_t>(first), dims.end());
}

std::string countText(size_t count, const std::string& what) {
    return std::to_string(count) + " " + what + (count == 1 ? "" : "s");
}

}  // namespace

ImportContext::ImportContext(NetworkDefinition& network, std::set<std::string> reservedNames)
    : m_network(network), m_reservedNames(std::move(reservedNames)) {}

std::string ImportContext::uniqueLayerName(const std::string& base) {
    std::string name = base;
    for (int suffix = 2; m_layerNames.count(name) || m_network.findLayer(name); ++suffix) {
        name = base + "_" + std::to_string(suffix);
    }
    m_layerNames.insert(name);
    return name;
}

std::string ImportContext::uniqueTensorName(const std::string& base) {
    std::string name = base;
    for (int suffix = 2; m_reservedNames.count(name) || m_network.findTensor(name); ++suffix) {
        name = base + "_" + std::to_string(suffix);
    }
    m_reservedNames.insert(name);
    return name;
}

LayerContext::LayerContext(ImportContext& context, const caffe::LayerParameter& layer,
                           std::vector<Tensor*> bottoms, std::vector<std::string> topNames,
                           const google::protobuf::RepeatedPtrField<caffe::BlobProto>* blobs,
                           FoldedScale foldedScale)
    : m_context(context),
      m_layer(layer),
      m_bottoms(std::move(bottoms)),
      m_topNames(std::move(topNames)),
      m_blobs(blobs),
      m_foldedScale(foldedScale) {}

Status LayerContext::expectBottoms(size_t minimum, size_t maximum) const {
    if (m_bottoms.size() >= minimum && m_bottoms.size() <= maximum) return Status::ok();
    const std::string expected = minimum == maximum
                                     ? std::to_string(minimum)
                                     : std::to_string(minimum) + " to " + std::to_string(maximum);
    return invalidModel("it has " + countText(m_bottoms.size(), "bottom") + "; this layer type takes " +
                        expected);
}

Status LayerContext::expectTops(size_t minimum, size_t maximum) const {
    if (m_topNames.size() >= minimum && m_topNames.size() <= maximum) return Status::ok();
    const std::string expected = minimum == maximum
                                     ? std::to_string(minimum)
                                     : std::to_string(minimum) + " to " + std::to_string(maximum);
    return invalidModel("it has " + countText(m_topNames.size(), "top") + "; this layer type writes " +
                        expected);
}

Status LayerContext::expectBlobs(size_t count, const std::string& roles) const {
    const size_t present = m_blobs ? static_cast<size_t>(m_blobs->size()) : 0;
    if (present == count) return Status::ok();
    if (present == 0) {
        return invalidModel("the caffemodel has no weights for it (no layer named '" + name() +
                            "' with blobs): it needs " + countText(count, "blob") + " (" + roles +
                            "); use the caffemodel trained with this prototxt");
    }
    return invalidModel("its weights in the caffemodel are " + countText(present, "blob") +
                        "; with these parameters it needs " + std::to_string(count) + " (" + roles +
                        "): the caffemodel does not belong to this prototxt");
}

Result<HostTensor> LayerContext::blob(size_t i, const std::string& role, const Dims& dims) const {
    if (!m_blobs || i >= static_cast<size_t>(m_blobs->size())) {
        return internalError("blob " + std::to_string(i) + " (" + role +
                             ") was read before its count was checked");
    }
    return blobOf(*m_blobs, i, role, dims, name());
}

Result<HostTensor> LayerContext::blobOf(const google::protobuf::RepeatedPtrField<caffe::BlobProto>& blobs,
                                        size_t i, const std::string& role, const Dims& dims,
                                        const std::string& layerName) const {
    const std::string what = "blob " + std::to_string(i) + " (" + role + ") of layer '" + layerName + "'";
    KILN_RETURN_IF_ERROR(checkDims(dims, what + " as the prototxt shapes it"));
    const caffe::BlobProto& proto = blobs.Get(static_cast<int>(i));
    Dims declared;
    if (proto.has_shape()) {
        declared.assign(proto.shape().dim().begin(), proto.shape().dim().end());
    } else {
        declared = {proto.num(), proto.channels(), proto.height(), proto.width()};
    }
    if (withoutLeadingOnes(declared) != withoutLeadingOnes(dims)) {
        return invalidModel(what + " has shape " + toString(declared) +
                            " in the caffemodel; the prototxt's parameters need " + toString(dims) +
                            ": the caffemodel does not belong to this prototxt");
    }
    const int64_t count = volume(dims);
    const int64_t floats = proto.data_size();
    const int64_t doubles = proto.double_data_size();
    if (floats != count && doubles != count) {
        return invalidModel(what + " declares shape " + toString(declared) + " (" + std::to_string(count) +
                            " values) but holds " + std::to_string(std::max(floats, doubles)) +
                            ": the caffemodel is damaged or truncated");
    }
    HostTensor tensor(DataType::Float32, dims);
    float* values = tensor.data<float>();
    if (floats == count) {
        std::copy(proto.data().begin(), proto.data().end(), values);
    } else {
        for (int64_t k = 0; k < count; ++k)
            values[k] = static_cast<float>(proto.double_data(static_cast<int>(k)));
    }
    return tensor;
}

Result<std::vector<Tensor*>> LayerContext::addLayer(LayerParams params, const std::vector<Tensor*>& inputs,
                                                    const std::vector<std::string>& outputNames) {
    NetworkDefinition& network = m_context.network();
    const std::string layerName =
        m_context.uniqueLayerName(m_layersAdded == 0 ? name() : name() + "_" + std::to_string(m_layersAdded));
    ++m_layersAdded;
    KILN_ASSIGN_OR_RETURN(Layer * layer, network.addLayer(layerName, std::move(params), inputs, outputNames));
    std::vector<std::string> provenance{name()};
    if (m_foldedScale.layer) provenance.push_back(m_foldedScale.layer->name());
    layer->setProvenance(std::move(provenance));
    return layer->outputs();
}

Result<Tensor*> LayerContext::addLayer(LayerParams params, const std::vector<Tensor*>& inputs,
                                       const std::string& outputName) {
    KILN_ASSIGN_OR_RETURN(auto outputs,
                          addLayer(std::move(params), inputs, std::vector<std::string>{outputName}));
    return outputs[0];
}

Result<Tensor*> LayerContext::addConstant(const std::string& suffix, HostTensor data) {
    return m_context.network().addConstant(m_context.uniqueTensorName(name() + "_" + suffix),
                                           std::move(data));
}

std::string LayerContext::internalTensorName(const std::string& suffix) {
    return m_context.uniqueTensorName(name() + "_" + suffix);
}

Result<int64_t> canonicalAxis(int64_t axis, int64_t rank, const std::string& what) {
    if (axis < -rank || axis >= rank) {
        return invalidModel(what + " " + std::to_string(axis) + " is out of range for a bottom of rank " +
                            std::to_string(rank) + " (valid: " + std::to_string(-rank) + " to " +
                            std::to_string(rank - 1) + ")");
    }
    return axis < 0 ? axis + rank : axis;
}

}  // namespace kiln::caffe_import

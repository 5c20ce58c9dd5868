// Implementation of the node view importers work through: input and attribute access, and adding
// layers named, attributed and folded the same way for every op.
#include "importer_context.h"

#include "kiln/device.h"
#include "kiln/reference_executor.h"

namespace kiln::onnx_import {

ImporterContext::ImporterContext(NetworkDefinition& network, int64_t opset, std::string baseDirectory,
                                 std::set<std::string> reservedNames)
    : m_network(network),
      m_opset(opset),
      m_baseDirectory(std::move(baseDirectory)),
      m_reservedNames(std::move(reservedNames)) {}

std::string ImporterContext::uniqueLayerName(const std::string& base) {
    std::string name = base;
    for (int suffix = 2; m_layerNames.count(name) || m_network.findLayer(name); ++suffix) {
        name = base + "_" + std::to_string(suffix);
    }
    m_layerNames.insert(name);
    return name;
}

std::string ImporterContext::uniqueTensorName(const std::string& base) {
    std::string name = base;
    for (int suffix = 2; m_reservedNames.count(name) || m_network.findTensor(name); ++suffix) {
        name = base + "_" + std::to_string(suffix);
    }
    m_reservedNames.insert(name);
    return name;
}

Status ImporterContext::holdComputedConstant(uint64_t bytes, const std::string& what) {
    m_computedBytes += bytes;
    const uint64_t budget = memoryBudgetBytes();
    if (budget == 0 || bytes > budget || m_computedBytes <= budget) return Status::ok();
    return unsupported(
        what + " takes the constants the import computes to " + formatByteCount(m_computedBytes) +
        ", more than " + describeMemoryBudget() +
        "; check the shapes the model's ConstantOfShape, Expand, Tile and Range nodes ask for");
}

NodeContext::NodeContext(ImporterContext& context, const onnx::NodeProto& node, std::string name)
    : m_context(context), m_node(node), m_name(std::move(name)) {}

bool NodeContext::hasInput(size_t i) const {
    return i < inputCount() && !m_node.input(static_cast<int>(i)).empty();
}

Result<Tensor*> NodeContext::input(size_t i) const {
    if (!hasInput(i)) {
        return invalidModel("input " + std::to_string(i) + " is required but not given");
    }
    const std::string& name = m_node.input(static_cast<int>(i));
    Tensor* tensor = m_context.network().findTensor(name);
    if (!tensor) {
        return internalError("input " + std::to_string(i) + " ('" + name +
                             "') was not imported before the node");
    }
    return tensor;
}

Tensor* NodeContext::optionalInput(size_t i) const {
    if (!hasInput(i)) return nullptr;
    return m_context.network().findTensor(m_node.input(static_cast<int>(i)));
}

Result<std::shared_ptr<const HostTensor>> NodeContext::constantInput(size_t i,
                                                                     const std::string& role) const {
    KILN_ASSIGN_OR_RETURN(Tensor * tensor, input(i));
    if (!tensor->isConstant()) {
        if (tensor->isNetworkInput()) m_context.noteShapeInput(tensor->name());
        return unsupported("input " + std::to_string(i) + " ('" + tensor->name() + "', " + role +
                           ") is computed at run time; Kiln needs it to be a constant (an initializer or a "
                           "value computable from static shapes)");
    }
    return tensor->constantData();
}

Result<std::vector<int64_t>> NodeContext::constantInts(size_t i, const std::string& role) const {
    KILN_ASSIGN_OR_RETURN(auto data, constantInput(i, role));
    if (isFloatingPoint(data->type())) {
        return invalidModel("input " + std::to_string(i) + " (" + role + ") must hold integers, not " +
                            toString(data->type()));
    }
    std::vector<int64_t> values(static_cast<size_t>(data->elementCount()));
    for (size_t k = 0; k < values.size(); ++k)
        values[k] = data->valueAsInt64(static_cast<int64_t>(k));
    return values;
}

Result<double> NodeContext::constantScalar(size_t i, const std::string& role) const {
    KILN_ASSIGN_OR_RETURN(auto data, constantInput(i, role));
    if (data->elementCount() != 1) {
        return invalidModel("input " + std::to_string(i) + " (" + role + ") must hold one value, not " +
                            std::to_string(data->elementCount()));
    }
    return data->valueAsDouble(0);
}

bool NodeContext::hasOutput(size_t i) const {
    return i < outputCount() && !m_node.output(static_cast<int>(i)).empty();
}

std::string NodeContext::outputName(size_t i) {
    if (hasOutput(i)) return m_node.output(static_cast<int>(i));
    return internalTensorName("unused_output" + std::to_string(i));
}

const onnx::AttributeProto* NodeContext::attribute(const std::string& name) const {
    for (const auto& attr : m_node.attribute()) {
        if (attr.name() == name) return &attr;
    }
    return nullptr;
}

int64_t NodeContext::intAttr(const std::string& name, int64_t fallback) const {
    const auto* attr = attribute(name);
    return attr ? attr->i() : fallback;
}

float NodeContext::floatAttr(const std::string& name, float fallback) const {
    const auto* attr = attribute(name);
    return attr ? attr->f() : fallback;
}

std::string NodeContext::stringAttr(const std::string& name, const std::string& fallback) const {
    const auto* attr = attribute(name);
    return attr ? attr->s() : fallback;
}

std::vector<int64_t> NodeContext::intsAttr(const std::string& name) const {
    const auto* attr = attribute(name);
    if (!attr) return {};
    return {attr->ints().begin(), attr->ints().end()};
}

std::vector<float> NodeContext::floatsAttr(const std::string& name) const {
    const auto* attr = attribute(name);
    if (!attr) return {};
    return {attr->floats().begin(), attr->floats().end()};
}

Result<std::vector<Tensor*>> NodeContext::addLayer(LayerParams params, const std::vector<Tensor*>& inputs,
                                                   const std::vector<std::string>& outputNames) {
    NetworkDefinition& network = m_context.network();
    const std::string layerName =
        m_context.uniqueLayerName(m_layersAdded == 0 ? m_name : m_name + "_" + std::to_string(m_layersAdded));
    ++m_layersAdded;
    KILN_ASSIGN_OR_RETURN(Layer * layer, network.addLayer(layerName, std::move(params), inputs, outputNames));
    layer->setProvenance({m_name});

    bool allConstant = true;
    for (const Tensor* in : inputs) {
        if (in && !in->isConstant()) allConstant = false;
    }
    if (allConstant && layer->kind() != LayerKind::Plugin) {
        KILN_RETURN_IF_ERROR(
            m_context.holdComputedConstant(outputBytes(*layer), "layer '" + layerName + "'"));
        KILN_RETURN_IF_ERROR(foldConstantLayer(network, layer).status());
    }
    std::vector<Tensor*> outputs;
    for (const std::string& outputName : outputNames) {
        Tensor* tensor = network.findTensor(outputName);
        if (!tensor) return internalError("output '" + outputName + "' vanished after folding");
        outputs.push_back(tensor);
    }
    return outputs;
}

Result<Tensor*> NodeContext::addLayer(LayerParams params, const std::vector<Tensor*>& inputs,
                                      const std::string& outputName) {
    KILN_ASSIGN_OR_RETURN(auto outputs,
                          addLayer(std::move(params), inputs, std::vector<std::string>{outputName}));
    return outputs[0];
}

Result<Tensor*> NodeContext::addConstant(const std::string& name, HostTensor data) {
    return m_context.network().addConstant(name, std::move(data));
}

std::string NodeContext::internalTensorName(const std::string& suffix) {
    return m_context.uniqueTensorName(m_name + "_" + suffix);
}

Result<int64_t> normalizeAxis(int64_t axis, int64_t rank, const std::string& what) {
    if (axis < -rank || axis >= rank) {
        return invalidModel(what + " " + std::to_string(axis) + " is out of range for rank " +
                            std::to_string(rank) + " (valid: " + std::to_string(-rank) + " to " +
                            std::to_string(rank - 1) + ")");
    }
    return axis < 0 ? axis + rank : axis;
}

}  // namespace kiln::onnx_import

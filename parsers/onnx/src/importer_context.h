// What an op importer sees: the node being imported (inputs, outputs, attributes, constant inputs)
// and the calls that add layers and constants for it. Layers are named after the node, carry it as
// provenance, and fold at once when all their inputs are constants, so shape sub-graphs never reach
// the network as layers.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "kiln/network.h"
#include "kiln/status.h"
#include <algorithm>
#include <vector>

#include "onnx/onnx_pb.h"

namespace kiln::onnx_import {

// State shared by all nodes of one import.
class ImporterContext {
public:
    // `reservedNames` holds every value name of the model, so generated names never take one.
    ImporterContext(NetworkDefinition& network, int64_t opset, std::string baseDirectory,
                    std::set<std::string> reservedNames);

    NetworkDefinition& network() { return m_network; }
    int64_t opset() const { return m_opset; }
    const std::string& baseDirectory() const { return m_baseDirectory; }

    // `base` when no layer has that name yet, else `base_2`, `base_3`, ...
    std::string uniqueLayerName(const std::string& base);
    // A tensor name no tensor of the network or value of the model uses.
    std::string uniqueTensorName(const std::string& base);

    // Where graph inputs whose values decide shapes are reported (OnnxParseOptions::shapeInputsFound).
    void setShapeInputsFound(std::vector<std::string>* found) { m_shapeInputsFound = found; }
    void noteShapeInput(const std::string& name) {
        if (m_shapeInputsFound && std::find(m_shapeInputsFound->begin(), m_shapeInputsFound->end(), name) ==
                                      m_shapeInputsFound->end()) {
            m_shapeInputsFound->push_back(name);
        }
    }

    // Counts `bytes` of a constant the import computes (a folded layer's outputs, ConstantOfShape,
    // Range) against the memory budget, and refuses the one that takes all of them past it. One
    // constant larger than the budget alone is left to its own check, which names it.
    Status holdComputedConstant(uint64_t bytes, const std::string& what);

private:
    std::vector<std::string>* m_shapeInputsFound = nullptr;
    uint64_t m_computedBytes = 0;  // constants computed so far
    NetworkDefinition& m_network;
    int64_t m_opset;
    std::string m_baseDirectory;
    std::set<std::string> m_reservedNames;
    std::set<std::string> m_layerNames;
};

// One node during its import.
class NodeContext {
public:
    NodeContext(ImporterContext& context, const onnx::NodeProto& node, std::string name);

    const onnx::NodeProto& proto() const { return m_node; }
    // The layer name and provenance: the node's name, or a generated one when it has none.
    const std::string& name() const { return m_name; }
    const std::string& opType() const { return m_node.op_type(); }
    int64_t opset() const { return m_context.opset(); }
    ImporterContext& context() { return m_context; }

    // Inputs: an empty ONNX input name marks an omitted optional input.
    size_t inputCount() const { return static_cast<size_t>(m_node.input_size()); }
    bool hasInput(size_t i) const;
    Result<Tensor*> input(size_t i) const;
    Tensor* optionalInput(size_t i) const;
    // The data of a constant input; Unsupported naming the node and `role` when it is computed at run time.
    Result<std::shared_ptr<const HostTensor>> constantInput(size_t i, const std::string& role) const;
    Result<std::vector<int64_t>> constantInts(size_t i, const std::string& role) const;
    Result<double> constantScalar(size_t i, const std::string& role) const;

    size_t outputCount() const { return static_cast<size_t>(m_node.output_size()); }
    bool hasOutput(size_t i) const;
    // The ONNX value name of output `i`, or a fresh internal name where the output is omitted.
    std::string outputName(size_t i);

    const onnx::AttributeProto* attribute(const std::string& name) const;
    int64_t intAttr(const std::string& name, int64_t fallback) const;
    float floatAttr(const std::string& name, float fallback) const;
    std::string stringAttr(const std::string& name, const std::string& fallback) const;
    std::vector<int64_t> intsAttr(const std::string& name) const;
    std::vector<float> floatsAttr(const std::string& name) const;

    // Adds a layer for this node (the first takes the node's name, later ones derived names), records
    // the node as its provenance and folds it when every input is a constant. Returns its outputs.
    Result<std::vector<Tensor*>> addLayer(LayerParams params, const std::vector<Tensor*>& inputs,
                                          const std::vector<std::string>& outputNames);
    Result<Tensor*> addLayer(LayerParams params, const std::vector<Tensor*>& inputs,
                             const std::string& outputName);
    Result<Tensor*> addConstant(const std::string& name, HostTensor data);
    // A fresh name for a tensor between two layers of this node.
    std::string internalTensorName(const std::string& suffix);

private:
    ImporterContext& m_context;
    const onnx::NodeProto& m_node;
    std::string m_name;
    int m_layersAdded = 0;
};

// Normalises a possibly negative axis into [0, rank); `what` names the attribute in the error.
Result<int64_t> normalizeAxis(int64_t axis, int64_t rank, const std::string& what);

}  // namespace kiln::onnx_import

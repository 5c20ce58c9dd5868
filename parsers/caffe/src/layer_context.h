// What a Caffe layer importer sees: the layer (its parameters, the tensors its bottoms name, the names
// its tops take, its weight blobs) and the calls that add layers and constants for it. Layers are named
// after the Caffe layer and carry it as provenance.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "caffe.pb.h"
#include "kiln/network.h"
#include "kiln/status.h"

namespace kiln::caffe_import {

// State shared by all layers of one import.
class ImportContext {
public:
    // `reservedNames` holds every blob and layer name of the net, so generated names never take one.
    ImportContext(NetworkDefinition& network, std::set<std::string> reservedNames);

    NetworkDefinition& network() { return m_network; }
    // `base` when no layer has that name yet, else `base_2`, `base_3`, ...
    std::string uniqueLayerName(const std::string& base);
    // A tensor name no tensor of the network or blob of the net uses.
    std::string uniqueTensorName(const std::string& base);

private:
    NetworkDefinition& m_network;
    std::set<std::string> m_reservedNames;
    std::set<std::string> m_layerNames;
};

// A Scale layer whose work is folded into the BatchNorm before it (BatchNorm + Scale as one layer).
struct FoldedScale {
    const caffe::LayerParameter* layer = nullptr;
    const google::protobuf::RepeatedPtrField<caffe::BlobProto>* blobs = nullptr;
};

// One Caffe layer during its import.
class LayerContext {
public:
    LayerContext(ImportContext& context, const caffe::LayerParameter& layer, std::vector<Tensor*> bottoms,
                 std::vector<std::string> topNames,
                 const google::protobuf::RepeatedPtrField<caffe::BlobProto>* blobs, FoldedScale foldedScale);

    const caffe::LayerParameter& proto() const { return m_layer; }
    const std::string& name() const { return m_layer.name(); }
    const std::string& type() const { return m_layer.type(); }

    size_t bottomCount() const { return m_bottoms.size(); }
    Tensor* bottom(size_t i) const { return m_bottoms[i]; }
    size_t topCount() const { return m_topNames.size(); }
    // The tensor name top `i` takes (its blob name, or a derived one when the blob is written in place).
    const std::string& topName(size_t i) const { return m_topNames[i]; }

    // Refuses a layer without exactly `bottoms` bottoms and `tops` tops (a range where min != max).
    Status expectBottoms(size_t minimum, size_t maximum) const;
    Status expectTops(size_t minimum, size_t maximum) const;

    // The layer's weight blobs (from the caffemodel layer of the same name); refused unless there are
    // exactly `count`, naming what each holds (`roles`).
    Status expectBlobs(size_t count, const std::string& roles) const;
    // Blob `i` as an FP32 tensor of `dims`: its declared shape must hold volume(dims) values (the legacy
    // 4-D shapes of old nets pad with 1s) and it must hold that many values.
    Result<HostTensor> blob(size_t i, const std::string& role, const Dims& dims) const;
    Result<HostTensor> blobOf(const google::protobuf::RepeatedPtrField<caffe::BlobProto>& blobs, size_t i,
                              const std::string& role, const Dims& dims, const std::string& layerName) const;

    const FoldedScale& foldedScale() const { return m_foldedScale; }

    // Adds a layer for this Caffe layer (the first takes its name, later ones derived names) with the
    // layer (and a folded Scale) as provenance. Returns its outputs.
    Result<std::vector<Tensor*>> addLayer(LayerParams params, const std::vector<Tensor*>& inputs,
                                          const std::vector<std::string>& outputNames);
    Result<Tensor*> addLayer(LayerParams params, const std::vector<Tensor*>& inputs,
                             const std::string& outputName);
    // A constant named after the layer and `suffix`.
    Result<Tensor*> addConstant(const std::string& suffix, HostTensor data);
    // A fresh name for a tensor between two layers of this Caffe layer.
    std::string internalTensorName(const std::string& suffix);

private:
    ImportContext& m_context;
    const caffe::LayerParameter& m_layer;
    std::vector<Tensor*> m_bottoms;
    std::vector<std::string> m_topNames;
    const google::protobuf::RepeatedPtrField<caffe::BlobProto>* m_blobs;
    FoldedScale m_foldedScale;
    int m_layersAdded = 0;
};

// A Caffe axis (negative counts from the end) as an index into dims of `rank`; `what` names it in errors.
Result<int64_t> canonicalAxis(int64_t axis, int64_t rank, const std::string& what);

}  // namespace kiln::caffe_import

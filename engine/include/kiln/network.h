// The network definition: Kiln's intermediate representation. A network is an ordered list of layers
// connected by named tensors. Tensors are network inputs, constants (weights and folded values), or
// the outputs of exactly one layer. Shapes are static and inferred when a layer is added, so every
// tensor's type and dims are always known. Parsers and user code build networks through the same
// calls.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kiln/layers.h"
#include "kiln/status.h"
#include "kiln/types.h"

namespace kiln {

class Layer;
class Tensor;

// A tensor whose bytes are a contiguous part of another tensor's bytes: set by passes that remove
// copies (a concat input written straight into its slice of the output, a reshape that only
// reinterprets). `base` is never itself an alias.
struct TensorAlias {
    Tensor* base = nullptr;
    int64_t byteOffset = 0;
};

class Tensor {
public:
    const std::string& name() const { return m_name; }
    DataType type() const { return m_type; }
    const Dims& dims() const { return m_dims; }

    bool isNetworkInput() const { return m_isInput; }
    bool isNetworkOutput() const { return m_isOutput; }
    bool isConstant() const { return m_constant != nullptr; }
    // Constant data (weights or a folded value); null for activations.
    const std::shared_ptr<const HostTensor>& constantData() const { return m_constant; }

    // The layer that writes this tensor; null for inputs and constants.
    Layer* producer() const { return m_producer; }

    const std::optional<TensorAlias>& alias() const { return m_alias; }

    // How the elements lie in memory; chosen by the builder, linear until then.
    TensorFormat format() const { return m_format; }
    void setFormat(TensorFormat format) { m_format = format; }
    int64_t storageBytes() const { return storageByteSize(m_type, m_dims, m_format); }

    // Symmetric activation range for INT8 calibration, if set.
    const std::optional<float>& dynamicRange() const { return m_dynamicRange; }
    void setDynamicRange(float absMax) { m_dynamicRange = absMax; }

private:
    friend class NetworkDefinition;
    std::string m_name;
    DataType m_type = DataType::Float32;
    Dims m_dims;
    bool m_isInput = false;
    bool m_isOutput = false;
    std::shared_ptr<const HostTensor> m_constant;
    Layer* m_producer = nullptr;
    std::optional<TensorAlias> m_alias;
    std::optional<float> m_dynamicRange;
    TensorFormat m_format;
};

class Layer {
public:
    const std::string& name() const { return m_name; }
    LayerKind kind() const { return kindOf(m_params); }
    const LayerParams& params() const { return m_params; }
    template <typename P>
    const P& paramsAs() const {
        return std::get<P>(m_params);
    }

    const std::vector<Tensor*>& inputs() const { return m_inputs; }
    const std::vector<Tensor*>& outputs() const { return m_outputs; }
    Tensor* input(size_t i) const { return i < m_inputs.size() ? m_inputs[i] : nullptr; }
    Tensor* output(size_t i) const { return i < m_outputs.size() ? m_outputs[i] : nullptr; }

    // The names of the original model nodes this layer stands for (the node itself after import;
    // all fused nodes after fusion).
    const std::vector<std::string>& provenance() const { return m_provenance; }
    void setProvenance(std::vector<std::string> nodes) { m_provenance = std::move(nodes); }

    // True when aliasing made the layer's work unnecessary (its outputs already hold the result once
    // its inputs are written); an optimized runtime skips it, the reference executor still runs it.
    bool isElided() const { return m_elided; }

    // The precision the user requires for this layer, if any.
    const std::optional<DataType>& precisionConstraint() const { return m_precision; }
    void setPrecisionConstraint(std::optional<DataType> type) { m_precision = type; }

private:
    friend class NetworkDefinition;
    std::string m_name;
    LayerParams m_params;
    std::vector<Tensor*> m_inputs;
    std::vector<Tensor*> m_outputs;
    std::vector<std::string> m_provenance;
    std::optional<DataType> m_precision;
    bool m_elided = false;
};

// A one-line summary of a layer's parameters, with what only its inputs tell (the kernel size of a
// convolution comes from its weights): "kernel 3x3 stride 1x1 pads 1,1,1,1 dilation 1x1 groups 1".
std::string describeLayer(const Layer& layer);

// The type and shape of one layer output, as shape inference computes it.
struct TensorDesc {
    DataType type = DataType::Float32;
    Dims dims;
};

// Computes the outputs a layer with these parameters produces from inputs of these types and shapes,
// or says which input or parameter is wrong. `numOutputs` matters for Split only.
Result<std::vector<TensorDesc>> inferLayerOutputs(const LayerParams& params,
                                                  const std::vector<const Tensor*>& inputs,
                                                  size_t numOutputs);

class NetworkDefinition {
public:
    NetworkDefinition() = default;
    NetworkDefinition(const NetworkDefinition&) = delete;
    NetworkDefinition& operator=(const NetworkDefinition&) = delete;
    NetworkDefinition(NetworkDefinition&&) = default;
    NetworkDefinition& operator=(NetworkDefinition&&) = default;

    const std::string& name() const { return m_name; }
    void setName(std::string name) { m_name = std::move(name); }

    // Adds a network input with a fully known shape.
    Result<Tensor*> addInput(const std::string& name, DataType type, const Dims& dims);
    // Adds a constant tensor holding `data` (weights, biases, folded shape values).
    Result<Tensor*> addConstant(const std::string& name, std::shared_ptr<const HostTensor> data);
    Result<Tensor*> addConstant(const std::string& name, HostTensor data);

    // Adds a layer reading `inputs` (null entries stand for omitted optional inputs and are only
    // allowed where the kind allows it) and writing one new tensor per entry of `outputNames`.
    // Output types and shapes are inferred now; on error nothing is added.
    Result<Layer*> addLayer(const std::string& name, LayerParams params, const std::vector<Tensor*>& inputs,
                            const std::vector<std::string>& outputNames);

    // Marks a tensor as a network output (in call order).
    Status markOutput(Tensor* tensor);

    // An independent copy; constant data is shared, being immutable.
    NetworkDefinition clone() const;

    // Rewriting, for the optimization passes. Each call keeps every tensor's type and dims consistent;
    // a pass that adds layers calls sortTopologically() when it is done.

    // Gives `layer` new parameters and inputs; shape inference must give its outputs the same types
    // and dims as before.
    Status updateLayer(Layer* layer, LayerParams params, const std::vector<Tensor*>& inputs);
    Status renameLayer(Layer* layer, const std::string& name);
    // Makes `layer` write `tensor` as its output `index` instead of the present output, which is left
    // without a producer. `tensor` must have no producer, be no input or constant, and match in type
    // and dims.
    Status redirectOutput(Layer* layer, size_t index, Tensor* tensor);
    // Makes every layer that reads `from` read `to` instead; `to` must match in type and dims.
    Status replaceUses(Tensor* from, Tensor* to);
    // Makes `tensor` an alias of `base` from `byteOffset` on (resolving `base` to its own base). Both
    // must be activations (no inputs, no constants) and the bytes must fit inside the base.
    Status setAlias(Tensor* tensor, Tensor* base, int64_t byteOffset);
    // Makes `tensor` hold bytes of its own again (nothing to do when it aliases nothing). No tensor
    // aliases an alias (setAlias resolves bases), so none is left without its bytes.
    Status clearAlias(Tensor* tensor);
    // Marks a layer as elided: its outputs alias what it would have computed.
    Status setElided(Layer* layer, bool elided);
    // Orders the layers so that each comes after the producers of its inputs, keeping the present
    // order wherever it already does; fails naming the layers on a cycle.
    Status sortTopologically();

    // Replaces the producer-less tensor `tensor` by a constant holding `data` (same type and dims):
    // used when a layer is folded. The producing layer must already have been removed.
    Status makeConstant(Tensor* tensor, std::shared_ptr<const HostTensor> data);
    // Removes a layer; its output tensors stay, without a producer.
    Status removeLayer(Layer* layer);
    // Removes constants and producer-less, non-input, non-output tensors that nothing reads.
    void removeUnusedTensors();

    const std::vector<std::unique_ptr<Layer>>& layers() const { return m_layers; }
    const std::vector<std::unique_ptr<Tensor>>& tensors() const { return m_tensors; }
    const std::vector<Tensor*>& inputs() const { return m_inputs; }
    const std::vector<Tensor*>& outputs() const { return m_outputs; }

    Tensor* findTensor(const std::string& name) const;
    Layer* findLayer(const std::string& name) const;
    // Layers that read `tensor`, in network order.
    std::vector<Layer*> consumersOf(const Tensor* tensor) const;

    // Checks the whole network: unique names, every tensor read is an input, a constant or produced by
    // an earlier layer (so no cycles), every output is produced or constant, at least one output.
    Status validate() const;

private:
    Status checkNewName(const std::string& name, const char* what) const;

    std::string m_name;
    std::vector<std::unique_ptr<Layer>> m_layers;
    std::vector<std::unique_ptr<Tensor>> m_tensors;
    std::vector<Tensor*> m_inputs;
    std::vector<Tensor*> m_outputs;
    std::map<std::string, Tensor*> m_tensorsByName;
    std::map<std::string, Layer*> m_layersByName;
};

}  // namespace kiln

// Helpers for the tactic tests: a one-layer network built through the public API, a tactic run on
// linear inputs converted to the layer's formats (outputs converted back), and the reference kernel's
// outputs for the same inputs, so that every fast kernel is compared with the reference.
#pragma once

#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "backends/backend.h"
#include "kiln/network.h"
#include "kiln/reference_executor.h"
#include "tactics/formats.h"
#include "tactics/tactic.h"

namespace kiln::test {

// Pooling parameters; no `dilations`: 1 on every spatial axis.
inline PoolingParams pooling(PoolingType type, std::vector<int64_t> kernel, std::vector<int64_t> strides,
                             std::vector<int64_t> pads, bool ceilMode = false, bool countIncludePad = false,
                             std::vector<int64_t> dilations = {}) {
    PoolingParams p;
    p.type = type;
    if (dilations.empty()) dilations.assign(kernel.size(), 1);
    p.kernel = std::move(kernel);
    p.strides = std::move(strides);
    p.pads = std::move(pads);
    p.dilations = std::move(dilations);
    p.ceilMode = ceilMode;
    p.countIncludePad = countIncludePad;
    return p;
}

// A network holding one layer "layer" with output tensors "output<i>". Inputs flagged in
// `isActivation` become network inputs "input<i>", the others constants; null inputs stay absent.
struct SingleLayerNetwork {
    std::unique_ptr<NetworkDefinition> network;
    Layer* layer = nullptr;
};

inline Result<SingleLayerNetwork> makeSingleLayerNetwork(const LayerParams& params,
                                                         const std::vector<const HostTensor*>& inputs,
                                                         const std::vector<bool>& isActivation,
                                                         size_t numOutputs = 1) {
    SingleLayerNetwork result;
    result.network = std::make_unique<NetworkDefinition>();
    std::vector<Tensor*> tensors;
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (!inputs[i]) {
            tensors.push_back(nullptr);
            continue;
        }
        const std::string name = "input" + std::to_string(i);
        const bool activation = i < isActivation.size() ? isActivation[i] : i == 0;
        KILN_ASSIGN_OR_RETURN(Tensor * tensor, activation
                                                   ? result.network->addInput(name, inputs[i]->type(), inputs[i]->dims())
                                                   : result.network->addConstant(name, *inputs[i]));
        tensors.push_back(tensor);
    }
    std::vector<std::string> outputNames;
    for (size_t i = 0; i < numOutputs; ++i) outputNames.push_back("output" + std::to_string(i));
    KILN_ASSIGN_OR_RETURN(result.layer, result.network->addLayer("layer", params, tensors, outputNames));
    for (Tensor* output : result.layer->outputs()) KILN_RETURN_IF_ERROR(result.network->markOutput(output));
    return result;
}

// Sets the format of every activation input and every output of `layer` to `format`.
inline void setActivationFormats(Layer& layer, TensorFormat format) {
    for (Tensor* input : layer.inputs()) {
        if (input && !input->isConstant()) input->setFormat(format);
    }
    for (Tensor* output : layer.outputs()) output->setFormat(format);
}

// Prepares, instantiates and runs `tactic` on linear `inputs` (null for absent ones; constants are
// taken from the network) in `backend`'s memory, converting to and from the formats of `config`.
// Returns linear outputs.
inline Result<std::vector<HostTensor>> runTactic(const tactics::Tactic& tactic, const tactics::LayerConfig& config,
                                                 const std::vector<const HostTensor*>& inputs,
                                                 const backends::Backend& backend = backends::cpuBackend()) {
    KILN_ASSIGN_OR_RETURN(std::vector<tactics::WeightBlob> blobs, tactic.prepareWeights());
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<tactics::Kernel> kernel, tactic.instantiate(std::move(blobs)));
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<backends::Stream> stream, backend.createStream());
    const Layer& layer = *config.layer;
    std::vector<std::shared_ptr<backends::DeviceBuffer>> memory;
    tactics::KernelArgs args;
    args.stream = backend.hostAddressable() ? nullptr : stream.get();
    for (size_t i = 0; i < layer.inputs().size(); ++i) {
        const Tensor* tensor = layer.inputs()[i];
        if (!tensor) {
            args.inputs.push_back(nullptr);
        } else if (tensor->isConstant()) {
            args.inputs.push_back(tensor->constantData()->bytes());
        } else {
            const std::vector<std::byte> bytes =
                tactics::toFormat(*inputs.at(i), config.inputFormats.at(i), tactics::storageScale(*tensor));
            KILN_ASSIGN_OR_RETURN(auto buffer, backend.allocate(bytes.size()));
            KILN_RETURN_IF_ERROR(backend.copy(buffer->data(), bytes.data(), bytes.size(),
                                              backends::CopyDirection::HostToDevice, *stream));
            KILN_RETURN_IF_ERROR(stream->synchronize());
            args.inputs.push_back(buffer->data());
            memory.push_back(std::move(buffer));
        }
    }
    std::vector<std::vector<std::byte>> outputBytes;
    std::vector<std::byte*> outputMemory;
    for (size_t i = 0; i < layer.outputs().size(); ++i) {
        const Tensor* tensor = layer.outputs()[i];
        const size_t bytes = size_t(storageByteSize(tensor->type(), tensor->dims(), config.outputFormats.at(i)));
        outputBytes.emplace_back(bytes);
        KILN_ASSIGN_OR_RETURN(auto buffer, backend.allocate(bytes));
        // Garbage, not zeros, so that a kernel that leaves elements or padded lanes unwritten fails.
        KILN_RETURN_IF_ERROR(backend.fill(buffer->data(), 0x7f, bytes, *stream));
        args.outputs.push_back(buffer->data());
        memory.push_back(std::move(buffer));
    }
    KILN_ASSIGN_OR_RETURN(auto workspace, backend.allocate(size_t(tactic.workspaceBytes()) + 64));
    args.workspace = workspace->data();
    KILN_RETURN_IF_ERROR(stream->synchronize());
    KILN_RETURN_IF_ERROR(kernel->run(args));
    for (size_t i = 0; i < layer.outputs().size(); ++i) {
        KILN_RETURN_IF_ERROR(backend.copy(outputBytes[i].data(), args.outputs[i], outputBytes[i].size(),
                                          backends::CopyDirection::DeviceToHost, *stream));
    }
    KILN_RETURN_IF_ERROR(stream->synchronize());
    std::vector<HostTensor> outputs;
    for (size_t i = 0; i < layer.outputs().size(); ++i) {
        const Tensor* tensor = layer.outputs()[i];
        const TensorFormat format = config.outputFormats.at(i);
        outputs.push_back(tactics::fromFormat(outputBytes[i].data(), tensor->type(), tensor->dims(), format,
                                              tactics::storageScale(*tensor)));
        // Padded lanes must hold zeros: the next layer may read them.
        if (!format.isLinear() && tensor->dims().size() >= 2) {
            const Dims& dims = tensor->dims();
            const int64_t block = std::max(format.channelBlock, 1);
            const int64_t padded = (dims[1] + block - 1) / block * block;
            int64_t spatial = 1;
            for (size_t axis = 2; axis < dims.size(); ++axis) spatial *= dims[axis];
            const size_t size = dataTypeSize(storageType(tensor->type(), format));
            for (int64_t n = 0; n < dims[0]; ++n) {
                for (int64_t c = dims[1]; c < padded; ++c) {
                    for (int64_t s = 0; s < spatial; ++s) {
                        const std::byte* lane =
                            outputBytes[i].data() + tactics::elementOffset(dims, format, n, c, s, size);
                        for (size_t b = 0; b < size; ++b) {
                            if (lane[b] != std::byte{0}) {
                                return internalError("padded lane of output " + std::to_string(i) + " at n=" +
                                                     std::to_string(n) + " c=" + std::to_string(c) + " is not zero");
                            }
                        }
                    }
                }
            }
        }
    }
    return outputs;
}

// The reference kernel's outputs of `layer` for linear `inputs` (constants from the network).
inline Result<std::vector<HostTensor>> runReference(const Layer& layer, const std::vector<const HostTensor*>& inputs) {
    std::vector<const HostTensor*> layerInputs;
    for (size_t i = 0; i < layer.inputs().size(); ++i) {
        const Tensor* tensor = layer.inputs()[i];
        layerInputs.push_back(!tensor ? nullptr : tensor->isConstant() ? tensor->constantData().get() : inputs.at(i));
    }
    std::vector<HostTensor> outputs;
    for (const Tensor* output : layer.outputs()) outputs.emplace_back(output->type(), output->dims());
    KILN_RETURN_IF_ERROR(runReferenceLayer(layer, layerInputs, outputs));
    return outputs;
}

inline HostTensor randomTensor(const Dims& dims, std::mt19937& rng, float low = -1.0f, float high = 1.0f) {
    HostTensor tensor(DataType::Float32, dims);
    std::uniform_real_distribution<float> dist(low, high);
    for (int64_t i = 0; i < tensor.elementCount(); ++i) tensor.data<float>()[i] = dist(rng);
    return tensor;
}

// |actual - expected| <= atol + rtol * |expected| for every element; reports the worst element.
inline void expectClose(const HostTensor& expected, const HostTensor& actual, float rtol, float atol,
                        const std::string& what) {
    ASSERT_EQ(expected.dims(), actual.dims()) << what;
    ASSERT_EQ(expected.type(), DataType::Float32) << what;
    int64_t worst = -1;
    double worstExcess = 0.0;
    for (int64_t i = 0; i < expected.elementCount(); ++i) {
        const double e = expected.data<float>()[i];
        const double a = actual.data<float>()[i];
        // Equal infinities and NaN against NaN agree; the difference of such values is no measure.
        if ((std::isnan(e) && std::isnan(a)) || (std::isinf(e) && e == a)) continue;
        const double excess = std::abs(a - e) - (atol + rtol * std::abs(e));
        if (!(excess <= 0.0) && (worst < 0 || !(excess <= worstExcess))) {
            worst = i;
            worstExcess = excess;
        }
    }
    EXPECT_LT(worst, 0) << what << ": element " << worst << " is " << (worst >= 0 ? actual.data<float>()[worst] : 0)
                        << ", reference " << (worst >= 0 ? expected.data<float>()[worst] : 0);
}

}  // namespace kiln::test

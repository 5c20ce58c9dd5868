// Runs one layer the way a user would: a network built through the public API (input 0 a network
// input, the other inputs constants, as in an imported model), executed by the ReferenceExecutor. Used
// by the tests of the conv, matmul, pooling, normalization and reduce reference kernels, which also
// read shape-inference errors from it (addLayer reports them).
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kiln/network.h"
#include "kiln/reference_executor.h"

namespace kiln::test {

// Null entries of `inputs` stand for omitted optional inputs. Returns the layer's outputs in order.
inline Result<std::vector<HostTensor>> runComputeLayer(const LayerParams& params,
                                                       const std::vector<const HostTensor*>& inputs,
                                                       size_t numOutputs = 1) {
    NetworkDefinition network;
    std::vector<Tensor*> tensors;
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (inputs[i] == nullptr) {
            tensors.push_back(nullptr);
            continue;
        }
        const std::string name = "input" + std::to_string(i);
        KILN_ASSIGN_OR_RETURN(Tensor * tensor,
                              i == 0 ? network.addInput(name, inputs[i]->type(), inputs[i]->dims())
                                     : network.addConstant(name, *inputs[i]));
        tensors.push_back(tensor);
    }
    std::vector<std::string> outputNames;
    for (size_t i = 0; i < numOutputs; ++i)
        outputNames.push_back("output" + std::to_string(i));
    KILN_ASSIGN_OR_RETURN(Layer * layer, network.addLayer("layer", params, tensors, outputNames));
    for (Tensor* output : layer->outputs())
        KILN_RETURN_IF_ERROR(network.markOutput(output));
    KILN_RETURN_IF_ERROR(network.validate());

    const ReferenceExecutor executor(network);
    KILN_ASSIGN_OR_RETURN(TensorMap results, executor.execute({{"input0", *inputs[0]}}));
    std::vector<HostTensor> outputs;
    for (const std::string& name : outputNames)
        outputs.push_back(std::move(results.at(name)));
    return outputs;
}

// Tensors with the given values, for hand-computed cases.
inline HostTensor floatTensor(const Dims& dims, const std::vector<float>& values) {
    HostTensor tensor(DataType::Float32, dims);
    if (int64_t(values.size()) != tensor.elementCount()) {
        ADD_FAILURE() << values.size() << " values for a tensor of shape " << toString(dims);
        return tensor;
    }
    for (size_t i = 0; i < values.size(); ++i) {
        tensor.data<float>()[i] = values[i];
    }
    return tensor;
}

}  // namespace kiln::test

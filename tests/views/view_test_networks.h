// Small networks the view tests build by hand.
#pragma once

#include "kiln/network.h"

namespace kiln::testing {

// data [1,3,8,8] -> Convolution "conv" (with bias) -> Activation "relu" -> Pooling "pool" -> output,
// each layer's provenance its own name as the ONNX importer gives it. The builder fuses conv + relu.
inline kiln::NetworkDefinition convReluPool() {
    kiln::NetworkDefinition network;
    kiln::Tensor* data = network.addInput("data", kiln::DataType::Float32, {1, 3, 8, 8}).value();
    kiln::Tensor* weights =
        network.addConstant("w", kiln::HostTensor(kiln::DataType::Float32, {4, 3, 3, 3})).value();
    kiln::Tensor* bias = network.addConstant("b", kiln::HostTensor(kiln::DataType::Float32, {4})).value();
    kiln::ConvolutionParams conv;
    conv.strides = {1, 1};
    conv.pads = {1, 1, 1, 1};
    conv.dilations = {1, 1};
    kiln::Layer* convLayer = network.addLayer("conv", conv, {data, weights, bias}, {"conv_out"}).value();
    convLayer->setProvenance({"conv"});
    kiln::Layer* relu =
        network.addLayer("relu", kiln::ActivationParams{}, {convLayer->output(0)}, {"relu_out"}).value();
    relu->setProvenance({"relu"});
    kiln::PoolingParams pooling;
    pooling.kernel = {2, 2};
    pooling.strides = {2, 2};
    pooling.pads = {0, 0, 0, 0};
    pooling.dilations = {1, 1};
    kiln::Layer* pool = network.addLayer("pool", pooling, {relu->output(0)}, {"pool_out"}).value();
    pool->setProvenance({"pool"});
    (void)network.markOutput(pool->output(0));
    return network;
}

}  // namespace kiln::testing

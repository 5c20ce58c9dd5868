#!/usr/bin/python3
"""Writes kiln_sample.onnx: a small image classifier that opens instantly in the workbench and
still holds every pattern the optimizer rewrites: conv + BatchNormalization + Relu chains, a
residual Add + Relu, sibling 1x1 convolutions on one tensor (horizontal fusion), a Concat of
inception branches (concat elimination), and a Flatten before the classifier.

The weights are random but fixed (seed 0), so the file is the same on every run. Regenerate with
    /usr/bin/python3 resources/sample/make_sample_model.py
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
INPUT_SHAPE = [1, 3, 32, 32]
NUM_CLASSES = 10


class GraphWriter:
    """Collects nodes and initializers; every helper returns the name of the tensor it produced."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes = []
        self.initializers = []

    def constant(self, name, array):
        self.initializers.append(numpy_helper.from_array(array.astype(np.float32), name))
        return name

    def conv(self, name, source, in_channels, out_channels, kernel, stride=1, pad=None):
        pad = kernel // 2 if pad is None else pad
        # He initialization keeps activations near unit scale through the Relu chains, so the
        # sample's outputs stay well away from float32 overflow or all-zero softmax inputs.
        std = np.sqrt(2.0 / (in_channels * kernel * kernel))
        weight = self.rng.normal(0.0, std, (out_channels, in_channels, kernel, kernel))
        bias = self.rng.normal(0.0, 0.05, (out_channels,))
        self.nodes.append(helper.make_node(
            "Conv", [source, self.constant(name + ".weight", weight), self.constant(name + ".bias", bias)],
            [name], name=name, kernel_shape=[kernel, kernel], strides=[stride, stride],
            pads=[pad, pad, pad, pad], dilations=[1, 1], group=1))
        return name

    def batch_norm(self, name, source, channels):
        scale = self.rng.uniform(0.5, 1.5, (channels,))
        shift = self.rng.normal(0.0, 0.1, (channels,))
        mean = self.rng.normal(0.0, 0.1, (channels,))
        var = self.rng.uniform(0.5, 1.5, (channels,))
        inputs = [source] + [self.constant(name + suffix, value) for suffix, value in
                             ((".scale", scale), (".bias", shift), (".mean", mean), (".var", var))]
        self.nodes.append(helper.make_node("BatchNormalization", inputs, [name], name=name, epsilon=1e-5))
        return name

    def relu(self, name, source):
        self.nodes.append(helper.make_node("Relu", [source], [name], name=name))
        return name

    def conv_bn_relu(self, prefix, suffix, source, in_channels, out_channels, kernel, stride=1):
        conv = self.conv(f"{prefix}conv{suffix}", source, in_channels, out_channels, kernel, stride)
        bn = self.batch_norm(f"{prefix}bn{suffix}", conv, out_channels)
        return self.relu(f"{prefix}relu{suffix}", bn)

    def node(self, op_type, name, inputs, **attributes):
        self.nodes.append(helper.make_node(op_type, inputs, [name], name=name, **attributes))
        return name


def build_model():
    g = GraphWriter(seed=0)

    # Stem: 3 -> 16 channels at 32x32.
    x = g.conv_bn_relu("", "1", "input", 3, 16, 3)

    # Residual block: two conv + bn, the second without its Relu so the Add sees the raw sum.
    y = g.conv_bn_relu("res2a_", "1", x, 16, 16, 3)
    y = g.conv("res2a_conv2", y, 16, 16, 3)
    y = g.batch_norm("res2a_bn2", y, 16)
    y = g.node("Add", "res2a_add", [y, x])
    x = g.relu("res2a_relu", y)

    x = g.node("MaxPool", "pool1", [x], kernel_shape=[2, 2], strides=[2, 2])

    # Inception block at 16x16: three sibling 1x1 convolutions read the same tensor with equal
    # kernel, stride, padding and groups, so they can be fused into one convolution.
    a = g.relu("inception_relu_a", g.conv("inception_1x1_a", x, 16, 8, 1))
    b = g.relu("inception_relu_b", g.conv("inception_1x1_b", x, 16, 8, 1))
    c = g.relu("inception_relu_c", g.conv("inception_1x1_c", x, 16, 4, 1))
    b = g.relu("inception_relu_3x3", g.conv("inception_3x3", b, 8, 16, 3))
    c = g.relu("inception_relu_3x3dbl_1", g.conv("inception_3x3dbl_1", c, 4, 8, 3))
    c = g.relu("inception_relu_3x3dbl_2", g.conv("inception_3x3dbl_2", c, 8, 8, 3))
    p = g.node("MaxPool", "inception_pool", [x], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1])
    p = g.relu("inception_relu_pool_proj", g.conv("inception_pool_proj", p, 16, 8, 1))
    x = g.node("Concat", "inception_concat", [a, b, c, p], axis=1)
    channels = 8 + 16 + 8 + 8

    x = g.node("GlobalAveragePool", "global_pool", [x])
    x = g.node("Flatten", "flatten", [x], axis=1)
    fc_weight = g.rng.normal(0.0, np.sqrt(1.0 / channels), (NUM_CLASSES, channels))
    fc_bias = g.rng.normal(0.0, 0.05, (NUM_CLASSES,))
    x = g.node("Gemm", "fc", [x, g.constant("fc.weight", fc_weight), g.constant("fc.bias", fc_bias)],
               alpha=1.0, beta=1.0, transB=1)
    g.node("Softmax", "output", [x], axis=1)

    graph = helper.make_graph(
        g.nodes, "kiln_sample",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, INPUT_SHAPE)],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, NUM_CLASSES])],
        initializer=g.initializers)
    model = helper.make_model(graph, producer_name="kiln", producer_version="0.1.0",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.doc_string = "Kiln sample model: residual and inception blocks, random weights (seed 0)."
    return model


def main():
    out_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "kiln_sample.onnx")
    model = build_model()
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, out_path)
    print(f"wrote {out_path}: {len(model.graph.node)} nodes, {os.path.getsize(out_path)} bytes")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Writes an ONNX model in QDQ form (QuantizeLinear/DequantizeLinear pairs, symmetric INT8) with the
scales of a Kiln calibration cache, so that another runtime can run the same INT8 model that Kiln
builds from the cache, and so that Kiln's own QDQ import can be checked against its calibration.

What it inserts, as ONNX Runtime's quantizer does for symmetric INT8 (QDQ format, QInt8 activations
and weights, per-channel weights):
  - every activation the cache has a scale for (a graph input or a node's output): x -> Q -> DQ, with
    the cache's scale and zero point 0 (INT8); the graph's outputs keep their float producers;
  - Conv and Gemm weights (initializers, also behind Identity nodes): INT8 per output channel,
    scale max|w| / 127, zero point 0, and a DequantizeLinear with the channel axis;
  - their biases, where the data input has a scale: INT32 with scale input scale x weight scale.

usage: make_qdq.py MODEL.onnx CALIBRATION_CACHE OUT.onnx
"""

import argparse
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

HEADER_LINES = 5  # kiln-calibration 1, algorithm, preprocessing, model, batches


def read_cache(path):
    lines = Path(path).read_text().splitlines()
    if not lines or not lines[0].startswith("kiln-calibration "):
        raise SystemExit(f"{path}: not a Kiln calibration cache (its first line is not 'kiln-calibration N')")
    scales = {}
    for number, line in enumerate(lines[HEADER_LINES:], HEADER_LINES + 1):
        name, separator, value = line.rpartition(": ")
        if not separator:
            raise SystemExit(f"{path}: line {number} is not 'tensor: scale'")
        scales[name] = float(value)
    return scales


def initializer_behind(name, initializers, producers):
    """The initializer `name` is, directly or through Identity nodes; None when it is computed."""
    while name not in initializers:
        node = producers.get(name)
        if node is None or node.op_type != "Identity":
            return None
        name = node.input[0]
    return initializers[name]


def per_channel(weights, axis):
    """Symmetric INT8 per channel along `axis`: (quantized, scales)."""
    moved = np.moveaxis(weights.astype(np.float64), axis, 0)
    largest = np.abs(moved.reshape(moved.shape[0], -1)).max(axis=1)
    scales = np.where(largest > 0, largest / 127.0, 1.0)
    shape = [1] * weights.ndim
    shape[axis] = -1
    quantized = np.clip(np.rint(weights / scales.reshape(shape)), -127, 127).astype(np.int8)
    return quantized, scales.astype(np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("cache", type=Path)
    parser.add_argument("output", type=Path)
    args = parser.parse_args()

    model = onnx.load(str(args.model))
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)
    if opset < 13:
        raise SystemExit(f"{args.model}: opset {opset}; per-channel QuantizeLinear needs opset 13 or later "
                         "(export the model with opset_version=13)")
    graph = model.graph
    scales = read_cache(args.cache)
    initializers = {i.name: i for i in graph.initializer}
    producers = {output: node for node in graph.node for output in node.output}
    graph_outputs = {o.name for o in graph.output}
    new_initializers = []
    nodes = []

    def constant(name, array):
        new_initializers.append(numpy_helper.from_array(array, name))
        return name

    # Weights and biases first: each DequantizeLinear goes before the node that reads it.
    for node in graph.node:
        if node.op_type not in ("Conv", "Gemm") or len(node.input) < 2:
            nodes.append(node)
            continue
        weight = initializer_behind(node.input[1], initializers, producers)
        if weight is None:
            nodes.append(node)
            continue
        values = numpy_helper.to_array(weight).astype(np.float32)
        axis = 0
        if node.op_type == "Gemm":
            trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
            axis = 0 if trans_b else 1
        quantized, weight_scales = per_channel(values, axis)
        base = node.input[1]
        dq_weight = base + "_dequantized"
        nodes.append(helper.make_node(
            "DequantizeLinear",
            [constant(base + "_quantized", quantized), constant(base + "_scale", weight_scales),
             constant(base + "_zero_point", np.zeros(weight_scales.shape, np.int8))],
            [dq_weight], name=base + "_DequantizeLinear", axis=axis))
        inputs = list(node.input)
        inputs[1] = dq_weight
        input_scale = scales.get(node.input[0])
        if len(inputs) > 2 and inputs[2] and input_scale is not None:
            bias = initializer_behind(inputs[2], initializers, producers)
            if bias is not None:
                bias_scales = (input_scale * weight_scales.astype(np.float64)).astype(np.float32)
                quantized_bias = np.rint(numpy_helper.to_array(bias).astype(np.float64) / bias_scales)
                dq_bias = inputs[2] + "_dequantized"
                nodes.append(helper.make_node(
                    "DequantizeLinear",
                    [constant(inputs[2] + "_quantized", quantized_bias.astype(np.int32)),
                     constant(inputs[2] + "_scale", bias_scales),
                     constant(inputs[2] + "_zero_point", np.zeros(bias_scales.shape, np.int32))],
                    [dq_bias], name=inputs[2] + "_DequantizeLinear", axis=0))
                inputs[2] = dq_bias
        del node.input[:]
        node.input.extend(inputs)
        nodes.append(node)

    # Activations: a Q -> DQ pair after each producer, its readers moved to the DQ's output.
    activations = [i.name for i in graph.input] + [o for node in nodes for o in node.output]
    renamed = {}
    pairs = {}
    for name in activations:
        scale = scales.get(name)
        if scale is None or name in initializers:
            continue
        scale_name = constant(name + "_scale", np.array(scale, np.float32))
        zero_name = constant(name + "_zero_point", np.array(0, np.int8))
        quantized, dequantized = name + "_quantized", name + "_dequantized"
        pairs[name] = [
            helper.make_node("QuantizeLinear", [name, scale_name, zero_name], [quantized],
                             name=name + "_QuantizeLinear"),
            helper.make_node("DequantizeLinear", [quantized, scale_name, zero_name], [dequantized],
                             name=name + "_DequantizeLinear"),
        ]
        renamed[name] = dequantized
    ordered = []
    for name in [i.name for i in graph.input]:
        ordered += pairs.get(name, [])
    for node in nodes:
        inputs = [renamed.get(i, i) for i in node.input]
        del node.input[:]
        node.input.extend(inputs)
        ordered.append(node)
        for output in node.output:
            ordered += pairs.get(output, [])
    del graph.node[:]
    graph.node.extend(ordered)
    graph.initializer.extend(new_initializers)
    # Weights now reached only through their quantized copies are dropped.
    used = {i for node in graph.node for i in node.input}
    kept = [i for i in graph.initializer if i.name in used or i.name in graph_outputs]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    onnx.checker.check_model(model)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    temporary = args.output.with_name(args.output.name + ".partial")
    onnx.save(model, str(temporary))
    temporary.replace(args.output)
    print(f"wrote {args.output}: {len(pairs)} activations and {sum(1 for n in graph.node if n.op_type == 'DequantizeLinear') - len(pairs)} "
          f"weights or biases quantized")
    return 0


if __name__ == "__main__":
    sys.exit(main())

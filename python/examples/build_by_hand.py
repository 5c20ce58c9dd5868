#!/usr/bin/python3
"""Builds a small image classifier by hand from NumPy weights with Kiln's Python API, runs it, and
prints what the builder did: convolution + ReLU, max pooling, a fully connected layer and softmax.

usage: PYTHONPATH=build/python/module python3 python/examples/build_by_hand.py
"""

import numpy as np

import kiln


def make_weights(seed=0):
    rng = np.random.default_rng(seed)
    return {
        "conv.weight": rng.normal(0, 0.3, (8, 3, 3, 3)).astype(np.float32),
        "conv.bias": rng.normal(0, 0.1, 8).astype(np.float32),
        "fc.weight": rng.normal(0, 0.1, (10, 8 * 4 * 4)).astype(np.float32),
        "fc.bias": rng.normal(0, 0.1, 10).astype(np.float32),
    }


def build_network(weights):
    network = kiln.NetworkDefinition()
    image = network.add_input("image", np.float32, (1, 3, 8, 8))
    conv = network.add_convolution(image, weights["conv.weight"], weights["conv.bias"], padding=1, name="conv")
    relu = network.add_activation(conv.get_output(0), kiln.ActivationType.RELU, name="relu")
    pool = network.add_pooling(relu.get_output(0), kiln.PoolingType.MAX, kernel=2, name="pool")
    flat = network.add_flatten(pool.get_output(0), name="flatten")
    fc = network.add_fully_connected(flat.get_output(0), weights["fc.weight"], weights["fc.bias"], name="fc")
    probabilities = network.add_softmax(fc.get_output(0), axis=1, name="softmax")
    network.mark_output(probabilities.get_output(0))
    return network


def build_engine(network):
    builder = kiln.Builder()
    config = builder.create_builder_config()
    config.timing_iterations = 3
    return builder.build_engine(network, config)


def main():
    engine = build_engine(build_network(make_weights()))
    context = engine.create_execution_context()
    image = np.random.default_rng(1).uniform(-1, 1, (1, 3, 8, 8)).astype(np.float32)
    outputs = context.execute({"image": image})
    probabilities = outputs[engine.output_names[0]][0]
    print("class probabilities:", " ".join(f"{p:.4f}" for p in probabilities))
    print("most likely class:", int(np.argmax(probabilities)))
    for layer in engine.report.layers_after:
        print(f"layer {layer.name}: {layer.kind} {layer.precision} {layer.tactic}")
    for change in engine.report.changes:
        print(f"{change.pass_name}: {change.description}")


if __name__ == "__main__":
    main()

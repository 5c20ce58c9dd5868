#!/usr/bin/python3
"""Exports one torchvision architecture to ONNX for the model-zoo test: random weights drawn with
torch.manual_seed(0), eval mode, opset 13, a dynamic batch axis named "batch" on the input and the
output. Uses Debian's python3-torchvision (0.14), which needs no download for untrained weights.

usage: export_torchvision.py MODEL OUT.onnx     (MODEL is one of the names in MODELS)
"""

import inspect
import os
import sys
import warnings

# name -> (torchvision constructor, constructor arguments, input height and width)
MODELS = {
    "resnet50": ("resnet50", {}, 224),
    "googlenet": ("googlenet", {"aux_logits": False, "init_weights": True}, 224),
    "densenet121": ("densenet121", {}, 224),
    "mobilenet_v2": ("mobilenet_v2", {}, 224),
    "squeezenet1_1": ("squeezenet1_1", {}, 224),
    "efficientnet_b0": ("efficientnet_b0", {}, 224),
    "inception_v3": ("inception_v3", {"aux_logits": False, "init_weights": True}, 299),
}

OPSET = 13


def input_shape(name):
    size = MODELS[name][2]
    return [1, 3, size, size]


def export(name, out_path):
    import torch
    import torchvision

    constructor, kwargs, _ = MODELS[name]
    torch.manual_seed(0)
    model = getattr(torchvision.models, constructor)(weights=None, **kwargs).eval()
    dummy = torch.zeros(input_shape(name))
    # Write next to the target and rename, so an interrupted export never leaves a file that a
    # later run would take for a finished one.
    partial = out_path + ".partial"
    # Newer PyTorch exports through torch.export by default; the TorchScript exporter gives the
    # same graphs on every PyTorch the tests meet.
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, dummy, partial, opset_version=OPSET, input_names=["input"],
                          output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, **legacy)
    os.replace(partial, out_path)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in MODELS:
        sys.exit(f"usage: {sys.argv[0]} MODEL OUT.onnx   (MODEL: {', '.join(MODELS)})")
    export(sys.argv[1], sys.argv[2])
    print(f"exported {sys.argv[1]} to {sys.argv[2]}")


if __name__ == "__main__":
    main()

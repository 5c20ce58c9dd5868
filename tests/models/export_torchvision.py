#!/usr/bin/python3
"""Exports one torchvision architecture to ONNX for the model-zoo test: random weights drawn with
torch.manual_seed(0), batch-normalization statistics measured on random inputs, eval mode, opset
13, a dynamic batch axis named "batch" on the input and the output. Uses Debian's
python3-torchvision (0.14), which needs no download for untrained weights.

Freshly initialized batch normalizations (mean 0, variance 1) normalize nothing: through fifty
layers the activations of a random network shrink to 1e-8 (MobileNetV2) or grow to 1e12
(Inception-v3), outside half precision's range, which no trained network does. Measuring the
statistics, as training would, keeps every activation near unit scale, so the FP16 comparison
tests the kernels rather than the range of an untrained network.

One model is not torchvision's: "bert_encoder", a BERT-base-style encoder (12 layers of
torch.nn.TransformerEncoderLayer, hidden 768, 12 heads, feed-forward 3072, GELU, batch first) over
sequences of 128 hidden states, every layer with weights of its own (TransformerEncoder copies one
layer, so each is re-initialized), LayerNorm scales and biases not 1 and 0.

usage: export_torchvision.py MODEL OUT.onnx     (MODEL is one of the names in MODELS)
"""

import contextlib
import hashlib
import inspect
import os
import sys
import warnings
from pathlib import Path

# name -> (torchvision constructor, constructor arguments, input height and width); None for a model
# made here (its input shape is in INPUT_SHAPES)
MODELS = {
    "resnet50": ("resnet50", {}, 224),
    "googlenet": ("googlenet", {"aux_logits": False, "init_weights": True}, 224),
    "densenet121": ("densenet121", {}, 224),
    "mobilenet_v2": ("mobilenet_v2", {}, 224),
    "squeezenet1_1": ("squeezenet1_1", {}, 224),
    "efficientnet_b0": ("efficientnet_b0", {}, 224),
    "inception_v3": ("inception_v3", {"aux_logits": False, "init_weights": True}, 299),
    # Transformer and modern-CNN patterns: attention, LayerNorm, GELU, channels-last blocks, channel shuffles.
    "vit_b_16": ("vit_b_16", {}, 224),
    "convnext_tiny": ("convnext_tiny", {}, 224),
    "bert_encoder": (None, {}, None),
    # Channel shuffles (Reshape-Transpose-Reshape between a concatenation and a split).
    "shufflenet_v2_x1_0": ("shufflenet_v2_x1_0", {}, 224),
    # Shifted-window attention, its mask built from static shapes with Range and ScatterND.
    "swin_t": ("swin_t", {}, 224),
    # Block and grid attention written with Einsum.
    "maxvit_t": ("maxvit_t", {}, 224),
}

# Input shapes of the models made here: [batch, sequence, hidden].
INPUT_SHAPES = {"bert_encoder": [1, 128, 768]}

OPSET = 13


def input_shape(name):
    if name in INPUT_SHAPES:
        return list(INPUT_SHAPES[name])
    size = MODELS[name][2]
    return [1, 3, size, size]


def build_bert_encoder():
    import torch

    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(d_model=768, nhead=12, dim_feedforward=3072, activation="gelu",
                                             batch_first=True)
    model = torch.nn.TransformerEncoder(layer, num_layers=12, enable_nested_tensor=False)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.Linear):
                torch.nn.init.xavier_uniform_(module.weight)
                torch.nn.init.normal_(module.bias, std=0.02)
            elif isinstance(module, torch.nn.MultiheadAttention):
                torch.nn.init.xavier_uniform_(module.in_proj_weight)
                torch.nn.init.normal_(module.in_proj_bias, std=0.02)
            elif isinstance(module, torch.nn.LayerNorm):
                torch.nn.init.normal_(module.weight, mean=1.0, std=0.1)
                torch.nn.init.normal_(module.bias, std=0.1)
    return model.eval()


def measure_batch_norm_statistics(model, name, batches=4, batch_size=8):
    """Sets every batch normalization's running mean and variance to its input's statistics over
    a few batches of standard-normal random inputs, as the zoo test feeds (cumulative averages:
    momentum None)."""
    import torch

    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    model.eval()  # dropout and stochastic depth stay off; only the normalizations measure
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None
        norm.train()
    shape = [batch_size] + input_shape(name)[1:]
    with torch.no_grad():
        for _ in range(batches):
            model(torch.randn(shape))
    model.eval()


def build_model(name):
    """The torchvision module that export() writes, in eval mode: the same weights and statistics
    on every call."""
    import torch
    import torchvision

    if name == "bert_encoder":
        return build_bert_encoder()
    constructor, kwargs, _ = MODELS[name]
    torch.manual_seed(0)
    model = getattr(torchvision.models, constructor)(weights=None, **kwargs).eval()
    measure_batch_norm_statistics(model, name)
    # ViT initializes its classification head to zeros, which would make every output 0 whatever the
    # network computes: a small random head makes the outputs say something.
    if name == "vit_b_16":
        torch.nn.init.normal_(model.heads.head.weight, std=0.02)
        torch.nn.init.normal_(model.heads.head.bias, std=0.02)
    return model


def cached_model_path(cache, name):
    """Where a cache folder keeps the export of `name`: named by this file's content, so a change
    to the export never reuses an older model."""
    digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    return Path(cache) / "models" / f"{name}-{digest}.onnx"


def export(name, out_path):
    import torch

    model = build_model(name)
    dummy = torch.zeros(input_shape(name))
    # Write next to the target and rename, so an interrupted export never leaves a file that a
    # later run would take for a finished one.
    partial = str(out_path) + ".partial"
    # Newer PyTorch exports through torch.export by default; the TorchScript exporter gives the
    # same graphs on every PyTorch the tests meet.
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    # Under no_grad, PyTorch's attention takes a fused fast path that has no ONNX export: ViT and the
    # encoder are exported with gradients on (nothing is trained; the graph is the same).
    grad = contextlib.nullcontext() if name in ("vit_b_16", "bert_encoder") else torch.no_grad()
    def export_at(opset):
        with grad, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, dummy, partial, opset_version=opset, input_names=["input"],
                              output_names=["output"],
                              dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, **legacy)

    try:
        export_at(OPSET)
    except torch.onnx.errors.UnsupportedOperatorError as error:
        # PyTorch 2.5 and later route attention through scaled_dot_product_attention, whose export
        # needs opset 14 (it is written out as MatMul, Softmax and the scaling, as before).
        print(f"opset {OPSET} cannot express {name} on PyTorch {torch.__version__} ({error}); exporting at opset 14")
        export_at(14)
    os.replace(partial, out_path)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in MODELS:
        sys.exit(f"usage: {sys.argv[0]} MODEL OUT.onnx   (MODEL: {', '.join(MODELS)})")
    export(sys.argv[1], sys.argv[2])
    print(f"exported {sys.argv[1]} to {sys.argv[2]}")


if __name__ == "__main__":
    main()

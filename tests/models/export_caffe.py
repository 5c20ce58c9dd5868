#!/usr/bin/python3
"""Writes a Caffe net (deploy .prototxt and .caffemodel) and its ONNX twin from the same torchvision
module, for the Caffe model-level test (run_caffe_model.py): random weights drawn with
torch.manual_seed(0), batch-normalization statistics measured on random inputs and then perturbed, so
that neither the mean nor the variance is trivial, eval mode.

Models:
  googlenet_style  the stem of torchvision's GoogLeNet, inception blocks 3a, 3b and 4a, global average
                   pooling and a 10-way classifier, at 1x3x100x100
  resnet18         torchvision's ResNet-18 at 1x3x114x114

The module is traced with torch.fx and every node written as Caffe layers: Conv2d as Convolution,
BatchNorm2d as BatchNorm (statistics scaled by a moving-average factor of 0.5, as Caffe stores them)
followed by a Scale with bias, ReLU in place where its input has no other reader, MaxPool2d as MAX
Pooling, AdaptiveAvgPool2d((1, 1)) as global AVE Pooling, torch.cat as Concat, additions as Eltwise
SUM, flatten as Flatten, Linear as InnerProduct and Dropout as Dropout. The layer subset of Caffe's
schema is parsers/caffe/src/caffe.proto, compiled with `protoc --python_out` into a temporary folder.

Pooling: Caffe rounds a pooling's output extent up, PyTorch rounds it down unless ceil_mode=True.
GoogLeNet's max poolings are ceil_mode=True in torchvision, whose rounding (with the rule that the last
window starts inside the input or its left padding) is Caffe's. ResNet-18's max pooling (kernel 3,
stride 2, pad 1) rounds down; at 114x114 its input is 57x57 and (57 + 2 - 3) / 2 is whole, so both
roundings agree. The script checks every pooling's extent both ways and refuses a shape where they
differ.

usage: export_caffe.py MODEL OUT_FOLDER   (writes MODEL.prototxt, MODEL.caffemodel, MODEL.onnx there)
"""

import operator
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
CAFFE_PROTO = HERE.parent.parent / "parsers" / "caffe" / "src" / "caffe.proto"

INPUT_SHAPES = {"googlenet_style": [1, 3, 100, 100], "resnet18": [1, 3, 114, 114]}
MODELS = sorted(INPUT_SHAPES)
# Caffe keeps BatchNorm's statistics multiplied by this factor (blob 2).
MOVING_AVERAGE_FACTOR = 0.5


def caffe_pb2_module(folder):
    """Our caffe.proto compiled for Python into `folder` and imported."""
    subprocess.run(["protoc", f"-I{CAFFE_PROTO.parent}", f"--python_out={folder}", str(CAFFE_PROTO)], check=True)
    sys.path.insert(0, str(folder))
    import caffe_pb2  # noqa: E402

    return caffe_pb2


def googlenet_style():
    import torch
    import torchvision

    class GoogLeNetStyle(torch.nn.Module):
        def __init__(self):
            super().__init__()
            net = torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=True)
            self.conv1, self.maxpool1, self.conv2, self.conv3 = net.conv1, net.maxpool1, net.conv2, net.conv3
            self.maxpool2, self.inception3a, self.inception3b = net.maxpool2, net.inception3a, net.inception3b
            self.maxpool3, self.inception4a = net.maxpool3, net.inception4a
            self.avgpool = net.avgpool
            self.dropout = torch.nn.Dropout(0.2)
            self.fc = torch.nn.Linear(512, 10)

        def forward(self, x):
            x = self.maxpool1(self.conv1(x))
            x = self.maxpool2(self.conv3(self.conv2(x)))
            x = self.maxpool3(self.inception3b(self.inception3a(x)))
            x = self.avgpool(self.inception4a(x))
            return self.fc(self.dropout(torch.flatten(x, 1)))

    return GoogLeNetStyle()


def build_model(name):
    """The module both files are written from, in eval mode, with measured then perturbed statistics."""
    import torch
    import torchvision

    torch.manual_seed(0)
    model = googlenet_style() if name == "googlenet_style" else torchvision.models.resnet18(weights=None)
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    model.eval()
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None
        norm.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn([4] + INPUT_SHAPES[name][1:]))
        for norm in norms:  # measured statistics, moved off them so that each part of the folding shows
            norm.running_mean.add_(0.1 * torch.randn_like(norm.running_mean))
            norm.running_var.mul_(torch.empty_like(norm.running_var).uniform_(0.8, 1.25))
            norm.weight.copy_(torch.empty_like(norm.weight).uniform_(0.5, 1.5))
            norm.bias.copy_(0.2 * torch.randn_like(norm.bias))
    return model.eval()


def pooled_extent(size, kernel, stride, pad, ceil):
    span = size + 2 * pad - kernel
    extent = (-(-span // stride) if ceil else span // stride) + 1
    if ceil and pad > 0 and (extent - 1) * stride >= size + pad:
        extent -= 1
    return extent


class CaffeWriter:
    """Turns an fx graph of the module into a NetParameter (layers) and another (weights)."""

    def __init__(self, caffe_pb2, model, input_shape):
        import torch

        self.pb = caffe_pb2
        self.torch = torch
        self.model = model
        self.modules = dict(model.named_modules())
        self.net = caffe_pb2.NetParameter()
        self.weights = caffe_pb2.NetParameter()
        self.shapes = {}  # node name -> output shape
        self.tops = {}  # node name -> the blob holding its value
        self.input_shape = input_shape

    def layer(self, name, kind, bottoms, top, blobs=()):
        layer = self.net.layer.add()
        layer.name, layer.type = name, kind
        layer.bottom.extend(bottoms)
        layer.top.append(top)
        if blobs:
            stored = self.weights.layer.add()
            stored.name, stored.type = name, kind
            for array in blobs:
                blob = stored.blobs.add()
                blob.shape.dim.extend(array.shape)
                blob.data.extend(array.astype("float32").ravel().tolist())
        return layer

    def convert(self):
        import torch.fx

        graph = torch.fx.symbolic_trace(self.model).graph
        self.net.name = type(self.model).__name__
        users = {node.name: len(node.users) for node in graph.nodes}
        for node in graph.nodes:
            if node.op == "placeholder":
                self.net.input.append("data")
                self.net.input_shape.add().dim.extend(self.input_shape)
                self.tops[node.name] = "data"
                self.shapes[node.name] = list(self.input_shape)
                continue
            if node.op == "output":
                continue
            args = [a for a in node.args if hasattr(a, "name")]
            bottom = self.tops[args[0].name] if args else None
            shape = self.shapes[args[0].name] if args else None
            # An elementwise layer whose input nothing else reads writes in place, as deploy files do.
            in_place = bool(args) and users[args[0].name] == 1
            target = self.modules.get(node.target) if node.op == "call_module" else None
            name = node.name
            top = name
            T = self.torch.nn
            if isinstance(target, T.Conv2d):
                layer = self.layer(name, "Convolution", [bottom], top,
                                   [target.weight.detach().numpy()] +
                                   ([target.bias.detach().numpy()] if target.bias is not None else []))
                p = layer.convolution_param
                p.num_output = target.out_channels
                p.bias_term = target.bias is not None
                p.kernel_h, p.kernel_w = target.kernel_size
                p.stride_h, p.stride_w = target.stride
                p.pad_h, p.pad_w = target.padding
                if target.dilation != (1, 1):
                    p.dilation.extend(target.dilation)
                if target.groups != 1:
                    p.group = target.groups
                out = [shape[0], target.out_channels] + [
                    (shape[2 + i] + 2 * target.padding[i] - target.dilation[i] * (target.kernel_size[i] - 1) - 1)
                    // target.stride[i] + 1 for i in range(2)]
            elif isinstance(target, T.BatchNorm2d):
                top = bottom if in_place else name
                mean = target.running_mean.detach().numpy() * MOVING_AVERAGE_FACTOR
                var = target.running_var.detach().numpy() * MOVING_AVERAGE_FACTOR
                import numpy as np

                layer = self.layer(name, "BatchNorm", [bottom], top, [mean, var, np.array([MOVING_AVERAGE_FACTOR])])
                layer.batch_norm_param.eps = target.eps
                scale = self.layer(name + "_scale", "Scale", [top], top,
                                   [target.weight.detach().numpy(), target.bias.detach().numpy()])
                scale.scale_param.bias_term = True
                out = shape
            elif isinstance(target, T.ReLU) or (node.op == "call_function" and node.target in (
                    self.torch.relu, self.torch.nn.functional.relu)):
                top = bottom if in_place else name
                self.layer(name, "ReLU", [bottom], top)
                out = shape
            elif isinstance(target, T.MaxPool2d):
                kernel, stride, pad = target.kernel_size, target.stride, target.padding
                for size in shape[2:]:
                    caffe = pooled_extent(size, kernel, stride, pad, True)
                    torch_extent = pooled_extent(size, kernel, stride, pad, target.ceil_mode)
                    if caffe != torch_extent:
                        raise SystemExit(f"{name}: Caffe pools {size} to {caffe}, PyTorch to {torch_extent}; choose "
                                         f"another input size or ceil_mode=True")
                layer = self.layer(name, "Pooling", [bottom], top)
                p = layer.pooling_param
                p.pool, p.kernel_size, p.stride, p.pad = self.pb.PoolingParameter.MAX, kernel, stride, pad
                out = shape[:2] + [pooled_extent(s, kernel, stride, pad, True) for s in shape[2:]]
            elif isinstance(target, T.AdaptiveAvgPool2d):
                if tuple(target.output_size) != (1, 1) and target.output_size != 1:
                    raise SystemExit(f"{name}: only global average pooling has a Caffe form")
                layer = self.layer(name, "Pooling", [bottom], top)
                layer.pooling_param.pool = self.pb.PoolingParameter.AVE
                layer.pooling_param.global_pooling = True
                out = shape[:2] + [1, 1]
            elif isinstance(target, T.Dropout):
                self.layer(name, "Dropout", [bottom], top)
                out = shape
            elif isinstance(target, T.Linear):
                layer = self.layer(name, "InnerProduct", [bottom], top,
                                   [target.weight.detach().numpy(), target.bias.detach().numpy()])
                layer.inner_product_param.num_output = target.out_features
                out = shape[:-1] + [target.out_features]
            elif node.op == "call_function" and node.target is self.torch.flatten:
                if node.args[1:] != (1,):
                    raise SystemExit(f"{name}: only flatten from axis 1 is written")
                self.layer(name, "Flatten", [bottom], top)
                out = [shape[0], int(__import__("numpy").prod(shape[1:]))]
            elif node.op == "call_function" and node.target in (operator.add, operator.iadd, self.torch.add):
                layer = self.layer(name, "Eltwise", [self.tops[a.name] for a in args], top)
                layer.eltwise_param.operation = self.pb.EltwiseParameter.SUM
                out = shape
            elif node.op == "call_function" and node.target is self.torch.cat:
                parts = node.args[0]
                axis = node.args[1] if len(node.args) > 1 else node.kwargs.get("dim", 0)
                layer = self.layer(name, "Concat", [self.tops[p.name] for p in parts], top)
                layer.concat_param.axis = axis
                out = list(self.shapes[parts[0].name])
                out[axis] = sum(self.shapes[p.name][axis] for p in parts)
            else:
                raise SystemExit(f"no Caffe form for node {name} ({node.op} {node.target})")
            self.tops[node.name] = top
            self.shapes[node.name] = out
        return self.net, self.weights


def export(name, folder):
    import torch

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model = build_model(name)
    shape = INPUT_SHAPES[name]
    with tempfile.TemporaryDirectory() as protos:
        caffe_pb2 = caffe_pb2_module(protos)
        from google.protobuf import text_format

        net, weights = CaffeWriter(caffe_pb2, model, shape).convert()
        # Written next to the targets and renamed, so an interrupted export leaves no file a later run
        # would take for a finished one.
        files = {
            folder / f"{name}.prototxt": text_format.MessageToString(net).encode(),
            folder / f"{name}.caffemodel": weights.SerializeToString(),
        }
        for path, data in files.items():
            Path(str(path) + ".partial").write_bytes(data)
    onnx_path = folder / f"{name}.onnx"
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, torch.zeros(shape), str(onnx_path) + ".partial", opset_version=13,
                          input_names=["data"], output_names=["output"])
    for path in list(files) + [onnx_path]:
        os.replace(str(path) + ".partial", path)
    return {kind: folder / f"{name}.{kind}" for kind in ("prototxt", "caffemodel", "onnx")}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in MODELS:
        sys.exit(f"usage: {sys.argv[0]} MODEL OUT_FOLDER   (MODEL: {', '.join(MODELS)})")
    paths = export(sys.argv[1], sys.argv[2])
    print(f"exported {sys.argv[1]}: " + ", ".join(str(p) for p in paths.values()))


if __name__ == "__main__":
    main()

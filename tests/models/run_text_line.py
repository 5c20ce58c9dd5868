#!/usr/bin/python3
"""A text-line recognizer with a symbolic width, built once and run at several widths: a small CRNN-like
network (three convolution blocks with batch normalization that halve the height to 4 and the width to
a quarter, then each column's 256 features through a fully connected layer to 37 classes and a
log-softmax), random weights with torch.manual_seed(0) and measured batch-norm statistics, exported by
PyTorch with the batch and the width symbolic. The flatten of each column is a Reshape whose target the
exporter computes from Shape at run time, so every width exercises a shape computation.

`kiln build --minShapes input:1x1x32x32 --optShapes input:1x1x32x256 --maxShapes input:4x1x32x1024`
makes one plan; widths 32, 100, 517 and 1024 (batch 1, and 3 at width 100) run through it and are
compared with ONNX Runtime at the zoo test's tolerance (rtol 1e-3, atol 1e-4 of the largest magnitude).

Exits 0 when every run agrees, 1 otherwise, 77 when torch or ONNX Runtime cannot be had.

usage: run_text_line.py --kiln PATH/TO/kiln --work DIR [--cache DIR] [--backend cpu|cuda]
"""

import argparse
import os
import shutil
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run_zoo_model as zoo  # noqa: E402

HEIGHT = 32
CLASSES = 37
RUNS = ((1, 32), (1, 100), (3, 100), (1, 517), (1, 1024))  # (batch, width)


def export(path):
    import torch
    from torch import nn

    torch.manual_seed(0)

    def block(inputs, outputs, pool):
        return [nn.Conv2d(inputs, outputs, 3, padding=1), nn.BatchNorm2d(outputs), nn.ReLU(), nn.MaxPool2d(pool)]

    class Recognizer(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(*block(1, 16, 2), *block(16, 32, 2), *block(32, 64, (2, 1)))
            self.classifier = nn.Linear(64 * 4, CLASSES)

        def forward(self, x):
            x = self.features(x)                   # N, 64, 4, W/4
            x = x.permute(0, 3, 1, 2).flatten(2)   # N, W/4, 256: one feature vector per column
            return torch.log_softmax(self.classifier(x), dim=-1)

    model = Recognizer()
    for norm in (m for m in model.modules() if isinstance(m, nn.BatchNorm2d)):
        norm.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(4):
            model(torch.randn(8, 1, HEIGHT, 128))
    model.eval()
    legacy = {"dynamo": False} if "dynamo" in torch.onnx.export.__code__.co_varnames else {}
    partial = str(path) + ".partial"
    with torch.no_grad():
        torch.onnx.export(model, torch.zeros(1, 1, HEIGHT, 128), partial, opset_version=13, input_names=["input"],
                          output_names=["output"],
                          dynamic_axes={"input": {0: "batch", 3: "width"}, "output": {0: "batch", 1: "steps"}},
                          **legacy)
    os.replace(partial, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiln", required=True, type=Path)
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("KILN_ZOO_CACHE", HERE / ".cache")))
    parser.add_argument("--backend", choices=["cpu", "cuda"], default="cpu")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    python_ort = zoo.have_python_onnxruntime()
    try:
        zoo.ensure_torchvision()  # brings torch
        node_modules = None if python_ort else zoo.ensure_onnxruntime_node(args.cache)
    except zoo.Skip as reason:
        print(f"skipped: {reason}")
        return zoo.SKIP

    model = args.cache / "models" / "text_line_recognizer.onnx"
    if not model.exists():
        model.parent.mkdir(parents=True, exist_ok=True)
        export(model)
    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    plan = work / "recognizer.plan"
    if zoo.run([args.kiln, "build", model, "-o", plan, "--backend", args.backend,
                "--minShapes", f"input:1x1x{HEIGHT}x32", "--optShapes", f"input:1x1x{HEIGHT}x256",
                "--maxShapes", f"input:4x1x{HEIGHT}x1024"]).returncode != 0:
        print("FAIL: kiln build with a width range failed")
        return 1

    rng = np.random.default_rng(0)
    for batch, width in RUNS:
        run_dir = work / f"b{batch}_w{width}"
        (run_dir / "reference").mkdir(parents=True)
        (run_dir / "kiln").mkdir(parents=True)
        input_path = run_dir / "input.npy"
        np.save(input_path, rng.standard_normal((batch, 1, HEIGHT, width)).astype(np.float32))
        if zoo.ort_reference(model, run_dir / "reference", input_path, node_modules).returncode != 0:
            print(f"FAIL: ONNX Runtime could not run batch {batch}, width {width}")
            return 1
        if zoo.run([args.kiln, "run", plan, "--input", f"input={input_path}",
                    "--output-dir", run_dir / "kiln"]).returncode != 0:
            print(f"FAIL: kiln run at batch {batch}, width {width} failed")
            return 1
        print(f"batch {batch}, width {width}:")
        if not zoo.compare(run_dir / "reference", run_dir / "kiln"):
            return 1
    print(f"PASS: the text-line recognizer, built once for widths 32 to 1024, matches ONNX Runtime at "
          + ", ".join(f"{b}x{w}" for b, w in RUNS) + " (batch x width)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

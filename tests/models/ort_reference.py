#!/usr/bin/python3
"""Reference outputs for the model-zoo test from Python's onnxruntime package (CPU execution
provider), where it is installed: reads .npy inputs, runs the model once and writes every output
as OUT_DIR/<output name>.npy. The same job as ort_reference.js, for machines without Node.js.

usage: ort_reference.py MODEL.onnx OUT_DIR INPUT_NAME=input.npy [INPUT_NAME=input.npy ...]
"""

import sys
from pathlib import Path

import numpy as np
import onnxruntime


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    model, out_dir = sys.argv[1], Path(sys.argv[2])
    feeds = {}
    for argument in sys.argv[3:]:
        name, _, path = argument.partition("=")
        feeds[name] = np.load(path)
    session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    names = [output.name for output in session.get_outputs()]
    for name, value in zip(names, session.run(names, feeds)):
        np.save(out_dir / f"{name}.npy", value)
        print(f"{name}: {list(value.shape)}")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Model-level test of the Caffe parser: writes a Caffe net and its ONNX twin from one torchvision
module (export_caffe.py), runs `kiln run` on both with the same fixed random input, and requires equal
outputs within the model zoo's tolerance (run_zoo_model.py's compare: rtol 1e-3 and an atol of 1e-4
times the largest output). The two files describe the same computation, but the networks Kiln imports
from them differ (a BatchNorm with its Scale against ONNX's BatchNormalization, Caffe's Flatten and
InnerProduct against ONNX's Flatten and Gemm), so the builder fuses and times them apart and their sums
run in other orders: the zoo's bar for two FP32 runtimes. The Caffe net is also run with --check
against Kiln's reference kernels.

Exits 0 when the outputs agree, 1 when they do not or a step fails, and 77 (the test's
SKIP_RETURN_CODE) when torch, torchvision, Python's protobuf or protoc is missing.

usage: run_caffe_model.py MODEL --kiln PATH/TO/kiln --work DIR
"""

import argparse
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from export_caffe import INPUT_SHAPES, MODELS, export  # noqa: E402
from run_zoo_model import ATOL, RTOL, compare, run  # noqa: E402

SKIP = 77


def missing_prerequisite():
    for module in ("torch", "torchvision", "google.protobuf"):
        try:
            if importlib.util.find_spec(module) is None:
                return f"Python module {module} is not installed (Debian: python3-torchvision, python3-protobuf)"
        except ModuleNotFoundError:
            return f"Python module {module} is not installed (Debian: python3-torchvision, python3-protobuf)"
    if shutil.which("protoc") is None:
        return "protoc is not installed (Debian: protobuf-compiler)"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=MODELS)
    parser.add_argument("--kiln", required=True, type=Path, help="the kiln command-line binary")
    parser.add_argument("--work", required=True, type=Path, help="folder for this run's files")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    if reason := missing_prerequisite():
        print(f"skipped: {reason}")
        return SKIP
    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    (work / "caffe").mkdir(parents=True)
    (work / "onnx").mkdir(parents=True)
    files = export(args.model, work)
    input_path = work / "input.npy"
    np.save(input_path, np.random.default_rng(0).standard_normal(INPUT_SHAPES[args.model]).astype(np.float32))

    if run([args.kiln, "run", files["onnx"], "--input", f"data={input_path}", "--output-dir", work / "onnx",
            "--quiet"]).returncode != 0:
        print("FAIL: kiln run of the ONNX twin failed")
        return 1
    check = run([args.kiln, "run", files["prototxt"], "--weights", files["caffemodel"], "--input", f"data={input_path}",
                 "--output-dir", work / "caffe", "--check", "--quiet"], capture_output=True, text=True)
    print(check.stdout)
    if check.returncode != 0 or "Check: PASS" not in check.stdout:
        print(f"FAIL: kiln run --check of the Caffe net exits {check.returncode}: {check.stderr.strip()}")
        return 1
    if not compare(work / "onnx", work / "caffe", reference_name="kiln on the ONNX twin"):
        return 1
    print(f"PASS: {args.model} as a Caffe net matches its ONNX twin (rtol {RTOL:g}, atol {ATOL:g} of the largest "
          f"output) and Kiln's reference kernels")
    return 0


if __name__ == "__main__":
    sys.exit(main())

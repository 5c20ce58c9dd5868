#!/usr/bin/python3
"""Dynamic-batch model-zoo test for one torchvision architecture: builds the exported model once for
batches 1 to 32 (opt 8: `kiln build --minShapes/--optShapes/--maxShapes`), then runs batches 1, 3, 8
and 32 through that one plan and compares each with ONNX Runtime at run_zoo_model.py's tolerance
(rtol 1e-3, atol 1e-4 of the largest reference magnitude). Batch 3 is no shape the build saw: its
network is derived when the plan first runs it.

With --fp16 the plan is built with --fp16 and each output must instead have a cosine similarity of at
least 0.999 to ONNX Runtime's FP32 output (run_zoo_model.py's FP16 bar).

Exits 0 when every batch agrees, 1 when one does not or a step fails, 77 when a prerequisite that is
not part of Kiln cannot be installed or, with --backend cuda, there is no CUDA device.

usage: run_zoo_dynamic.py MODEL --kiln PATH/TO/kiln --work DIR [--cache DIR] [--backend cpu|cuda] [--fp16]
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
from export_torchvision import MODELS, cached_model_path, input_shape  # noqa: E402

BATCHES = (1, 3, 8, 32)
MIN_BATCH, OPT_BATCH, MAX_BATCH = 1, 8, 32


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=sorted(MODELS))
    parser.add_argument("--kiln", required=True, type=Path)
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("KILN_ZOO_CACHE", HERE / ".cache")))
    parser.add_argument("--backend", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--fp16", action="store_true")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    if args.backend == "cuda" and (reason := zoo.cuda_unavailable(args.kiln)):
        print(f"skipped: no CUDA backend here ({reason})")
        return zoo.SKIP

    model_path = cached_model_path(args.cache, args.model)
    python_ort = zoo.have_python_onnxruntime()
    try:
        if not model_path.exists():
            zoo.ensure_torchvision()
        node_modules = None if python_ort else zoo.ensure_onnxruntime_node(args.cache)
    except zoo.Skip as reason:
        print(f"skipped: {reason}")
        return zoo.SKIP
    if not model_path.exists() and not zoo.export_model(args.model, model_path):
        print(f"FAIL: exporting {args.model} to ONNX failed")
        return 1

    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shape = input_shape(args.model)

    def dims(batch):
        return "x".join(str(d) for d in [batch] + shape[1:])

    plan_path = work / "dynamic.plan"
    if zoo.run([args.kiln, "build", model_path, "-o", plan_path, "--avgTiming", "3", "--backend", args.backend,
                "--minShapes", f"input:{dims(MIN_BATCH)}", "--optShapes", f"input:{dims(OPT_BATCH)}",
                "--maxShapes", f"input:{dims(MAX_BATCH)}", *(["--fp16"] if args.fp16 else [])]).returncode != 0:
        print("FAIL: kiln build with a batch range failed")
        return 1

    rng = np.random.default_rng(0)
    for batch in BATCHES:
        run_dir = work / f"b{batch}"
        (run_dir / "reference").mkdir(parents=True)
        (run_dir / "kiln").mkdir(parents=True)
        input_path = run_dir / "input.npy"
        np.save(input_path, rng.standard_normal([batch] + shape[1:]).astype(np.float32))
        if zoo.ort_reference(model_path, run_dir / "reference", input_path, node_modules).returncode != 0:
            print(f"FAIL: ONNX Runtime could not run batch {batch}")
            return 1
        if zoo.run([args.kiln, "run", plan_path, "--input", f"input={input_path}",
                    "--output-dir", run_dir / "kiln"]).returncode != 0:
            print(f"FAIL: kiln run of the dynamic plan at batch {batch} failed")
            return 1
        print(f"batch {batch}:")
        if args.fp16:
            for reference_path in sorted((run_dir / "reference").glob("*.npy")):
                kiln_path = zoo.output_file(run_dir / "kiln", reference_path.stem)
                similarity = zoo.cosine(np.load(reference_path), np.load(kiln_path)) if kiln_path else float("nan")
                print(f"output '{reference_path.stem}': cosine to ONNX Runtime FP32 {similarity:.6f}")
                if not similarity >= zoo.FP16_MIN_COSINE:
                    print(f"FAIL: batch {batch}: cosine below {zoo.FP16_MIN_COSINE}")
                    return 1
        elif not zoo.compare(run_dir / "reference", run_dir / "kiln"):
            return 1
    precision = " FP16" if args.fp16 else ""
    print(f"PASS: {args.model} on {args.backend}{precision}, built once for batches {MIN_BATCH} to {MAX_BATCH} (opt {OPT_BATCH}), "
          f"matches ONNX Runtime at batches {', '.join(map(str, BATCHES))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

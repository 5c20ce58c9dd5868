#!/usr/bin/python3
"""Accuracy test for the trained glyph classifier: runs glyphs.onnx with `kiln run` on the held-out
images in FP32 and once more with other flags (--fp16 unless told otherwise), and prints the top-1 of
each run against eval_labels.npy and how often the second run's top-1 class agrees with FP32's.

FP32 must reach the PyTorch top-1 recorded in glyphs.txt within 0.5 points (the two differ only where
two logits nearly tie), and the second run must agree with FP32 on at least 99.5% of the images
(--min-agreement; FP16 keeps 11 significant bits, and only near-ties may flip). INT8 keeps 8 bits per
activation and clips at the calibrated threshold, so its test asks for 99% (at most 5 of the 500
images changed), in line with the usual INT8 acceptance of a top-1 within a point of FP32.
Agreement rather than top-1 is the measure for a reduced precision, since it counts every image whose
answer the precision changed, right or wrong.

Exits 0 when both hold, 1 when either does not or a run fails, and 77 (ctest's SKIP_RETURN_CODE) with
--backend cuda where kiln has no CUDA device.

usage: check_accuracy.py --kiln PATH/TO/kiln [--work DIR] [--backend cpu|cuda] [--min-agreement PERCENT]
                         [-- FLAGS OF THE SECOND RUN]
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SKIP = 77
MAX_TOP1_DROP_POINTS = 0.5
MIN_AGREEMENT_PERCENT = 99.5
DEFAULT_SECOND_FLAGS = ["--fp16"]


def recorded_top1(description):
    match = re.search(r"^pytorch_top1_eval_images:\s*([0-9.]+)\s*$", description.read_text(), re.MULTILINE)
    if match is None:
        sys.exit(f"{description} has no 'pytorch_top1_eval_images:' line; run make_glyph_classifier.py again")
    return float(match.group(1))


def kiln_logits(kiln, model_dir, images, flags, output_dir, model=None):
    """The logits of one `kiln run` of `model` (default: glyphs.onnx in model_dir) over all images, or
    None when the run fails."""
    shape = "x".join(str(dim) for dim in images.shape)
    # One timed run: this measures outputs, not speed.
    command = [str(kiln), "run", str(model or model_dir / "glyphs.onnx"),
               "--input", f"input={model_dir / 'eval_images.npy'}", "--shapes", f"input:{shape}",
               "--output-dir", str(output_dir), "--iterations", "1", "--warmUp", "0", *flags]
    print("+ " + " ".join(command), flush=True)
    if subprocess.run(command).returncode != 0:
        return None
    logits = np.load(output_dir / "logits.npy")
    expected_shape = (images.shape[0], logits.shape[-1])
    if logits.shape != expected_shape or not np.isfinite(logits).all():
        print(f"FAIL: logits of shape {logits.shape} (expected {expected_shape}) or not all finite")
        return None
    return logits


def main():
    # Everything after "--" belongs to the second run, so that its kiln flags need no quoting.
    argv = sys.argv[1:]
    second_flags = DEFAULT_SECOND_FLAGS
    if "--" in argv:
        split = argv.index("--")
        argv, second_flags = argv[:split], argv[split + 1:]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     usage="%(prog)s --kiln PATH [--work DIR] [--backend cpu|cuda] [-- FLAGS]")
    parser.add_argument("--kiln", required=True, type=Path, help="the kiln command-line binary")
    parser.add_argument("--work", type=Path, help="folder for the runs' outputs (default: a temporary one)")
    parser.add_argument("--backend", choices=["cpu", "cuda"], default="cpu",
                        help="where kiln builds and runs, in both runs")
    parser.add_argument("--models", type=Path, default=HERE, help="folder holding glyphs.onnx and its data")
    parser.add_argument("--min-agreement", type=float, default=MIN_AGREEMENT_PERCENT,
                        help="least share of images (percent) on which the second run must give FP32's class")
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)

    if args.backend == "cuda":
        version = subprocess.run([str(args.kiln), "--version"], capture_output=True, text=True).stdout
        cuda = [line for line in version.splitlines() if line.startswith("backend cuda:")]
        if not cuda or "unavailable" in cuda[0]:
            print(f"skipped: no CUDA backend here ({cuda[0] if cuda else 'kiln --version names none'})")
            return SKIP

    pytorch_top1 = recorded_top1(args.models / "glyphs.txt")
    images = np.load(args.models / "eval_images.npy", mmap_mode="r")
    labels = np.load(args.models / "eval_labels.npy")
    with tempfile.TemporaryDirectory() as temporary:
        work = args.work or Path(temporary)
        shutil.rmtree(work / "fp32", ignore_errors=True)
        shutil.rmtree(work / "second", ignore_errors=True)
        backend = ["--backend", args.backend]
        reference = kiln_logits(args.kiln, args.models, images, backend, work / "fp32")
        second = kiln_logits(args.kiln, args.models, images, [*backend, *second_flags], work / "second")
    if reference is None or second is None:
        print("FAIL: a kiln run failed")
        return 1

    fp32_classes = reference.argmax(axis=1)
    second_classes = second.argmax(axis=1)
    fp32_top1 = 100.0 * float(np.mean(fp32_classes == labels))
    second_top1 = 100.0 * float(np.mean(second_classes == labels))
    agreement = 100.0 * float(np.mean(second_classes == fp32_classes))
    largest_error = float(np.abs(second.astype(np.float64) - reference).max())
    second_name = " ".join(second_flags) or "(no flags)"
    print(f"{len(labels)} held-out images on {args.backend}")
    width = max(len("PyTorch (glyphs.txt)"), len(f"kiln {second_name}"))
    print(f"{'PyTorch (glyphs.txt)':<{width}}  top-1 {pytorch_top1:.2f}%")
    print(f"{'kiln FP32':<{width}}  top-1 {fp32_top1:.2f}%")
    print(f"{'kiln ' + second_name:<{width}}  top-1 {second_top1:.2f}%")
    differing = int(np.sum(second_classes != fp32_classes))
    print(f"{second_name} agrees with FP32 on {agreement:.2f}% of the images ({differing} differ); "
          f"largest logit difference {largest_error:.3e}")

    ok = True
    if fp32_top1 < pytorch_top1 - MAX_TOP1_DROP_POINTS:
        print(f"FAIL: kiln FP32 top-1 is more than {MAX_TOP1_DROP_POINTS} points below PyTorch's")
        ok = False
    if agreement < args.min_agreement:
        print(f"FAIL: {second_name} agrees with FP32 on fewer than {args.min_agreement}% of the images")
        ok = False
    if ok:
        print(f"PASS: FP32 within {MAX_TOP1_DROP_POINTS} points of PyTorch, {second_name} agrees with FP32 on "
              f"at least {args.min_agreement}%")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

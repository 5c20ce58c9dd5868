#!/usr/bin/python3
"""QDQ test on the trained glyph classifier: calibrates glyphs.onnx with `kiln calibrate` (entropy, the
shipped calibration batches), writes the same model in QDQ form with bench/cpu/make_qdq.py
(QuantizeLinear/DequantizeLinear pairs with the cache's scales, INT8 weights per channel, INT32
biases, as ONNX Runtime's quantizer writes them), and runs both on the held-out images: the QDQ model
with `--int8` alone (its ranges come from the pairs), the original with `--int8 --calibCache`.

The two INT8 engines hold the same ranges and the same INT8 weights (requantizing a per-channel INT8
weight with its own scale gives it back); they differ only in the biases, which the QDQ model rounds
to INT32 steps of input scale x weight scale. That moves a sum by far less than one INT8 step, but it
can tip a value that lies on a rounding edge to the next step, and such flips travel through the
layers. So their classes must agree on at least 99.8% of the images (at most one near-tie may flip),
and the QDQ model's top-1 must be within 1 point of PyTorch's.

usage: check_qdq.py --kiln PATH/TO/kiln [--work DIR]
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from check_accuracy import kiln_logits, recorded_top1  # noqa: E402

MAKE_QDQ = HERE.parent.parent.parent / "bench" / "cpu" / "make_qdq.py"
MIN_AGREEMENT_PERCENT = 99.8
MAX_TOP1_DROP_POINTS = 1.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiln", required=True, type=Path)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    images = np.load(HERE / "eval_images.npy", mmap_mode="r")
    labels = np.load(HERE / "eval_labels.npy")
    pytorch_top1 = recorded_top1(HERE / "glyphs.txt")
    with tempfile.TemporaryDirectory() as temporary:
        work = args.work or Path(temporary)
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        cache, qdq = work / "glyphs.calibration", work / "glyphs_qdq.onnx"
        steps = [
            [str(args.kiln), "calibrate", str(HERE / "glyphs.onnx"), "--shapes", "input:32x1x32x32",
             "--calib", str(HERE / "calib"), "--calibCache", str(cache)],
            [sys.executable, str(MAKE_QDQ), str(HERE / "glyphs.onnx"), str(cache), str(qdq)],
        ]
        for command in steps:
            print("+ " + " ".join(command), flush=True)
            if subprocess.run(command).returncode != 0:
                print("FAIL: a step failed")
                return 1
        from_qdq = kiln_logits(args.kiln, HERE, images, ["--int8"], work / "qdq", model=qdq)
        calibrated = kiln_logits(args.kiln, HERE, images, ["--int8", "--calibCache", str(cache)], work / "calibrated")
    if from_qdq is None or calibrated is None:
        print("FAIL: a kiln run failed")
        return 1
    qdq_classes, calibrated_classes = from_qdq.argmax(axis=1), calibrated.argmax(axis=1)
    agreement = 100.0 * float(np.mean(qdq_classes == calibrated_classes))
    qdq_top1 = 100.0 * float(np.mean(qdq_classes == labels))
    print(f"QDQ model --int8: top-1 {qdq_top1:.2f}% (PyTorch {pytorch_top1:.2f}%), agrees with the calibrated "
          f"INT8 engine on {agreement:.2f}% of {len(labels)} images; largest logit difference "
          f"{np.abs(from_qdq - calibrated).max():.3e}")
    ok = agreement >= MIN_AGREEMENT_PERCENT and qdq_top1 >= pytorch_top1 - MAX_TOP1_DROP_POINTS
    print("PASS" if ok else f"FAIL: agreement below {MIN_AGREEMENT_PERCENT}% or top-1 more than "
                            f"{MAX_TOP1_DROP_POINTS} points below PyTorch's")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

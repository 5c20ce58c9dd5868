#!/usr/bin/python3
"""Hostile inputs against the kiln command: a few hundred malformed files made here from the bundled
sample model and from small hand-written ones (seeded, so every run makes the same files), each run
through the commands that read it. Every case must end in a clean result: exit 0, or exit 1/2 with a
"kiln: error:" message; never a crash (a signal), a hang (60 s), a message with raw control
characters, or a file left behind by a failed command (the plan, an export or a temporary).

Cases: byte flips and truncations of the sample model; ONNX-level mutations (huge, zero and negative
dimensions, wrong attribute types, dangling and cyclic references, unknown ops, empty graphs); .npy
inputs with mutated headers and sizes; corrupt timing and calibration caches; byte flips and
truncations of a plan.

usage: run_hostile.py --kiln PATH/TO/kiln --work DIR [--cases N]   (prints one line per failing case)
"""

import argparse
import random
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent.parent / "resources" / "sample" / "kiln_sample.onnx"
TIMEOUT_SECONDS = 60


class Runner:
    def __init__(self, kiln, work):
        self.kiln = kiln
        self.work = work
        self.failures = []
        self.count = 0

    def check(self, name, args, outputs=()):
        """Runs kiln with `args`; the case passes when it ends cleanly and, on failure, leaves none of
        `outputs` nor any temporary file in the work folder."""
        self.count += 1
        for output in outputs:
            Path(output).unlink(missing_ok=True)
        try:
            result = subprocess.run([str(self.kiln), *map(str, args)], capture_output=True, timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.failures.append(f"{name}: hung for {TIMEOUT_SECONDS} s")
            return
        err = result.stderr.decode("utf-8", "replace")
        out = result.stdout.decode("utf-8", "replace")
        if result.returncode < 0 or result.returncode > 2:
            self.failures.append(f"{name}: exit {result.returncode} (a crash or an unexpected status): {err[-300:]}")
            return
        # Warnings ("kiln: warning: ...", e.g. a damaged cache) may come first; then the error.
        first = next((line for line in err.splitlines() if not line.startswith("kiln: warning: ")), "")
        if result.returncode != 0 and not first.startswith("kiln: error: "):
            self.failures.append(f"{name}: exit {result.returncode} without a 'kiln: error:' message: {err[-300:]}")
        if any((ord(c) < 32 and c not in "\n\t") or ord(c) == 127 for c in err + out):
            self.failures.append(f"{name}: raw control characters in the output")
        if result.returncode != 0:
            for output in outputs:
                if Path(output).exists():
                    self.failures.append(f"{name}: failed but left {output}")
        leftovers = [p.name for p in self.work.iterdir() if ".tmp-" in p.name]
        if leftovers:
            self.failures.append(f"{name}: temporary files left: {leftovers}")
            for p in self.work.iterdir():
                if ".tmp-" in p.name:
                    p.unlink()


def byte_variants(data, rng, flips, truncations):
    """Seeded byte flips (1 to 8 bytes each) and truncations of `data`."""
    variants = []
    for _ in range(flips):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        variants.append(bytes(mutated))
    for _ in range(truncations):
        variants.append(data[: rng.randrange(len(data))])
    return variants


def onnx_variants():
    """Valid protobuf, invalid or extreme models: what a careless or hostile exporter writes."""
    import onnx
    from onnx import TensorProto, helper

    def model(nodes, inputs, outputs, initializers=(), opset=13):
        graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        m.ir_version = 8
        return m.SerializeToString()

    def value(name, dims, kind=TensorProto.FLOAT):
        return helper.make_tensor_value_info(name, kind, dims)

    def short_initializer():  # dims of 4 values over the bytes of 2 (helper.make_tensor refuses to make it)
        tensor = helper.make_tensor("c", TensorProto.FLOAT, [2], [1.0, 2.0])
        tensor.dims[0] = 4
        return tensor

    relu = [helper.make_node("Relu", ["x"], ["y"])]
    cases = {
        "huge input": model(relu, [value("x", [1 << 40, 1 << 20])], [value("y", None)]),
        "zero input": model(relu, [value("x", [0, 3])], [value("y", None)]),
        "negative input": model(relu, [value("x", [-5, 3])], [value("y", None)]),
        "empty graph": model([], [value("x", [1])], [value("y", [1])]),
        "dangling input": model([helper.make_node("Relu", ["ghost"], ["y"])], [value("x", [2])], [value("y", None)]),
        "cycle": model([helper.make_node("Relu", ["b"], ["a"]), helper.make_node("Relu", ["a"], ["b"])],
                       [value("x", [2])], [value("b", None)]),
        "unknown op": model([helper.make_node("Frobnicate", ["x"], ["y"])], [value("x", [2])], [value("y", None)]),
        "string input": model(relu, [value("x", [2], TensorProto.STRING)], [value("y", None)]),
        "opset 99": model(relu, [value("x", [2])], [value("y", None)], opset=99),
        "conv without weights": model([helper.make_node("Conv", ["x", "w"], ["y"])], [value("x", [1, 3, 8, 8])],
                                      [value("y", None)]),
        "conv kernel larger than input": model(
            [helper.make_node("Conv", ["x", "w"], ["y"])], [value("x", [1, 1, 2, 2])], [value("y", None)],
            [helper.make_tensor("w", TensorProto.FLOAT, [1, 1, 5, 5], [0.0] * 25)]),
        "conv with a string attribute": model(
            [helper.make_node("Conv", ["x", "w"], ["y"], strides="two")], [value("x", [1, 1, 4, 4])],
            [value("y", None)], [helper.make_tensor("w", TensorProto.FLOAT, [1, 1, 1, 1], [1.0])]),
        "reshape to a huge shape": model(
            [helper.make_node("Reshape", ["x", "s"], ["y"])], [value("x", [2, 3])], [value("y", None)],
            [helper.make_tensor("s", TensorProto.INT64, [2], [1 << 40, 1 << 30])]),
        "slice with extreme steps": model(
            [helper.make_node("Slice", ["x", "st", "en", "ax", "sp"], ["y"])], [value("x", [10])], [value("y", None)],
            [helper.make_tensor("st", TensorProto.INT64, [1], [-(1 << 63)]),
             helper.make_tensor("en", TensorProto.INT64, [1], [(1 << 63) - 1]),
             helper.make_tensor("ax", TensorProto.INT64, [1], [0]),
             helper.make_tensor("sp", TensorProto.INT64, [1], [-(1 << 63)])]),
        "initializer shorter than its dims": model(
            [helper.make_node("Add", ["x", "c"], ["y"])], [value("x", [4])], [value("y", None)],
            [short_initializer()]),
        "name with escapes": model([helper.make_node("Relu", ["x\x1b[2J"], ["y\x07"], name="n\x1b[31m")],
                                   [value("x\x1b[2J", [2])], [value("y\x07", None)]),
    }
    return cases


def npy(header, data_bytes):
    header = header + " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode("latin-1") + b"\0" * data_bytes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiln", required=True, type=Path)
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--cases", type=int, default=60, help="byte-level variants per file kind")
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    work = args.work
    runner = Runner(args.kiln, work)
    rng = random.Random(20261204)
    plan = work / "out.plan"
    report = work / "report.json"

    # The sample model, mutated byte by byte: inspected, and built with an export.
    sample = SAMPLE.read_bytes()
    for index, data in enumerate(byte_variants(sample, rng, args.cases, args.cases // 3)):
        path = work / f"model_{index}.onnx"
        path.write_bytes(data)
        runner.check(f"model bytes #{index} inspect", ["inspect", path])
        runner.check(f"model bytes #{index} build", ["build", path, "-o", plan, "--exportReport", report,
                                                       "--avgTiming", "1"], outputs=[plan, report])

    # Models that parse as protobuf but are wrong or extreme.
    try:
        cases = onnx_variants()
    except ImportError:
        print("skipped: the ONNX-level cases need python3-onnx")
        cases = {}
    for name, data in cases.items():
        path = work / "crafted.onnx"
        path.write_bytes(data)
        runner.check(f"model '{name}' inspect", ["inspect", path])
        runner.check(f"model '{name}' run", ["run", path, "--output-dir", work / "outputs"],
                     outputs=[work / "outputs"])
        runner.check(f"model '{name}' build", ["build", path, "-o", plan], outputs=[plan])

    # Inputs: .npy files with mutated headers, sizes and types, for the sample's 1x3x32x32 input.
    good = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 32, 32), }"
    headers = [good, good.replace("<f4", "<f8"), good.replace("<f4", "|O"), good.replace("False", "True"),
               good.replace("(1, 3, 32, 32)", "(1, 3, 32)"), good.replace("(1, 3, 32, 32)", "(1099511627776,)"),
               good + good, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 32, 32), }",
               good.replace("'shape'", "'shap'"), "not a dictionary", ""]
    for index, header in enumerate(headers):
        for data_bytes in (3 * 32 * 32 * 4, 7):
            path = work / "input.npy"
            path.write_bytes(npy(header, data_bytes))
            runner.check(f"npy header #{index} with {data_bytes} bytes", ["run", SAMPLE, "--input", f"input={path}"])
    for index, data in enumerate(byte_variants(npy(good, 3 * 32 * 32 * 4), rng, args.cases // 3, args.cases // 6)):
        path = work / "input.npy"
        path.write_bytes(data)
        runner.check(f"npy bytes #{index}", ["run", SAMPLE, "--input", f"input={path}"])

    # A plan, mutated: refused by its header and hash checks, never run half-read.
    built = subprocess.run([str(args.kiln), "build", SAMPLE, "-o", work / "sample.plan"], capture_output=True)
    if built.returncode != 0:
        print(f"FAIL: the sample does not build: {built.stderr.decode()}")
        return 1
    plan_bytes = (work / "sample.plan").read_bytes()
    for index, data in enumerate(byte_variants(plan_bytes, rng, args.cases // 2, args.cases // 4)):
        path = work / "mutated.plan"
        path.write_bytes(data)
        runner.check(f"plan bytes #{index} inspect", ["inspect", path])
        runner.check(f"plan bytes #{index} run", ["run", path])

    # Caches that are corrupt, truncated or foreign: a timing cache is ignored with a warning, a
    # calibration cache given alone is refused.
    cache = work / "timing.cache"
    subprocess.run([str(args.kiln), "build", SAMPLE, "-o", plan, "--timingCacheFile", cache], capture_output=True)
    for index, data in enumerate(byte_variants(cache.read_bytes(), rng, args.cases // 3, args.cases // 6) +
                                 [b"", b"KILNTIME", sample[:100]]):
        cache.write_bytes(data)
        runner.check(f"timing cache #{index}", ["build", SAMPLE, "-o", plan, "--timingCacheFile", cache], outputs=[])
    calibration = work / "calibration.cache"
    for index, text in enumerate([b"", b"kiln-calibration 1\n", b"kiln-calibration 1\nalgorithm: entropy\nx: nan\n",
                                  b"kiln-calibration 1\nalgorithm: entropy\ninput: -1\n", b"\x00\xff" * 50,
                                  sample[:300]]):
        calibration.write_bytes(text)
        runner.check(f"calibration cache #{index}", ["build", SAMPLE, "-o", plan, "--int8", "--calibCache", calibration],
                     outputs=[plan])

    for failure in runner.failures:
        print(f"FAIL {failure}")
    print(f"{runner.count} hostile cases, {len(runner.failures)} failures")
    return 1 if runner.failures else 0


if __name__ == "__main__":
    sys.exit(main())

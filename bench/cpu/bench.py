#!/usr/bin/python3
"""CPU benchmark: Kiln against ONNX Runtime on the torchvision model zoo, side by side in one run.

For each model and batch size it
  1. exports the model (cached; tests/models/export_torchvision.py, torch.manual_seed(0)) and writes
     one random input (numpy seed 0, uniform in [-1, 1)),
  2. builds a Kiln plan twice with `kiln build --timingCacheFile`: cold (no cache: every tactic is
     timed) and warm (the cache the cold build wrote), recording each build's wall time,
  3. starts both runtimes as servers that keep the model loaded (bench/cpu/kiln_latency_server and
     bench/cpu/ort_latency_server.js; ONNX Runtime with graph optimizations 'all'), both with the
     same number of threads, and interleaves them: ROUNDS times, a block of runs of Kiln and one of
     ONNX Runtime (each after its own warm-up, at least ITERATIONS runs and BLOCK_SECONDS long; which
     goes first alternates from round to round), with a pause between the two so that neither's idle spinning threads take cores
     from the other (with --background-load, each round then does the same beside busy processes),
  4. reports each runtime's median over all timed runs, the ratio Kiln / ONNX Runtime, and checks
     Kiln's outputs against ONNX Runtime's (rtol 1e-3, atol 1e-4 x max|reference|: the model-zoo
     test's tolerance, see tests/models/run_zoo_model.py),
  5. reports the plan's size and each server's peak resident memory (os.wait4's ru_maxrss).

With --precisions fp32 int8, each model and batch is also measured in INT8: Kiln calibrates on four
random batches (numpy seed 1, entropy) and builds with --int8; ONNX Runtime runs the same model in
QDQ form, made from Kiln's calibration cache by bench/cpu/make_qdq.py (symmetric INT8 activations,
per-channel INT8 weights), so both runtimes quantize the same tensors with the same scales. INT8
outputs are compared by cosine similarity (the two round differently inside their kernels), and the
INT8 rows also give Kiln's speedup over its own FP32 engine. With bf16, Kiln builds with --bf16 and ONNX
Runtime runs the FP32 model (it has no BF16 CPU kernels); the row gives Kiln BF16's cosine similarity to
ONNX Runtime's FP32 outputs.

usage: bench/cpu/bench.py [--build-dir build] [--models resnet50 ...] [--batches 1 8]
                          [--precisions fp32 int8 bf16] [--rounds 5] [--iterations 10] [--block-seconds 1] [--threads N] [--work DIR]
                          [--background-load N] [--kiln-fixed-threads] [--dynamic MIN:OPT:MAX]
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
sys.path.insert(0, str(REPO_ROOT / "tests" / "models"))
from export_torchvision import MODELS, cached_model_path, input_shape  # noqa: E402
from run_zoo_model import Skip, compare, ensure_onnxruntime_node, ensure_torchvision, export_model  # noqa: E402

DEFAULT_MODELS = ["resnet50", "googlenet", "densenet121", "mobilenet_v2", "squeezenet1_1", "efficientnet_b0",
                  "inception_v3", "vit_b_16", "convnext_tiny", "bert_encoder", "shufflenet_v2_x1_0"]
SWITCH_PAUSE_SECONDS = 0.5


class Server:
    """A runtime kept loaded in a child process, driven line by line."""

    def __init__(self, name, command, env):
        self.name = name
        self.process = subprocess.Popen([str(c) for c in command], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, env=env)
        self.expect("ready")

    def expect(self, prefix):
        line = self.process.stdout.readline().strip()
        if not line.startswith(prefix):
            raise RuntimeError(f"{self.name}: expected '{prefix}', got '{line or 'end of output'}'")
        return line[len(prefix):].strip()

    def ask(self, command):
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.expect("ok")

    def run(self, iterations):
        return [float(t) for t in self.ask(f"run {iterations}").split()]

    def close(self):
        """Ends the server; returns its peak resident memory in MiB (loading, runs and all)."""
        try:
            self.process.stdin.write("quit\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            pass
        deadline = time.monotonic() + 60
        while True:
            pid, _, usage = os.wait4(self.process.pid, os.WNOHANG)
            if pid:
                self.process.returncode = 0  # reaped here: Popen must not wait for it again
                return usage.ru_maxrss / 1024.0  # Linux reports KiB
            if time.monotonic() > deadline:
                self.process.kill()
                raise RuntimeError(f"{self.name} did not end")
            time.sleep(0.05)


class BackgroundLoad:
    """Busy processes (each spinning on one core at normal priority) for the time of a `with` block."""

    def __init__(self, count):
        self.count = count
        self.processes = []

    def __enter__(self):
        spin = "while True: pass"
        self.processes = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(self.count)]
        time.sleep(SWITCH_PAUSE_SECONDS)
        return self

    def __exit__(self, *exc):
        for process in self.processes:
            process.kill()
        for process in self.processes:
            process.wait()
        return False


def dims_text(shape):
    return "x".join(map(str, shape))


def build_plan(kiln, model, shape, plan, cache, log, flags=(), shape_flags=None):
    shape_flags = shape_flags or ["--shapes", f"input:{dims_text(shape)}"]
    command = [kiln, "build", model, *shape_flags, "-o", plan, "--timingCacheFile", cache, *flags]
    start = time.monotonic()
    result = subprocess.run([str(c) for c in command], capture_output=True, text=True)
    wall = time.monotonic() - start
    log.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise RuntimeError(f"kiln build failed ({log}):\n{result.stderr or result.stdout}")
    match = re.search(r"Build time: ([0-9.]+) ms", result.stdout)
    return wall, float(match.group(1)) / 1000.0 if match else float("nan")


def cosine(a, b):
    a, b = a.astype(np.float64).ravel(), b.astype(np.float64).ravel()
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / norms) if norms > 0 else float("nan")


def int8_model(kiln, model, shape, case):
    """Calibration batches, Kiln's build flags for INT8, and the model in QDQ form for ONNX Runtime."""
    calib = case / "calib"
    calib.mkdir()
    rng = np.random.default_rng(1)
    for index in range(4):
        np.save(calib / f"batch_{index}.npy", rng.uniform(-1.0, 1.0, shape).astype(np.float32))
    calibration = case / "model.calibration"
    command = [str(kiln), "calibrate", str(model), "--shapes", f"input:{'x'.join(map(str, shape))}",
               "--calib", str(calib), "--calibCache", str(calibration)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"kiln calibrate failed:\n{result.stderr or result.stdout}")
    qdq = case / "model_qdq.onnx"
    result = subprocess.run([sys.executable, str(HERE / "make_qdq.py"), str(model), str(calibration), str(qdq)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"make_qdq.py failed:\n{result.stderr or result.stdout}")
    return ["--int8", "--calibCache", str(calibration)], qdq


def dynamic_plan(args, kiln, name, work):
    """One plan for the batches of --dynamic MIN:OPT:MAX, built cold (its own timing cache)."""
    model = cached_model_path(args.cache, name)
    if not model.exists() and not export_model(name, model):
        raise RuntimeError(f"exporting {name} failed")
    low, opt, high = args.dynamic
    rest = input_shape(name)[1:]
    case = work / f"{name}-dynamic-{low}-{opt}-{high}"
    shutil.rmtree(case, ignore_errors=True)
    case.mkdir(parents=True)
    plan = case / "model.plan"
    shape_flags = ["--minShapes", f"input:{dims_text([low, *rest])}", "--optShapes", f"input:{dims_text([opt, *rest])}",
                   "--maxShapes", f"input:{dims_text([high, *rest])}"]
    build = build_plan(kiln, model, None, plan, case / "model.timing", case / "build.log", shape_flags=shape_flags)
    return plan, build


def bench_one(args, kiln, server_binary, node_modules, name, batch, precision, work, dynamic=None):
    model = cached_model_path(args.cache, name)
    if not model.exists() and not export_model(name, model):
        raise RuntimeError(f"exporting {name} failed")
    shape = [batch, *input_shape(name)[1:]]
    case = work / f"{name}-b{batch}-{precision}"
    shutil.rmtree(case, ignore_errors=True)
    case.mkdir(parents=True)
    input_path = case / "input.npy"
    np.save(input_path, np.random.default_rng(0).uniform(-1.0, 1.0, shape).astype(np.float32))

    flags, ort_model = [], model
    if precision == "int8":
        flags, ort_model = int8_model(kiln, model, shape, case)
    elif precision == "bf16":
        flags = ["--bf16"]
    plan, cache = case / "model.plan", case / "model.timing"
    cold = build_plan(kiln, model, shape, plan, cache, case / "build-cold.log", flags)
    warm = build_plan(kiln, model, shape, plan, cache, case / "build-warm.log", flags)

    threads = str(args.threads)
    kiln_env = dict(os.environ, OMP_NUM_THREADS=threads)
    ort_env = dict(os.environ, NODE_PATH=str(node_modules))
    fixed = ["--fixedThreads"] if args.kiln_fixed_threads else []
    kiln_server = Server("kiln", [server_binary, plan, *fixed, f"input={input_path}"], kiln_env)
    ort_server = Server("onnxruntime", ["node", HERE / "ort_latency_server.js", ort_model, threads,
                                       f"input={input_path}"], ort_env)
    # The plan built for a range of batches runs this batch too, interleaved with the other two.
    dynamic_server = None
    if dynamic and precision == "fp32":
        dynamic_server = Server("kiln dynamic", [server_binary, dynamic, *fixed, f"input={input_path}"], kiln_env)
    kiln_times, ort_times, dynamic_times = [], [], []
    loaded_kiln, loaded_ort = [], []
    def timed(server, times):
        # ITERATIONS runs, and more until the block has lasted BLOCK_SECONDS: a fast model's block of ten
        # runs would last milliseconds, far shorter than the stretches other programs keep cores busy for.
        server.run(args.warm_up)
        started = time.monotonic()
        times += server.run(args.iterations)
        while time.monotonic() - started < args.block_seconds:
            times += server.run(args.iterations)
        time.sleep(SWITCH_PAUSE_SECONDS)

    try:
        for round_index in range(args.rounds):
            # Which runtime goes first alternates, so that neither always runs right after the pause.
            pair = [(kiln_server, kiln_times), (ort_server, ort_times)]
            if dynamic_server:
                pair.insert(1, (dynamic_server, dynamic_times))
            for server, times in pair if round_index % 2 == 0 else reversed(pair):
                timed(server, times)
            if args.background_load:
                # The same runs again while busy processes compete for the cores, as a desktop's other
                # programs do. Each round measures both the quiet and the loaded runs, so that a change in
                # the machine's speed over the minutes of a model's rounds reaches both medians alike.
                with BackgroundLoad(args.background_load):
                    loaded = [(kiln_server, loaded_kiln), (ort_server, loaded_ort)]
                    for server, times in loaded if round_index % 2 == 0 else reversed(loaded):
                        timed(server, times)
        kiln_threads = kiln_server.ask("threads")
        kiln_server.ask(f"save {case / 'kiln'}")
        ort_server.ask(f"save {case / 'ort'}")
        if dynamic_server:
            dynamic_server.ask(f"save {case / 'kiln-dynamic'}")
    finally:
        kiln_rss = kiln_server.close()
        ort_rss = ort_server.close()
        if dynamic_server:
            dynamic_server.close()
    print(f"--- {name} batch {batch} {precision}: Kiln's runs per thread count (threads:runs): {kiln_threads}")
    print(f"--- {name} batch {batch} {precision}: outputs against ONNX Runtime")
    if precision in ("int8", "bf16"):
        cosines = [cosine(np.load(path), np.load(case / "kiln" / path.name)) for path in sorted((case / "ort").glob("*.npy"))]
        peer = "ONNX Runtime's INT8 outputs" if precision == "int8" else "ONNX Runtime's FP32 outputs"
        print(f"cosine similarity of Kiln's {precision.upper()} outputs to {peer}: {cosines}")
        outputs_ok = f"cos {min(cosines):.3f}" if cosines else "none"
    else:
        outputs_ok = compare(case / "ort", case / "kiln")
    if dynamic_server:
        print(f"--- {name} batch {batch}: the dynamic plan's outputs against ONNX Runtime")
        outputs_ok = compare(case / "ort", case / "kiln-dynamic") and outputs_ok
    return {
        "dynamic": statistics.median(dynamic_times) if dynamic_times else None,
        "kiln": statistics.median(kiln_times),
        "ort": statistics.median(ort_times),
        "cold": cold,
        "warm": warm,
        "ok": outputs_ok,
        "kiln_rss": kiln_rss,
        "ort_rss": ort_rss,
        "plan_mib": plan.stat().st_size / 2**20,
        "loaded_kiln": statistics.median(loaded_kiln) if loaded_kiln else None,
        "loaded_ort": statistics.median(loaded_ort) if loaded_ort else None,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", type=Path, default=REPO_ROOT / "build")
    parser.add_argument("--models", nargs="+", default=DEFAULT_MODELS, choices=sorted(MODELS))
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 8])
    parser.add_argument("--precisions", nargs="+", default=["fp32"], choices=["fp32", "int8", "bf16"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--warm-up", type=int, default=2)
    parser.add_argument("--block-seconds", type=float, default=1.0,
                        help="each block of timed runs goes on, ITERATIONS runs at a time, until it has lasted this long")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--cache", type=Path, default=REPO_ROOT / "tests" / "models" / ".cache")
    parser.add_argument("--work", type=Path, default=REPO_ROOT / "build" / "bench-cpu")
    parser.add_argument("--dynamic", type=lambda text: tuple(int(v) for v in text.split(":")), metavar="MIN:OPT:MAX",
                        help="also build one plan per model for batches MIN to MAX (tactics timed at OPT) and run "
                             "every --batches size through it, beside the static plan built for that size")
    parser.add_argument("--kiln-fixed-threads", action="store_true",
                        help="run every Kiln run on the engine's threads (no fewer while cores are busy)")
    parser.add_argument("--background-load", type=int, default=0, metavar="N",
                        help="in each round, after the quiet runs, run Kiln and ONNX Runtime again while N busy "
                             "processes compete for the cores, and report how much each one's median grows")
    args = parser.parse_args()
    if args.dynamic and (len(args.dynamic) != 3 or not args.dynamic[0] <= args.dynamic[1] <= args.dynamic[2]):
        sys.exit("--dynamic takes MIN:OPT:MAX batch sizes with MIN <= OPT <= MAX, e.g. 1:8:32")

    kiln = args.build_dir / "app" / "cli" / "kiln"
    server_binary = args.build_dir / "bench" / "kiln_latency_server"
    for binary in (kiln, server_binary):
        if not binary.exists():
            sys.exit(f"{binary} is missing: build it first (cmake --build {args.build_dir} --target "
                     f"kiln_cli kiln_latency_server)")
    try:
        ensure_torchvision()
        node_modules = ensure_onnxruntime_node(args.cache)
    except Skip as skip:
        sys.exit(f"cannot run the benchmark: {skip}")

    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    rows = []
    dynamic_builds = {}
    for name in args.models:
        dynamic = None
        if args.dynamic:
            dynamic, dynamic_builds[name] = dynamic_plan(args, kiln, name, args.work)
        for batch in args.batches:
            for precision in args.precisions:
                rows.append((name, batch, precision,
                             bench_one(args, kiln, server_binary, node_modules, name, batch, precision, args.work,
                                       dynamic)))

    print(f"\nMachine: {cpu}, {os.cpu_count()} logical cores; {args.threads} threads for each runtime; "
          f"median of {args.rounds} interleaved rounds of at least {args.iterations} runs and {args.block_seconds:g} s")
    header = (f"{'model':<16} {'batch':>5} {'prec':>5} {'Kiln ms':>9} {'ORT ms':>9} {'Kiln/ORT':>9} "
              f"{'vs FP32':>8} {'build cold s':>13} {'build warm s':>13} {'outputs':>9} "
              f"{'plan MiB':>9} {'Kiln MiB':>9} {'ORT MiB':>8}")
    print(header)
    print("-" * len(header))
    failed = False
    fp32 = {(name, batch): r["kiln"] for name, batch, precision, r in rows if precision == "fp32"}
    for name, batch, precision, r in rows:
        speedup = fp32.get((name, batch), float("nan")) / r["kiln"]
        outputs = r["ok"] if isinstance(r["ok"], str) else ("ok" if r["ok"] else "DIFFER")
        print(f"{name:<16} {batch:>5} {precision:>5} {r['kiln']:>9.2f} {r['ort']:>9.2f} {r['kiln'] / r['ort']:>9.2f} "
              f"{speedup:>7.2f}x {r['cold'][0]:>13.1f} {r['warm'][0]:>13.1f} {outputs:>9} "
              f"{r['plan_mib']:>9.1f} {r['kiln_rss']:>9.1f} {r['ort_rss']:>8.1f}")
        failed = failed or r["ok"] is False
    if args.background_load:
        print(f"\nWith {args.background_load} busy process(es) competing for the {os.cpu_count()} cores "
              f"(median of {args.rounds} interleaved rounds of at least {args.iterations} runs and "
              f"{args.block_seconds:g} s each):")
        print(f"{'model':<16} {'batch':>5} {'prec':>5} {'Kiln ms':>9} {'loaded':>9} {'growth':>7} "
              f"{'ORT ms':>9} {'loaded':>9} {'growth':>7} {'Kiln/ORT growth':>16}")
        for name, batch, precision, r in rows:
            kiln_growth = r["loaded_kiln"] / r["kiln"]
            ort_growth = r["loaded_ort"] / r["ort"]
            print(f"{name:<16} {batch:>5} {precision:>5} {r['kiln']:>9.2f} {r['loaded_kiln']:>9.2f} "
                  f"{kiln_growth:>6.2f}x {r['ort']:>9.2f} {r['loaded_ort']:>9.2f} {ort_growth:>6.2f}x "
                  f"{kiln_growth / ort_growth:>16.2f}")
    if args.dynamic:
        low, opt, high = args.dynamic
        print(f"\nOne plan for batches {low} to {high} (opt {opt}) against the static plan of each batch:")
        print(f"{'model':<16} {'batch':>5} {'static ms':>10} {'dynamic ms':>11} {'dynamic/static':>15}")
        for name, batch, precision, r in rows:
            if r["dynamic"] is not None:
                print(f"{name:<16} {batch:>5} {r['kiln']:>10.2f} {r['dynamic']:>11.2f} {r['dynamic'] / r['kiln']:>15.3f}")
        for name, (wall, builder) in dynamic_builds.items():
            print(f"{name}: the dynamic plan's cold build took {wall:.1f} s")
    print("\nbuild cold/warm: wall time of `kiln build` (import, build, plan write) without and with a "
          "warm timing cache; vs FP32: Kiln FP32's time over this row's Kiln time; INT8 outputs: the least "
          "cosine similarity to ONNX Runtime's INT8 outputs; BF16 outputs: to ONNX Runtime's FP32 outputs (BF16 "
          "rows compare Kiln BF16 with ONNX Runtime FP32); Kiln MiB, ORT MiB: each server's peak resident memory "
          "(the plan or model loaded and every run made)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

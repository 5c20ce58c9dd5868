#!/usr/bin/python3
"""GPU benchmark: Kiln against PyTorch eager and torch.compile on the same GPU, in one run.

Meant for the GPU machine (tools/device/gpu_session.sh runs it there). For each model and batch size:
  1. exports the model with the torchvision there (tests/models/export_torchvision.py: random weights,
     torch.manual_seed(0)) and builds a Kiln plan with `kiln build --backend cuda` twice, cold and
     with the timing cache the cold build wrote, recording both builds' builder time and wall time;
  2. measures Kiln's GPU compute time with `kiln profile PLAN --exportTimes` (inputs already on the
     device, runs replayed as a CUDA graph: the same thing CUDA events measure around PyTorch);
  3. measures PyTorch eager (channels_last, cudnn.benchmark) and torch.compile(mode=MODE) with CUDA
     events around each run, after warm-up, in the same precision;
  4. prints median latency, throughput (images/s) and the ratios Kiln/eager and Kiln/compile (below 1:
     Kiln is faster), with the GPU's name, and checks Kiln's output against PyTorch's FP32 output on
     the same input (cosine similarity), next to PyTorch's own output at that precision against its
     FP32 output (what the peer's reduced precision costs on the same model and input).

Precisions: fp32 (TF32 off on both sides unless --tf32), fp16 (Kiln --fp16; PyTorch .half()).

usage: bench/gpu/bench.py --kiln PATH [--models resnet50 ...] [--batches 1 256] [--precisions fp16]
                          [--compile-mode max-autotune] [--iterations 100] [--work DIR] [--tf32]
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
sys.path.insert(0, str(REPO_ROOT / "tests" / "models"))
from export_torchvision import MODELS, build_model, cached_model_path  # noqa: E402
from run_zoo_model import cosine  # noqa: E402


def run(command, **kwargs):
    print("+ " + " ".join(str(c) for c in command), flush=True)
    return subprocess.run([str(c) for c in command], **kwargs)


def build_plan(args, model_path, shape, precision, plan_path, cache_path, report_path):
    """Builds a plan; returns (wall seconds, builder seconds, {phase: seconds}) or None when the build fails."""
    command = [args.kiln, "build", model_path, "--backend", "cuda", "--shapes", "input:" + "x".join(map(str, shape)),
               "-o", plan_path, "--timingCacheFile", cache_path, "--exportReport", report_path]
    if precision == "fp16":
        command.append("--fp16")
    if args.tf32:
        command.append("--tf32")
    start = time.perf_counter()
    result = run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        print(result.stdout[-2000:] + result.stderr[-2000:])
        return None
    report = json.loads(Path(report_path).read_text())
    phases = {phase["phase"]: phase["milliseconds"] / 1000.0 for phase in report.get("phases", [])}
    return wall, sum(phases.values()), phases


def kiln_latency(args, plan_path, times_path):
    command = [args.kiln, "profile", plan_path, "--iterations", args.iterations, "--warmUp", args.warmup,
               "--exportTimes", times_path]
    result = run(command, capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout[-2000:] + result.stderr[-2000:])
        return None, ""
    times = json.loads(Path(times_path).read_text())
    compute = [entry["computeMs"] for entry in times]
    layers = "\n".join(line for line in result.stdout.splitlines()[:60])
    return statistics.median(compute), layers, time_by_type(result.stdout)


# A row of `kiln profile`'s layer table: "<layer>  <Type>  <average> ms  <percent>%  <precision>  <tactic>".
PROFILE_ROW = re.compile(r"\s(\w+)\s+([0-9.]+) ms\s+[0-9.]+%\s+\S+\s+\S+\s*$")


def time_by_type(profile_text):
    """Summed average milliseconds per layer type in a `kiln profile` table, largest first."""
    totals = {}
    for line in profile_text.splitlines():
        match = PROFILE_ROW.search(line)
        if match:
            totals[match.group(1)] = totals.get(match.group(1), 0.0) + float(match.group(2))
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def torch_latency(torch, model, example, iterations, warmup):
    """Median milliseconds of model(example) measured with CUDA events, one run at a time."""
    with torch.no_grad():
        for _ in range(warmup):
            model(example)
        torch.cuda.synchronize()
        times = []
        for _ in range(iterations):
            start = torch.cuda.Event(enable_timing=True)
            stop = torch.cuda.Event(enable_timing=True)
            start.record()
            model(example)
            stop.record()
            stop.synchronize()
            times.append(start.elapsed_time(stop))
    return statistics.median(times)


def format_row(row):
    """One line of the results table."""
    tag, batch, kiln_ms, eager_ms, compile_ms, cold, warm, similarity, peer_similarity = row

    def fmt(value, width, digits=3):
        return f"{value:>{width}.{digits}f}" if value is not None else f"{'-':>{width}}"
    return (f"{tag:<28} {fmt(kiln_ms, 9)} {fmt(eager_ms, 9)} {fmt(compile_ms, 10)} "
            f"{fmt(batch * 1000.0 / kiln_ms if kiln_ms else None, 11, 0)} "
            f"{fmt(kiln_ms / eager_ms if kiln_ms else None, 8, 2)} "
            f"{fmt(kiln_ms / compile_ms if kiln_ms and compile_ms else None, 9, 2)} "
            f"{fmt(cold[0] if cold else None, 13, 1)} {fmt(warm[1] if warm else None, 15, 2)} "
            f"{fmt(similarity, 9, 6)} {fmt(peer_similarity, 12, 6)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiln", required=True, type=Path)
    parser.add_argument("--models", nargs="+", default=["resnet50"], choices=sorted(MODELS))
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 256])
    parser.add_argument("--precisions", nargs="+", default=["fp16"], choices=["fp32", "fp16"])
    parser.add_argument("--compile-mode", default="max-autotune",
                        help="torch.compile mode; 'none' leaves torch.compile out")
    parser.add_argument("--iterations", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--tf32", action="store_true", help="allow TF32 for FP32 on both sides")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "kiln-bench-gpu")
    args = parser.parse_args()
    args.iterations = str(args.iterations)
    args.warmup = str(args.warmup)

    import torch

    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = args.tf32
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    gpu = torch.cuda.get_device_name(0)
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    breakdowns = []
    for name in args.models:
        model_path = cached_model_path(args.work, name)
        model_path.parent.mkdir(parents=True, exist_ok=True)
        if not model_path.exists():
            run([sys.executable, REPO_ROOT / "tests" / "models" / "export_torchvision.py", name, model_path], check=True)
        size = MODELS[name][2]
        # The FP32 reference stays a module of its own: converting a module to FP16 rounds its weights in
        # place, and converting it back would compare the peer against a model with FP16 weights.
        reference_module = build_model(name).cuda()
        for precision in args.precisions:
            dtype = torch.float16 if precision == "fp16" else torch.float32
            eager = build_model(name).cuda().to(dtype=dtype, memory_format=torch.channels_last)
            compiled = None if args.compile_mode == "none" else torch.compile(eager, mode=args.compile_mode)
            for batch in args.batches:
                shape = [batch, 3, size, size]
                tag = f"{name}-{precision}-b{batch}"
                plan = args.work / f"{tag}.plan"
                cache = args.work / f"{tag}.timing"
                cache.unlink(missing_ok=True)
                cold = build_plan(args, model_path, shape, precision, plan, cache, args.work / f"{tag}.report.json")
                warm = build_plan(args, model_path, shape, precision, plan, cache, args.work / f"{tag}.report.json") \
                    if cold else None
                kiln_ms, profile, by_type = kiln_latency(args, plan, args.work / f"{tag}.times.json") if cold \
                    else (None, "", {})
                if profile:
                    print(profile)
                example = torch.randn(shape, device="cuda").to(dtype=dtype).contiguous(memory_format=torch.channels_last)
                eager_ms = torch_latency(torch, eager, example, int(args.iterations), int(args.warmup))
                compile_ms = torch_latency(torch, compiled, example, int(args.iterations), int(args.warmup)) \
                    if compiled is not None else None
                similarity = peer_similarity = None
                if cold and batch == args.batches[0]:
                    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
                    np.save(args.work / "x.npy", x)
                    out_dir = args.work / f"{tag}.out"
                    if run([args.kiln, "run", plan, "--input", f"input={args.work / 'x.npy'}", "--output-dir", out_dir],
                           capture_output=True).returncode == 0:
                        with torch.no_grad():
                            reference = reference_module(torch.from_numpy(x).cuda()).cpu().numpy()
                            peer = eager(torch.from_numpy(x).cuda().to(dtype=dtype)
                                         .contiguous(memory_format=torch.channels_last)).float().cpu().numpy()
                        similarity = cosine(np.load(out_dir / "output.npy"), reference)
                        peer_similarity = cosine(peer, reference)
                rows.append((tag, batch, kiln_ms, eager_ms, compile_ms, cold, warm, similarity, peer_similarity))
                # Each row as soon as it is measured, so that a run cut short by a time limit (max-autotune
                # compiles for minutes per batch size) still reports what it finished.
                print("measured: " + format_row(rows[-1]), flush=True)
                breakdowns.append((tag, cold, warm, by_type))

    print(f"\nGPU: {gpu}; torch {torch.__version__}; compile mode {args.compile_mode}; TF32 {'on' if args.tf32 else 'off'}")
    print(f"{'model':<28} {'kiln ms':>9} {'eager ms':>9} {'compile ms':>10} {'kiln img/s':>11} "
          f"{'k/eager':>8} {'k/compile':>9} {'build cold s':>13} {'warm builder s':>15} {'cosine':>9} "
          f"{'torch cosine':>12}")
    for row in rows:
        print(format_row(row))

    print("\nWhere the time goes (Kiln per-layer averages by layer type) and the builds' phases:")
    for tag, cold, warm, by_type in breakdowns:
        total = sum(by_type.values()) or 1.0
        print(f"{tag}: " + ", ".join(f"{kind} {ms:.3f} ms ({100 * ms / total:.1f}%)" for kind, ms in by_type.items()))
        for name, build in (("cold", cold), ("warm", warm)):
            if build:
                print(f"  {name} build: wall {build[0]:.2f} s; " +
                      ", ".join(f"{phase} {seconds:.2f} s" for phase, seconds in build[2].items()))


if __name__ == "__main__":
    main()

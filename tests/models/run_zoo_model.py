#!/usr/bin/python3
"""Model-zoo test for one torchvision architecture: exports it to ONNX (cached), feeds one fixed
random input to ONNX Runtime (the reference) and to a plan built by `kiln build` and run by
`kiln run`, and compares every output at
rtol 1e-3 / atol 1e-4, printing the largest absolute and relative error. It then builds and runs the network
without fusion (`kiln build --noFusion`) and requires the fused engine to match it at rtol 1e-4,
or, for a network that amplifies rounding differences, within how far the FP32 plan's own outputs
move under a tiny input perturbation (see REORDERING_NOISE and WINOGRAD_ROUNDING). Last, `kiln run --check` compares the
engine with Kiln's reference kernels on the model as imported at the same bar as ONNX Runtime.

The tolerance allows for float32 sums of up to ~10^4 products per output, accumulated in a
different order by each runtime, over some fifty layers; a wrong kernel misses it by far more.
Random weights give outputs of very different scales: below 1e-9 (MobileNetV2, EfficientNet-B0),
where a fixed atol would accept anything, even all zeros, and up to 1e12 (Inception-v3), where
small elements come out of cancelling large terms and carry the rounding error of those terms.
Rounding errors scale with the activations, not with each element, so atol is taken relative to
the output's largest magnitude: atol = 1e-4 * max|reference|.

Exits 0 when the outputs agree, 1 when they do not or a step fails, and 77 (the test's
SKIP_RETURN_CODE) when a prerequisite that is not part of Kiln (torchvision, Node.js, npm or the
onnxruntime-node package) cannot be installed, e.g. with no network.

With --backend cuda the plan is built for and run on the GPU (FP32, no TF32), with the same
tolerance: cuDNN's and cuBLASLt's FP32 kernels sum in other orders but in FP32. The run exits 77
when this kiln or machine has no CUDA device. Where Python's onnxruntime package is installed (the
GPU machine has it), it computes the reference instead of onnxruntime-node.

With --fp16 the model is also built with --fp16 (on the CPU simulated, on CUDA in half precision with
FP32 accumulation) and each output must have a cosine similarity of at least 0.999 to the FP32 plan's:
half precision keeps about 3 decimal digits per value, and the cosine over a whole output is far
less sensitive than any single element.

usage: run_zoo_model.py MODEL --kiln PATH/TO/kiln --work DIR [--cache DIR] [--backend cpu|cuda] [--fp16]
"""

import argparse
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
from export_torchvision import MODELS, cached_model_path, input_shape  # noqa: E402

SKIP = 77
# Pinned so that reference outputs do not shift underneath the test; this release ships CPU
# binaries inside the package, so it works with --ignore-scripts (no post-install download).
ORT_NODE_PACKAGE = "onnxruntime-node@1.23.2"
INSTALL_RETRY_SECONDS = 600
RTOL = 1e-3
ATOL = 1e-4
# An FP16 plan's outputs must have at least this cosine similarity to the FP32 plan's, unless the
# network itself is less stable than that: see fp32_sensitivity().
FP16_MIN_COSINE = 0.999
# The relative size of the input perturbation that fp32_sensitivity() applies: twice FP16's unit
# roundoff (2^-11), a smaller disturbance than FP16 storage, which rounds every tensor of the
# network by up to 2^-11, not only the input.
SENSITIVITY_NOISE = 1e-3
# The relative input perturbation that sets the fused-against-unfused bar for networks that amplify
# rounding differences: 1e-6 is 17 FP32 units of roundoff (2^-24) once, on the input only, whereas
# reordering a sum of n products changes it by about sqrt(n) units, in every layer; n is in the
# hundreds to thousands in these networks.
REORDERING_NOISE = 1e-6
# Winograd convolutions (Kiln's kiln:winograd:*, oneDNN's *wino*) round more than reordered sums: their
# kernel tests hold F(4x4, 3x3) to ten times the direct convolution's bound, as oneDNN's tests do for
# oneDNN's own. Where either engine runs one, its plan's noise is that of a ten times larger perturbation.
WINOGRAD_ROUNDING = 10


class Skip(Exception):
    pass


def run(command, **kwargs):
    print("+ " + " ".join(str(c) for c in command))
    return subprocess.run([str(c) for c in command], **kwargs)


def ensure_packages(packages, why):
    result = run([REPO_ROOT / "tools" / "ensure_packages.sh", *packages])
    if result.returncode != 0:
        raise Skip(f"{why}: could not install {' '.join(packages)}")


def ensure_torchvision():
    probe = [sys.executable, "-c", "import torchvision"]
    if subprocess.run(probe, capture_output=True).returncode == 0:
        return
    ensure_packages(["python3-torchvision"], "torchvision is needed to export the models")
    if subprocess.run(probe, capture_output=True).returncode != 0:
        raise Skip("python3-torchvision is installed but `import torchvision` fails")


def ensure_onnxruntime_node(cache):
    if not (shutil.which("node") and shutil.which("npm")):
        ensure_packages(["nodejs", "npm"], "Node.js and npm are needed for the ONNX Runtime reference")
    node_dir = cache / "node"
    node_dir.mkdir(parents=True, exist_ok=True)
    installed = node_dir / "node_modules" / "onnxruntime-node" / "package.json"
    failed = node_dir / "install-failed"
    failure = f"`npm install {ORT_NODE_PACKAGE}` failed{{}} (is the npm registry reachable?)"
    # Several zoo tests may start at once; one installs, the others wait for it. A failure is
    # remembered for a few minutes so that the other tests of the same run skip at once instead of
    # each waiting for npm's network timeouts again.
    with open(node_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if installed.exists():
            return node_dir / "node_modules"
        if failed.exists() and time.time() - failed.stat().st_mtime < INSTALL_RETRY_SECONDS:
            raise Skip(failure.format(" less than ten minutes ago"))
        result = run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--fetch-retries=1",
                      "--prefix", node_dir, ORT_NODE_PACKAGE])
        if result.returncode != 0 or not installed.exists():
            failed.touch()
            raise Skip(failure.format(""))
        failed.unlink(missing_ok=True)
    return node_dir / "node_modules"


def have_python_onnxruntime():
    probe = [sys.executable, "-c", "import onnxruntime"]
    return subprocess.run(probe, capture_output=True).returncode == 0


def cuda_unavailable(kiln):
    """Why `kiln` cannot run on CUDA here, or None when it can."""
    version = subprocess.run([str(kiln), "--version"], capture_output=True, text=True).stdout
    cuda = [line for line in version.splitlines() if line.startswith("backend cuda:")]
    if not cuda or "unavailable" in cuda[0]:
        return cuda[0] if cuda else "kiln --version names none"
    return None


def ort_reference(model_path, out_dir, input_path, node_modules):
    """ONNX Runtime's outputs for one input file, written to out_dir: Python's onnxruntime where it is
    installed (node_modules None), else onnxruntime-node."""
    if node_modules is None:
        return run([sys.executable, HERE / "ort_reference.py", model_path, out_dir, f"input={input_path}"])
    env = dict(os.environ, NODE_PATH=str(node_modules))
    return run(["node", HERE / "ort_reference.js", model_path, out_dir, f"input={input_path}"], env=env)


def export_model(name, model_path):
    model_path.parent.mkdir(parents=True, exist_ok=True)
    return run([sys.executable, HERE / "export_torchvision.py", name, model_path]).returncode == 0


def output_file(directory, name):
    """The file a runtime wrote for output `name`; when there is one output, any single .npy."""
    exact = directory / f"{name}.npy"
    if exact.exists():
        return exact
    files = sorted(directory.glob("*.npy"))
    return files[0] if len(files) == 1 else None


def compare(reference_dir, kiln_dir, rtol=RTOL, atol_scale=ATOL, reference_name="ONNX Runtime", atol_floors=None,
            failure="FAIL"):
    """Compares kiln's outputs with the reference's at rtol and an atol of atol_scale times the largest
    reference magnitude, or atol_floors[output name] where that is larger. Differences are reported
    with the word `failure`."""
    ok = True
    references = sorted(reference_dir.glob("*.npy"))
    if not references:
        print(f"FAIL: {reference_name} wrote no outputs")
        return False
    for reference_path in references:
        name = reference_path.stem
        kiln_path = output_file(kiln_dir, name)
        if kiln_path is None:
            print(f"FAIL: kiln wrote no output for '{name}' in {kiln_dir}")
            ok = False
            continue
        expected = np.load(reference_path)
        actual = np.load(kiln_path)
        if actual.shape != expected.shape:
            print(f"FAIL: output '{name}' has shape {actual.shape}, {reference_name} gives {expected.shape}")
            ok = False
            continue
        error = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
        relative = error / np.maximum(np.abs(expected.astype(np.float64)), np.finfo(np.float32).tiny)
        scale = float(np.abs(expected).max())
        atol = atol_scale * scale if scale > 0 else atol_scale
        atol = max(atol, (atol_floors or {}).get(name, 0.0))
        close = np.isclose(actual, expected, rtol=rtol, atol=atol)
        print(f"output '{name}' {list(expected.shape)}: max abs error {error.max():.3e}, "
              f"max rel error {relative.max():.3e}, |reference| max {scale:.3e}, "
              f"{np.count_nonzero(~close)} of {close.size} values outside rtol {rtol} / atol {atol:.1e}")
        if not np.isfinite(actual).all():
            print(f"FAIL: output '{name}' holds NaN or infinity")
            ok = False
        elif not close.all():
            worst = np.unravel_index(np.argmax(error - rtol * np.abs(expected)), error.shape)
            print(f"{failure}: output '{name}' differs, worst at {worst}: kiln {actual[worst]!r}, "
                  f"{reference_name} {expected[worst]!r}")
            ok = False
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", choices=sorted(MODELS))
    parser.add_argument("--kiln", required=True, type=Path, help="the kiln command-line binary")
    parser.add_argument("--work", required=True, type=Path, help="folder for this run's inputs and outputs")
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("KILN_ZOO_CACHE", HERE / ".cache")),
                        help="folder for exported models and onnxruntime-node (kept between runs)")
    parser.add_argument("--backend", choices=["cpu", "cuda"], default="cpu", help="where kiln builds and runs")
    parser.add_argument("--fp16", action="store_true", help="also build in FP16 and compare it with FP32")
    args = parser.parse_args()
    # Keep this script's lines in order with the output of the commands it runs.
    sys.stdout.reconfigure(line_buffering=True)

    if args.backend == "cuda" and (reason := cuda_unavailable(args.kiln)):
        print(f"skipped: no CUDA backend here ({reason})")
        return SKIP

    model_path = cached_model_path(args.cache, args.model)
    python_ort = have_python_onnxruntime()
    try:
        if not model_path.exists():
            ensure_torchvision()
        node_modules = None if python_ort else ensure_onnxruntime_node(args.cache)
    except Skip as reason:
        print(f"skipped: {reason}")
        return SKIP

    if not model_path.exists() and not export_model(args.model, model_path):
        print(f"FAIL: exporting {args.model} to ONNX failed")
        return 1
    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    (work / "reference").mkdir(parents=True)
    (work / "kiln").mkdir(parents=True)
    (work / "unfused").mkdir(parents=True)

    shape = input_shape(args.model)
    input_path = work / "input.npy"
    np.save(input_path, np.random.default_rng(0).standard_normal(shape).astype(np.float32))

    if ort_reference(model_path, work / "reference", input_path, node_modules).returncode != 0:
        print("FAIL: ONNX Runtime could not run the model")
        return 1

    # The fused engine goes through a plan file, so that saving and loading the chosen tactics and
    # their prepared weights is checked on every model.
    shape_text = "x".join(str(d) for d in shape)
    plan_path = work / "model.plan"
    backend = ["--backend", args.backend]
    if run([args.kiln, "build", model_path, "--shapes", f"input:{shape_text}", "-o", plan_path,
            "--avgTiming", "3", *backend]).returncode != 0:
        print("FAIL: kiln build failed")
        return 1
    if run([args.kiln, "run", plan_path, "--input", f"input={input_path}", "--output-dir", work / "kiln"]).returncode != 0:
        print("FAIL: kiln run of the plan failed")
        return 1

    if not compare(work / "reference", work / "kiln"):
        return 1

    # The builder's passes must not change results beyond FP32 reordering: the fused engine against the
    # same network built with --noFusion at rtol 1e-4 (atol 1e-5 of the largest output, since rounding
    # errors scale with the magnitude of the sums, not of each output).
    unfused_plan_path = work / "unfused.plan"
    if run([args.kiln, "build", model_path, "--noFusion", "--shapes", f"input:{shape_text}", "-o", unfused_plan_path,
            "--avgTiming", "3", *backend]).returncode != 0:
        print("FAIL: kiln build --noFusion failed")
        return 1
    if run([args.kiln, "run", unfused_plan_path, "--input", f"input={input_path}",
            "--output-dir", work / "unfused"]).returncode != 0:
        print("FAIL: kiln run of the --noFusion plan failed")
        return 1
    fusion_note = ""
    floors = {}
    if not compare(work / "unfused", work / "kiln", rtol=1e-4, atol_scale=1e-5, reference_name="kiln --noFusion",
                   failure="NOTE (not within rtol 1e-4 / atol 1e-5 of the largest output)"):
        # Some random-weight networks amplify rounding differences through their depth (Inception-v3
        # does). Then the bar is the FP32 plan's own noise: how far its outputs move when the input
        # alone is perturbed by REORDERING_NOISE, less than what reordering the sums of every layer does.
        counts = [winograd_layers(args, path) for path in (plan_path, unfused_plan_path)]
        if None in counts:
            return 1
        winograd = sum(counts)
        relative = REORDERING_NOISE * (WINOGRAD_ROUNDING if winograd else 1)
        noise = perturbation_effect(args, plan_path, input_path, work, relative, "reordering")
        if noise is None:
            return 1
        floors = {name: float(np.abs(original - perturbed).max()) for name, (original, perturbed) in noise.items()}
        print(f"the FP32 plan's outputs under a {relative:g} relative input perturbation"
              + (f" ({winograd} Winograd convolutions in the two plans)" if winograd else "") + " move by up to "
              + ", ".join(f"{name} {value:.3e}" for name, value in floors.items()))
        if not compare(work / "unfused", work / "kiln", rtol=1e-4, atol_scale=1e-5, reference_name="kiln --noFusion",
                       atol_floors=floors):
            return 1
        fusion_note = f" within the FP32 plan's own noise under a {relative:g} relative input perturbation"

    # `kiln run --check`: the engine against Kiln's reference kernels on the model as imported, at the
    # bar of the ONNX Runtime comparison (rtol 1e-3, atol 1e-4 of the largest output), raised to the
    # FP32 plan's own noise where the network amplifies reordering (above). One atol serves every
    # output, so it is the smallest of theirs.
    atols = []
    for reference_path in sorted((work / "reference").glob("*.npy")):
        scale = float(np.abs(np.load(reference_path)).max())
        atols.append(max(ATOL * scale if scale > 0 else ATOL, floors.get(reference_path.stem, 0.0)))
    check = run([args.kiln, "run", model_path, "--check", "--atol", f"{min(atols):.6e}", "--rtol", f"{RTOL:g}",
                 "--input", f"input={input_path}", "--shapes", f"input:{shape_text}", "--quiet", *backend],
                capture_output=True, text=True)
    print(check.stdout[check.stdout.find("Check against"):] if "Check against" in check.stdout else check.stdout)
    if check.returncode != 0 or "Check: PASS" not in check.stdout:
        print(f"FAIL: kiln run --check exits {check.returncode}: {check.stderr.strip()}")
        return 1
    fp16_note = ""
    if args.fp16:
        cosines = fp16_cosines(args, model_path, shape_text, input_path, work, backend)
        if cosines is None:
            return 1
        fp16_note = ", FP16 cosine to FP32 " + ", ".join(f"{name} {value:.6f}" for name, value in cosines.items())
        required = FP16_MIN_COSINE
        if min(cosines.values()) < required:
            stability = fp32_sensitivity(args, plan_path, input_path, work)
            if stability is None:
                return 1
            fp16_note += f" (FP32 under a {SENSITIVITY_NOISE:g} relative input perturbation: {stability:.6f})"
            required = min(required, stability)
        if min(cosines.values()) < required:
            print(f"FAIL: the FP16 plan's outputs have a cosine similarity below {required:.6f} to FP32{fp16_note}")
            return 1
    print(f"PASS: {args.model} on {args.backend} matches ONNX Runtime and Kiln's reference kernels (kiln run --check), "
          f"and its fused engine matches the unfused one{fusion_note}{fp16_note}")
    return 0


def cosine(a, b):
    a = a.astype(np.float64).ravel()
    b = b.astype(np.float64).ravel()
    norms = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / norms) if norms > 0 else (1.0 if not a.any() and not b.any() else 0.0)


def perturbation_effect(args, plan_path, input_path, work, relative, tag):
    """Runs the FP32 plan on the test input perturbed by a relative `relative` (seeded Gaussian);
    returns each output's (original, perturbed) values."""
    directory = work / f"perturbed_{tag}"
    directory.mkdir()
    x = np.load(input_path)
    noise = np.random.default_rng(1).standard_normal(x.shape)
    perturbed_path = work / f"perturbed_{tag}_input.npy"
    np.save(perturbed_path, (x * (1 + relative * noise)).astype(np.float32))
    if run([args.kiln, "run", plan_path, "--input", f"input={perturbed_path}",
            "--output-dir", directory]).returncode != 0:
        print("FAIL: kiln run of the FP32 plan on the perturbed input failed")
        return None
    return {path.stem: (np.load(path), np.load(directory / path.name)) for path in sorted((work / "kiln").glob("*.npy"))}


def winograd_layers(args, plan_path):
    """How many of the plan's layers run a Winograd convolution (None, said, when it cannot be read)."""
    inspected = run([args.kiln, "inspect", plan_path, "--json"], capture_output=True, text=True)
    if inspected.returncode != 0:
        print(f"FAIL: kiln inspect {plan_path} failed: {inspected.stderr.strip()}")
        return None
    return sum("wino" in (layer.get("TacticName") or "") for layer in json.loads(inspected.stdout)["Layers"])


def fp32_sensitivity(args, plan_path, input_path, work):
    """The smallest cosine similarity between the FP32 plan's outputs for the test input and for
    that input perturbed by a relative SENSITIVITY_NOISE: how far the network itself moves its
    outputs under a disturbance smaller than FP16 rounding. Some random-weight networks amplify any
    perturbation through their depth (batch normalization at initialization does), so no FP16
    engine, however exact its kernels, can match their FP32 outputs to 0.999."""
    outputs = perturbation_effect(args, plan_path, input_path, work, SENSITIVITY_NOISE, "fp16")
    if outputs is None:
        return None
    return min(cosine(original, perturbed) for original, perturbed in outputs.values())


def fp16_cosines(args, model_path, shape_text, input_path, work, backend):
    """Builds and runs the model with --fp16; returns each output's cosine similarity to the FP32 plan's."""
    (work / "fp16").mkdir()
    plan_path = work / "model_fp16.plan"
    if run([args.kiln, "build", model_path, "--shapes", f"input:{shape_text}", "-o", plan_path, "--fp16",
            "--avgTiming", "3", *backend]).returncode != 0:
        print("FAIL: kiln build --fp16 failed")
        return None
    if run([args.kiln, "run", plan_path, "--input", f"input={input_path}", "--output-dir", work / "fp16"]).returncode != 0:
        print("FAIL: kiln run of the FP16 plan failed")
        return None
    cosines = {}
    for full_path in sorted((work / "kiln").glob("*.npy")):
        half_path = work / "fp16" / full_path.name
        if not half_path.exists():
            print(f"FAIL: the FP16 plan wrote no output '{full_path.stem}'")
            return None
        full = np.load(full_path)
        half = np.load(half_path)
        if not np.isfinite(half).all():
            print(f"FAIL: the FP16 output '{full_path.stem}' holds NaN or infinity")
            return None
        cosines[full_path.stem] = cosine(full, half)
    return cosines


if __name__ == "__main__":
    sys.exit(main())

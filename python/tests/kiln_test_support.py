"""What the Python API tests share: NumPy references of the layers they build, written out from the
definitions (not from Kiln), the FP32 tolerance they compare with, and the kiln command they compare
against (KILN_CLI, set by ctest)."""

import os
import subprocess
import unittest

import numpy as np

import kiln

# FP32 results against float64 references. A dot product of n terms in FP32 is off by at most
# n * 2^-24 * sum|terms| (about 6e-6 of the magnitudes for the 100-term products of these tests);
# oneDNN's kernels sum in other orders and blocks than NumPy, and errors pass through up to four
# layers, so a tenfold margin: 1e-4 of the output's largest magnitude, plus 1e-4 relative.
FP32_RTOL = 1e-4
FP32_ATOL_SHARE = 1e-4


def assert_close_fp32(testcase, actual, expected):
    testcase.assertEqual(actual.shape, expected.shape)
    testcase.assertEqual(actual.dtype, np.float32)
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    np.testing.assert_allclose(actual, expected, rtol=FP32_RTOL, atol=FP32_ATOL_SHARE * scale)


def conv2d(x, w, b=None, stride=1, pad=0):
    """Cross-correlation as ONNX Conv and Caffe Convolution define it: x [N, C, H, W], w [K, C, R, S]."""
    x = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, width = x.shape
    k, _, r, s = w.shape
    oh, ow = (h - r) // stride + 1, (width - s) // stride + 1
    y = np.zeros((n, k, oh, ow))
    for i in range(r):
        for j in range(s):
            window = x[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
            y += np.einsum("nchw,kc->nkhw", window, w[:, :, i, j].astype(np.float64))
    if b is not None:
        y += b.astype(np.float64)[None, :, None, None]
    return y


def max_pool2d(x, kernel, stride):
    n, c, h, w = x.shape
    oh, ow = (h - kernel) // stride + 1, (w - kernel) // stride + 1
    y = np.full((n, c, oh, ow), -np.inf)
    for i in range(kernel):
        for j in range(kernel):
            y = np.maximum(y, x[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride])
    return y


def softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def kiln_cli():
    """The kiln command built with the module (ctest sets KILN_CLI)."""
    path = os.environ.get("KILN_CLI")
    if not path or not os.path.exists(path):
        raise unittest.SkipTest("KILN_CLI does not name the kiln command; run through ctest")
    return path


def run_cli(*args):
    result = subprocess.run([kiln_cli(), *map(str, args)], capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"kiln {' '.join(map(str, args))} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


def fast_config(builder):
    """A config whose builds time each candidate once: these networks are small."""
    config = builder.create_builder_config()
    config.timing_iterations = 1
    return config


def onnx_or_skip():
    try:
        import onnx  # noqa: F401
    except ImportError:
        raise unittest.SkipTest("the onnx Python package is not installed (Debian's python3-onnx)")
    return onnx



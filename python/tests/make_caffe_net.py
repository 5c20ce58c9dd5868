#!/usr/bin/python3
"""Writes a small Caffe net for the Caffe parser test: net.prototxt, net.caffemodel (random weights,
seed 0) and weights.npz (the same weights for the NumPy reference). The caffemodel is written with
Kiln's caffe.proto compiled by protoc; run in its own process, so that the test's process never holds
two definitions of that schema.

usage: make_caffe_net.py CAFFE_PROTO OUT_FOLDER
"""

import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

PROTOTXT = """name: "tiny"
input: "data"
input_shape { dim: 1 dim: 2 dim: 6 dim: 6 }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 3 kernel_size: 3 pad: 1 } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "fc" type: "InnerProduct" bottom: "pool1" top: "fc" inner_product_param { num_output: 4 } }
layer { name: "prob" type: "Softmax" bottom: "fc" top: "prob" }
"""


def main():
    proto, out = Path(sys.argv[1]), Path(sys.argv[2])
    rng = np.random.default_rng(0)
    weights = {
        "conv1_w": rng.normal(0, 0.3, (3, 2, 3, 3)).astype(np.float32),
        "conv1_b": rng.normal(0, 0.1, 3).astype(np.float32),
        "fc_w": rng.normal(0, 0.3, (4, 27)).astype(np.float32),
        "fc_b": rng.normal(0, 0.1, 4).astype(np.float32),
    }
    with tempfile.TemporaryDirectory() as generated:
        subprocess.run(["protoc", f"-I{proto.parent}", f"--python_out={generated}", str(proto)], check=True)
        sys.path.insert(0, generated)
        import caffe_pb2

        net = caffe_pb2.NetParameter()
        for name in ("conv1", "fc"):
            layer = net.layer.add()
            layer.name = name
            for blob_values in (weights[f"{name}_w"], weights[f"{name}_b"]):
                blob = layer.blobs.add()
                blob.shape.dim.extend(blob_values.shape)
                blob.data.extend(blob_values.ravel().tolist())
        (out / "net.caffemodel").write_bytes(net.SerializeToString())
    (out / "net.prototxt").write_text(PROTOTXT)
    np.savez(out / "weights.npz", **weights)


if __name__ == "__main__":
    main()

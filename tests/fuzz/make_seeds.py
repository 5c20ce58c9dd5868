#!/usr/bin/python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/TARGET/) from real files:

  npy_reader    .npy files numpy writes (types, ranks, Fortran order, big-endian, 0-d, empty)
  onnx_import   the sample model, ONNX conformance models of the ops the
                importer folds or computes shapes for, and the hostile suite's crafted models
  caffe_import  small Caffe nets covering every layer type the parser imports, in the current and the
                V1 layer form, each as the target reads it: a uint32 prototxt length, the prototxt,
                the caffemodel
  plan_reader   plans kiln builds from the sample model (FP32, FP16, INT8, dynamic batch), each as
                the target reads it: a uint32 body length, the body, the weight blob
  timing_cache  the body of the timing cache the target's own network gets from a cold build
  calibration_cache  calibration caches for the target's own network (every algorithm, scales of its
                tensors and of others, the extremes of a float)

usage: tests/fuzz/make_seeds.py --kiln build/app/cli/kiln --build build [--targets TARGET,...]
Run it again when the plan or timing-cache format changes; the seeds are committed.
"""

import argparse
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CONFORMANCE = Path("/usr/share/libonnx-testdata/data/node")
# Conformance cases whose models exercise shape computation, folding and the ops with the most
# arithmetic on attributes and shapes.
CONFORMANCE_CASES = [
    "test_conv_with_strides_and_asymmetric_padding", "test_convtranspose_pads", "test_maxpool_2d_ceil",
    "test_averagepool_2d_pads_count_include_pad", "test_reshape_negative_extended_dims",
    "test_slice_negative_axes", "test_slice_start_out_of_bounds", "test_resize_upsample_scales_linear",
    "test_gather_negative_indices", "test_concat_3d_axis_negative_1", "test_constant_pad",
    "test_expand_dim_changed", "test_tile", "test_transpose_all_permutations_3", "test_gemm_all_attributes",
    "test_matmul_4d", "test_reduce_mean_keepdims_example", "test_softmax_axis_1", "test_batchnorm_epsilon",
    "test_split_variable_parts_2d", "test_range_float_type_positive_delta", "test_flatten_axis2",
    "test_squeeze_negative_axes", "test_unsqueeze_two_axes", "test_where_example", "test_cast_FLOAT_to_FLOAT16",
    "test_depthtospace_crd_mode", "test_instancenorm_example", "test_lrn", "test_einsum_batch_matmul",
]


def npy_seeds(out):
    rng = np.random.default_rng(0)
    arrays = {
        "f32_2d": rng.standard_normal((3, 5)).astype(np.float32),
        "f16_3d": rng.standard_normal((2, 3, 4)).astype(np.float16),
        "i64_1d": np.arange(7, dtype=np.int64),
        "i32_4d": np.arange(24, dtype=np.int32).reshape(1, 2, 3, 4),
        "bool": np.array([True, False, True]),
        "scalar": np.array(3.5, dtype=np.float32),
        "empty": np.zeros((0, 4), dtype=np.float32),
        "fortran": np.asfortranarray(rng.standard_normal((3, 4)).astype(np.float32)),
        "big_endian": rng.standard_normal(6).astype(">f4"),
        "f64": rng.standard_normal(4),
        "u8": np.arange(10, dtype=np.uint8),
    }
    for name, array in arrays.items():
        np.save(out / f"{name}.npy", array)


def onnx_seeds(out):
    shutil.copy(ROOT / "resources" / "sample" / "kiln_sample.onnx", out / "sample.onnx")
    for case in CONFORMANCE_CASES:
        model = CONFORMANCE / case / "model.onnx"
        if model.exists():
            shutil.copy(model, out / f"{case}.onnx")
        else:
            print(f"note: no conformance case {case}", file=sys.stderr)
    constant_folded_seeds(out)
    sys.path.insert(0, str(ROOT / "tests" / "hostile"))
    from run_hostile import onnx_variants  # noqa: E402
    for index, (name, data) in enumerate(sorted(onnx_variants().items())):
        (out / f"hostile_{index:02d}_{name.replace(' ', '_')}.onnx").write_bytes(data)


def constant_folded_seeds(out):
    """Models whose Einsum takes float inputs (the conformance cases' are DOUBLE, which the import
    refuses before it reaches the op) and whose Range and ScatterND read initializers, so that the
    importers that compute them run."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    def write(name, nodes, inputs, initializers, output_dims, opset=13):
        graph = helper.make_graph(nodes, name, inputs,
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, output_dims)],
                                  [numpy_helper.from_array(value, key) for key, value in initializers.items()])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        (out / f"{name}.onnx").write_bytes(model.SerializeToString())

    write("einsum_attention", [helper.make_node("Einsum", ["q", "k"], ["y"], equation="B G H I D, B G H J D -> B G H I J")],
          [helper.make_tensor_value_info("q", TensorProto.FLOAT, [1, 2, 3, 4, 5]),
           helper.make_tensor_value_info("k", TensorProto.FLOAT, [1, 2, 3, 6, 5])], {}, [1, 2, 3, 4, 6])
    write("einsum_ellipsis_three", [helper.make_node("Einsum", ["a", "b", "c"], ["y"], equation="...n,anm,...m->...a")],
          [helper.make_tensor_value_info("a", TensorProto.FLOAT, [2, 3]),
           helper.make_tensor_value_info("c", TensorProto.FLOAT, [2, 5])],
          {"b": np.ones((4, 3, 5), np.float32)}, [2, 4])
    write("range_scatternd", [
        helper.make_node("Range", ["start", "limit", "delta"], ["steps"]),
        helper.make_node("ScatterND", ["zeros", "where", "values"], ["mask"], reduction="add"),
        helper.make_node("Add", ["x", "steps"], ["sum"]),
        helper.make_node("Add", ["sum", "mask"], ["y"]),
    ], [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
        {"start": np.array(1, np.float32), "limit": np.array(3, np.float32), "delta": np.array(0.5, np.float32),
         "zeros": np.zeros(4, np.float32), "where": np.array([[0], [-2]], np.int64),
         "values": np.array([10, 20], np.float32)}, [4], opset=16)  # ScatterND's reduction is opset 16


def plan_as_seed(plan_bytes):
    """A plan's body and weight blob, as plan_reader_fuzz takes them (see plan_format.h for the header)."""
    header_size = 376
    body_length, weights_offset, weights_length = struct.unpack_from("<QQQ", plan_bytes, 336)
    body = plan_bytes[header_size:header_size + body_length]
    weights = plan_bytes[weights_offset:weights_offset + weights_length]
    return struct.pack("<I", len(body)) + body + weights


def plan_seeds(out, kiln, work):
    sample = ROOT / "resources" / "sample" / "kiln_sample.onnx"
    calib = work / "calib.npy"
    builds = {"fp32": [], "fp16": ["--fp16"], "nofusion": ["--noFusion"]}
    # INT8 needs calibration data of the sample's input shape.
    import onnx
    first = onnx.load(sample).graph.input[0]
    dims = [max(d.dim_value, 1) for d in first.type.tensor_type.shape.dim]
    np.save(calib, np.random.default_rng(1).standard_normal(dims).astype(np.float32))
    builds["int8"] = ["--int8", "--calib", str(calib)]
    for name, flags in builds.items():
        plan = work / f"{name}.plan"
        subprocess.run([kiln, "build", sample, "-o", plan, *flags], check=True, capture_output=True)
        (out / f"sample_{name}.seed").write_bytes(plan_as_seed(plan.read_bytes()))
    # A dynamic-batch plan (it keeps the model and the profile), from a model with a symbolic batch.
    from onnx import TensorProto, helper
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Add", ["r", "c"], ["y"])], "dynamic",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor("c", TensorProto.FLOAT, [4], [1.0, 2.0, 3.0, 4.0])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, work / "dynamic.onnx")
    plan = work / "dynamic.plan"
    subprocess.run([kiln, "build", work / "dynamic.onnx", "-o", plan, "--minShapes", "x:1x4", "--optShapes", "x:2x4",
                    "--maxShapes", "x:8x4"], check=True, capture_output=True)
    (out / "dynamic_batch.seed").write_bytes(plan_as_seed(plan.read_bytes()))


# Caffe seeds: (name, prototxt, {layer: [blob shapes]}, write the weights in the V1 form).
CAFFE_NETS = [
    ("conv_bn_pool_fc", """
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 4 dim: 9 dim: 9 } } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
        convolution_param { num_output: 4 group: 2 kernel_size: 3 pad: 1 dilation: 1 } }
layer { name: "bn" type: "BatchNorm" bottom: "conv" top: "conv" }
layer { name: "scale" type: "Scale" bottom: "conv" top: "conv" scale_param { bias_term: true } }
layer { name: "relu" type: "ReLU" bottom: "conv" top: "conv" }
layer { name: "pool" type: "Pooling" bottom: "conv" top: "pool" pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 } }
layer { name: "lrn" type: "LRN" bottom: "pool" top: "lrn" lrn_param { local_size: 3 norm_region: WITHIN_CHANNEL } }
layer { name: "fc" type: "InnerProduct" bottom: "lrn" top: "fc" inner_product_param { num_output: 3 } }
layer { name: "prob" type: "Softmax" bottom: "fc" top: "prob" }
""", {"conv": [[4, 2, 3, 3], [4]], "bn": [[4], [4], [1]], "scale": [[4], [4]], "fc": [[3, 100], [3]]}, False),
    ("v1_layers", """
input: "data"
input_dim: 1 input_dim: 3 input_dim: 6 input_dim: 6
layers { name: "conv" type: CONVOLUTION bottom: "data" top: "conv" convolution_param { num_output: 2 kernel_size: 3 } }
layers { name: "relu" type: RELU bottom: "conv" top: "conv" }
layers { name: "pool" type: POOLING bottom: "conv" top: "pool" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layers { name: "fc" type: INNER_PRODUCT bottom: "pool" top: "fc" inner_product_param { num_output: 2 } }
""", {"conv": [[2, 3, 3, 3], [2]], "fc": [[2, 8], [2]]}, True),
    ("shapes_and_pointwise", """
input: "a"
input_shape { dim: 1 dim: 4 dim: 3 dim: 2 }
input: "b"
input_shape { dim: 1 dim: 4 dim: 2 dim: 1 }
layer { name: "cat" type: "Concat" bottom: "a" bottom: "a" top: "cat" concat_param { axis: 1 } }
layer { name: "sum" type: "Eltwise" bottom: "a" bottom: "a" top: "sum" eltwise_param { coeff: 2 coeff: -1 } }
layer { name: "max" type: "Eltwise" bottom: "sum" bottom: "a" top: "max" eltwise_param { operation: MAX } }
layer { name: "slice" type: "Slice" bottom: "cat" top: "s1" top: "s2" slice_param { slice_point: 3 } }
layer { name: "split" type: "Split" bottom: "s2" top: "c1" top: "c2" }
layer { name: "drop" type: "Dropout" bottom: "c1" top: "drop" }
layer { name: "power" type: "Power" bottom: "drop" top: "power" power_param { power: 2 scale: 0.5 shift: 1 } }
layer { name: "permute" type: "Permute" bottom: "c2" top: "permute" permute_param { order: 0 order: 2 order: 3 order: 1 } }
layer { name: "crop" type: "Crop" bottom: "a" bottom: "b" top: "crop" crop_param { axis: 2 offset: 1 } }
layer { name: "flat" type: "Flatten" bottom: "max" top: "flat" }
layer { name: "reshape" type: "Reshape" bottom: "s1" top: "reshape" reshape_param { shape { dim: 0 dim: -1 } } }
layer { name: "prelu" type: "PReLU" bottom: "power" top: "prelu" }
layer { name: "elu" type: "ELU" bottom: "prelu" top: "elu" }
layer { name: "sigmoid" type: "Sigmoid" bottom: "elu" top: "sigmoid" }
layer { name: "tanh" type: "TanH" bottom: "permute" top: "tanh" }
layer { name: "up" type: "Deconvolution" bottom: "crop" top: "up" convolution_param { num_output: 2 kernel_size: 2 stride: 2 } }
""", {"prelu": [[5]], "up": [[4, 2, 2, 2], [2]]}, False),
]


def caffe_seeds(out):
    with tempfile.TemporaryDirectory() as protos:
        proto = ROOT / "parsers" / "caffe" / "src" / "caffe.proto"
        subprocess.run(["protoc", f"-I{proto.parent}", f"--python_out={protos}", str(proto)], check=True)
        sys.path.insert(0, protos)
        import caffe_pb2

        rng = np.random.default_rng(0)
        for name, prototxt, blobs, v1 in CAFFE_NETS:
            weights = caffe_pb2.NetParameter()
            for layer_name, shapes in blobs.items():
                layer = weights.layers.add() if v1 else weights.layer.add()
                layer.name = layer_name
                for shape in shapes:
                    blob = layer.blobs.add()
                    if v1:
                        blob.num, blob.channels, blob.height, blob.width = ([1] * (4 - len(shape)) + shape)
                    else:
                        blob.shape.dim.extend(shape)
                    blob.data.extend(rng.uniform(0.5, 1.5, int(np.prod(shape))).astype(np.float32).tolist())
            text = prototxt.encode()
            (out / f"{name}.seed").write_bytes(struct.pack("<I", len(text)) + text + weights.SerializeToString())


def timing_seeds(out, target):
    subprocess.run([target, "/dev/null"], check=True, env={"KILN_FUZZ_WRITE_SEED": str(out / "cold_build.seed"), "PATH": "/usr/bin"})


def calibration_seeds(out):
    header = "kiln-calibration 1\nalgorithm: {}\npreprocessing: npy batches x=calib.npy (4 of 1x8x8x8, used as they are)\n" \
             "model: 9546196fa23855c7\nbatches: 4\n"
    scales = {"x": 0.00787401572, "c1": 0.0213, "r1": 0.0213, "p1": 0.0198, "y": 0.0102}
    for algorithm in ("entropy", "minmax", "percentile", "mse"):
        text = header.format(algorithm) + "".join(f"{name}: {scale}\n" for name, scale in scales.items())
        (out / f"{algorithm}.seed").write_text(text)
    (out / "other_tensors.seed").write_text(header.format("entropy") + "conv_out: 0.5\nname: with: colons: 0.25\n")
    # The smallest scale (the smallest normal float) and the largest whose range (127 × scale) is still
    # a finite float, on tensors that stay after fusion.
    (out / "extremes.seed").write_text(header.format("minmax") + "x: 1.17549435e-38\nr1: 2.67938839e+36\ny: 1e-20\n")
    # A scale whose range overflows: refused when read.
    (out / "overflow.seed").write_text(header.format("entropy") + "x: 0.00787401572\nr1: 3e+38\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiln", required=True, type=Path)
    parser.add_argument("--build", required=True, type=Path, help="the build folder with tests/fuzz/fuzz_*")
    parser.add_argument("--targets", help="only these targets' seeds, comma-separated (default: every target's)")
    args = parser.parse_args()
    corpus = HERE / "corpus"
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        for name, make in [("npy_reader", lambda d: npy_seeds(d)), ("onnx_import", lambda d: onnx_seeds(d)),
                           ("caffe_import", lambda d: caffe_seeds(d)),
                           ("plan_reader", lambda d: plan_seeds(d, args.kiln.resolve(), work)),
                           ("timing_cache", lambda d: timing_seeds(d, (args.build / "tests" / "fuzz" / "fuzz_timing_cache").resolve())),
                           ("calibration_cache", lambda d: calibration_seeds(d))]:
            if args.targets and name not in args.targets.split(","):
                continue
            folder = corpus / name
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            make(folder)
            print(f"{name}: {len(list(folder.iterdir()))} seeds")


if __name__ == "__main__":
    main()

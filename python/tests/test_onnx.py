"""ONNX models written here with the onnx package: imported by OnnxParser, built and run from Python,
compared with NumPy and with what the kiln command gives for the same model and plans; dynamic shapes
through a NetworkSource and an optimization profile; the errors bad models raise."""

import os
import tempfile
import unittest

from kiln_test_support import (assert_close_fp32, conv2d, fast_config, kiln, max_pool2d, np, onnx_or_skip,
                               run_cli)


def classifier_model(rng):
    """Conv 3x3 (pad 1) + Relu + MaxPool 2x2 + Flatten + Gemm (transB) at 1x3x8x8, opset 13."""
    onnx = onnx_or_skip()
    from onnx import TensorProto, helper, numpy_helper

    weights = {
        "w": rng.normal(0, 0.3, (4, 3, 3, 3)).astype(np.float32),
        "b": rng.normal(0, 0.1, 4).astype(np.float32),
        "fc_w": rng.normal(0, 0.2, (6, 4 * 4 * 4)).astype(np.float32),
        "fc_b": rng.normal(0, 0.1, 6).astype(np.float32),
    }
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
        helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"], name="flatten", axis=1),
        helper.make_node("Gemm", ["f", "fc_w", "fc_b"], ["y"], name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "classifier", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 6])],
        [numpy_helper.from_array(value, name) for name, value in weights.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    return model.SerializeToString(), weights


def classifier_reference(x, weights):
    hidden = max_pool2d(np.maximum(conv2d(x, weights["w"], weights["b"], pad=1), 0), 2, 2)
    return hidden.reshape(x.shape[0], -1) @ weights["fc_w"].astype(np.float64).T + weights["fc_b"]


def dynamic_model(rng):
    """softmax(x @ w + b) with x [batch, 4]: a symbolic batch."""
    onnx = onnx_or_skip()
    from onnx import TensorProto, helper, numpy_helper

    w = rng.normal(size=(4, 3)).astype(np.float32)
    b = rng.normal(size=(3,)).astype(np.float32)
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["m"], name="matmul"),
        helper.make_node("Add", ["m", "b"], ["a"], name="add"),
        helper.make_node("Softmax", ["a"], ["y"], name="softmax", axis=-1),
    ]
    graph = helper.make_graph(
        nodes, "dynamic", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    return model.SerializeToString(), w, b


class OnnxModelTest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)
        self.model, self.weights = classifier_model(np.random.default_rng(0))
        self.model_path = os.path.join(self.folder.name, "classifier.onnx")
        with open(self.model_path, "wb") as model:
            model.write(self.model)
        self.x = np.random.default_rng(1).uniform(-1, 1, (1, 3, 8, 8)).astype(np.float32)
        self.input_path = os.path.join(self.folder.name, "x.npy")
        np.save(self.input_path, self.x)

    def path(self, name):
        return os.path.join(self.folder.name, name)

    def cli_outputs(self, model, *flags):
        output_dir = self.path("out_" + os.path.basename(model))
        run_cli("run", model, "--input", f"x={self.input_path}", "--outputDir", output_dir, *flags)
        return np.load(os.path.join(output_dir, "y.npy"))

    def build(self, network):
        builder = kiln.Builder()
        return builder.build_engine(network, fast_config(builder))

    def test_file_and_bytes_import_the_same_network(self):
        parser = kiln.OnnxParser()
        from_file = parser.parse_from_file(self.model_path)
        self.assertEqual(parser.messages,
                         [("info", f"imported '{self.model_path}': 5 nodes (opset 13) into 5 layers")])
        from_bytes = parser.parse(self.model)
        for network in (from_file, from_bytes):
            self.assertEqual([layer.name for layer in network.layers], ["conv", "relu", "pool", "flatten", "fc"])
            self.assertEqual([t.name for t in network.outputs], ["y"])
            self.assertEqual(network.find_layer("conv").provenance, ["conv"])
        np.testing.assert_array_equal(from_file.find_tensor("w").numpy(), self.weights["w"])
        declared = kiln.OnnxParser.read_inputs(self.model_path)
        self.assertEqual([(i.name, i.shape, i.dtype) for i in declared], [("x", (1, 3, 8, 8), np.float32)])

    def test_outputs_match_numpy(self):
        engine = self.build(kiln.OnnxParser().parse_from_file(self.model_path))
        output = engine.create_execution_context().execute({"x": self.x})["y"]
        assert_close_fp32(self, output, classifier_reference(self.x, self.weights))

    def test_outputs_equal_the_cli_on_the_same_plan(self):
        # Python builds the plan; `kiln run` runs it. The same kernels on the same data and the same
        # threads (--fixedThreads, adaptive_threads off) give the same bits.
        engine = self.build(kiln.OnnxParser().parse_from_file(self.model_path))
        plan = self.path("python.plan")
        engine.save(plan)
        context = engine.create_execution_context()
        context.adaptive_threads = False
        np.testing.assert_array_equal(context.execute({"x": self.x})["y"],
                                      self.cli_outputs(plan, "--fixedThreads"))

    def test_outputs_equal_the_cli_on_its_plan(self):
        # `kiln build` builds the plan; Python loads and runs it.
        plan = self.path("cli.plan")
        run_cli("build", self.model_path, "-o", plan, "--avgTiming", "1")
        context = kiln.load_plan(plan).create_execution_context()
        context.adaptive_threads = False
        np.testing.assert_array_equal(context.execute({"x": self.x})["y"],
                                      self.cli_outputs(plan, "--fixedThreads"))

    def test_outputs_agree_with_the_cli_building_the_model(self):
        # Two builds may time different tactics fastest: equal within FP32 rounding, not bit for bit.
        engine = self.build(kiln.OnnxParser().parse_from_file(self.model_path))
        output = engine.create_execution_context().execute({"x": self.x})["y"]
        assert_close_fp32(self, output, self.cli_outputs(self.model_path).astype(np.float64))


class DynamicShapesTest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)
        model, self.w, self.b = dynamic_model(np.random.default_rng(2))
        self.model_path = os.path.join(self.folder.name, "dynamic.onnx")
        with open(self.model_path, "wb") as file:
            file.write(model)

    def reference(self, x):
        logits = x.astype(np.float64) @ self.w + self.b
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def build(self):
        source = kiln.OnnxParser().parse_dynamic(self.model_path)
        self.assertEqual([(i.name, i.shape, i.dim_names) for i in source.inputs], [("x", (-1, 4), ["batch", ""])])
        builder = kiln.Builder()
        config = fast_config(builder)
        profile = builder.create_optimization_profile()
        profile.set_shape("x", (1, 4), (2, 4), (4, 4))
        self.assertEqual(config.add_optimization_profile(profile), 0)
        return builder.build_engine(source, config)

    def test_runs_every_shape_of_the_profile(self):
        engine = self.build()
        self.assertTrue(engine.has_dynamic_shapes)
        self.assertEqual(engine.get_binding("x").shape, (-1, 4))
        self.assertEqual(engine.profiles[0].get_shape("x"), ((1, 4), (2, 4), (4, 4)))
        context = engine.create_execution_context()
        rng = np.random.default_rng(3)
        for batch in (1, 3, 4):
            x = rng.normal(size=(batch, 4)).astype(np.float32)
            output = context.execute({"x": x})["y"]
            assert_close_fp32(self, output, self.reference(x))
        context.set_input_shape("x", (2, 4))
        self.assertEqual(context.get_tensor_shape("y"), (2, 3))

    def test_shapes_outside_the_profile_raise(self):
        context = self.build().create_execution_context()
        with self.assertRaisesRegex(kiln.InvalidArgumentError,
                                    "input 'x' was given 5x4: dimension 0 is 5, outside 1...4") as raised:
            context.execute({"x": np.zeros((5, 4), np.float32)})
        self.assertEqual(raised.exception.code, "invalid argument")
        self.assertIsInstance(raised.exception, ValueError)  # an argument error is a ValueError too
        with self.assertRaisesRegex(kiln.InvalidArgumentError, "dimension 1 is 5, outside 4...4"):
            context.set_input_shape("x", (1, 5))
        x = np.random.default_rng(5).normal(size=(2, 4)).astype(np.float32)
        assert_close_fp32(self, context.execute({"x": x})["y"], self.reference(x))  # the context still runs

    def test_int8_calibrator_needs_fixed_shapes(self):
        class Unused(kiln.Calibrator):
            def batch_count(self):
                raise AssertionError("not called")

        builder = kiln.Builder()
        config = fast_config(builder)
        profile = builder.create_optimization_profile()
        profile.set_shape("x", (1, 4), (2, 4), (4, 4))
        config.add_optimization_profile(profile)
        config.int8 = True
        config.int8_calibrator = Unused()
        with self.assertRaisesRegex(ValueError, "an INT8 calibrator runs a network of fixed shapes"):
            builder.build_engine(kiln.OnnxParser().parse_dynamic(self.model_path), config)

    def test_dynamic_plan_round_trip(self):
        engine = self.build()
        loaded = kiln.load_plan(engine.serialize())
        self.assertTrue(loaded.has_dynamic_shapes)
        x = np.random.default_rng(4).normal(size=(3, 4)).astype(np.float32)
        np.testing.assert_array_equal(loaded.create_execution_context().execute({"x": x})["y"],
                                      engine.create_execution_context().execute({"x": x})["y"])

    def test_fixed_shape_import_needs_the_shape(self):
        with self.assertRaisesRegex(kiln.KilnError, "batch"):
            kiln.OnnxParser().parse_from_file(self.model_path)
        network = kiln.OnnxParser(input_shapes={"x": (3, 4)}).parse_from_file(self.model_path)
        self.assertEqual(network.find_tensor("y").shape, (3, 3))


class OnnxErrorsTest(unittest.TestCase):
    def test_bad_models_raise_with_the_parsers_message(self):
        onnx = onnx_or_skip()
        from onnx import TensorProto, helper

        with self.assertRaises(kiln.KilnError):
            kiln.OnnxParser().parse(b"this is not an ONNX model")
        with tempfile.TemporaryDirectory() as folder:
            missing = os.path.join(folder, "missing.onnx")
            with self.assertRaisesRegex(kiln.KilnError, "missing.onnx"):
                kiln.OnnxParser().parse_from_file(missing)
            graph = helper.make_graph(
                [helper.make_node("NoSuchOp", ["x"], ["y"], name="strange")], "unsupported",
                [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
                [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])])
            model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
            with self.assertRaisesRegex(kiln.KilnError, "NoSuchOp"):
                kiln.OnnxParser().parse(model.SerializeToString())
            self.assertEqual(os.listdir(folder), [])
        with self.assertRaisesRegex(TypeError, "input_shapes: give a dict"):
            kiln.OnnxParser(input_shapes=[(1, 2)])


if __name__ == "__main__":
    unittest.main()

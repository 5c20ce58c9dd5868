"""Networks built by hand from NumPy weights: their outputs against NumPy computations of the same
layers, the general add_layer with parameter classes, and the errors bad definitions raise."""

import importlib.util
import os
import subprocess
import sys
import unittest

from kiln_test_support import (assert_close_fp32, conv2d, fast_config, kiln, max_pool2d, np, softmax)

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "examples", "build_by_hand.py")


def classifier(rng):
    """conv 3x3 (pad 1) + ReLU, 2x2 max pooling, flatten, fully connected, softmax; with its weights."""
    weights = {
        "conv_w": rng.normal(0, 0.3, (4, 2, 3, 3)).astype(np.float32),
        "conv_b": rng.normal(0, 0.1, 4).astype(np.float32),
        "fc_w": rng.normal(0, 0.2, (5, 4 * 3 * 3)).astype(np.float32),
        "fc_b": rng.normal(0, 0.1, 5).astype(np.float32),
    }
    network = kiln.NetworkDefinition()
    x = network.add_input("x", np.float32, (2, 2, 6, 6))
    conv = network.add_convolution(x, weights["conv_w"], weights["conv_b"], padding=1, name="conv")
    relu = network.add_activation(conv.get_output(0), kiln.ActivationType.RELU, name="relu")
    pool = network.add_pooling(relu.get_output(0), kiln.PoolingType.MAX, kernel=2, name="pool")
    flat = network.add_flatten(pool.get_output(0), name="flatten")
    fc = network.add_fully_connected(flat.get_output(0), weights["fc_w"], weights["fc_b"], name="fc")
    probabilities = network.add_softmax(fc.get_output(0), axis=1, name="softmax")
    network.mark_output(fc.get_output(0))
    network.mark_output(probabilities.get_output(0))
    return network, weights


def classifier_reference(x, weights):
    hidden = max_pool2d(np.maximum(conv2d(x, weights["conv_w"], weights["conv_b"], pad=1), 0), 2, 2)
    logits = hidden.reshape(x.shape[0], -1) @ weights["fc_w"].astype(np.float64).T + weights["fc_b"]
    return logits, softmax(logits, axis=1)


class HandBuiltNetworkTest(unittest.TestCase):
    def test_classifier_matches_numpy(self):
        rng = np.random.default_rng(0)
        network, weights = classifier(rng)
        self.assertEqual([layer.kind for layer in network.layers],
                         [kiln.LayerKind.CONVOLUTION, kiln.LayerKind.ACTIVATION, kiln.LayerKind.POOLING,
                          kiln.LayerKind.RESHAPE, kiln.LayerKind.GEMM, kiln.LayerKind.SOFTMAX])
        self.assertEqual(network.find_tensor("pool_output").shape, (2, 4, 3, 3))
        self.assertEqual(network.find_tensor("flatten_output").shape, (2, 36))
        builder = kiln.Builder()
        engine = builder.build_engine(network, fast_config(builder))
        self.assertEqual(engine.input_names, ["x"])
        self.assertEqual(engine.output_names, ["fc_output", "softmax_output"])
        x = rng.uniform(-1, 1, (2, 2, 6, 6)).astype(np.float32)
        outputs = engine.create_execution_context().execute({"x": x})
        logits, probabilities = classifier_reference(x, weights)
        assert_close_fp32(self, outputs["fc_output"], logits)
        assert_close_fp32(self, outputs["softmax_output"], probabilities)

    def test_network_is_left_untouched_by_the_build(self):
        network, _ = classifier(np.random.default_rng(1))
        builder = kiln.Builder()
        engine = builder.build_engine(network, fast_config(builder))
        # The engine fused conv + relu; the definition still has both layers.
        self.assertIn("conv + relu", [layer.name for layer in engine.report.layers_after])
        self.assertEqual([layer.name for layer in network.layers],
                         ["conv", "relu", "pool", "flatten", "fc", "softmax"])

    def test_add_layer_with_parameter_classes(self):
        rng = np.random.default_rng(2)
        a = rng.normal(size=(3, 4)).astype(np.float32)
        b = rng.normal(size=(4, 5)).astype(np.float32)
        c = rng.normal(size=(5,)).astype(np.float32)
        network = kiln.NetworkDefinition()
        x = network.add_input("x", kiln.float32, (3, 4))
        gemm = network.add_layer(kiln.GemmParams(alpha=0.5, beta=2.0), [x, b, c], name="gemm")
        self.assertEqual(gemm.params.alpha, 0.5)
        self.assertEqual(gemm.params.beta, 2.0)
        self.assertIsInstance(gemm.params, kiln.GemmParams)
        # The weight arrays became constants named after the layer.
        self.assertTrue(network.find_tensor("gemm.input1").is_constant)
        np.testing.assert_array_equal(network.find_tensor("gemm.input1").numpy(), b)
        split = network.add_layer(kiln.SplitParams(axis=1, sizes=[2, 3]), [gemm.get_output(0)], name="split")
        self.assertEqual(split.num_outputs, 2)
        self.assertEqual([t.shape for t in split.outputs], [(3, 2), (3, 3)])
        concat = network.add_concatenation([split.get_output(1), split.get_output(0)], axis=1, name="swap")
        tanh = network.add_layer(kiln.ActivationParams(kiln.ActivationType.TANH), [concat.get_output(0)],
                                 output_names=["y"])
        network.mark_output(tanh.get_output(0))
        builder = kiln.Builder()
        outputs = builder.build_engine(network, fast_config(builder)).create_execution_context().execute({"x": a})
        full = 0.5 * (a.astype(np.float64) @ b) + 2.0 * c
        assert_close_fp32(self, outputs["y"], np.tanh(np.concatenate([full[:, 2:], full[:, :2]], axis=1)))

    def test_elementwise_reshape_transpose_and_reduce(self):
        rng = np.random.default_rng(3)
        x = rng.normal(size=(2, 3, 4)).astype(np.float32)
        bias = rng.normal(size=(4,)).astype(np.float32)
        network = kiln.NetworkDefinition()
        input_ = network.add_input("x", np.float32, (2, 3, 4))
        added = network.add_elementwise(input_, bias, kiln.ElementWiseOperation.SUM)
        reshaped = network.add_reshape(added.get_output(0), (0, -1, 2))
        self.assertEqual(reshaped.get_output(0).shape, (2, 6, 2))
        transposed = network.add_transpose(reshaped.get_output(0), [2, 0, 1])
        reduced = network.add_reduce(transposed.get_output(0), kiln.ReduceOperation.MAX, axes=[-1], keep_dims=False)
        network.mark_output(reduced.get_output(0))
        builder = kiln.Builder()
        engine = builder.build_engine(network, fast_config(builder))
        output = engine.create_execution_context().execute({"x": x})[engine.output_names[0]]
        expected = (x + bias).reshape(2, 6, 2).transpose(2, 0, 1).max(axis=-1)
        np.testing.assert_array_equal(output, expected)  # one FP32 addition, then exact moves and a maximum

    def test_parameters_repr_and_keywords(self):
        params = kiln.ConvolutionParams(strides=[2, 2], pads=[1, 1, 1, 1], dilations=[1, 1], groups=1)
        self.assertEqual(params.strides, [2, 2])
        self.assertIn("stride 2x2", repr(params))
        with self.assertRaises(AttributeError):
            kiln.ConvolutionParams(stride=[2, 2])


class RecordingLogger(kiln.ILogger):
    def __init__(self):
        super().__init__()
        self.messages = []

    def log(self, severity, message):
        self.messages.append((severity, message))


class FailingLogger(kiln.ILogger):
    def log(self, severity, message):
        raise LookupError(f"cannot log '{message}'")


class BuilderLoggerTest(unittest.TestCase):
    def test_logger_hears_the_build(self):
        network, _ = classifier(np.random.default_rng(6))
        logger = RecordingLogger()
        builder = kiln.Builder(logger)
        self.assertIs(builder.logger, logger)
        engine = builder.build_engine(network, fast_config(builder))
        verbose = [message for severity, message in logger.messages if severity == kiln.Severity.VERBOSE]
        self.assertIn("[vertical fusion] fused conv + relu (activation applied as the output is written)", verbose)
        self.assertEqual(len([m for m in verbose if m.startswith("[")]), len(engine.report.changes))
        summaries = [message for severity, message in logger.messages if severity == kiln.Severity.INFO]
        self.assertEqual(len(summaries), 1)
        self.assertTrue(summaries[0].startswith("built: 6 layers to "), summaries[0])

    def test_failed_build_is_logged_and_raised(self):
        network = kiln.NetworkDefinition()
        network.add_input("x", np.float32, (1, 4))
        logger = RecordingLogger()
        builder = kiln.Builder(logger=logger)
        with self.assertRaises(kiln.KilnError) as raised:
            builder.build_engine(network, fast_config(builder))
        self.assertEqual(logger.messages, [(kiln.Severity.ERROR, "the build failed: " + str(raised.exception))])

    def test_logger_exception_reaches_the_caller(self):
        network, _ = classifier(np.random.default_rng(7))
        builder = kiln.Builder(FailingLogger())
        with self.assertRaisesRegex(LookupError, "cannot log"):
            builder.build_engine(network, fast_config(builder))
        with self.assertRaisesRegex(TypeError, "logger: give a kiln.ILogger"):
            kiln.Builder(print)


class NetworkErrorsTest(unittest.TestCase):
    def test_bad_input_type_and_shape(self):
        network = kiln.NetworkDefinition()
        with self.assertRaisesRegex(ValueError, "add_input 'x' dtype: Kiln has no type for NumPy's float64"):
            network.add_input("x", np.float64, (1, 2))
        with self.assertRaisesRegex(TypeError, "add_input 'x' shape"):
            network.add_input("x", np.float32, "1x2")
        with self.assertRaisesRegex(kiln.KilnError, "input 'x' has dimension 1 of -3") as raised:
            network.add_input("x", np.float32, (1, -3))
        self.assertIsInstance(raised.exception, RuntimeError)
        self.assertEqual(network.inputs, [])

    def test_duplicate_names_and_foreign_tensors(self):
        network = kiln.NetworkDefinition()
        x = network.add_input("x", np.float32, (1, 4))
        with self.assertRaisesRegex(kiln.KilnError, "'x'"):
            network.add_input("x", np.float32, (1, 4))
        other = kiln.NetworkDefinition()
        foreign = other.add_input("y", np.float32, (1, 4))
        with self.assertRaisesRegex(ValueError, "tensor 'y' belongs to another network"):
            network.add_activation(foreign, kiln.ActivationType.RELU)
        with self.assertRaisesRegex(ValueError, "belongs to another network"):
            network.mark_output(foreign)
        with self.assertRaisesRegex(TypeError, "expected a Tensor, got None"):
            network.add_activation(None, kiln.ActivationType.RELU)
        with self.assertRaisesRegex(kiln.KilnError, "input 0 is required but missing"):
            network.add_layer(kiln.ActivationParams(), [None])
        self.assertEqual(network.num_layers, 0)
        self.assertIsNotNone(x)

    def test_shape_inference_errors_name_the_layer_and_add_nothing(self):
        network = kiln.NetworkDefinition()
        x = network.add_input("x", np.float32, (1, 3, 8, 8))
        with self.assertRaises(kiln.KilnError) as raised:
            network.add_convolution(x, np.zeros((4, 2, 3, 3), np.float32), name="conv1")
        self.assertIn("conv1", str(raised.exception))
        self.assertIsNone(network.find_layer("conv1"))
        with self.assertRaisesRegex(ValueError, "add_fully_connected 'fc': input 'x' is 1x3x8x8; it needs \\[N, C\\]"):
            network.add_fully_connected(x, np.zeros((2, 3), np.float32), name="fc")
        with self.assertRaisesRegex(ValueError, "padding: give one int, 2 .* or 4"):
            network.add_convolution(x, np.zeros((4, 3, 3, 3), np.float32), padding=[1, 1, 1])
        with self.assertRaisesRegex(ValueError, "only one -1"):
            network.add_reshape(x, (-1, -1))
        with self.assertRaisesRegex(ValueError, "axis 4 is outside a tensor of rank 4"):
            network.add_softmax(x, axis=4)

    def test_network_without_outputs_does_not_build(self):
        network = kiln.NetworkDefinition()
        network.add_input("x", np.float32, (1, 4))
        builder = kiln.Builder()
        with self.assertRaisesRegex(kiln.KilnError, "output"):
            builder.build_engine(network, fast_config(builder))

    def test_config_rejects_bad_values(self):
        config = kiln.BuilderConfig()
        with self.assertRaisesRegex(ValueError, "threads: give 0"):
            config.threads = -1
        with self.assertRaisesRegex(ValueError, "timing_iterations: give 1 or more"):
            config.timing_iterations = 0
        with self.assertRaisesRegex(TypeError, "int8_calibrator"):
            config.int8_calibrator = object()
        network, _ = classifier(np.random.default_rng(4))
        config.backend = "tpu"
        with self.assertRaisesRegex(kiln.KilnError, "no backend named 'tpu'; use 'cpu' or 'cuda'"):
            kiln.Builder().build_engine(network, config)


class ExampleTest(unittest.TestCase):
    def load_example(self):
        spec = importlib.util.spec_from_file_location("build_by_hand", EXAMPLE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def test_example_runs(self):
        result = subprocess.run([sys.executable, EXAMPLE], capture_output=True, text=True, env=os.environ)
        self.assertEqual(result.returncode, 0, result.stderr)
        probabilities = [float(p) for p in result.stdout.splitlines()[0].split(":")[1].split()]
        self.assertEqual(len(probabilities), 10)
        self.assertAlmostEqual(sum(probabilities), 1.0, delta=10 * 5e-5)  # ten values printed to 4 decimals
        self.assertIn("vertical fusion: fused conv + relu", result.stdout)

    def test_example_network_matches_numpy(self):
        example = self.load_example()
        weights = example.make_weights()
        engine = example.build_engine(example.build_network(weights))
        image = np.random.default_rng(5).uniform(-1, 1, (1, 3, 8, 8)).astype(np.float32)
        output = engine.create_execution_context().execute({"image": image})[engine.output_names[0]]
        hidden = max_pool2d(np.maximum(conv2d(image, weights["conv.weight"], weights["conv.bias"], pad=1), 0), 2, 2)
        logits = hidden.reshape(1, -1) @ weights["fc.weight"].astype(np.float64).T + weights["fc.bias"]
        assert_close_fp32(self, output, softmax(logits, axis=1))


if __name__ == "__main__":
    unittest.main()

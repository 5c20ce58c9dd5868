"""Engines and execution contexts: plans saved and loaded (path and bytes), the build report, per-layer
profiles, runs on arrays bound by set_tensor_address, and the errors bad runs and plans raise."""

import os
import re
import tempfile
import unittest

from kiln_test_support import assert_close_fp32, conv2d, fast_config, kiln, np


def conv_relu_network(rng):
    """conv 3x3 + ReLU, then a residual addition of the input, and a global average pooling."""
    weights = rng.normal(0, 0.3, (3, 3, 3, 3)).astype(np.float32)
    bias = rng.normal(0, 0.1, 3).astype(np.float32)
    network = kiln.NetworkDefinition()
    x = network.add_input("x", np.float32, (1, 3, 7, 7))
    conv = network.add_convolution(x, weights, bias, padding=1, name="conv")
    relu = network.add_activation(conv.get_output(0), kiln.ActivationType.RELU, name="relu")
    residual = network.add_elementwise(relu.get_output(0), x, kiln.ElementWiseOperation.SUM, name="residual")
    pooled = network.add_global_pooling(residual.get_output(0), name="gap")
    network.mark_output(residual.get_output(0))
    network.mark_output(pooled.get_output(0))

    def reference(data):
        y = np.maximum(conv2d(data, weights, bias, pad=1), 0) + data
        return {"residual_output": y, "gap_output": y.mean(axis=(2, 3), keepdims=True)}

    return network, reference


def build(network):
    builder = kiln.Builder()
    return builder.build_engine(network, fast_config(builder))


class EngineTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        network, reference = conv_relu_network(np.random.default_rng(0))
        cls.reference = staticmethod(reference)
        cls.engine = build(network)
        cls.x = np.random.default_rng(1).uniform(-1, 1, (1, 3, 7, 7)).astype(np.float32)

    def test_bindings(self):
        bindings = self.engine.bindings
        self.assertEqual([(b.name, b.is_input, b.shape, b.dtype) for b in bindings],
                         [("x", True, (1, 3, 7, 7), np.float32), ("residual_output", False, (1, 3, 7, 7), np.float32),
                          ("gap_output", False, (1, 3, 1, 1), np.float32)])
        self.assertEqual(self.engine.get_binding("gap_output").data_type, kiln.DataType.FLOAT)
        self.assertEqual(self.engine.backend, "cpu")

    def test_outputs_match_numpy(self):
        outputs = self.engine.create_execution_context().execute({"x": self.x})
        self.assertEqual(list(outputs), ["residual_output", "gap_output"])
        for name, expected in self.reference(self.x).items():
            assert_close_fp32(self, outputs[name], expected)

    def test_outputs_own_their_memory(self):
        context = self.engine.create_execution_context()
        first = context.execute({"x": self.x})["residual_output"]
        kept = first.copy()
        context.execute({"x": -self.x})
        np.testing.assert_array_equal(first, kept)  # a second run does not write into the first's arrays
        self.assertTrue(first.flags.c_contiguous and first.flags.writeable)

    def test_non_contiguous_input_is_read_in_order(self):
        wide = np.zeros((1, 3, 7, 14), np.float32)
        wide[..., ::2] = self.x
        outputs = self.engine.create_execution_context().execute({"x": wide[..., ::2]})
        expected = self.engine.create_execution_context().execute({"x": self.x})
        np.testing.assert_array_equal(outputs["gap_output"], expected["gap_output"])

    def test_report(self):
        report = self.engine.report
        self.assertEqual([layer.name for layer in report.layers_before], ["conv", "relu", "residual", "gap"])
        after = {layer.name: layer for layer in report.layers_after}
        fused = [name for name in after if name.startswith("conv + ")]
        self.assertEqual(len(fused), 1, list(after))
        conv = after[fused[0]]
        self.assertEqual(conv.kind, "Convolution")
        self.assertEqual(conv.precision, "FP32")
        self.assertTrue(conv.candidates, "the fused convolution had no tactic candidates")
        chosen = [candidate for candidate in conv.candidates if candidate.chosen]
        self.assertEqual(len(chosen), 1)
        self.assertEqual(chosen[0].tactic, conv.tactic)
        self.assertGreaterEqual(chosen[0].milliseconds, 0)
        self.assertTrue(any(change.pass_name == "vertical fusion" and "conv + relu" in change.description
                            for change in report.changes), [c.description for c in report.changes])
        self.assertIn("tactics", [phase.phase for phase in report.phases])
        self.assertGreater(report.arena_bytes, 0)
        self.assertEqual(report.executed_layer_count, sum(not layer.elided for layer in report.layers_after))
        self.assertIn('"layersAfter"', report.to_json())
        self.assertIsInstance(self.engine.layer_information, dict)


class PlanTest(unittest.TestCase):
    def setUp(self):
        network, self.reference = conv_relu_network(np.random.default_rng(2))
        self.engine = build(network)
        self.x = np.random.default_rng(3).uniform(-1, 1, (1, 3, 7, 7)).astype(np.float32)
        self.folder = tempfile.TemporaryDirectory()
        self.addCleanup(self.folder.cleanup)

    def test_round_trip_through_a_file_and_bytes(self):
        path = os.path.join(self.folder.name, "model.plan")
        self.engine.save(path)
        expected = self.engine.create_execution_context().execute({"x": self.x})
        with open(path, "rb") as plan:
            self.assertEqual(plan.read(8), b"KILNPLAN")
        plan_bytes = self.engine.serialize()
        for loaded in (kiln.load_plan(path), kiln.load_plan(plan_bytes), kiln.load_plan(bytearray(plan_bytes)),
                       kiln.load_plan(memoryview(plan_bytes))):
            self.assertEqual([b.name for b in loaded.bindings], [b.name for b in self.engine.bindings])
            self.assertEqual([layer.tactic for layer in loaded.report.layers_after],
                             [layer.tactic for layer in self.engine.report.layers_after])
            outputs = loaded.create_execution_context().execute({"x": self.x})
            for name in expected:  # the same kernels on the same data
                np.testing.assert_array_equal(outputs[name], expected[name])

    def test_bad_plans_raise(self):
        with self.assertRaisesRegex(kiln.KilnError, "KILNPLAN"):
            kiln.load_plan(b"not a plan at all")
        plan = self.engine.serialize()
        damaged = bytearray(plan)
        damaged[len(damaged) // 2] ^= 0xFF
        with self.assertRaises(kiln.KilnError):
            kiln.load_plan(bytes(damaged))
        with self.assertRaises(kiln.KilnError):
            kiln.load_plan(plan[: len(plan) // 2])
        missing = os.path.join(self.folder.name, "missing.plan")
        with self.assertRaisesRegex(kiln.KilnError, "missing.plan"):
            kiln.load_plan(missing)
        with self.assertRaisesRegex(TypeError, "load_plan takes a path or the plan's bytes"):
            kiln.load_plan(42)

    def test_failed_save_leaves_nothing(self):
        path = os.path.join(self.folder.name, "no such folder", "model.plan")
        with self.assertRaises(kiln.KilnError):
            self.engine.save(path)
        self.assertEqual(os.listdir(self.folder.name), [])


class RecordingProfiler(kiln.IProfiler):
    def __init__(self):
        super().__init__()
        self.times = []

    def report_layer_time(self, layer_name, ms):
        self.times.append((layer_name, ms))


class FailingProfiler(kiln.IProfiler):
    def report_layer_time(self, layer_name, ms):
        raise ZeroDivisionError(f"no time for {layer_name}")


class ProfilerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        network, _ = conv_relu_network(np.random.default_rng(4))
        cls.engine = build(network)
        cls.executed = [layer.name for layer in cls.engine.report.layers_after if not layer.elided]
        cls.x = np.zeros((1, 3, 7, 7), np.float32)

    def test_layer_time_collector(self):
        context = self.engine.create_execution_context()
        collector = kiln.LayerTimeCollector()
        context.profiler = collector
        for _ in range(3):
            context.execute({"x": self.x})
        self.assertEqual([layer.name for layer in collector.layers], self.executed)
        for layer in collector.layers:
            self.assertEqual(len(layer.milliseconds), 3)
            self.assertTrue(all(ms >= 0 for ms in layer.milliseconds))
        summary = collector.summary(3)
        self.assertAlmostEqual(sum(layer.percentage for layer in summary), 100.0, places=3)
        for layer, times in zip(summary, collector.layers):
            self.assertAlmostEqual(layer.total_ms, sum(times.milliseconds), places=9)
        self.assertIn('"count": 3', collector.profile_json(3))
        context.profiler = None
        context.execute({"x": self.x})
        self.assertEqual(len(collector.layers[0].milliseconds), 3)

    def test_python_profiler(self):
        context = self.engine.create_execution_context()
        profiler = RecordingProfiler()
        context.profiler = profiler
        context.execute({"x": self.x})
        self.assertEqual([name for name, _ in profiler.times], self.executed)
        self.assertIs(context.profiler, profiler)

    def test_profiler_exception_reaches_the_caller(self):
        context = self.engine.create_execution_context()
        context.profiler = FailingProfiler()
        with self.assertRaisesRegex(ZeroDivisionError, re.escape(f"no time for {self.executed[0]}")):
            context.execute({"x": self.x})
        context.profiler = None
        self.assertEqual(len(context.execute({"x": self.x})), 2)  # the context still runs

    def test_profiler_must_be_one(self):
        context = self.engine.create_execution_context()
        with self.assertRaisesRegex(TypeError, "profiler: give a kiln.IProfiler"):
            context.profiler = print


class BoundArraysTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        network, _ = conv_relu_network(np.random.default_rng(5))
        cls.engine = build(network)

    def test_execute_v3_reads_and_writes_the_callers_arrays(self):
        context = self.engine.create_execution_context()
        x = np.random.default_rng(6).uniform(-1, 1, (1, 3, 7, 7)).astype(np.float32)
        residual = np.full((1, 3, 7, 7), np.nan, np.float32)
        gap = np.full((1, 3, 1, 1), np.nan, np.float32)
        context.set_tensor_address("x", x)
        context.set_tensor_address("residual_output", residual)
        context.set_tensor_address("gap_output", gap)
        context.execute_v3()
        expected = self.engine.create_execution_context().execute({"x": x})
        np.testing.assert_array_equal(residual, expected["residual_output"])
        np.testing.assert_array_equal(gap, expected["gap_output"])
        x[...] = 0  # the same arrays again, new values
        context.execute_v3()
        zero = self.engine.create_execution_context().execute({"x": x})
        np.testing.assert_array_equal(gap, zero["gap_output"])

    def test_bad_bindings(self):
        context = self.engine.create_execution_context()
        with self.assertRaisesRegex(ValueError, "no binding 'y'; its inputs are 'x' and its outputs 'residual_output', "
                                                "'gap_output'"):
            context.set_tensor_address("y", np.zeros(3, np.float32))
        with self.assertRaisesRegex(ValueError, "output 'gap_output' has shape \\(1, 3\\); the engine expects "
                                                "\\(1, 3, 1, 1\\)"):
            context.set_tensor_address("gap_output", np.zeros((1, 3), np.float32))
        read_only = np.zeros((1, 3, 1, 1), np.float32)
        read_only.flags.writeable = False
        with self.assertRaisesRegex(ValueError, "output 'gap_output': the array is read-only"):
            context.set_tensor_address("gap_output", read_only)
        with self.assertRaisesRegex(ValueError, "not C-contiguous"):
            context.set_tensor_address("x", np.zeros((1, 3, 7, 14), np.float32)[..., ::2])
        context.set_tensor_address("x", np.zeros((1, 3, 7, 7), np.float32))
        with self.assertRaisesRegex(ValueError, "bind 'residual_output', 'gap_output' first"):
            context.execute_v3()


class ExecuteErrorsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        network, _ = conv_relu_network(np.random.default_rng(7))
        cls.context = build(network).create_execution_context()
        cls.x = np.zeros((1, 3, 7, 7), np.float32)

    def test_errors_name_the_binding(self):
        cases = [
            ({}, ValueError, "no value given for input 'x' \\(float32 \\(1, 3, 7, 7\\)\\)"),
            ({"x": self.x, "y": self.x}, ValueError, "no binding 'y'; its inputs are 'x'"),
            ({"gap_output": self.x}, ValueError, "'gap_output' is an output of the engine, not an input"),
            ({"x": self.x.astype(np.float64)}, ValueError,
             "input 'x' is float64; the engine expects float32: convert it with .astype\\(numpy.float32\\)"),
            ({"x": np.zeros((1, 3, 7, 8), np.float32)}, ValueError,
             "input 'x' has shape \\(1, 3, 7, 8\\); the engine expects \\(1, 3, 7, 7\\)"),
            ({"x": self.x.tolist()}, TypeError, "input 'x' is <class 'list'>; give a NumPy array of float32"),
            ({1: self.x}, TypeError, "input names are strings"),
        ]
        for inputs, error, message in cases:
            with self.subTest(message=message), self.assertRaisesRegex(error, message):
                self.context.execute(inputs)
        with self.assertRaisesRegex(TypeError, "execute takes a dict"):
            self.context.execute([self.x])
        self.assertEqual(len(self.context.execute({"x": self.x})), 2)  # the context still runs


if __name__ == "__main__":
    unittest.main()

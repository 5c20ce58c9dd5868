"""INT8 calibration fed by Python subclasses of kiln.Calibrator: the scales against NumPy's ranges of
the same batches, an INT8 build through BuilderConfig.int8_calibrator, the calibration cache, and what
a calibrator that fails or returns the wrong thing raises."""

import os
import tempfile
import unittest

from kiln_test_support import conv2d, fast_config, kiln, np


class ArrayCalibrator(kiln.Calibrator):
    """Feeds a list of batches of the network input 'x'."""

    def __init__(self, batches, algorithm=kiln.CalibrationAlgorithm.MINMAX):
        super().__init__(algorithm=algorithm)
        self.batches = batches
        self.asked = []

    def batch_count(self):
        return len(self.batches)

    def get_batch(self, index):
        self.asked.append(index)
        return {"x": self.batches[index]}

    def preprocessing(self):
        return f"{len(self.batches)} uniform batches"


def conv_relu(rng):
    """conv 3x3 + ReLU, then a 1x1 convolution: the first two can run in INT8 (a layer that writes a
    network output keeps its type)."""
    weights = {
        "w1": rng.normal(0, 0.3, (4, 2, 3, 3)).astype(np.float32),
        "b1": rng.normal(0, 0.1, 4).astype(np.float32),
        "w2": rng.normal(0, 0.3, (3, 4, 1, 1)).astype(np.float32),
        "b2": rng.normal(0, 0.1, 3).astype(np.float32),
    }
    network = kiln.NetworkDefinition()
    network.name = "conv_relu"
    x = network.add_input("x", np.float32, (1, 2, 6, 6))
    conv = network.add_convolution(x, weights["w1"], weights["b1"], padding=1, name="conv")
    relu = network.add_activation(conv.get_output(0), kiln.ActivationType.RELU, name="relu")
    head = network.add_convolution(relu.get_output(0), weights["w2"], weights["b2"], name="head")
    network.mark_output(head.get_output(0))
    return network, weights


def tensors_of(x, weights):
    """Every activation of conv_relu, in float64."""
    conv = conv2d(x, weights["w1"], weights["b1"], pad=1)
    relu = np.maximum(conv, 0)
    return {"x": x, "conv_output": conv, "relu_output": relu, "head_output": conv2d(relu, weights["w2"], weights["b2"])}


def batches_of(rng, count=4):
    # Batches of different ranges, so that the largest magnitude comes from one of them only.
    return [rng.uniform(-scale, scale, (1, 2, 6, 6)).astype(np.float32) for scale in np.linspace(0.5, 2.0, count)]


class CalibrationTest(unittest.TestCase):
    def setUp(self):
        rng = np.random.default_rng(0)
        self.network, self.weights = conv_relu(rng)
        self.batches = batches_of(rng)

    def test_minmax_scales_are_the_largest_magnitudes(self):
        calibrator = ArrayCalibrator(self.batches)
        table = kiln.calibrate(self.network, calibrator)
        self.assertEqual(table.algorithm, kiln.CalibrationAlgorithm.MINMAX)
        self.assertEqual(table.preprocessing, "4 uniform batches")
        self.assertEqual(table.batches, 4)
        # Every batch is read twice: once for the ranges, once for the histograms.
        self.assertEqual(sorted(calibrator.asked), sorted(list(range(4)) * 2))
        activations = [tensors_of(batch, self.weights) for batch in self.batches]
        expected = {name: max(np.abs(a[name]).max() for a in activations) for name in activations[0]}
        # Every activation has a scale; a copy of one in another memory format ("conv_output (NCHW)") has
        # the same.
        for name, scale in table.scales.items():
            if name not in expected:
                base = name.split(" (")[0]
                self.assertIn(base, expected, f"a scale for an unknown tensor '{name}'")
                self.assertEqual(scale, table.scales[base])
        self.assertLessEqual(set(expected), set(table.scales))
        # x is read as it is (only the division by 127 rounds); the convolutions' magnitudes carry FP32
        # rounding over sums of at most 18 terms, two layers deep (see kiln_test_support).
        self.assertAlmostEqual(table.scales["x"] * 127 / expected["x"], 1.0, delta=1e-6)
        for name in ("conv_output", "relu_output", "head_output"):
            self.assertAlmostEqual(table.scales[name] * 127 / expected[name], 1.0, delta=1e-4)
        for name, scale in table.scales.items():
            self.assertAlmostEqual(table.dynamic_ranges[name], scale * 127, delta=1e-6 * scale * 127)

    def test_int8_build_through_the_config(self):
        builder = kiln.Builder()
        config = fast_config(builder)
        config.int8 = True
        config.int8_calibrator = ArrayCalibrator(self.batches)
        engine = builder.build_engine(self.network, config)
        precisions = {layer.name: layer.precision for layer in engine.report.layers_after}
        self.assertEqual(precisions.get("conv + relu"), "INT8", precisions)
        fp32 = builder.build_engine(self.network, fast_config(builder))
        x = self.batches[-1]  # the widest batch: the one that set the ranges
        quantized = engine.create_execution_context().execute({"x": x})["head_output"]
        reference = fp32.create_execution_context().execute({"x": x})["head_output"]
        # INT8 with min-max ranges: the input is rounded to 1/254 of its range, the weights per channel
        # likewise, the 18 products of each output add their errors, and the ReLU's output is rounded to
        # 1/254 of its range before the FP32 head adds 4 of them. 3% of the largest output bounds that
        # with room; a build that did not quantize would give FP32's values, which the second check refuses.
        error = np.abs(quantized - reference).max()
        self.assertLessEqual(error, 0.03 * np.abs(reference).max())
        self.assertGreater(error, 0.0)

    def test_calibration_cache_round_trip(self):
        table = kiln.calibrate(self.network, ArrayCalibrator(self.batches, kiln.CalibrationAlgorithm.ENTROPY))
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "calibration.cache")
            table.save(path)
            with open(path) as cache:
                self.assertEqual(cache.readline(), "kiln-calibration 1\n")
            read = kiln.read_calibration_cache(path)
        self.assertEqual(read.algorithm, kiln.CalibrationAlgorithm.ENTROPY)
        self.assertEqual(read.model_hash, "network conv_relu")
        self.assertEqual(sorted(read.scales), sorted(table.scales))
        for name, scale in table.scales.items():
            self.assertAlmostEqual(read.scales[name], scale, delta=1e-7 * scale)
        builder = kiln.Builder()
        config = fast_config(builder)
        config.int8 = True
        config.dynamic_ranges = read.dynamic_ranges  # ranges from the cache: no calibrator needed
        engine = builder.build_engine(self.network, config)
        self.assertIn("INT8", [layer.precision for layer in engine.report.layers_after])

    def test_ranges_outside_int8_limits_are_refused(self):
        # range / 127 must be a normal float and 127 times it finite: 1.49287783e-36 to 3.40282326e+38.
        builder = kiln.Builder()
        config = fast_config(builder)
        for bad in (0.0, -1.0, 1e-37, float("inf"), float("nan"), 3.4028235e38):
            with self.assertRaisesRegex(ValueError, "dynamic_ranges\\['x'\\] is .*: give a magnitude from "
                                                    "1.49287783e-36 to 3.40282326e\\+38"):
                config.dynamic_ranges = {"x": bad}
        config.dynamic_ranges = {"x": 1.49287783e-36, "y": 3.40282326e38}
        self.assertEqual(sorted(config.dynamic_ranges), ["x", "y"])
        tensor = self.network.inputs[0]
        with self.assertRaisesRegex(ValueError, "dynamic_range of 'x' is inf: give a magnitude from"):
            tensor.dynamic_range = float("inf")

    def test_percentile_settings_are_kept(self):
        calibrator = ArrayCalibrator(self.batches, kiln.CalibrationAlgorithm.PERCENTILE)
        self.assertEqual(calibrator.algorithm, kiln.CalibrationAlgorithm.PERCENTILE)
        self.assertEqual(calibrator.percentile, 99.99)
        self.assertEqual(calibrator.bins, 2048)
        with self.assertRaisesRegex(ValueError, "percentile: give a share in \\(0, 100\\]"):
            kiln.Calibrator(percentile=150)


class FailingCalibrator(ArrayCalibrator):
    def get_batch(self, index):
        if index == 2:
            raise KeyError(f"batch {index} is missing")
        return super().get_batch(index)


class ListCalibrator(ArrayCalibrator):
    def get_batch(self, index):
        return [self.batches[index]]


class WrongTypeCalibrator(ArrayCalibrator):
    def get_batch(self, index):
        return {"x": self.batches[index].astype(np.int32)}


class CountlessCalibrator(kiln.Calibrator):
    def get_batch(self, index):
        return {}


class ArrayCalibratorWithoutInit(kiln.Calibrator):
    def __init__(self):
        pass


class CalibratorErrorsTest(unittest.TestCase):
    def setUp(self):
        rng = np.random.default_rng(1)
        self.network, _ = conv_relu(rng)
        self.batches = batches_of(rng)

    def test_python_exception_reaches_the_caller(self):
        builder = kiln.Builder()
        config = fast_config(builder)
        config.int8 = True
        config.int8_calibrator = FailingCalibrator(self.batches)
        with self.assertRaisesRegex(KeyError, "batch 2 is missing"):
            builder.build_engine(self.network, config)
        config.int8_calibrator = ArrayCalibrator(self.batches)  # the same builder still works
        self.assertIsNotNone(builder.build_engine(self.network, config))

    def test_wrong_batches_raise(self):
        with self.assertRaisesRegex(TypeError, "get_batch\\(0\\) returned <class 'list'>; return a dict"):
            kiln.calibrate(self.network, ListCalibrator(self.batches))
        with self.assertRaisesRegex(kiln.KilnError, "'x'"):
            kiln.calibrate(self.network, WrongTypeCalibrator(self.batches))
        with self.assertRaisesRegex(TypeError, "must define batch_count\\(\\)"):
            kiln.calibrate(self.network, CountlessCalibrator())
        with self.assertRaisesRegex(TypeError, "__init__"):
            ArrayCalibratorWithoutInit()

    def test_calibrator_must_be_one(self):
        with self.assertRaises(TypeError):
            kiln.calibrate(self.network, object())
        with self.assertRaisesRegex(TypeError, "must define batch_count\\(\\)"):
            kiln.calibrate(self.network, kiln.Calibrator())

if __name__ == "__main__":
    unittest.main()

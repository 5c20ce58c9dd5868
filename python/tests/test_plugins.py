"""Plugin libraries from Python: kiln.load_plugins registers a library's creators (the sample
ScaledSoftsign in the com.example domain), an ONNX node of that op then imports as a plugin layer, and
the engine computes alpha * x / (1 + |x|) as NumPy does; a library that cannot load raises naming it."""

import os
import unittest

from kiln_test_support import assert_close_fp32, fast_config, kiln, np, onnx_or_skip


def softsign_model(alpha):
    onnx = onnx_or_skip()
    from onnx import TensorProto, helper

    node = helper.make_node("ScaledSoftsign", ["x"], ["y"], name="softsign", domain="com.example", alpha=alpha)
    graph = helper.make_graph([node], "plugin", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 5])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 5])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.example", 1)])
    return model.SerializeToString()


class PluginTest(unittest.TestCase):
    def setUp(self):
        self.library = os.environ.get("KILN_SAMPLE_SOFTSIGN_PLUGIN")
        if not self.library:
            self.skipTest("KILN_SAMPLE_SOFTSIGN_PLUGIN is not set (run through ctest)")

    def test_a_library_that_cannot_load_raises_naming_it(self):
        with self.assertRaises(kiln.KilnError) as raised:
            kiln.load_plugins(["/nonexistent/libnothing.so"])
        self.assertIn("libnothing.so", str(raised.exception))

    def test_a_loaded_plugin_runs_its_op(self):
        kiln.load_plugins([self.library])
        kiln.load_plugins([self.library])  # a second load does nothing
        self.assertIn("com.example::ScaledSoftsign v1", kiln.plugin_creators())
        self.assertEqual(kiln.plugin_libraries().count(self.library), 1)

        network = kiln.OnnxParser().parse(softsign_model(2.5))
        self.assertEqual([layer.name for layer in network.layers], ["softsign"])
        builder = kiln.Builder()
        engine = builder.build_engine(network, fast_config(builder))
        x = np.random.default_rng(3).normal(0, 2, (2, 5)).astype(np.float32)
        y = engine.create_execution_context().execute({"x": x})["y"]
        assert_close_fp32(self, y, 2.5 * x / (1 + np.abs(x)))
        # The plan records the plugin and loads while it is registered.
        again = kiln.load_plan(engine.serialize())
        assert_close_fp32(self, again.create_execution_context().execute({"x": x})["y"], y)


if __name__ == "__main__":
    unittest.main()

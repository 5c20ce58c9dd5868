"""A Caffe net (prototxt + caffemodel, written by make_caffe_net.py) imported by CaffeParser, built and
run against NumPy, from files and from bytes, and the errors a bad net raises."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from kiln_test_support import assert_close_fp32, conv2d, fast_config, kiln, max_pool2d, np, softmax

HERE = os.path.dirname(os.path.abspath(__file__))
CAFFE_PROTO = os.path.join(os.environ.get("KILN_SOURCE_DIR", os.path.join(HERE, "..", "..")),
                           "parsers", "caffe", "src", "caffe.proto")


class CaffeNetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if shutil.which("protoc") is None:
            raise unittest.SkipTest("protoc is not installed (Debian's protobuf-compiler)")
        cls.folder = tempfile.TemporaryDirectory()
        subprocess.run([sys.executable, os.path.join(HERE, "make_caffe_net.py"), CAFFE_PROTO, cls.folder.name],
                       check=True)
        cls.prototxt = os.path.join(cls.folder.name, "net.prototxt")
        cls.caffemodel = os.path.join(cls.folder.name, "net.caffemodel")
        cls.weights = dict(np.load(os.path.join(cls.folder.name, "weights.npz")))

    @classmethod
    def tearDownClass(cls):
        cls.folder.cleanup()

    def reference(self, x):
        w = self.weights
        hidden = max_pool2d(np.maximum(conv2d(x, w["conv1_w"], w["conv1_b"], pad=1), 0), 2, 2)
        return softmax(hidden.reshape(x.shape[0], -1) @ w["fc_w"].astype(np.float64).T + w["fc_b"], axis=1)

    def test_files_and_bytes_match_numpy(self):
        parser = kiln.CaffeParser()
        from_files = parser.parse_from_files(self.prototxt, self.caffemodel)
        with open(self.prototxt) as text, open(self.caffemodel, "rb") as model:
            from_bytes = parser.parse(text.read(), model.read())
        self.assertEqual([(i.name, i.shape) for i in kiln.CaffeParser.read_inputs(self.prototxt)],
                         [("data", (1, 2, 6, 6))])
        x = np.random.default_rng(1).uniform(-1, 1, (1, 2, 6, 6)).astype(np.float32)
        builder = kiln.Builder()
        for network in (from_files, from_bytes):
            self.assertEqual([t.name for t in network.inputs], ["data"])
            engine = builder.build_engine(network, fast_config(builder))
            outputs = engine.create_execution_context().execute({"data": x})
            self.assertEqual(list(outputs), ["prob"])
            assert_close_fp32(self, outputs["prob"], self.reference(x))

    def test_input_shapes_replace_the_declared_ones(self):
        network = kiln.CaffeParser(input_shapes={"data": (3, 2, 6, 6)}).parse_from_files(self.prototxt, self.caffemodel)
        builder = kiln.Builder()
        engine = builder.build_engine(network, fast_config(builder))
        x = np.random.default_rng(2).uniform(-1, 1, (3, 2, 6, 6)).astype(np.float32)
        assert_close_fp32(self, engine.create_execution_context().execute({"data": x})["prob"], self.reference(x))

    def test_errors(self):
        parser = kiln.CaffeParser()
        with self.assertRaisesRegex(kiln.KilnError, "missing.caffemodel"):
            parser.parse_from_files(self.prototxt, os.path.join(self.folder.name, "missing.caffemodel"))
        with open(self.prototxt) as text, open(self.caffemodel, "rb") as model:
            prototxt, caffemodel = text.read(), model.read()
        with self.assertRaisesRegex(kiln.KilnError, "the caffemodel is not a valid caffemodel: it is empty"):
            parser.parse(prototxt, b"")
        with self.assertRaisesRegex(kiln.KilnError, "NoSuchLayer"):
            parser.parse(prototxt.replace('type: "ReLU"', 'type: "NoSuchLayer"'), caffemodel)
        with self.assertRaisesRegex(kiln.KilnError, "conv1"):
            parser.parse(prototxt.replace("num_output: 3", "num_output: 5"), caffemodel)  # weights of another shape

if __name__ == "__main__":
    unittest.main()

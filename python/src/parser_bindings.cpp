// The model parsers for Python: ONNX (a file or bytes into a NetworkDefinition, or a NetworkSource for
// dynamic shapes) and Caffe (a prototxt with its caffemodel). A failed import raises KilnError with
// the parser's message, which names the node, its op type and what to do. What the parser logs (info
// and warnings) is kept in the parser's `messages`.
#include <pybind11/stl.h>

#include <mutex>

#include "bindings.h"
#include "kiln/caffe_parser.h"
#include "kiln/onnx_parser.h"
#include "numpy_tensors.h"

namespace kiln::python {

namespace {

// Keeps what a parser logs: (severity, message) pairs.
class MessageLog : public ILogger {
public:
    void log(Severity severity, const std::string& message) override {
        std::lock_guard lock(m_mutex);
        m_messages.emplace_back(toString(severity), message);
    }
    std::vector<std::pair<std::string, std::string>> messages() const {
        std::lock_guard lock(m_mutex);
        return m_messages;
    }
    void clear() {
        std::lock_guard lock(m_mutex);
        m_messages.clear();
    }

private:
    mutable std::mutex m_mutex;
    std::vector<std::pair<std::string, std::string>> m_messages;
};

std::string pathOf(const py::handle& path) {
    return py::str(py::module_::import("os").attr("fspath")(path));
}

std::map<std::string, Dims> shapesOf(const py::handle& shapes, const std::string& what) {
    std::map<std::string, Dims> result;
    if (shapes.is_none()) return result;
    if (!py::isinstance<py::dict>(shapes)) throw py::type_error(what + ": give a dict {input name: shape}");
    for (auto [name, shape] : py::reinterpret_borrow<py::dict>(shapes)) {
        const std::string key = py::str(name);
        result[key] = dimsOf(shape, what + " '" + key + "'");
    }
    return result;
}

struct OnnxParser {
    std::map<std::string, Dims> inputShapes;
    std::map<std::string, HostTensor> inputValues;
    std::shared_ptr<MessageLog> log = std::make_shared<MessageLog>();

    OnnxParseOptions options() {
        OnnxParseOptions options;
        options.inputShapes = inputShapes;
        options.inputValues = inputValues;
        options.logger = log.get();
        return options;
    }
};

struct CaffeParser {
    std::map<std::string, Dims> inputShapes;
    std::shared_ptr<MessageLog> log = std::make_shared<MessageLog>();

    CaffeParseOptions options() {
        CaffeParseOptions options;
        options.inputShapes = inputShapes;
        options.logger = log.get();
        return options;
    }
};

// Runs an import without the GIL and returns its network, validated.
template <typename Import>
NetworkDefinition imported(MessageLog& log, Import import) {
    log.clear();
    Result<NetworkDefinition> network = withoutGil([&]() -> Result<NetworkDefinition> {
        Result<NetworkDefinition> parsed = import();
        if (!parsed) return parsed;
        if (Status valid = parsed->validate(); !valid) return valid;
        return parsed;
    });
    return take(std::move(network));
}

void registerInputInfo(py::module_& module) {
    py::class_<OnnxInputInfo>(module, "OnnxInputInfo", "A graph input as the model declares it")
        .def_readonly("name", &OnnxInputInfo::name)
        .def_property_readonly("dtype", [](const OnnxInputInfo& input) { return dtypeOf(input.type); })
        .def_property_readonly(
            "shape", [](const OnnxInputInfo& input) { return shapeTuple(input.dims); },
            "-1 where the dimension is symbolic or unknown")
        .def_readonly("dim_names", &OnnxInputInfo::dimNames)
        .def_readonly("is_shape_tensor", &OnnxInputInfo::isShapeTensor);
    py::class_<SourceInput>(module, "SourceInput", "An input of a NetworkSource")
        .def_readonly("name", &SourceInput::name)
        .def_property_readonly("dtype", [](const SourceInput& input) { return dtypeOf(input.type); })
        .def_property_readonly("shape", [](const SourceInput& input) { return shapeTuple(input.dims); })
        .def_readonly("dim_names", &SourceInput::dimNames)
        .def_readonly("is_shape_tensor", &SourceInput::isShapeTensor);
    py::class_<CaffeInputInfo>(module, "CaffeInputInfo", "A net input as the prototxt declares it")
        .def_readonly("name", &CaffeInputInfo::name)
        .def_property_readonly("shape", [](const CaffeInputInfo& input) { return shapeTuple(input.dims); });
}

void registerOnnx(py::module_& module) {
    py::class_<SourceHandle>(
        module, "NetworkSource",
        "A model kept whole, imported again for each shape: what a dynamic-shape engine is "
        "built from (with BuilderConfig.add_optimization_profile)")
        .def_property_readonly("kind", [](const SourceHandle& self) { return self.source->kind(); })
        .def_property_readonly("inputs", [](const SourceHandle& self) { return self.source->inputs(); })
        .def(
            "instantiate",
            [](const SourceHandle& self, const py::handle& shapes) {
                const std::map<std::string, Dims> dims = shapesOf(shapes, "instantiate");
                return take(withoutGil([&] { return self.source->instantiate(dims); }));
            },
            py::arg("shapes"), "The network at concrete shapes {input name: shape}");

    py::class_<OnnxParser>(module, "OnnxParser", "Imports ONNX models (opsets 1 to 17)")
        .def(py::init([](const py::handle& inputShapes, const py::handle& inputValues) {
                 OnnxParser parser;
                 parser.inputShapes = shapesOf(inputShapes, "input_shapes");
                 if (!inputValues.is_none()) {
                     if (!py::isinstance<py::dict>(inputValues)) {
                         throw py::type_error("input_values: give a dict {input name: array}");
                     }
                     for (auto [name, value] : py::reinterpret_borrow<py::dict>(inputValues)) {
                         const std::string key = py::str(name);
                         parser.inputValues[key] = copyOfArray(value, "input_values '" + key + "'");
                     }
                 }
                 return parser;
             }),
             py::arg("input_shapes") = py::none(), py::arg("input_values") = py::none(),
             "input_shapes: {input name: shape} for inputs with symbolic dimensions (trtexec's --shapes); "
             "input_values: {input name: array} for inputs whose values decide shapes")
        .def(
            "parse_from_file",
            [](OnnxParser& self, const py::object& path) {
                const std::string file = pathOf(path);
                OnnxParseOptions options = self.options();
                return imported(*self.log, [&] { return parseOnnxFile(file, options); });
            },
            py::arg("path"), "A NetworkDefinition of the model file; external data is read beside it")
        .def(
            "parse",
            [](OnnxParser& self, const py::bytes& model, const std::string& baseDirectory) {
                const std::string bytes = model;
                OnnxParseOptions options = self.options();
                return imported(*self.log, [&] { return parseOnnxBytes(bytes, baseDirectory, options); });
            },
            py::arg("model"), py::arg("base_directory") = "",
            "A NetworkDefinition of the model's bytes; external data is looked up under base_directory")
        .def(
            "parse_dynamic",
            [](OnnxParser&, const py::object& path) {
                const std::string file = pathOf(path);
                return SourceHandle{take(withoutGil([&] { return onnxNetworkSource(file); }))};
            },
            py::arg("path"), "The model as a NetworkSource, for dynamic shapes")
        .def_static(
            "read_inputs", [](const py::object& path) { return take(readOnnxInputs(pathOf(path))); },
            py::arg("path"), "The graph inputs the model declares (initializers excluded)")
        .def_property_readonly(
            "messages", [](const OnnxParser& self) { return self.log->messages(); },
            "[(severity, message), ...] of the last import");
}

void registerCaffe(py::module_& module) {
    py::class_<CaffeParser>(module, "CaffeParser", "Imports Caffe nets: a deploy prototxt and its caffemodel")
        .def(py::init([](const py::handle& inputShapes) {
                 CaffeParser parser;
                 parser.inputShapes = shapesOf(inputShapes, "input_shapes");
                 return parser;
             }),
             py::arg("input_shapes") = py::none(),
             "input_shapes: {input name: shape} replacing the declared ones")
        .def(
            "parse_from_files",
            [](CaffeParser& self, const py::object& prototxt, const py::object& caffemodel) {
                const std::string text = pathOf(prototxt);
                const std::string weights = pathOf(caffemodel);
                CaffeParseOptions options = self.options();
                return imported(*self.log, [&] { return parseCaffeFiles(text, weights, options); });
            },
            py::arg("prototxt"), py::arg("caffemodel"))
        .def(
            "parse",
            [](CaffeParser& self, const std::string& prototxt, const py::bytes& caffemodel) {
                const std::string weights = caffemodel;
                CaffeParseOptions options = self.options();
                return imported(*self.log, [&] { return parseCaffeBytes(prototxt, weights, options); });
            },
            py::arg("prototxt"), py::arg("caffemodel"), "From the prototxt's text and the caffemodel's bytes")
        .def_static(
            "read_inputs", [](const py::object& path) { return take(readCaffeInputs(pathOf(path))); },
            py::arg("path"), "The inputs the prototxt declares")
        .def_property_readonly(
            "messages", [](const CaffeParser& self) { return self.log->messages(); },
            "[(severity, message), ...] of the last import");
}

}  // namespace

void registerParsers(py::module_& module) {
    registerInputInfo(module);
    registerOnnx(module);
    registerCaffe(module);
}

}  // namespace kiln::python

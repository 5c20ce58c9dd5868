// The `kiln` Python module: Kiln's engine as TensorRT's Python API presents TensorRT. Build a network by
// hand or with a parser, build an engine with a BuilderConfig, run it with NumPy arrays, read its build
// report and profile, save and load plans. Errors raise kiln.KilnError with the engine's message.
#include <pybind11/stl.h>

#include "bindings.h"
#include "kiln/device.h"
#include "kiln/onnx_parser.h"
#include "numpy_tensors.h"

PYBIND11_MODULE(kiln, module) {
    namespace py = pybind11;
    using namespace kiln;
    module.doc() = "Kiln: build, optimize and run neural networks (a TensorRT-like engine) from Python";
    module.attr("__version__") = KILN_VERSION;

    python::registerErrors(module);
    python::registerNetwork(module);
    python::registerBuilder(module);
    python::registerRuntime(module);
    python::registerParsers(module);
    // Plans with dynamic shapes keep their ONNX model; loading one needs the ONNX reader.
    registerOnnxSourceReader();

    py::class_<BackendInfo>(module, "BackendInfo")
        .def_readonly("name", &BackendInfo::name)
        .def_readonly("available", &BackendInfo::available)
        .def_readonly("description", &BackendInfo::description)
        .def("__repr__", [](const BackendInfo& info) {
            return "<kiln.BackendInfo " + info.name + (info.available ? " available: " : " unavailable: ") +
                   info.description + ">";
        });
    module.def("backends", &backendInfos,
               "Every backend, whether it can run here, and its device or why not");
}

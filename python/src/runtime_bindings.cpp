// Running engines from Python: Engine (bindings, build report, plan bytes), ExecutionContext with NumPy
// arrays in and out, per-layer times through profilers, and plan loading.
//
// Copies: execute() reads each C-contiguous input array where it lies (copying it once into the
// context's memory, as every run does) and returns arrays that own the output tensors the run made,
// without copying them again. For runs without any allocation, set_tensor_address() binds arrays the
// caller keeps, and execute_v3() reads the inputs from and writes the outputs into them. Runs release
// the GIL; a Python profiler takes it back for each layer time it hears.
#include <pybind11/stl.h>

#include <algorithm>
#include <exception>
#include <utility>

#include "bindings.h"
#include "kiln/plan.h"
#include "kiln/plugin.h"
#include "kiln/profiling.h"
#include "kiln/runtime.h"
#include "numpy_tensors.h"

namespace kiln::python {

namespace {

// The base class of Python profilers (TensorRT's IProfiler): report_layer_time(layer_name, ms) is
// called for every executed layer after each run. What it raises stops the reports of that run and is
// raised again when the run returns.
class PyProfiler : public IProfiler {
public:
    void reportLayerTime(const std::string& layerName, float milliseconds) override {
        py::gil_scoped_acquire gil;
        if (failure) return;
        try {
            py::function method = py::get_override(static_cast<const IProfiler*>(this), "report_layer_time");
            if (!method)
                throw py::type_error(
                    "a kiln.IProfiler subclass must define report_layer_time(layer_name, ms)");
            method(layerName, milliseconds);
        } catch (...) {
            failure = std::current_exception();
        }
    }

    std::exception_ptr failure;
};

struct PyContext {
    std::shared_ptr<Engine> engine;
    std::unique_ptr<ExecutionContext> context;
    py::object profiler = py::none();
    std::map<std::string, py::array> addresses;  // the caller's arrays bound by set_tensor_address
};

std::string bindingNames(const Engine& engine, bool inputs) {
    std::string names;
    for (const Binding& binding : engine.bindings()) {
        if (binding.isInput == inputs) names += (names.empty() ? "'" : ", '") + binding.name + "'";
    }
    return names.empty() ? std::string("none") : names;
}

const Binding& findBinding(const Engine& engine, const std::string& name) {
    for (const Binding& binding : engine.bindings()) {
        if (binding.name == name) return binding;
    }
    throw py::value_error("the engine has no binding '" + name + "'; its inputs are " +
                          bindingNames(engine, true) + " and its outputs " + bindingNames(engine, false));
}

bool isDynamic(const Dims& dims) {
    return std::any_of(dims.begin(), dims.end(), [](int64_t extent) { return extent < 0; });
}

std::string describeBinding(const Binding& binding) {
    return std::string(py::str(dtypeOf(binding.type))) + " " + std::string(py::str(shapeTuple(binding.dims)));
}

void checkArrayType(const Binding& binding, const py::array& array, const std::string& what) {
    if (array.dtype().equal(dtypeOf(binding.type))) return;
    throw py::value_error(what + " '" + binding.name + "' is " + std::string(py::str(array.dtype())) +
                          "; the engine expects " + std::string(py::str(dtypeOf(binding.type))) +
                          ": convert it with .astype(numpy." + std::string(py::str(dtypeOf(binding.type))) +
                          ")");
}

void checkArrayShape(const Binding& binding, const py::array& array, const Dims& expected,
                     const std::string& what) {
    const Dims dims(array.shape(), array.shape() + array.ndim());
    if (dims == expected) return;
    throw py::value_error(what + " '" + binding.name + "' has shape " +
                          std::string(py::str(shapeTuple(dims))) + "; the engine expects " +
                          std::string(py::str(shapeTuple(expected))));
}

void rethrowProfilerFailure(const PyContext& self) {
    if (self.profiler.is_none()) return;
    auto* profiler = dynamic_cast<PyProfiler*>(self.profiler.cast<IProfiler*>());
    if (profiler && profiler->failure) std::rethrow_exception(std::exchange(profiler->failure, nullptr));
}

py::dict execute(PyContext& self, const py::handle& values) {
    if (!py::isinstance<py::dict>(values)) {
        throw py::type_error("execute takes a dict {input name: NumPy array}, not " +
                             std::string(py::str(py::type::of(values))));
    }
    const Engine& engine = *self.engine;
    std::vector<ArrayView> views;
    TensorMap inputs;
    for (auto [key, value] : py::reinterpret_borrow<py::dict>(values)) {
        if (!py::isinstance<py::str>(key))
            throw py::type_error("execute: input names are strings, not " +
                                 std::string(py::str(py::repr(key))));
        const std::string name = py::str(key);
        const Binding& binding = findBinding(engine, name);
        if (!binding.isInput) {
            throw py::value_error("'" + name + "' is an output of the engine, not an input; its inputs are " +
                                  bindingNames(engine, true));
        }
        if (!py::isinstance<py::array>(value)) {
            throw py::type_error("input '" + name + "' is " + std::string(py::str(py::type::of(value))) +
                                 "; give a NumPy array of " + describeBinding(binding));
        }
        const py::array array = py::reinterpret_borrow<py::array>(value);
        checkArrayType(binding, array, "input");
        if (!binding.isShapeTensor && !isDynamic(binding.dims))
            checkArrayShape(binding, array, binding.dims, "input");
        views.push_back(viewOfArray(array, "input '" + name + "'"));
        inputs[name] = views.back().tensor;
    }
    std::string missing;
    for (const Binding& binding : engine.bindings()) {
        if (binding.isInput && !inputs.count(binding.name)) {
            missing += std::string(missing.empty() ? "" : ", ") + "'" + binding.name + "' (" +
                       describeBinding(binding) + ")";
        }
    }
    if (!missing.empty()) throw py::value_error("execute: no value given for input " + missing);

    Result<TensorMap> outputs = withoutGil([&] { return self.context->execute(inputs); });
    rethrowProfilerFailure(self);
    TensorMap produced = take(std::move(outputs));
    py::dict result;
    for (const Binding& binding : engine.bindings()) {
        if (binding.isInput) continue;
        auto output = produced.find(binding.name);
        if (output != produced.end())
            result[py::str(binding.name)] = arrayOfTensor(std::move(output->second));
    }
    return result;
}

void setTensorAddress(PyContext& self, const std::string& name, const py::object& value) {
    const Binding& binding = findBinding(*self.engine, name);
    if (value.is_none()) {
        check(self.context->setTensorAddress(name, nullptr));
        self.addresses.erase(name);
        return;
    }
    if (self.engine->usesDeviceMemory()) {
        throw py::value_error(
            "the engine runs on the " + self.engine->backend() +
            " backend, whose tensors live in device memory; NumPy arrays are host memory: use "
            "execute() instead");
    }
    if (binding.isShapeTensor) {
        throw py::value_error("'" + name +
                              "' is a shape tensor: give its values with set_input_shape or execute()");
    }
    if (!py::isinstance<py::array>(value)) {
        throw py::type_error("set_tensor_address '" + name + "': give a NumPy array of " +
                             describeBinding(binding));
    }
    py::array array = py::reinterpret_borrow<py::array>(value);
    checkArrayType(binding, array, binding.isInput ? "input" : "output");
    checkArrayShape(binding, array, take(self.context->tensorShape(name)),
                    binding.isInput ? "input" : "output");
    if (!(array.flags() & py::array::c_style)) {
        throw py::value_error("'" + name +
                              "': the array is not C-contiguous; bind numpy.ascontiguousarray(...) and "
                              "keep that array");
    }
    if (!binding.isInput && !array.writeable()) {
        throw py::value_error("output '" + name + "': the array is read-only; bind a writable array");
    }
    check(self.context->setTensorAddress(name, array.mutable_data()));
    self.addresses[name] = std::move(array);
}

void executeV3(PyContext& self) {
    std::string missing;
    for (const Binding& binding : self.engine->bindings()) {
        if (binding.isShapeTensor) continue;
        auto bound = self.addresses.find(binding.name);
        if (bound == self.addresses.end()) {
            missing += std::string(missing.empty() ? "" : ", ") + "'" + binding.name + "'";
            continue;
        }
        // The shapes may have changed since the array was bound (set_input_shape).
        checkArrayShape(binding, bound->second, take(self.context->tensorShape(binding.name)),
                        binding.isInput ? "input" : "output");
    }
    if (!missing.empty()) {
        throw py::value_error("execute_v3 reads and writes the arrays bound by set_tensor_address; bind " +
                              missing + " first, or use execute()");
    }
    const Status ran = withoutGil([&] {
        const Status issued = self.context->enqueueV3(nullptr);
        return issued.isOk() ? self.context->synchronize() : issued;
    });
    rethrowProfilerFailure(self);
    check(ran);
}

std::string pathOf(const py::handle& path) {
    return py::str(py::module_::import("os").attr("fspath")(path));
}

void registerProfilers(py::module_& module) {
    py::class_<IProfiler, PyProfiler>(
        module, "IProfiler",
        "Subclass it and define report_layer_time(layer_name, ms): called for every "
        "executed (fused) layer, in execution order, after each run")
        .def(py::init<>())
        .def("report_layer_time", &IProfiler::reportLayerTime, py::arg("layer_name"), py::arg("ms"));

    py::class_<LayerTimeCollector::Layer>(module, "LayerTimes")
        .def_readonly("name", &LayerTimeCollector::Layer::name)
        .def_readonly("milliseconds", &LayerTimeCollector::Layer::milliseconds, "One time per profiled run");
    py::class_<LayerTimeSummary>(module, "LayerTimeSummary")
        .def_readonly("name", &LayerTimeSummary::name)
        .def_readonly("total_ms", &LayerTimeSummary::totalMs)
        .def_readonly("average_ms", &LayerTimeSummary::averageMs)
        .def_readonly("median_ms", &LayerTimeSummary::medianMs)
        .def_readonly("percentage", &LayerTimeSummary::percentage);
    py::class_<LayerTimeCollector, IProfiler>(
        module, "LayerTimeCollector",
        "A profiler that keeps every layer's time of every run (what kiln "
        "profile and the workbench use)")
        .def(py::init<>())
        .def_property_readonly("layers", &LayerTimeCollector::layers, "Layers in the order they first ran")
        .def("clear", &LayerTimeCollector::clear)
        .def(
            "summary",
            [](const LayerTimeCollector& collector, int runs) {
                return summarizeLayerTimes(collector, runs);
            },
            py::arg("runs"), "Per layer: total, mean and median over `runs` runs and its share of the total")
        .def(
            "profile_json",
            [](const LayerTimeCollector& collector, int runs) {
                return profileJson(summarizeLayerTimes(collector, runs), runs);
            },
            py::arg("runs"), "trtexec's --exportProfile layout");
}

void registerEngine(py::module_& module) {
    py::class_<Binding>(module, "Binding", "An input or output of an engine")
        .def_readonly("name", &Binding::name)
        .def_property_readonly("dtype", [](const Binding& binding) { return dtypeOf(binding.type); })
        .def_readonly("data_type", &Binding::type)
        .def_property_readonly(
            "shape", [](const Binding& binding) { return shapeTuple(binding.dims); },
            "-1 where a dynamic engine's profiles let the dimension vary")
        .def_readonly("is_input", &Binding::isInput)
        .def_readonly("is_shape_tensor", &Binding::isShapeTensor)
        .def("__repr__", [](const Binding& binding) {
            return "<kiln.Binding " + std::string(binding.isInput ? "input" : "output") + " '" +
                   binding.name + "' " + toString(binding.type) + " " +
                   (isDynamic(binding.dims) ? "dynamic" : toString(binding.dims)) + ">";
        });

    py::class_<Engine, std::shared_ptr<Engine>>(module, "Engine", "A built network (TensorRT's ICudaEngine)")
        .def_property_readonly("bindings", &Engine::bindings)
        .def_property_readonly("num_bindings", [](const Engine& engine) { return engine.bindings().size(); })
        .def("get_binding", &findBinding, py::arg("name"), py::return_value_policy::copy)
        .def_property_readonly("input_names",
                               [](const Engine& engine) {
                                   std::vector<std::string> names;
                                   for (const Binding& binding : engine.bindings())
                                       if (binding.isInput) names.push_back(binding.name);
                                   return names;
                               })
        .def_property_readonly("output_names",
                               [](const Engine& engine) {
                                   std::vector<std::string> names;
                                   for (const Binding& binding : engine.bindings())
                                       if (!binding.isInput) names.push_back(binding.name);
                                   return names;
                               })
        .def_property_readonly("report", &Engine::report, py::return_value_policy::reference_internal,
                               "The build report")
        .def_property_readonly("backend", &Engine::backend)
        .def_property_readonly("device", &Engine::deviceDescription)
        .def_property_readonly("has_dynamic_shapes", &Engine::hasDynamicShapes)
        .def_property_readonly("profiles", &Engine::profiles)
        .def_property_readonly("workspace_bytes", &Engine::workspaceBytes)
        .def_property_readonly("context_memory_bytes", &Engine::contextMemoryBytes)
        .def_property_readonly("weight_bytes", &Engine::weightBytes)
        .def_property_readonly(
            "layer_information",
            [](const Engine& engine) {
                return py::module_::import("json").attr("loads")(engine.layerInformationJson());
            },
            "Layer information as trtexec's --exportLayerInfo writes it, parsed")
        .def(
            "serialize", [](const Engine& engine) { return py::bytes(take(serializePlan(engine))); },
            "The plan bytes, for kiln.load_plan or the kiln command")
        .def(
            "save",
            [](const Engine& engine, const py::object& path) { check(writePlanFile(pathOf(path), engine)); },
            py::arg("path"),
            "Writes the plan atomically: an existing file is replaced only by a complete plan")
        .def("create_execution_context", [](const std::shared_ptr<Engine>& engine) {
            PyContext context;
            context.engine = engine;
            context.context = take(engine->createExecutionContext());
            return context;
        });

    module.def(
        "load_plan",
        [](const py::object& source) {
            if (py::isinstance<py::bytes>(source) || py::isinstance<py::bytearray>(source) ||
                py::isinstance<py::memoryview>(source)) {
                const py::object copy = py::reinterpret_steal<py::object>(PyBytes_FromObject(source.ptr()));
                if (!copy) throw py::error_already_set();
                const std::string bytes = py::bytes(copy);
                return take(withoutGil([&] { return deserializePlan(bytes); }));
            }
            if (py::isinstance<py::str>(source) || py::hasattr(source, "__fspath__")) {
                const std::string path = pathOf(source);
                return take(withoutGil([&] { return readPlanFile(path); }));
            }
            throw py::type_error("load_plan takes a path or the plan's bytes, not " +
                                 std::string(py::str(py::type::of(source))));
        },
        py::arg("plan"),
        "An engine from a plan file's path or a plan's bytes; the header and hashes are checked first");

    module.def(
        "load_plugins",
        [](const std::vector<py::object>& paths) {
            std::vector<std::string> files;
            for (const py::object& path : paths) files.push_back(pathOf(path));
            const Status loaded = withoutGil([&] { return loadPluginLibraries(files); });
            if (!loaded.isOk()) raiseStatus(loaded);
        },
        py::arg("paths"),
        "Loads plugin libraries (as the kiln command's --plugins) and registers their creators: the ONNX and "
        "Caffe parsers then map the operators they name to plugin layers, and plans using them load");
    module.def(
        "plugin_libraries", [] { return PluginRegistry::global().libraries(); },
        "The plugin libraries loaded so far, in order");
    module.def(
        "plugin_creators",
        [] {
            std::vector<std::string> keys;
            for (const PluginRegistry::Entry& entry : PluginRegistry::global().list()) {
                keys.push_back(pluginKey(entry.creator->name(), entry.creator->version(), entry.creator->pluginNamespace()));
            }
            return keys;
        },
        "The registered plugin creators as \"namespace::name vVERSION\"");
}

void registerContext(py::module_& module) {
    py::class_<PyContext>(module, "ExecutionContext",
                          "Runs an engine with its own activation memory (TensorRT's IExecutionContext)")
        .def_property_readonly("engine", [](const PyContext& self) { return self.engine; })
        .def("execute", &execute, py::arg("inputs"),
             "Runs on {input name: array} (every input, the binding's dtype and shape) and returns "
             "{output name: array}")
        .def("set_tensor_address", &setTensorAddress, py::arg("name"), py::arg("array"),
             "Binds a C-contiguous array the caller keeps (None unbinds): execute_v3 reads an input from it "
             "or "
             "writes an output into it")
        .def("execute_v3", &executeV3, "Runs on the arrays bound by set_tensor_address")
        .def(
            "set_input_shape",
            [](PyContext& self, const std::string& name, const py::handle& shape) {
                findBinding(*self.engine, name);
                check(self.context->setInputShape(name, dimsOf(shape, "set_input_shape '" + name + "'")));
            },
            py::arg("name"), py::arg("shape"),
            "A dynamic input's shape for the next runs, inside the profile")
        .def(
            "get_tensor_shape",
            [](PyContext& self, const std::string& name) {
                findBinding(*self.engine, name);
                return shapeTuple(take(self.context->tensorShape(name)));
            },
            py::arg("name"), "The shape a binding has in the next run")
        .def_property(
            "optimization_profile", [](const PyContext& self) { return self.context->optimizationProfile(); },
            [](PyContext& self, size_t index) { check(self.context->setOptimizationProfile(index)); })
        .def_property(
            "profiler", [](const PyContext& self) { return self.profiler; },
            [](PyContext& self, py::object profiler) {
                if (profiler.is_none()) {
                    self.context->setProfiler(nullptr);
                } else if (py::isinstance<IProfiler>(profiler)) {
                    self.context->setProfiler(profiler.cast<IProfiler*>());
                } else {
                    throw py::type_error(
                        "profiler: give a kiln.IProfiler (a subclass, or kiln.LayerTimeCollector) "
                        "or None");
                }
                self.profiler = std::move(profiler);
            },
            "Hears every layer's time after each run; None turns profiling off")
        .def_property(
            "adaptive_threads", [](const PyContext& self) { return self.context->adaptiveThreads(); },
            [](PyContext& self, bool on) { self.context->setAdaptiveThreads(on); },
            "CPU: whether runs may use fewer threads while other programs keep the cores busy")
        .def_property_readonly("last_run_threads",
                               [](const PyContext& self) { return self.context->lastRunThreads(); });
}

}  // namespace

void registerRuntime(py::module_& module) {
    registerProfilers(module);
    registerEngine(module);
    registerContext(module);
}

}  // namespace kiln::python

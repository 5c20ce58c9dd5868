// Errors and NumPy conversions of the Python module; see numpy_tensors.h.
#include "numpy_tensors.h"

#include <cstring>
#include <memory>

namespace kiln::python {

namespace {

// The exception types, made once when the module is imported and kept for the process (a module's
// exception types live as long as the interpreter).
PyObject* g_kilnError = nullptr;
PyObject* g_invalidArgumentError = nullptr;

struct TypeName {
    DataType type;
    const char* numpyName;
};
constexpr TypeName kNumpyTypes[] = {
    {DataType::Float32, "float32"}, {DataType::Float16, "float16"}, {DataType::Int8, "int8"},
    {DataType::Int32, "int32"},     {DataType::Int64, "int64"},     {DataType::Bool, "bool"},
};

std::string knownTypes() {
    std::string names;
    for (const TypeName& entry : kNumpyTypes)
        names += std::string(names.empty() ? "" : ", ") + entry.numpyName;
    return names;
}

}  // namespace

void registerErrors(py::module_& module) {
    g_kilnError = PyErr_NewExceptionWithDoc(
        "kiln.KilnError",
        "An error the Kiln engine reported; the message says what went wrong and what to do, `code` says "
        "what kind of error it is (\"invalid model\", \"not found\", \"I/O error\", ...).",
        PyExc_RuntimeError, nullptr);
    if (!g_kilnError) throw py::error_already_set();
    py::tuple bases = py::make_tuple(py::handle(g_kilnError), py::handle(PyExc_ValueError));
    g_invalidArgumentError = PyErr_NewExceptionWithDoc(
        "kiln.InvalidArgumentError", "A KilnError that blames an argument: also a ValueError.", bases.ptr(),
        nullptr);
    if (!g_invalidArgumentError) throw py::error_already_set();
    module.add_object("KilnError", py::handle(g_kilnError));
    module.add_object("InvalidArgumentError", py::handle(g_invalidArgumentError));
}

void raiseStatus(const Status& status) {
    PyObject* type = status.code() == StatusCode::InvalidArgument ? g_invalidArgumentError : g_kilnError;
    py::object error = py::reinterpret_borrow<py::object>(type)(py::str(status.message()));
    error.attr("code") = toString(status.code());
    PyErr_SetObject(type, error.ptr());
    throw py::error_already_set();
}

py::dtype dtypeOf(DataType type) {
    for (const TypeName& entry : kNumpyTypes) {
        if (entry.type == type) return py::dtype(entry.numpyName);
    }
    throw py::value_error(std::string("Kiln's ") + toString(type) + " has no NumPy dtype");
}

DataType dataTypeOf(py::handle type, const std::string& what) {
    if (py::isinstance<DataType>(type)) return type.cast<DataType>();
    py::dtype dtype;
    try {
        dtype = py::dtype::from_args(py::reinterpret_borrow<py::object>(type));
    } catch (const py::error_already_set&) {
        throw py::type_error(what + ": " + std::string(py::str(py::repr(type))) +
                             " is neither a kiln.DataType nor a NumPy dtype");
    }
    for (const TypeName& entry : kNumpyTypes) {
        if (dtype.equal(py::dtype(entry.numpyName))) return entry.type;
    }
    throw py::value_error(what + ": Kiln has no type for NumPy's " + std::string(py::str(dtype)) +
                          "; use one of " + knownTypes());
}

py::tuple shapeTuple(const Dims& dims) {
    py::tuple shape(dims.size());
    for (size_t i = 0; i < dims.size(); ++i)
        shape[i] = py::int_(dims[i]);
    return shape;
}

Dims dimsOf(py::handle shape, const std::string& what) {
    auto extentOf = [&](py::handle value) {
        if (!py::isinstance<py::int_>(value) && !py::hasattr(value, "__index__")) {
            throw py::type_error(what + ": " + std::string(py::str(py::repr(value))) + " is not an integer");
        }
        return py::reinterpret_steal<py::object>(PyNumber_Index(value.ptr())).cast<int64_t>();
    };
    if (py::isinstance<py::int_>(shape)) return Dims{extentOf(shape)};
    if (py::isinstance<py::str>(shape) || !py::isinstance<py::sequence>(shape)) {
        throw py::type_error(what + ": give an int or a sequence of ints, not " +
                             std::string(py::str(py::repr(shape))));
    }
    Dims dims;
    for (py::handle value : shape)
        dims.push_back(extentOf(value));
    return dims;
}

ArrayView viewOfArray(py::handle value, const std::string& what) {
    if (!py::isinstance<py::array>(value)) {
        throw py::type_error(what + ": expected a NumPy array, got " +
                             std::string(py::str(py::type::of(value))));
    }
    py::array array = py::reinterpret_borrow<py::array>(value);
    const DataType type = dataTypeOf(array.dtype(), what);
    // A C-contiguous array is viewed where it lies; any other is copied once into C order.
    array = py::array::ensure(array, py::array::c_style);
    Dims dims(array.shape(), array.shape() + array.ndim());
    check(checkDims(dims, what));
    HostTensor tensor =
        HostTensor::view(type, dims, static_cast<std::byte*>(const_cast<void*>(array.data())));
    return {std::move(array), std::move(tensor)};
}

HostTensor copyOfArray(py::handle value, const std::string& what) {
    py::object array = py::module_::import("numpy").attr("asarray")(value);
    if (py::isinstance<py::array>(array) && py::reinterpret_borrow<py::array>(array).dtype().kind() == 'f' &&
        !py::reinterpret_borrow<py::array>(array).dtype().equal(py::dtype("float16"))) {
        // Python floats and float64 arrays are weights in FP32.
        array = array.attr("astype")("float32");
    }
    ArrayView view = viewOfArray(array, what);
    HostTensor owned(view.tensor.type(), view.tensor.dims());
    if (owned.byteSize() > 0) std::memcpy(owned.bytes(), view.tensor.bytes(), owned.byteSize());
    return owned;
}

py::array arrayOfTensor(HostTensor tensor) {
    auto owned = std::make_unique<HostTensor>(std::move(tensor));
    if (!owned->ownsMemory()) {  // a view of memory the engine may reuse: the array gets a copy
        HostTensor copy(owned->type(), owned->dims());
        if (copy.byteSize() > 0) std::memcpy(copy.bytes(), owned->bytes(), copy.byteSize());
        *owned = std::move(copy);
    }
    std::vector<py::ssize_t> shape(owned->dims().begin(), owned->dims().end());
    const py::dtype dtype = dtypeOf(owned->type());
    void* data = owned->bytes();
    py::capsule keeper(owned.get(), [](void* tensor) { delete static_cast<HostTensor*>(tensor); });
    owned.release();
    return py::array(dtype, shape, data, keeper);
}

}  // namespace kiln::python

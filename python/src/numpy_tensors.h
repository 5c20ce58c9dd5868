// What every part of the Python module shares: the engine's errors raised as Python exceptions, and
// NumPy arrays turned into Kiln tensors and back. Engine errors become kiln.KilnError (a RuntimeError);
// those that blame an argument (StatusCode::InvalidArgument) become kiln.InvalidArgumentError, which is
// also a ValueError. A wrong Python argument found before the engine is asked raises ValueError or
// TypeError naming it.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <utility>
#include <vector>

#include "kiln/status.h"
#include "kiln/types.h"

namespace kiln::python {

namespace py = pybind11;

// Creates kiln.KilnError and kiln.InvalidArgumentError in `module`; called once, first.
void registerErrors(py::module_& module);

// Raises the Python exception for a failed status (with attribute `code`, e.g. "invalid argument").
[[noreturn]] void raiseStatus(const Status& status);

inline void check(const Status& status) {
    if (!status.isOk()) raiseStatus(status);
}

// Runs `work` with the GIL released, so that other Python threads go on meanwhile, and returns what it
// returns. `work` must not touch Python objects.
template <typename Work>
auto withoutGil(Work work) {
    py::gil_scoped_release release;
    return work();
}

template <typename T>
T take(Result<T> result) {
    if (!result.isOk()) raiseStatus(result.status());
    return std::move(result).value();
}

// The NumPy dtype of a Kiln type; BF16 has none (ValueError).
py::dtype dtypeOf(DataType type);
// The Kiln type of a kiln.DataType or anything numpy.dtype() accepts (numpy.float32, "int64", ...);
// `what` names the argument in the error.
DataType dataTypeOf(py::handle type, const std::string& what);

// A tuple of extents, as NumPy gives shapes.
py::tuple shapeTuple(const Dims& dims);
// An int or a sequence of ints as dims; `what` names the argument in the error.
Dims dimsOf(py::handle shape, const std::string& what);

// A NumPy array of a type Kiln has, C-contiguous (a contiguous copy where it was not), with the tensor
// that views its bytes. The view is valid while `array` lives.
struct ArrayView {
    py::array array;
    HostTensor tensor;
};
ArrayView viewOfArray(py::handle value, const std::string& what);

// A copy of an array (or anything numpy.asarray() takes) in a tensor that owns its bytes.
HostTensor copyOfArray(py::handle value, const std::string& what);

// An array over `tensor`'s bytes, without copying: the array owns the tensor from now on.
py::array arrayOfTensor(HostTensor tensor);

}  // namespace kiln::python

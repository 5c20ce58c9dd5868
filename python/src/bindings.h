// The parts of the Python module, each adding its classes and functions to the module in
// module.cpp's order (types a later part uses are registered by an earlier one).
#pragma once

#include <pybind11/pybind11.h>

#include <memory>

#include "kiln/network_source.h"

namespace kiln::python {

namespace py = pybind11;

// A model kept whole for dynamic shapes (kiln.NetworkSource): what OnnxParser.parse_dynamic gives and
// Builder.build_engine takes with optimization profiles.
struct SourceHandle {
    std::shared_ptr<const NetworkSource> source;
};

// DataType, Tensor, Layer, every layer's parameters and NetworkDefinition with its layer helpers.
void registerNetwork(py::module_& module);
// BuildReport, OptimizationProfile, BuilderConfig, Calibrator, CalibrationTable, calibrate, Builder.
void registerBuilder(py::module_& module);
// Binding, IProfiler, LayerTimeCollector, Engine, ExecutionContext, load_plan.
void registerRuntime(py::module_& module);
// OnnxParser, NetworkSource, CaffeParser.
void registerParsers(py::module_& module);

}  // namespace kiln::python

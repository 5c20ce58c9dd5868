// Building engines from Python: BuilderConfig (precisions, threads, timing, workspace, backend,
// optimization profiles), the build report as Python objects, and INT8 calibration fed by a Python
// subclass of kiln.Calibrator (TensorRT's IInt8Calibrator, reshaped to Kiln's ICalibrationData: the
// calibrator says how many batches it has and returns each as {input name: array}).
//
// Builds and calibrations run without the GIL, so other Python threads go on meanwhile; a Python
// calibrator's methods take the GIL back while they run. An exception they raise is kept, the
// calibration stops, and the exception is raised again when the calibration returns.
#include <pybind11/stl.h>

#include <cmath>
#include <cstring>
#include <exception>
#include <utility>

#include "bindings.h"
#include "kiln/build_report.h"
#include "kiln/builder.h"
#include "kiln/calibration.h"
#include "kiln/logger.h"
#include "kiln/plan.h"
#include "numpy_tensors.h"

namespace kiln::python {

namespace {

// The base class Python calibrators derive from, with the calibration settings they are made with.
class Calibrator : public ICalibrationData {
public:
    CalibrationOptions options;
    // What a Python method raised during the running calibration, if anything.
    mutable std::exception_ptr failure;
};

class PyCalibrator : public Calibrator {
public:
    int batchCount() const override {
        py::gil_scoped_acquire gil;
        try {
            py::function method = py::get_override(static_cast<const Calibrator*>(this), "batch_count");
            if (!method) throw py::type_error("a kiln.Calibrator subclass must define batch_count()");
            return method().cast<int>();
        } catch (...) {
            failure = std::current_exception();
            return 0;
        }
    }

    Result<TensorMap> batch(int index) override {
        py::gil_scoped_acquire gil;
        try {
            py::function method = py::get_override(static_cast<const Calibrator*>(this), "get_batch");
            if (!method) throw py::type_error("a kiln.Calibrator subclass must define get_batch(index)");
            py::object arrays = method(index);
            if (!py::isinstance<py::dict>(arrays)) {
                throw py::type_error("get_batch(" + std::to_string(index) + ") returned " +
                                     std::string(py::str(py::type::of(arrays))) +
                                     "; return a dict {input name: NumPy array}");
            }
            TensorMap batch;
            for (auto [name, array] : py::reinterpret_borrow<py::dict>(arrays)) {
                const std::string key = py::str(name);
                const std::string what = "get_batch(" + std::to_string(index) + ") input '" + key + "'";
                ArrayView view = viewOfArray(array, what);
                HostTensor owned(view.tensor.type(), view.tensor.dims());
                if (owned.byteSize() > 0) std::memcpy(owned.bytes(), view.tensor.bytes(), owned.byteSize());
                batch[key] = std::move(owned);
            }
            return batch;
        } catch (...) {
            failure = std::current_exception();
            return cancelled("the calibrator's get_batch(" + std::to_string(index) + ") raised an exception");
        }
    }

    std::string preprocessing() const override {
        py::gil_scoped_acquire gil;
        try {
            py::function method = py::get_override(static_cast<const Calibrator*>(this), "preprocessing");
            if (method) return method().cast<std::string>();
            return "python " +
                   std::string(py::str(
                       py::type::of(py::cast(static_cast<const Calibrator*>(this))).attr("__qualname__")));
        } catch (...) {
            failure = std::current_exception();
            return "";
        }
    }
};

// The base class of Python loggers (TensorRT's ILogger): log(severity, message) hears what a build has
// to say, on the thread that builds. What it raises stops its messages and is raised again when the
// build returns.
class PyLogger : public ILogger {
public:
    void log(Severity severity, const std::string& message) override {
        py::gil_scoped_acquire gil;
        if (failure) return;
        try {
            py::function method = py::get_override(static_cast<const ILogger*>(this), "log");
            if (!method) throw py::type_error("a kiln.ILogger subclass must define log(severity, message)");
            method(severity, message);
        } catch (...) {
            failure = std::current_exception();
        }
    }

    std::exception_ptr failure;
};

struct PyBuilder {
    py::object logger = py::none();
};

struct PyBuilderConfig {
    BuilderConfig config;
    py::object calibrator = py::none();
};

std::string modelHashOf(const NetworkDefinition& network) {
    return "network " + (network.name().empty() ? std::string("(unnamed)") : network.name());
}

// What TensorRT's builder does with an INT8 calibrator: the FP32 network, without fusion so that every
// activation gets a range, run on every batch; then the scales of `calibrator`'s algorithm.
CalibrationTable runCalibration(const NetworkDefinition& network, Calibrator& calibrator,
                                const std::string& backend, int threads, const std::string& modelHash) {
    BuilderConfig config;
    config.backend = backend;
    config.enableFusion = false;
    config.timingIterations = 1;
    config.threads = threads;
    Result<std::shared_ptr<Engine>> engine = withoutGil([&] { return Builder::build(network, config); });
    if (!engine) raiseStatus(engine.status().withContext("building the FP32 engine to calibrate with"));
    calibrator.failure = nullptr;
    Result<CalibrationTable> table =
        withoutGil([&] { return calibrate(**engine, calibrator, calibrator.options, modelHash); });
    if (calibrator.failure) {
        std::exception_ptr failure = std::exchange(calibrator.failure, nullptr);
        std::rethrow_exception(failure);
    }
    return take(std::move(table));
}

std::map<std::string, float> dynamicRangesOf(const CalibrationTable& table) {
    std::map<std::string, float> ranges;
    for (const auto& [name, scale] : table.scales)
        ranges[name] = scale * 127.0f;
    return ranges;
}

std::shared_ptr<Engine> buildEngineWith(py::handle network, const PyBuilderConfig& settings,
                                        ILogger* logger) {
    BuilderConfig config = settings.config;
    config.logger = logger;
    if (py::isinstance<SourceHandle>(network)) {
        if (config.int8 && !settings.calibrator.is_none()) {
            throw py::value_error(
                "an INT8 calibrator runs a network of fixed shapes: calibrate "
                "source.instantiate({...}) with kiln.calibrate and set config.dynamic_ranges "
                "from the table instead of config.int8_calibrator");
        }
        std::shared_ptr<const NetworkSource> source = network.cast<const SourceHandle&>().source;
        return take(withoutGil([&] { return Builder::build(source, config); }));
    }
    if (!py::isinstance<NetworkDefinition>(network)) {
        throw py::type_error("build_engine takes a kiln.NetworkDefinition or a kiln.NetworkSource, not " +
                             std::string(py::str(py::type::of(network))));
    }
    const NetworkDefinition& definition = network.cast<const NetworkDefinition&>();
    if (config.int8 && !settings.calibrator.is_none()) {
        Calibrator& calibrator = settings.calibrator.cast<Calibrator&>();
        std::map<std::string, float> ranges = dynamicRangesOf(
            runCalibration(definition, calibrator, config.backend, config.threads, modelHashOf(definition)));
        for (const auto& [name, range] : config.dynamicRanges)
            ranges[name] = range;  // the caller's win
        config.dynamicRanges = std::move(ranges);
    }
    return take(withoutGil([&] { return Builder::build(definition, config); }));
}

// A build that tells the builder's logger, if it has one, what happened.
std::shared_ptr<Engine> buildEngine(const PyBuilder& builder, py::handle network,
                                    const PyBuilderConfig& settings) {
    auto* logger =
        builder.logger.is_none() ? nullptr : dynamic_cast<PyLogger*>(builder.logger.cast<ILogger*>());
    auto rethrowLoggerFailure = [&] {
        if (logger && logger->failure) std::rethrow_exception(std::exchange(logger->failure, nullptr));
    };
    std::shared_ptr<Engine> engine;
    try {
        engine = buildEngineWith(network, settings, logger);
    } catch (...) {
        rethrowLoggerFailure();
        throw;
    }
    rethrowLoggerFailure();
    return engine;
}

void registerReport(py::module_& module) {
    py::class_<PassChange>(module, "PassChange", "One rewrite by one pass: 'fused conv1 + bn1 + relu1'")
        .def_readonly("pass_name", &PassChange::pass)
        .def_readonly("description", &PassChange::description)
        .def_readonly("layers", &PassChange::layers)
        .def("__repr__", [](const PassChange& change) {
            return "<kiln.PassChange " + change.pass + ": " + change.description + ">";
        });
    py::class_<TacticCandidate>(module, "TacticCandidate",
                                "One kernel the builder timed or skipped for a layer")
        .def_readonly("tactic", &TacticCandidate::tactic)
        .def_readonly("library", &TacticCandidate::library)
        .def_readonly("milliseconds", &TacticCandidate::milliseconds,
                      "The median time; negative when not timed")
        .def_readonly("skip_reason", &TacticCandidate::skipReason)
        .def_readonly("chosen", &TacticCandidate::chosen)
        .def("__repr__", [](const TacticCandidate& candidate) {
            return "<kiln.TacticCandidate " + candidate.tactic + (candidate.chosen ? " (chosen)>" : ">");
        });
    py::class_<LayerRecord>(module, "LayerRecord", "A layer before or after the build")
        .def_readonly("name", &LayerRecord::name)
        .def_readonly("kind", &LayerRecord::kind)
        .def_readonly("parameters", &LayerRecord::parameters)
        .def_readonly("provenance", &LayerRecord::provenance)
        .def_readonly("inputs", &LayerRecord::inputs)
        .def_readonly("outputs", &LayerRecord::outputs)
        .def_readonly("output_dims", &LayerRecord::outputDims)
        .def_readonly("precision", &LayerRecord::precision)
        .def_readonly("tactic", &LayerRecord::tactic)
        .def_readonly("output_offsets", &LayerRecord::outputOffsets)
        .def_readonly("elided", &LayerRecord::elided)
        .def_readonly("output_formats", &LayerRecord::outputFormats)
        .def_readonly("candidates", &LayerRecord::candidates)
        .def_readonly("timing_from_cache", &LayerRecord::timingFromCache)
        .def_readonly("timing_reused", &LayerRecord::timingReused)
        .def_readonly("timing_batch", &LayerRecord::timingBatch)
        .def("__repr__", [](const LayerRecord& layer) {
            return "<kiln.LayerRecord '" + layer.name + "' " + layer.kind +
                   (layer.precision.empty() ? "" : " " + layer.precision) +
                   (layer.tactic.empty() ? "" : " " + layer.tactic) + ">";
        });
    py::class_<PhaseTime>(module, "PhaseTime")
        .def_readonly("phase", &PhaseTime::phase)
        .def_readonly("milliseconds", &PhaseTime::milliseconds);
    py::class_<BuildReport>(module, "BuildReport",
                            "What a build decided: pass changes, the layers before and after with precision, "
                            "tactic and candidates, memory, phase times")
        .def_readonly("layers_before", &BuildReport::layersBefore)
        .def_readonly("layers_after", &BuildReport::layersAfter)
        .def_readonly("changes", &BuildReport::changes)
        .def_readonly("arena_bytes", &BuildReport::arenaBytes)
        .def_readonly("activation_bytes", &BuildReport::activationBytes)
        .def_readonly("phases", &BuildReport::phases)
        .def_readonly("timing_milliseconds", &BuildReport::timingMilliseconds)
        .def_readonly("timing_cache_hits", &BuildReport::timingCacheHits)
        .def_readonly("timing_cache_misses", &BuildReport::timingCacheMisses)
        .def_readonly("timing_reuses", &BuildReport::timingReuses)
        .def_readonly("warnings", &BuildReport::warnings)
        .def_readonly("threads", &BuildReport::threads)
        .def_property_readonly("executed_layer_count", &BuildReport::executedLayerCount)
        .def_property_readonly("simulated_layer_count", &BuildReport::simulatedLayerCount)
        .def("to_json", &BuildReport::toJson);
}

void registerProfile(py::module_& module) {
    py::class_<OptimizationProfile>(module, "OptimizationProfile",
                                    "The shapes a dynamic engine serves (TensorRT's IOptimizationProfile)")
        .def(py::init<>())
        .def(
            "set_shape",
            [](OptimizationProfile& profile, const std::string& input, py::handle min, py::handle opt,
               py::handle max) {
                const std::string what = "set_shape '" + input + "'";
                profile.inputs[input] = {dimsOf(min, what + " min"), dimsOf(opt, what + " opt"),
                                         dimsOf(max, what + " max"), false};
            },
            py::arg("input"), py::arg("min"), py::arg("opt"), py::arg("max"),
            "Every dimension of `input` between min and max; tactics are timed at opt")
        .def(
            "set_shape_input",
            [](OptimizationProfile& profile, const std::string& input, py::handle min, py::handle opt,
               py::handle max) {
                const std::string what = "set_shape_input '" + input + "'";
                profile.inputs[input] = {dimsOf(min, what + " min"), dimsOf(opt, what + " opt"),
                                         dimsOf(max, what + " max"), true};
            },
            py::arg("input"), py::arg("min"), py::arg("opt"), py::arg("max"),
            "The values a shape tensor may take, each between its min and max")
        .def(
            "get_shape",
            [](const OptimizationProfile& profile, const std::string& input) {
                auto range = profile.inputs.find(input);
                if (range == profile.inputs.end())
                    throw py::key_error("the profile has no range for '" + input + "'");
                return py::make_tuple(shapeTuple(range->second.min), shapeTuple(range->second.opt),
                                      shapeTuple(range->second.max));
            },
            py::arg("input"), "(min, opt, max)")
        .def_property_readonly("inputs", [](const OptimizationProfile& profile) {
            std::vector<std::string> names;
            for (const auto& [name, range] : profile.inputs)
                names.push_back(name);
            return names;
        });
}

void registerConfig(py::module_& module) {
    py::enum_<PrecisionConstraints>(module, "PrecisionConstraints")
        .value("OBEY", PrecisionConstraints::Obey)
        .value("PREFER", PrecisionConstraints::Prefer)
        .value("NONE", PrecisionConstraints::None);

    py::class_<PyBuilderConfig>(module, "BuilderConfig", "How the builder builds (TensorRT's IBuilderConfig)")
        .def(py::init<>())
        .def_property(
            "backend", [](const PyBuilderConfig& self) { return self.config.backend; },
            [](PyBuilderConfig& self, std::string backend) { self.config.backend = std::move(backend); },
            "'cpu' or 'cuda'")
        .def_property(
            "fp16", [](const PyBuilderConfig& self) { return self.config.fp16; },
            [](PyBuilderConfig& self, bool on) { self.config.fp16 = on; })
        .def_property(
            "bf16", [](const PyBuilderConfig& self) { return self.config.bf16; },
            [](PyBuilderConfig& self, bool on) { self.config.bf16 = on; })
        .def_property(
            "int8", [](const PyBuilderConfig& self) { return self.config.int8; },
            [](PyBuilderConfig& self, bool on) { self.config.int8 = on; },
            "INT8 kernels where ranges are known: from int8_calibrator, dynamic_ranges or the model's QDQ "
            "pairs")
        .def_property(
            "tf32", [](const PyBuilderConfig& self) { return self.config.tf32; },
            [](PyBuilderConfig& self, bool on) { self.config.tf32 = on; })
        .def_property(
            "enable_fusion", [](const PyBuilderConfig& self) { return self.config.enableFusion; },
            [](PyBuilderConfig& self, bool on) { self.config.enableFusion = on; })
        .def_property(
            "threads", [](const PyBuilderConfig& self) { return self.config.threads; },
            [](PyBuilderConfig& self, int threads) {
                if (threads < 0 || threads > kMaxThreads) {
                    throw py::value_error("threads: give 0 (every core) to " + std::to_string(kMaxThreads) +
                                          ", not " + std::to_string(threads));
                }
                self.config.threads = threads;
            },
            "CPU threads the kernels run on; 0: every core")
        .def_property(
            "timing_iterations", [](const PyBuilderConfig& self) { return self.config.timingIterations; },
            [](PyBuilderConfig& self, int iterations) {
                if (iterations < 1) {
                    throw py::value_error("timing_iterations: give 1 or more, not " +
                                          std::to_string(iterations));
                }
                self.config.timingIterations = iterations;
            },
            "Timed runs per tactic candidate; the median counts")
        .def_property(
            "timing_cache_path", [](const PyBuilderConfig& self) { return self.config.timingCachePath; },
            [](PyBuilderConfig& self, py::object path) {
                self.config.timingCachePath =
                    path.is_none() ? "" : py::str(py::module_::import("os").attr("fspath")(path));
            },
            "Where tactic timings are kept between builds; '' for none")
        .def_property(
            "workspace", [](const PyBuilderConfig& self) { return self.config.workspaceLimit; },
            [](PyBuilderConfig& self, int64_t bytes) {
                if (bytes < 0) throw py::value_error("workspace: give a byte count of 0 or more");
                self.config.workspaceLimit = bytes;
            },
            "Bytes of scratch memory a tactic may use")
        .def_property(
            "flush_caches", [](const PyBuilderConfig& self) { return self.config.flushCaches; },
            [](PyBuilderConfig& self, bool on) { self.config.flushCaches = on; })
        .def_property(
            "precision_constraints",
            [](const PyBuilderConfig& self) { return self.config.precisionConstraints; },
            [](PyBuilderConfig& self, PrecisionConstraints constraints) {
                self.config.precisionConstraints = constraints;
            })
        .def_property(
            "layer_precisions",
            [](const PyBuilderConfig& self) {
                std::vector<std::pair<std::string, DataType>> precisions;
                for (const LayerPrecision& entry : self.config.layerPrecisions) {
                    precisions.emplace_back(entry.pattern, entry.precision);
                }
                return precisions;
            },
            [](PyBuilderConfig& self, const std::vector<std::pair<std::string, DataType>>& precisions) {
                self.config.layerPrecisions.clear();
                for (const auto& [pattern, precision] : precisions) {
                    self.config.layerPrecisions.push_back({pattern, precision});
                }
            },
            "[(node name or pattern with * and ?, kiln.DataType), ...]; the last match decides")
        .def_property(
            "dynamic_ranges", [](const PyBuilderConfig& self) { return self.config.dynamicRanges; },
            [](PyBuilderConfig& self, const std::map<std::string, float>& ranges) {
                for (const auto& [name, range] : ranges) {
                    if (!isInt8Range(range)) {
                        throw py::value_error("dynamic_ranges['" + name + "'] is " + formatInt8Value(range) +
                                              ": give a magnitude from " + int8RangeLimits());
                    }
                }
                self.config.dynamicRanges = ranges;
            },
            "{tensor name: the magnitude INT8's 127 stands for}")
        .def_property(
            "int8_calibrator", [](const PyBuilderConfig& self) { return self.calibrator; },
            [](PyBuilderConfig& self, py::object calibrator) {
                if (!calibrator.is_none() && !py::isinstance<Calibrator>(calibrator)) {
                    throw py::type_error("int8_calibrator: give a kiln.Calibrator subclass instance or None");
                }
                self.calibrator = std::move(calibrator);
            },
            "A kiln.Calibrator run before an INT8 build of a NetworkDefinition")
        .def_property_readonly("profiles", [](const PyBuilderConfig& self) { return self.config.profiles; })
        .def(
            "add_optimization_profile",
            [](PyBuilderConfig& self, const OptimizationProfile& profile) {
                self.config.profiles.push_back(profile);
                return self.config.profiles.size() - 1;
            },
            py::arg("profile"), "Adds a profile for building a NetworkSource; returns its index");
}

void registerCalibration(py::module_& module) {
    py::enum_<CalibrationAlgorithm>(module, "CalibrationAlgorithm")
        .value("ENTROPY", CalibrationAlgorithm::Entropy)
        .value("MINMAX", CalibrationAlgorithm::MinMax)
        .value("PERCENTILE", CalibrationAlgorithm::Percentile)
        .value("MSE", CalibrationAlgorithm::Mse);

    py::class_<Calibrator, PyCalibrator>(
        module, "Calibrator",
        "Subclass it to feed INT8 calibration: define batch_count() and "
        "get_batch(index) -> {input name: array}; optionally preprocessing() -> str, "
        "recorded in the calibration cache. Call super().__init__(...) first.")
        .def(py::init([](CalibrationAlgorithm algorithm, double percentile, int bins) {
                 if (!(percentile > 0.0 && percentile <= 100.0)) {
                     throw py::value_error("percentile: give a share in (0, 100], not " +
                                           std::to_string(percentile));
                 }
                 if (bins < 2) throw py::value_error("bins: give 2 or more, not " + std::to_string(bins));
                 auto calibrator = std::make_unique<PyCalibrator>();
                 calibrator->options = {algorithm, percentile, bins};
                 return calibrator;
             }),
             py::arg("algorithm") = CalibrationAlgorithm::Entropy, py::arg("percentile") = 99.99,
             py::arg("bins") = 2048)
        .def_property_readonly("algorithm", [](const Calibrator& self) { return self.options.algorithm; })
        .def_property_readonly("percentile", [](const Calibrator& self) { return self.options.percentile; })
        .def_property_readonly("bins", [](const Calibrator& self) { return self.options.bins; });

    py::class_<CalibrationTable>(module, "CalibrationTable", "The INT8 scale of every calibrated tensor")
        .def_readonly("algorithm", &CalibrationTable::algorithm)
        .def_readonly("preprocessing", &CalibrationTable::preprocessing)
        .def_readonly("model_hash", &CalibrationTable::modelHash)
        .def_readonly("batches", &CalibrationTable::batches)
        .def_readonly("scales", &CalibrationTable::scales, "{tensor name: threshold / 127}")
        .def_property_readonly("dynamic_ranges", &dynamicRangesOf,
                               "{tensor name: threshold}, as BuilderConfig.dynamic_ranges takes them")
        .def(
            "save",
            [](const CalibrationTable& table, py::object path) {
                check(writeCalibrationCache(py::str(py::module_::import("os").attr("fspath")(path)), table));
            },
            py::arg("path"), "Writes a calibration cache atomically");
    module.def(
        "read_calibration_cache",
        [](py::object path) {
            return take(readCalibrationCache(py::str(py::module_::import("os").attr("fspath")(path))));
        },
        py::arg("path"));
    module.def(
        "calibrate",
        [](const NetworkDefinition& network, Calibrator& calibrator, const std::string& backend,
           int threads) {
            return runCalibration(network, calibrator, backend, threads, modelHashOf(network));
        },
        py::arg("network"), py::arg("calibrator"), py::arg("backend") = "cpu", py::arg("threads") = 0,
        "Runs the FP32 network on the calibrator's batches; the scales of its algorithm");
}

void registerBuilderClass(py::module_& module) {
    py::enum_<Severity>(module, "Severity")
        .value("INTERNAL_ERROR", Severity::InternalError)
        .value("ERROR", Severity::Error)
        .value("WARNING", Severity::Warning)
        .value("INFO", Severity::Info)
        .value("VERBOSE", Severity::Verbose);
    py::class_<ILogger, PyLogger>(
        module, "ILogger",
        "Subclass it and define log(severity, message) to hear what builds say: their "
        "failure, warnings, a summary and (VERBOSE) every pass change and phase time")
        .def(py::init<>())
        .def("log", &ILogger::log, py::arg("severity"), py::arg("message"));

    py::class_<PyBuilder>(module, "Builder", "Builds engines from networks (TensorRT's IBuilder)")
        .def(py::init([](py::object logger) {
                 if (!logger.is_none() && !py::isinstance<ILogger>(logger)) {
                     throw py::type_error("logger: give a kiln.ILogger subclass instance or None");
                 }
                 return PyBuilder{std::move(logger)};
             }),
             py::arg("logger") = py::none())
        .def_property_readonly("logger", [](const PyBuilder& self) { return self.logger; })
        .def("create_network", [](const PyBuilder&) { return NetworkDefinition(); })
        .def("create_builder_config", [](const PyBuilder&) { return PyBuilderConfig(); })
        .def("create_optimization_profile", [](const PyBuilder&) { return OptimizationProfile(); })
        .def(
            "build_engine",
            [](const PyBuilder& self, py::handle network, const PyBuilderConfig& config) {
                return buildEngine(self, network, config);
            },
            py::arg("network"), py::arg("config"),
            "An engine for a NetworkDefinition (left untouched), or for a NetworkSource and the config's "
            "profiles")
        .def(
            "build_serialized_network",
            [](const PyBuilder& self, py::handle network, const PyBuilderConfig& config) {
                std::shared_ptr<Engine> engine = buildEngine(self, network, config);
                std::string bytes = take(serializePlan(*engine));
                return py::bytes(bytes);
            },
            py::arg("network"), py::arg("config"), "The plan bytes of build_engine's engine");
}

}  // namespace

void registerBuilder(py::module_& module) {
    registerReport(module);
    registerProfile(module);
    registerConfig(module);
    registerCalibration(module);
    registerBuilderClass(module);
}

}  // namespace kiln::python

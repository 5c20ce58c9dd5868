// One case of the ONNX backend test data (model.onnx plus test_data_set_N/{input,output}_K.pb): run
// with the reference executor or a built engine and compared with the expected outputs the way ONNX's own backend test
// runner compares them.
#pragma once

#include <filesystem>
#include <string>

#include "kiln/types.h"

namespace kiln::conformance {

enum class Outcome {
    Passed,
    Failed,       // wrong values, or an error that a valid model and valid data should not cause
    Unsupported,  // Kiln said Unsupported, or the case uses values Kiln has no type for
};

struct CaseResult {
    Outcome outcome = Outcome::Failed;
    std::string reason;  // empty when passed
};

// The tolerances of the ONNX backend test runner (onnx/backend/test/runner), used unless a case
// overrides them.
inline constexpr double kRelativeTolerance = 1e-3;
inline constexpr double kAbsoluteTolerance = 1e-7;

// Empty when `actual` matches `expected` in type, dims and values: floats within
// atol + rtol * |expected| (NaN matching NaN, infinities matching exactly), others exactly. Otherwise
// says what differs.
std::string compareOutput(const HostTensor& actual, const HostTensor& expected);

// How a case is executed: the network as imported, on the reference executor (the oracle), or built
// by the Builder with every optimization pass and run in an execution context's planned arena.
enum class ExecutionPath { Reference, Engine };

// Runs every test_data_set of the case in `caseDirectory`.
CaseResult runCase(const std::filesystem::path& caseDirectory, ExecutionPath path);

}  // namespace kiln::conformance

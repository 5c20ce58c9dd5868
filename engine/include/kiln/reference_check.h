// Checking an engine against the reference executor: the engine and the model as imported run on the
// same inputs, and every output (and, when asked, every tensor the engine computes that the model
// has too) is compared element by element within atol + rtol * |reference|. What `kiln run --check`
// and `--checkLayers` print: Polygraphy's `run --trt --onnxrt` without a second runtime.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kiln/network.h"
#include "kiln/runtime.h"
#include "kiln/status.h"
#include "kiln/types.h"

namespace kiln {

// An element passes when |actual - reference| <= atol + rtol * |reference| (NaN only against NaN).
struct ElementTolerance {
    double atol = 1e-4;
    double rtol = 1e-3;
};

// The tolerance for an engine whose lowest precision is `lowest`: FP32 1e-4 and 1e-3 (other summation
// orders, Winograd and FFT transforms); FP16 and BF16 2e-2 and 2e-2 (11 and 8 significant bits, errors
// growing over layers); INT8 1e-1 and 1e-1, a coarse screen only.
ElementTolerance defaultTolerance(DataType lowest);

// How one tensor of the engine differs from the reference's.
struct TensorCheck {
    std::string tensor;
    std::string layer;          // the engine's layer that computes it
    double maxAbsolute = 0.0;
    double maxRelative = 0.0;   // |a - r| / |r| where r != 0
    int64_t elements = 0;
    int64_t failing = 0;        // elements beyond the tolerance
    int64_t worstIndex = -1;    // the element furthest beyond its tolerance (or closest to it)
    double worstActual = 0.0;
    double worstExpected = 0.0;
    std::string problem;        // a type or shape mismatch: then no element is compared

    bool withinTolerance() const { return problem.empty() && failing == 0; }
};

TensorCheck checkTensor(const std::string& name, const HostTensor& actual, const HostTensor& reference,
                        ElementTolerance tolerance);

struct ReferenceCheck {
    ElementTolerance tolerance;
    std::vector<TensorCheck> outputs;  // in the engine's output order
    // With every layer: each floating-point tensor the engine computes that the model has too (fused
    // layers' outputs included; the builder's own tensors, such as reformats, have no counterpart), in
    // execution order. The engine is observed, not given extra outputs, so it keeps its fusions.
    std::vector<TensorCheck> layers;

    bool pass() const;
    // The first tensor beyond tolerance, outputs first when only they were checked, else in execution
    // order; null when all pass.
    const TensorCheck* firstBeyond() const;
};

// Runs `engine` on `inputs` and the reference executor on `model` (the network the engine was built
// from, as imported, at the inputs' shapes), and compares them.
Result<ReferenceCheck> checkAgainstReference(const Engine& engine, NetworkDefinition model, const TensorMap& inputs,
                                             ElementTolerance tolerance, bool everyLayer);

}  // namespace kiln

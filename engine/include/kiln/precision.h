// Precision comparison, Qt-free so that the CLI and the workbench share it: build a model in several
// precisions, run every engine on the same inputs while observing every tensor (no extra network
// outputs, so each engine keeps its fusions), compare every tensor that exists in both engines, and
// find the smallest set of layers to keep in FP32 so that the outputs meet a tolerance (bisection).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kiln/builder.h"
#include "kiln/network.h"
#include "kiln/runtime.h"
#include "kiln/status.h"

namespace kiln {

// Every tensor an engine computed in one run, by tensor name, with the model nodes of its layer.
struct RecordedTensor {
    HostTensor value;
    std::string layer;
    std::vector<std::string> nodes;
    bool isNetworkOutput = false;
};
using TensorRecording = std::map<std::string, RecordedTensor>;

// Runs `engine` once on `inputs` and records every floating-point activation it computes.
Result<TensorRecording> recordTensors(const Engine& engine, const TensorMap& inputs);

// How a tensor of one engine differs from the same tensor of a reference engine.
struct TensorError {
    std::string tensor;
    std::string layer;               // in the compared engine
    std::vector<std::string> nodes;  // model nodes of that layer
    bool isNetworkOutput = false;
    double maxAbsoluteError = 0.0;
    double meanRelativeError = 0.0;  // sum |a - r| / sum |r|
    double cosineSimilarity = 1.0;
    double snrDb = 0.0;              // 10 log10(sum r^2 / sum (a - r)^2); infinite when equal
    double referenceMaxAbs = 0.0;
    bool nonFinite = false;          // the compared tensor holds NaN or infinity where the reference does not
};

// The tensors present in both recordings (by name), in the compared engine's network order.
std::vector<TensorError> compareRecordings(const TensorRecording& reference, const TensorRecording& compared,
                                           const NetworkDefinition& comparedNetwork);

// Whether the network outputs meet the tolerance: every output's max absolute error at most
// `tolerance` times the largest magnitude of the reference output, and everything finite.
bool outputsMeetTolerance(const std::vector<TensorError>& errors, double tolerance);

struct BisectionStep {
    std::vector<std::string> keptNodes;
    bool meets = false;
    double worstOutputError = 0.0;  // max absolute error / max |reference| over the outputs
};

struct BisectionResult {
    std::vector<std::string> keptNodes;  // model nodes to keep in FP32; empty when none is needed
    bool found = false;                  // false: even keeping every candidate does not meet the tolerance
    std::vector<BisectionStep> steps;    // every build tried, in order
    // "conv1:fp32,layer4.2.conv3:fp32", the --layerPrecisions argument that applies the result.
    std::string layerPrecisionsArgument() const;
};

// Finds a smallest set of layers to keep in FP32 in a `config` build (reduced precision) of
// `network` so that its outputs meet `tolerance` against `reference` (an FP32 recording of the same
// inputs). Candidates are ranked by the error each layer adds to its inputs' error; the shortest
// prefix of that ranking that meets the tolerance is found by doubling and bisection, then every
// kept layer that is not needed is dropped. `progress` hears of every build (may be null).
Result<BisectionResult> bisectPrecision(const NetworkDefinition& network, const BuilderConfig& config,
                                        const TensorMap& inputs, const TensorRecording& reference, double tolerance,
                                        const std::function<void(const BisectionStep&)>& progress = nullptr);

}  // namespace kiln

// Importing the model a command names (an ONNX model, or a Caffe net: its prototxt with the caffemodel
// that --weights names): the checks that turn a parser error into an instruction the person at the
// terminal can follow (which input needs --shapes, which flag names a missing input).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kiln/network.h"
#include "kiln/onnx_parser.h"
#include "options.h"

namespace kiln::cli {

// The declared shape of a model input, symbolic dimensions by name ("batchx3x224x224"; '?' for an
// unnamed unknown one).
std::string declaredShape(const OnnxInputInfo& input);

// Checks that every input that `flag` names exists in the model.
Status checkInputNames(const std::vector<OnnxInputInfo>& inputs, const std::vector<std::string>& names,
                       const std::string& flag);

// Checks that each shape in `shapes` has the rank of its input and keeps the model's fixed extents.
Status checkShapesAgree(const std::vector<OnnxInputInfo>& inputs, const ShapeMap& shapes);

// Checks that every input with a symbolic or unknown dimension has a shape in `shapes`; the error
// names each such dimension and shows the --shapes flag that would fix it.
Status checkShapesGiven(const std::vector<OnnxInputInfo>& inputs, const ShapeMap& shapes);

// checkInputNames (for --shapes), checkShapesAgree and checkShapesGiven, in that order.
Status checkShapesForModel(const std::vector<OnnxInputInfo>& inputs, const ShapeMap& shapes);

// The inputs the model at `path` declares: an ONNX model's graph inputs, or a Caffe net's (fixed shapes).
Result<std::vector<OnnxInputInfo>> readModelInputs(const std::string& path);

// Whether any input is a shape tensor (its values decide shapes; --shapes gives its values).
bool hasShapeTensors(const std::vector<OnnxInputInfo>& inputs);

// Imports the model with `shapes` (a shape tensor's entry: its values, imported as a constant) and
// validates the network; `logger` (may be null) hears the import. `weights` names a Caffe net's
// caffemodel (empty for ONNX).
Result<NetworkDefinition> importModel(const std::string& path, const std::string& weights, const ShapeMap& shapes,
                                      ILogger* logger = nullptr);

// Checks --shapes against the model's declared inputs (names, agreement, every symbolic dimension
// given), then imports it into `network`. On failure prints the error and returns its exit code
// (kExitUsage for --shapes, kExitFailure for the model); returns kExitSuccess otherwise.
// As importWithShapes, but inputs with symbolic dimensions that `shapes` leaves open take assumed sizes
// (every symbolic dimension 1, else 32, else 224: the first with which the model imports), named in
// `assumed` ("x as 1x3x224x224"); empty when nothing was assumed. `importedShapes`, when given, receives
// every input's shape as imported (given or assumed).
int importAssumingShapes(const std::string& path, const std::string& weights, const ShapeMap& shapes,
                         std::optional<NetworkDefinition>& network, std::string& assumed,
                         ShapeMap* importedShapes = nullptr);

int importWithShapes(const std::string& path, const std::string& weights, const ShapeMap& shapes,
                     std::optional<NetworkDefinition>& network);

}  // namespace kiln::cli

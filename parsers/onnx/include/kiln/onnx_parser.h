// ONNX import: reads an ONNX model (opsets 1 to 22) into a kiln::NetworkDefinition through the
// engine's public API. Shape-computing sub-graphs fold to constants at import, so the network holds
// only static shapes; symbolic input dimensions must be given by the caller (or, for dynamic shapes,
// the model is kept as a NetworkSource and imported again per shape).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "kiln/logger.h"
#include "kiln/network.h"
#include "kiln/network_source.h"
#include "kiln/status.h"
#include "kiln/types.h"

namespace kiln {

struct OnnxParseOptions {
    // Concrete shapes for inputs, by input name (as trtexec's --shapes). Needed for every input
    // with a symbolic or unknown dimension; a given shape must agree with the model's fixed dims.
    std::map<std::string, Dims> inputShapes;
    // Values of graph inputs that decide shapes (shape tensors: a Reshape's target shape, a Slice's
    // starts, Resize's sizes, ...), as TensorRT takes shape-tensor values on the host at run time:
    // each is imported as a constant of that value and is then not an input of the network.
    std::map<std::string, HostTensor> inputValues;
    // When set, an import that fails because a graph input decides a shape adds that input's name
    // here, so that the caller can give its value in inputValues and import again.
    std::vector<std::string>* shapeInputsFound = nullptr;
    // Hears what the import did (info) or why it failed (error); not owned, may be null.
    ILogger* logger = nullptr;
};

// One graph input as the model declares it, before shapes are made concrete.
struct OnnxInputInfo {
    std::string name;
    DataType type = DataType::Float32;
    // Extent per dimension; -1 where the model has a symbolic or unknown dimension.
    std::vector<int64_t> dims;
    // The symbolic name per dimension ("batch"), empty where the dimension is fixed or unnamed.
    std::vector<std::string> dimNames;
    // Whether its values decide shapes (a shape tensor, see SourceInput): an integer input of rank 0
    // or 1 and fixed size that a Reshape's target, a Slice's starts, ... read, directly or computed.
    bool isShapeTensor = false;
};

// Each dimension of `input` as text: its extent where fixed, else its symbolic name, else "?" (a
// scalar has none). Tools join them in their own style ("batchx3x224x224").
std::vector<std::string> declaredExtents(const OnnxInputInfo& input);

// The tensor that gives shape tensor `input` the values `values` (its type and dims): what
// OnnxParseOptions::inputValues and an execution context take for it. Refuses a wrong count of values
// and, for an INT32 input, values that do not fit.
Result<HostTensor> shapeTensorValue(const OnnxInputInfo& input, const std::vector<int64_t>& values);

// Parses the model at `path`. External data files are resolved relative to the model's folder.
// Errors name the node, its op type and what to do; unsupported ops are all listed in one error.
Result<NetworkDefinition> parseOnnxFile(const std::string& path, const OnnxParseOptions& options = {});

// Parses a model held in memory; external data, if any, is looked up under `baseDirectory`.
Result<NetworkDefinition> parseOnnxBytes(const std::string& bytes, const std::string& baseDirectory,
                                         const OnnxParseOptions& options = {});

// The model's graph inputs (initializers excluded), for callers that must ask for shapes.
Result<std::vector<OnnxInputInfo>> readOnnxInputs(const std::string& path);

// A model imported to be looked at before its shapes are chosen (as Netron and Polygraphy show one).
struct AssumedShapesImport {
    NetworkDefinition network;
    std::map<std::string, Dims> inputShapes;  // every input's shape, given or assumed
    std::vector<std::string> assumedInputs;   // the inputs whose shape was assumed, in the model's order
};

// Parses the model at `path` with options.inputShapes; each symbolic dimension of an input it does not
// give takes the first of 1, 32 and 224 with which the model imports (1 suits batches; larger sizes suit
// spatial and sequence extents that kernels or reshapes need). When none does, the error is the import's
// at 1.
Result<AssumedShapesImport> parseOnnxFileAssumingShapes(const std::string& path, const OnnxParseOptions& options = {});

// The model at `path` as a source of networks for any input shapes (dynamic shapes: Builder::build
// with optimization profiles). Weights in external data files (resolved as for parseOnnxFile) are read
// into the source, which keeps the model whole; a model that would then exceed protobuf's 2 GiB is refused.
Result<std::shared_ptr<const NetworkSource>> onnxNetworkSource(const std::string& path);

// Registers the reader of ONNX network sources (network_source.h), so that plans with dynamic shapes
// built from ONNX models load. A program that calls any other function here has it registered
// already; one that only loads plans calls this once.
void registerOnnxSourceReader();

// Reads a serialized onnx.TensorProto (as the ONNX backend test data's input_0.pb files are).
Result<HostTensor> readOnnxTensorFile(const std::string& path);

}  // namespace kiln

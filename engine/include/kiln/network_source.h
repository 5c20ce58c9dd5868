// Dynamic shapes: a model whose inputs have symbolic dimensions is built once for ranges of shapes
// (optimization profiles, as TensorRT's) and run at any shape inside them. The engine derives the
// network of each concrete shape from its NetworkSource: the model as imported, imported again with
// those shapes, so that every shape computation of the model (Shape, Gather, Concat, Reshape targets,
// ...) is evaluated on the host for that shape, as TensorRT evaluates shape tensors. The tactics the
// build chose at the profile's opt shape are reused for every other shape; nothing is timed again
// unless a chosen tactic cannot run a shape.
//
// A plan stores its source's bytes and kind; the plan reader recreates the source through the reader
// registered for that kind (the ONNX parser registers "onnx" when a program links it).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kiln/network.h"
#include "kiln/status.h"
#include "kiln/types.h"

namespace kiln {

// One input of a source as the model declares it.
struct SourceInput {
    std::string name;
    DataType type = DataType::Float32;
    Dims dims;                           // -1 where the dimension is symbolic
    std::vector<std::string> dimNames;   // the symbol per dimension ("batch"); empty where fixed or unnamed
    // A shape tensor: a small integer input (rank 0 or 1, fixed dims) whose values decide shapes (a
    // Reshape's target, a Slice's starts, ...). As in TensorRT, its values are given on the host, and a
    // profile's range for it holds values, not dimensions (trtexec's shape flags mean the same).
    bool isShapeTensor = false;
};

class NetworkSource {
public:
    virtual ~NetworkSource() = default;
    virtual std::string kind() const = 0;           // "onnx"
    virtual const std::string& bytes() const = 0;   // self-contained: what a plan stores
    virtual const std::vector<SourceInput>& inputs() const = 0;
    // The network for concrete shapes of every input with a symbolic dimension, and the values of
    // every shape tensor (under its name, its values in place of dimensions).
    virtual Result<NetworkDefinition> instantiate(const std::map<std::string, Dims>& shapes) const = 0;
};

using NetworkSourceReader = std::function<Result<std::shared_ptr<const NetworkSource>>(const std::string& bytes)>;

// Makes plans whose source is of `kind` loadable; a later registration of the same kind replaces it.
void registerNetworkSourceReader(const std::string& kind, NetworkSourceReader reader);
Result<std::shared_ptr<const NetworkSource>> readNetworkSource(const std::string& kind, const std::string& bytes);

// The shapes one input may take in a profile: every dimension between min and max; tactics are timed at opt.
// For a shape tensor (`values`), min, opt and max are its values, each between its min and max (which
// may be negative, as a Reshape's -1 is).
struct ShapeRange {
    Dims min;
    Dims opt;
    Dims max;
    bool values = false;  // set by the builder for the source's shape tensors
};

struct OptimizationProfile {
    std::map<std::string, ShapeRange> inputs;  // every input with a symbolic dimension, and every shape tensor
};

// Why `dims` is not a shape `input` may take in `profile` (its rank, a negative or out-of-range
// dimension), naming the input, the range and what to do; ok when it is. For a shape tensor, `dims`
// are its values, checked the same way (negative values allowed where the range has them).
Status checkShapeInProfile(const std::string& input, const Dims& dims, const OptimizationProfile& profile,
                           size_t profileIndex);

// "1x3x32x32 to 8x3x32x32 (opt 4x3x32x32)"
std::string toString(const ShapeRange& range);

}  // namespace kiln

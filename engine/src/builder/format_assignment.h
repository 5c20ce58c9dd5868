// Chooses the memory format of every activation and inserts the reformat layers that the choice
// needs. Convolutions and pooling want the backend's preferred format (oneDNN's nChw16c on the CPU,
// FP16 NHWC8 for CUDA's tensor cores), pointwise layers
// and channel concats run in whatever format their input has, and every other layer reads and writes
// linear tensors. Network inputs and outputs, reshape views and concat slices that do not start on a
// block boundary stay linear. A reformat is inserted only where a layer needs its input in another
// format than the producer wrote, and one reformatted copy serves every such reader.
#pragma once

#include <set>
#include <string>

#include "kiln/builder.h"
#include "kiln/network.h"
#include "kiln/status.h"
#include "passes/pass.h"

namespace kiln::builder {

// `preferred` is the format the backend wants for convolutions and the layers around them: blocked
// (CPU), channels-last with FP16 storage (CUDA FP16); a linear FP32 `preferred` keeps everything as it
// is. Layers named in `linearLayers` read and write linear tensors in their own type whatever their
// kind (the builder names those for which no tactic takes the preferred format).
// Layers named in `fullPrecisionLayers` keep the preferred layout but read and write tensors in their
// own type (a user's FP32 constraint in an FP16 build), with conversions inserted around them.
Status assignFormats(NetworkDefinition& network, TensorFormat preferred, const std::set<std::string>& linearLayers,
                     passes::PassLog& log, const std::set<std::string>& fullPrecisionLayers = {});

// The layers of `network` that a user's FP32 constraint keeps at full precision: those with a model
// node matching a pattern among their provenance. Records each in `changes`; a pattern that matches
// no node is an error naming it.
Result<std::set<std::string>> constrainedLayers(const NetworkDefinition& network,
                                                const std::vector<LayerPrecision>& constraints,
                                                std::vector<PassChange>& changes);

}  // namespace kiln::builder

// Chooses the memory format of every activation and inserts the reformat layers that the choice
// needs. Convolutions and pooling want the backend's preferred format (oneDNN's nChw16c on the CPU,
// FP16 NHWC8 for CUDA's tensor cores), pointwise layers
// and channel concats run in whatever format their input has (a per-channel constant beside blocked
// data on the CPU), a CPU transpose reads its input blocked where it is and the channels fill the blocks
// and writes blocked where a convolution or pooling reads it (through pointwise layers), and every other
// layer reads and writes linear tensors. Network inputs and outputs, reshape views and concat slices that do
// not start on a block boundary stay linear; a convolution that writes such a slice still runs blocked, into
// a tensor of its own that a reformat copies into the slice. Otherwise a reformat is inserted only where a
// layer needs its input in another format than the producer wrote, and one reformatted copy serves every such
// reader.
#pragma once

#include <map>
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
// Layers named in `layerPreferred` want that format instead of `preferred` (a user's precision
// constraint: an FP32 layer in an FP16 build keeps the preferred layout in its own type, an FP16 layer
// in an FP32 build takes the FP16 format), with conversions inserted around them.
Status assignFormats(NetworkDefinition& network, TensorFormat preferred, const std::set<std::string>& linearLayers,
                     passes::PassLog& log, const std::map<std::string, TensorFormat>& layerPreferred = {});

// What a user's --layerPrecisions asks of one layer: the precision, and the pattern that asked it.
struct LayerConstraint {
    DataType precision = DataType::Float32;
    std::string pattern;
};

// The layers of `network` that a user's precision constraints name: those with a model node matching a
// pattern among their provenance; where several patterns match a layer, the last one decides. A
// pattern that matches no node, or a precision no layer can be asked for, is an error naming it.
Result<std::map<std::string, LayerConstraint>> constrainedLayers(const NetworkDefinition& network,
                                                                 const std::vector<LayerPrecision>& constraints);

}  // namespace kiln::builder

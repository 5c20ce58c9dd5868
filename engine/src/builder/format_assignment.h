// Chooses the memory format of every activation and inserts the reformat layers that the choice
// needs. Convolutions and pooling want channel-blocked tensors (oneDNN's nChw16c), pointwise layers
// and channel concats run in whatever format their input has, and every other layer reads and writes
// linear tensors. Network inputs and outputs, reshape views and concat slices that do not start on a
// block boundary stay linear. A reformat is inserted only where a layer needs its input in another
// format than the producer wrote, and one reformatted copy serves every such reader.
#pragma once

#include <set>
#include <string>

#include "kiln/network.h"
#include "kiln/status.h"
#include "passes/pass.h"

namespace kiln::builder {

// `channelBlock` 0 keeps everything linear. Layers named in `linearLayers` read and write linear
// tensors whatever their kind (the builder names those for which no tactic takes blocked tensors).
Status assignFormats(NetworkDefinition& network, int channelBlock, const std::set<std::string>& linearLayers,
                     passes::PassLog& log);

}  // namespace kiln::builder

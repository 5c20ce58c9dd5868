// Caffe import: reads a Caffe net (the deploy.prototxt text that describes its layers, and the
// .caffemodel binary that holds its trained weights) into a kiln::NetworkDefinition through the
// engine's public API. Both the current layer form (`layer`) and the older V1 form (`layers`) are read,
// in either file. Input shapes are fixed by the prototxt; the caller may replace them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "kiln/logger.h"
#include "kiln/network.h"
#include "kiln/status.h"
#include "kiln/types.h"

namespace kiln {

struct CaffeParseOptions {
    // Shapes that replace the declared ones, by input name (a larger batch, say); a given shape must
    // have the declared rank.
    std::map<std::string, Dims> inputShapes;
    // Hears what the import did (info) or why it failed (error); not owned, may be null.
    ILogger* logger = nullptr;
};

// One net input as the prototxt declares it (`input` with `input_shape` or `input_dim`, or an Input
// layer's top). Caffe inputs are FP32 with fixed extents.
struct CaffeInputInfo {
    std::string name;
    Dims dims;
};

// Parses the net described by `prototxt` (text) with the weights of `caffemodel` (binary). Layers take
// their weights from the caffemodel layer of the same name. Errors name the file, the layer and its type,
// and what to do; unsupported layer types are all listed in one error.
Result<NetworkDefinition> parseCaffeFiles(const std::string& prototxt, const std::string& caffemodel,
                                          const CaffeParseOptions& options = {});

// The same from the files' contents held in memory.
Result<NetworkDefinition> parseCaffeBytes(const std::string& prototxtText, const std::string& caffemodelBytes,
                                          const CaffeParseOptions& options = {});

// The inputs the prototxt at `path` declares, in order.
Result<std::vector<CaffeInputInfo>> readCaffeInputs(const std::string& path);

// Whether `path` names a Caffe net description (it ends in .prototxt), which needs its .caffemodel.
bool isCaffePrototxtPath(const std::string& path);

}  // namespace kiln

// Reading and writing tensors as NumPy .npy files (format versions 1.0 to 3.0, little-endian,
// C order), the tensor format of the kiln command line.
#pragma once

#include <string>

#include "kiln/status.h"
#include "kiln/types.h"

namespace kiln {

// Reads float32, float16, int8, int32, int64 and bool arrays; other dtypes, Fortran order or a file
// whose data is shorter than its header declares are refused with a message naming the file.
Result<HostTensor> readNpy(const std::string& path);

// Writes atomically: to a temporary file beside `path`, then renamed over it.
Status writeNpy(const std::string& path, const HostTensor& tensor);

// The bytes of a .npy file (format 1.0, C order) holding `tensor`, as writeNpy writes them.
std::string npyBytes(const HostTensor& tensor);

}  // namespace kiln

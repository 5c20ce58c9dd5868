// Reading a whole file that came from someone else: only a regular file is opened (a FIFO, device,
// socket or folder would block or never end), and only up to a size its format can need.
#pragma once

#include <cstdint>
#include <string>

#include "kiln/status.h"

namespace kiln {

// The bytes of `path`. Refused with a message naming `what` (e.g. "the plan") and the path: a path
// that does not exist (NotFound), one that is not a regular file, or one larger than `limitBytes`.
Result<std::string> readRegularFile(const std::string& path, const std::string& what, uint64_t limitBytes);

// The size of `path` when it is a regular file; the same refusals as readRegularFile otherwise. For
// readers that read only part of a file.
Result<uint64_t> regularFileSize(const std::string& path, const std::string& what);

// The size of `path`, refused as readRegularFile refuses it (not a regular file, larger than
// `limitBytes`), for a reader that reads it into memory of its own with readFileInto.
Result<uint64_t> boundedFileSize(const std::string& path, const std::string& what, uint64_t limitBytes);
// Reads the first `size` bytes of `path` into `data`.
Status readFileInto(const std::string& path, const std::string& what, void* data, uint64_t size);

}  // namespace kiln

// Atomic file output for everything Kiln writes (plans, .npy tensors, caches, the command line's and
// the workbench's exports): a reader of a path sees either the old file or the complete new one, never a
// partial write, even after a crash.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kiln/status.h"

namespace kiln {

// Writes `bytes` to a new temporary file beside `path`, flushes it to disk, then renames it over
// `path`. On any error the temporary file is removed and `path` is left as it was.
Status writeFileAtomically(const std::string& path, std::string_view bytes);

// Writes several files (path, bytes) as one: each to a temporary file beside it, flushed, and only when
// every one is complete are they renamed into place. A failure to write any of them leaves none.
Status writeFilesTogether(const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace kiln

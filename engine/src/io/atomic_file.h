// Atomic file replacement for everything the engine writes (plans, .npy tensors): a reader of `path`
// sees either the old file or the complete new one, never a partial write, even after a crash.
#pragma once

#include <string>
#include <string_view>

#include "kiln/status.h"

namespace kiln {

// Writes `bytes` to a new temporary file beside `path`, flushes it to disk, then renames it over
// `path`. On any error the temporary file is removed and `path` is left as it was.
Status writeFileAtomically(const std::string& path, std::string_view bytes);

}  // namespace kiln

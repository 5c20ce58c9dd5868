// Files the CLI writes besides plans (JSON exports): checked before any long work starts, then written
// whole or not at all, so an interrupted or failed command never leaves a truncated export behind.
#pragma once

#include <string>
#include <string_view>

#include "kiln/status.h"

namespace kiln::cli {

// Checks that a file can be created at `path`: its directory exists and `path` is not a directory.
// `flag` names the option that gave the path, for the message.
Status checkDestination(const std::string& flag, const std::string& path);

// Writes `bytes` to a temporary file beside `path`, flushes it to disk and renames it over `path`. On
// any error the temporary file is removed and `path` is left as it was.
Status writeFileAtomically(const std::string& path, std::string_view bytes);

}  // namespace kiln::cli

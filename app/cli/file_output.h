// Files the CLI writes besides plans (JSON exports): checked before any long work starts, then written
// whole or not at all, so an interrupted or failed command never leaves a truncated export behind.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kiln/status.h"

namespace kiln::cli {

// Checks that a file can be created at `path`: its directory exists and `path` is not a directory, a
// device, a FIFO or a socket (only regular files are replaced). `flag` names the option that gave the
// path, for the message.
Status checkDestination(const std::string& flag, const std::string& path);

// A path a command reads or writes, with the option (or argument) that gave it.
struct NamedPath {
    std::string flag;
    std::string path;
    bool written = false;
};

// Checks that no file the command writes is also one it reads or another one it writes (the same file
// under two spellings counts): writing it would destroy the input, or one output would replace the other.
Status checkDistinctPaths(const std::vector<NamedPath>& paths);

// Writes `bytes` to a temporary file beside `path`, flushes it to disk and renames it over `path`. On
// any error the temporary file is removed and `path` is left as it was.
Status writeFileAtomically(const std::string& path, std::string_view bytes);

// Writes several files (path, bytes) as one: each to a temporary file beside it, flushed, and only when
// every one is complete are they renamed into place. A failure to write any of them leaves none.
Status writeFilesTogether(const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace kiln::cli

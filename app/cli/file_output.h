// Files the CLI writes besides plans (JSON exports): checked before any long work starts, then written
// whole or not at all, so an interrupted or failed command never leaves a truncated export behind.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kiln/file_writing.h"
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

// Written with the engine's writeFileAtomically and writeFilesTogether (kiln/file_writing.h).

}  // namespace kiln::cli

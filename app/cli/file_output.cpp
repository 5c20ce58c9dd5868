// Checked, atomic file output for the CLI; see file_output.h.
#include "file_output.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace kiln::cli {

namespace fs = std::filesystem;

Status checkDestination(const std::string& flag, const std::string& path) {
    const fs::path target(path);
    fs::path directory = target.parent_path();
    if (directory.empty()) directory = ".";
    std::error_code error;
    if (!fs::is_directory(directory, error)) {
        return notFound(flag + " '" + path + "': the directory '" + directory.string() +
                        "' does not exist; create it first or choose another path");
    }
    const fs::file_status status = fs::status(target, error);
    if (fs::is_directory(status)) return invalidArgument(flag + " '" + path + "' is a directory; give a file path");
    if (fs::exists(status) && !fs::is_regular_file(status)) {
        return invalidArgument(flag + " '" + path +
                               "' is not a regular file (a device, FIFO or socket), which an output would replace; "
                               "give a file path");
    }
    return Status::ok();
}

namespace {

// Whether two paths name one file: the same file where both exist, otherwise the same normalized path.
bool sameFile(const std::string& a, const std::string& b) {
    std::error_code error;
    if (fs::exists(a, error) && fs::exists(b, error)) return fs::equivalent(a, b, error) && !error;
    const fs::path left = fs::weakly_canonical(fs::absolute(a, error), error);
    const fs::path right = fs::weakly_canonical(fs::absolute(b, error), error);
    return left == right;
}

}  // namespace

Status checkDistinctPaths(const std::vector<NamedPath>& paths) {
    for (size_t i = 0; i < paths.size(); ++i) {
        for (size_t j = i + 1; j < paths.size(); ++j) {
            const NamedPath& first = paths[i];
            const NamedPath& second = paths[j];
            if (!first.written && !second.written) continue;
            if (!sameFile(first.path, second.path)) continue;
            const NamedPath& output = second.written ? second : first;
            const NamedPath& other = second.written ? first : second;
            const std::string what = other.written ? "another output" : "an input";
            return invalidArgument(output.flag + " '" + output.path + "' is the same file as " + other.flag + " '" +
                                   other.path + "', " + what + "; writing it would " +
                                   (other.written ? "lose one of them" : "destroy the input") +
                                   "; give a different path");
        }
    }
    return Status::ok();
}

}  // namespace kiln::cli

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

namespace {

// Writes `bytes` to a new temporary file beside `path` and flushes it to disk; returns the temporary
// file's name. On any error nothing is left behind.
Result<std::string> writeTemporary(const std::string& path, std::string_view bytes) {
    std::string temporary = path + ".tmp-XXXXXX";
    const int fd = mkstemp(temporary.data());
    if (fd < 0) return ioError("cannot create a file beside '" + path + "': " + std::strerror(errno));
    const auto failWith = [&](const std::string& what) {
        const std::string reason = std::strerror(errno);
        close(fd);
        std::remove(temporary.c_str());
        return ioError("cannot write '" + path + "': " + what + " failed (" + reason + "); nothing was written");
    };
    // mkstemp creates the file readable by its owner only; an export is an ordinary file.
    if (fchmod(fd, 0644) != 0) return failWith("setting permissions");
    size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return failWith("writing");
        written += size_t(n);
    }
    if (fsync(fd) != 0) return failWith("flushing to disk");
    if (close(fd) != 0) {
        const std::string reason = std::strerror(errno);
        std::remove(temporary.c_str());
        return ioError("cannot write '" + path + "': closing failed (" + reason + "); nothing was written");
    }
    return temporary;
}

}  // namespace

Status writeFileAtomically(const std::string& path, std::string_view bytes) {
    return writeFilesTogether({{path, std::string(bytes)}});
}

Status writeFilesTogether(const std::vector<std::pair<std::string, std::string>>& files) {
    std::vector<std::string> temporaries;
    const auto removeTemporaries = [&](size_t from) {
        for (size_t i = from; i < temporaries.size(); ++i) std::remove(temporaries[i].c_str());
    };
    for (const auto& [path, bytes] : files) {
        Result<std::string> temporary = writeTemporary(path, bytes);
        if (!temporary) {
            removeTemporaries(0);
            return files.size() > 1 ? Status(temporary.status()).withContext("none of the command's files was written")
                                    : temporary.status();
        }
        temporaries.push_back(std::move(temporary).value());
    }
    // Every file is complete on disk: only renames remain, which within a directory do not run out of space.
    for (size_t i = 0; i < files.size(); ++i) {
        if (std::rename(temporaries[i].c_str(), files[i].first.c_str()) != 0) {
            const std::string reason = std::strerror(errno);
            removeTemporaries(i);
            return ioError("cannot write '" + files[i].first + "': renaming the finished file into place failed (" +
                           reason + ")" + (i > 0 ? "; the files before it were written" : "; nothing was written"));
        }
    }
    return Status::ok();
}

}  // namespace kiln::cli

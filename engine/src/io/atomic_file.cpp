// Temporary file, fsync, rename: the POSIX recipe for replacing a file atomically; see kiln/file_writing.h.
#include "kiln/file_writing.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace kiln {

namespace {

// Writes `bytes` to a new temporary file beside `path` and flushes it to disk; returns the temporary
// file's name. On any error nothing is left behind.
Result<std::string> writeTemporary(const std::string& path, std::string_view bytes) {
    std::string temporary = path + ".tmp-XXXXXX";
    const int fd = ::mkostemp(temporary.data(), O_CLOEXEC);
    if (fd < 0) return ioError("cannot create a file beside '" + path + "': " + std::strerror(errno));
    const auto failWith = [&](const std::string& what) {
        const std::string reason = std::strerror(errno);
        ::close(fd);
        ::unlink(temporary.c_str());
        return ioError("cannot write '" + path + "': " + what + " failed (" + reason + "); nothing was written");
    };
    // mkstemp creates the file readable by its owner only; what Kiln writes is an ordinary file.
    if (::fchmod(fd, 0644) != 0) return failWith("setting permissions");
    size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return failWith("writing");
        written += size_t(n);
    }
    if (::fsync(fd) != 0) return failWith("flushing to disk");
    if (::close(fd) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(temporary.c_str());
        return ioError("cannot write '" + path + "': closing failed (" + reason + "); nothing was written");
    }
    return temporary;
}

// A rename is durable only once the directory entry is on disk too. The new file is already in place,
// so a directory that cannot be synced (some file systems refuse) is not an error.
void syncDirectoryOf(const std::string& path) {
    std::string directory = std::filesystem::path(path).parent_path().string();
    if (directory.empty()) directory = ".";
    const int dirFd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd >= 0) {
        ::fsync(dirFd);
        ::close(dirFd);
    }
}

}  // namespace

Status writeFileAtomically(const std::string& path, std::string_view bytes) {
    KILN_ASSIGN_OR_RETURN(const std::string temporary, writeTemporary(path, bytes));
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(temporary.c_str());
        return ioError("cannot move the new file into place at '" + path + "': " + reason + "; nothing was written");
    }
    syncDirectoryOf(path);
    return Status::ok();
}

Status writeFilesTogether(const std::vector<std::pair<std::string, std::string>>& files) {
    if (files.size() == 1) return writeFileAtomically(files.front().first, files.front().second);
    std::vector<std::string> temporaries;
    const auto removeTemporaries = [&](size_t from) {
        for (size_t i = from; i < temporaries.size(); ++i) ::unlink(temporaries[i].c_str());
    };
    for (const auto& [path, bytes] : files) {
        Result<std::string> temporary = writeTemporary(path, bytes);
        if (!temporary) {
            removeTemporaries(0);
            return Status(temporary.status()).withContext("none of the files was written");
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
        syncDirectoryOf(files[i].first);
    }
    return Status::ok();
}

}  // namespace kiln

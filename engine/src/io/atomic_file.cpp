// Temporary file, fsync, rename: the POSIX recipe for replacing a file atomically.
#include "io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

namespace kiln {

Status writeFileAtomically(const std::string& path, std::string_view bytes) {
    std::random_device seed;
    const std::string temporary = path + ".tmp" + std::to_string(seed() % 1000000);
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return ioError("cannot create '" + temporary + "': " + std::strerror(errno));
    size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            const std::string reason = std::strerror(errno);
            ::close(fd);
            ::unlink(temporary.c_str());
            return ioError("cannot write '" + path + "': " + reason);
        }
        written += size_t(n);
    }
    if (::fsync(fd) != 0) {
        const std::string reason = std::strerror(errno);
        ::close(fd);
        ::unlink(temporary.c_str());
        return ioError("cannot write '" + path + "': " + reason);
    }
    if (::close(fd) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(temporary.c_str());
        return ioError("cannot write '" + path + "': " + reason);
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(temporary.c_str());
        return ioError("cannot move the new file into place at '" + path + "': " + reason);
    }
    // The rename is durable only once the directory entry is on disk too. The new file is already in
    // place, so a directory that cannot be synced (some file systems refuse) is not an error.
    std::string directory = std::filesystem::path(path).parent_path().string();
    if (directory.empty()) directory = ".";
    const int dirFd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirFd >= 0) {
        ::fsync(dirFd);
        ::close(dirFd);
    }
    return Status::ok();
}

}  // namespace kiln

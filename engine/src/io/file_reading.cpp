// Bounded reading of regular files; see kiln/file_reading.h.
#include "kiln/file_reading.h"
#include "kiln/message.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace kiln {

Result<uint64_t> regularFileSize(const std::string& path, const std::string& what) {
    std::error_code error;
    const std::filesystem::file_status status = std::filesystem::status(path, error);
    if (error || !std::filesystem::exists(status)) return messageStatus(StatusCode::NotFound, "file.not_found", {what, path});
    if (std::filesystem::is_directory(status)) return ioError(what + " '" + path + "' is a folder, not a regular file; give a file");
    if (!std::filesystem::is_regular_file(status)) {
        return ioError(what + " '" + path + "' is not a regular file (a device, FIFO or socket); give a file");
    }
    const uint64_t size = std::filesystem::file_size(path, error);
    if (error) return ioError("cannot read " + what + " '" + path + "': " + error.message());
    return size;
}

Result<uint64_t> boundedFileSize(const std::string& path, const std::string& what, uint64_t limitBytes) {
    KILN_ASSIGN_OR_RETURN(const uint64_t size, regularFileSize(path, what));
    if (size > limitBytes) {
        return invalidArgument(what + " '" + path + "' is " + std::to_string(size) + " bytes, more than the " +
                               std::to_string(limitBytes) + " bytes such a file can need");
    }
    return size;
}

Status readFileInto(const std::string& path, const std::string& what, void* data, uint64_t size) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return ioError("cannot open " + what + " '" + path + "': " + std::strerror(errno));
    file.read(static_cast<char*>(data), std::streamsize(size));
    if (uint64_t(file.gcount()) != size) return ioError("reading " + what + " '" + path + "' stopped early");
    return Status::ok();
}

Result<std::string> readRegularFile(const std::string& path, const std::string& what, uint64_t limitBytes) {
    KILN_ASSIGN_OR_RETURN(const uint64_t size, boundedFileSize(path, what, limitBytes));
    std::string bytes(size_t(size), '\0');
    KILN_RETURN_IF_ERROR(readFileInto(path, what, bytes.data(), size));
    return bytes;
}

}  // namespace kiln

// NumPy .npy reading and atomic writing.
#include "kiln/npy.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "io/atomic_file.h"

namespace kiln {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

const char* descrFor(DataType type) {
    switch (type) {
        case DataType::Float32: return "<f4";
        case DataType::Float16: return "<f2";
        case DataType::Int8: return "|i1";
        case DataType::Int32: return "<i4";
        case DataType::Int64: return "<i8";
        case DataType::Bool: return "|b1";
        case DataType::BFloat16: return "";  // NumPy has no bfloat16; only ever a storage type
    }
    return "";
}

std::optional<DataType> typeForDescr(const std::string& descr) {
    for (DataType type : {DataType::Float32, DataType::Float16, DataType::Int8, DataType::Int32, DataType::Int64,
                          DataType::Bool}) {
        if (descr == descrFor(type)) return type;
    }
    if (descr == "<b1" || descr == "b1") return DataType::Bool;
    if (descr == "<i1" || descr == "i1") return DataType::Int8;
    return std::nullopt;
}

// Finds the value text after `'key':` in the header dictionary.
std::optional<std::string> headerValue(const std::string& header, const std::string& key) {
    const size_t keyPos = header.find("'" + key + "'");
    if (keyPos == std::string::npos) return std::nullopt;
    const size_t colon = header.find(':', keyPos);
    if (colon == std::string::npos) return std::nullopt;
    size_t start = header.find_first_not_of(' ', colon + 1);
    if (start == std::string::npos) return std::nullopt;
    size_t end;
    if (header[start] == '(') {
        end = header.find(')', start);
        if (end == std::string::npos) return std::nullopt;
        return header.substr(start + 1, end - start - 1);
    }
    if (header[start] == '\'') {
        end = header.find('\'', start + 1);
        if (end == std::string::npos) return std::nullopt;
        return header.substr(start + 1, end - start - 1);
    }
    end = header.find_first_of(",}", start);
    if (end == std::string::npos) return std::nullopt;
    return header.substr(start, end - start);
}

}  // namespace

Result<HostTensor> readNpy(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) return notFound("cannot open '" + path + "': " + std::strerror(errno));
    std::ostringstream buffer;
    buffer << file.rdbuf();
    const std::string bytes = buffer.str();
    const std::string fail = "'" + path + "' is not a valid .npy file: ";
    if (bytes.size() < kMagicSize + 4 || bytes.compare(0, kMagicSize, kMagic, kMagicSize) != 0) {
        return invalidArgument(fail + "the NumPy magic bytes are missing; save it with numpy.save");
    }
    const uint8_t major = uint8_t(bytes[6]);
    size_t headerLength = 0;
    size_t headerStart = 0;
    if (major == 1) {
        headerLength = uint8_t(bytes[8]) | (size_t(uint8_t(bytes[9])) << 8);
        headerStart = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12) return invalidArgument(fail + "the header is truncated");
        for (int i = 0; i < 4; ++i) headerLength |= size_t(uint8_t(bytes[8 + i])) << (8 * i);
        headerStart = 12;
    } else {
        return unsupported(fail + "format version " + std::to_string(major) + " is not supported");
    }
    if (headerStart + headerLength > bytes.size()) return invalidArgument(fail + "the header is truncated");
    const std::string header = bytes.substr(headerStart, headerLength);

    const auto descr = headerValue(header, "descr");
    const auto fortran = headerValue(header, "fortran_order");
    const auto shapeText = headerValue(header, "shape");
    if (!descr || !fortran || !shapeText) {
        return invalidArgument(fail + "the header lacks 'descr', 'fortran_order' or 'shape'");
    }
    const auto type = typeForDescr(*descr);
    if (!type) {
        return unsupported("'" + path + "' holds dtype '" + *descr +
                           "'; kiln reads float32, float16, int8, int32, int64 and bool arrays");
    }
    if (*fortran != "False") {
        return unsupported("'" + path + "' is in Fortran order; save a C-ordered array (numpy.ascontiguousarray)");
    }
    Dims dims;
    std::istringstream shapeStream(*shapeText);
    std::string item;
    while (std::getline(shapeStream, item, ',')) {
        const size_t first = item.find_first_not_of(' ');
        if (first == std::string::npos) continue;
        const std::string digits = item.substr(first, item.find_last_not_of(' ') - first + 1);
        if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos) {
            return invalidArgument(fail + "shape entry '" + digits + "' is not a non-negative integer");
        }
        dims.push_back(std::stoll(digits));
    }
    KILN_RETURN_IF_ERROR(checkDims(dims, "array in '" + path + "'"));
    // Checked before allocating: a small file may declare a huge shape.
    const size_t dataStart = headerStart + headerLength;
    const uint64_t needed = uint64_t(volume(dims)) * dataTypeSize(*type);
    if (bytes.size() - dataStart != needed) {
        return invalidArgument(fail + "it holds " + std::to_string(bytes.size() - dataStart) +
                               " data bytes, but its shape " + toString(dims) + " needs " +
                               std::to_string(needed));
    }
    HostTensor tensor(*type, dims);
    std::memcpy(tensor.bytes(), bytes.data() + dataStart, tensor.byteSize());
    return tensor;
}

Status writeNpy(const std::string& path, const HostTensor& tensor) {
    std::string header = "{'descr': '";
    header += descrFor(tensor.type());
    header += "', 'fortran_order': False, 'shape': (";
    for (size_t i = 0; i < tensor.dims().size(); ++i) {
        header += std::to_string(tensor.dims()[i]);
        if (tensor.dims().size() == 1 || i + 1 < tensor.dims().size()) header += ",";
        if (i + 1 < tensor.dims().size()) header += " ";
    }
    header += "), }";
    // Pad with spaces so that the data starts on a 64-byte boundary, as numpy does.
    const size_t unpadded = kMagicSize + 2 + 2 + header.size() + 1;
    header.append((64 - unpadded % 64) % 64, ' ');
    header += '\n';

    std::string bytes(kMagic, kMagicSize);
    bytes += char(1);
    bytes += char(0);
    bytes += char(header.size() & 0xff);
    bytes += char((header.size() >> 8) & 0xff);
    bytes += header;
    bytes.append(reinterpret_cast<const char*>(tensor.bytes()), tensor.byteSize());

    return writeFileAtomically(path, bytes);
}

}  // namespace kiln

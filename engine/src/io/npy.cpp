// NumPy .npy reading and atomic writing.
#include "kiln/npy.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <sstream>

#include "io/atomic_file.h"
#include "kiln/file_reading.h"

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

// The header dictionary, parsed as numpy's literal_eval would read it but stricter: exactly the keys
// 'descr' (a string), 'fortran_order' (True or False) and 'shape' (a tuple of non-negative integers,
// "(3,)" for one dimension), each once; anything else is refused rather than guessed at.
struct NpyHeader {
    std::string descr;
    bool fortranOrder = false;
    Dims shape;
};

class HeaderParser {
public:
    explicit HeaderParser(std::string_view text) : m_text(text) {}

    Result<NpyHeader> parse() {
        NpyHeader header;
        bool seenDescr = false, seenOrder = false, seenShape = false;
        KILN_RETURN_IF_ERROR(expect('{'));
        while (true) {
            skipSpaces();
            if (peek() == '}') break;
            KILN_ASSIGN_OR_RETURN(const std::string key, quoted("a key"));
            KILN_RETURN_IF_ERROR(expect(':'));
            bool* seen = key == "descr" ? &seenDescr : key == "fortran_order" ? &seenOrder : key == "shape" ? &seenShape
                                                                                                            : nullptr;
            if (!seen) return malformed("has the key '" + key + "'; a .npy header has only descr, fortran_order and shape");
            if (*seen) return malformed("gives '" + key + "' twice");
            *seen = true;
            if (key == "descr") {
                KILN_ASSIGN_OR_RETURN(header.descr, quoted("the dtype"));
            } else if (key == "fortran_order") {
                KILN_ASSIGN_OR_RETURN(header.fortranOrder, boolean());
            } else {
                KILN_ASSIGN_OR_RETURN(header.shape, tuple());
            }
            skipSpaces();
            if (peek() == ',') {
                ++m_at;
                continue;
            }
            if (peek() != '}') return malformed("has '" + std::string(1, peek()) + "' where ',' or '}' belongs");
        }
        ++m_at;  // '}'
        skipSpaces();
        if (m_at != m_text.size()) return malformed("has text after the dictionary");
        if (!seenDescr || !seenOrder || !seenShape) return malformed("lacks 'descr', 'fortran_order' or 'shape'");
        return header;
    }

private:
    Status malformed(const std::string& what) const { return invalidArgument("its header " + what); }
    char peek() const { return m_at < m_text.size() ? m_text[m_at] : '\0'; }
    void skipSpaces() {
        while (m_at < m_text.size() && (m_text[m_at] == ' ' || m_text[m_at] == '\n' || m_text[m_at] == '\t')) ++m_at;
    }
    Status expect(char c) {
        skipSpaces();
        if (peek() != c) return malformed("lacks '" + std::string(1, c) + "'");
        ++m_at;
        return Status::ok();
    }
    Result<std::string> quoted(const char* what) {
        skipSpaces();
        const char quote = peek();
        if (quote != '\'' && quote != '"') return malformed(std::string("has no quoted string for ") + what);
        const size_t end = m_text.find(quote, m_at + 1);
        if (end == std::string_view::npos) return malformed(std::string("has an unterminated string for ") + what);
        std::string value(m_text.substr(m_at + 1, end - m_at - 1));
        if (value.find('\\') != std::string::npos) return malformed("has an escape sequence in a string");
        m_at = end + 1;
        return value;
    }
    Result<bool> boolean() {
        skipSpaces();
        for (const auto& [word, value] : {std::pair{std::string_view("True"), true}, std::pair{std::string_view("False"), false}}) {
            if (m_text.substr(m_at, word.size()) == word) {
                m_at += word.size();
                return value;
            }
        }
        return malformed("gives fortran_order neither True nor False");
    }
    Result<Dims> tuple() {
        KILN_RETURN_IF_ERROR(expect('('));
        Dims dims;
        bool trailingComma = false;
        while (true) {
            skipSpaces();
            if (peek() == ')') break;
            const size_t first = m_at;
            while (m_at < m_text.size() && m_text[m_at] >= '0' && m_text[m_at] <= '9') ++m_at;
            const std::string_view digits = m_text.substr(first, m_at - first);
            if (digits.empty() || digits.size() > 18) return malformed("has a shape entry that is not a non-negative integer");
            dims.push_back(std::stoll(std::string(digits)));
            skipSpaces();
            trailingComma = peek() == ',';
            if (trailingComma) {
                ++m_at;
            } else if (peek() != ')') {
                return malformed("has a malformed shape tuple");
            }
        }
        ++m_at;  // ')'
        if (dims.size() == 1 && !trailingComma) return malformed("gives the shape (n) without a comma, which is a number, not a tuple");
        return dims;
    }

    std::string_view m_text;
    size_t m_at = 0;
};

}  // namespace

Result<HostTensor> readNpy(const std::string& path) {
    KILN_ASSIGN_OR_RETURN(const uint64_t fileSize, regularFileSize(path, "the array"));
    std::ifstream file(path, std::ios::binary);
    if (!file) return notFound("cannot open '" + path + "': " + std::strerror(errno));
    const std::string fail = "'" + path + "' is not a valid .npy file: ";
    // Only what the header says is read: the prelude, the header, then exactly the data it declares.
    std::string bytes(12, '\0');
    file.read(bytes.data(), 12);
    bytes.resize(size_t(file.gcount()));
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
    constexpr size_t kLargestHeader = size_t(1) << 20;  // numpy writes a few hundred bytes
    if (headerLength > kLargestHeader || headerStart + headerLength > fileSize) {
        return invalidArgument(fail + "the header is truncated");
    }
    std::string header(headerLength, '\0');
    file.seekg(std::streamoff(headerStart));
    file.read(header.data(), std::streamsize(headerLength));
    if (size_t(file.gcount()) != headerLength) return invalidArgument(fail + "the header is truncated");

    Result<NpyHeader> parsed = HeaderParser(header).parse();
    if (!parsed) return invalidArgument(fail + parsed.status().message());
    const auto type = typeForDescr(parsed->descr);
    if (!type) {
        return unsupported("'" + path + "' holds dtype '" + parsed->descr +
                           "'; kiln reads float32, float16, int8, int32, int64 and bool arrays");
    }
    if (parsed->fortranOrder) {
        return unsupported("'" + path + "' is in Fortran order; save a C-ordered array (numpy.ascontiguousarray)");
    }
    const Dims dims = parsed->shape;
    KILN_RETURN_IF_ERROR(checkDims(dims, "array in '" + path + "'"));
    // Checked before allocating: a small file may declare a huge shape.
    const size_t dataStart = headerStart + headerLength;
    const uint64_t needed = uint64_t(volume(dims)) * dataTypeSize(*type);
    if (fileSize - dataStart != needed) {
        return invalidArgument(fail + "it holds " + std::to_string(fileSize - dataStart) +
                               " data bytes, but its shape " + toString(dims) + " needs " +
                               std::to_string(needed));
    }
    HostTensor tensor(*type, dims);
    file.read(reinterpret_cast<char*>(tensor.bytes()), std::streamsize(tensor.byteSize()));
    if (size_t(file.gcount()) != tensor.byteSize()) return ioError("cannot read the data of '" + path + "'");
    return tensor;
}

Status writeNpy(const std::string& path, const HostTensor& tensor) { return writeFileAtomically(path, npyBytes(tensor)); }

std::string npyBytes(const HostTensor& tensor) {
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
    return bytes;
}

}  // namespace kiln

// TensorProto -> HostTensor: element types, dims, raw or typed data, and external data files. Every size
// a file declares is checked against what the tensor needs before anything is copied, so a malformed
// model gives an error naming the tensor rather than a short read or a huge allocation.
#include "tensor_proto.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <system_error>

namespace kiln::onnx_import {

namespace fs = std::filesystem;

// Raw data and external files hold little-endian values; they are copied as they are.
static_assert(std::endian::native == std::endian::little, "the ONNX importer assumes a little-endian host");

std::string onnxTypeName(int32_t onnxType) {
    if (onnx::TensorProto_DataType_IsValid(onnxType)) {
        return onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(onnxType));
    }
    return "type " + std::to_string(onnxType);
}

Result<DataType> dataTypeFromOnnx(int32_t onnxType, const std::string& what) {
    switch (onnxType) {
        case onnx::TensorProto::FLOAT:
            return DataType::Float32;
        case onnx::TensorProto::FLOAT16:
            return DataType::Float16;
        case onnx::TensorProto::INT8:
            return DataType::Int8;
        case onnx::TensorProto::INT32:
            return DataType::Int32;
        case onnx::TensorProto::INT64:
            return DataType::Int64;
        case onnx::TensorProto::BOOL:
            return DataType::Bool;
        default:
            break;
    }
    return unsupported(what + " has element type " + onnxTypeName(onnxType) +
                       ", which Kiln does not support (supported: FLOAT, FLOAT16, INT8, INT32, INT64, BOOL)");
}

namespace {

Result<uint64_t> parseUnsigned(const std::string& text, const std::string& what) {
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
        return invalidModel(what + " is '" + text + "', not a non-negative integer");
    }
    return value;
}

// Resolves `location` under `baseDirectory`, refusing anything that could read outside the model's
// folder: absolute paths, '..' components, and symlinks that lead elsewhere.
Result<fs::path> resolveExternalPath(const std::string& tensorWhat, const std::string& location,
                                     const std::string& baseDirectory) {
    if (location.empty()) {
        return invalidModel(tensorWhat + " has external data without a 'location'");
    }
    if (baseDirectory.empty()) {
        return invalidArgument(
            tensorWhat + " stores its data in external file '" + location +
            "', but the model was given without a folder to look in; parse it from its file");
    }
    const fs::path relative(location);
    if (relative.is_absolute() || relative.has_root_name() || relative.has_root_directory()) {
        return invalidModel(tensorWhat + " stores its data in '" + location +
                            "', an absolute path; external data must be a relative path inside the model's "
                            "folder");
    }
    for (const fs::path& part : relative) {
        if (part == "..") {
            return invalidModel(tensorWhat + " stores its data in '" + location +
                                "', which contains '..'; external data must stay inside the model's folder");
        }
    }
    std::error_code ec;
    const fs::path base = fs::weakly_canonical(fs::path(baseDirectory), ec);
    if (ec) {
        return ioError("cannot resolve the model folder '" + baseDirectory + "': " + ec.message());
    }
    const fs::path resolved = fs::weakly_canonical(base / relative, ec);
    if (ec) {
        return ioError("cannot resolve external data file '" + location + "' of " + tensorWhat + ": " +
                       ec.message());
    }
    const fs::path inside = resolved.lexically_relative(base);
    if (inside.empty() || *inside.begin() == ".." || inside == ".") {
        return invalidModel(tensorWhat + " stores its data in '" + location + "', which resolves to '" +
                            resolved.string() + "' outside the model's folder '" + base.string() + "'");
    }
    return resolved;
}

Result<HostTensor> readExternalData(const onnx::TensorProto& proto, const std::string& tensorWhat,
                                   const std::string& baseDirectory, DataType type, const Dims& dims) {
    std::string location;
    uint64_t offset = 0;
    std::optional<uint64_t> length;
    for (const auto& entry : proto.external_data()) {
        if (entry.key() == "location") {
            location = entry.value();
        } else if (entry.key() == "offset") {
            KILN_ASSIGN_OR_RETURN(offset, parseUnsigned(entry.value(), tensorWhat + " external data offset"));
        } else if (entry.key() == "length") {
            KILN_ASSIGN_OR_RETURN(length, parseUnsigned(entry.value(), tensorWhat + " external data length"));
        }
    }
    KILN_ASSIGN_OR_RETURN(fs::path path, resolveExternalPath(tensorWhat, location, baseDirectory));

    std::error_code ec;
    const uint64_t fileSize = fs::file_size(path, ec);
    if (ec) {
        return notFound(tensorWhat + " stores its data in '" + path.string() +
                        "', which cannot be read: " + ec.message());
    }
    const uint64_t needed = uint64_t(volume(dims)) * dataTypeSize(type);
    if (length && *length != needed) {
        return invalidModel(tensorWhat + " declares " + std::to_string(*length) +
                            " bytes of external data in '" + path.string() + "', but its dims " +
                            toString(dims) + " need " + std::to_string(needed));
    }
    if (offset > fileSize) {
        return invalidModel(tensorWhat + " external data offset " + std::to_string(offset) +
                            " is past the end of '" + path.string() + "' (" + std::to_string(fileSize) +
                            " bytes)");
    }
    if (needed > fileSize - offset) {
        return invalidModel(tensorWhat + " needs " + std::to_string(needed) + " bytes at offset " +
                            std::to_string(offset) + " of '" + path.string() + "', which has only " +
                            std::to_string(fileSize - offset) + " bytes from there");
    }
    // Allocated only now that the file is known to hold the bytes: dims alone may ask for terabytes.
    HostTensor tensor(type, dims);
    std::ifstream file(path, std::ios::binary);
    file.seekg(static_cast<std::streamoff>(offset));
    file.read(reinterpret_cast<char*>(tensor.bytes()), static_cast<std::streamsize>(needed));
    if (!file) {
        return ioError("reading " + std::to_string(needed) + " bytes of " + tensorWhat + " from '" +
                       path.string() + "' failed");
    }
    return tensor;
}

Status checkCount(int64_t have, int64_t want, const std::string& tensorWhat, const char* field) {
    if (have != want) {
        return invalidModel(tensorWhat + " has " + std::to_string(have) + " values in " + field +
                            " but its dims need " + std::to_string(want));
    }
    return Status::ok();
}

// The typed field that carries `type` (int32_data also carries the narrower types) and its size.
struct TypedField {
    const char* name;
    int64_t count;
};

TypedField typedField(const onnx::TensorProto& proto, DataType type) {
    switch (type) {
        case DataType::Float32: return {"float_data", proto.float_data_size()};
        case DataType::Int64: return {"int64_data", proto.int64_data_size()};
        default: return {"int32_data", proto.int32_data_size()};
    }
}

// Copies the typed field into `tensor`, whose element count the caller has checked against it.
void copyTypedData(const onnx::TensorProto& proto, HostTensor& tensor) {
    const int64_t count = tensor.elementCount();
    switch (tensor.type()) {
        case DataType::Float32: {
            std::copy(proto.float_data().begin(), proto.float_data().end(), tensor.data<float>());
            break;
        }
        case DataType::Int64: {
            std::copy(proto.int64_data().begin(), proto.int64_data().end(), tensor.data<int64_t>());
            break;
        }
        case DataType::Int32:
        case DataType::Int8:
        case DataType::Float16:
        case DataType::Bool: {
            // int32_data also carries the narrower types, one element per entry.
            for (int64_t i = 0; i < count; ++i) {
                const int32_t v = proto.int32_data(static_cast<int>(i));
                switch (tensor.type()) {
                    case DataType::Int32:
                        tensor.data<int32_t>()[i] = v;
                        break;
                    case DataType::Int8:
                        tensor.data<int8_t>()[i] = static_cast<int8_t>(v);
                        break;
                    case DataType::Float16:
                        tensor.data<uint16_t>()[i] = static_cast<uint16_t>(v);
                        break;
                    default:
                        tensor.data<uint8_t>()[i] = v != 0 ? 1 : 0;
                        break;
                }
            }
            break;
        }
        case DataType::BFloat16:
            break;  // only ever a storage type; the importer makes no BF16 tensor
    }
}

}  // namespace

Result<HostTensor> tensorFromProto(const onnx::TensorProto& proto, const std::string& baseDirectory) {
    const std::string tensorWhat = "tensor '" + proto.name() + "'";
    KILN_ASSIGN_OR_RETURN(DataType type, dataTypeFromOnnx(proto.data_type(), tensorWhat));
    if (proto.has_segment()) {
        return unsupported(tensorWhat + " is segmented, which Kiln does not support");
    }
    Dims dims(proto.dims().begin(), proto.dims().end());
    KILN_RETURN_IF_ERROR(checkDims(dims, tensorWhat));
    // Every size check comes before the allocation: a few bytes of model may declare terabytes.
    if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
        return readExternalData(proto, tensorWhat, baseDirectory, type, dims);
    }
    const uint64_t needed = uint64_t(volume(dims)) * dataTypeSize(type);
    if (proto.has_raw_data()) {
        const std::string& raw = proto.raw_data();
        if (raw.size() != needed) {
            return invalidModel(tensorWhat + " has " + std::to_string(raw.size()) +
                                " bytes of raw data, but " + toString(type) + " dims " + toString(dims) +
                                " need " + std::to_string(needed));
        }
        HostTensor tensor(type, dims);
        std::memcpy(tensor.bytes(), raw.data(), raw.size());
        return tensor;
    }
    const TypedField field = typedField(proto, type);
    KILN_RETURN_IF_ERROR(checkCount(field.count, volume(dims), tensorWhat, field.name));
    HostTensor tensor(type, dims);
    copyTypedData(proto, tensor);
    return tensor;
}

}  // namespace kiln::onnx_import

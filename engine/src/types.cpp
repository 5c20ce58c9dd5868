// Data types, shape helpers, HostTensor and half-precision conversion.
#include "kiln/types.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>
#include <cstring>
#include <limits>

namespace kiln {

const char* toString(DataType type) {
    switch (type) {
        case DataType::Float32: return "FP32";
        case DataType::Float16: return "FP16";
        case DataType::Int8: return "INT8";
        case DataType::Int32: return "INT32";
        case DataType::Int64: return "INT64";
        case DataType::Bool: return "BOOL";
        case DataType::BFloat16: return "BF16";
    }
    return "?";
}

std::optional<DataType> dataTypeFromString(std::string_view name) {
    for (DataType type : {DataType::Float32, DataType::Float16, DataType::Int8, DataType::Int32,
                          DataType::Int64, DataType::Bool, DataType::BFloat16}) {
        if (name == toString(type)) return type;
    }
    return std::nullopt;
}

size_t dataTypeSize(DataType type) {
    switch (type) {
        case DataType::Float32: return 4;
        case DataType::Float16: return 2;
        case DataType::Int8: return 1;
        case DataType::Int32: return 4;
        case DataType::Int64: return 8;
        case DataType::Bool: return 1;
        case DataType::BFloat16: return 2;
    }
    return 0;
}

bool isFloatingPoint(DataType type) {
    return type == DataType::Float32 || type == DataType::Float16 || type == DataType::BFloat16;
}

int64_t volume(const Dims& dims) {
    int64_t count = 1;
    for (int64_t extent : dims) count *= extent;
    return count;
}

std::string toString(const Dims& dims) {
    if (dims.empty()) return "scalar";
    std::string text;
    for (size_t i = 0; i < dims.size(); ++i) {
        if (i > 0) text += 'x';
        text += std::to_string(dims[i]);
    }
    return text;
}

Result<Dims> parseDims(std::string_view text) {
    if (text == "scalar") return Dims{};
    Dims dims;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find('x', start);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view part = text.substr(start, end - start);
        if (part.empty() || part.size() > 18 || part.find_first_not_of("0123456789") != std::string_view::npos) {
            return invalidArgument("'" + std::string(text) +
                                   "' is not a shape; write extents separated by 'x', e.g. 1x3x224x224");
        }
        dims.push_back(std::stoll(std::string(part)));
        start = end + 1;
        if (end == text.size()) break;
    }
    KILN_RETURN_IF_ERROR(checkDims(dims, "shape '" + std::string(text) + "'"));
    return dims;
}

Status checkDims(const Dims& dims, const std::string& what) {
    int64_t count = 1;
    for (size_t i = 0; i < dims.size(); ++i) {
        if (dims[i] < 0 || dims[i] > kMaxElementCount) {
            return invalidModel(what + " has dimension " + std::to_string(i) + " of " + std::to_string(dims[i]) +
                                "; extents must be between 0 and 2^40");
        }
        if (dims[i] != 0 && count > kMaxElementCount / dims[i]) {
            return invalidModel(what + " has more than 2^40 elements; check its dimensions");
        }
        count *= dims[i];
    }
    return Status::ok();
}

HostTensor::HostTensor(DataType type, Dims dims)
    : m_type(type),
      m_dims(std::move(dims)),
      m_storage(size_t(volume(m_dims)) * dataTypeSize(type)),
      m_data(m_storage.data()),
      m_byteSize(m_storage.size()) {}

HostTensor HostTensor::view(DataType type, Dims dims, std::byte* data) {
    HostTensor tensor;
    tensor.m_type = type;
    tensor.m_dims = std::move(dims);
    tensor.m_byteSize = size_t(volume(tensor.m_dims)) * dataTypeSize(type);
    tensor.m_data = data;
    return tensor;
}

HostTensor HostTensor::view(DataType type, Dims dims, std::byte* data, std::shared_ptr<const void> owner) {
    HostTensor tensor = view(type, std::move(dims), data);
    tensor.m_owner = std::move(owner);
    return tensor;
}

void HostTensor::adopt(const HostTensor& other) {
    m_type = other.m_type;
    m_dims = other.m_dims;
    m_byteSize = other.m_byteSize;
    if (other.ownsMemory()) {
        m_storage = other.m_storage;
        m_data = m_storage.data();
        m_owner.reset();
    } else {
        m_storage.clear();
        m_data = other.m_data;
        m_owner = other.m_owner;
    }
}

HostTensor::HostTensor(const HostTensor& other) { adopt(other); }

HostTensor& HostTensor::operator=(const HostTensor& other) {
    if (this != &other) adopt(other);
    return *this;
}

HostTensor::HostTensor(HostTensor&& other) noexcept { *this = std::move(other); }

HostTensor& HostTensor::operator=(HostTensor&& other) noexcept {
    if (this == &other) return *this;
    const bool owned = other.ownsMemory();
    m_type = other.m_type;
    m_dims = std::move(other.m_dims);
    m_byteSize = other.m_byteSize;
    m_storage = std::move(other.m_storage);
    m_data = owned ? m_storage.data() : other.m_data;
    m_owner = std::move(other.m_owner);
    other.m_dims.clear();
    other.m_storage.clear();
    other.m_data = nullptr;
    other.m_byteSize = 0;
    return *this;
}

HostTensor HostTensor::reshaped(Dims dims) const {
    HostTensor result = *this;
    result.m_dims = std::move(dims);
    return result;
}

double HostTensor::valueAsDouble(int64_t i) const {
    switch (m_type) {
        case DataType::Float32: return data<float>()[i];
        case DataType::Float16: return halfToFloat(data<uint16_t>()[i]);
        case DataType::BFloat16: return bfloat16ToFloat(data<uint16_t>()[i]);
        case DataType::Int8: return data<int8_t>()[i];
        case DataType::Int32: return data<int32_t>()[i];
        case DataType::Int64: return double(data<int64_t>()[i]);
        case DataType::Bool: return data<uint8_t>()[i] != 0 ? 1.0 : 0.0;
    }
    return 0.0;
}

std::vector<int64_t> HostTensor::valuesAsInt64() const {
    std::vector<int64_t> values(static_cast<size_t>(elementCount()));
    for (size_t k = 0; k < values.size(); ++k) values[k] = valueAsInt64(int64_t(k));
    return values;
}

Result<HostTensor> integerTensor(DataType type, const Dims& dims, const std::vector<int64_t>& values) {
    if (type != DataType::Int64 && type != DataType::Int32) {
        return invalidArgument(std::string("a tensor of integer values must be INT64 or INT32, not ") + toString(type));
    }
    KILN_RETURN_IF_ERROR(checkDims(dims, "an integer tensor"));
    if (int64_t(values.size()) != volume(dims)) {
        return invalidArgument("it holds " + std::to_string(volume(dims)) + " values; " + std::to_string(values.size()) +
                               " were given (" + toString(values) + "): give " + std::to_string(volume(dims)));
    }
    HostTensor tensor(type, dims);
    for (size_t k = 0; k < values.size(); ++k) {
        if (type == DataType::Int64) {
            tensor.data<int64_t>()[k] = values[k];
        } else if (values[k] < INT32_MIN || values[k] > INT32_MAX) {
            return invalidArgument("it is INT32, and its value " + std::to_string(values[k]) +
                                   " does not fit: give values from -2147483648 to 2147483647");
        } else {
            tensor.data<int32_t>()[k] = int32_t(values[k]);
        }
    }
    return tensor;
}

int64_t HostTensor::valueAsInt64(int64_t i) const {
    switch (m_type) {
        case DataType::Int64: return data<int64_t>()[i];
        case DataType::Int32: return data<int32_t>()[i];
        case DataType::Int8: return data<int8_t>()[i];
        case DataType::Bool: return data<uint8_t>()[i] != 0 ? 1 : 0;
        case DataType::Float32:
        case DataType::Float16:
        case DataType::BFloat16: {
            const double value = valueAsDouble(i);
            if (!(std::fabs(value) < 9.2e18)) return 0;
            return int64_t(value);
        }
    }
    return 0;
}

float halfToFloat(uint16_t half) {
    const uint32_t sign = uint32_t(half & 0x8000u) << 16;
    const uint32_t exponent = (half >> 10) & 0x1fu;
    uint32_t mantissa = half & 0x3ffu;
    uint32_t bits;
    if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else {  // subnormal: normalise
            int e = -1;
            do {
                ++e;
                mantissa <<= 1;
            } while ((mantissa & 0x400u) == 0);
            bits = sign | (uint32_t(127 - 15 - e) << 23) | ((mantissa & 0x3ffu) << 13);
        }
    } else if (exponent == 0x1f) {
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else {
        bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
    }
    return std::bit_cast<float>(bits);
}

uint16_t floatToHalf(float value) {
    const uint32_t bits = std::bit_cast<uint32_t>(value);
    const uint16_t sign = uint16_t((bits >> 16) & 0x8000u);
    const uint32_t absBits = bits & 0x7fffffffu;
    if (absBits >= 0x7f800000u) {  // inf or nan
        return uint16_t(sign | 0x7c00u | (absBits > 0x7f800000u ? 0x200u : 0u));
    }
    if (absBits >= 0x477ff000u) return uint16_t(sign | 0x7c00u);  // rounds to inf
    if (absBits < 0x38800000u) {  // subnormal or zero in half
        const float absValue = std::bit_cast<float>(absBits);
        // Scale so that one half subnormal step is 1, then round to nearest even.
        const float scaled = absValue * 16777216.0f;  // 2^24
        return uint16_t(sign | uint16_t(std::nearbyint(scaled)));
    }
    const uint32_t exponent = (absBits >> 23) - 127 + 15;
    uint32_t mantissa = absBits & 0x7fffffu;
    uint32_t half = (exponent << 10) | (mantissa >> 13);
    const uint32_t remainder = mantissa & 0x1fffu;
    if (remainder > 0x1000u || (remainder == 0x1000u && (half & 1u))) ++half;
    return uint16_t(sign | half);
}

std::string toString(TensorFormat format, size_t rank) {
    static const char* const kSpatial = "DHW";
    std::string name = "NC";
    if (rank < 2) name = rank == 1 ? "C" : "scalar";
    for (size_t axis = 2; axis < rank; ++axis) name += rank - axis <= 3 ? kSpatial[3 - (rank - axis)] : 'X';
    if (format.channelsLast && rank >= 3) {
        name = "N" + name.substr(2) + "C";
        if (format.channelBlock > 1) name += std::to_string(format.channelBlock);
    } else if (format.isBlocked()) {
        name += std::to_string(format.channelBlock) + "c";
    }
    if (format.storage) name += std::string(" ") + toString(*format.storage);
    return name;
}

DataType storageType(DataType type, TensorFormat format) { return format.storage.value_or(type); }

int64_t storageByteSize(DataType type, const Dims& dims, TensorFormat format) {
    type = storageType(type, format);
    int64_t elements = volume(dims);
    if (!format.isLinear() && dims.size() >= 2) {
        const int64_t block = std::max(format.channelBlock, 1);
        elements = (dims[1] + block - 1) / block * block;
        for (size_t axis = 0; axis < dims.size(); ++axis) {
            if (axis != 1) elements *= dims[axis];
        }
    }
    return elements * int64_t(dataTypeSize(type));
}

float bfloat16ToFloat(uint16_t value) { return std::bit_cast<float>(uint32_t(value) << 16); }

uint16_t floatToBFloat16(float value) {
    const uint32_t bits = std::bit_cast<uint32_t>(value);
    if (std::isnan(value)) return uint16_t((bits >> 16) | 0x0040u);  // quiet, whatever the payload
    const uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);     // to nearest, ties to even
    return uint16_t((bits + rounding) >> 16);
}

}  // namespace kiln

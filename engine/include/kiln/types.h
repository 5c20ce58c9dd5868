// Data types, shapes and the host-memory tensor that carries weights, inputs and outputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiln/status.h"

namespace kiln {

// BFloat16 is only ever a storage type (TensorFormat::storage) of FP32 tensors in a BF16 build.
enum class DataType : uint8_t { Float32, Float16, Int8, Int32, Int64, Bool, BFloat16 };

const char* toString(DataType type);  // "FP32", "FP16", "INT8", "INT32", "INT64", "BOOL", "BF16"
std::optional<DataType> dataTypeFromString(std::string_view name);
size_t dataTypeSize(DataType type);
bool isFloatingPoint(DataType type);

// A static shape: one extent per dimension, outermost first. A scalar has no dimensions.
using Dims = std::vector<int64_t>;

// Largest extent or element count Kiln accepts; larger values are treated as malformed input.
inline constexpr int64_t kMaxElementCount = int64_t(1) << 40;

int64_t volume(const Dims& dims);              // product of extents; 1 for a scalar
std::string toString(const Dims& dims);        // "1x3x224x224", "scalar" for no dims
Result<Dims> parseDims(std::string_view text);  // inverse of toString; "1x3x224x224"
// Checks that every extent is in [0, kMaxElementCount] and the volume is too; names `what` on error.
Status checkDims(const Dims& dims, const std::string& what);

// How an activation's elements lie in memory. Linear: row-major over the dims ("NCHW"). Blocked by
// b channels: [N][ceil(C/b)][spatial...][b], channels padded up to a multiple of b with the padded
// lanes zero (oneDNN's nChw8c / nChw16c). Channels last: [N][spatial...][C rounded up to a multiple
// of channelBlock], padded lanes zero ("NHWC8", TensorRT's kHWC8; the layout of tensor cores). Only
// tensors of rank 3 or more can be blocked or channels-last. Independently of the layout, a floating-
// point tensor may be stored in a narrower type (an FP32 tensor held as FP16 in an FP16 build).
// Weights, network inputs and network outputs are always linear in their own type.
struct TensorFormat {
    int channelBlock = 0;  // 0: linear; else the block, or the channel padding of channels-last
    bool channelsLast = false;
    std::optional<DataType> storage;  // the element type in memory when it is not the tensor's own

    bool isLinear() const { return channelBlock == 0 && !channelsLast; }
    bool isBlocked() const { return channelBlock > 0 && !channelsLast; }
    // Linear and in the tensor's own type: what every tensor is before the builder chooses formats.
    bool isDefault() const { return isLinear() && !storage; }
    bool operator==(const TensorFormat&) const = default;

    static TensorFormat blocked(int block) { return TensorFormat{block, false, std::nullopt}; }
    static TensorFormat nhwc(int channelPadding, std::optional<DataType> storage = std::nullopt) {
        return TensorFormat{channelPadding, true, storage};
    }
};
// "NCHW", "NCHW16c", "NHWC8", "NC"; with " FP16" where the storage type differs from `type`.
std::string toString(TensorFormat format, size_t rank);
// The element type a tensor of `type` has in memory in `format`.
DataType storageType(DataType type, TensorFormat format);
// Bytes of a tensor of `dims` in `format` (blocked and channels-last formats count the padded channels).
int64_t storageByteSize(DataType type, const Dims& dims, TensorFormat format);

// A dense, row-major tensor in host memory. It either owns its bytes (copies are deep) or is a view
// of memory owned elsewhere, such as an execution context's activation arena (copies share it).
class HostTensor {
public:
    HostTensor() = default;
    HostTensor(DataType type, Dims dims);  // owned and zero-filled; dims must have passed checkDims
    // A view of `data`, which must hold volume(dims) elements and outlive the view and its copies.
    static HostTensor view(DataType type, Dims dims, std::byte* data);
    // A view of `data` that keeps `owner` (whatever holds the bytes, such as a loaded plan's) alive
    // for as long as it or any of its copies exists.
    static HostTensor view(DataType type, Dims dims, std::byte* data, std::shared_ptr<const void> owner);

    HostTensor(const HostTensor& other);
    HostTensor& operator=(const HostTensor& other);
    HostTensor(HostTensor&& other) noexcept;
    HostTensor& operator=(HostTensor&& other) noexcept;

    DataType type() const { return m_type; }
    const Dims& dims() const { return m_dims; }
    int64_t elementCount() const { return volume(m_dims); }
    size_t byteSize() const { return m_byteSize; }
    bool ownsMemory() const { return m_data == nullptr || m_data == m_storage.data(); }

    // Never null, an empty tensor's included: a copy of its zero bytes still gets a valid pointer, as
    // memcpy and the kernels' loops require.
    std::byte* bytes() { return m_data ? m_data : emptyBytes(); }
    const std::byte* bytes() const { return m_data ? m_data : emptyBytes(); }
    template <typename T>
    T* data() {
        return reinterpret_cast<T*>(bytes());
    }
    template <typename T>
    const T* data() const {
        return reinterpret_cast<const T*>(bytes());
    }

    // Same elements, new shape of equal volume (a deep copy of an owned tensor, a view of a view).
    HostTensor reshaped(Dims dims) const;

    // Element `i` converted to double / int64, whatever the stored type (for small shape tensors).
    double valueAsDouble(int64_t i) const;
    int64_t valueAsInt64(int64_t i) const;
    // Every element as valueAsInt64 gives it: a shape tensor's values.
    std::vector<int64_t> valuesAsInt64() const;

private:
    void adopt(const HostTensor& other);
    // What bytes() gives a tensor without memory: aligned like any allocation, never written (no
    // element lies there).
    static std::byte* emptyBytes() {
        alignas(64) static std::byte empty[64] = {};
        return empty;
    }

    DataType m_type = DataType::Float32;
    Dims m_dims;
    std::vector<std::byte> m_storage;
    std::byte* m_data = nullptr;
    size_t m_byteSize = 0;
    std::shared_ptr<const void> m_owner;  // a view's bytes' owner, where it was given one
};

// An INT64 or INT32 tensor of `dims` holding `values` (a shape tensor's values, say); refuses another
// count of values, another type, and values an INT32 cannot hold.
Result<HostTensor> integerTensor(DataType type, const Dims& dims, const std::vector<int64_t>& values);

// Converts between IEEE half and float (round to nearest even).
float halfToFloat(uint16_t half);
uint16_t floatToHalf(float value);
// bfloat16: FP32's upper 16 bits; narrowing rounds to nearest, ties to even, and keeps NaN a NaN.
float bfloat16ToFloat(uint16_t value);
uint16_t floatToBFloat16(float value);

}  // namespace kiln

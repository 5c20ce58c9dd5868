// Builds Caffe test nets in memory: the prototxt is text the test writes, the caffemodel is encoded here
// byte by byte in protobuf's wire format with BVLC Caffe's field numbers, independently of the parser's
// schema, so that a wrong field number in either shows up as a failed import.
#pragma once

#include <unistd.h>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "kiln/types.h"

namespace kiln::test {

// Protobuf's wire format: varints, length-delimited fields, packed repeated numbers.
class WireWriter {
public:
    WireWriter& varintField(int field, uint64_t value) {
        tag(field, 0);
        varint(value);
        return *this;
    }
    WireWriter& bytesField(int field, const std::string& bytes) {
        tag(field, 2);
        varint(bytes.size());
        m_bytes += bytes;
        return *this;
    }
    WireWriter& messageField(int field, const WireWriter& message) {
        return bytesField(field, message.bytes());
    }
    WireWriter& packedFloats(int field, const std::vector<float>& values) {
        std::string payload(values.size() * sizeof(float), '\0');
        if (!values.empty()) std::memcpy(payload.data(), values.data(), payload.size());
        return bytesField(field, payload);
    }
    WireWriter& packedDoubles(int field, const std::vector<double>& values) {
        std::string payload(values.size() * sizeof(double), '\0');
        if (!values.empty()) std::memcpy(payload.data(), values.data(), payload.size());
        return bytesField(field, payload);
    }
    WireWriter& packedVarints(int field, const std::vector<int64_t>& values) {
        WireWriter payload;
        for (int64_t value : values)
            payload.varint(static_cast<uint64_t>(value));
        return bytesField(field, payload.bytes());
    }
    const std::string& bytes() const { return m_bytes; }

private:
    void tag(int field, int wireType) {
        varint((static_cast<uint64_t>(field) << 3) | static_cast<uint64_t>(wireType));
    }
    void varint(uint64_t value) {
        while (value >= 0x80) {
            m_bytes += static_cast<char>((value & 0x7f) | 0x80);
            value >>= 7;
        }
        m_bytes += static_cast<char>(value);
    }
    std::string m_bytes;
};

// One weight blob of a caffemodel layer.
struct TestBlob {
    Dims dims;
    std::vector<float> values;
    bool legacyShape =
        false;             // num/channels/height/width (dims padded to 4 with leading 1s) instead of shape
    bool doubles = false;  // double_data instead of data
};

// The weights of a net: layers with blobs, written as a current (layer = 100) or V1 (layers = 2)
// NetParameter.
class CaffeWeights {
public:
    CaffeWeights& layer(const std::string& name, std::vector<TestBlob> blobs) {
        m_layers.emplace_back(name, std::move(blobs));
        return *this;
    }

    std::string bytes(bool v1 = false) const {
        WireWriter net;
        net.bytesField(1, "weights");
        for (const auto& [name, blobs] : m_layers) {
            WireWriter layer;
            layer.bytesField(v1 ? 4 : 1, name);  // V1LayerParameter.name = 4, LayerParameter.name = 1
            for (const TestBlob& blob : blobs)
                layer.messageField(v1 ? 6 : 7, encodeBlob(blob));  // blobs
            net.messageField(v1 ? 2 : 100, layer);
        }
        return net.bytes();
    }

    static WireWriter encodeBlob(const TestBlob& blob) {
        WireWriter proto;
        if (blob.legacyShape) {
            Dims padded = blob.dims;
            while (padded.size() < 4)
                padded.insert(padded.begin(), 1);
            for (int i = 0; i < 4; ++i)
                proto.varintField(i + 1, static_cast<uint64_t>(padded[i]));  // num..width = 1..4
        } else {
            WireWriter shape;
            shape.packedVarints(1, blob.dims);  // BlobShape.dim = 1
            proto.messageField(7, shape);       // BlobProto.shape = 7
        }
        if (blob.doubles) {
            proto.packedDoubles(
                8, std::vector<double>(blob.values.begin(), blob.values.end()));  // double_data = 8
        } else {
            proto.packedFloats(5, blob.values);  // data = 5
        }
        return proto;
    }

private:
    std::vector<std::pair<std::string, std::vector<TestBlob>>> m_layers;
};

// A folder under the system's temporary folder, removed with everything in it when the test ends.
class TempFolder {
public:
    explicit TempFolder(const std::string& name)
        : m_path(std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()))) {
        std::filesystem::remove_all(m_path);
        std::filesystem::create_directories(m_path);
    }
    ~TempFolder() {
        std::error_code ignored;
        std::filesystem::remove_all(m_path, ignored);
    }
    std::string write(const std::string& name, const std::string& contents) const {
        const std::filesystem::path file = m_path / name;
        std::ofstream(file, std::ios::binary) << contents;
        return file.string();
    }
    std::string path(const std::string& name) const { return (m_path / name).string(); }

private:
    std::filesystem::path m_path;
};

}  // namespace kiln::test

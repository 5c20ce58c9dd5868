// .npy reading and writing: round trips, numpy-written headers, malformed files.
#include <gtest/gtest.h>

#include <filesystem>
#include <cstring>
#include <fstream>

#include <unistd.h>

#include "kiln/npy.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;

class NpyTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_dir = fs::temp_directory_path() / ("kiln_npy_" + std::to_string(::getpid()));
        fs::create_directories(m_dir);
    }
    void TearDown() override { fs::remove_all(m_dir); }

    std::string path(const std::string& name) const { return (m_dir / name).string(); }
    void writeBytes(const std::string& name, const std::string& bytes) const {
        std::ofstream(path(name), std::ios::binary) << bytes;
    }

    fs::path m_dir;
};

TEST_F(NpyTest, RoundTripsEveryType) {
    for (DataType type : {DataType::Float32, DataType::Float16, DataType::Int8, DataType::Int32, DataType::Int64,
                          DataType::Bool}) {
        HostTensor tensor(type, {2, 3});
        // Varied bytes, so that a wrong element size or order shows; bools stay 0 or 1.
        for (size_t i = 0; i < tensor.byteSize(); ++i) {
            tensor.bytes()[i] = std::byte(type == DataType::Bool ? i % 2 : (i * 37 + 11) & 0xff);
        }
        ASSERT_TRUE(writeNpy(path("t.npy"), tensor).isOk());
        auto read = readNpy(path("t.npy"));
        ASSERT_TRUE(read.isOk()) << read.status().message();
        EXPECT_EQ(read->type(), type);
        EXPECT_EQ(read->dims(), (Dims{2, 3}));
        EXPECT_EQ(std::memcmp(read->bytes(), tensor.bytes(), tensor.byteSize()), 0);
    }
}

TEST_F(NpyTest, WritesHeaderNumpyUnderstands) {
    HostTensor tensor(DataType::Float32, {4});
    ASSERT_TRUE(writeNpy(path("v.npy"), tensor).isOk());
    std::ifstream file(path("v.npy"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(file)), {});
    EXPECT_EQ(bytes.substr(1, 5), "NUMPY");
    EXPECT_NE(bytes.find("'descr': '<f4', 'fortran_order': False, 'shape': (4,), }"), std::string::npos);
    EXPECT_EQ((bytes.size() - 16) % 64, 0u);  // data starts 64-byte aligned, as numpy writes it
}

TEST_F(NpyTest, ReadsScalarWrittenByNumpy) {
    // numpy.save of np.float32(2.5): header '{'descr': '<f4', 'fortran_order': False, 'shape': (), }'.
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (), }";
    header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
    header += '\n';
    std::string bytes = std::string("\x93NUMPY\x01\x00", 8) + char(header.size()) + char(0) + header;
    const float value = 2.5f;
    bytes.append(reinterpret_cast<const char*>(&value), 4);
    writeBytes("s.npy", bytes);
    auto read = readNpy(path("s.npy"));
    ASSERT_TRUE(read.isOk()) << read.status().message();
    EXPECT_TRUE(read->dims().empty());
    EXPECT_EQ(read->data<float>()[0], 2.5f);
}

TEST_F(NpyTest, RefusesMalformedFiles) {
    writeBytes("empty.npy", "");
    writeBytes("text.npy", "hello world, not numpy");
    HostTensor tensor(DataType::Float32, {8});
    ASSERT_TRUE(writeNpy(path("full.npy"), tensor).isOk());
    std::ifstream file(path("full.npy"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(file)), {});
    writeBytes("short.npy", bytes.substr(0, bytes.size() - 4));
    std::string doubles = bytes;
    doubles.replace(doubles.find("<f4"), 3, "<f8");
    writeBytes("double.npy", doubles);

    // A header declaring 2^40 int64 values (8 TiB) over a few data bytes: refused, not allocated.
    std::string huge = bytes;
    huge.replace(huge.find("<f4"), 3, "<i8");
    // Same header length: the longer shape takes the place of padding spaces.
    huge.replace(huge.find("(8,), }"), 19, "(1099511627776,), }");
    writeBytes("huge.npy", huge);
    EXPECT_EQ(readNpy(path("huge.npy")).status().code(), StatusCode::InvalidArgument);

    EXPECT_EQ(readNpy(path("missing.npy")).status().code(), StatusCode::NotFound);
    EXPECT_EQ(readNpy(path("empty.npy")).status().code(), StatusCode::InvalidArgument);
    EXPECT_EQ(readNpy(path("text.npy")).status().code(), StatusCode::InvalidArgument);
    auto shortRead = readNpy(path("short.npy"));
    EXPECT_EQ(shortRead.status().code(), StatusCode::InvalidArgument);
    EXPECT_NE(shortRead.status().message().find("needs 32"), std::string::npos) << shortRead.status().message();
    auto doubleRead = readNpy(path("double.npy"));
    EXPECT_EQ(doubleRead.status().code(), StatusCode::Unsupported);
    EXPECT_NE(doubleRead.status().message().find("<f8"), std::string::npos);
}

TEST_F(NpyTest, FailedWriteLeavesNothingBehind) {
    HostTensor tensor(DataType::Float32, {2});
    Status status = writeNpy(path("no_such_dir/out.npy"), tensor);
    EXPECT_EQ(status.code(), StatusCode::IoError);
    EXPECT_FALSE(fs::exists(path("no_such_dir")));
    EXPECT_TRUE(fs::is_empty(m_dir));
}

}  // namespace
}  // namespace kiln

// .npy reading and writing: round trips, numpy-written headers, malformed files.
#include <gtest/gtest.h>

#include <filesystem>
#include <cstring>
#include <fstream>

#include <sys/stat.h>
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

// A version-1 .npy file with `header` (padded as numpy pads it) over `dataBytes` zero bytes.
std::string npyWithHeader(std::string header, size_t dataBytes) {
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string bytes("\x93NUMPY\x01\x00", 8);
    bytes += char(header.size() & 0xff);
    bytes += char(header.size() >> 8);
    return bytes + header + std::string(dataBytes, '\0');
}

// The header is read as numpy reads it, and whatever numpy would read differently, or refuse, is
// refused with the reason: the array is never reinterpreted.
TEST_F(NpyTest, HeadersAreParsedStrictly) {
    struct Case {
        const char* what;
        std::string header;
        const char* reason;
    };
    const std::vector<Case> refused{
        {"a key given twice (numpy keeps the last)", "{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
         "gives 'descr' twice"},
        {"an unknown key", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'order': 'C', }", "has the key 'order'"},
        {"a shape that is a number, not a tuple", "{'descr': '<f4', 'fortran_order': False, 'shape': (2), }",
         "without a comma"},
        {"a double comma", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,,), }", "not a non-negative integer"},
        {"a negative extent", "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", "not a non-negative integer"},
        {"a missing key", "{'descr': '<f4', 'shape': (2,), }", "lacks"},
        {"a word for fortran_order", "{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", "neither True nor False"},
        {"text after the dictionary", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x", "after the dictionary"},
        {"an unterminated string", "{'descr': '<f4, 'fortran_order': False, 'shape': (2,), }", "has '"},
    };
    for (const Case& c : refused) {
        SCOPED_TRACE(c.what);
        writeBytes("case.npy", npyWithHeader(c.header, 8));
        auto read = readNpy(path("case.npy"));
        ASSERT_FALSE(read.isOk());
        EXPECT_EQ(read.status().code(), StatusCode::InvalidArgument);
        EXPECT_NE(read.status().message().find(c.reason), std::string::npos) << read.status().message();
    }
    // Fortran order is read correctly by numpy but not by Kiln's C-order kernels: refused by name.
    writeBytes("fortran.npy", npyWithHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24));
    auto fortran = readNpy(path("fortran.npy"));
    EXPECT_EQ(fortran.status().code(), StatusCode::Unsupported);
    EXPECT_NE(fortran.status().message().find("Fortran order"), std::string::npos);
    // Double quotes, other key orders and no trailing comma are valid Python and numpy reads them.
    writeBytes("quotes.npy", npyWithHeader("{\"shape\": (2, 3), \"fortran_order\": False, \"descr\": \"<i4\"}", 24));
    auto quotes = readNpy(path("quotes.npy"));
    ASSERT_TRUE(quotes.isOk()) << quotes.status().message();
    EXPECT_EQ(quotes->type(), DataType::Int32);
    EXPECT_EQ(quotes->dims(), (Dims{2, 3}));
}

TEST_F(NpyTest, OnlyRegularFilesAreRead) {
    const std::string fifo = path("pipe.npy");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    auto fromFifo = readNpy(fifo);  // would block forever if it were opened
    ASSERT_FALSE(fromFifo.isOk());
    EXPECT_NE(fromFifo.status().message().find("not a regular file"), std::string::npos);
    fs::create_directory(path("folder.npy"));
    EXPECT_NE(readNpy(path("folder.npy")).status().message().find("not a regular file"), std::string::npos);
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

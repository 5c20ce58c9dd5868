// Tests of the data-movement reference kernels (Concat, Split, Slice, Reshape, Transpose, Gather, Pad,
// Expand, Tile, DepthToSpace, SpaceToDepth, Identity) and their shape inference. These kernels copy
// elements without looking at them, so the cases deliberately use integer, BOOL and FP16 tensors;
// every expected tensor is written out by hand (DepthToSpace's are the ONNX operator examples).
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/reference/compute_layer_runner.h"
#include "support/test_util.h"

namespace kiln::test {
namespace {

template <typename T>
HostTensor makeTensor(DataType type, const Dims& dims, const std::vector<T>& values) {
    HostTensor tensor(type, dims);
    EXPECT_EQ(tensor.byteSize(), values.size() * sizeof(T)) << "values do not fill " << toString(dims);
    if (tensor.byteSize() == values.size() * sizeof(T) && !values.empty()) {
        std::memcpy(tensor.bytes(), values.data(), tensor.byteSize());
    }
    return tensor;
}

HostTensor int32Tensor(const Dims& dims, const std::vector<int32_t>& values) {
    return makeTensor(DataType::Int32, dims, values);
}
HostTensor int64Tensor(const Dims& dims, const std::vector<int64_t>& values) {
    return makeTensor(DataType::Int64, dims, values);
}
HostTensor int8Tensor(const Dims& dims, const std::vector<int8_t>& values) {
    return makeTensor(DataType::Int8, dims, values);
}
HostTensor boolTensor(const Dims& dims, const std::vector<uint8_t>& values) {
    return makeTensor(DataType::Bool, dims, values);
}
HostTensor halfTensor(const Dims& dims, const std::vector<float>& values) {
    std::vector<uint16_t> bits;
    for (float v : values)
        bits.push_back(floatToHalf(v));
    return makeTensor(DataType::Float16, dims, bits);
}

std::vector<HostTensor> runAll(const LayerParams& params, const std::vector<const HostTensor*>& inputs,
                               size_t numOutputs = 1) {
    auto result = runComputeLayer(params, inputs, numOutputs);
    EXPECT_TRUE(result.isOk()) << result.status().message();
    if (!result.isOk())
        return std::vector<HostTensor>(numOutputs);
    return std::move(result).value();
}

HostTensor runOne(const LayerParams& params, const std::vector<const HostTensor*>& inputs) {
    return std::move(runAll(params, inputs).at(0));
}

void expectExact(const HostTensor& actual, const HostTensor& expected) {
    EXPECT_EQ(compareTensors(actual, expected, 0.0, 0.0), "");
}

void expectError(const std::vector<const HostTensor*>& inputs, const LayerParams& params, StatusCode code,
                 const std::vector<std::string>& fragments, size_t numOutputs = 1) {
    auto result = runComputeLayer(params, inputs, numOutputs);
    ASSERT_FALSE(result.isOk()) << "expected an error from " << toString(kindOf(params));
    const Status& status = result.status();
    EXPECT_EQ(status.code(), code) << status.message();
    for (const std::string& fragment : fragments) {
        EXPECT_NE(status.message().find(fragment), std::string::npos)
            << "message '" << status.message() << "' does not mention '" << fragment << "'";
    }
}

TEST(ShuffleReference, ConcatInt64AlongInnerAxis) {
    const HostTensor a = int64Tensor({2, 1}, {1, 2});
    const HostTensor b = int64Tensor({2, 2}, {10, 11, 20, 21});
    expectExact(runOne(ConcatParams{1}, {&a, &b}), int64Tensor({2, 3}, {1, 10, 11, 2, 20, 21}));
    expectExact(runOne(ConcatParams{0}, {&b, &b}), int64Tensor({4, 2}, {10, 11, 20, 21, 10, 11, 20, 21}));
}

TEST(ShuffleInference, ConcatErrors) {
    const HostTensor a = int64Tensor({2, 1}, {1, 2});
    const HostTensor b = int64Tensor({3, 2}, {1, 2, 3, 4, 5, 6});
    expectError({&a, &b}, ConcatParams{1}, StatusCode::InvalidModel, {"input 1", "3x2", "2x1", "axis 1"});
    const HostTensor c = int32Tensor({2, 1}, {1, 2});
    expectError({&a, &c}, ConcatParams{0}, StatusCode::InvalidModel, {"INT32", "INT64"});
    expectError({&a, &a}, ConcatParams{2}, StatusCode::InvalidModel, {"axis 2", "out of range"});
}

TEST(ShuffleReference, SplitBoolIntoUnequalParts) {
    const HostTensor x = boolTensor({2, 5}, {1, 0, 1, 1, 0, 0, 0, 1, 0, 1});
    const std::vector<HostTensor> parts = runAll(SplitParams{1, {2, 3}}, {&x}, 2);
    ASSERT_EQ(parts.size(), 2u);
    expectExact(parts[0], boolTensor({2, 2}, {1, 0, 0, 0}));
    expectExact(parts[1], boolTensor({2, 3}, {1, 1, 0, 1, 0, 1}));
}

TEST(ShuffleInference, SplitErrors) {
    const HostTensor x = int8Tensor({2, 5}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    expectError({&x}, SplitParams{1, {2, 2}}, StatusCode::InvalidModel, {"add up to 4", "extent 5"}, 2);
    expectError({&x}, SplitParams{1, {2, 3}}, StatusCode::InvalidModel, {"2 entries", "3 outputs"}, 3);
}

TEST(ShuffleReference, SliceWithPositiveAndNegativeSteps) {
    const HostTensor x = int32Tensor({5}, {10, 11, 12, 13, 14});
    expectExact(runOne(SliceParams{{4}, {-1}, {-2}}, {&x}), int32Tensor({3}, {14, 12, 10}));
    expectExact(runOne(SliceParams{{1}, {5}, {3}}, {&x}), int32Tensor({2}, {11, 14}));
    expectExact(runOne(SliceParams{{3}, {3}, {1}}, {&x}), int32Tensor({0}, {}));

    const HostTensor m = halfTensor({3, 4}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    // Rows 2 and 1 (reversed), columns 1 and 3.
    expectExact(runOne(SliceParams{{2, 1}, {0, 4}, {-1, 2}}, {&m}), halfTensor({2, 2}, {9, 11, 5, 7}));
}

TEST(ShuffleInference, SliceErrors) {
    const HostTensor x = int32Tensor({5}, {10, 11, 12, 13, 14});
    expectError({&x}, SliceParams{{0}, {5}, {0}}, StatusCode::InvalidModel, {"axis 0", "step must not be 0"});
    expectError({&x}, SliceParams{{0, 0}, {5, 5}, {1, 1}}, StatusCode::InvalidModel, {"starts", "2 entries"});
    expectError({&x}, SliceParams{{5}, {-1}, {-1}}, StatusCode::InvalidModel, {"outside the input"});
}

TEST(ShuffleReference, ReshapeKeepsRowMajorOrder) {
    const HostTensor x = int32Tensor({2, 3}, {1, 2, 3, 4, 5, 6});
    expectExact(runOne(ReshapeParams{{3, 1, 2}}, {&x}), int32Tensor({3, 1, 2}, {1, 2, 3, 4, 5, 6}));
    expectError({&x}, ReshapeParams{{4, 2}}, StatusCode::InvalidModel, {"4x2", "8 elements", "2x3", "6"});
}

TEST(ShuffleReference, TransposeTwoAndThreeDimensions) {
    const HostTensor x = halfTensor({2, 3}, {1, 2, 3, 4, 5, 6});
    expectExact(runOne(TransposeParams{{1, 0}}, {&x}), halfTensor({3, 2}, {1, 4, 2, 5, 3, 6}));

    // x[a, b, c] = 100a + 10b + c with dims [2, 2, 3]; perm (2, 0, 1) gives y[c, a, b].
    const HostTensor y = int64Tensor({2, 2, 3}, {0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112});
    expectExact(runOne(TransposeParams{{2, 0, 1}}, {&y}),
                int64Tensor({3, 2, 2}, {0, 10, 100, 110, 1, 11, 101, 111, 2, 12, 102, 112}));
}

TEST(ShuffleInference, TransposeNeedsAPermutation) {
    const HostTensor x = int32Tensor({2, 3}, {1, 2, 3, 4, 5, 6});
    expectError({&x}, TransposeParams{{1, 1}}, StatusCode::InvalidModel,
                {"perm [1, 1]", "not a permutation"});
    expectError({&x}, TransposeParams{{0}}, StatusCode::InvalidModel, {"perm", "1 entries", "expected 2"});
}

TEST(ShuffleReference, GatherWithNegativeAndMatrixIndices) {
    const HostTensor data = int64Tensor({2, 3}, {1, 2, 3, 4, 5, 6});
    const HostTensor columns = int32Tensor({2}, {-1, 0});
    expectExact(runOne(GatherParams{1}, {&data, &columns}), int64Tensor({2, 2}, {3, 1, 6, 4}));

    const HostTensor rows = int64Tensor({2, 2}, {1, 0, -2, 1});
    expectExact(runOne(GatherParams{0}, {&data, &rows}),
                int64Tensor({2, 2, 3}, {4, 5, 6, 1, 2, 3, 1, 2, 3, 4, 5, 6}));

    const HostTensor scalar = int64Tensor({}, {-2});
    expectExact(runOne(GatherParams{1}, {&data, &scalar}), int64Tensor({2}, {2, 5}));
}

TEST(ShuffleReference, GatherOutOfRangeIndexIsAnError) {
    const HostTensor data = boolTensor({3}, {1, 0, 1});
    const HostTensor indices = int32Tensor({2}, {0, 3});
    expectError({&data, &indices}, GatherParams{0}, StatusCode::InvalidArgument,
                {"index 3", "position 1", "extent 3"});
    const HostTensor low = int64Tensor({1}, {-4});
    expectError({&data, &low}, GatherParams{0}, StatusCode::InvalidArgument, {"index -4"});
}

TEST(ShuffleInference, GatherErrors) {
    const HostTensor data = int32Tensor({3}, {1, 2, 3});
    const HostTensor floatIndices = halfTensor({1}, {0});
    expectError({&data, &floatIndices}, GatherParams{0}, StatusCode::InvalidModel, {"indices", "FP16"});
    const HostTensor indices = int32Tensor({1}, {0});
    expectError({&data, &indices}, GatherParams{1}, StatusCode::InvalidModel, {"axis 1"});
}

TEST(ShuffleReference, PadConstantReflectEdge) {
    const HostTensor x = int32Tensor({3}, {1, 2, 3});
    expectExact(runOne(PadParams{PadMode::Constant, {2, 1}, 7.0}, {&x}),
                int32Tensor({6}, {7, 7, 1, 2, 3, 7}));
    expectExact(runOne(PadParams{PadMode::Reflect, {2, 1}, 0.0}, {&x}), int32Tensor({6}, {3, 2, 1, 2, 3, 2}));
    expectExact(runOne(PadParams{PadMode::Edge, {2, 1}, 0.0}, {&x}), int32Tensor({6}, {1, 1, 1, 2, 3, 3}));
    // A negative pad crops.
    expectExact(runOne(PadParams{PadMode::Constant, {-1, 2}, 0.0}, {&x}), int32Tensor({4}, {2, 3, 0, 0}));

    const HostTensor m = halfTensor({2, 2}, {1, 2, 3, 4});
    expectExact(runOne(PadParams{PadMode::Constant, {1, 0, 0, 1}, -0.5}, {&m}),
                halfTensor({3, 3}, {-0.5f, -0.5f, -0.5f, 1, 2, -0.5f, 3, 4, -0.5f}));
    expectExact(runOne(PadParams{PadMode::Reflect, {0, 1, 1, 0}, 0.0}, {&m}),
                halfTensor({3, 3}, {2, 1, 2, 4, 3, 4, 2, 1, 2}));
    expectExact(runOne(PadParams{PadMode::Edge, {1, 1, 0, 0}, 0.0}, {&m}),
                halfTensor({3, 3}, {1, 1, 2, 1, 1, 2, 3, 3, 4}));
}

TEST(ShuffleInference, PadErrors) {
    const HostTensor x = int32Tensor({3}, {1, 2, 3});
    expectError({&x}, PadParams{PadMode::Reflect, {3, 0}, 0.0}, StatusCode::InvalidModel,
                {"axis 0", "reflect", "smaller than the extent"});
    expectError({&x}, PadParams{PadMode::Constant, {-2, -2}, 0.0}, StatusCode::InvalidModel, {"crop"});
    expectError({&x}, PadParams{PadMode::Constant, {1}, 0.0}, StatusCode::InvalidModel,
                {"pads", "expected 2"});
}

TEST(ShuffleReference, ExpandAndTile) {
    const HostTensor x = boolTensor({3, 1}, {1, 0, 1});
    expectExact(runOne(ExpandParams{{2, 3, 2}}, {&x}),
                boolTensor({2, 3, 2}, {1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1}));
    expectError({&x}, ExpandParams{{3, 4, 2}}, StatusCode::InvalidModel, {"3x1", "3x4x2", "broadcast"});

    const HostTensor y = int8Tensor({2, 2}, {1, 2, 3, 4});
    expectExact(runOne(TileParams{{2, 3}}, {&y}),
                int8Tensor({4, 6}, {1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4}));
    expectError({&y}, TileParams{{2}}, StatusCode::InvalidModel, {"repeats", "1 entries"});
    expectError({&y}, TileParams{{1, -1}}, StatusCode::InvalidModel, {"repeats", "-1"});
}

// The ONNX DepthToSpace example input: [1, 8, 2, 3] with channel c holding 9c + (0..5).
HostTensor depthToSpaceExample() {
    std::vector<int32_t> values;
    for (int32_t c = 0; c < 8; ++c) {
        for (int32_t i = 0; i < 6; ++i)
            values.push_back(9 * c + i);
    }
    return int32Tensor({1, 8, 2, 3}, values);
}

TEST(ShuffleReference, DepthToSpaceDcrAndCrd) {
    const HostTensor x = depthToSpaceExample();
    expectExact(runOne(DepthToSpaceParams{2, false}, {&x}),
                int32Tensor({1, 2, 4, 6}, {0,  18, 1,  19, 2,  20, 36, 54, 37, 55, 38, 56, 3,  21, 4,  22,
                                           5,  23, 39, 57, 40, 58, 41, 59, 9,  27, 10, 28, 11, 29, 45, 63,
                                           46, 64, 47, 65, 12, 30, 13, 31, 14, 32, 48, 66, 49, 67, 50, 68}));
    expectExact(runOne(DepthToSpaceParams{2, true}, {&x}),
                int32Tensor({1, 2, 4, 6}, {0,  9,  1,  10, 2,  11, 18, 27, 19, 28, 20, 29, 3,  12, 4,  13,
                                           5,  14, 21, 30, 22, 31, 23, 32, 36, 45, 37, 46, 38, 47, 54, 63,
                                           55, 64, 56, 65, 39, 48, 40, 49, 41, 50, 57, 66, 58, 67, 59, 68}));
}

TEST(ShuffleReference, SpaceToDepthInvertsDepthToSpaceDcr) {
    const HostTensor small = int64Tensor({1, 1, 2, 2}, {1, 2, 3, 4});
    expectExact(runOne(SpaceToDepthParams{2}, {&small}), int64Tensor({1, 4, 1, 1}, {1, 2, 3, 4}));

    const HostTensor x = depthToSpaceExample();
    const HostTensor spread = runOne(DepthToSpaceParams{2, false}, {&x});
    expectExact(runOne(SpaceToDepthParams{2}, {&spread}), x);
}

TEST(ShuffleInference, BlockSizeErrors) {
    const HostTensor x = depthToSpaceExample();
    expectError({&x}, DepthToSpaceParams{3, false}, StatusCode::InvalidModel,
                {"blocksize 3", "channel extent 8"});
    expectError({&x}, SpaceToDepthParams{2}, StatusCode::InvalidModel, {"blocksize 2", "width 3"});
    const HostTensor flat = int32Tensor({4}, {1, 2, 3, 4});
    expectError({&flat}, DepthToSpaceParams{2, false}, StatusCode::InvalidModel, {"expected 4"});
}

TEST(ShuffleReference, IdentityCopiesEveryType) {
    const HostTensor h = halfTensor({2}, {1.5f, -2.0f});
    expectExact(runOne(IdentityParams{}, {&h}), h);
    const HostTensor b = boolTensor({3}, {0, 1, 1});
    expectExact(runOne(IdentityParams{}, {&b}), b);
}

}  // namespace
}  // namespace kiln::test

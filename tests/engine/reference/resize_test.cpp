// Tests of the Resize reference kernel and its shape inference. Each expected tensor is worked out by
// hand from the ONNX Resize formulas (coordinate transform, nearest rounding, clamping, linear weights);
// the comments show the source coordinates used.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/reference/compute_layer_runner.h"
#include "support/test_util.h"

namespace kiln::test {
namespace {

// Source coordinates are computed in float, so interpolation weights carry float rounding of the
// coordinate (a few ulp); 1e-6 relative is well below any difference a wrong formula would make.
constexpr double kRtol = 1e-6;
constexpr double kAtol = 1e-6;

ResizeParams resize(ResizeMode mode, ResizeCoordinateMode coordinates, ResizeNearestMode nearest,
                    const Dims& outputDims, const std::vector<float>& scales) {
    ResizeParams p;
    p.mode = mode;
    p.coordinateMode = coordinates;
    p.nearestMode = nearest;
    p.outputDims = outputDims;
    p.scales = scales;
    return p;
}

HostTensor runOne(const ResizeParams& params, const HostTensor& x) {
    auto result = runComputeLayer(params, {&x});
    EXPECT_TRUE(result.isOk()) << result.status().message();
    if (!result.isOk())
        return {};
    return std::move(result->at(0));
}

void expectNear(const HostTensor& actual, const HostTensor& expected) {
    EXPECT_EQ(compareTensors(actual, expected, kRtol, kAtol), "");
}

void expectError(const ResizeParams& params, const HostTensor& x, const std::vector<std::string>& fragments) {
    auto result = runComputeLayer(params, {&x});
    ASSERT_FALSE(result.isOk());
    EXPECT_EQ(result.status().code(), StatusCode::InvalidModel) << result.status().message();
    for (const std::string& fragment : fragments) {
        EXPECT_NE(result.status().message().find(fragment), std::string::npos)
            << "message '" << result.status().message() << "' does not mention '" << fragment << "'";
    }
}

TEST(ResizeReference, NearestTwiceUpsampling) {
    const HostTensor x = floatTensor({1, 1, 2, 2}, {1, 2, 3, 4});
    const HostTensor expected = floatTensor({1, 1, 4, 4}, {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
    // Asymmetric + floor: x / 2 = 0, 0.5, 1, 1.5 -> 0, 0, 1, 1.
    expectNear(runOne(resize(ResizeMode::Nearest, ResizeCoordinateMode::Asymmetric, ResizeNearestMode::Floor,
                             {1, 1, 4, 4}, {1, 1, 2, 2}),
                      x),
               expected);
    // Half pixel + round prefer floor: -0.25, 0.25, 0.75, 1.25 -> 0, 0, 1, 1 (after clamping).
    expectNear(runOne(resize(ResizeMode::Nearest, ResizeCoordinateMode::HalfPixel,
                             ResizeNearestMode::RoundPreferFloor, {1, 1, 4, 4}, {1, 1, 2, 2}),
                      x),
               expected);
}

TEST(ResizeReference, NearestModesOnExactHalves) {
    const HostTensor x = floatTensor({1, 4}, {10, 20, 30, 40});
    const auto halve = [&](ResizeCoordinateMode coordinates, ResizeNearestMode nearest) {
        return runOne(resize(ResizeMode::Nearest, coordinates, nearest, {1, 2}, {1, 0.5f}), x);
    };
    // Half pixel: (x + 0.5) / 0.5 - 0.5 = 0.5 and 2.5, both exactly between two pixels.
    expectNear(halve(ResizeCoordinateMode::HalfPixel, ResizeNearestMode::RoundPreferFloor),
               floatTensor({1, 2}, {10, 30}));
    expectNear(halve(ResizeCoordinateMode::HalfPixel, ResizeNearestMode::RoundPreferCeil),
               floatTensor({1, 2}, {20, 40}));
    expectNear(halve(ResizeCoordinateMode::HalfPixel, ResizeNearestMode::Floor),
               floatTensor({1, 2}, {10, 30}));
    expectNear(halve(ResizeCoordinateMode::HalfPixel, ResizeNearestMode::Ceil),
               floatTensor({1, 2}, {20, 40}));
    // TF half pixel for NN: (x + 0.5) / 0.5 = 1 and 3.
    expectNear(halve(ResizeCoordinateMode::TfHalfPixelForNn, ResizeNearestMode::RoundPreferFloor),
               floatTensor({1, 2}, {20, 40}));
    // Align corners: x * 3 / 1 = 0 and 3.
    expectNear(halve(ResizeCoordinateMode::AlignCorners, ResizeNearestMode::RoundPreferFloor),
               floatTensor({1, 2}, {10, 40}));
}

TEST(ResizeReference, NearestDownsampleAndOtherTypes) {
    // Half pixel, scale 0.6: rows 0.5/0.6 - 0.5 = 0.33 -> 0; columns 0.33 -> 0 and 2.0 -> 2.
    const HostTensor x = floatTensor({1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
    expectNear(runOne(resize(ResizeMode::Nearest, ResizeCoordinateMode::HalfPixel,
                             ResizeNearestMode::RoundPreferFloor, {1, 1, 1, 2}, {1, 1, 0.6f, 0.6f}),
                      x),
               floatTensor({1, 1, 1, 2}, {1, 3}));

    HostTensor ints(DataType::Int32, {1, 3});
    const int32_t values[] = {-5, 7, 9};
    std::memcpy(ints.bytes(), values, sizeof(values));
    const HostTensor wide = runOne(resize(ResizeMode::Nearest, ResizeCoordinateMode::Asymmetric,
                                          ResizeNearestMode::Floor, {1, 6}, {1, 2}),
                                   ints);
    ASSERT_EQ(wide.type(), DataType::Int32);
    const std::vector<int32_t> expected{-5, -5, 7, 7, 9, 9};
    ASSERT_EQ(wide.elementCount(), 6);
    for (int i = 0; i < 6; ++i)
        EXPECT_EQ(wide.data<int32_t>()[i], expected[i]) << i;
}

TEST(ResizeReference, BilinearAlignCorners) {
    // Output positions 0, 1, 2 map to input 0, 0.5, 1 on both axes.
    const HostTensor x = floatTensor({1, 1, 2, 2}, {1, 2, 3, 4});
    expectNear(runOne(resize(ResizeMode::Linear, ResizeCoordinateMode::AlignCorners,
                             ResizeNearestMode::RoundPreferFloor, {1, 1, 3, 3}, {1, 1, 1.5f, 1.5f}),
                      x),
               floatTensor({1, 1, 3, 3}, {1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4}));
}

TEST(ResizeReference, BilinearHalfPixelUpsampleClampsAtTheBorder) {
    // Coordinates -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1) on both axes.
    const HostTensor x = floatTensor({1, 1, 2, 2}, {1, 2, 3, 4});
    expectNear(runOne(resize(ResizeMode::Linear, ResizeCoordinateMode::HalfPixel,
                             ResizeNearestMode::RoundPreferFloor, {1, 1, 4, 4}, {1, 1, 2, 2}),
                      x),
               floatTensor({1, 1, 4, 4}, {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f,
                                          3.5f, 3, 3.25f, 3.75f, 4}));
}

TEST(ResizeReference, BilinearHalfPixelDownsample) {
    // Row 1/3 mixes rows 0 and 1 as 2:1 (+4/3); columns 1/3 and 2.0: 1 + 1/3 + 4/3 and 3 + 4/3.
    const HostTensor x = floatTensor({1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
    expectNear(runOne(resize(ResizeMode::Linear, ResizeCoordinateMode::HalfPixel,
                             ResizeNearestMode::RoundPreferFloor, {1, 1, 1, 2}, {1, 1, 0.6f, 0.6f}),
                      x),
               floatTensor({1, 1, 1, 2}, {8.0f / 3.0f, 13.0f / 3.0f}));
}

TEST(ResizeReference, PytorchHalfPixelMapsSingleOutputToZero) {
    const HostTensor x = floatTensor({1, 4}, {1, 2, 3, 4});
    // pytorch_half_pixel reads coordinate 0 for an output extent of 1; half_pixel reads 0.5 / 0.25 - 0.5
    // = 1.5.
    expectNear(runOne(resize(ResizeMode::Linear, ResizeCoordinateMode::PytorchHalfPixel,
                             ResizeNearestMode::RoundPreferFloor, {1, 1}, {1, 0.25f}),
                      x),
               floatTensor({1, 1}, {1}));
    expectNear(runOne(resize(ResizeMode::Linear, ResizeCoordinateMode::HalfPixel,
                             ResizeNearestMode::RoundPreferFloor, {1, 1}, {1, 0.25f}),
                      x),
               floatTensor({1, 1}, {2.5f}));
}

TEST(ResizeReference, LinearOnThreeDimensions) {
    // Asymmetric, scale 2 on the last axis: 0, 0.5, 1, 1.5 (clamped to 1).
    const HostTensor x = floatTensor({2, 1, 2}, {2, 4, -1, 1});
    expectNear(runOne(resize(ResizeMode::Linear, ResizeCoordinateMode::Asymmetric,
                             ResizeNearestMode::RoundPreferFloor, {2, 1, 4}, {1, 1, 2}),
                      x),
               floatTensor({2, 1, 4}, {2, 3, 4, 4, -1, 0, 1, 1}));
}

TEST(ResizeReference, TrilinearReproducesALinearFunction) {
    // Input value 4z + 2y + x on a 2x2x2 grid; align corners samples at 0, 0.5, 1 per axis, where
    // trilinear interpolation of a linear function is exact.
    HostTensor x(DataType::Float32, {1, 1, 2, 2, 2});
    for (int i = 0; i < 8; ++i)
        x.data<float>()[i] = static_cast<float>(i);
    HostTensor expected(DataType::Float32, {1, 1, 3, 3, 3});
    for (int z = 0; z < 3; ++z) {
        for (int y = 0; y < 3; ++y) {
            for (int w = 0; w < 3; ++w)
                expected.data<float>()[(z * 3 + y) * 3 + w] = 2.0f * z + y + 0.5f * w;
        }
    }
    expectNear(runOne(resize(ResizeMode::Linear, ResizeCoordinateMode::AlignCorners,
                             ResizeNearestMode::RoundPreferFloor, {1, 1, 3, 3, 3}, {1, 1, 1.5f, 1.5f, 1.5f}),
                      x),
               expected);
}

TEST(ResizeInference, Errors) {
    HostTensor ints(DataType::Int32, {1, 1, 2, 2});
    expectError(resize(ResizeMode::Linear, ResizeCoordinateMode::HalfPixel,
                       ResizeNearestMode::RoundPreferFloor, {1, 1, 4, 4}, {1, 1, 2, 2}),
                ints, {"INT32", "linear"});
    const HostTensor x = floatTensor({1, 1, 2, 2}, {1, 2, 3, 4});
    expectError(resize(ResizeMode::Nearest, ResizeCoordinateMode::HalfPixel,
                       ResizeNearestMode::RoundPreferFloor, {1, 4, 4}, {1, 1, 2, 2}),
                x, {"output dims", "3 entries", "expected 4"});
    expectError(resize(ResizeMode::Nearest, ResizeCoordinateMode::HalfPixel,
                       ResizeNearestMode::RoundPreferFloor, {1, 1, 4, 4}, {2, 2}),
                x, {"scales", "2 entries", "expected 4"});
    expectError(resize(ResizeMode::Nearest, ResizeCoordinateMode::HalfPixel,
                       ResizeNearestMode::RoundPreferFloor, {1, 1, 4, 4}, {1, 1, 0, 2}),
                x, {"scale", "axis 2", "positive"});
}

}  // namespace
}  // namespace kiln::test

// Kiln's resize against the reference: nearest (every rounding mode) and bilinear (every coordinate
// mode), upsampling, downsampling and non-integral scales, over planes of 2-D, 3-D and 4-D tensors. The
// kernel takes the reference's samples and sums the corners in the reference's order, so the results
// must be equal, bit for bit.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fast_test_helpers.h"

namespace kiln::test {
namespace {

ResizeParams resizeTo(const Dims& in, const Dims& out, ResizeMode mode, ResizeCoordinateMode coordinates,
                      ResizeNearestMode nearest = ResizeNearestMode::RoundPreferFloor) {
    ResizeParams p;
    p.mode = mode;
    p.coordinateMode = coordinates;
    p.nearestMode = nearest;
    p.outputDims = out;
    for (size_t axis = 0; axis < in.size(); ++axis) p.scales.push_back(float(out[axis]) / float(in[axis]));
    return p;
}

TEST(KilnResize, EqualsTheReferenceInEveryMode) {
    std::mt19937 rng(90);
    struct Case {
        Dims in;
        Dims out;
    };
    const std::vector<Case> cases{{{1, 3, 7, 9}, {1, 3, 14, 18}},
                                  {{2, 4, 10, 6}, {2, 4, 5, 4}},
                                  {{1, 2, 5, 5}, {1, 2, 12, 7}},
                                  {{3, 8, 8}, {3, 19, 3}},
                                  {{6, 5}, {11, 13}}};
    const ResizeCoordinateMode modes[] = {ResizeCoordinateMode::HalfPixel, ResizeCoordinateMode::PytorchHalfPixel,
                                          ResizeCoordinateMode::AlignCorners, ResizeCoordinateMode::Asymmetric,
                                          ResizeCoordinateMode::TfHalfPixelForNn};
    for (const Case& c : cases) {
        const HostTensor x = randomTensor(c.in, rng, -3.0f, 3.0f);
        const std::string what = toString(c.in) + " -> " + toString(c.out);
        for (const ResizeCoordinateMode mode : modes) {
            if (mode != ResizeCoordinateMode::TfHalfPixelForNn) {
                checkAgainstReference(resizeTo(c.in, c.out, ResizeMode::Linear, mode), {&x}, {true}, TensorFormat{},
                                      "kiln:resize", 0, 0.0, "linear " + what);
            }
            for (const ResizeNearestMode nearest : {ResizeNearestMode::RoundPreferFloor, ResizeNearestMode::RoundPreferCeil,
                                                    ResizeNearestMode::Floor, ResizeNearestMode::Ceil}) {
                checkAgainstReference(resizeTo(c.in, c.out, ResizeMode::Nearest, mode, nearest), {&x}, {true},
                                      TensorFormat{}, "kiln:resize", 0, 0.0, "nearest " + what);
            }
        }
    }
}

TEST(KilnResize, LeavesOtherAxesToTheReference) {
    std::mt19937 rng(91);
    const HostTensor x = randomTensor({1, 3, 4, 4}, rng);
    EXPECT_NE(skipReasonFor(resizeTo({1, 3, 4, 4}, {1, 6, 8, 8}, ResizeMode::Nearest, ResizeCoordinateMode::Asymmetric),
                            {&x}, {true}, TensorFormat{}, "kiln:resize")
                  .find("only the last two axes"),
              std::string::npos);
}

}  // namespace
}  // namespace kiln::test

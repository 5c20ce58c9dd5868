// Slice shape inference at the int64 extremes of its step: the output extent must be the number of
// indices start, start + step, ... before end, as ONNX defines it, computed here independently in
// 128-bit arithmetic, for every step from the smallest to the largest int64.
#include <gtest/gtest.h>

#include <limits>

#include "kiln/network.h"

namespace kiln::test {
namespace {

int64_t expectedCount(int64_t start, int64_t end, int64_t step) {
    const __int128 distance = step > 0 ? __int128(end) - start : __int128(start) - end;
    if (distance <= 0) return 0;
    const __int128 magnitude = step > 0 ? __int128(step) : -__int128(step);
    return int64_t((distance + magnitude - 1) / magnitude);
}

TEST(SliceShape, StepsAtTheInt64ExtremesGiveTheOnnxCount) {
    constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    const int64_t extent = 10;
    const std::vector<int64_t> steps{kMin, kMin + 1, -(int64_t(1) << 62), -11, -10, -3, -1,
                                     1,    3,        10,  11, int64_t(1) << 62, kMax - 1, kMax};
    for (const int64_t step : steps) {
        // Starts and ends as the importer resolves them: within [-1, extent] (a reverse slice to the
        // beginning ends at -1).
        for (const int64_t start : {int64_t(-1), int64_t(0), int64_t(4), int64_t(9), extent}) {
            for (const int64_t end : {int64_t(-1), int64_t(0), int64_t(5), int64_t(9), extent}) {
                const int64_t count = expectedCount(start, end, step);
                // Every index read must lie inside the input; cases that would read outside are refused.
                const int64_t last = count > 0 ? int64_t(__int128(start) + __int128(count - 1) * step) : 0;
                const bool inside = count == 0 || (start >= 0 && start < extent && last >= 0 && last < extent);
                SCOPED_TRACE("start " + std::to_string(start) + ", end " + std::to_string(end) + ", step " +
                             std::to_string(step));
                NetworkDefinition network;
                auto x = network.addInput("x", DataType::Float32, {extent});
                ASSERT_TRUE(x.isOk());
                auto layer = network.addLayer("slice", SliceParams{{start}, {end}, {step}}, {x.value()}, {"y"});
                if (!inside) {
                    EXPECT_FALSE(layer.isOk());
                    continue;
                }
                ASSERT_TRUE(layer.isOk()) << layer.status().message();
                EXPECT_EQ(layer.value()->output(0)->dims(), Dims{count});
            }
        }
    }
}

}  // namespace
}  // namespace kiln::test

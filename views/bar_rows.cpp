// Counting the rows of a horizontal bar chart; see bar_rows.h.
#include "bar_rows.h"

#include <QFontMetrics>
#include <algorithm>

namespace kiln::views {

namespace {

// What the chart's frame takes from its height: the value axis, its label and the margins.
constexpr int kFrameHeight = 64;
// Pixels between two rows' labels beyond the label's own height.
constexpr int kRowSpacing = 6;
constexpr int kMinimumBars = 3;

}  // namespace

int horizontalBarCapacity(const QFont& labelFont, int height) {
    const int row = QFontMetrics(labelFont).height() + kRowSpacing;
    return std::max(kMinimumBars, (height - kFrameHeight) / row);
}

}  // namespace kiln::views

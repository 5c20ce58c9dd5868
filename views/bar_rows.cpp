// Counting the rows of a horizontal bar chart; see bar_rows.h.
#include "bar_rows.h"

#include <QFontMetrics>
#include <QString>
#include <algorithm>

namespace kiln::views {

namespace {

// What the chart's frame takes from its height: the value axis, its label and the margins.
constexpr int kFrameHeight = 64;
// Pixels between two rows' labels beyond the label's own height.
constexpr int kRowSpacing = 6;
constexpr int kMinimumBars = 3;
// The share of the chart's width the names may take, and the least they get in a narrow chart.
constexpr double kLabelShare = 0.4;
constexpr int kMinimumLabelWidth = 80;

}  // namespace

int horizontalBarCapacity(const QFont& labelFont, int height) {
    const int row = QFontMetrics(labelFont).height() + kRowSpacing;
    return std::max(kMinimumBars, (height - kFrameHeight) / row);
}

QString horizontalBarLabel(const QFont& labelFont, const QString& name, int width) {
    const int room = std::max(kMinimumLabelWidth, int(width * kLabelShare));
    return QFontMetrics(labelFont).elidedText(name, Qt::ElideMiddle, room);
}

}  // namespace kiln::views

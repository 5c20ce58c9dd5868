// How many horizontal bars a chart can show readably: each bar's row as tall as its name's label plus
// some air, after the value axis and the margins take their part of the height. The profile and the
// precision charts show that many bars (the largest) and summarize the rest in one more.
#pragma once

#include <QFont>
#include <QString>

namespace kiln::views {

// The chart's height while it is not shown (also the PNG export's default height), for counting bars.
inline constexpr int kHiddenChartHeight = 600;
inline constexpr int kHiddenChartWidth = 1200;

// Bars, the summary bar included, that fit a chart `height` pixels tall whose names are in `labelFont`;
// never fewer than three.
int horizontalBarCapacity(const QFont& labelFont, int height);

// A layer's name for the label beside its bar: whole when it fits 40 % of the chart's `width` (the bars
// keep the rest), else shortened in the middle, where long fused names repeat themselves.
QString horizontalBarLabel(const QFont& labelFont, const QString& name, int width);

}  // namespace kiln::views

// Latency and throughput of an engine built for a range of shapes, against one swept input dimension
// (e.g. the batch from 1 to 64): the median end-to-end latency on the left axis, items per second on
// the right (for a swept batch, images per second; for another dimension, runs per second).
#pragma once

#include <QVector>
#include <QWidget>

class QCustomPlot;
class QLabel;

namespace kiln::views {

struct SweepPoint {
    int64_t value = 0;                // the swept dimension's extent
    double medianMilliseconds = 0.0;  // median end-to-end latency at that extent
    double itemsPerSecond = 0.0;      // throughput: batch items (or runs) per second
};

class ShapeSweepView : public QWidget {
    Q_OBJECT

public:
    explicit ShapeSweepView(QWidget* parent = nullptr);

    // `dimension` names what was swept, e.g. "input dimension 0 (batch)"; `perItem` says whether the
    // throughput counts batch items (the swept dimension is the batch) or runs.
    void setSweep(const QString& dimension, const QVector<SweepPoint>& points, bool perItem);
    void clear();
    const QVector<SweepPoint>& points() const { return m_points; }
    QCustomPlot* plot() const { return m_plot; }

private:
    QLabel* m_title = nullptr;
    QCustomPlot* m_plot = nullptr;
    QVector<SweepPoint> m_points;
};

}  // namespace kiln::views

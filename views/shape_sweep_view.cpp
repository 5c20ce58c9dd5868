// The shape sweep chart; see shape_sweep_view.h.
#include "shape_sweep_view.h"

#include <QLabel>
#include <QVBoxLayout>
#include <qcustomplot.h>

namespace kiln::views {

ShapeSweepView::ShapeSweepView(QWidget* parent) : QWidget(parent) {
    m_title = new QLabel;
    m_title->setObjectName(QStringLiteral("sweepTitle"));
    m_plot = new QCustomPlot;
    m_plot->setObjectName(QStringLiteral("sweepPlot"));
    m_plot->setMinimumHeight(220);
    m_plot->yAxis2->setVisible(true);
    m_plot->legend->setVisible(true);
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    auto* latency = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis);
    latency->setName(tr("median latency (ms)"));
    latency->setPen(QPen(QColor(0x1f, 0x77, 0xb4), 2));
    latency->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
    auto* throughput = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis2);
    throughput->setPen(QPen(QColor(0xe6, 0x7e, 0x22), 2));
    throughput->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssSquare, 6));
    m_plot->yAxis->setLabel(tr("latency (ms)"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_title);
    layout->addWidget(m_plot, 1);
    clear();
}

void ShapeSweepView::setSweep(const QString& dimension, const QVector<SweepPoint>& points, bool perItem) {
    m_points = points;
    QVector<double> x, latency, throughput;
    for (const SweepPoint& point : points) {
        x << double(point.value);
        latency << point.medianMilliseconds;
        throughput << point.itemsPerSecond;
    }
    m_plot->graph(0)->setData(x, latency, true);
    m_plot->graph(1)->setData(x, throughput, true);
    const QString unit = perItem ? tr("items/s") : tr("runs/s");
    m_plot->graph(1)->setName(tr("throughput (%1)").arg(unit));
    m_plot->yAxis2->setLabel(tr("throughput (%1)").arg(unit));
    m_plot->xAxis->setLabel(dimension);
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (const SweepPoint& point : points) ticker->addTick(double(point.value), QString::number(point.value));
    m_plot->xAxis->setTicker(ticker);
    m_plot->rescaleAxes();
    m_plot->xAxis->scaleRange(1.1);
    m_plot->yAxis->setRangeLower(0.0);
    m_plot->yAxis2->setRangeLower(0.0);
    m_plot->yAxis->scaleRange(1.1, m_plot->yAxis->range().lower);
    m_plot->yAxis2->scaleRange(1.1, m_plot->yAxis2->range().lower);
    m_title->setText(tr("Latency and throughput against %1 (%n shape(s))", nullptr, int(points.size())).arg(dimension));
    m_plot->replot();
}

void ShapeSweepView::clear() {
    m_points.clear();
    m_plot->graph(0)->data()->clear();
    m_plot->graph(1)->data()->clear();
    m_title->setText(tr("Sweep a dimension of an engine built for a range of shapes to see its latency and "
                        "throughput against it."));
    m_plot->replot();
}

}  // namespace kiln::views

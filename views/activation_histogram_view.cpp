// Drawing of an activation histogram and its threshold; see activation_histogram_view.h.
#include "activation_histogram_view.h"

#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <limits>
#include <qcustomplot.h>

namespace kiln::views {

namespace {

// More bars than this would be narrower than a pixel or two in a dock; neighbouring bins are merged.
constexpr int kMaxDisplayedBins = 256;
// Bars start below one count, so that a bin holding a single value still shows on the log axis.
constexpr double kCountFloor = 0.5;

const QColor kKeptColor(70, 130, 180);
const QColor kClippedColor(230, 120, 20);
const QColor kThresholdColor(198, 40, 40);

}  // namespace

ActivationHistogramView::ActivationHistogramView(QWidget* parent) : QWidget(parent) {
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("activationHistogramPlot"));
    m_plot->setMinimumHeight(160);

    m_plot->plotLayout()->insertRow(0);
    m_title = new QCPTextElement(m_plot, QString());
    QFont titleFont = font();
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_plot->plotLayout()->addElement(0, 0, m_title);

    m_plot->xAxis->setLabel(tr("|x|"));
    m_plot->yAxis->setLabel(tr("values (log scale)"));
    m_plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
    m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    m_plot->yAxis->setNumberFormat(QStringLiteral("eb"));
    m_plot->yAxis->setNumberPrecision(0);

    m_kept = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    m_kept->setName(tr("within the threshold"));
    m_kept->setPen(Qt::NoPen);
    m_kept->setBrush(kKeptColor);
    m_kept->setBaseValue(kCountFloor);
    m_clipped = new QCPBars(m_plot->xAxis, m_plot->yAxis);
    m_clipped->setName(tr("clipped (saturate in INT8)"));
    m_clipped->setPen(Qt::NoPen);
    m_clipped->setBrush(kClippedColor);
    m_clipped->setBaseValue(kCountFloor);
    m_clipped->moveAbove(m_kept);

    m_line = new QCPItemStraightLine(m_plot);
    m_line->setPen(QPen(kThresholdColor, 2, Qt::DashLine));
    m_lineLabel = new QCPItemText(m_plot);
    m_lineLabel->position->setTypeX(QCPItemPosition::ptPlotCoords);
    m_lineLabel->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    m_lineLabel->setColor(kThresholdColor);
    m_lineLabel->setPadding(QMargins(4, 2, 4, 2));
    m_lineLabel->setBrush(QColor(255, 255, 255, 220));

    m_message = new QCPItemText(m_plot);
    m_message->position->setType(QCPItemPosition::ptAxisRectRatio);
    m_message->position->setCoords(0.5, 0.5);
    m_message->setPositionAlignment(Qt::AlignCenter);
    m_message->setColor(QColor(0x61, 0x61, 0x61));

    m_plot->legend->setVisible(true);
    m_plot->legend->setBrush(QColor(255, 255, 255, 220));
    m_plot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_plot);
    clear();
}

void ActivationHistogramView::setHistogram(const QString& tensor, const ActivationHistogram& histogram,
                                           double threshold, const QString& algorithm) {
    m_tensor = tensor;
    m_messageText.clear();
    m_message->setVisible(false);
    const int bins = int(histogram.counts.size());
    const int merge = std::max(1, (bins + kMaxDisplayedBins - 1) / kMaxDisplayedBins);
    const double width = histogram.binWidth() * merge;
    m_displayedBins = (bins + merge - 1) / merge;
    // Each calibration bin goes to the kept or the clipped bar of its display bin by where it starts,
    // so the orange bars are exactly the values the threshold saturates.
    std::vector<double> kept(size_t(m_displayedBins), 0.0);
    std::vector<double> clipped(size_t(m_displayedBins), 0.0);
    for (int bin = 0; bin < bins; ++bin) {
        const bool beyond = threshold > 0.0 && double(bin) * histogram.binWidth() >= threshold * (1.0 - 1e-12);
        (beyond ? clipped : kept)[size_t(bin / merge)] += histogram.counts[size_t(bin)];
    }
    QVector<double> keptKeys, keptCounts, clippedKeys, clippedCounts;
    double highest = 1.0;
    for (int k = 0; k < m_displayedBins; ++k) {
        const double centre = (k + 0.5) * width;
        if (kept[size_t(k)] > 0.0) {
            keptKeys << centre;
            keptCounts << kept[size_t(k)];
        }
        if (clipped[size_t(k)] > 0.0) {
            clippedKeys << centre;
            clippedCounts << clipped[size_t(k)];
        }
        highest = std::max(highest, kept[size_t(k)] + clipped[size_t(k)]);
    }
    m_kept->setWidth(width);
    m_clipped->setWidth(width);
    m_kept->setData(keptKeys, keptCounts, true);
    m_clipped->setData(clippedKeys, clippedCounts, true);
    m_clipped->removeFromLegend();
    if (!clippedKeys.isEmpty()) m_clipped->addToLegend();

    const double right = std::max({histogram.maxAbs, threshold, 1e-30}) * 1.04;
    m_plot->xAxis->setRange(0.0, right);
    m_plot->yAxis->setRange(kCountFloor, highest * 3.0);

    const bool line = threshold > 0.0 && std::isfinite(threshold);
    m_line->setVisible(line);
    m_lineLabel->setVisible(line);
    if (line) {
        m_line->point1->setCoords(threshold, 1.0);
        m_line->point2->setCoords(threshold, 10.0);
        m_lineLabel->setText(tr("threshold %1 (%2)").arg(QString::number(threshold, 'g', 5), algorithm));
        // The label hangs to the side of the line with room for it.
        const bool leftOfLine = threshold > right * 0.6;
        m_lineLabel->setPositionAlignment((leftOfLine ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignTop);
        m_lineLabel->position->setCoords(threshold, 0.2);  // below the legend in the top right corner
    }
    m_title->setText(tr("|x| of %1 over the calibration data").arg(tensor));
    m_hasHistogram = true;
    m_plot->replot();
}

void ActivationHistogramView::showMessage(const QString& text) {
    m_hasHistogram = false;
    m_tensor.clear();
    m_messageText = text;
    m_displayedBins = 0;
    m_kept->data()->clear();
    m_clipped->data()->clear();
    m_clipped->removeFromLegend();
    m_line->setVisible(false);
    m_lineLabel->setVisible(false);
    m_title->setText(QString());
    m_message->setText(text);
    m_message->setVisible(!text.isEmpty());
    m_plot->xAxis->setRange(0.0, 1.0);
    m_plot->yAxis->setRange(1.0, 10.0);
    m_plot->replot();
}

void ActivationHistogramView::clear() {
    showMessage(tr("Calibrate, then pick a tensor in the table to see its histogram."));
}

double ActivationHistogramView::thresholdLineX() const {
    return m_line->visible() ? m_line->point1->coords().x() : std::numeric_limits<double>::quiet_NaN();
}

bool ActivationHistogramView::isCountAxisLogarithmic() const {
    return m_plot->yAxis->scaleType() == QCPAxis::stLogarithmic;
}

}  // namespace kiln::views

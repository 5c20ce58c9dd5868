// The precision comparison's charts and table; see precision_view.h. Everything here is proportional to
// the number of tensors (hundreds), so it runs on the GUI thread; the builds and runs happen elsewhere.
#include "precision_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <qcustomplot.h>

#include "bar_rows.h"
#include "row_pick.h"
#include "table_roles.h"

namespace kiln::views {

namespace {


const QColor kErrorColor(70, 130, 180);
const QColor kOverflowColor(198, 40, 40);
const QColor kOtherColor(176, 190, 197);
const QColor kReferenceColor(0x9f, 0xa8, 0xda);
const QColor kReducedColor(0x80, 0xcb, 0xc4);

QString formatMs(double milliseconds) {
    return PrecisionView::tr("%1 ms").arg(milliseconds, 0, 'f', milliseconds < 10 ? 3 : 1);
}

}  // namespace

PrecisionView::PrecisionView(QWidget* parent) : QWidget(parent) {
    m_precisionBox = new QComboBox;
    m_precisionBox->setObjectName(QStringLiteral("shownPrecisionCombo"));
    m_precisionBox->setToolTip(tr("The reduced precision whose errors the chart and the table show"));
    m_metricBox = new QComboBox;
    m_metricBox->setObjectName(QStringLiteral("errorMetricCombo"));
    m_metricBox->addItem(tr("Mean relative error"), int(Metric::MeanRelativeError));
    m_metricBox->addItem(tr("1 − cosine"), int(Metric::OneMinusCosine));
    m_metricBox->setToolTip(tr("What the chart's bars and the graph's colors measure"));
    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("precisionSummary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setWordWrap(true);

    auto* toolbar = new QHBoxLayout;
    toolbar->addWidget(new QLabel(tr("Show:")));
    toolbar->addWidget(m_precisionBox);
    toolbar->addWidget(new QLabel(tr("Error:")));
    toolbar->addWidget(m_metricBox);
    toolbar->addWidget(m_summary, 1);

    m_errorChart = new QCustomPlot;
    m_errorChart->setObjectName(QStringLiteral("precisionErrorChart"));
    m_errorChart->setMinimumHeight(160);
    m_errorChart->setInteractions(QCP::iSelectPlottables);
    // Horizontal bars, each layer's name level with its bar, as many as the height shows readably.
    m_errorChart->xAxis->setScaleType(QCPAxis::stLogarithmic);
    m_errorChart->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    m_errorChart->xAxis->setNumberFormat(QStringLiteral("eb"));
    m_errorChart->xAxis->setNumberPrecision(0);
    m_errorChart->yAxis->setRangeReversed(true);
    m_errorChart->yAxis->setTickLength(0, 0);
    m_errorChart->yAxis->setSubTicks(false);
    m_errorChart->yAxis->grid()->setVisible(false);
    m_errorChart->installEventFilter(this);
    m_errorBars = new QCPBars(m_errorChart->yAxis, m_errorChart->xAxis);
    m_errorBars->setName(tr("error"));
    m_errorBars->setWidth(0.75);
    m_errorBars->setPen(Qt::NoPen);
    m_errorBars->setBrush(kErrorColor);
    m_errorBars->setSelectable(QCP::stSingleData);
    m_errorBars->selectionDecorator()->setBrush(QColor(230, 120, 20));
    m_overflowBars = new QCPBars(m_errorChart->yAxis, m_errorChart->xAxis);
    m_overflowBars->setName(tr("NaN or overflow"));
    m_overflowBars->setWidth(0.75);
    m_overflowBars->setPen(Qt::NoPen);
    m_overflowBars->setBrush(kOverflowColor);
    m_overflowBars->setSelectable(QCP::stSingleData);
    m_otherErrorBar = new QCPBars(m_errorChart->yAxis, m_errorChart->xAxis);
    m_otherErrorBar->setWidth(0.75);
    m_otherErrorBar->setPen(Qt::NoPen);
    m_otherErrorBar->setBrush(kOtherColor);
    m_otherErrorBar->setSelectable(QCP::stNone);
    m_otherErrorBar->removeFromLegend();
    m_errorChart->legend->setBrush(QColor(255, 255, 255, 220));
    m_errorChart->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    connect(m_errorChart, &QCustomPlot::plottableClick, this,
            [this](QCPAbstractPlottable* plottable, int dataIndex, QMouseEvent*) {
                if (plottable != m_errorBars && plottable != m_overflowBars) return;
                auto* bars = static_cast<QCPBars*>(plottable);
                if (dataIndex < 0 || dataIndex >= bars->dataCount()) return;
                const int position = int(std::lround(bars->data()->at(dataIndex)->key)) - 1;
                if (position >= 0 && position < m_chartLayers.size()) emit layerSelected(m_chartLayers[position]);
            });

    m_latencyChart = new QCustomPlot;
    m_latencyChart->setObjectName(QStringLiteral("precisionLatencyChart"));
    m_latencyChart->setMinimumWidth(200);
    m_latencyChart->yAxis->setLabel(tr("median latency (ms)"));
    // The reference in its own color, so that the eye finds the bar the others are measured against.
    m_referenceBar = new QCPBars(m_latencyChart->xAxis, m_latencyChart->yAxis);
    m_referenceBar->setWidth(0.6);
    m_referenceBar->setPen(Qt::NoPen);
    m_referenceBar->setBrush(kReferenceColor);
    m_latencyBars = new QCPBars(m_latencyChart->xAxis, m_latencyChart->yAxis);
    m_latencyBars->setWidth(0.6);
    m_latencyBars->setPen(Qt::NoPen);
    m_latencyBars->setBrush(kReducedColor);

    m_model = new PrecisionErrorModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(SortRole);
    m_table = new QTableView;
    m_table->setObjectName(QStringLiteral("precisionErrorTable"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    QHeaderView* header = m_table->horizontalHeader();
    header->setStretchLastSection(true);
    header->setHighlightSections(false);
    header->resizeSection(PrecisionErrorModel::IndexColumn, 40);
    header->resizeSection(PrecisionErrorModel::TensorColumn, 200);
    header->resizeSection(PrecisionErrorModel::LayerColumn, 220);
    onRowPicked(m_table, [this](const QModelIndex& index) {
        if (const TensorError* error = m_model->errorAt(m_proxy->mapToSource(index).row())) {
            emit layerSelected(QString::fromStdString(error->layer));
        }
    });

    auto* charts = new QSplitter(Qt::Horizontal);
    charts->setChildrenCollapsible(false);
    charts->addWidget(m_errorChart);
    charts->addWidget(m_latencyChart);
    charts->setStretchFactor(0, 4);
    charts->setStretchFactor(1, 1);
    auto* splitter = new QSplitter(Qt::Vertical);
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(charts);
    splitter->addWidget(m_table);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(toolbar);
    layout->addWidget(splitter, 1);

    connect(m_precisionBox, &QComboBox::currentIndexChanged, this, [this] { showRun(); });
    connect(m_metricBox, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_metric = Metric(m_metricBox->itemData(index).toInt());
        rebuildErrorChart();
        emit shownErrorsChanged();
    });
    clear();
}

QString PrecisionView::metricName(Metric metric) {
    return metric == Metric::OneMinusCosine ? tr("1 − cosine") : tr("mean relative error");
}

double PrecisionView::errorValue(const TensorError& error, Metric metric) {
    if (error.nonFinite) return std::numeric_limits<double>::infinity();
    if (metric == Metric::OneMinusCosine) return std::max(0.0, 1.0 - error.cosineSimilarity);
    return error.meanRelativeError;
}

void PrecisionView::setComparison(const PrecisionComparison& comparison) {
    m_comparison = comparison;
    const QString previous = m_precisionBox->currentText();
    {
        const QSignalBlocker blocker(m_precisionBox);
        m_precisionBox->clear();
        for (size_t i = 1; i < m_comparison.runs.size(); ++i) m_precisionBox->addItem(m_comparison.runs[i].precision);
        // Keep looking at the precision the user looked at, when the new comparison has it.
        m_precisionBox->setCurrentIndex(std::max(0, m_precisionBox->findText(previous)));
    }
    m_precisionBox->setEnabled(m_precisionBox->count() > 1);
    rebuildLatencyChart();
    showRun();
}

void PrecisionView::clear() {
    setComparison({});
}

bool PrecisionView::setShownPrecision(const QString& precision) {
    const int index = m_precisionBox->findText(precision);
    if (index < 0) return false;
    m_precisionBox->setCurrentIndex(index);
    return true;
}

QString PrecisionView::shownPrecision() const {
    return m_precisionBox->currentText();
}

void PrecisionView::setMetric(Metric metric) {
    m_metricBox->setCurrentIndex(std::max(0, m_metricBox->findData(int(metric))));
}

const PrecisionRunResult* PrecisionView::shownRun() const {
    const int index = m_precisionBox->currentIndex();
    if (index < 0 || size_t(index) + 1 >= m_comparison.runs.size()) return nullptr;
    return &m_comparison.runs[size_t(index) + 1];
}

QHash<QString, double> PrecisionView::layerErrors() const {
    QHash<QString, double> errors;
    const PrecisionRunResult* run = shownRun();
    if (!run) return errors;
    for (const TensorError& error : run->errors) {
        if (error.layer.empty()) continue;
        const QString layer = QString::fromStdString(error.layer);
        const double value = errorValue(error, m_metric);
        const auto it = errors.constFind(layer);
        if (it == errors.constEnd() || value > *it) errors.insert(layer, value);
    }
    return errors;
}

QHash<QString, double> PrecisionView::nodeErrors() const {
    QHash<QString, double> errors;
    const PrecisionRunResult* run = shownRun();
    if (!run) return errors;
    for (const TensorError& error : run->errors) {
        const double value = errorValue(error, m_metric);
        for (const std::string& node : error.nodes) {
            const QString name = QString::fromStdString(node);
            const auto it = errors.constFind(name);
            if (it == errors.constEnd() || value > *it) errors.insert(name, value);
        }
    }
    return errors;
}

QStringList PrecisionView::latencyPrecisions() const {
    QStringList names;
    for (const PrecisionRunResult& run : m_comparison.runs) names << run.precision;
    return names;
}

QVector<double> PrecisionView::latencyValues() const {
    QVector<double> values;
    for (const PrecisionRunResult& run : m_comparison.runs) values << run.medianMilliseconds;
    return values;
}

void PrecisionView::showRun() {
    const PrecisionRunResult* run = shownRun();
    m_model->setErrors(run ? run->errors : std::vector<TensorError>{});
    m_table->resizeColumnToContents(PrecisionErrorModel::MaxAbsoluteColumn);
    m_table->resizeColumnToContents(PrecisionErrorModel::MeanRelativeColumn);
    m_table->resizeColumnToContents(PrecisionErrorModel::CosineColumn);
    rebuildErrorChart();
    updateSummary();
    emit shownErrorsChanged();
}

int PrecisionView::errorBarCapacity() const {
    return horizontalBarCapacity(m_errorChart->yAxis->tickLabelFont(),
                                 m_errorChart->isVisible() ? m_errorChart->height() : kHiddenChartHeight);
}

bool PrecisionView::eventFilter(QObject* watched, QEvent* event) {
    // A new height may fit more or fewer bars; the chart replots itself after this.
    if (watched == m_errorChart && event->type() == QEvent::Resize &&
        (errorBarCapacity() != m_errorBarCapacity || m_errorChart->width() != m_errorLabelWidth)) {
        rebuildErrorChart();
    }
    return QWidget::eventFilter(watched, event);
}

void PrecisionView::rebuildErrorChart() {
    m_chartLayers.clear();
    m_chartValues.clear();
    // Layers in the compared engine's network order, each with its worst tensor.
    QStringList layers;
    QVector<double> layerValues;
    if (const PrecisionRunResult* run = shownRun()) {
        for (const TensorError& error : run->errors) {
            const QString layer = error.layer.empty() ? QString::fromStdString(error.tensor) : QString::fromStdString(error.layer);
            const double value = errorValue(error, m_metric);
            const int position = int(layers.indexOf(layer));
            if (position < 0) {
                layers << layer;
                layerValues << value;
            } else {
                layerValues[position] = std::max(layerValues[position], value);
            }
        }
    }
    // The largest errors get a bar each (overflows first), in network order; when they do not all fit,
    // the last bar stands for the rest, as long as the largest of them.
    m_errorBarCapacity = errorBarCapacity();
    // The names are shortened to the chart's width; the table shows them whole.
    m_errorLabelWidth = m_errorChart->isVisible() ? m_errorChart->width() : kHiddenChartWidth;
    std::vector<int> largestFirst(size_t(layers.size()));
    std::iota(largestFirst.begin(), largestFirst.end(), 0);
    std::stable_sort(largestFirst.begin(), largestFirst.end(), [&](int a, int b) {
        const double x = std::isnan(layerValues[a]) ? -1.0 : layerValues[a];
        const double y = std::isnan(layerValues[b]) ? -1.0 : layerValues[b];
        return x > y;
    });
    const size_t own = largestFirst.size() <= size_t(m_errorBarCapacity) ? largestFirst.size()
                                                                           : size_t(m_errorBarCapacity - 1);
    std::vector<int> shown(largestFirst.begin(), largestFirst.begin() + std::ptrdiff_t(own));
    std::sort(shown.begin(), shown.end());
    for (int index : shown) {
        m_chartLayers << layers[index];
        m_chartValues << layerValues[index];
    }
    m_chartOtherLayers = int(largestFirst.size() - own);
    double otherValue = 0.0;
    for (size_t i = own; i < largestFirst.size(); ++i) {
        const double value = layerValues[largestFirst[i]];
        if (std::isfinite(value)) otherValue = std::max(otherValue, value);
    }
    // A log axis has no zero: exact layers stand at a floor a decade below the smallest error, and
    // overflowed ones reach a decade above the largest.
    double smallest = std::numeric_limits<double>::infinity();
    double largest = 0.0;
    for (double value : m_chartValues) {
        if (value > 0.0 && std::isfinite(value)) {
            smallest = std::min(smallest, value);
            largest = std::max(largest, value);
        }
    }
    if (!std::isfinite(smallest)) {
        smallest = 1e-7;
        largest = 1e-6;
    }
    const double floor = smallest / 10.0;
    const double ceiling = std::max(largest * 10.0, smallest * 100.0);
    QVector<double> keys, values, overflowKeys, overflowValues;
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (int position = 0; position < m_chartLayers.size(); ++position) {
        const double value = m_chartValues[position];
        const double key = double(position + 1);
        if (std::isfinite(value)) {
            keys << key;
            values << std::max(value, floor);
        } else {
            overflowKeys << key;
            overflowValues << ceiling;
        }
        ticker->addTick(key, horizontalBarLabel(m_errorChart->yAxis->tickLabelFont(), m_chartLayers[position], m_errorLabelWidth));
    }
    const double otherKey = double(m_chartLayers.size() + 1);
    m_otherErrorBar->setBaseValue(floor);
    if (m_chartOtherLayers > 0) {
        m_otherErrorBar->setData({otherKey}, {std::max(otherValue, floor)}, true);
        ticker->addTick(otherKey, tr("other (%n layer(s))", nullptr, m_chartOtherLayers));
    } else {
        m_otherErrorBar->data()->clear();
    }
    m_errorBars->setBaseValue(floor);
    m_overflowBars->setBaseValue(floor);
    m_errorBars->setData(keys, values, true);
    m_overflowBars->setData(overflowKeys, overflowValues, true);
    m_errorChart->legend->setVisible(!overflowKeys.isEmpty());
    m_errorChart->yAxis->setTicker(ticker);
    const qsizetype barCount = m_chartLayers.size() + (m_chartOtherLayers > 0 ? 1 : 0);
    m_errorChart->yAxis->setRange(0.4, double(std::max<qsizetype>(barCount, 1)) + 0.6);
    m_errorChart->xAxis->setRange(floor, ceiling * 1.5);
    m_errorChart->xAxis->setLabel(metricName(m_metric));
    m_errorChart->clearItems();
    if (m_chartLayers.isEmpty()) {
        auto* hint = new QCPItemText(m_errorChart);
        hint->position->setType(QCPItemPosition::ptAxisRectRatio);
        hint->position->setCoords(0.5, 0.5);
        hint->setText(tr("Compare precisions to see each layer's error against FP32."));
        hint->setColor(palette().color(QPalette::PlaceholderText));
    }
    m_errorChart->replot();
}

void PrecisionView::rebuildLatencyChart() {
    QVector<double> keys, values, referenceKeys, referenceValues;
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    double highest = 0.0;
    m_latencyChart->clearItems();
    const double reference = m_comparison.runs.empty() ? 0.0 : m_comparison.runs.front().medianMilliseconds;
    for (size_t i = 0; i < m_comparison.runs.size(); ++i) {
        const PrecisionRunResult& run = m_comparison.runs[i];
        (i == 0 ? referenceKeys : keys) << double(i + 1);
        (i == 0 ? referenceValues : values) << run.medianMilliseconds;
        ticker->addTick(double(i + 1), run.precision);
        highest = std::max(highest, run.medianMilliseconds);
    }
    m_referenceBar->setData(referenceKeys, referenceValues, true);
    m_latencyBars->setData(keys, values, true);
    m_latencyChart->xAxis->setTicker(ticker);
    m_latencyChart->xAxis->setRange(0.4, double(std::max<size_t>(m_comparison.runs.size(), 1)) + 0.6);
    m_latencyChart->yAxis->setRange(0.0, highest > 0.0 ? highest * 1.35 : 1.0);
    for (size_t i = 0; i < m_comparison.runs.size(); ++i) {
        const PrecisionRunResult& run = m_comparison.runs[i];
        auto* label = new QCPItemText(m_latencyChart);
        label->position->setCoords(double(i + 1), run.medianMilliseconds);
        label->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
        label->setText(i == 0 || run.medianMilliseconds <= 0.0
                           ? formatMs(run.medianMilliseconds)
                           : tr("%1\n%2×").arg(formatMs(run.medianMilliseconds))
                                 .arg(reference / run.medianMilliseconds, 0, 'f', 2));
    }
    if (m_comparison.runs.empty()) {
        auto* hint = new QCPItemText(m_latencyChart);
        hint->position->setType(QCPItemPosition::ptAxisRectRatio);
        hint->position->setCoords(0.5, 0.5);
        hint->setText(tr("Latency per precision"));
        hint->setColor(palette().color(QPalette::PlaceholderText));
    }
    m_latencyChart->yAxis->setLabel(m_comparison.latencyRuns > 0
                                        ? tr("median of %n run(s) (ms)", nullptr, m_comparison.latencyRuns)
                                        : tr("median latency (ms)"));
    m_latencyChart->replot();
}

void PrecisionView::updateSummary() {
    m_summary->setText(summaryText());
}

QString PrecisionView::summaryText() const {
    const PrecisionRunResult* run = shownRun();
    if (!run) return m_comparison.runs.empty() ? tr("No comparison yet.") : tr("Only the reference was run.");
    const TensorError* worstOutput = nullptr;
    for (const TensorError& error : run->errors) {
        if (!error.isNetworkOutput) continue;
        if (!worstOutput || errorValue(error, Metric::OneMinusCosine) > errorValue(*worstOutput, Metric::OneMinusCosine))
            worstOutput = &error;
    }
    QString text = tr("%1 against %2: %n tensor(s) compared", nullptr, int(run->errors.size()))
                       .arg(run->precision, m_comparison.runs.front().precision);
    if (worstOutput) {
        text += tr("; output %1: cosine %2, mean rel err %3")
                    .arg(QString::fromStdString(worstOutput->tensor),
                         worstOutput->nonFinite ? PrecisionErrorModel::formatNumber(worstOutput->cosineSimilarity)
                                                : QString::number(worstOutput->cosineSimilarity, 'f', 8),
                         PrecisionErrorModel::formatNumber(errorValue(*worstOutput, Metric::MeanRelativeError)));
    }
    if (!run->note.isEmpty()) text += tr(" (%1)").arg(run->note);
    return text;
}

}  // namespace kiln::views

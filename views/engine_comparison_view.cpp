// The comparison view's widgets, the group selection they share and the exports; see
// engine_comparison_view.h. Everything here is proportional to the number of layers, so it runs on the
// GUI thread; building and profiling the engines is the workbench's.
#include "engine_comparison_view.h"

#include <qcustomplot.h>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QResizeEvent>
#include <QSaveFile>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <functional>

#include "comparison_table_model.h"
#include "graph_view.h"
#include "kiln/file_writing.h"
#include "row_pick.h"
#include "table_roles.h"

namespace kiln::views {

namespace {

const QColor kColorA(31, 119, 180);
const QColor kColorB(255, 127, 14);
// Names longer than this are shortened in the chart's labels; the table and tooltips show them whole.
constexpr int kLabelLength = 38;
constexpr int kMinimumBars = 4;

QString elideMiddle(const QString& text, int length) {
    if (text.size() <= length) return text;
    const int head = (length - 1) / 2;
    return text.left(head) + QChar(0x2026) + text.right(length - 1 - head);
}

// A group's name in the chart: its layers' names where they fit, else its first model node and how many
// more it has ("/layer4/layer4.1/conv1/Conv (+1)"), which says more than the middle of a long fused name.
QString groupLabel(const LayerGroupComparison& group) {
    const QString layers =
        ComparisonTableModel::layersText(group.layersA.empty() ? group.layersB : group.layersA);
    if (layers.size() <= kLabelLength || group.nodes.empty()) return elideMiddle(layers, kLabelLength);
    const QString more =
        group.nodes.size() > 1 ? QStringLiteral(" (+%1)").arg(group.nodes.size() - 1) : QString();
    return elideMiddle(QString::fromStdString(group.nodes.front()), kLabelLength - int(more.size())) + more;
}

QString bytesText(int64_t bytes) {
    return QLocale().formattedDataSize(bytes, 1, QLocale::DataSizeTraditionalFormat);
}

QString ratioText(double a, double b) {
    return a > 0.0 ? QStringLiteral("%1").arg(b / a, 0, 'f', 2) : QStringLiteral("—");
}

QTableWidgetItem* cell(const QString& text) {
    auto* item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

QStringList namesOf(const std::vector<std::string>& layers) {
    QStringList names;
    for (const std::string& layer : layers)
        names << QString::fromStdString(layer);
    return names;
}

bool writePng(const QPixmap& pixmap, const QString& path, QString* error) {
    QSaveFile file(path);
    const auto fail = [&](const QString& reason) {
        if (error) {
            *error = EngineComparisonView::tr("Could not write \"%1\": %2")
                         .arg(QDir::toNativeSeparators(path), reason);
        }
        return false;
    };
    if (pixmap.isNull()) return fail(EngineComparisonView::tr("there is nothing to draw"));
    if (!file.open(QIODevice::WriteOnly)) return fail(file.errorString());
    if (!pixmap.save(&file, "PNG")) {
        file.cancelWriting();
        return fail(EngineComparisonView::tr("encoding failed"));
    }
    if (!file.commit()) return fail(file.errorString());
    return true;
}

}  // namespace

EngineComparisonView::EngineComparisonView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    // Summary and chart above; the group table and the two graphs below, side by side.
    auto* rows = new QSplitter(Qt::Vertical);
    rows->setObjectName(QStringLiteral("comparisonSplitter"));
    layout->addWidget(rows);
    auto* top = new QSplitter(Qt::Horizontal);
    auto* bottom = new QSplitter(Qt::Horizontal);
    rows->addWidget(top);
    rows->addWidget(bottom);

    m_summary = new QTableWidget(SummaryRowCount, 3);
    m_summary->setObjectName(QStringLiteral("comparisonSummary"));
    m_summary->setHorizontalHeaderLabels({tr("A"), tr("B"), tr("B/A")});
    m_summary->setVerticalHeaderLabels({tr("Latency (median ms)"), tr("Executed layers"), tr("Elided layers"),
                                        tr("Activation memory"), tr("Weights")});
    m_summary->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_summary->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_summary->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_summary->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_summary->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_summary->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    auto* summaryBox = new QWidget;
    auto* summaryLayout = new QVBoxLayout(summaryBox);
    summaryLayout->setContentsMargins(0, 0, 0, 0);
    summaryLayout->addWidget(m_summary);
    summaryLayout->addStretch(1);
    top->addWidget(summaryBox);

    auto* chartBox = new QWidget;
    auto* chartLayout = new QVBoxLayout(chartBox);
    chartLayout->setContentsMargins(0, 0, 0, 0);
    auto* chartBar = new QHBoxLayout;
    chartBar->addWidget(new QLabel(tr("Chart:")));
    m_chartModeBox = new QComboBox;
    m_chartModeBox->setObjectName(QStringLiteral("chartModeBox"));
    m_chartModeBox->addItem(tr("A and B side by side"));
    m_chartModeBox->addItem(tr("Difference (B − A)"));
    chartBar->addWidget(m_chartModeBox);
    chartBar->addStretch(1);
    chartLayout->addLayout(chartBar);
    m_chart = new QCustomPlot;
    m_chart->setObjectName(QStringLiteral("comparisonChart"));
    m_chart->setMinimumHeight(160);
    m_chart->setInteractions(QCP::iSelectPlottables);
    m_chart->yAxis->setRangeReversed(true);  // the largest group on top
    m_chart->yAxis->setTickLength(0, 0);
    m_chart->yAxis->setSubTickLength(0, 0);
    m_chart->yAxis->grid()->setVisible(false);
    m_barsA = new QCPBars(m_chart->yAxis, m_chart->xAxis);
    m_barsB = new QCPBars(m_chart->yAxis, m_chart->xAxis);
    for (QCPBars* bars : {m_barsA, m_barsB}) {
        const QColor color = bars == m_barsA ? kColorA : kColorB;
        bars->setPen(Qt::NoPen);
        bars->setBrush(color);
        bars->setSelectable(QCP::stSingleData);
        bars->selectionDecorator()->setBrush(color.darker(150));
        bars->selectionDecorator()->setPen(QPen(Qt::black, 1.5));
    }
    m_otherText = new QCPItemText(m_chart);
    m_otherText->setObjectName(QStringLiteral("otherValues"));
    m_otherText->setPositionAlignment(Qt::AlignRight | Qt::AlignVCenter);
    m_otherText->setPadding(QMargins(4, 1, 4, 1));
    m_otherText->setBrush(QColor(255, 255, 255, 220));
    m_otherText->setClipToAxisRect(true);
    m_barsGroup = new QCPBarsGroup(m_chart);
    m_barsGroup->setSpacingType(QCPBarsGroup::stAbsolute);
    m_barsGroup->setSpacing(1);
    // The legend in a row of its own above the bars, where it covers none of them.
    m_chart->legend->setVisible(true);
    m_chart->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    m_chart->legend->setBorderPen(Qt::NoPen);
    m_chart->plotLayout()->insertRow(0);
    m_chart->plotLayout()->addElement(0, 0, m_chart->legend);
    m_chart->plotLayout()->setRowStretchFactor(0, 0.001);
    m_chart->installEventFilter(this);
    chartLayout->addWidget(m_chart, 1);
    top->addWidget(chartBox);

    m_model = new ComparisonTableModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(SortRole);
    m_table = new QTableView;
    m_table->setObjectName(QStringLiteral("comparisonTable"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle);
    QHeaderView* header = m_table->horizontalHeader();
    header->setStretchLastSection(true);
    header->resizeSection(ComparisonTableModel::GroupColumn, 44);
    header->resizeSection(ComparisonTableModel::LayersAColumn, 160);
    header->resizeSection(ComparisonTableModel::LayersBColumn, 160);
    for (int column : {ComparisonTableModel::TimeAColumn, ComparisonTableModel::TimeBColumn,
                       ComparisonTableModel::DifferenceColumn, ComparisonTableModel::RatioColumn}) {
        header->resizeSection(column, column == ComparisonTableModel::RatioColumn ? 124 : 78);
    }
    header->resizeSection(ComparisonTableModel::TacticColumn, 180);
    header->setSortIndicator(ComparisonTableModel::GroupColumn, Qt::AscendingOrder);
    bottom->addWidget(m_table);

    for (Side side : {Side::A, Side::B}) {
        auto* box = new QWidget;
        auto* boxLayout = new QVBoxLayout(box);
        boxLayout->setContentsMargins(0, 0, 0, 0);
        auto* title = new QLabel;
        // Long names are cut at the pane's edge (the tooltip has them whole) instead of widening it.
        title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
        title->setObjectName(side == Side::A ? QStringLiteral("graphTitleA") : QStringLiteral("graphTitleB"));
        title->setTextFormat(Qt::PlainText);
        QFont font = title->font();
        font.setBold(true);
        title->setFont(font);
        auto* graph = new GraphView;
        graph->setObjectName(side == Side::A ? QStringLiteral("graphA") : QStringLiteral("graphB"));
        graph->setPlaceholderText(tr("Compare two engines to see their graphs."));
        boxLayout->addWidget(title);
        boxLayout->addWidget(graph, 1);
        bottom->addWidget(box);
        (side == Side::A ? m_titleA : m_titleB) = title;
        (side == Side::A ? m_graphA : m_graphB) = graph;
        connect(graph, &GraphView::layerActivated, this,
                [this, side](const QString& name) { onGraphLayerActivated(side, name); });
    }
    // Proportions, scaled to the width the splitters get: the table's columns would otherwise claim it all.
    bottom->setSizes({460, 270, 270});
    top->setSizes({300, 700});
    rows->setSizes({440, 560});

    connect(m_chartModeBox, &QComboBox::currentIndexChanged, this,
            [this](int index) { setChartMode(index == 1 ? ChartMode::Difference : ChartMode::SideBySide); });
    connect(m_chart, &QCustomPlot::plottableClick, this,
            [this](QCPAbstractPlottable* plottable, int dataIndex, QMouseEvent*) {
                auto* bars = qobject_cast<QCPBars*>(plottable);
                if (!bars || dataIndex < 0 || dataIndex >= bars->data()->size()) return;
                onBarClicked(int(std::lround((bars->data()->constBegin() + dataIndex)->key)) - 1);
            });
    m_chart->setMouseTracking(true);
    connect(m_chart, &QCustomPlot::mouseMove, this, [this](QMouseEvent* event) {
        const QString text = chartToolTipAt(event->position().toPoint());
        if (text.isEmpty()) {
            QToolTip::hideText();
        } else {
            QToolTip::showText(event->globalPosition().toPoint(), text, m_chart);
        }
    });
    onRowPicked(m_table, [this](const QModelIndex& index) {
        if (m_highlighting || !index.isValid()) return;
        pickGroup(index.data(ComparisonTableModel::GroupRole).toInt());
    });
    clear();
}

const EngineComparison& EngineComparisonView::comparison() const {
    return m_model->comparison();
}

void EngineComparisonView::clear() {
    m_hasComparison = false;
    m_model->setComparison({});
    m_groupOfA.clear();
    m_groupOfB.clear();
    m_selectedGroup = -1;
    m_nameA.clear();
    m_nameB.clear();
    m_titleA->setText(tr("A"));
    m_titleB->setText(tr("B"));
    m_graphA->clear();
    m_graphB->clear();
    for (int row = 0; row < SummaryRowCount; ++row) {
        for (int column = 0; column < 3; ++column)
            m_summary->setItem(row, column, cell(QStringLiteral("—")));
    }
    fitSummaryHeight();
    rebuildChart();
}

void EngineComparisonView::setComparison(const EngineComparison& comparison,
                                         const std::vector<LayerRecord>& layersA,
                                         const std::vector<LayerRecord>& layersB, const QString& nameA,
                                         const QString& nameB) {
    m_hasComparison = true;
    m_selectedGroup = -1;
    m_nameA = nameA;
    m_nameB = nameB;
    m_model->setComparison(comparison);
    m_groupOfA.clear();
    m_groupOfB.clear();
    for (size_t g = 0; g < comparison.groups.size(); ++g) {
        for (const std::string& layer : comparison.groups[g].layersA)
            m_groupOfA.insert(QString::fromStdString(layer), int(g));
        for (const std::string& layer : comparison.groups[g].layersB)
            m_groupOfB.insert(QString::fromStdString(layer), int(g));
    }
    m_titleA->setText(tr("A: %1").arg(nameA));
    m_titleB->setText(tr("B: %1").arg(nameB));
    m_titleA->setToolTip(nameA);
    m_titleB->setToolTip(nameB);
    m_graphA->setLayers(layersA);
    m_graphB->setLayers(layersB);
    fillSummary();
    rebuildChart();
}

void EngineComparisonView::fillSummary() {
    const EngineSummary& a = comparison().a;
    const EngineSummary& b = comparison().b;
    const auto latency = [](double ms) {
        return ms > 0.0 ? QString::number(ms, 'f', 3) : EngineComparisonView::tr("not measured");
    };
    const QString rows[SummaryRowCount][3] = {
        {latency(a.latencyMs), latency(b.latencyMs), ratioText(a.latencyMs, b.latencyMs)},
        {QString::number(a.executedLayers), QString::number(b.executedLayers),
         ratioText(double(a.executedLayers), double(b.executedLayers))},
        {QString::number(a.elidedLayers), QString::number(b.elidedLayers), QString()},
        {bytesText(a.arenaBytes), bytesText(b.arenaBytes),
         ratioText(double(a.arenaBytes), double(b.arenaBytes))},
        {bytesText(a.weightBytes), bytesText(b.weightBytes),
         ratioText(double(a.weightBytes), double(b.weightBytes))},
    };
    for (int row = 0; row < SummaryRowCount; ++row) {
        for (int column = 0; column < 3; ++column)
            m_summary->setItem(row, column, cell(rows[row][column]));
    }
    m_summary->item(LatencyRow, 2)->setToolTip(tr("B's median latency over A's: above 1, A is faster"));
    m_summary->horizontalHeaderItem(0)->setToolTip(m_nameA);
    m_summary->horizontalHeaderItem(1)->setToolTip(m_nameB);
    fitSummaryHeight();
}

void EngineComparisonView::fitSummaryHeight() {
    m_summary->setFixedHeight(m_summary->horizontalHeader()->sizeHint().height() +
                              m_summary->verticalHeader()->length() + 2 * m_summary->frameWidth());
}

int EngineComparisonView::chartCapacity() const {
    // A and B side by side need two bars of a readable height per group; a difference needs one.
    const int rowHeight = (m_chartMode == ChartMode::SideBySide ? 2 : 1) * fontMetrics().height() + 6;
    const int height = m_chart->height() > 0 ? m_chart->height() : 300;
    return std::max(kMinimumBars, (height - 60) / rowHeight);
}

void EngineComparisonView::rebuildChart() {
    const std::vector<LayerGroupComparison>& groups = comparison().groups;
    m_barsA->data()->clear();
    m_barsB->data()->clear();
    m_chartGroups.clear();
    m_otherCount = 0;

    const bool difference = m_chartMode == ChartMode::Difference;
    std::vector<int> order(groups.size());
    for (size_t i = 0; i < order.size(); ++i)
        order[i] = int(i);
    const auto weight = [&](int g) {
        const LayerGroupComparison& group = groups[size_t(g)];
        return difference ? std::abs(group.millisecondsB - group.millisecondsA)
                          : std::max(group.millisecondsA, group.millisecondsB);
    };
    std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return weight(x) > weight(y); });
    const int capacity = chartCapacity();
    const size_t shown = int(order.size()) <= capacity ? order.size() : size_t(capacity - 1);
    m_chartGroups.assign(order.begin(), order.begin() + long(shown));
    m_otherCount = int(order.size() - shown);

    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    const auto addBar = [&](double key, double a, double b) {
        if (difference) {
            // The bar takes the color of the faster engine.
            (b - a > 0.0 ? m_barsA : m_barsB)->addData(key, b - a);
        } else {
            m_barsA->addData(key, a);
            m_barsB->addData(key, b);
        }
    };
    for (size_t i = 0; i < m_chartGroups.size(); ++i) {
        const LayerGroupComparison& group = groups[size_t(m_chartGroups[i])];
        ticker->addTick(double(i + 1), groupLabel(group));
        addBar(double(i + 1), group.millisecondsA, group.millisecondsB);
    }
    double otherA = 0.0;
    double otherB = 0.0;
    for (size_t i = shown; i < order.size(); ++i) {
        otherA += groups[size_t(order[i])].millisecondsA;
        otherB += groups[size_t(order[i])].millisecondsB;
    }
    if (m_otherCount > 0) {
        // Only shown when it sums two groups or more: with one, that group has the bar.
        ticker->addTick(double(shown + 1), tr("other (%1 groups)").arg(m_otherCount));
        addBar(double(shown + 1), otherA, otherB);
    }
    m_chart->yAxis->setTicker(ticker);
    const int bars = int(shown) + (m_otherCount > 0 ? 1 : 0);
    m_chart->yAxis->setRange(0.4, std::max(bars, 1) + 0.6);

    if (difference) {
        m_barsGroup->clear();
        m_barsA->setWidth(0.7);
        m_barsB->setWidth(0.7);
        m_barsA->setName(tr("A faster (B − A > 0)"));
        m_barsB->setName(tr("B faster (B − A < 0)"));
        m_chart->xAxis->setLabel(tr("B − A, ms per run"));
    } else {
        if (m_barsGroup->isEmpty()) {
            m_barsGroup->append(m_barsA);
            m_barsGroup->append(m_barsB);
        }
        m_barsA->setWidth(0.4);
        m_barsB->setWidth(0.4);
        m_barsA->setName(m_nameA.isEmpty() ? tr("A") : tr("A: %1").arg(elideMiddle(m_nameA, 64)));
        m_barsB->setName(m_nameB.isEmpty() ? tr("B") : tr("B: %1").arg(elideMiddle(m_nameB, 64)));
        m_chart->xAxis->setLabel(tr("ms per run (median)"));
    }
    // The scale fits the groups' own bars; the summed rest would squash them, so where it runs off the scale
    // its values are written beside it.
    double lower = 0.0;
    double upper = 0.0;
    for (QCPBars* bars : {m_barsA, m_barsB}) {
        for (auto it = bars->data()->constBegin(); it != bars->data()->constEnd(); ++it) {
            if (m_otherCount > 0 && it->key > double(shown) + 0.5) continue;
            lower = std::min(lower, it->value);
            upper = std::max(upper, it->value);
        }
    }
    if (upper - lower <= 0.0) upper = 1.0;
    const double margin = upper - lower;
    m_chart->xAxis->setRange(lower - margin * 0.02, upper + margin * 0.05);
    m_otherText->setVisible(false);
    if (m_otherCount > 0) {
        const double a = otherA;
        const double b = otherB;
        const bool offScale = difference ? (b - a > upper || b - a < lower) : std::max(a, b) > upper;
        m_otherText->setText(difference ? tr("%1 ms").arg(b - a, 0, 'f', 3)
                                        : tr("A %1 ms, B %2 ms").arg(a, 0, 'f', 3).arg(b, 0, 'f', 3));
        m_otherText->position->setCoords(m_chart->xAxis->range().upper, double(shown + 1));
        m_otherText->setVisible(offScale);
    }
    selectBar(m_selectedGroup);
}

void EngineComparisonView::selectBar(int group) {
    const auto position = std::find(m_chartGroups.begin(), m_chartGroups.end(), group);
    for (QCPBars* bars : {m_barsA, m_barsB}) {
        QCPDataSelection selection;
        if (group >= 0 && position != m_chartGroups.end()) {
            const double key = double(position - m_chartGroups.begin() + 1);
            const auto data = bars->data()->findBegin(key, false);
            if (data != bars->data()->constEnd() && std::abs(data->key - key) < 0.5) {
                const int index = int(data - bars->data()->constBegin());
                selection = QCPDataSelection(QCPDataRange(index, index + 1));
            }
        }
        bars->setSelection(selection);
    }
    m_chart->replot();
}

QStringList EngineComparisonView::chartLabels() const {
    QStringList labels;
    const auto ticker = m_chart->yAxis->ticker().dynamicCast<QCPAxisTickerText>();
    if (!ticker) return labels;
    for (auto it = ticker->ticks().constBegin(); it != ticker->ticks().constEnd(); ++it)
        labels << it.value();
    return labels;
}

QString EngineComparisonView::chartToolTipAt(const QPoint& position) const {
    if (!m_chart->axisRect()->rect().contains(position)) return {};
    const double key = m_chart->yAxis->pixelToCoord(position.y());
    const long bar = std::lround(key) - 1;
    const int bars = int(m_chartGroups.size()) + (m_otherCount > 0 ? 1 : 0);
    if (bar < 0 || bar >= bars || std::abs(key - double(bar + 1)) > 0.45) return {};
    const auto times = [](double a, double b) {
        return tr("A %1 ms, B %2 ms, B − A %3 ms").arg(a, 0, 'f', 3).arg(b, 0, 'f', 3).arg(b - a, 0, 'f', 3);
    };
    if (size_t(bar) == m_chartGroups.size()) {
        double a = 0.0;
        double b = 0.0;
        for (auto it = m_barsA->data()->constBegin(); it != m_barsA->data()->constEnd(); ++it) {
            if (std::lround(it->key) - 1 == bar) a = it->value;
        }
        for (auto it = m_barsB->data()->constBegin(); it != m_barsB->data()->constEnd(); ++it) {
            if (std::lround(it->key) - 1 == bar) b = it->value;
        }
        if (m_chartMode == ChartMode::Difference) {
            return tr("%1 more groups, summed\nB − A %2 ms").arg(m_otherCount).arg(a + b, 0, 'f', 3);
        }
        return tr("%1 more groups, summed\n%2").arg(m_otherCount).arg(times(a, b));
    }
    const LayerGroupComparison& group = comparison().groups[size_t(m_chartGroups[size_t(bar)])];
    const QString none = QStringLiteral("—");
    return tr("A: %1\nB: %2\n%3")
        .arg(group.layersA.empty() ? none : namesOf(group.layersA).join(QStringLiteral(", ")),
             group.layersB.empty() ? none : namesOf(group.layersB).join(QStringLiteral(", ")),
             times(group.millisecondsA, group.millisecondsB));
}

void EngineComparisonView::setChartMode(ChartMode mode) {
    m_chartMode = mode;
    const int index = mode == ChartMode::Difference ? 1 : 0;
    if (m_chartModeBox->currentIndex() != index) {
        m_chartModeBox->setCurrentIndex(index);  // comes back here through the box's signal
        return;
    }
    rebuildChart();
}

bool EngineComparisonView::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_chart && event->type() == QEvent::Resize) fitChartToHeight();
    return QWidget::eventFilter(watched, event);
}

void EngineComparisonView::fitChartToHeight() {
    const int capacity = chartCapacity();
    const int bars = int(m_chartGroups.size()) + (m_otherCount > 0 ? 1 : 0);
    const int groups = int(comparison().groups.size());
    // Rebuild only when more or fewer bars fit than are shown.
    if ((bars < groups && bars != capacity) || (bars == groups && groups > capacity)) rebuildChart();
}

int EngineComparisonView::groupOfLayer(Side side, const QString& name) const {
    return (side == Side::A ? m_groupOfA : m_groupOfB).value(name, -1);
}

void EngineComparisonView::selectGroup(int group) {
    highlight(group, QString(), Side::A);
}

void EngineComparisonView::pickGroup(int group) {
    if (group < 0 || size_t(group) >= comparison().groups.size()) return;
    highlight(group, QString(), Side::A);
    emit groupSelected(group);
}

void EngineComparisonView::onBarClicked(int position) {
    if (position < 0 || size_t(position) >= m_chartGroups.size()) {  // the "other" bar: no one group
        selectBar(m_selectedGroup);
        return;
    }
    pickGroup(m_chartGroups[size_t(position)]);
}

void EngineComparisonView::onGraphLayerActivated(Side side, const QString& name) {
    const int group = groupOfLayer(side, name);
    if (group < 0) return;
    highlight(group, name, side);
    emit groupSelected(group);
}

void EngineComparisonView::highlight(int group, const QString& keepGraphSelection, Side keptSide) {
    if (group < 0 || size_t(group) >= comparison().groups.size()) group = -1;
    m_highlighting = true;
    m_selectedGroup = group;
    selectBar(group);
    if (group < 0) {
        m_table->clearSelection();
        m_highlighting = false;
        return;
    }
    const QModelIndex row =
        m_proxy->mapFromSource(m_model->index(group, ComparisonTableModel::LayersAColumn));
    m_table->setCurrentIndex(row);
    m_table->selectRow(row.row());
    m_table->scrollTo(row);

    // The graph the user clicked keeps the layer they picked; the other shows the group's layers.
    const LayerGroupComparison& picked = comparison().groups[size_t(group)];
    if (keepGraphSelection.isEmpty() || keptSide != Side::A)
        m_graphA->setHighlightedLayers(namesOf(picked.layersA));
    if (keepGraphSelection.isEmpty() || keptSide != Side::B)
        m_graphB->setHighlightedLayers(namesOf(picked.layersB));
    m_highlighting = false;
}

bool EngineComparisonView::exportCsv(const QString& path, QString* error) const {
    const Status written =
        writeFileAtomically(QFile::encodeName(path).toStdString(), comparisonCsv(comparison()));
    if (!written && error) *error = QString::fromStdString(written.message());
    return bool(written);
}

bool EngineComparisonView::exportJson(const QString& path, QString* error) const {
    const Status written =
        writeFileAtomically(QFile::encodeName(path).toStdString(), comparisonJson(comparison()));
    if (!written && error) *error = QString::fromStdString(written.message());
    return bool(written);
}

bool EngineComparisonView::exportChartPng(const QString& path, QString* error) const {
    // What the user sees, at a readable size even when the chart is squeezed or hidden.
    const bool shown = m_chart->isVisible();
    const int width = shown ? std::max(m_chart->width(), 800) : 1000;
    const int height = shown ? std::max(m_chart->height(), 400) : 600;
    return writePng(m_chart->toPixmap(width, height), path, error);
}

bool EngineComparisonView::exportViewPng(const QString& path, QString* error) {
    return writePng(grab(), path, error);
}

}  // namespace kiln::views

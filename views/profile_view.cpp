// The profile view's widgets, their synchronisation (a bar and its row select each other) and the
// exports. Everything here is proportional to the number of layers (hundreds), so it runs on the GUI
// thread; the profiling itself runs in the workbench. See profile_view.h.
#include "profile_view.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QSaveFile>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTableView>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <qcustomplot.h>

#include "bar_rows.h"
#include "row_pick.h"
#include "table_roles.h"

namespace kiln::views {

namespace {

enum LatencyField { RunsField, MinimumField, MedianField, MeanField, P90Field, P99Field, MaximumField, LayerSumField };
enum ExportFormat { CsvFormat, JsonFormat, PngFormat };
enum TypeColumn { TypeNameColumn, TypeLayersColumn, TypeTimeColumn, TypePercentColumn, TypeColumnCount };

constexpr int kLayerIndexRole = Qt::UserRole + 2;

QString formatMs(double ms) {
    return std::isnan(ms) ? QStringLiteral("—") : QString::number(ms, 'f', 3);
}

QStandardItem* textItem(const QString& text) {
    auto* item = new QStandardItem(text);
    item->setData(text, SortRole);
    item->setEditable(false);
    item->setToolTip(text);
    return item;
}

QStandardItem* numberItem(double value, int decimals) {
    auto* item = new QStandardItem(QString::number(value, 'f', decimals));
    item->setData(value, SortRole);
    item->setEditable(false);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

// RFC 4180: a field holding a comma, quote or line break is quoted, with quotes doubled.
QString csvField(const QString& text) {
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) && !text.contains(QLatin1Char('\n')) &&
        !text.contains(QLatin1Char('\r'))) {
        return text;
    }
    QString quoted = text;
    quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

// Writes through a temporary file renamed over `path` on success, so that readers never see a
// partial file and a failure leaves whatever was there before.
bool writeAtomically(const QString& path, const std::function<bool(QIODevice&)>& write, QString* error) {
    QSaveFile file(path);
    const auto fail = [&](const QString& reason) {
        if (error) *error = ProfileView::tr("Could not write \"%1\": %2").arg(QDir::toNativeSeparators(path), reason);
        return false;
    };
    if (!file.open(QIODevice::WriteOnly)) return fail(file.errorString());
    if (!write(file)) {
        const QString reason = file.errorString();
        file.cancelWriting();
        return fail(reason.isEmpty() || reason == QLatin1String("Unknown error") ? ProfileView::tr("encoding failed")
                                                                                    : reason);
    }
    if (!file.commit()) return fail(file.errorString());
    return true;
}

}  // namespace

ProfileView::ProfileView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);

    auto* toolbar = new QHBoxLayout;
    toolbar->addWidget(new QLabel(tr("Bars:")));
    m_orderBox = new QComboBox;
    m_orderBox->setObjectName(QStringLiteral("orderBox"));
    m_orderBox->addItem(tr("Execution order"));
    m_orderBox->addItem(tr("Slowest first"));
    toolbar->addWidget(m_orderBox);
    toolbar->addStretch(1);
    auto* exportButton = new QToolButton;
    exportButton->setObjectName(QStringLiteral("exportButton"));
    exportButton->setText(tr("Export"));
    exportButton->setPopupMode(QToolButton::InstantPopup);
    auto* exportMenu = new QMenu(exportButton);
    exportMenu->addAction(tr("Layer table as CSV…"), this, [this] { exportWithDialog(CsvFormat); });
    exportMenu->addAction(tr("Profile as JSON (trtexec layout)…"), this, [this] { exportWithDialog(JsonFormat); });
    exportMenu->addAction(tr("Chart as PNG…"), this, [this] { exportWithDialog(PngFormat); });
    exportButton->setMenu(exportMenu);
    toolbar->addWidget(exportButton);
    layout->addLayout(toolbar);

    auto* latencyBox = new QGroupBox(tr("End-to-end latency"));
    latencyBox->setObjectName(QStringLiteral("latencyBox"));
    auto* latencyGrid = new QGridLayout(latencyBox);
    const QString captions[] = {tr("Runs"), tr("Min"),  tr("Median"), tr("Mean"),
                                tr("p90"),  tr("p99"), tr("Max"),    tr("Sum of layers")};
    const char* names[] = {"latencyRuns", "latencyMinimum", "latencyMedian", "latencyMean",
                           "latencyP90",  "latencyP99",     "latencyMaximum", "latencyLayerSum"};
    for (int field = 0; field < 8; ++field) {
        auto* caption = new QLabel(captions[field]);
        caption->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        QFont font = caption->font();
        font.setBold(true);
        caption->setFont(font);
        m_latencyLabels[field] = new QLabel;
        m_latencyLabels[field]->setObjectName(QString::fromLatin1(names[field]));
        m_latencyLabels[field]->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        m_latencyLabels[field]->setTextInteractionFlags(Qt::TextSelectableByMouse);
        latencyGrid->addWidget(caption, 0, field);
        latencyGrid->addWidget(m_latencyLabels[field], 1, field);
    }
    layout->addWidget(latencyBox);

    auto* splitter = new QSplitter(Qt::Vertical);
    m_chart = new QCustomPlot;
    m_chart->setObjectName(QStringLiteral("profileChart"));
    m_chart->setMinimumHeight(180);
    // Horizontal bars, top to bottom, each layer's name level with its bar: as many as the height shows
    // readably, so the chart needs neither scrolling nor zooming.
    m_chart->setInteractions(QCP::iSelectPlottables);
    m_chart->xAxis->setLabel(tr("median time per run (ms)"));
    m_chart->yAxis->setRangeReversed(true);
    m_chart->yAxis->setTickLength(0, 0);
    m_chart->yAxis->setSubTicks(false);
    m_chart->yAxis->grid()->setVisible(false);
    m_chart->setMouseTracking(true);
    m_bars = new QCPBars(m_chart->yAxis, m_chart->xAxis);
    m_bars->setWidth(0.7);
    m_bars->setPen(Qt::NoPen);
    m_bars->setBrush(QColor(70, 130, 180));
    m_bars->setSelectable(QCP::stSingleData);
    m_bars->selectionDecorator()->setBrush(QColor(230, 120, 20));
    m_bars->selectionDecorator()->setPen(QPen(QColor(150, 70, 0)));
    m_otherBar = new QCPBars(m_chart->yAxis, m_chart->xAxis);
    m_otherBar->setWidth(0.7);
    m_otherBar->setPen(Qt::NoPen);
    m_otherBar->setBrush(QColor(176, 190, 197));
    m_otherBar->setSelectable(QCP::stNone);
    m_chart->installEventFilter(this);
    splitter->addWidget(m_chart);

    auto* tabs = new QTabWidget;
    m_layerModel = new QStandardItemModel(0, ColumnCount, this);
    m_layerModel->setHorizontalHeaderLabels(
        {tr("#"), tr("Layer"), tr("Type"), tr("Time (ms)"), tr("%"), tr("Precision"), tr("Tactic")});
    m_layerModel->setSortRole(SortRole);
    // A first click on a time column puts the slowest layers on top; other columns start ascending.
    for (int column : {TimeColumn, PercentColumn})
        m_layerModel->setHeaderData(column, Qt::Horizontal, int(Qt::DescendingOrder), Qt::InitialSortOrderRole);
    for (int column : {IndexColumn, NameColumn, TypeColumn, PrecisionColumn, TacticColumn})
        m_layerModel->setHeaderData(column, Qt::Horizontal, int(Qt::AscendingOrder), Qt::InitialSortOrderRole);
    m_layerTable = new QTableView;
    m_layerTable->setObjectName(QStringLiteral("layerTable"));
    m_layerTable->setModel(m_layerModel);
    m_layerTable->setSortingEnabled(true);
    m_layerTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_layerTable->setSelectionMode(QAbstractItemView::SingleSelection);
    m_layerTable->setAlternatingRowColors(true);
    m_layerTable->verticalHeader()->hide();
    m_layerTable->setWordWrap(false);
    m_layerTable->setTextElideMode(Qt::ElideMiddle);
    QHeaderView* header = m_layerTable->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setStretchLastSection(true);
    header->resizeSection(IndexColumn, 48);
    header->resizeSection(NameColumn, 260);
    header->resizeSection(TypeColumn, 120);
    header->resizeSection(TimeColumn, 90);
    header->resizeSection(PercentColumn, 64);
    header->resizeSection(PrecisionColumn, 80);
    header->setSortIndicator(IndexColumn, Qt::AscendingOrder);
    tabs->addTab(m_layerTable, tr("Layers"));

    m_typeModel = new QStandardItemModel(0, TypeColumnCount, this);
    m_typeModel->setHorizontalHeaderLabels({tr("Type"), tr("Layers"), tr("Time (ms)"), tr("%")});
    m_typeModel->setSortRole(SortRole);
    m_typeTable = new QTableView;
    m_typeTable->setObjectName(QStringLiteral("typeTable"));
    m_typeTable->setModel(m_typeModel);
    m_typeTable->setSortingEnabled(true);
    m_typeTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_typeTable->verticalHeader()->hide();
    m_typeTable->horizontalHeader()->resizeSection(TypeNameColumn, 160);
    m_typeTable->horizontalHeader()->setStretchLastSection(true);
    tabs->addTab(m_typeTable, tr("By layer type"));
    splitter->addWidget(tabs);
    // The chart takes the larger part: its bars are what the eye goes to first.
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    splitter->setSizes({600, 400});
    layout->addWidget(splitter, 1);

    connect(m_orderBox, &QComboBox::currentIndexChanged, this, [this](int index) {
        setChartOrder(index == 1 ? ChartOrder::SlowestFirst : ChartOrder::Execution);
    });
    connect(m_chart, &QCustomPlot::plottableClick, this,
            [this](QCPAbstractPlottable* plottable, int dataIndex, QMouseEvent*) {
                if (plottable == m_bars) onBarClicked(dataIndex);
            });
    connect(m_chart, &QCustomPlot::mouseMove, this, &ProfileView::onChartHover);
    onRowPicked(m_layerTable, [this](const QModelIndex& index) {
        if (m_highlighting) return;
        const QModelIndex indexCell = m_layerModel->index(index.row(), IndexColumn);
        pickLayer(m_layerModel->data(indexCell, kLayerIndexRole).toInt());
    });
    clear();
}

void ProfileView::clear() {
    setProfile(ProfileResult{});
}

void ProfileView::setProfile(const ProfileResult& profile) {
    m_profile = profile;
    m_selectedLayer.clear();
    fillTables();
    updateLatency();
    rebuildChart();
}

void ProfileView::fillTables() {
    m_layerModel->removeRows(0, m_layerModel->rowCount());
    for (size_t i = 0; i < m_profile.layers.size(); ++i) {
        const LayerProfile& layer = m_profile.layers[i];
        QList<QStandardItem*> row;
        QStandardItem* index = numberItem(double(i), 0);
        index->setData(int(i), kLayerIndexRole);
        row << index << textItem(layer.name) << textItem(layer.type) << numberItem(layer.milliseconds, 3)
            << numberItem(layer.percent, 1) << textItem(layer.precision) << textItem(layer.tactic);
        m_layerModel->appendRow(row);
    }
    const QHeaderView* header = m_layerTable->horizontalHeader();
    m_layerModel->sort(header->sortIndicatorSection(), header->sortIndicatorOrder());

    m_typeModel->removeRows(0, m_typeModel->rowCount());
    for (const TypeBreakdown& type : breakdownByType(m_profile.layers)) {
        QStandardItem* count = numberItem(type.layerCount, 0);
        m_typeModel->appendRow({textItem(type.type), count, numberItem(type.milliseconds, 3),
                                numberItem(type.percent, 1)});
    }
    m_typeTable->horizontalHeader()->setSortIndicator(TypeTimeColumn, Qt::DescendingOrder);
}

void ProfileView::updateLatency() {
    const LatencyStatistics stats = latencyStatistics(m_profile.endToEndMilliseconds);
    const auto show = [this](LatencyField field, const QString& text) { m_latencyLabels[field]->setText(text); };
    show(RunsField, QString::number(stats.count));
    const auto ms = [](double value) {
        return std::isnan(value) ? QStringLiteral("—") : tr("%1 ms").arg(formatMs(value));
    };
    show(MinimumField, ms(stats.minimum));
    show(MedianField, ms(stats.median));
    show(MeanField, ms(stats.mean));
    show(P90Field, ms(stats.p90));
    show(P99Field, ms(stats.p99));
    show(MaximumField, ms(stats.maximum));
    show(LayerSumField, m_profile.layers.empty() ? QStringLiteral("—") : ms(totalLayerMilliseconds(m_profile.layers)));
}

void ProfileView::setChartOrder(ChartOrder order) {
    m_chartOrder = order;
    const int index = order == ChartOrder::SlowestFirst ? 1 : 0;
    if (m_orderBox->currentIndex() != index) {
        m_orderBox->setCurrentIndex(index);  // comes back here through the signal
        return;
    }
    rebuildChart();
}

int ProfileView::chartBarCapacity(int height) const {
    return horizontalBarCapacity(m_chart->yAxis->tickLabelFont(), height);
}

int ProfileView::currentChartWidth() const {
    return m_chart->isVisible() ? m_chart->width() : kHiddenChartWidth;
}

int ProfileView::currentBarCapacity() const {
    return chartBarCapacity(m_chart->isVisible() ? m_chart->height() : kHiddenChartHeight);
}

bool ProfileView::eventFilter(QObject* watched, QEvent* event) {
    // A new height may fit more or fewer bars, a new width longer or shorter names; the chart replots
    // itself after this.
    if (watched == m_chart && event->type() == QEvent::Resize &&
        (currentBarCapacity() != m_barCapacity || currentChartWidth() != m_barLabelWidth)) {
        rebuildChart();
    }
    return QWidget::eventFilter(watched, event);
}

QStringList ProfileView::chartLayerNames() const {
    QStringList names;
    for (int layer : m_barLayers)
        names << m_profile.layers[size_t(layer)].name;
    return names;
}

void ProfileView::rebuildChart() {
    const auto milliseconds = [this](int layer) { return m_profile.layers[size_t(layer)].milliseconds; };
    // The slowest layers get a bar each; when they do not all fit, the last bar stands for the rest.
    m_barCapacity = currentBarCapacity();
    std::vector<int> slowestFirst(m_profile.layers.size());
    std::iota(slowestFirst.begin(), slowestFirst.end(), 0);
    std::stable_sort(slowestFirst.begin(), slowestFirst.end(),
                     [&](int a, int b) { return milliseconds(a) > milliseconds(b); });
    const size_t own = slowestFirst.size() <= size_t(m_barCapacity) ? slowestFirst.size() : size_t(m_barCapacity - 1);
    m_barLayers.assign(slowestFirst.begin(), slowestFirst.begin() + std::ptrdiff_t(own));
    m_otherLayers.assign(slowestFirst.begin() + std::ptrdiff_t(own), slowestFirst.end());
    if (m_chartOrder == ChartOrder::Execution) std::sort(m_barLayers.begin(), m_barLayers.end());
    std::sort(m_otherLayers.begin(), m_otherLayers.end());

    QVector<double> keys;
    QVector<double> values;
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    // The names are shortened to the chart's width; the tooltips and the table show them whole.
    m_barLabelWidth = currentChartWidth();
    const int chartWidth = m_barLabelWidth;
    double highest = 0.0;
    for (size_t position = 0; position < m_barLayers.size(); ++position) {
        const LayerProfile& layer = m_profile.layers[size_t(m_barLayers[position])];
        keys << double(position + 1);
        values << layer.milliseconds;
        highest = std::max(highest, layer.milliseconds);
        ticker->addTick(double(position + 1), horizontalBarLabel(m_chart->yAxis->tickLabelFont(), layer.name, chartWidth));
    }
    m_bars->setData(keys, values, true);
    m_bars->setSelection(QCPDataSelection());
    double otherMilliseconds = 0.0;
    for (int layer : m_otherLayers) otherMilliseconds += milliseconds(layer);
    const double otherKey = double(m_barLayers.size() + 1);
    if (m_otherLayers.empty()) {
        m_otherBar->data()->clear();
    } else {
        m_otherBar->setData({otherKey}, {otherMilliseconds}, true);
        ticker->addTick(otherKey, tr("other (%n layer(s))", nullptr, int(m_otherLayers.size())));
    }
    m_chart->yAxis->setTicker(ticker);
    const size_t barCount = m_barLayers.size() + (m_otherLayers.empty() ? 0 : 1);
    m_chart->yAxis->setRange(0.4, double(std::max<size_t>(barCount, 1)) + 0.6);
    // Room on the right for the time written after the longest bar. The axis is scaled to the layers' own
    // bars: the rest together may take far longer, and its bar then runs off the right edge, its time
    // written inside it.
    const double axisEnd = highest > 0.0 ? highest * 1.3 : (otherMilliseconds > 0.0 ? otherMilliseconds * 1.3 : 1.0);
    m_chart->xAxis->setRange(0.0, axisEnd);

    m_chart->clearItems();
    const double total = totalLayerMilliseconds(m_profile.layers);
    const auto annotate = [this, total, axisEnd](double key, double ms) {
        auto* label = new QCPItemText(m_chart);
        label->position->setType(QCPItemPosition::ptPlotCoords);
        label->position->setAxes(m_chart->xAxis, m_chart->yAxis);
        const bool runsOff = ms > axisEnd;
        label->position->setCoords(runsOff ? axisEnd : ms, key);
        label->setPositionAlignment((runsOff ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
        label->setPadding(runsOff ? QMargins(0, 0, 6, 0) : QMargins(4, 0, 0, 0));
        label->setColor(palette().color(QPalette::Text));
        label->setText(total > 0.0 ? tr("%1 ms (%2 %)").arg(formatMs(ms)).arg(100.0 * ms / total, 0, 'f', 1)
                                   : tr("%1 ms").arg(formatMs(ms)));
    };
    for (int position = 0; position < keys.size(); ++position) annotate(keys[position], values[position]);
    if (!m_otherLayers.empty()) annotate(otherKey, otherMilliseconds);
    if (m_profile.layers.empty()) {
        auto* hint = new QCPItemText(m_chart);
        hint->position->setType(QCPItemPosition::ptAxisRectRatio);
        hint->position->setCoords(0.5, 0.5);
        hint->setText(tr("Profile the built engine to see where the time goes."));
        hint->setColor(palette().color(QPalette::PlaceholderText));
    }
    const auto selected = std::find_if(m_barLayers.begin(), m_barLayers.end(), [this](int layer) {
        return m_profile.layers[size_t(layer)].name == m_selectedLayer;
    });
    if (selected != m_barLayers.end()) {
        const int position = int(selected - m_barLayers.begin());
        m_bars->setSelection(QCPDataSelection(QCPDataRange(position, position + 1)));
    }
    m_chart->replot();
}

void ProfileView::onBarClicked(int dataIndex) {
    if (dataIndex < 0 || size_t(dataIndex) >= m_barLayers.size()) return;
    pickLayer(m_barLayers[size_t(dataIndex)]);
}

void ProfileView::onChartHover(QMouseEvent* event) {
    const double key = m_chart->yAxis->pixelToCoord(event->position().y());
    const long position = std::lround(key) - 1;
    const double value = m_chart->xAxis->pixelToCoord(event->position().x());
    const size_t barCount = m_barLayers.size() + (m_otherLayers.empty() ? 0 : 1);
    if (position < 0 || size_t(position) >= barCount || std::abs(key - double(position + 1)) > 0.35 ||
        value < 0.0) {
        QToolTip::hideText();
        return;
    }
    if (size_t(position) == m_barLayers.size()) {
        // The bar of the rest: how much, and the slowest few of them by name.
        std::vector<int> rest = m_otherLayers;
        std::stable_sort(rest.begin(), rest.end(), [this](int a, int b) {
            return m_profile.layers[size_t(a)].milliseconds > m_profile.layers[size_t(b)].milliseconds;
        });
        double ms = 0.0;
        double percent = 0.0;
        for (int layer : rest) {
            ms += m_profile.layers[size_t(layer)].milliseconds;
            percent += m_profile.layers[size_t(layer)].percent;
        }
        QStringList lines{tr("%n other layer(s): %1 ms (%2 %)", nullptr, int(rest.size()))
                              .arg(formatMs(ms))
                              .arg(percent, 0, 'f', 1)};
        for (size_t i = 0; i < rest.size() && i < 5; ++i) {
            const LayerProfile& layer = m_profile.layers[size_t(rest[i])];
            lines << tr("%1: %2 ms").arg(layer.name, formatMs(layer.milliseconds));
        }
        if (rest.size() > 5) lines << QStringLiteral("…");
        QToolTip::showText(event->globalPosition().toPoint(), lines.join(QLatin1Char('\n')), m_chart);
        return;
    }
    const LayerProfile& layer = m_profile.layers[size_t(m_barLayers[size_t(position)])];
    QToolTip::showText(event->globalPosition().toPoint(),
                       tr("%1\n%2, %3 ms (%4 %)")
                           .arg(layer.name, layer.type, formatMs(layer.milliseconds))
                           .arg(layer.percent, 0, 'f', 1),
                       m_chart);
}

void ProfileView::pickLayer(int layerIndex) {
    if (layerIndex < 0 || size_t(layerIndex) >= m_profile.layers.size()) return;
    highlight(layerIndex);
    emit layerSelected(m_profile.layers[size_t(layerIndex)].name);
}

void ProfileView::selectLayer(const QString& name) {
    const auto it = std::find_if(m_profile.layers.begin(), m_profile.layers.end(),
                                 [&name](const LayerProfile& layer) { return layer.name == name; });
    highlight(it == m_profile.layers.end() ? -1 : int(it - m_profile.layers.begin()));
}

void ProfileView::highlight(int layerIndex) {
    m_highlighting = true;
    m_selectedLayer = layerIndex >= 0 ? m_profile.layers[size_t(layerIndex)].name : QString();
    int row = -1;
    for (int r = 0; r < m_layerModel->rowCount(); ++r) {
        if (m_layerModel->item(r, IndexColumn)->data(kLayerIndexRole).toInt() == layerIndex) row = r;
    }
    if (row >= 0) {
        m_layerTable->setCurrentIndex(m_layerModel->index(row, NameColumn));
        m_layerTable->scrollTo(m_layerModel->index(row, NameColumn));
    } else {
        m_layerTable->clearSelection();
    }
    const auto bar = std::find(m_barLayers.begin(), m_barLayers.end(), layerIndex);
    if (bar != m_barLayers.end()) {
        const int position = int(bar - m_barLayers.begin());
        m_bars->setSelection(QCPDataSelection(QCPDataRange(position, position + 1)));
    } else {
        m_bars->setSelection(QCPDataSelection());
    }
    m_chart->replot();
    m_highlighting = false;
}

bool ProfileView::exportCsv(const QString& path, QString* error) const {
    QString text = QStringLiteral("index,name,type,median_ms,average_ms,percent,precision,tactic\n");
    for (size_t i = 0; i < m_profile.layers.size(); ++i) {
        const LayerProfile& layer = m_profile.layers[i];
        const QString average =
            layer.averageMilliseconds >= 0.0 ? QString::number(layer.averageMilliseconds, 'f', 6) : QString();
        text += QStringList{QString::number(i), csvField(layer.name), csvField(layer.type),
                            QString::number(layer.milliseconds, 'f', 6), average,
                            QString::number(layer.percent, 'f', 4), csvField(layer.precision),
                            csvField(layer.tactic)}
                    .join(QLatin1Char(','));
        text += QLatin1Char('\n');
    }
    const QByteArray bytes = text.toUtf8();
    return writeAtomically(path, [&bytes](QIODevice& file) { return file.write(bytes) == bytes.size(); }, error);
}

bool ProfileView::exportJson(const QString& path, QString* error) const {
    // trtexec's --exportProfile layout, written by the engine's writer as `kiln profile` writes it.
    const std::string text = profileJsonOf(m_profile);
    const QByteArray bytes = QByteArray::fromStdString(text);
    return writeAtomically(path, [&bytes](QIODevice& file) { return file.write(bytes) == bytes.size(); }, error);
}

bool ProfileView::exportChartPng(const QString& path, QString* error) const {
    // What the user sees, but at a readable size: a hidden chart has no meaningful size of its own, and a
    // chart squeezed into a narrow dock would export its labels on top of each other.
    const bool shown = m_chart->isVisible();
    const int width = shown ? std::max(m_chart->width(), 800) : 1200;
    const int height = shown ? std::max(m_chart->height(), 400) : 600;
    const QPixmap pixmap = m_chart->toPixmap(width, height);
    return writeAtomically(path, [&pixmap](QIODevice& file) { return pixmap.save(&file, "PNG"); }, error);
}

void ProfileView::exportWithDialog(int format) {
    const QString filters[] = {tr("CSV files (*.csv)"), tr("JSON files (*.json)"), tr("PNG images (*.png)")};
    const QString suffixes[] = {QStringLiteral("csv"), QStringLiteral("json"), QStringLiteral("png")};
    QString path = QFileDialog::getSaveFileName(this, tr("Export profile"), QStringLiteral("profile.%1").arg(suffixes[format]),
                                                filters[format]);
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QLatin1Char('.') + suffixes[format];
    QString error;
    const bool written = format == CsvFormat    ? exportCsv(path, &error)
                         : format == JsonFormat ? exportJson(path, &error)
                                                : exportChartPng(path, &error);
    if (!written) QMessageBox::warning(this, tr("Export profile"), error);
}

}  // namespace kiln::views

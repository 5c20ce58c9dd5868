// Before/after fusion graphs with selection synchronized through provenance; see
// comparison_graph_view.h.
#include "comparison_graph_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QShortcut>
#include <QSplitter>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>

#include "graph_legend.h"

namespace kiln::views {

namespace {

QToolButton* toolButton(const QString& text, const QString& toolTip, QWidget* parent) {
    auto* button = new QToolButton(parent);
    button->setText(text);
    button->setToolTip(toolTip);
    button->setAutoRaise(true);
    return button;
}

QWidget* pane(QLabel* title, GraphView* view, QWidget* parent) {
    auto* widget = new QWidget(parent);
    auto* layout = new QVBoxLayout(widget);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    QFont font = title->font();
    font.setBold(true);
    title->setFont(font);
    title->setContentsMargins(6, 2, 6, 2);
    layout->addWidget(title);
    layout->addWidget(view, 1);
    return widget;
}

}  // namespace

ComparisonGraphView::ComparisonGraphView(QWidget* parent) : QWidget(parent) {
    m_before = new GraphView(this);
    m_after = new GraphView(this);
    m_beforeTitle = new QLabel(this);
    m_afterTitle = new QLabel(this);

    m_find = new QLineEdit(this);
    m_find->setPlaceholderText(tr("Find layer (Ctrl+F)"));
    m_find->setClearButtonEnabled(true);
    m_find->setMaximumWidth(260);
    m_findStatus = new QLabel(this);
    m_findStatus->setStyleSheet(QStringLiteral("color: #c62828;"));
    QToolButton* zoomIn = toolButton(tr("+"), tr("Zoom in (+)"), this);
    QToolButton* zoomOut = toolButton(tr("−"), tr("Zoom out (-)"), this);
    QToolButton* fit = toolButton(tr("Fit"), tr("Show the whole graph"), this);
    m_colorMode = new QComboBox(this);
    m_colorMode->addItem(tr("Layer type"), int(GraphView::ColorMode::LayerType));
    m_colorMode->addItem(tr("Precision"), int(GraphView::ColorMode::Precision));
    m_colorMode->addItem(tr("Latency"), int(GraphView::ColorMode::Latency));
    m_colorMode->addItem(tr("Error vs FP32"), int(GraphView::ColorMode::Error));
    m_colorMode->setToolTip(tr("What the node colors show"));
    m_legendButton = toolButton(tr("Legend"), tr("Show or hide what the colors mean"), this);
    m_legendButton->setCheckable(true);
    m_legendButton->setChecked(true);

    auto* toolbar = new QHBoxLayout;
    toolbar->setContentsMargins(4, 4, 4, 0);
    toolbar->addWidget(m_find);
    toolbar->addWidget(m_findStatus, 1);
    toolbar->addWidget(zoomIn);
    toolbar->addWidget(zoomOut);
    toolbar->addWidget(fit);
    toolbar->addSpacing(12);
    toolbar->addWidget(new QLabel(tr("Color by:"), this));
    toolbar->addWidget(m_colorMode);
    toolbar->addWidget(m_legendButton);

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(pane(m_beforeTitle, m_before, splitter));
    splitter->addWidget(pane(m_afterTitle, m_after, splitter));
    splitter->setChildrenCollapsible(false);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);
    layout->addLayout(toolbar);
    layout->addWidget(splitter, 1);

    auto* findShortcut = new QShortcut(QKeySequence::Find, this);
    findShortcut->setContext(Qt::WidgetWithChildrenShortcut);
    connect(findShortcut, &QShortcut::activated, this, [this] {
        m_find->setFocus(Qt::ShortcutFocusReason);
        m_find->selectAll();
    });
    connect(m_find, &QLineEdit::returnPressed, this, &ComparisonGraphView::onFindRequested);
    connect(m_find, &QLineEdit::textChanged, m_findStatus, &QLabel::clear);
    connect(zoomIn, &QToolButton::clicked, this, [this] {
        m_before->zoomIn();
        m_after->zoomIn();
    });
    connect(zoomOut, &QToolButton::clicked, this, [this] {
        m_before->zoomOut();
        m_after->zoomOut();
    });
    connect(fit, &QToolButton::clicked, this, [this] {
        m_before->fitToView();
        m_after->fitToView();
    });
    connect(m_colorMode, &QComboBox::currentIndexChanged, this, &ComparisonGraphView::onColorModeChanged);
    connect(m_legendButton, &QToolButton::toggled, this, [this](bool visible) {
        m_before->setLegendVisible(visible);
        m_after->setLegendVisible(visible);
    });
    connect(m_before, &GraphView::layerActivated, this, &ComparisonGraphView::onBeforeActivated);
    connect(m_after, &GraphView::layerActivated, this, &ComparisonGraphView::onAfterActivated);
    clear();
}

void ComparisonGraphView::setNetworkLayers(const std::vector<LayerRecord>& before) {
    m_beforeLayers = before;
    m_afterLayers.clear();
    rebuildProvenance();
    m_before->setLayers(m_beforeLayers);
    m_after->clear();
    m_after->setPlaceholderText(tr("Build the network to see its layers after fusion."));
    m_findStatus->clear();
    updateTitles();
}

void ComparisonGraphView::setReport(const BuildReport& report) {
    m_beforeLayers = report.layersBefore;
    m_afterLayers = report.layersAfter;
    rebuildProvenance();
    m_after->setPlaceholderText(tr("The build produced no layers."));
    m_before->setLayers(m_beforeLayers);
    m_after->setLayers(m_afterLayers);
    m_findStatus->clear();
    updateTitles();
}

void ComparisonGraphView::clear() {
    m_beforeLayers.clear();
    m_afterLayers.clear();
    rebuildProvenance();
    m_before->clear();
    m_after->clear();
    m_before->setPlaceholderText(tr("Open a model to see its layer graph."));
    m_after->setPlaceholderText(tr("Build the network to see its layers after fusion."));
    m_findStatus->clear();
    m_lastUsedAfter = true;
    updateTitles();
}

void ComparisonGraphView::rebuildProvenance() {
    m_beforeOfAfter.clear();
    m_afterOfBefore.clear();
    // A before-fusion layer answers to its own name and to the model node names it came from, which
    // are what after-fusion provenance lists.
    QHash<QString, QList<int>> beforeByName;
    for (int i = 0; i < int(m_beforeLayers.size()); ++i) {
        const LayerRecord& record = m_beforeLayers[size_t(i)];
        beforeByName[QString::fromStdString(record.name)].append(i);
        for (const std::string& origin : record.provenance) {
            QList<int>& indices = beforeByName[QString::fromStdString(origin)];
            if (!indices.contains(i)) indices.append(i);
        }
    }
    for (const LayerRecord& record : m_afterLayers) {
        std::vector<std::string> origins = record.provenance;
        if (origins.empty()) origins.push_back(record.name);
        QList<int> related;
        for (const std::string& origin : origins) {
            for (int index : beforeByName.value(QString::fromStdString(origin))) {
                if (!related.contains(index)) related.append(index);
            }
        }
        std::sort(related.begin(), related.end());
        const QString afterName = QString::fromStdString(record.name);
        QStringList names;
        for (int index : related) {
            const QString beforeName = QString::fromStdString(m_beforeLayers[size_t(index)].name);
            names << beforeName;
            m_afterOfBefore[beforeName].append(afterName);
        }
        m_beforeOfAfter.insert(afterName, names);
    }
}

QStringList ComparisonGraphView::beforeLayersOf(const QString& afterLayer) const {
    return m_beforeOfAfter.value(afterLayer);
}

QStringList ComparisonGraphView::afterLayersOf(const QString& beforeLayer) const {
    return m_afterOfBefore.value(beforeLayer);
}

void ComparisonGraphView::selectLayer(const QString& name) {
    if (m_beforeOfAfter.contains(name)) {
        m_after->setHighlightedLayers({name});
        m_before->setHighlightedLayers(beforeLayersOf(name));
        return;
    }
    const bool isBefore =
        std::any_of(m_beforeLayers.begin(), m_beforeLayers.end(),
                    [&name](const LayerRecord& r) { return QString::fromStdString(r.name) == name; });
    m_before->setHighlightedLayers(isBefore ? QStringList{name} : QStringList());
    m_after->setHighlightedLayers(isBefore ? afterLayersOf(name) : QStringList());
}

void ComparisonGraphView::setLayerLatencies(const QHash<QString, double>& milliseconds) {
    m_after->setLayerLatencies(milliseconds);
}

void ComparisonGraphView::setLayerErrors(const QHash<QString, double>& afterLayers,
                                         const QHash<QString, double>& modelNodes, const QString& measure) {
    m_after->setLayerErrors(afterLayers, measure);
    // Before fusion a layer answers to its own name and to the model nodes it came from.
    QHash<QString, double> before;
    for (const LayerRecord& record : m_beforeLayers) {
        std::vector<std::string> origins = record.provenance;
        origins.push_back(record.name);
        for (const std::string& origin : origins) {
            const auto it = modelNodes.constFind(QString::fromStdString(origin));
            if (it == modelNodes.constEnd()) continue;
            const QString name = QString::fromStdString(record.name);
            if (!before.contains(name) || *it > before.value(name)) before.insert(name, *it);
        }
    }
    m_before->setLayerErrors(before, measure);
}

void ComparisonGraphView::setColorMode(GraphView::ColorMode mode) {
    m_colorMode->setCurrentIndex(std::max(0, m_colorMode->findData(int(mode))));
}

void ComparisonGraphView::onBeforeActivated(const QString& name) {
    m_lastUsedAfter = false;
    m_after->setHighlightedLayers(afterLayersOf(name));
    emit layerSelected(name, false);
}

void ComparisonGraphView::onAfterActivated(const QString& name) {
    m_lastUsedAfter = true;
    m_before->setHighlightedLayers(beforeLayersOf(name));
    emit layerSelected(name, true);
}

bool ComparisonGraphView::find(const QString& text) {
    const bool afterFirst = m_lastUsedAfter && m_after->nodeCount() > 0;
    GraphView* first = afterFirst ? m_after : m_before;
    GraphView* second = afterFirst ? m_before : m_after;
    const bool found = first->find(text) || second->find(text);
    m_findStatus->setText(found || text.isEmpty() ? QString() : tr("No layer matches “%1”.").arg(text));
    return found;
}

void ComparisonGraphView::onFindRequested() {
    find(m_find->text());
}

void ComparisonGraphView::onColorModeChanged(int index) {
    const auto mode = GraphView::ColorMode(m_colorMode->itemData(index).toInt());
    m_before->setColorMode(mode);
    m_after->setColorMode(mode);
}

void ComparisonGraphView::updateTitles() {
    m_beforeTitle->setText(m_beforeLayers.empty()
                               ? tr("Before fusion")
                               : tr("Before fusion (%n layer(s))", nullptr, int(m_beforeLayers.size())));
    m_afterTitle->setText(m_afterLayers.empty()
                              ? tr("After fusion")
                              : tr("After fusion (%n layer(s))", nullptr, int(m_afterLayers.size())));
}

}  // namespace kiln::views

// The layer graph view; see graph_view.h. The GUI thread only measures labels before a layout and
// creates items after it; dot runs in QtConcurrent on plain values and never sees a widget, so a
// view that is cleared or destroyed mid-layout just drops the result.
#include "graph_view.h"

#include <QBuffer>
#include <QDir>
#include <QFileInfo>
#include <QFontMetricsF>
#include <QImage>
#include <QPainter>
#include <QSaveFile>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QLabel>
#include <QScrollBar>
#include <QTimer>
#include <QToolTip>
#include <QHBoxLayout>
#include <QWheelEvent>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <cmath>
#include <limits>

#include "graph_legend.h"
#include "graph_palette.h"

namespace kiln::views {

namespace {

constexpr double kMinimumZoom = 0.02;
constexpr double kMaximumZoom = 4.0;
constexpr double kZoomStep = 1.25;
// One wheel notch (120 eighths of a degree) zooms by about 20 %.
constexpr double kWheelZoomBase = 1.0015;
constexpr double kSceneMargin = 40;
constexpr int kOverlayMargin = 10;
constexpr double kJunctionSize = 5;
constexpr double kMaximumInputLabelWidth = 160;
// The first view of a large graph: readable text across the width rather than the whole graph.
constexpr double kSmallestInitialZoom = 0.5;

QString joined(const std::vector<std::string>& values, const QString& separator) {
    QStringList parts;
    for (const std::string& value : values) {
        if (!value.empty()) parts << QString::fromStdString(value);
    }
    return parts.join(separator);
}

// Same nodes, edges and labels: the layout can be kept and only colors and data change.
bool sameStructure(const std::vector<LayerRecord>& a, const std::vector<LayerRecord>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].name != b[i].name || a[i].kind != b[i].kind || a[i].inputs != b[i].inputs ||
            a[i].outputs != b[i].outputs || a[i].outputDims != b[i].outputDims ||
            a[i].elided != b[i].elided) {
            return false;
        }
    }
    return true;
}

}  // namespace

GraphView::GraphView(QWidget* parent)
    : QWidget(parent), m_cancelLayout(std::make_shared<std::atomic_bool>(false)) {
    m_scene = new QGraphicsScene(this);
    m_scene->setItemIndexMethod(QGraphicsScene::BspTreeIndex);
    m_scene->setBackgroundBrush(QColor(0xfc, 0xfc, 0xfc));

    m_canvas = new QGraphicsView(m_scene, this);
    m_canvas->setDragMode(QGraphicsView::ScrollHandDrag);
    m_canvas->setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    m_canvas->setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    m_canvas->setOptimizationFlags(QGraphicsView::DontSavePainterState |
                                   QGraphicsView::DontAdjustForAntialiasing);
    m_canvas->setTransformationAnchor(QGraphicsView::AnchorViewCenter);
    m_canvas->setResizeAnchor(QGraphicsView::AnchorViewCenter);
    m_canvas->setFocusPolicy(Qt::StrongFocus);
    m_canvas->installEventFilter(this);
    m_canvas->viewport()->installEventFilter(this);

    // The legend sits in a column of its own to the canvas's right: nodes are drawn only in the canvas's
    // viewport, so no zoom or scroll can put one under it.
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(kOverlayMargin / 2);
    layout->addWidget(m_canvas, 1);
    m_legend = new GraphLegend(this);
    layout->addWidget(m_legend, 0, Qt::AlignTop);

    m_message = new QLabel(this);
    m_message->setAlignment(Qt::AlignCenter);
    m_message->setWordWrap(true);
    m_message->setAttribute(Qt::WA_TransparentForMouseEvents);
    m_message->setStyleSheet(QStringLiteral("color: #757575; padding: 24px;"));

    initStyle();
    connect(&m_watcher, &QFutureWatcherBase::finished, this, &GraphView::onLayoutDone);
    connect(m_scene, &QGraphicsScene::selectionChanged, this, &GraphView::onSceneSelectionChanged);
    m_placeholder = tr("No layers to show.");
    setMessage(m_placeholder);
    updateLegend();
}

GraphView::~GraphView() {
    // dot cannot be interrupted; a layout not started yet is skipped, a running one is waited for
    // so that nothing outlives the view.
    m_cancelLayout->store(true);
    disconnect(&m_watcher, nullptr, this, nullptr);
    m_watcher.waitForFinished();
    // The scene outlives this destructor (it is a child object) and deleting a selected item reports
    // a selection change; nobody may hear it from a view that is half gone.
    disconnect(m_scene, nullptr, this, nullptr);
}

void GraphView::initStyle() {
    m_style.nameFont = font();
    m_style.nameFont.setBold(true);
    m_style.detailFont = font();
    if (m_style.detailFont.pointSizeF() > 0) m_style.detailFont.setPointSizeF(font().pointSizeF() * 0.9);
    m_style.nameLineHeight = QFontMetricsF(m_style.nameFont).height();
    m_style.detailLineHeight = QFontMetricsF(m_style.detailFont).height();
}

void GraphView::setLayers(const std::vector<LayerRecord>& layers) {
    if (!m_layoutRunning && !m_nodeItems.empty() && sameStructure(m_layers, layers)) {
        m_layers = layers;
        applyColors();
        const quint64 generation = m_generation;
        QTimer::singleShot(0, this, [this, generation] {
            if (generation == m_generation) emit layoutFinished();
        });
        return;
    }
    const QStringList keep = highlightedLayers();
    cancelLayout();
    clearScene();
    m_layers = layers;
    m_layerIndex.clear();
    for (int i = 0; i < int(m_layers.size()); ++i) {
        const QString name = QString::fromStdString(m_layers[size_t(i)].name);
        if (!m_layerIndex.contains(name)) m_layerIndex.insert(name, i);
    }
    m_pendingHighlight = keep;
    updateLegend();
    if (m_layers.empty()) {
        setMessage(m_placeholder);
        const quint64 generation = m_generation;
        QTimer::singleShot(0, this, [this, generation] {
            if (generation == m_generation) emit layoutFinished();
        });
        return;
    }
    startLayout();
}

void GraphView::startLayout() {
    m_layoutClock.start();
    m_timings = {};
    QElapsedTimer prepare;
    prepare.start();
    m_topology = buildGraphTopology(m_layers);
    GraphLayoutRequest request;
    request.nodes.reserve(m_topology.nodes.size());
    m_nodeLines.assign(m_topology.nodes.size(), {});
    m_nodeSizes.assign(m_topology.nodes.size(), {});
    const QFontMetricsF detailMetrics(m_style.detailFont);
    QHash<QString, double> detailWidths;
    for (size_t i = 0; i < m_topology.nodes.size(); ++i) {
        const GraphNode& node = m_topology.nodes[i];
        GraphLayoutRequest::Node spec;
        switch (node.kind) {
            case GraphNodeKind::Layer:
                m_nodeLines[i] = nodeLines(m_layers[i], detailWidths, &m_nodeSizes[i]);
                spec.shape = GraphLayoutRequest::Shape::Box;
                break;
            case GraphNodeKind::NetworkInput: {
                const QString label =
                    detailMetrics.elidedText(node.name, Qt::ElideMiddle, kMaximumInputLabelWidth);
                m_nodeLines[i] = QStringList{label};
                m_nodeSizes[i] =
                    QSizeF(std::max(60.0, std::ceil(detailMetrics.horizontalAdvance(label)) + 28),
                           std::ceil(m_style.detailLineHeight) + 12);
                spec.shape = GraphLayoutRequest::Shape::Ellipse;
                break;
            }
            case GraphNodeKind::Junction:
                m_nodeSizes[i] = QSizeF(kJunctionSize, kJunctionSize);
                spec.shape = GraphLayoutRequest::Shape::Point;
                break;
        }
        spec.width = m_nodeSizes[i].width();
        spec.height = m_nodeSizes[i].height();
        request.nodes.push_back(spec);
    }
    request.edges.reserve(m_topology.edges.size());
    for (const GraphEdge& edge : m_topology.edges)
        request.edges.push_back({edge.tail, edge.head, edge.arrow});
    m_timings.prepareMilliseconds = double(prepare.nsecsElapsed()) / 1e6;

    ++m_generation;
    m_cancelLayout = std::make_shared<std::atomic_bool>(false);
    m_layoutRunning = true;
    setMessage(tr("Laying out %n layer(s)…", nullptr, int(m_layers.size())));
    // The worker gets values only: the request, its own cancel flag and the generation it answers.
    m_watcher.setFuture(QtConcurrent::run(
        graphLayoutThreadPool(),
        [request = std::move(request), cancel = m_cancelLayout, generation = m_generation]() {
            LayoutOutcome outcome;
            outcome.generation = generation;
            outcome.layout = layoutGraph(request, cancel.get());
            return outcome;
        }));
}

void GraphView::cancelLayout() {
    m_cancelLayout->store(true);
    ++m_generation;
    m_layoutRunning = false;
}

void GraphView::onLayoutDone() {
    const QFuture<LayoutOutcome> future = m_watcher.future();
    if (future.resultCount() < 1) return;
    const LayoutOutcome outcome = future.result();
    if (outcome.generation != m_generation || outcome.layout.cancelled) return;
    m_layoutRunning = false;
    if (!outcome.layout.ok) {
        const QString message = tr("The layer graph could not be laid out: %1").arg(outcome.layout.error);
        setMessage(message);
        emit layoutFailed(message);
        return;
    }
    m_timings.graphvizMilliseconds = outcome.layout.milliseconds;
    QElapsedTimer sceneClock;
    sceneClock.start();
    buildScene(outcome.layout);
    setMessage(QString());
    applyColors();
    const QStringList highlight = m_pendingHighlight;
    m_pendingHighlight.clear();
    showInitialView();
    if (!highlight.isEmpty()) applyHighlight(highlight, true);
    m_timings.sceneMilliseconds = double(sceneClock.nsecsElapsed()) / 1e6;
    m_timings.totalMilliseconds = double(m_layoutClock.nsecsElapsed()) / 1e6;
    emit layoutFinished();
}

void GraphView::buildScene(const GraphLayoutResult& layout) {
    clearScene();
    m_nodeItems.assign(size_t(m_topology.layerCount), nullptr);
    const size_t nodeCount = std::min(m_topology.nodes.size(), layout.nodeCenters.size());
    for (size_t i = 0; i < nodeCount; ++i) {
        const GraphNode& node = m_topology.nodes[i];
        QGraphicsItem* item = nullptr;
        switch (node.kind) {
            case GraphNodeKind::Layer: {
                auto* layer = new GraphNodeItem(int(i), node.name, m_nodeLines[i], m_nodeSizes[i],
                                                m_layers[i].elided, &m_style);
                m_nodeItems[i] = layer;
                item = layer;
                break;
            }
            case GraphNodeKind::NetworkInput:
                item = new GraphInputItem(node.name, m_nodeLines[i].value(0), m_nodeSizes[i], &m_style);
                break;
            case GraphNodeKind::Junction:
                item = new GraphJunctionItem;
                break;
        }
        item->setPos(layout.nodeCenters[i]);
        m_scene->addItem(item);
    }
    for (size_t e = 0; e < m_topology.edges.size() && e < layout.edgePoints.size(); ++e) {
        const GraphEdge& edge = m_topology.edges[e];
        std::vector<QPointF> points = layout.edgePoints[e];
        if (points.empty()) {
            // Graphviz gave no route (it does not for some degenerate edges): a straight line, which
            // the node boxes, drawn above edges, cover at both ends.
            const QPointF from = layout.nodeCenters[size_t(edge.tail)];
            const QPointF to = layout.nodeCenters[size_t(edge.head)];
            points = {from, from, to, to};
        }
        const bool arrow = e < layout.hasArrow.size() && layout.hasArrow[e];
        m_scene->addItem(new GraphEdgeItem(points, arrow ? &layout.arrowTips[e] : nullptr));
    }
    m_scene->setSceneRect(layout.bounds.adjusted(-kSceneMargin, -kSceneMargin, kSceneMargin, kSceneMargin));
}

void GraphView::showInitialView() {
    const QRectF rect = m_scene->sceneRect();
    const QSize viewport = m_canvas->viewport()->size();
    if (rect.isEmpty() || viewport.isEmpty()) return;
    const double zoom = std::clamp(double(viewport.width()) / rect.width(), kSmallestInitialZoom, 1.0);
    m_canvas->setTransform(QTransform::fromScale(zoom, zoom));
    if (rect.height() * zoom <= viewport.height()) {
        m_canvas->centerOn(rect.center());
        return;
    }
    // Too tall to show whole: the top of the graph, centred on where it starts.
    double startX = rect.center().x();
    double startY = std::numeric_limits<double>::max();
    for (QGraphicsItem* item : m_scene->items()) {
        if (item->type() != GraphNodeItem::Type && item->type() != GraphInputItem::Type) continue;
        if (item->pos().y() < startY) {
            startY = item->pos().y();
            startX = item->pos().x();
        }
    }
    m_canvas->centerOn(startX, rect.top() + viewport.height() / (2 * zoom));
}

void GraphView::clearScene() {
    m_applyingSelection = true;
    m_nodeItems.clear();
    m_current = -1;
    m_scene->clear();
    m_scene->setSceneRect(QRectF());
    m_applyingSelection = false;
}

void GraphView::clear() {
    cancelLayout();
    clearScene();
    m_layers.clear();
    m_layerIndex.clear();
    m_topology = {};
    m_nodeLines.clear();
    m_nodeSizes.clear();
    m_pendingHighlight.clear();
    m_latencies.clear();
    m_errors.clear();
    m_errorMeasure.clear();
    setMessage(m_placeholder);
    updateLegend();
}

bool GraphView::isLayoutRunning() const {
    return m_layoutRunning;
}

int GraphView::nodeCount() const {
    return int(std::count_if(m_nodeItems.begin(), m_nodeItems.end(),
                             [](const GraphNodeItem* item) { return item; }));
}

QStringList GraphView::nodeNames() const {
    QStringList names;
    for (const GraphNodeItem* item : m_nodeItems) {
        if (item) names << item->name();
    }
    return names;
}

void GraphView::setColorMode(ColorMode mode) {
    if (mode == m_colorMode) return;
    m_colorMode = mode;
    applyColors();
}

void GraphView::setLayerLatencies(const QHash<QString, double>& milliseconds) {
    m_latencies = milliseconds;
    applyColors();
}

void GraphView::setLayerErrors(const QHash<QString, double>& errors, const QString& measure) {
    m_errors = errors;
    m_errorMeasure = measure;
    applyColors();
}

QColor GraphView::colorFor(int layerIndex) const {
    const LayerRecord& record = m_layers[size_t(layerIndex)];
    switch (m_colorMode) {
        case ColorMode::LayerType:
            return GraphPalette::categoryColor(GraphPalette::category(QString::fromStdString(record.kind)));
        case ColorMode::Precision:
            return GraphPalette::precisionColor(QString::fromStdString(record.precision));
        case ColorMode::Latency: {
            const auto it = m_latencies.constFind(QString::fromStdString(record.name));
            if (it == m_latencies.constEnd()) return GraphPalette::unmeasuredColor();
            return GraphPalette::latencyColor(m_maxLatency > 0 ? *it / m_maxLatency : 0.0);
        }
        case ColorMode::Error: {
            const auto it = m_errors.constFind(QString::fromStdString(record.name));
            if (it == m_errors.constEnd() || std::isnan(*it)) return GraphPalette::unmeasuredColor();
            if (std::isinf(*it)) return GraphPalette::overflowColor();
            if (!(*it > m_minError) || !(m_maxError > m_minError)) return GraphPalette::errorColor(0.0);
            return GraphPalette::errorColor(std::log(*it / m_minError) / std::log(m_maxError / m_minError));
        }
    }
    return GraphPalette::unmeasuredColor();
}

void GraphView::applyColors() {
    // Shares are of the layers this view shows: a latency table may name layers of another build.
    m_maxLatency = 0;
    m_totalLatency = 0;
    for (const LayerRecord& record : m_layers) {
        const auto it = m_latencies.constFind(QString::fromStdString(record.name));
        if (it == m_latencies.constEnd()) continue;
        m_maxLatency = std::max(m_maxLatency, *it);
        m_totalLatency += std::max(0.0, *it);
    }
    m_minError = 0;
    m_maxError = 0;
    for (const LayerRecord& record : m_layers) {
        const auto it = m_errors.constFind(QString::fromStdString(record.name));
        if (it == m_errors.constEnd() || !(*it > 0.0) || std::isinf(*it)) continue;
        m_minError = m_minError > 0 ? std::min(m_minError, *it) : *it;
        m_maxError = std::max(m_maxError, *it);
    }
    for (GraphNodeItem* item : m_nodeItems) {
        if (item) item->setFillColor(colorFor(item->layerIndex()));
    }
    updateLegend();
}

void GraphView::updateLegend() {
    QList<GraphLegend::Entry> entries;
    bool anyElided = false;
    m_legend->clearGradient();
    switch (m_colorMode) {
        case ColorMode::LayerType: {
            m_legend->setTitle(tr("Layer type"));
            std::vector<bool> present(size_t(kLayerCategoryCount), false);
            for (const LayerRecord& record : m_layers) {
                anyElided |= record.elided;
                if (!record.elided) {
                    present[size_t(GraphPalette::category(QString::fromStdString(record.kind)))] = true;
                }
            }
            for (int c = 0; c < kLayerCategoryCount; ++c) {
                if (!present[size_t(c)]) continue;
                const auto category = LayerCategory(c);
                entries.append({GraphPalette::categoryColor(category), GraphPalette::categoryName(category)});
            }
            break;
        }
        case ColorMode::Precision: {
            m_legend->setTitle(tr("Precision"));
            QStringList present;
            bool other = false;
            for (const LayerRecord& record : m_layers) {
                anyElided |= record.elided;
                if (record.elided) continue;
                const QString precision = QString::fromStdString(record.precision);
                if (!GraphPalette::hasOwnPrecisionColor(precision)) {
                    other = true;
                } else if (!present.contains(precision)) {
                    present << precision;
                }
            }
            for (const QString& precision :
                 {QStringLiteral("FP32"), QStringLiteral("FP16"), QStringLiteral("INT8")}) {
                if (present.contains(precision)) {
                    entries.append(
                        {GraphPalette::precisionColor(precision), GraphPalette::precisionName(precision)});
                }
            }
            if (other)
                entries.append(
                    {GraphPalette::precisionColor(QString()), GraphPalette::precisionName(QString())});
            break;
        }
        case ColorMode::Latency: {
            m_legend->setTitle(tr("Latency"));
            bool unmeasured = false;
            for (const LayerRecord& record : m_layers) {
                anyElided |= record.elided;
                if (!record.elided && !m_latencies.contains(QString::fromStdString(record.name)))
                    unmeasured = true;
            }
            if (m_maxLatency > 0) {
                const double share = m_totalLatency > 0 ? 100.0 * m_maxLatency / m_totalLatency : 0.0;
                m_legend->setGradient(
                    GraphPalette::latencyColor(0), GraphPalette::latencyColor(1), tr("0 ms"),
                    tr("%1 ms (%2 % of total)").arg(m_maxLatency, 0, 'f', 3).arg(share, 0, 'f', 1));
            }
            if (unmeasured) entries.append({GraphPalette::unmeasuredColor(), tr("Not measured")});
            break;
        }
        case ColorMode::Error: {
            m_legend->setTitle(m_errorMeasure.isEmpty() ? tr("Error against FP32")
                                                        : tr("Error: %1").arg(m_errorMeasure));
            bool uncompared = false;
            bool overflowed = false;
            for (const LayerRecord& record : m_layers) {
                anyElided |= record.elided;
                if (record.elided) continue;
                const auto it = m_errors.constFind(QString::fromStdString(record.name));
                if (it == m_errors.constEnd() || std::isnan(*it)) {
                    uncompared = true;
                } else if (std::isinf(*it)) {
                    overflowed = true;
                }
            }
            if (m_maxError > 0) {
                m_legend->setGradient(GraphPalette::errorColor(0), GraphPalette::errorColor(1),
                                      QString::number(m_minError, 'g', 2), QString::number(m_maxError, 'g', 2));
            }
            if (overflowed) entries.append({GraphPalette::overflowColor(), tr("NaN or overflow")});
            if (uncompared) entries.append({GraphPalette::unmeasuredColor(), tr("Not compared")});
            break;
        }
    }
    if (anyElided) entries.append({GraphPalette::elidedColor(), GraphPalette::elidedName(), true});
    m_legend->setEntries(entries);
    m_legend->setVisible(m_legendVisible && !m_layers.empty());
    placeOverlays();
}

void GraphView::setLegendVisible(bool visible) {
    m_legendVisible = visible;
    m_legend->setVisible(m_legendVisible && !m_layers.empty());
}

QColor GraphView::nodeColor(const QString& name) const {
    const int index = m_layerIndex.value(name, -1);
    if (index < 0 || size_t(index) >= m_nodeItems.size() || !m_nodeItems[size_t(index)]) return QColor();
    const GraphNodeItem* item = m_nodeItems[size_t(index)];
    return item->isElided() ? GraphPalette::elidedColor() : item->fillColor();
}

QRectF GraphView::nodeSceneRect(const QString& name) const {
    const int index = m_layerIndex.value(name, -1);
    if (index < 0 || size_t(index) >= m_nodeItems.size() || !m_nodeItems[size_t(index)]) return QRectF();
    const GraphNodeItem* item = m_nodeItems[size_t(index)];
    return item->mapRectToScene(item->shape().boundingRect());
}

void GraphView::setHighlightedLayers(const QStringList& names) {
    if (m_layoutRunning || m_nodeItems.empty()) {
        m_pendingHighlight = names;
        return;
    }
    applyHighlight(names, true);
}

QStringList GraphView::highlightedLayers() const {
    if (m_layoutRunning || m_nodeItems.empty()) return m_pendingHighlight;
    QStringList names;
    for (const GraphNodeItem* item : m_nodeItems) {
        if (item && item->isSelected()) names << item->name();
    }
    return names;
}

void GraphView::applyHighlight(const QStringList& names, bool centre) {
    m_applyingSelection = true;
    m_scene->clearSelection();
    m_current = -1;
    QRectF area;
    for (const QString& name : names) {
        const int index = m_layerIndex.value(name, -1);
        if (index < 0 || size_t(index) >= m_nodeItems.size() || !m_nodeItems[size_t(index)]) continue;
        GraphNodeItem* item = m_nodeItems[size_t(index)];
        item->setSelected(true);
        if (m_current < 0) m_current = index;
        area = area.isNull() ? item->sceneBoundingRect() : area.united(item->sceneBoundingRect());
    }
    m_applyingSelection = false;
    if (centre && !area.isNull()) m_canvas->centerOn(area.center());
}

void GraphView::selectNode(int layerIndex, bool centre, bool emitActivated) {
    if (layerIndex < 0 || size_t(layerIndex) >= m_nodeItems.size() || !m_nodeItems[size_t(layerIndex)])
        return;
    GraphNodeItem* item = m_nodeItems[size_t(layerIndex)];
    m_applyingSelection = true;
    m_scene->clearSelection();
    item->setSelected(true);
    m_applyingSelection = false;
    m_current = layerIndex;
    if (centre) {
        m_canvas->centerOn(item);
    } else {
        m_canvas->ensureVisible(item, 40, 40);
    }
    if (emitActivated) emit layerActivated(item->name());
}

int GraphView::selectedLayer() const {
    if (m_current >= 0 && size_t(m_current) < m_nodeItems.size() && m_nodeItems[size_t(m_current)] &&
        m_nodeItems[size_t(m_current)]->isSelected()) {
        return m_current;
    }
    for (const GraphNodeItem* item : m_nodeItems) {
        if (item && item->isSelected()) return item->layerIndex();
    }
    return -1;
}

void GraphView::onSceneSelectionChanged() {
    if (m_applyingSelection) return;
    const QList<QGraphicsItem*> selected = m_scene->selectedItems();
    if (selected.size() != 1 || selected.front()->type() != GraphNodeItem::Type) return;
    const auto* item = static_cast<const GraphNodeItem*>(selected.front());
    m_current = item->layerIndex();
    emit layerActivated(item->name());
}

bool GraphView::find(const QString& text) {
    if (text.isEmpty() || m_nodeItems.empty()) return false;
    const int count = int(m_nodeItems.size());
    const int start = selectedLayer();
    for (int step = 1; step <= count; ++step) {
        const int index = (start + step) % count;
        const GraphNodeItem* item = m_nodeItems[size_t(index)];
        if (item && item->name().contains(text, Qt::CaseInsensitive)) {
            selectNode(index, true, true);
            return true;
        }
    }
    return false;
}

int GraphView::neighbour(int layerIndex, int key) const {
    const QPointF from = m_nodeItems[size_t(layerIndex)]->pos();
    int best = -1;
    double bestDistance = std::numeric_limits<double>::max();
    const auto consider = [&](int candidate, double distance) {
        if (candidate < 0 || size_t(candidate) >= m_nodeItems.size() || !m_nodeItems[size_t(candidate)])
            return;
        if (distance < bestDistance) {
            bestDistance = distance;
            best = candidate;
        }
    };
    if (key == Qt::Key_Up || key == Qt::Key_Down) {
        // Among several producers (or consumers) the one most nearly straight above (below) is the
        // one the eye follows.
        const GraphNode& node = m_topology.nodes[size_t(layerIndex)];
        for (int candidate : key == Qt::Key_Up ? node.producers : node.consumers) {
            if (size_t(candidate) < m_nodeItems.size() && m_nodeItems[size_t(candidate)]) {
                consider(candidate, std::abs(m_nodeItems[size_t(candidate)]->pos().x() - from.x()));
            }
        }
        return best;
    }
    // dot centres every node of a rank on one line, so left and right stay on the rank.
    for (const GraphNodeItem* item : m_nodeItems) {
        if (!item || item->layerIndex() == layerIndex || std::abs(item->pos().y() - from.y()) > 1.0) continue;
        const double dx = item->pos().x() - from.x();
        if ((key == Qt::Key_Left && dx < 0) || (key == Qt::Key_Right && dx > 0))
            consider(item->layerIndex(), std::abs(dx));
    }
    return best;
}

bool GraphView::handleKey(int key) {
    if (m_nodeItems.empty()) return false;
    switch (key) {
        case Qt::Key_Plus:
        case Qt::Key_Equal:
            zoomIn();
            return true;
        case Qt::Key_Minus:
            zoomOut();
            return true;
        case Qt::Key_Return:
        case Qt::Key_Enter:
        case Qt::Key_F: {
            const int current = selectedLayer();
            if (current >= 0) m_canvas->centerOn(m_nodeItems[size_t(current)]);
            return true;
        }
        case Qt::Key_Up:
        case Qt::Key_Down:
        case Qt::Key_Left:
        case Qt::Key_Right: {
            const int current = selectedLayer();
            if (current < 0) {
                const auto first = std::find_if(m_nodeItems.begin(), m_nodeItems.end(),
                                                [](const GraphNodeItem* item) { return item; });
                if (first != m_nodeItems.end()) selectNode((*first)->layerIndex(), false, true);
                return true;
            }
            const int next = neighbour(current, key);
            if (next >= 0) selectNode(next, false, true);
            return true;
        }
        default:
            return false;
    }
}

double GraphView::zoomFactor() const {
    return m_canvas->transform().m11();
}

void GraphView::zoomBy(double factor, const QPoint* anchor) {
    const double current = zoomFactor();
    const double target =
        std::clamp(current * factor, std::min(kMinimumZoom, current), std::max(kMaximumZoom, current));
    if (current <= 0 || std::abs(target - current) < 1e-9) return;
    const double step = target / current;
    if (!anchor) {
        m_canvas->scale(step, step);
        return;
    }
    // Keep the scene point under the cursor where it is.
    const QPointF scenePoint = m_canvas->mapToScene(*anchor);
    m_canvas->scale(step, step);
    const QPoint drift = m_canvas->mapFromScene(scenePoint) - *anchor;
    m_canvas->horizontalScrollBar()->setValue(m_canvas->horizontalScrollBar()->value() + drift.x());
    m_canvas->verticalScrollBar()->setValue(m_canvas->verticalScrollBar()->value() + drift.y());
}

void GraphView::zoomIn() {
    zoomBy(kZoomStep, nullptr);
}

void GraphView::zoomOut() {
    zoomBy(1.0 / kZoomStep, nullptr);
}

void GraphView::fitToView() {
    if (m_nodeItems.empty()) return;
    m_canvas->fitInView(m_scene->sceneRect(), Qt::KeepAspectRatio);
}

QStringList GraphView::nodeLines(const LayerRecord& record, QHash<QString, double>& detailWidths,
                                 QSizeF* size) const {
    // Hundreds of layers share a handful of kinds and shapes: each is measured once per layout.
    const auto detailWidth = [&](const QString& text) {
        auto it = detailWidths.constFind(text);
        if (it == detailWidths.constEnd()) {
            it = detailWidths.insert(text, QFontMetricsF(m_style.detailFont).horizontalAdvance(text));
        }
        return *it;
    };
    const QFontMetricsF nameMetrics(m_style.nameFont);
    const QString name = QString::fromStdString(record.name);
    const QString kind = QString::fromStdString(record.kind);
    const QString shapes = joined(record.outputDims, QStringLiteral(", "));
    const double widths[] = {nameMetrics.horizontalAdvance(name), detailWidth(kind), detailWidth(shapes)};
    // Two points of slack: eliding text measured at exactly its own width may drop a character.
    const double width = std::clamp(
        std::ceil(*std::max_element(std::begin(widths), std::end(widths))) + 2 + 2 * m_style.padding,
        m_style.minimumWidth, m_style.maximumWidth);
    const double textWidth = width - 2 * m_style.padding;
    *size =
        QSizeF(width, std::ceil(2 * m_style.padding + m_style.nameLineHeight + 2 * m_style.detailLineHeight));
    QStringList lines{name, kind, shapes};
    if (widths[0] > textWidth) lines[0] = nameMetrics.elidedText(name, Qt::ElideMiddle, textWidth);
    const QFontMetricsF detailMetrics(m_style.detailFont);
    for (int i = 1; i < 3; ++i) {
        if (widths[i] > textWidth) lines[i] = detailMetrics.elidedText(lines[i], Qt::ElideRight, textWidth);
    }
    return lines;
}

QString GraphView::tooltipText(int layerIndex) const {
    const LayerRecord& record = m_layers[size_t(layerIndex)];
    const auto html = [](const std::string& text) { return QString::fromStdString(text).toHtmlEscaped(); };
    QStringList rows;
    rows << QStringLiteral("<b>%1</b>").arg(html(record.name));
    rows << tr("Type: %1").arg(html(record.kind));
    if (!record.parameters.empty()) rows << tr("Parameters: %1").arg(html(record.parameters));
    const QString inputs = joined(record.inputs, QStringLiteral(", "));
    if (!inputs.isEmpty()) rows << tr("Inputs: %1").arg(inputs.toHtmlEscaped());
    QStringList outputs;
    for (size_t i = 0; i < record.outputs.size(); ++i) {
        const QString dims =
            i < record.outputDims.size() ? QString::fromStdString(record.outputDims[i]) : QString();
        outputs << tr("%1 (%2)").arg(QString::fromStdString(record.outputs[i]), dims).toHtmlEscaped();
    }
    if (!outputs.isEmpty()) rows << tr("Outputs: %1").arg(outputs.join(QStringLiteral(", ")));
    rows << tr("Precision: %1").arg(html(record.precision));
    if (!record.tactic.empty()) rows << tr("Tactic: %1").arg(html(record.tactic));
    if (!record.provenance.empty() && record.provenance != std::vector<std::string>{record.name}) {
        rows << tr("From the model's: %1")
                    .arg(joined(record.provenance, QStringLiteral(", ")).toHtmlEscaped());
    }
    const auto latency = m_latencies.constFind(QString::fromStdString(record.name));
    if (latency != m_latencies.constEnd()) rows << tr("Time: %1 ms").arg(*latency, 0, 'f', 3);
    const auto error = m_errors.constFind(QString::fromStdString(record.name));
    if (error != m_errors.constEnd()) {
        rows << (std::isinf(*error) ? tr("Error: NaN or overflow")
                                    : tr("Error (%1): %2").arg(m_errorMeasure.toHtmlEscaped(),
                                                               QString::number(*error, 'g', 3)));
    }
    if (record.elided) rows << tr("Elided: its outputs alias its inputs, it executes nothing.");
    return rows.join(QStringLiteral("<br>"));
}

void GraphView::showTooltip(const QPoint& viewportPos, const QPoint& globalPos) {
    for (QGraphicsItem* item : m_canvas->items(viewportPos)) {
        if (item->type() == GraphNodeItem::Type) {
            QToolTip::showText(globalPos, tooltipText(static_cast<GraphNodeItem*>(item)->layerIndex()),
                               m_canvas->viewport());
            return;
        }
        if (item->type() == GraphInputItem::Type) {
            QToolTip::showText(
                globalPos,
                tr("Network input %1").arg(static_cast<GraphInputItem*>(item)->tensorName().toHtmlEscaped()),
                m_canvas->viewport());
            return;
        }
    }
    QToolTip::hideText();
}

bool GraphView::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_canvas && event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        if (key->modifiers() & (Qt::ControlModifier | Qt::AltModifier | Qt::MetaModifier)) return false;
        return handleKey(key->key());
    }
    if (watched == m_canvas->viewport()) {
        switch (event->type()) {
            case QEvent::Wheel: {
                const auto* wheel = static_cast<QWheelEvent*>(event);
                if (wheel->angleDelta().y() == 0 || m_nodeItems.empty()) return false;
                const QPoint position = wheel->position().toPoint();
                zoomBy(std::pow(kWheelZoomBase, wheel->angleDelta().y()), &position);
                return true;
            }
            case QEvent::ToolTip: {
                const auto* help = static_cast<QHelpEvent*>(event);
                showTooltip(help->pos(), help->globalPos());
                return true;
            }
            case QEvent::Resize:
                placeOverlays();
                break;
            default:
                break;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void GraphView::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    placeOverlays();
}

void GraphView::setPlaceholderText(const QString& text) {
    m_placeholder = text;
    if (m_layers.empty() && !m_layoutRunning) setMessage(m_placeholder);
}

QString GraphView::messageText() const {
    return m_messageText;
}

void GraphView::setMessage(const QString& text) {
    m_messageText = text;
    m_message->setText(text);
    m_message->setVisible(!text.isEmpty());
    placeOverlays();
}

void GraphView::placeOverlays() {
    const QRect viewport(m_canvas->viewport()->mapTo(this, QPoint(0, 0)), m_canvas->viewport()->size());
    m_message->setGeometry(viewport);
    m_message->raise();
}

namespace {

QByteArray dotString(const QString& text) {
    QByteArray quoted = "\"";
    for (const char c : text.toUtf8()) {
        if (c == '"' || c == '\\') quoted += '\\';
        quoted += c == '\n' ? QByteArray("\\n") : QByteArray(1, c);
    }
    return quoted + "\"";
}

}  // namespace

QByteArray GraphView::dotText(bool visibleOnly) const {
    const QRectF visible = m_canvas->mapToScene(m_canvas->viewport()->rect()).boundingRect();
    std::vector<bool> shown(m_layers.size(), false);
    QHash<QString, size_t> producer;
    for (size_t i = 0; i < m_layers.size(); ++i) {
        const QString name = QString::fromStdString(m_layers[i].name);
        const QRectF rect = nodeSceneRect(name);
        shown[i] = !visibleOnly || (!rect.isNull() && rect.intersects(visible));
        for (const std::string& output : m_layers[i].outputs) producer.insert(QString::fromStdString(output), i);
    }
    QByteArray dot = "digraph kiln {\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Sans\", fontsize=10];\n";
    for (size_t i = 0; i < m_layers.size(); ++i) {
        if (!shown[i]) continue;
        const LayerRecord& record = m_layers[i];
        const QString name = QString::fromStdString(record.name);
        const QColor fill = nodeColor(name);
        dot += "  n" + QByteArray::number(qulonglong(i)) + " [label=" +
               dotString(QString::fromStdString(record.kind) + QLatin1Char('\n') + name) + ", fillcolor=\"" +
               (fill.isValid() ? fill.name() : QStringLiteral("#dddddd")).toLatin1() + "\"" +
               (record.elided ? QByteArray(", style=\"rounded,filled,dashed\"") : QByteArray()) + "];\n";
    }
    for (size_t i = 0; i < m_layers.size(); ++i) {
        if (!shown[i]) continue;
        for (const std::string& input : m_layers[i].inputs) {
            auto from = producer.find(QString::fromStdString(input));
            if (from == producer.end() || !shown[*from] || *from == i) continue;
            dot += "  n" + QByteArray::number(qulonglong(*from)) + " -> n" + QByteArray::number(qulonglong(i)) + ";\n";
        }
    }
    if (m_legendVisible && m_legend && !m_legend->entries().isEmpty()) {
        dot += "  subgraph cluster_legend {\n    label=" + dotString(m_legend->title()) + ";\n    style=rounded;\n";
        int index = 0;
        for (const GraphLegend::Entry& entry : m_legend->entries()) {
            dot += "    legend" + QByteArray::number(index++) + " [label=" + dotString(entry.label) + ", fillcolor=\"" +
                   entry.color.name().toLatin1() + "\"" + (entry.dashed ? QByteArray(", style=\"rounded,filled,dashed\"") : QByteArray()) + "];\n";
        }
        dot += "  }\n";
    }
    dot += "}\n";
    return dot;
}

bool GraphView::exportImage(const QString& path, bool visibleOnly, QString* error) const {
    auto fail = [&](const QString& message) {
        if (error) *error = message;
        return false;
    };
    if (nodeCount() == 0) return fail(tr("There is no graph to export yet."));
    const QString suffix = QFileInfo(path).suffix().toLower();
    QByteArray bytes;
    if (suffix == QLatin1String("svg")) {
        QString problem;
        bytes = renderDotAsSvg(dotText(visibleOnly), &problem);
        if (bytes.isEmpty()) return fail(problem);
    } else if (suffix == QLatin1String("png")) {
        const QRectF source = visibleOnly ? m_canvas->mapToScene(m_canvas->viewport()->rect()).boundingRect()
                                          : m_scene->itemsBoundingRect().adjusted(-16, -16, 16, 16);
        // Two pixels per scene unit (up to 16k pixels a side), as a screen at 200 % shows it.
        const double scale = std::min({2.0, 16000.0 / std::max(1.0, source.width()), 16000.0 / std::max(1.0, source.height())});
        const QSize graphSize(int(std::ceil(source.width() * scale)), int(std::ceil(source.height() * scale)));
        // The legend goes to the right of the graph, as in the view, at the picture's scale.
        const bool withLegend = m_legendVisible && !m_layers.empty();
        const QSize legendSize = withLegend ? m_legend->sizeHint() : QSize();
        const double legendScale = withLegend ? std::max(1.0, scale) : 0.0;
        const int legendWidth = withLegend ? int(std::ceil((legendSize.width() + 2 * kOverlayMargin) * legendScale)) : 0;
        const int legendHeight = withLegend ? int(std::ceil((legendSize.height() + 2 * kOverlayMargin) * legendScale)) : 0;
        QImage image(QSize(graphSize.width() + legendWidth, std::max(graphSize.height(), legendHeight)),
                     QImage::Format_ARGB32_Premultiplied);
        if (image.isNull()) return fail(tr("The graph is too large for an image of %1 × %2 units.").arg(source.width()).arg(source.height()));
        image.fill(m_canvas->backgroundBrush().color().isValid() && m_canvas->backgroundBrush().style() != Qt::NoBrush
                       ? m_canvas->backgroundBrush().color()
                       : palette().color(QPalette::Base));
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setRenderHint(QPainter::TextAntialiasing);
        m_scene->render(&painter, QRectF(QPointF(0, 0), QSizeF(graphSize)), source);
        if (withLegend) {
            painter.translate(graphSize.width() + kOverlayMargin * legendScale, kOverlayMargin * legendScale);
            painter.scale(legendScale, legendScale);
            m_legend->paint(painter, QRect(QPoint(0, 0), legendSize));
        }
        painter.end();
        QBuffer buffer(&bytes);
        buffer.open(QIODevice::WriteOnly);
        if (!image.save(&buffer, "PNG")) return fail(tr("The image could not be encoded as PNG."));
    } else {
        return fail(tr("Export the graph as a .png or .svg file (not “%1”).").arg(QFileInfo(path).fileName()));
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        return fail(tr("Cannot write %1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
    }
    return true;
}

}  // namespace kiln::views

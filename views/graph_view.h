// The layer graph of one network, top to bottom: Graphviz's dot lays it out on a worker thread, a
// QGraphicsView draws it. The user pans (drag), zooms (wheel, + and -), fits, finds layers by name
// and walks the graph with the arrow keys (up to a producer, down to a consumer, left and right
// along a rank); Enter or F centres the selected layer. Nodes are colored by layer type, precision,
// measured latency or error against FP32, and a legend beside the canvas (never over a node, however the
// graph is zoomed or panned) says what the colors mean.
#pragma once

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QHash>
#include <QStringList>
#include <QWidget>
#include <atomic>
#include <memory>
#include <vector>

#include "graph_items.h"
#include "graph_layout.h"
#include "graph_topology.h"
#include "kiln/build_report.h"

class QGraphicsScene;
class QGraphicsView;
class QLabel;

namespace kiln::views {

class GraphLegend;

class GraphView : public QWidget {
    Q_OBJECT

public:
    enum class ColorMode { LayerType, Precision, Latency, Error };

    // Where the time of the last layout went, for benchmarks and for users who ask why it is slow.
    struct LayoutTimings {
        double prepareMilliseconds = 0;   // GUI thread: graph structure and label sizes
        double graphvizMilliseconds = 0;  // worker thread: dot
        double sceneMilliseconds = 0;     // GUI thread: creating the items
        double totalMilliseconds = 0;     // setLayers() until the nodes were shown
    };

    explicit GraphView(QWidget* parent = nullptr);
    ~GraphView() override;

    // Starts a Graphviz dot layout off the GUI thread; the nodes are shown when it is done
    // (layoutFinished). Records with the same structure as those shown only update colors and data.
    void setLayers(const std::vector<kiln::LayerRecord>& layers);
    void clear();
    bool isLayoutRunning() const;
    // Layer nodes shown (0 while the layout runs).
    int nodeCount() const;
    QStringList nodeNames() const;

    void setColorMode(ColorMode mode);
    ColorMode colorMode() const { return m_colorMode; }
    // Measured time per layer (for ColorMode::Latency), by layer name.
    void setLayerLatencies(const QHash<QString, double>& milliseconds);
    // Error against FP32 per layer (for ColorMode::Error), by layer name: infinite where the layer
    // overflowed. `measure` names what the numbers are ("FP16, mean relative error") for the legend.
    void setLayerErrors(const QHash<QString, double>& errors, const QString& measure);
    const QHash<QString, double>& layerErrors() const { return m_errors; }

    // Programmatic selection: selects these layers, centres on them, emits nothing. Names that are
    // not shown are ignored; given during a layout they apply when it finishes.
    void setHighlightedLayers(const QStringList& names);
    QStringList highlightedLayers() const;

    // Selects and centres the next layer (after the selected one, wrapping) whose name contains
    // `text`, ignoring case; emits layerActivated. False when no layer matches.
    bool find(const QString& text);

    void zoomIn();
    void zoomOut();
    void fitToView();

    // Shown in the middle of the view while it has no layers ("Build the network to see ...").
    void setPlaceholderText(const QString& text);
    // The text the view shows instead of a graph (placeholder, progress, error); empty with a graph.
    QString messageText() const;

    void setLegendVisible(bool visible);
    bool isLegendVisible() const { return m_legendVisible; }
    GraphLegend* legend() const { return m_legend; }

    // Writes the graph as shown (its colors and, unless hidden with setLegendVisible, its legend beside it) to
    // `path`: PNG (rendered as the view paints it) or SVG (laid out and rendered by Graphviz), by the file's
    // suffix; the whole graph,
    // or with `visibleOnly` the layers in view. Written atomically; false with `error` set when there is
    // no graph, the suffix is neither, or the file cannot be written.
    bool exportImage(const QString& path, bool visibleOnly, QString* error) const;
    // The graph as DOT, with each node's fill color and the legend as a cluster (what exportImage lays
    // out for SVG).
    QByteArray dotText(bool visibleOnly) const;

    // The records shown or being laid out.
    const std::vector<kiln::LayerRecord>& layers() const { return m_layers; }
    // The fill a layer node has now; invalid when the layer is not shown.
    QColor nodeColor(const QString& name) const;
    // Where a layer node is in scene coordinates; null when the layer is not shown.
    QRectF nodeSceneRect(const QString& name) const;
    QGraphicsView* canvas() const { return m_canvas; }
    double zoomFactor() const;
    LayoutTimings lastLayoutTimings() const { return m_timings; }

signals:
    void layerActivated(const QString& name);  // the user selected a node (click, keyboard, find)
    void layoutFinished();                     // nodes are shown
    void layoutFailed(const QString& message);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    struct LayoutOutcome {
        GraphLayoutResult layout;
        quint64 generation = 0;
    };

    void startLayout();
    void cancelLayout();
    void onLayoutDone();
    void buildScene(const GraphLayoutResult& layout);
    void showInitialView();
    void clearScene();
    void applyColors();
    void updateLegend();
    QColor colorFor(int layerIndex) const;
    void applyHighlight(const QStringList& names, bool centre);
    void selectNode(int layerIndex, bool centre, bool emitActivated);
    int selectedLayer() const;
    bool handleKey(int key);
    int neighbour(int layerIndex, int key) const;
    void zoomBy(double factor, const QPoint* anchor);
    void showTooltip(const QPoint& viewportPos, const QPoint& globalPos);
    QStringList nodeLines(const kiln::LayerRecord& record, QHash<QString, double>& detailWidths,
                          QSizeF* size) const;
    QString tooltipText(int layerIndex) const;
    void initStyle();
    void setMessage(const QString& text);
    void placeOverlays();
    void onSceneSelectionChanged();

    QGraphicsScene* m_scene = nullptr;
    QGraphicsView* m_canvas = nullptr;
    QLabel* m_message = nullptr;
    GraphLegend* m_legend = nullptr;
    bool m_legendVisible = true;
    QString m_placeholder;
    QString m_messageText;

    std::vector<kiln::LayerRecord> m_layers;
    GraphTopology m_topology;
    std::vector<GraphNodeItem*> m_nodeItems;  // by layer index; empty while no graph is shown
    QHash<QString, int> m_layerIndex;
    // Per topology node, measured on the GUI thread before the layout: label lines and box size.
    std::vector<QStringList> m_nodeLines;
    std::vector<QSizeF> m_nodeSizes;
    GraphItemStyle m_style;
    int m_current = -1;  // the layer navigation and find continue from
    double m_maxLatency = 0;
    double m_totalLatency = 0;
    // The finite, positive errors of the layers shown span [m_minError, m_maxError]; colors are spread
    // over that range on a log scale.
    double m_minError = 0;
    double m_maxError = 0;

    ColorMode m_colorMode = ColorMode::LayerType;
    QHash<QString, double> m_latencies;
    QHash<QString, double> m_errors;
    QString m_errorMeasure;
    QStringList m_pendingHighlight;
    bool m_applyingSelection = false;

    QFutureWatcher<LayoutOutcome> m_watcher;
    std::shared_ptr<std::atomic_bool> m_cancelLayout;
    quint64 m_generation = 0;
    bool m_layoutRunning = false;
    QElapsedTimer m_layoutClock;
    LayoutTimings m_timings;
};

}  // namespace kiln::views

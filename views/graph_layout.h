// Graphviz dot layout of a graph whose node sizes are already known: a pure function that the graph
// view runs off the GUI thread. Input and output are plain values in scene units (one unit is one
// pixel at 100 % zoom, handed to Graphviz as one point), y growing downwards as in Qt.
#pragma once

#include <QPointF>
#include <QRectF>
#include <QString>
#include <atomic>
#include <vector>

class QThreadPool;

namespace kiln::views {

struct GraphLayoutRequest {
    enum class Shape { Box, Ellipse, Point };
    struct Node {
        double width = 0;
        double height = 0;
        Shape shape = Shape::Box;
    };
    struct Edge {
        int tail = 0;
        int head = 0;
        bool arrow = true;
    };
    std::vector<Node> nodes;
    std::vector<Edge> edges;
};

struct GraphLayoutResult {
    bool ok = false;
    QString error;                     // Graphviz's own words when ok is false
    std::vector<QPointF> nodeCenters;  // one per request node
    // One per request edge: cubic Bézier pieces as Graphviz gives them (start, then three points per
    // piece); empty when Graphviz routed none.
    std::vector<std::vector<QPointF>> edgePoints;
    // Where the arrowhead of each edge ends (its base is the edge's last point), where hasArrow says
    // there is one.
    std::vector<QPointF> arrowTips;
    std::vector<bool> hasArrow;
    QRectF bounds;
    bool cancelled = false;   // `cancelled` was set before the layout started
    double milliseconds = 0;  // time inside Graphviz, waiting for the lock excluded
};

// Lays the graph out top to bottom with dot. Graphviz keeps global state, so calls are serialized
// on one process-wide lock: running two layouts at once is safe, they just take turns. A layout
// whose `cancelled` flag is set by the time it gets the lock is not run (dot itself cannot be
// interrupted).
GraphLayoutResult layoutGraph(const GraphLayoutRequest& request, const std::atomic_bool* cancelled = nullptr);

// Lays out a graph written in the DOT language and renders it as SVG with Graphviz's own renderer, under
// the same lock; an empty array and `error` set when Graphviz cannot read or render it.
QByteArray renderDotAsSvg(const QByteArray& dot, QString* error);

// The one thread layouts run on. Not the global pool: Qt's raster paint engine hands parts of large
// fills to the global pool and waits for them on the GUI thread, so a layout occupying a global pool
// thread for a second would freeze painting for that second. One thread, because the lock above
// lets only one layout run anyway.
QThreadPool* graphLayoutThreadPool();

}  // namespace kiln::views

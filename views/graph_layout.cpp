// Runs Graphviz's dot layout through libgvc/libcgraph; see graph_layout.h.
#include "graph_layout.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <QByteArray>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThreadPool>
#include <mutex>
#include <string>

namespace kiln::views {

namespace {

// Graphviz's layout code keeps state in globals (and so does its error reporting), so every use of
// it in this process goes through this lock.
std::mutex& graphvizMutex() {
    static std::mutex mutex;
    return mutex;
}

// Messages Graphviz reports while the lock is held; read back when a layout fails.
std::string& graphvizMessages() {
    static std::string messages;
    return messages;
}

int collectGraphvizMessage(char* message) {
    graphvizMessages() += message;
    return 0;
}

// cgraph's API predates const; it copies the strings it is given and never writes to them.
char* text(const char* value) {
    return const_cast<char*>(value);
}

// Always with a decimal point: std::to_string would follow the user's LC_NUMERIC ("1,5" in German),
// which Graphviz would misread.
QByteArray inches(double points) {
    return QByteArray::number(points / 72.0, 'f', 4);
}

const char* shapeName(GraphLayoutRequest::Shape shape) {
    switch (shape) {
        case GraphLayoutRequest::Shape::Box:
            return "box";
        case GraphLayoutRequest::Shape::Ellipse:
            return "ellipse";
        case GraphLayoutRequest::Shape::Point:
            return "point";
    }
    return "box";
}

// One Graphviz context for the process, made on first use with the lock held. Making one per layout
// costs 15 to 40 ms of reading plugin configuration, and Graphviz 2.42 leaks a few kilobytes of it
// each time; the context keeps no per-layout state, so it is kept until the process ends.
GVC_t* sharedContext() {
    static GVC_t* context = gvContext();
    return context;
}

// Owns one graph and its layout so that every return path frees them in the right order.
class GraphvizSession {
public:
    GraphvizSession() : m_context(sharedContext()) {
        if (m_context) m_graph = agopen(text("kiln"), Agdirected, nullptr);
    }
    ~GraphvizSession() {
        if (m_laidOut) gvFreeLayout(m_context, m_graph);
        if (m_graph) agclose(m_graph);
    }
    GraphvizSession(const GraphvizSession&) = delete;
    GraphvizSession& operator=(const GraphvizSession&) = delete;

    GVC_t* context() const { return m_context; }
    Agraph_t* graph() const { return m_graph; }
    bool layout() {
        m_laidOut = gvLayout(m_context, m_graph, "dot") == 0;
        return m_laidOut;
    }

private:
    GVC_t* m_context = nullptr;
    Agraph_t* m_graph = nullptr;
    bool m_laidOut = false;
};

void setGraphAttributes(Agraph_t* graph) {
    agattr(graph, AGRAPH, text("rankdir"), text("TB"));
    agattr(graph, AGRAPH, text("splines"), text("spline"));
    agattr(graph, AGRAPH, text("nodesep"), text("0.3"));
    agattr(graph, AGRAPH, text("ranksep"), text("0.35"));
    // The x-coordinate pass is a network simplex over every node plus one virtual node per rank an
    // edge crosses; run to optimality it dominates the time on large models (seconds for
    // DenseNet-121) while the last iterations only shift nodes by a few points. Twice the node
    // count of iterations keeps the layout tidy and the time well under a second.
    agattr(graph, AGRAPH, text("nslimit"), text("2"));
}

class LayoutThreadPool : public QThreadPool {
public:
    LayoutThreadPool() { setMaxThreadCount(1); }
};

Q_GLOBAL_STATIC(LayoutThreadPool, layoutThreads)

}  // namespace

QThreadPool* graphLayoutThreadPool() {
    return layoutThreads();
}

GraphLayoutResult layoutGraph(const GraphLayoutRequest& request, const std::atomic_bool* cancelled) {
    GraphLayoutResult result;
    // Checked before and after waiting for the lock: a layout superseded while another ran is skipped.
    if (cancelled && cancelled->load()) {
        result.cancelled = true;
        return result;
    }
    std::lock_guard<std::mutex> lock(graphvizMutex());
    if (cancelled && cancelled->load()) {
        result.cancelled = true;
        return result;
    }
    QElapsedTimer clock;
    clock.start();
    graphvizMessages().clear();
    const agusererrf previousHandler = agseterrf(collectGraphvizMessage);
    struct RestoreHandler {
        agusererrf handler;
        ~RestoreHandler() { agseterrf(handler); }
    } restoreHandler{previousHandler};

    GraphvizSession session;
    if (!session.context() || !session.graph()) {
        result.error =
            QCoreApplication::translate("kiln::views::GraphLayout", "Graphviz could not be started.");
        return result;
    }
    Agraph_t* graph = session.graph();
    setGraphAttributes(graph);
    Agsym_t* shape = agattr(graph, AGNODE, text("shape"), text("box"));
    Agsym_t* width = agattr(graph, AGNODE, text("width"), text("1"));
    Agsym_t* height = agattr(graph, AGNODE, text("height"), text("0.5"));
    agattr(graph, AGNODE, text("fixedsize"), text("true"));
    // No labels: the view draws its own text, and Graphviz measuring text would only cost time.
    agattr(graph, AGNODE, text("label"), text(""));
    Agsym_t* arrowhead = agattr(graph, AGEDGE, text("arrowhead"), text("normal"));

    std::vector<Agnode_t*> nodes;
    nodes.reserve(request.nodes.size());
    for (size_t i = 0; i < request.nodes.size(); ++i) {
        const GraphLayoutRequest::Node& spec = request.nodes[i];
        const std::string name = "n" + std::to_string(i);
        Agnode_t* node = agnode(graph, text(name.c_str()), 1);
        agxset(node, shape, text(shapeName(spec.shape)));
        agxset(node, width, text(inches(spec.width).constData()));
        agxset(node, height, text(inches(spec.height).constData()));
        nodes.push_back(node);
    }
    std::vector<Agedge_t*> edges;
    edges.reserve(request.edges.size());
    for (const GraphLayoutRequest::Edge& spec : request.edges) {
        const bool valid = spec.tail >= 0 && spec.head >= 0 && size_t(spec.tail) < nodes.size() &&
                           size_t(spec.head) < nodes.size();
        Agedge_t* edge =
            valid ? agedge(graph, nodes[size_t(spec.tail)], nodes[size_t(spec.head)], nullptr, 1) : nullptr;
        if (edge && !spec.arrow) agxset(edge, arrowhead, text("none"));
        edges.push_back(edge);
    }

    if (!session.layout()) {
        const std::string& messages = graphvizMessages();
        result.error = messages.empty() ? QCoreApplication::translate("kiln::views::GraphLayout",
                                                                      "Graphviz's dot layout failed.")
                                        : QString::fromStdString(messages).trimmed();
        return result;
    }

    const boxf box = GD_bb(graph);
    // Graphviz's y axis points up; the scene's points down.
    const auto toScene = [&box](pointf point) { return QPointF(point.x - box.LL.x, box.UR.y - point.y); };
    result.bounds = QRectF(0, 0, box.UR.x - box.LL.x, box.UR.y - box.LL.y);
    result.nodeCenters.reserve(nodes.size());
    for (Agnode_t* node : nodes)
        result.nodeCenters.push_back(toScene(ND_coord(node)));
    result.edgePoints.resize(edges.size());
    result.arrowTips.resize(edges.size());
    result.hasArrow.resize(edges.size(), false);
    for (size_t i = 0; i < edges.size(); ++i) {
        const splines* spline = edges[i] ? ED_spl(edges[i]) : nullptr;
        // Without edge concentration every edge is a single Bézier chain.
        if (!spline || spline->size < 1) continue;
        const bezier& curve = spline->list[0];
        for (int p = 0; p < curve.size; ++p)
            result.edgePoints[i].push_back(toScene(curve.list[p]));
        if (curve.eflag) {
            result.arrowTips[i] = toScene(curve.ep);
            result.hasArrow[i] = true;
        }
    }
    result.ok = true;
    result.milliseconds = double(clock.nsecsElapsed()) / 1e6;
    return result;
}

QByteArray renderDotAsSvg(const QByteArray& dot, QString* error) {
    std::lock_guard<std::mutex> lock(graphvizMutex());
    graphvizMessages().clear();
    const agusererrf previousHandler = agseterrf(collectGraphvizMessage);
    struct RestoreHandler {
        agusererrf handler;
        ~RestoreHandler() { agseterrf(handler); }
    } restore{previousHandler};
    auto failed = [&](const char* what) {
        if (error) {
            const QString details = graphvizMessages().empty()
                                        ? QString()
                                        : QStringLiteral(": ") + QString::fromStdString(graphvizMessages()).trimmed();
            *error = QCoreApplication::translate("kiln::views::GraphLayout", "%1%2. Export the graph as PNG instead.")
                         .arg(QCoreApplication::translate("kiln::views::GraphLayout", what), details);
        }
        return QByteArray();
    };
    GVC_t* context = sharedContext();
    if (!context) return failed(QT_TRANSLATE_NOOP("kiln::views::GraphLayout", "Graphviz could not start"));
    Agraph_t* graph = agmemread(dot.constData());
    if (!graph) return failed(QT_TRANSLATE_NOOP("kiln::views::GraphLayout", "Graphviz could not read the graph"));
    if (gvLayout(context, graph, "dot") != 0) {
        agclose(graph);
        return failed(QT_TRANSLATE_NOOP("kiln::views::GraphLayout", "Graphviz could not lay the graph out"));
    }
    char* data = nullptr;
    unsigned int length = 0;
    const int rendered = gvRenderData(context, graph, "svg", &data, &length);
    QByteArray svg = rendered == 0 && data ? QByteArray(data, int(length)) : QByteArray();
    if (data) gvFreeRenderData(data);
    gvFreeLayout(context, graph);
    agclose(graph);
    if (svg.isEmpty()) return failed(QT_TRANSLATE_NOOP("kiln::views::GraphLayout", "Graphviz could not render SVG"));
    return svg;
}

}  // namespace kiln::views

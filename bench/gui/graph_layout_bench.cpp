// Times what a user waits for when a model's layer graph opens: ONNX parse, the Graphviz layout
// (worker thread), the scene build (GUI thread), and the longest stall of the GUI event loop while
// the view lays the model out, measured by a 5 ms timer that records the largest gap between its
// ticks. Also times repaints of the laid-out graph: fitted to the window, at 100 %, after panning
// and after one zoom step.
//
//   kiln_graph_layout_bench MODEL.onnx            the "before fusion" graph in one GraphView
//   kiln_graph_layout_bench MODEL.onnx --report   build with fusion, then both sides of the
//                                                 ComparisonGraphView (as after a build)
//   --screenshot FILE.png                         also saves the window as first shown
//   --dot FILE.dot                                also writes the graph handed to Graphviz
//
// Symbolic input dimensions are taken as 1. Runs on the offscreen platform unless QT_QPA_PLATFORM or a
// display says otherwise. Prints one "figure: value unit" line per figure.
#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QGraphicsView>
#include <QScrollBar>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <string>

#include "comparison_graph_view.h"
#include "graph_topology.h"
#include "graph_view.h"
#include "kiln/build_report.h"
#include "kiln/builder.h"
#include "kiln/onnx_parser.h"

namespace {

double millisecondsSince(const QElapsedTimer& clock) {
    return double(clock.nsecsElapsed()) / 1e6;
}

void printFigure(const char* name, double value, const char* unit) {
    std::printf("%s: %.1f %s\n", name, value, unit);
}

// Records the largest gap between ticks of a 5 ms timer: how long the event loop was kept busy.
class StallMeter : public QObject {
public:
    StallMeter() {
        m_timer.setInterval(5);
        m_timer.setTimerType(Qt::PreciseTimer);
        QObject::connect(&m_timer, &QTimer::timeout, this, [this] {
            const double now = millisecondsSince(m_clock);
            m_longest = std::max(m_longest, now - m_last);
            m_last = now;
        });
    }
    void start() {
        m_clock.start();
        m_last = 0;
        m_longest = 0;
        m_timer.start();
    }
    double stop() {
        m_timer.stop();
        return std::max(m_longest, millisecondsSince(m_clock) - m_last);
    }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    double m_last = 0;
    double m_longest = 0;
};

void spin(int milliseconds) {
    QEventLoop loop;
    QTimer::singleShot(milliseconds, &loop, &QEventLoop::quit);
    loop.exec();
}

// Waits until every given view has finished (or failed) its layout, or 60 s have passed.
bool waitForLayouts(const std::vector<kiln::views::GraphView*>& views) {
    QEventLoop loop;
    int pending = int(views.size());
    bool failed = false;
    for (kiln::views::GraphView* view : views) {
        QObject::connect(view, &kiln::views::GraphView::layoutFinished, &loop, [&] {
            if (--pending == 0) loop.quit();
        });
        QObject::connect(view, &kiln::views::GraphView::layoutFailed, &loop, [&](const QString& message) {
            std::fprintf(stderr, "layout failed: %s\n", qPrintable(message));
            failed = true;
            loop.quit();
        });
    }
    QTimer::singleShot(60000, &loop, [&] {
        failed = true;
        loop.quit();
    });
    loop.exec();
    return !failed;
}

// The graph as handed to Graphviz, in DOT (box sizes approximate), for running dot by hand.
void writeDot(const std::vector<kiln::LayerRecord>& layers, const QString& path) {
    const kiln::views::GraphTopology topology = kiln::views::buildGraphTopology(layers);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) return;
    file.write(
        "digraph G {\n  rankdir=TB; nslimit=2; node [shape=box, fixedsize=true, width=2, height=0.7, "
        "label=\"\"];\n");
    for (size_t i = 0; i < topology.nodes.size(); ++i) {
        const kiln::views::GraphNode& node = topology.nodes[i];
        const char* shape = node.kind == kiln::views::GraphNodeKind::Junction ? " [shape=point, width=0.07]"
                            : node.kind == kiln::views::GraphNodeKind::NetworkInput
                                ? " [shape=ellipse, width=1, height=0.4]"
                                : "";
        file.write(QStringLiteral("  n%1%2;\n").arg(i).arg(QLatin1String(shape)).toUtf8());
    }
    for (const kiln::views::GraphEdge& edge : topology.edges) {
        file.write(QStringLiteral("  n%1 -> n%2%3;\n")
                       .arg(edge.tail)
                       .arg(edge.head)
                       .arg(edge.arrow ? QString() : QStringLiteral(" [arrowhead=none]"))
                       .toUtf8());
    }
    file.write("}\n");
}

// The median of five full repaints of the view as it stands.
double repaintMilliseconds(kiln::views::GraphView* view) {
    std::vector<double> times;
    for (int i = 0; i < 5; ++i) {
        QElapsedTimer clock;
        clock.start();
        view->canvas()->viewport()->repaint();
        times.push_back(millisecondsSince(clock));
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

void printViewFigures(const char* side, kiln::views::GraphView* view) {
    const kiln::views::GraphView::LayoutTimings timings = view->lastLayoutTimings();
    std::printf("%s layers shown: %d\n", side, view->nodeCount());
    std::string prefix(side);
    printFigure((prefix + " label measuring (GUI thread)").c_str(), timings.prepareMilliseconds, "ms");
    printFigure((prefix + " Graphviz layout (worker thread)").c_str(), timings.graphvizMilliseconds, "ms");
    printFigure((prefix + " scene build (GUI thread)").c_str(), timings.sceneMilliseconds, "ms");
    printFigure((prefix + " setLayers to nodes shown").c_str(), timings.totalMilliseconds, "ms");
    view->fitToView();
    printFigure((prefix + " repaint, whole graph fitted (median of 5)").c_str(), repaintMilliseconds(view),
                "ms");
    view->canvas()->resetTransform();
    printFigure((prefix + " repaint at 100 % (median of 5)").c_str(), repaintMilliseconds(view), "ms");
    // One frame of panning and of zooming at 100 %: the first repaint after the change.
    QElapsedTimer clock;
    view->canvas()->verticalScrollBar()->setValue(view->canvas()->verticalScrollBar()->value() + 200);
    clock.start();
    view->canvas()->viewport()->repaint();
    printFigure((prefix + " repaint after panning 200 px").c_str(), millisecondsSince(clock), "ms");
    view->zoomIn();
    clock.restart();
    view->canvas()->viewport()->repaint();
    printFigure((prefix + " repaint after one zoom step").c_str(), millisecondsSince(clock), "ms");
}

}  // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY") &&
        qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    QApplication app(argc, argv);
    const QStringList arguments = app.arguments();
    if (arguments.size() < 2) {
        std::fprintf(stderr, "usage: %s MODEL.onnx [--report] [--screenshot FILE.png] [--dot FILE.dot]\n",
                     argv[0]);
        return 2;
    }
    const bool withReport = arguments.contains(QStringLiteral("--report"));

    const std::string path = arguments.at(1).toStdString();
    QElapsedTimer clock;
    clock.start();
    // Symbolic dimensions (the zoo models' batch) become 1, as a user opening the model would choose.
    kiln::OnnxParseOptions options;
    if (kiln::Result<std::vector<kiln::OnnxInputInfo>> inputs = kiln::readOnnxInputs(path); inputs.isOk()) {
        for (const kiln::OnnxInputInfo& input : inputs.value()) {
            kiln::Dims dims(input.dims.begin(), input.dims.end());
            for (int64_t& extent : dims)
                extent = extent < 0 ? 1 : extent;
            options.inputShapes[input.name] = dims;
        }
    }
    kiln::Result<kiln::NetworkDefinition> network = kiln::parseOnnxFile(path, options);
    const double parseMilliseconds = millisecondsSince(clock);
    if (!network.isOk()) {
        std::fprintf(stderr, "%s\n", network.status().message().c_str());
        return 1;
    }
    std::printf("model: %s\n", qPrintable(arguments.at(1)));
    printFigure("parse", parseMilliseconds, "ms");

    kiln::BuildReport report;
    if (withReport) {
        clock.restart();
        kiln::Result<std::shared_ptr<kiln::Engine>> engine = kiln::Builder::build(network.value(), {});
        if (!engine.isOk()) {
            std::fprintf(stderr, "%s\n", engine.status().message().c_str());
            return 1;
        }
        printFigure("build (Builder::build, default configuration)", millisecondsSince(clock), "ms");
        report = engine.value()->report();
    } else {
        report.layersBefore = kiln::describeLayers(network.value());
    }
    std::printf("layers before fusion: %zu\n", report.layersBefore.size());
    if (const qsizetype dot = arguments.indexOf(QStringLiteral("--dot"));
        dot > 0 && dot + 1 < arguments.size()) {
        writeDot(report.layersBefore, arguments.at(dot + 1));
    }
    if (withReport) std::printf("layers after fusion: %zu\n", report.layersAfter.size());

    kiln::views::ComparisonGraphView comparison;
    kiln::views::GraphView single;
    QWidget* window = withReport ? static_cast<QWidget*>(&comparison) : &single;
    window->resize(1600, 1000);
    window->show();
    spin(200);

    StallMeter stall;
    const std::clock_t cpuStart = std::clock();
    stall.start();
    clock.restart();
    std::vector<kiln::views::GraphView*> views;
    if (withReport) {
        comparison.setReport(report);
        views = {comparison.beforeView(), comparison.afterView()};
    } else {
        single.setLayers(report.layersBefore);
        views = {&single};
    }
    const bool ok = waitForLayouts(views);
    const double shownMilliseconds = millisecondsSince(clock);
    const double cpuMilliseconds = 1000.0 * double(std::clock() - cpuStart) / CLOCKS_PER_SEC;
    spin(300);  // the first paints of the laid-out graph count as part of opening it
    const double longestStall = stall.stop();
    if (!ok) return 1;

    printFigure("open to graph shown (parse + layout + scene)", parseMilliseconds + shownMilliseconds, "ms");
    printFigure("longest GUI event-loop stall", longestStall, "ms");
    // Wall times above include waiting for a busy CPU; this is the work itself (all threads).
    printFigure("process CPU time from setLayers to nodes shown", cpuMilliseconds, "ms");
    if (const qsizetype shot = arguments.indexOf(QStringLiteral("--screenshot"));
        shot > 0 && shot + 1 < arguments.size()) {
        window->grab().save(arguments.at(shot + 1));
    }
    printViewFigures(withReport ? "before" : "graph", views.front());
    if (withReport) printViewFigures("after", views.back());
    return 0;
}

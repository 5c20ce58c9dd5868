// How responsive the workbench stays on a large model: drives the real MainWindow through opening a model
// (until its graph is laid out and shown), building it (until both graphs are shown) and profiling it,
// while a 5 ms timer on the GUI thread measures the longest gap between its ticks: the longest time the
// window could not react to the user. Prints one line per figure:
//   open+layout wall / longest stall, build wall / longest stall, profile wall / longest stall
// plus where the graph layouts spent their time. Usage:
//   QT_QPA_PLATFORM=offscreen kiln_workbench_stall_bench [model.onnx] [--runs N] [--warmup N]
//       [--screenshots DIR]
// The model defaults to the sample. A model with symbolic input dimensions is opened with the shapes the
// Build panel proposes (1 for each open extent). --screenshots saves the window after each phase.
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QPushButton>
#include <QSpinBox>
#include <QTimer>
#include <cstdio>
#include <utility>
#include <functional>

#include "comparison_graph_view.h"
#include "graph_view.h"
#include "main_window.h"
#include "translations.h"

using kiln::workbench::MainWindow;

namespace {

// Times every event the GUI thread delivers at the top level (not those sent while another is handled),
// so that a stall can be traced to the event and the object that caused it.
class TimingApplication : public QApplication {
public:
    using QApplication::QApplication;

    bool notify(QObject* receiver, QEvent* event) override {
        if (m_depth > 0) return QApplication::notify(receiver, event);
        // Described before delivery: a DeferredDelete event deletes its receiver.
        const char* className = receiver->metaObject()->className();
        const QString objectName = receiver->objectName();
        const int type = event->type();
        ++m_depth;
        QElapsedTimer clock;
        clock.start();
        const bool result = QApplication::notify(receiver, event);
        const double elapsed = double(clock.nsecsElapsed()) / 1e6;
        --m_depth;
        if (elapsed > m_slowestMilliseconds) {
            m_slowestMilliseconds = elapsed;
            m_slowest = QStringLiteral("%1 ms in event type %2 to %3 \"%4\"")
                            .arg(elapsed, 0, 'f', 1)
                            .arg(type)
                            .arg(QString::fromLatin1(className), objectName);
        }
        return result;
    }

    // The slowest event since the last call.
    QString takeSlowest() {
        m_slowestMilliseconds = 0;
        return std::exchange(m_slowest, QString());
    }

private:
    int m_depth = 0;
    double m_slowestMilliseconds = 0;
    QString m_slowest;
};

// Ticks every 5 ms on the GUI thread and remembers the longest gap between two ticks since reset().
class StallMeter : public QObject {
public:
    StallMeter() {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(5);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            m_longest = std::max(m_longest, now - m_last);
            m_last = now;
        });
        m_clock.start();
        m_timer.start();
    }
    void reset() {
        m_last = m_clock.nsecsElapsed();
        m_longest = 0;
    }
    // The longest gap so far, including the one still open now.
    double longestMilliseconds() const {
        return double(std::max(m_longest, m_clock.nsecsElapsed() - m_last)) / 1e6;
    }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    qint64 m_longest = 0;
};

// Runs the event loop until `done` returns true; false after `timeoutMs`.
bool runUntil(const std::function<bool()>& done, int timeoutMs) {
    QElapsedTimer clock;
    clock.start();
    while (!done()) {
        if (clock.elapsed() > timeoutMs) return false;
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    }
    return true;
}

bool layoutsIdle(const MainWindow& window) {
    return !window.graphView()->beforeView()->isLayoutRunning() && !window.graphView()->afterView()->isLayoutRunning();
}

void printLayoutTimings(const char* phase, const kiln::views::GraphView* view) {
    const kiln::views::GraphView::LayoutTimings timings = view->lastLayoutTimings();
    std::printf("%s layout: %d nodes, prepare %.1f ms (GUI), graphviz %.1f ms (worker), scene %.1f ms (GUI), "
                "total %.1f ms\n",
                phase, view->nodeCount(), timings.prepareMilliseconds, timings.graphvizMilliseconds,
                timings.sceneMilliseconds, timings.totalMilliseconds);
}

void screenshot(MainWindow& window, const QString& folder, const QString& name) {
    if (folder.isEmpty()) return;
    // Let pending paints and resizes settle, so that the picture shows what a user sees.
    QElapsedTimer settle;
    settle.start();
    while (settle.elapsed() < 300)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    const QString path = QDir(folder).filePath(name + QStringLiteral(".png"));
    if (!window.grab().save(path)) std::fprintf(stderr, "could not write %s\n", qPrintable(path));
}

// The sample model of the source tree this program was built from: the build folder lies inside it.
QString findSampleModel() {
    QDir folder(QCoreApplication::applicationDirPath());
    do {
        const QString candidate = folder.filePath(QStringLiteral("resources/sample/kiln_sample.onnx"));
        if (QFileInfo::exists(candidate)) return candidate;
    } while (folder.cdUp());
    return {};
}

}  // namespace

int main(int argc, char* argv[]) {
    TimingApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Kiln"));
    QApplication::setApplicationName(QStringLiteral("Kiln Workbench Bench"));
    QApplication::setApplicationVersion(QStringLiteral("bench"));
    kiln::workbench::installTranslations(app, QLocale(QLocale::English, QLocale::UnitedStates));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Longest GUI stall while the workbench opens, builds and profiles a model."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("model"), QStringLiteral("ONNX model (default: the sample)"));
    const QCommandLineOption runs(QStringLiteral("runs"), QStringLiteral("Profiled runs (default 3)."), QStringLiteral("N"),
                                  QStringLiteral("3"));
    const QCommandLineOption warmUp(QStringLiteral("warmup"), QStringLiteral("Warm-up runs (default 1)."),
                                    QStringLiteral("N"), QStringLiteral("1"));
    const QCommandLineOption screenshots(QStringLiteral("screenshots"),
                                         QStringLiteral("Save the window after each phase into DIR."), QStringLiteral("DIR"));
    const QCommandLineOption width(QStringLiteral("width"), QStringLiteral("Window width (default 1600)."),
                                   QStringLiteral("PX"), QStringLiteral("1600"));
    const QCommandLineOption height(QStringLiteral("height"), QStringLiteral("Window height (default 1000)."),
                                    QStringLiteral("PX"), QStringLiteral("1000"));
    parser.addOptions({runs, warmUp, screenshots, width, height});
    parser.process(app);
    const QString model =
        parser.positionalArguments().isEmpty() ? findSampleModel() : parser.positionalArguments().constFirst();
    if (model.isEmpty()) {
        std::fprintf(stderr, "no model given and no resources/sample/kiln_sample.onnx above this program\n");
        return 2;
    }
    const QString shots = parser.value(screenshots);
    if (!shots.isEmpty()) QDir().mkpath(shots);
    const QString stem = QFileInfo(model).completeBaseName();

    MainWindow window;
    window.resize(parser.value(width).toInt(), parser.value(height).toInt());
    window.show();
    StallMeter meter;
    runUntil([] { return false; }, 500);  // the window is shown and idle

    // Open, until the graph of the model is on screen.
    bool failed = false;
    QObject::connect(window.document(), &kiln::workbench::Document::failed, &window,
                     [&failed, &window, &shots, &stem](const QString&, const QString& message, kiln::workbench::LoadProblem problem) {
                         // Symbolic input dimensions: accept the shapes the Build panel proposes, as a user
                         // would with one click.
                         auto* reopen = window.findChild<QPushButton*>(QStringLiteral("reopenButton"));
                         if (problem == kiln::workbench::LoadProblem::SymbolicShapes && reopen) {
                             std::printf("symbolic input dimensions: opening with the proposed shapes\n");
                             if (!shots.isEmpty()) {
                                 window.grab().save(QDir(shots).filePath(stem + QStringLiteral("_input_shapes.png")));
                             }
                             QTimer::singleShot(0, reopen, &QPushButton::click);
                             return;
                         }
                         std::fprintf(stderr, "open failed: %s\n", qPrintable(message));
                         failed = true;
                     });
    meter.reset();
    app.takeSlowest();
    QElapsedTimer wall;
    wall.start();
    window.openFile(model);
    const bool opened = runUntil(
        [&] {
            return failed || (window.document()->network() && layoutsIdle(window) &&
                              window.graphView()->beforeView()->nodeCount() > 0);
        },
        600000);
    if (!opened || failed) return 1;
    const double openWall = double(wall.nsecsElapsed()) / 1e6;
    const double openStall = meter.longestMilliseconds();
    std::printf("model: %s (%zu layers)\n", qPrintable(QFileInfo(model).fileName()),
                window.document()->layersBefore().size());
    std::printf("open+layout wall: %.1f ms\n", openWall);
    std::printf("open+layout longest stall: %.1f ms (slowest event: %s)\n", openStall, qPrintable(app.takeSlowest()));
    printLayoutTimings("before-fusion", window.graphView()->beforeView());
    screenshot(window, shots, stem + QStringLiteral("_opened"));

    // Build, until both graphs are on screen.
    bool built = false;
    QObject::connect(&window, &MainWindow::buildFinished, &window, [&built] { built = true; });
    runUntil([] { return false; }, 200);
    meter.reset();
    app.takeSlowest();
    wall.restart();
    window.startBuild();
    if (!runUntil([&] { return built && layoutsIdle(window) && window.graphView()->afterView()->nodeCount() > 0; },
                  1800000)) {
        std::fprintf(stderr, "build failed: %s\n", qPrintable(window.buildJob()->outcome().message));
        return 1;
    }
    std::printf("build wall: %.1f ms (builder %.1f ms)\n", double(wall.nsecsElapsed()) / 1e6,
                window.buildJob()->outcome().wallMilliseconds);
    std::printf("build longest stall: %.1f ms (slowest event: %s)\n", meter.longestMilliseconds(),
                qPrintable(app.takeSlowest()));
    printLayoutTimings("after-fusion", window.graphView()->afterView());
    std::printf("layers: %zu before fusion, %zu after\n", window.document()->engine()->report().layersBefore.size(),
                window.document()->engine()->report().layersAfter.size());
    if (!shots.isEmpty()) {
        // Show a fused layer selected, as a user exploring the result would.
        for (const kiln::LayerRecord& layer : window.document()->engine()->report().layersAfter) {
            if (layer.provenance.size() >= 3) {
                window.selectLayer(QString::fromStdString(layer.name), true);
                break;
            }
        }
        window.findChild<QDockWidget*>(QStringLiteral("buildReportDock"))->raise();
        screenshot(window, shots, stem + QStringLiteral("_built"));
        window.findChild<QDockWidget*>(QStringLiteral("tacticsDock"))->raise();
        screenshot(window, shots, stem + QStringLiteral("_tactics"));
    }

    // Profile.
    bool profiled = false;
    QObject::connect(&window, &MainWindow::profileFinished, &window, [&profiled] { profiled = true; });
    window.findChild<QSpinBox*>(QStringLiteral("profileRunsSpin"))->setValue(parser.value(runs).toInt());
    window.findChild<QSpinBox*>(QStringLiteral("profileWarmUpSpin"))->setValue(parser.value(warmUp).toInt());
    runUntil([] { return false; }, 200);
    meter.reset();
    app.takeSlowest();
    wall.restart();
    window.startProfile();
    if (!runUntil([&] { return profiled; }, 1800000)) return 1;
    std::printf("profile wall: %.1f ms (%s runs after %s warm-up)\n", double(wall.nsecsElapsed()) / 1e6,
                qPrintable(parser.value(runs)), qPrintable(parser.value(warmUp)));
    std::printf("profile longest stall: %.1f ms (slowest event: %s)\n", meter.longestMilliseconds(),
                qPrintable(app.takeSlowest()));
    if (window.profileJob()->outcome().code != kiln::StatusCode::Ok) {
        std::fprintf(stderr, "profile failed: %s\n", qPrintable(window.profileJob()->outcome().message));
        return 1;
    }
    window.findChild<QDockWidget*>(QStringLiteral("profileDock"))->raise();
    screenshot(window, shots, stem + QStringLiteral("_profile"));
    return 0;
}

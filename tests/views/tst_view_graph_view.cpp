// Tests for GraphView: the nodes a layout shows, top-to-bottom order, mouse and keyboard selection,
// find, zoom, the three color modes and their legends, programmatic highlighting, and what happens
// when layouts are cleared, replaced or their view is destroyed while dot is still running.
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QTemporaryDir>
#include <QGraphicsView>
#include <QHelpEvent>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTest>
#include <QThreadPool>
#include <QToolTip>
#include <QWheelEvent>
#include <memory>

#include "graph_layout.h"
#include "graph_legend.h"
#include "graph_palette.h"
#include "graph_view.h"
#include "kiln/build_report.h"
#include "kiln/network.h"

using kiln::views::GraphView;

namespace {

constexpr int kLayoutTimeoutMs = 60000;

kiln::ConvolutionParams conv3x3() {
    kiln::ConvolutionParams conv;
    conv.strides = {1, 1};
    conv.pads = {1, 1, 1, 1};
    conv.dilations = {1, 1};
    return conv;
}

// data [1,3,8,8] -> Convolution "conv" -> Activation "relu" -> Pooling "pool" (2x2) -> output.
std::vector<kiln::LayerRecord> convReluPool() {
    kiln::NetworkDefinition network;
    kiln::Tensor* data = network.addInput("data", kiln::DataType::Float32, {1, 3, 8, 8}).value();
    kiln::Tensor* weights =
        network.addConstant("w", kiln::HostTensor(kiln::DataType::Float32, {4, 3, 3, 3})).value();
    kiln::Layer* conv = network.addLayer("conv", conv3x3(), {data, weights, nullptr}, {"conv_out"}).value();
    kiln::Layer* relu =
        network.addLayer("relu", kiln::ActivationParams{}, {conv->output(0)}, {"relu_out"}).value();
    kiln::PoolingParams pooling;
    pooling.kernel = {2, 2};
    pooling.strides = {2, 2};
    pooling.pads = {0, 0, 0, 0};
    pooling.dilations = {1, 1};
    kiln::Layer* pool = network.addLayer("pool", pooling, {relu->output(0)}, {"pool_out"}).value();
    if (!network.markOutput(pool->output(0)).isOk()) return {};
    return kiln::describeLayers(network);
}

// x -> relu0 -> relu1 -> ... -> relu<count-1>.
std::vector<kiln::LayerRecord> reluChain(int count) {
    kiln::NetworkDefinition network;
    kiln::Tensor* tensor = network.addInput("x", kiln::DataType::Float32, {1, 4}).value();
    for (int i = 0; i < count; ++i) {
        const std::string name = "relu" + std::to_string(i);
        tensor =
            network.addLayer(name, kiln::ActivationParams{}, {tensor}, {name + "_out"}).value()->output(0);
    }
    if (!network.markOutput(tensor).isOk()) return {};
    return kiln::describeLayers(network);
}

// x -> "stem" -> {"left", "right"} (siblings on one rank) -> Elementwise "sum".
std::vector<kiln::LayerRecord> diamond() {
    kiln::NetworkDefinition network;
    kiln::Tensor* x = network.addInput("x", kiln::DataType::Float32, {1, 4}).value();
    kiln::Tensor* stem =
        network.addLayer("stem", kiln::ActivationParams{}, {x}, {"stem_out"}).value()->output(0);
    kiln::ActivationParams sigmoid;
    sigmoid.type = kiln::ActivationType::Sigmoid;
    kiln::Tensor* left =
        network.addLayer("left", kiln::ActivationParams{}, {stem}, {"left_out"}).value()->output(0);
    kiln::Tensor* right = network.addLayer("right", sigmoid, {stem}, {"right_out"}).value()->output(0);
    kiln::Layer* sum = network.addLayer("sum", kiln::ElementwiseParams{}, {left, right}, {"sum_out"}).value();
    if (!network.markOutput(sum->output(0)).isOk()) return {};
    return kiln::describeLayers(network);
}

// x -> `width` chains of `depth` activations each -> Concatenation "concat": a graph as wide as tall,
// whose nodes reach every corner of the view when it is fitted.
std::vector<kiln::LayerRecord> grid(int width, int depth) {
    kiln::NetworkDefinition network;
    kiln::Tensor* x = network.addInput("x", kiln::DataType::Float32, {1, 4}).value();
    std::vector<kiln::Tensor*> ends;
    for (int column = 0; column < width; ++column) {
        kiln::Tensor* tensor = x;
        for (int row = 0; row < depth; ++row) {
            const std::string name = "act" + std::to_string(column) + "_" + std::to_string(row);
            tensor = network.addLayer(name, kiln::ActivationParams{}, {tensor}, {name + "_out"}).value()->output(0);
        }
        ends.push_back(tensor);
    }
    kiln::ConcatParams concat;
    concat.axis = 1;
    kiln::Layer* joined = network.addLayer("concat", concat, ends, {"concat_out"}).value();
    if (!network.markOutput(joined->output(0)).isOk()) return {};
    return kiln::describeLayers(network);
}

// The part of each node the view shows, in the view's coordinates, that overlaps the legend.
QStringList nodesUnderTheLegend(GraphView& view) {
    QStringList covered;
    const QRect legend = view.legend()->geometry();
    QWidget* viewport = view.canvas()->viewport();
    const QRect shown(viewport->mapTo(&view, QPoint(0, 0)), viewport->size());
    for (const QString& name : view.nodeNames()) {
        const QRect node = view.canvas()->mapFromScene(view.nodeSceneRect(name)).boundingRect().translated(shown.topLeft());
        if ((node & shown).intersects(legend)) covered << name;
    }
    return covered;
}

bool waitForLayout(QSignalSpy& finished) {
    return finished.count() > 0 || finished.wait(kLayoutTimeoutMs);
}

QPoint viewportPoint(GraphView& view, const QString& name) {
    return view.canvas()->mapFromScene(view.nodeSceneRect(name).center());
}

bool isGrey(const QColor& color) {
    return color.red() == color.green() && color.green() == color.blue();
}

}  // namespace

class TestGraphView : public QObject {
    Q_OBJECT

private slots:
    // PNG as painted and SVG from Graphviz, each node in the fill the view gives it and the legend with
    // it; an unknown suffix or an empty view is refused with a reason and writes nothing.
    void exportsThePictureAsPngAndSvg() {
        QTemporaryDir dir;
        GraphView view;
        QString error;
        QVERIFY(!view.exportImage(dir.filePath("empty.png"), false, &error));
        QVERIFY(!error.isEmpty());
        QSignalSpy finished(&view, &GraphView::layoutFinished);
        view.resize(400, 600);
        view.setLayers(convReluPool());
        QVERIFY(waitForLayout(finished));

        QVERIFY2(view.exportImage(dir.filePath("graph.png"), false, &error), qPrintable(error));
        QImage image(dir.filePath("graph.png"));
        QVERIFY(!image.isNull());
        QVERIFY(image.width() > 50 && image.height() > 100);
        // The conv node's fill appears in the picture.
        const QColor fill = view.nodeColor("conv");
        bool found = false;
        for (int y = 0; y < image.height() && !found; y += 2) {
            for (int x = 0; x < image.width() && !found; x += 2) found = image.pixelColor(x, y) == fill;
        }
        QVERIFY2(found, qPrintable(fill.name()));

        QVERIFY2(view.exportImage(dir.filePath("graph.svg"), false, &error), qPrintable(error));
        QFile svgFile(dir.filePath("graph.svg"));
        QVERIFY(svgFile.open(QIODevice::ReadOnly));
        const QString svg = QString::fromUtf8(svgFile.readAll());
        QVERIFY(svg.contains("<svg"));
        for (const QString& name : {"conv", "relu", "pool"}) {
            QVERIFY2(svg.contains(">" + name + "<"), qPrintable(name));
            QVERIFY2(svg.contains(view.nodeColor(name).name(), Qt::CaseInsensitive), qPrintable(view.nodeColor(name).name()));
        }
        QVERIFY(svg.contains("cluster_legend"));
        QCOMPARE(view.dotText(false).count("->"), 2);

        // The PNG has the legend beside the graph: wider than the graph alone, and the strip to the right
        // of the graph holds the legend's swatches (the conv's category color among them).
        view.setLegendVisible(false);
        QVERIFY2(view.exportImage(dir.filePath("bare.png"), false, &error), qPrintable(error));
        const QImage bare(dir.filePath("bare.png"));
        QVERIFY(image.width() > bare.width() + 50);
        bool swatch = false;
        for (int y = 0; y < image.height() && !swatch; ++y) {
            for (int x = bare.width(); x < image.width() && !swatch; ++x) swatch = image.pixelColor(x, y) == fill;
        }
        QVERIFY(swatch);
        view.setLegendVisible(true);

        QVERIFY(!view.exportImage(dir.filePath("graph.bmp"), false, &error));
        QVERIFY(error.contains(".png") && error.contains(".svg"));
        QVERIFY(!QFile::exists(dir.filePath("graph.bmp")));
    }

    // The legend is beside the canvas, never over a node: not at the first view, not zoomed in with the
    // view scrolled to any corner, not fitted, not zoomed out.
    void legendCoversNoNode() {
        GraphView view;
        QSignalSpy finished(&view, &GraphView::layoutFinished);
        view.resize(700, 500);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setLayers(grid(8, 6));
        QVERIFY(waitForLayout(finished));
        QVERIFY(view.legend()->isVisible());
        QVERIFY(!view.legend()->labels().isEmpty());
        QVERIFY(view.rect().contains(view.legend()->geometry()));
        QCOMPARE(view.nodeCount(), 49);
        const auto check = [&view](const char* when) {
            QApplication::processEvents();
            const QStringList covered = nodesUnderTheLegend(view);
            QVERIFY2(covered.isEmpty(), qPrintable(QString::fromLatin1(when) + ": " + covered.join(", ")));
        };
        check("initial view");
        view.fitToView();
        check("fitted");
        if (qEnvironmentVariableIsSet("KILN_SCREENSHOT_DIR"))
            view.grab().save(QDir(qEnvironmentVariable("KILN_SCREENSHOT_DIR")).filePath("graph_legend.png"));
        for (int i = 0; i < 4; ++i) view.zoomIn();
        QScrollBar* horizontal = view.canvas()->horizontalScrollBar();
        QScrollBar* vertical = view.canvas()->verticalScrollBar();
        for (int corner = 0; corner < 4; ++corner) {
            horizontal->setValue(corner % 2 ? horizontal->maximum() : horizontal->minimum());
            vertical->setValue(corner / 2 ? vertical->maximum() : vertical->minimum());
            check("zoomed in, scrolled to a corner");
        }
        for (int i = 0; i < 10; ++i) view.zoomOut();
        check("zoomed out");
        // However the graph moves, the legend is outside the viewport, not in a corner of it.
        QVERIFY(!QRect(view.canvas()->viewport()->mapTo(&view, QPoint(0, 0)), view.canvas()->viewport()->size())
                     .intersects(view.legend()->geometry()));
        // Hidden, the legend gives its room back to the canvas.
        const int canvasWidth = view.canvas()->width();
        view.setLegendVisible(false);
        QTRY_VERIFY(view.canvas()->width() > canvasWidth);
    }

    void showsTheLayersTopToBottom() {
        GraphView view;
        QSignalSpy finished(&view, &GraphView::layoutFinished);
        view.setLayers(convReluPool());
        QVERIFY(view.isLayoutRunning());
        QCOMPARE(view.nodeCount(), 0);
        QVERIFY(!view.messageText().isEmpty());
        QVERIFY(waitForLayout(finished));
        QCOMPARE(finished.count(), 1);
        QVERIFY(!view.isLayoutRunning());
        QCOMPARE(view.nodeCount(), 3);
        QCOMPARE(view.nodeNames(), (QStringList{"conv", "relu", "pool"}));
        QVERIFY(view.messageText().isEmpty());
        // Top to bottom in data-flow order, boxes apart.
        const QRectF conv = view.nodeSceneRect("conv");
        const QRectF relu = view.nodeSceneRect("relu");
        const QRectF pool = view.nodeSceneRect("pool");
        QVERIFY(conv.bottom() < relu.top());
        QVERIFY(relu.bottom() < pool.top());
        QVERIFY(view.nodeSceneRect("missing").isNull());
    }

    void clickingANodeSelectsIt() {
        GraphView view;
        view.resize(800, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy finished(&view, &GraphView::layoutFinished);
        QSignalSpy activated(&view, &GraphView::layerActivated);
        view.setLayers(convReluPool());
        QVERIFY(waitForLayout(finished));
        QCOMPARE(activated.count(), 0);

        QTest::mouseClick(view.canvas()->viewport(), Qt::LeftButton, {}, viewportPoint(view, "relu"));
        QCOMPARE(activated.count(), 1);
        QCOMPARE(activated.at(0).at(0).toString(), QStringLiteral("relu"));
        QCOMPARE(view.highlightedLayers(), QStringList{"relu"});

        QTest::mouseClick(view.canvas()->viewport(), Qt::LeftButton, {}, viewportPoint(view, "pool"));
        QCOMPARE(activated.count(), 2);
        QCOMPARE(activated.at(1).at(0).toString(), QStringLiteral("pool"));
        QCOMPARE(view.highlightedLayers(), QStringList{"pool"});
    }

    void arrowKeysWalkTheGraph() {
        GraphView view;
        view.resize(800, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy finished(&view, &GraphView::layoutFinished);
        QSignalSpy activated(&view, &GraphView::layerActivated);
        view.setLayers(diamond());
        QVERIFY(waitForLayout(finished));

        view.setHighlightedLayers({"stem"});
        QCOMPARE(activated.count(), 0);
        QWidget* canvas = view.canvas();
        QTest::keyClick(canvas, Qt::Key_Down);
        QCOMPARE(activated.count(), 1);
        const QString firstChild = activated.at(0).at(0).toString();
        QVERIFY(firstChild == "left" || firstChild == "right");

        // Sideways along the rank to the other sibling, whichever side dot put it on.
        const QString sibling = firstChild == "left" ? "right" : "left";
        const bool siblingIsRight =
            view.nodeSceneRect(sibling).center().x() > view.nodeSceneRect(firstChild).center().x();
        QTest::keyClick(canvas, siblingIsRight ? Qt::Key_Right : Qt::Key_Left);
        QCOMPARE(view.highlightedLayers(), QStringList{sibling});
        QCOMPARE(activated.last().at(0).toString(), sibling);

        QTest::keyClick(canvas, Qt::Key_Down);
        QCOMPARE(view.highlightedLayers(), QStringList{"sum"});
        QTest::keyClick(canvas, Qt::Key_Down);  // no consumer: stays
        QCOMPARE(view.highlightedLayers(), QStringList{"sum"});
        QTest::keyClick(canvas, Qt::Key_Up);
        const QStringList up = view.highlightedLayers();
        QVERIFY(up == QStringList{"left"} || up == QStringList{"right"});
        QTest::keyClick(canvas, Qt::Key_Up);
        QCOMPARE(view.highlightedLayers(), QStringList{"stem"});
        QCOMPARE(activated.last().at(0).toString(), QStringLiteral("stem"));
    }

    void keysAndWheelZoom() {
        GraphView view;
        view.resize(800, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy finished(&view, &GraphView::layoutFinished);
        view.setLayers(reluChain(40));
        QVERIFY(waitForLayout(finished));

        const double initial = view.zoomFactor();
        QTest::keyClick(view.canvas(), Qt::Key_Plus);
        QVERIFY(view.zoomFactor() > initial * 1.1);
        QTest::keyClick(view.canvas(), Qt::Key_Minus);
        QTest::keyClick(view.canvas(), Qt::Key_Minus);
        QVERIFY(view.zoomFactor() < initial * 0.9);

        // A chain of 40 boxes is far taller than 600 pixels: fitting it must shrink it below 50 %.
        view.fitToView();
        QVERIFY(view.zoomFactor() < 0.5);
        const double fitted = view.zoomFactor();
        const QPointF centre(view.canvas()->viewport()->rect().center());
        QWheelEvent wheel(centre, view.canvas()->viewport()->mapToGlobal(centre), QPoint(), QPoint(0, 120),
                          Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(view.canvas()->viewport(), &wheel);
        QVERIFY(view.zoomFactor() > fitted * 1.1);
    }

    void findSelectsCentresAndWraps() {
        GraphView view;
        view.resize(600, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy finished(&view, &GraphView::layoutFinished);
        QSignalSpy activated(&view, &GraphView::layerActivated);
        view.setLayers(reluChain(12));
        QVERIFY(waitForLayout(finished));

        QVERIFY(view.find("relu1"));
        QCOMPARE(view.highlightedLayers(), QStringList{"relu1"});
        QVERIFY(view.find("relu1"));
        QCOMPARE(view.highlightedLayers(), QStringList{"relu10"});
        QVERIFY(view.find("relu1"));
        QCOMPARE(view.highlightedLayers(), QStringList{"relu11"});
        QVERIFY(view.find("relu1"));  // wraps around
        QCOMPARE(view.highlightedLayers(), QStringList{"relu1"});
        QCOMPARE(activated.count(), 4);
        QCOMPARE(activated.last().at(0).toString(), QStringLiteral("relu1"));

        // Ignores case, and scrolls to the match: the chain is taller than the view, so relu11 is out of
        // sight while relu1 is shown.
        const QRect visible = view.canvas()->viewport()->rect();
        QVERIFY(visible.contains(viewportPoint(view, "relu1")));
        QVERIFY(!visible.contains(viewportPoint(view, "relu11")));
        QVERIFY(view.find("RELU11"));
        QVERIFY(visible.contains(viewportPoint(view, "relu11")));

        QVERIFY(!view.find("conv"));
        QVERIFY(!view.find(QString()));
        QCOMPARE(activated.count(), 5);
        QCOMPARE(view.highlightedLayers(), QStringList{"relu11"});
    }

    void enterAndFBringTheSelectionBack() {
        GraphView view;
        view.resize(600, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy finished(&view, &GraphView::layoutFinished);
        view.setLayers(reluChain(30));
        QVERIFY(waitForLayout(finished));
        view.setHighlightedLayers({"relu3"});
        const QRect visible = view.canvas()->viewport()->rect();
        for (const int key : {int(Qt::Key_F), int(Qt::Key_Return)}) {
            QScrollBar* scroll = view.canvas()->verticalScrollBar();
            scroll->setValue(scroll->maximum());
            QVERIFY(!visible.contains(viewportPoint(view, "relu3")));
            QTest::keyClick(view.canvas(), Qt::Key(key));
            QVERIFY(visible.contains(viewportPoint(view, "relu3")));
            QCOMPARE(view.highlightedLayers(), QStringList{"relu3"});
        }
    }

    void tooltipDescribesTheLayer() {
        GraphView view;
        view.resize(600, 400);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy finished(&view, &GraphView::layoutFinished);
        view.setLayers(convReluPool());
        QVERIFY(waitForLayout(finished));
        QWidget* viewport = view.canvas()->viewport();
        const QPoint point = viewportPoint(view, "conv");
        QHelpEvent help(QEvent::ToolTip, point, viewport->mapToGlobal(point));
        QApplication::sendEvent(viewport, &help);
        QTRY_VERIFY(QToolTip::isVisible());
        QVERIFY(QToolTip::text().contains("conv"));
        QVERIFY(QToolTip::text().contains("Convolution"));
        QVERIFY(QToolTip::text().contains("1x4x8x8"));
        QVERIFY(QToolTip::text().contains("FP32"));
        QToolTip::hideText();
    }

    void colorModesRepaintNodesAndLegend() {
        GraphView view;
        QSignalSpy finished(&view, &GraphView::layoutFinished);
        view.setLayers(convReluPool());
        QVERIFY(waitForLayout(finished));

        // Layer type: three kinds, three colors, three legend entries and nothing else.
        QCOMPARE(view.colorMode(), GraphView::ColorMode::LayerType);
        const QColor convByType = view.nodeColor("conv");
        QVERIFY(convByType.isValid());
        QVERIFY(convByType != view.nodeColor("relu"));
        QVERIFY(view.nodeColor("relu") != view.nodeColor("pool"));
        QCOMPARE(view.legend()->labels(), (QStringList{"Convolution", "Pooling", "Activation / pointwise"}));

        // Precision: every layer is FP32, so one color and one entry.
        view.setColorMode(GraphView::ColorMode::Precision);
        QCOMPARE(view.nodeColor("conv"), view.nodeColor("relu"));
        QCOMPARE(view.nodeColor("conv"), view.nodeColor("pool"));
        QVERIFY(view.nodeColor("conv") != convByType);
        QCOMPARE(view.legend()->labels(), QStringList{"FP32"});

        // Latency: the slowest layer reddest, a faster one paler, an unmeasured one grey.
        view.setColorMode(GraphView::ColorMode::Latency);
        view.setLayerLatencies({{"conv", 2.0}, {"relu", 1.0}});
        const QColor conv = view.nodeColor("conv");
        const QColor relu = view.nodeColor("relu");
        QVERIFY(conv.red() > conv.green());
        QVERIFY(relu.red() > relu.green());
        QVERIFY(conv.green() < relu.green());
        QVERIFY(isGrey(view.nodeColor("pool")));
        // conv takes 2 ms of 3: 66.7 % of the total.
        QCOMPARE(view.legend()->labels(),
                 (QStringList{"0 ms", "2.000 ms (66.7 % of total)", "Not measured"}));

        view.setColorMode(GraphView::ColorMode::LayerType);
        QCOMPARE(view.nodeColor("conv"), convByType);
    }

    void pluginLayersHaveAColorOfTheirOwn() {
        std::vector<kiln::LayerRecord> layers = convReluPool();
        kiln::LayerRecord plugin;
        plugin.name = "custom";
        plugin.kind = "Plugin";
        plugin.parameters = "com.example::ScaledSoftsign v1 alpha=2";
        plugin.inputs = {"pool_out"};
        plugin.outputs = {"custom_out"};
        plugin.outputDims = {"1x4x4x4"};
        layers.push_back(plugin);
        GraphView view;
        QSignalSpy finished(&view, &GraphView::layoutFinished);
        view.setLayers(layers);
        QVERIFY(waitForLayout(finished));
        const QColor color = view.nodeColor("custom");
        QVERIFY(color.isValid());
        for (const char* other : {"conv", "relu", "pool"})
            QVERIFY2(color != view.nodeColor(other), other);
        QCOMPARE(color, kiln::views::GraphPalette::categoryColor(kiln::views::LayerCategory::Plugin));
        QVERIFY2(view.legend()->labels().contains("Plugin"), qPrintable(view.legend()->labels().join(", ")));
    }

    void elidedLayersAreGreyAndExplained() {
        std::vector<kiln::LayerRecord> layers = reluChain(3);
        layers[1].elided = true;
        GraphView view;
        QSignalSpy finished(&view, &GraphView::layoutFinished);
        view.setLayers(layers);
        QVERIFY(waitForLayout(finished));
        QVERIFY(isGrey(view.nodeColor("relu1")));
        QVERIFY(!isGrey(view.nodeColor("relu0")));
        QVERIFY(view.legend()->labels().contains("Elided (executes nothing)"));
        view.setColorMode(GraphView::ColorMode::Precision);
        QVERIFY(isGrey(view.nodeColor("relu1")));
        QVERIFY(view.legend()->labels().contains("Elided (executes nothing)"));
    }

    void highlightGivenDuringLayoutAppliesAfterIt() {
        GraphView view;
        QSignalSpy finished(&view, &GraphView::layoutFinished);
        QSignalSpy activated(&view, &GraphView::layerActivated);
        view.setLayers(convReluPool());
        view.setHighlightedLayers({"relu", "pool", "missing"});
        QVERIFY(waitForLayout(finished));
        QCOMPARE(view.highlightedLayers(), (QStringList{"relu", "pool"}));
        view.setHighlightedLayers({});
        QVERIFY(view.highlightedLayers().isEmpty());
        QCOMPARE(activated.count(), 0);
    }

    void sameStructureKeepsTheLayout() {
        GraphView view;
        QSignalSpy finished(&view, &GraphView::layoutFinished);
        std::vector<kiln::LayerRecord> layers = convReluPool();
        view.setLayers(layers);
        QVERIFY(waitForLayout(finished));
        const QRectF relu = view.nodeSceneRect("relu");
        view.setColorMode(GraphView::ColorMode::Precision);
        const QColor fp32 = view.nodeColor("relu");

        layers[1].precision = "FP16";
        view.setLayers(layers);
        QVERIFY(!view.isLayoutRunning());
        QCOMPARE(view.nodeCount(), 3);
        QVERIFY(finished.wait(kLayoutTimeoutMs));
        QCOMPARE(finished.count(), 2);
        QCOMPARE(view.nodeSceneRect("relu"), relu);
        QVERIFY(view.nodeColor("relu") != fp32);
        QCOMPARE(view.nodeColor("conv"), fp32);
        QCOMPARE(view.legend()->labels(), (QStringList{"FP32", "FP16"}));
    }

    void chainOf300LayersIsLaidOut() {
        GraphView view;
        QSignalSpy finished(&view, &GraphView::layoutFinished);
        view.setLayers(reluChain(300));
        QVERIFY(waitForLayout(finished));
        QCOMPARE(view.nodeCount(), 300);
        for (int i = 1; i < 300; ++i) {
            const QString above = QStringLiteral("relu%1").arg(i - 1);
            const QString below = QStringLiteral("relu%1").arg(i);
            QVERIFY2(view.nodeSceneRect(above).bottom() < view.nodeSceneRect(below).top(), qPrintable(below));
        }
    }

    void clearDuringLayoutDropsTheResult() {
        GraphView view;
        QSignalSpy finished(&view, &GraphView::layoutFinished);
        QSignalSpy failed(&view, &GraphView::layoutFailed);
        view.setLayers(reluChain(300));
        QVERIFY(view.isLayoutRunning());
        view.clear();
        QVERIFY(!view.isLayoutRunning());
        QCOMPARE(view.nodeCount(), 0);
        QVERIFY(view.nodeNames().isEmpty());

        // Layouts run one at a time, so once this one is done the dropped one has finished too.
        view.setLayers(convReluPool());
        QVERIFY(waitForLayout(finished));
        QTest::qWait(50);
        QCOMPARE(finished.count(), 1);
        QCOMPARE(failed.count(), 0);
        QCOMPARE(view.nodeNames(), (QStringList{"conv", "relu", "pool"}));

        view.clear();
        QCOMPARE(view.nodeCount(), 0);
        QVERIFY(view.legend()->labels().isEmpty() || !view.legend()->isVisible());
        QVERIFY(!view.messageText().isEmpty());
    }

    void clearedLayoutNeverShows() {
        GraphView view;
        QSignalSpy finished(&view, &GraphView::layoutFinished);
        view.setLayers(reluChain(300));
        view.clear();
        // Let the abandoned layout run to its end and its result reach the event loop.
        kiln::views::graphLayoutThreadPool()->waitForDone();
        QTest::qWait(50);
        QCOMPARE(finished.count(), 0);
        QCOMPARE(view.nodeCount(), 0);
        QVERIFY(view.canvas()->scene()->items().isEmpty());
    }

    void replacingLayersDuringLayoutShowsOnlyTheLast() {
        GraphView view;
        QSignalSpy finished(&view, &GraphView::layoutFinished);
        view.setLayers(reluChain(200));
        view.setLayers(diamond());
        QVERIFY(waitForLayout(finished));
        QTest::qWait(50);
        QCOMPARE(finished.count(), 1);
        QCOMPARE(view.nodeNames(), (QStringList{"stem", "left", "right", "sum"}));
    }

    void destroyingTheViewDuringLayoutIsSafe() {
        auto view = std::make_unique<GraphView>();
        view->setLayers(reluChain(300));
        QVERIFY(view->isLayoutRunning());
        view.reset();

        // Graphviz is still usable afterwards.
        GraphView other;
        QSignalSpy finished(&other, &GraphView::layoutFinished);
        other.setLayers(convReluPool());
        QVERIFY(waitForLayout(finished));
        QCOMPARE(other.nodeCount(), 3);
    }

    void twoViewsLayOutAtOnce() {
        GraphView first;
        GraphView second;
        QSignalSpy firstFinished(&first, &GraphView::layoutFinished);
        QSignalSpy secondFinished(&second, &GraphView::layoutFinished);
        first.setLayers(reluChain(120));
        second.setLayers(diamond());
        QVERIFY(waitForLayout(firstFinished));
        QVERIFY(waitForLayout(secondFinished));
        QCOMPARE(first.nodeCount(), 120);
        QCOMPARE(second.nodeCount(), 4);
    }

    void emptyLayersShowThePlaceholder() {
        GraphView view;
        view.setPlaceholderText("Nothing here yet");
        QCOMPARE(view.messageText(), QStringLiteral("Nothing here yet"));
        QSignalSpy finished(&view, &GraphView::layoutFinished);
        view.setLayers({});
        QVERIFY(waitForLayout(finished));
        QCOMPARE(view.nodeCount(), 0);
        QCOMPARE(view.messageText(), QStringLiteral("Nothing here yet"));
    }

    void networkInputsAreDrawnButNotListed() {
        GraphView view;
        QSignalSpy finished(&view, &GraphView::layoutFinished);
        view.setLayers(convReluPool());
        QVERIFY(waitForLayout(finished));
        // "data" is an input ellipse, "w" a weight: neither is a layer node.
        QVERIFY(!view.nodeNames().contains("data"));
        QVERIFY(!view.nodeNames().contains("w"));
        int ellipses = 0;
        for (QGraphicsItem* item : view.canvas()->scene()->items()) {
            if (item->type() == kiln::views::GraphInputItem::Type) ++ellipses;
        }
        QCOMPARE(ellipses, 1);
    }
};

QTEST_MAIN(TestGraphView)
#include "tst_view_graph_view.moc"

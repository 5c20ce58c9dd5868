// Tests for ComparisonGraphView: a model opened without a build (right side empty with a hint), a
// real build whose fused convolution + ReLU lights up its two original layers and the reverse, by
// mouse click and by selectLayer(), the shared find box (Ctrl+F), color mode, legend toggle and
// latencies, and clearing or destroying the view while both layouts run.
#include <QApplication>
#include <QComboBox>
#include <QGraphicsView>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTest>
#include <QToolButton>
#include <memory>

#include "comparison_graph_view.h"
#include "graph_legend.h"
#include "kiln/builder.h"
#include "view_test_networks.h"

using kiln::views::ComparisonGraphView;
using kiln::views::GraphView;

namespace {

constexpr int kLayoutTimeoutMs = 60000;

using kiln::testing::convReluPool;

kiln::BuildReport buildReport() {
    kiln::BuilderConfig config;
    config.timingIterations = 1;
    kiln::Result<std::shared_ptr<kiln::Engine>> engine = kiln::Builder::build(convReluPool(), config);
    if (!engine.isOk()) {
        qWarning("build failed: %s", engine.status().message().c_str());
        return {};
    }
    return engine.value()->report();
}

// The after-fusion layer whose provenance holds both "conv" and "relu": the builder names it, the
// test only needs to find it.
QString fusedLayerName(const kiln::BuildReport& report) {
    for (const kiln::LayerRecord& record : report.layersAfter) {
        const auto& origins = record.provenance;
        if (std::find(origins.begin(), origins.end(), "conv") != origins.end() &&
            std::find(origins.begin(), origins.end(), "relu") != origins.end()) {
            return QString::fromStdString(record.name);
        }
    }
    return QString();
}

bool waitForLayouts(QSignalSpy& before, QSignalSpy& after) {
    return (before.count() > 0 || before.wait(kLayoutTimeoutMs)) &&
           (after.count() > 0 || after.wait(kLayoutTimeoutMs));
}

void click(GraphView* view, const QString& layer) {
    const QPoint point = view->canvas()->mapFromScene(view->nodeSceneRect(layer).center());
    QTest::mouseClick(view->canvas()->viewport(), Qt::LeftButton, {}, point);
}

}  // namespace

class TestComparisonGraphView : public QObject {
    Q_OBJECT

private slots:
    void networkWithoutBuildLeavesTheRightSideEmpty() {
        ComparisonGraphView view;
        QSignalSpy finished(view.beforeView(), &GraphView::layoutFinished);
        view.setNetworkLayers(kiln::describeLayers(convReluPool()));
        QVERIFY(finished.wait(kLayoutTimeoutMs));
        QCOMPARE(view.beforeView()->nodeNames(), (QStringList{"conv", "relu", "pool"}));
        QCOMPARE(view.afterView()->nodeCount(), 0);
        QVERIFY(!view.afterView()->isLayoutRunning());
        QVERIFY(view.afterView()->messageText().contains("Build"));
        // Nothing to relate to yet.
        QVERIFY(view.afterLayersOf("conv").isEmpty());
    }

    void fusedLayerAndItsOriginalsSelectEachOther() {
        const kiln::BuildReport report = buildReport();
        const QString fused = fusedLayerName(report);
        QVERIFY2(!fused.isEmpty(), "the builder no longer fuses convolution + ReLU");
        QCOMPARE(report.layersBefore.size(), size_t(3));

        ComparisonGraphView view;
        view.resize(1200, 700);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy beforeDone(view.beforeView(), &GraphView::layoutFinished);
        QSignalSpy afterDone(view.afterView(), &GraphView::layoutFinished);
        QSignalSpy selected(&view, &ComparisonGraphView::layerSelected);
        view.setReport(report);
        QVERIFY(waitForLayouts(beforeDone, afterDone));
        QVERIFY(view.afterView()->nodeNames().contains(fused));
        QVERIFY(!view.afterView()->nodeNames().contains("relu"));

        // After → before: the fused layer lights up both originals.
        click(view.afterView(), fused);
        QCOMPARE(selected.count(), 1);
        QCOMPARE(selected.at(0).at(0).toString(), fused);
        QCOMPARE(selected.at(0).at(1).toBool(), true);
        QCOMPARE(view.afterView()->highlightedLayers(), QStringList{fused});
        QCOMPARE(view.beforeView()->highlightedLayers(), (QStringList{"conv", "relu"}));

        // Before → after: either original lights up the fused layer.
        click(view.beforeView(), "relu");
        QCOMPARE(selected.count(), 2);
        QCOMPARE(selected.at(1).at(0).toString(), QStringLiteral("relu"));
        QCOMPARE(selected.at(1).at(1).toBool(), false);
        QCOMPARE(view.beforeView()->highlightedLayers(), QStringList{"relu"});
        QCOMPARE(view.afterView()->highlightedLayers(), QStringList{fused});

        // An unfused layer maps to itself.
        click(view.beforeView(), "pool");
        QCOMPARE(view.afterView()->highlightedLayers(), QStringList{"pool"});
        QCOMPARE(selected.count(), 3);
    }

    void selectLayerHighlightsBothSidesSilently() {
        const kiln::BuildReport report = buildReport();
        const QString fused = fusedLayerName(report);
        QVERIFY(!fused.isEmpty());
        ComparisonGraphView view;
        QSignalSpy beforeDone(view.beforeView(), &GraphView::layoutFinished);
        QSignalSpy afterDone(view.afterView(), &GraphView::layoutFinished);
        QSignalSpy selected(&view, &ComparisonGraphView::layerSelected);
        view.setReport(report);
        // Given while the layouts run: applied when they finish.
        view.selectLayer(fused);
        QVERIFY(waitForLayouts(beforeDone, afterDone));
        QCOMPARE(view.afterView()->highlightedLayers(), QStringList{fused});
        QCOMPARE(view.beforeView()->highlightedLayers(), (QStringList{"conv", "relu"}));

        view.selectLayer("conv");
        QCOMPARE(view.beforeView()->highlightedLayers(), QStringList{"conv"});
        QCOMPARE(view.afterView()->highlightedLayers(), QStringList{fused});

        view.selectLayer("no such layer");
        QVERIFY(view.beforeView()->highlightedLayers().isEmpty());
        QVERIFY(view.afterView()->highlightedLayers().isEmpty());
        QCOMPARE(selected.count(), 0);
    }

    void ctrlFFocusesTheFindBoxAndEnterFinds() {
        const kiln::BuildReport report = buildReport();
        const QString fused = fusedLayerName(report);
        ComparisonGraphView view;
        view.resize(1200, 700);
        view.show();
        QVERIFY(QTest::qWaitForWindowActive(&view));
        QSignalSpy beforeDone(view.beforeView(), &GraphView::layoutFinished);
        QSignalSpy afterDone(view.afterView(), &GraphView::layoutFinished);
        QSignalSpy selected(&view, &ComparisonGraphView::layerSelected);
        view.setReport(report);
        QVERIFY(waitForLayouts(beforeDone, afterDone));

        view.afterView()->canvas()->setFocus();
        QTest::keyClick(view.afterView()->canvas(), Qt::Key_F, Qt::ControlModifier);
        QVERIFY(view.findEdit()->hasFocus());

        // Searched on the after side first: "pool" is a layer there.
        QTest::keyClicks(view.findEdit(), "POOL");
        QTest::keyClick(view.findEdit(), Qt::Key_Return);
        QCOMPARE(selected.count(), 1);
        QCOMPARE(selected.at(0).at(0).toString(), QStringLiteral("pool"));
        QCOMPARE(selected.at(0).at(1).toBool(), true);
        QCOMPARE(view.beforeView()->highlightedLayers(), QStringList{"pool"});

        // Once the user works on the left, find searches the left first.
        click(view.beforeView(), "conv");
        QCOMPARE(selected.last().at(0).toString(), QStringLiteral("conv"));
        QCOMPARE(selected.last().at(1).toBool(), false);
        QTest::keyClick(view.beforeView()->canvas(), Qt::Key_F, Qt::ControlModifier);
        QVERIFY(view.findEdit()->hasFocus());
        view.findEdit()->clear();
        QTest::keyClicks(view.findEdit(), "relu");
        QTest::keyClick(view.findEdit(), Qt::Key_Return);
        QCOMPARE(selected.last().at(0).toString(), QStringLiteral("relu"));
        QCOMPARE(selected.last().at(1).toBool(), false);
        QCOMPARE(view.afterView()->highlightedLayers(), QStringList{fused});

        const int before = selected.count();
        QVERIFY(!view.find("no such layer"));
        QCOMPARE(selected.count(), before);
    }

    void colorModeLegendAndLatencies() {
        const kiln::BuildReport report = buildReport();
        const QString fused = fusedLayerName(report);
        ComparisonGraphView view;
        QSignalSpy beforeDone(view.beforeView(), &GraphView::layoutFinished);
        QSignalSpy afterDone(view.afterView(), &GraphView::layoutFinished);
        view.setReport(report);
        QVERIFY(waitForLayouts(beforeDone, afterDone));

        view.colorModeBox()->setCurrentIndex(
            view.colorModeBox()->findData(int(GraphView::ColorMode::Latency)));
        QCOMPARE(view.beforeView()->colorMode(), GraphView::ColorMode::Latency);
        QCOMPARE(view.afterView()->colorMode(), GraphView::ColorMode::Latency);
        const QColor unmeasured = view.afterView()->nodeColor(fused);
        view.setLayerLatencies({{fused, 3.0}, {"pool", 1.0}});
        QVERIFY(view.afterView()->nodeColor(fused) != unmeasured);
        QVERIFY(view.afterView()->nodeColor(fused).green() < view.afterView()->nodeColor("pool").green());
        QCOMPARE(view.afterView()->legend()->labels().value(1), QStringLiteral("3.000 ms (75.0 % of total)"));

        view.colorModeBox()->setCurrentIndex(
            view.colorModeBox()->findData(int(GraphView::ColorMode::Precision)));
        QCOMPARE(view.afterView()->colorMode(), GraphView::ColorMode::Precision);
        QCOMPARE(view.afterView()->legend()->labels(), QStringList{"FP32"});

        QVERIFY(view.afterView()->isLegendVisible());
        view.legendButton()->click();
        QVERIFY(!view.afterView()->isLegendVisible());
        QVERIFY(!view.beforeView()->isLegendVisible());
        view.legendButton()->click();
        QVERIFY(view.beforeView()->isLegendVisible());
    }

    void clearAndDestroyDuringLayouts() {
        const kiln::BuildReport report = buildReport();
        ComparisonGraphView view;
        QSignalSpy beforeDone(view.beforeView(), &GraphView::layoutFinished);
        view.setReport(report);
        view.clear();
        QVERIFY(!view.beforeView()->isLayoutRunning());
        QVERIFY(!view.afterView()->isLayoutRunning());
        QCOMPARE(view.afterView()->nodeCount(), 0);
        QVERIFY(view.beforeLayersOf(fusedLayerName(report)).isEmpty());

        auto doomed = std::make_unique<ComparisonGraphView>();
        doomed->setReport(report);
        doomed.reset();

        view.setNetworkLayers(report.layersBefore);
        QVERIFY(beforeDone.wait(kLayoutTimeoutMs));
        QTest::qWait(50);
        QCOMPARE(beforeDone.count(), 1);
        QCOMPARE(view.beforeView()->nodeCount(), 3);
    }
};

QTEST_MAIN(TestComparisonGraphView)
#include "tst_view_graph_comparison.moc"

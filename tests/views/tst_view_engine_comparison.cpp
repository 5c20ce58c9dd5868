// Tests for EngineComparisonView and its ComparisonTableModel: two engines of one small network built
// with and without fusion and compared at known layer times (the fused conv + relu meets the separate
// conv and relu), the summary, sorting by a header click, one group selected across table, chart and
// both graphs whichever the user clicks, the top-N chart with the rest summarized, the difference chart,
// and the CSV, JSON and PNG exports (contents, and nothing left behind when a file cannot be written).
#include <qcustomplot.h>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QGraphicsView>
#include <QHeaderView>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <memory>

#include "comparison_table_model.h"
#include "engine_comparison_view.h"
#include "graph_view.h"
#include "kiln/builder.h"
#include "view_test_networks.h"

using kiln::views::ComparisonTableModel;
using kiln::views::EngineComparisonView;
using kiln::views::GraphView;

namespace {

constexpr int kLayoutTimeoutMs = 60000;

using kiln::testing::convReluPool;

std::shared_ptr<kiln::Engine> build(bool fusion) {
    kiln::BuilderConfig config;
    config.timingIterations = 1;
    config.enableFusion = fusion;
    kiln::Result<std::shared_ptr<kiln::Engine>> engine = kiln::Builder::build(convReluPool(), config);
    if (!engine) {
        qWarning("build failed: %s", engine.status().message().c_str());
        return nullptr;
    }
    return engine.value();
}

// The executed layer of `engine` that came from exactly these model nodes.
QString layerFrom(const kiln::Engine& engine, const std::vector<std::string>& nodes) {
    for (const kiln::LayerRecord& record : engine.report().layersAfter) {
        if (!record.elided && record.provenance == nodes) return QString::fromStdString(record.name);
    }
    return {};
}

bool waitForLayout(GraphView* view) {
    QSignalSpy done(view, &GraphView::layoutFinished);
    return !view->isLayoutRunning() && view->nodeCount() > 0 ? true : done.wait(kLayoutTimeoutMs);
}

bool clickNode(GraphView* view, const QString& name) {
    const QRectF rect = view->nodeSceneRect(name);
    if (rect.isNull()) return false;
    QGraphicsView* canvas = view->canvas();
    canvas->centerOn(rect.center());
    const QPoint position = canvas->mapFromScene(rect.center());
    if (!canvas->viewport()->rect().contains(position)) return false;
    QTest::mouseClick(canvas->viewport(), Qt::LeftButton, Qt::NoModifier, position);
    return true;
}

// The group index shown in the table's current row.
int currentGroup(const EngineComparisonView& view) {
    return view.groupTable()->currentIndex().data(ComparisonTableModel::GroupRole).toInt();
}

QString cellText(const EngineComparisonView& view, int proxyRow, int column) {
    return view.groupProxy()->index(proxyRow, column).data().toString();
}

// `count` groups of one layer each, group i taking i + 1 ms in A and twice that in B: a comparison made
// by hand, for the chart's top-N.
kiln::EngineComparison manyGroups(int count) {
    kiln::EngineComparison comparison;
    for (int i = 0; i < count; ++i) {
        kiln::LayerGroupComparison group;
        group.layersA = {"a" + std::to_string(i)};
        group.layersB = {"b" + std::to_string(i)};
        group.nodes = {"n" + std::to_string(i)};
        group.millisecondsA = i + 1;
        group.millisecondsB = 2.0 * (i + 1);
        comparison.groups.push_back(group);
    }
    return comparison;
}

}  // namespace

class TestEngineComparisonView : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        m_fused = build(true);
        m_unfused = build(false);
        QVERIFY(m_fused && m_unfused);
        m_fusedConvRelu = layerFrom(*m_fused, {"conv", "relu"});
        m_fusedPool = layerFrom(*m_fused, {"pool"});
        QVERIFY2(!m_fusedConvRelu.isEmpty(), "the builder no longer fuses conv + relu");
        QVERIFY(!layerFrom(*m_unfused, {"conv"}).isEmpty());
        QVERIFY(!layerFrom(*m_unfused, {"relu"}).isEmpty());
        // Known times: the fused layer 0.5 ms against 0.3 + 0.4 ms; pool 0.2 against 0.25 ms.
        const kiln::LayerTimes timesA = {{m_fusedConvRelu.toStdString(), 0.5},
                                         {m_fusedPool.toStdString(), 0.2}};
        const kiln::LayerTimes timesB = {{layerFrom(*m_unfused, {"conv"}).toStdString(), 0.3},
                                         {layerFrom(*m_unfused, {"relu"}).toStdString(), 0.4},
                                         {layerFrom(*m_unfused, {"pool"}).toStdString(), 0.25}};
        m_comparison = kiln::compareEngines(*m_fused, *m_unfused, timesA, timesB, 1.0, 1.5);
    }

    void showsMatchedGroupsAndSummary() {
        EngineComparisonView view;
        view.resize(1400, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setComparison(m_comparison, m_fused->report().layersAfter, m_unfused->report().layersAfter,
                           QStringLiteral("fused"), QStringLiteral("no fusion"));

        const int convGroup = view.groupOfLayer(EngineComparisonView::Side::A, m_fusedConvRelu);
        QVERIFY(convGroup >= 0);
        QCOMPARE(view.groupOfLayer(EngineComparisonView::Side::B, QStringLiteral("relu")), convGroup);
        QCOMPARE(view.groupOfLayer(EngineComparisonView::Side::B, QStringLiteral("conv")), convGroup);
        QCOMPARE(view.groupOfLayer(EngineComparisonView::Side::A, QStringLiteral("no such layer")), -1);

        const int row = view.groupProxy()->mapFromSource(view.groupModel()->index(convGroup, 0)).row();
        QCOMPARE(cellText(view, row, ComparisonTableModel::LayersAColumn), m_fusedConvRelu);
        QCOMPARE(cellText(view, row, ComparisonTableModel::LayersBColumn), QStringLiteral("conv (+1)"));
        QCOMPARE(cellText(view, row, ComparisonTableModel::TimeAColumn), QStringLiteral("0.500"));
        QCOMPARE(cellText(view, row, ComparisonTableModel::TimeBColumn), QStringLiteral("0.700"));
        QCOMPARE(cellText(view, row, ComparisonTableModel::DifferenceColumn), QStringLiteral("0.200"));
        QCOMPARE(cellText(view, row, ComparisonTableModel::RatioColumn), QStringLiteral("1.40×"));
        QCOMPARE(cellText(view, row, ComparisonTableModel::PrecisionColumn), QStringLiteral("FP32"));
        const QString tipB = view.groupProxy()
                                 ->index(row, ComparisonTableModel::LayersBColumn)
                                 .data(Qt::ToolTipRole)
                                 .toString();
        QVERIFY2(tipB.contains(QStringLiteral("conv")) && tipB.contains(QStringLiteral("relu")),
                 qPrintable(tipB));

        QTableWidget* summary = view.summaryTable();
        QCOMPARE(summary->item(EngineComparisonView::LatencyRow, 0)->text(), QStringLiteral("1.000"));
        QCOMPARE(summary->item(EngineComparisonView::LatencyRow, 1)->text(), QStringLiteral("1.500"));
        QCOMPARE(summary->item(EngineComparisonView::LatencyRow, 2)->text(), QStringLiteral("1.50"));
        // Fusion leaves one layer fewer to execute: conv + relu, pool against conv, relu, pool.
        const int executedA = summary->item(EngineComparisonView::ExecutedRow, 0)->text().toInt();
        const int executedB = summary->item(EngineComparisonView::ExecutedRow, 1)->text().toInt();
        QCOMPARE(executedB - executedA, 1);

        QVERIFY(view.chartLabels().contains(m_fusedConvRelu));
        QCOMPARE(view.chartOtherCount(), 0);
    }

    void sortsByAHeaderClick() {
        EngineComparisonView view;
        view.resize(1400, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setComparison(m_comparison, m_fused->report().layersAfter, m_unfused->report().layersAfter,
                           QStringLiteral("fused"), QStringLiteral("no fusion"));
        QHeaderView* header = view.groupTable()->horizontalHeader();
        const auto clickHeader = [header](int column) {
            const QPoint at(header->sectionViewportPosition(column) + header->sectionSize(column) / 2,
                            header->height() / 2);
            QTest::mouseClick(header->viewport(), Qt::LeftButton, Qt::NoModifier, at);
        };
        // A first click on B ms puts the slowest B group on top: conv + relu (0.7 ms), then pool (0.25 ms).
        clickHeader(ComparisonTableModel::TimeBColumn);
        QCOMPARE(header->sortIndicatorSection(), int(ComparisonTableModel::TimeBColumn));
        QCOMPARE(cellText(view, 0, ComparisonTableModel::TimeBColumn), QStringLiteral("0.700"));
        QCOMPARE(cellText(view, 1, ComparisonTableModel::TimeBColumn), QStringLiteral("0.250"));
        clickHeader(ComparisonTableModel::TimeBColumn);
        const int rows = view.groupProxy()->rowCount();
        QCOMPARE(cellText(view, rows - 1, ComparisonTableModel::TimeBColumn), QStringLiteral("0.700"));
        // Numbers sort as numbers: the ratios 1.25 and 1.40, not as text.
        clickHeader(ComparisonTableModel::RatioColumn);
        QCOMPARE(cellText(view, 0, ComparisonTableModel::RatioColumn), QStringLiteral("1.40×"));
        QCOMPARE(cellText(view, 1, ComparisonTableModel::RatioColumn), QStringLiteral("1.25×"));
    }

    void selectionFollowsTheUserEverywhere() {
        EngineComparisonView view;
        view.resize(1500, 900);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setComparison(m_comparison, m_fused->report().layersAfter, m_unfused->report().layersAfter,
                           QStringLiteral("fused"), QStringLiteral("no fusion"));
        QVERIFY(waitForLayout(view.graphA()));
        QVERIFY(waitForLayout(view.graphB()));
        QSignalSpy picked(&view, &EngineComparisonView::groupSelected);
        const int convGroup = view.groupOfLayer(EngineComparisonView::Side::A, m_fusedConvRelu);
        const int poolGroup = view.groupOfLayer(EngineComparisonView::Side::A, m_fusedPool);
        QVERIFY(poolGroup >= 0 && poolGroup != convGroup);

        // A table row selects the group's layers in both graphs.
        QTableView* table = view.groupTable();
        const int poolRow = view.groupProxy()->mapFromSource(view.groupModel()->index(poolGroup, 0)).row();
        const QRect cell =
            table->visualRect(view.groupProxy()->index(poolRow, ComparisonTableModel::TimeAColumn));
        QTest::mouseClick(table->viewport(), Qt::LeftButton, Qt::NoModifier, cell.center());
        QCOMPARE(picked.count(), 1);
        QCOMPARE(picked.takeFirst().at(0).toInt(), poolGroup);
        QCOMPARE(view.selectedGroup(), poolGroup);
        QCOMPARE(view.graphA()->highlightedLayers(), QStringList{m_fusedPool});
        QCOMPARE(view.graphB()->highlightedLayers(), QStringList{QStringLiteral("pool")});

        // A layer of B's graph selects its group's row and the fused layer in A's graph.
        QVERIFY(clickNode(view.graphB(), QStringLiteral("relu")));
        QCOMPARE(picked.count(), 1);
        QCOMPARE(picked.takeFirst().at(0).toInt(), convGroup);
        QCOMPARE(currentGroup(view), convGroup);
        QCOMPARE(view.graphA()->highlightedLayers(), QStringList{m_fusedConvRelu});
        QCOMPARE(view.graphB()->highlightedLayers(), QStringList{QStringLiteral("relu")});

        // And the other way round: the fused layer in A's graph selects conv and relu in B's.
        QVERIFY(clickNode(view.graphA(), m_fusedPool));
        QCOMPARE(currentGroup(view), poolGroup);
        QVERIFY(clickNode(view.graphA(), m_fusedConvRelu));
        QCOMPARE(currentGroup(view), convGroup);
        QStringList inB = view.graphB()->highlightedLayers();
        inB.sort();
        QCOMPARE(inB, (QStringList{QStringLiteral("conv"), QStringLiteral("relu")}));

        // A bar of the chart does the same.
        picked.clear();
        QCustomPlot* chart = view.chart();
        const auto& shownGroups = view.chartGroups();
        const auto poolBar = std::find(shownGroups.begin(), shownGroups.end(), poolGroup);
        QVERIFY(poolBar != shownGroups.end());
        const double key = double(poolBar - shownGroups.begin() + 1);
        // The upper of the two bars of the group (A's) at half its length.
        const QPoint onBar(int(chart->xAxis->coordToPixel(0.1)), int(chart->yAxis->coordToPixel(key - 0.2)));
        const QString tip = view.chartToolTipAt(onBar);
        QVERIFY2(tip.contains(QStringLiteral("A: ") + m_fusedPool) &&
                     tip.contains(QStringLiteral("B: pool")) &&
                     tip.contains(QStringLiteral("A 0.200 ms, B 0.250 ms")),
                 qPrintable(tip));
        QCOMPARE(view.chartToolTipAt(QPoint(1, 1)), QString());
        QTest::mouseClick(chart, Qt::LeftButton, Qt::NoModifier, onBar);
        QCOMPARE(picked.count(), 1);
        QCOMPARE(picked.takeFirst().at(0).toInt(), poolGroup);
        QCOMPARE(currentGroup(view), poolGroup);
        QCOMPARE(view.graphB()->highlightedLayers(), QStringList{QStringLiteral("pool")});

        // selectGroup() moves everything but says nothing.
        view.selectGroup(convGroup);
        QCOMPARE(picked.count(), 0);
        QCOMPARE(currentGroup(view), convGroup);
        QCOMPARE(view.graphA()->highlightedLayers(), QStringList{m_fusedConvRelu});
    }

    void chartShowsTheLargestGroupsAndSummarizesTheRest() {
        EngineComparisonView view;
        view.resize(1200, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setComparison(manyGroups(120), {}, {}, QStringLiteral("A"), QStringLiteral("B"));
        const auto& shown = view.chartGroups();
        QVERIFY(shown.size() >= 4);
        QVERIFY(shown.size() < 120);
        QCOMPARE(view.chartOtherCount(), 120 - int(shown.size()));
        // The largest first: group 119 (120 ms in A, 240 in B), then 118, ...
        for (size_t i = 0; i < shown.size(); ++i)
            QCOMPARE(shown[i], 119 - int(i));
        const QStringList labels = view.chartLabels();
        QCOMPARE(labels.size(), int(shown.size()) + 1);
        QCOMPARE(labels.front(), QStringLiteral("a119"));
        QCOMPARE(labels.back(), QStringLiteral("other (%1 groups)").arg(view.chartOtherCount()));
        // Each bar is readable: at least a line of text high.
        const double barPixels =
            std::abs(view.chart()->yAxis->coordToPixel(1.0) - view.chart()->yAxis->coordToPixel(2.0));
        QVERIFY2(barPixels >= view.fontMetrics().height() * 2, qPrintable(QString::number(barPixels)));
        const int shownAt800 = int(shown.size());

        // The summarized bar holds the sum of the rest: groups 0 .. K-1 take 1 + ... + K ms in A.
        const int others = view.chartOtherCount();
        auto* bars = qobject_cast<QCPBars*>(view.chart()->plottable(0));
        QVERIFY(bars);
        QCOMPARE(bars->data()->size(), int(shown.size()) + 1);
        QCOMPARE((bars->data()->constEnd() - 1)->value, others * (others + 1) / 2.0);

        const double otherKey = double(shown.size() + 1);
        const QPoint onOther(int(view.chart()->xAxis->coordToPixel(1.0)),
                             int(view.chart()->yAxis->coordToPixel(otherKey)));
        QVERIFY2(
            view.chartToolTipAt(onOther).startsWith(QStringLiteral("%1 more groups, summed").arg(others)),
            qPrintable(view.chartToolTipAt(onOther)));

        // A taller view has room for more bars.
        view.resize(1200, 1200);
        QTest::qWait(50);
        QVERIFY(int(view.chartGroups().size()) > shownAt800);
        const int shownAt1200 = int(view.chartGroups().size());

        // The difference chart: one bar per group, the B − A difference.
        view.chartModeBox()->setCurrentIndex(1);
        QCOMPARE(view.chartMode(), EngineComparisonView::ChartMode::Difference);
        QVERIFY(int(view.chartGroups().size()) > shownAt1200);  // one bar a group needs half the height
        QCOMPARE(view.chartLabels().front(), QStringLiteral("a119"));
        const double top = view.chart()->xAxis->range().upper;
        QVERIFY2(top >= 120.0 && top < 140.0, qPrintable(QString::number(top)));  // 240 − 120
        if (const QString folder = qEnvironmentVariable("KILN_SCREENSHOT_DIR"); !folder.isEmpty()) {
            QDir().mkpath(folder);
            QString error;
            QVERIFY2(view.exportChartPng(QDir(folder).filePath("comparison_difference_chart.png"), &error),
                     qPrintable(error));
        }
    }

    void exportsCsvJsonAndPng() {
        QTemporaryDir dir;
        EngineComparisonView view;
        view.resize(1400, 800);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setComparison(m_comparison, m_fused->report().layersAfter, m_unfused->report().layersAfter,
                           QStringLiteral("fused"), QStringLiteral("no fusion"));

        QString error;
        const QString csvPath = dir.filePath("comparison.csv");
        QVERIFY2(view.exportCsv(csvPath, &error), qPrintable(error));
        QFile csv(csvPath);
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QStringList lines =
            QString::fromUtf8(csv.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QVERIFY(lines.front().startsWith(QStringLiteral("layers_a,layers_b,ms_a,ms_b,b_over_a")));
        const auto convLine = std::find_if(lines.begin(), lines.end(), [this](const QString& line) {
            return line.startsWith(m_fusedConvRelu + QLatin1Char(','));
        });
        QVERIFY(convLine != lines.end());
        QVERIFY2(convLine->startsWith(m_fusedConvRelu + QStringLiteral(",conv | relu,0.5,0.7,1.4")),
                 qPrintable(*convLine));

        const QString jsonPath = dir.filePath("comparison.json");
        QVERIFY2(view.exportJson(jsonPath, &error), qPrintable(error));
        QFile jsonFile(jsonPath);
        QVERIFY(jsonFile.open(QIODevice::ReadOnly));
        QJsonParseError parseError;
        const QJsonObject json = QJsonDocument::fromJson(jsonFile.readAll(), &parseError).object();
        QCOMPARE(parseError.error, QJsonParseError::NoError);
        QCOMPARE(json.value("A").toObject().value("LatencyMs").toDouble(), 1.0);
        QCOMPARE(json.value("B").toObject().value("LatencyMs").toDouble(), 1.5);
        bool found = false;
        for (const QJsonValue& group : json.value("Groups").toArray()) {
            if (group.toObject().value("LayersA").toArray().first().toString() != m_fusedConvRelu) continue;
            found = true;
            QCOMPARE(group.toObject().value("LayersB").toArray().size(), 2);
            QCOMPARE(group.toObject().value("MillisecondsB").toDouble(), 0.7);
        }
        QVERIFY(found);

        const QString chartPath = dir.filePath("chart.png");
        QVERIFY2(view.exportChartPng(chartPath, &error), qPrintable(error));
        QVERIFY(QImage(chartPath).width() >= 800);
        const QString viewPath = dir.filePath("view.png");
        QVERIFY2(view.exportViewPng(viewPath, &error), qPrintable(error));
        QCOMPARE(QImage(viewPath).size(), view.size() * view.devicePixelRatio());

        // A file that cannot be written: a clear message naming it, and nothing left behind.
        const QString missing = dir.filePath("no/such/folder/comparison.csv");
        error.clear();
        QVERIFY(!view.exportCsv(missing, &error));
        QVERIFY2(error.contains(QStringLiteral("no/such/folder")), qPrintable(error));
        QVERIFY(!view.exportChartPng(dir.filePath("no/such/folder/chart.png"), &error));
        QVERIFY2(error.contains(QStringLiteral("chart.png")), qPrintable(error));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::NoDotAndDotDot).size(), 4);
    }

    // A reformat the builder added to one engine only: the other side has no time, not a time of zero, and
    // there is no speed-up to give; the difference is what the reformat costs.
    void aSideWithoutLayersShowsNoTime() {
        kiln::EngineComparison comparison;
        kiln::LayerGroupComparison reformat;
        reformat.layersA = {"Reformat x to NCHW"};
        reformat.millisecondsA = 0.25;
        reformat.precisionA = "FP32";
        comparison.groups.push_back(reformat);
        kiln::LayerGroupComparison conv;
        conv.layersA = {"conv"};
        conv.layersB = {"conv"};
        conv.precisionA = "FP32";
        conv.precisionB = "FP16";
        conv.tacticA = conv.tacticB = "onednn:jit";
        comparison.groups.push_back(conv);
        ComparisonTableModel model;
        model.setComparison(comparison);
        const auto text = [&model](int column) { return model.index(0, column).data().toString(); };
        QCOMPARE(text(ComparisonTableModel::TimeAColumn), QStringLiteral("0.250"));
        QCOMPARE(text(ComparisonTableModel::TimeBColumn), QStringLiteral("—"));
        QCOMPARE(text(ComparisonTableModel::LayersBColumn), QStringLiteral("—"));
        QCOMPARE(text(ComparisonTableModel::DifferenceColumn), QStringLiteral("-0.250"));
        QCOMPARE(text(ComparisonTableModel::RatioColumn), QStringLiteral("—"));
        // Nothing to differ in on a side without layers: the precision cell is not tinted.
        QCOMPARE(text(ComparisonTableModel::PrecisionColumn), QStringLiteral("FP32 | —"));
        QVERIFY(!model.index(0, ComparisonTableModel::PrecisionColumn).data(Qt::BackgroundRole).isValid());
        // Where both have layers and differ, the cell says both and is tinted; where they agree, one value.
        QCOMPARE(model.index(1, ComparisonTableModel::PrecisionColumn).data().toString(),
                 QStringLiteral("FP32 | FP16"));
        QVERIFY(model.index(1, ComparisonTableModel::PrecisionColumn).data(Qt::BackgroundRole).isValid());
        QCOMPARE(model.index(1, ComparisonTableModel::TacticColumn).data().toString(),
                 QStringLiteral("onednn:jit"));
        QVERIFY(!model.index(1, ComparisonTableModel::TacticColumn).data(Qt::BackgroundRole).isValid());
    }

    void clearEmptiesEverything() {
        EngineComparisonView view;
        view.setComparison(m_comparison, m_fused->report().layersAfter, m_unfused->report().layersAfter,
                           QStringLiteral("fused"), QStringLiteral("no fusion"));
        QVERIFY(view.hasComparison());
        view.clear();
        QVERIFY(!view.hasComparison());
        QCOMPARE(view.groupProxy()->rowCount(), 0);
        QVERIFY(view.chartGroups().empty());
        QCOMPARE(view.summaryTable()->item(EngineComparisonView::LatencyRow, 0)->text(), QStringLiteral("—"));
        QCOMPARE(view.groupOfLayer(EngineComparisonView::Side::A, m_fusedConvRelu), -1);
    }

private:
    std::shared_ptr<kiln::Engine> m_fused;
    std::shared_ptr<kiln::Engine> m_unfused;
    QString m_fusedConvRelu;
    QString m_fusedPool;
    kiln::EngineComparison m_comparison;
};

QTEST_MAIN(TestEngineComparisonView)
#include "tst_view_engine_comparison.moc"

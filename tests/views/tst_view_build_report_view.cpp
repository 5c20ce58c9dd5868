// Tests for BuildReportView: the summary of a report built by hand (layer counts, arena against
// activations, phases, timing, warnings), the changes grouped by pass, clicks and keys on entries
// selecting the layers they produced, and the filter.
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTest>
#include <QTreeWidget>

#include "build_report_view.h"

using kiln::views::BuildReportView;

namespace {

kiln::LayerRecord record(const std::string& name, bool elided = false) {
    kiln::LayerRecord layer;
    layer.name = name;
    layer.kind = "Convolution";
    layer.elided = elided;
    return layer;
}

// Six layers become four (one of them elided); three passes made four changes.
kiln::BuildReport sampleReport() {
    kiln::BuildReport report;
    for (const char* name : {"conv1", "bn1", "relu1", "conv2", "relu2", "concat1"})
        report.layersBefore.push_back(record(name));
    report.layersAfter = {record("conv1 + relu1"), record("conv2 + relu2"), record("concat1", true),
                          record("softmax")};
    report.changes = {{"batch-norm folding", "folded bn1 into conv1", {"conv1"}},
                      {"vertical fusion", "fused conv1 + relu1", {"conv1 + relu1"}},
                      {"vertical fusion", "fused conv2 + relu2", {"conv2 + relu2"}},
                      {"concat elimination", "concat1 writes in place", {"concat1", "conv2 + relu2"}}};
    report.arenaBytes = 3 * 1024 * 1024;
    report.activationBytes = 12 * 1024 * 1024;
    report.phases = {{"passes", 5.5}, {"tactic timing", 100.375}, {"memory plan", 10.0}};
    report.timingMilliseconds = 100.375;
    report.timingCacheHits = 1;
    report.timingCacheMisses = 2;
    report.warnings = {"timing cache built by another kiln version; ignored"};
    return report;
}

QString fieldText(const QWidget& root, const char* name) {
    const auto* label = root.findChild<QLabel*>(QString::fromLatin1(name));
    return label ? label->text() : QStringLiteral("(no label %1)").arg(QString::fromLatin1(name));
}

void clickItem(QTreeWidget* tree, QTreeWidgetItem* item) {
    tree->scrollToItem(item);
    QTest::mouseClick(tree->viewport(), Qt::LeftButton, {}, tree->visualItemRect(item).center());
}

}  // namespace

class TestBuildReportView : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    void summarizesTheBuild() {
        BuildReportView view;
        view.setReport(sampleReport());
        QCOMPARE(fieldText(view, "layersValue"), QStringLiteral("6 → 4 (3 executed, 1 elided)"));
        // 3 MiB of 12 MiB: a quarter.
        QCOMPARE(fieldText(view, "memoryValue"),
                 QStringLiteral("arena 3.00 MiB for 12.00 MiB of activations: 25.0 % of their size without reuse"));
        QCOMPARE(fieldText(view, "timingValue"),
                 QStringLiteral("100.4 ms timing tactics; timing cache hits: 1, misses: 2"));
        QVERIFY(fieldText(view, "warningsValue").contains(QStringLiteral("another kiln version")));

        auto* phases = view.findChild<QTreeWidget*>(QStringLiteral("phasesTable"));
        QVERIFY(phases);
        QCOMPARE(phases->topLevelItemCount(), 4);  // three phases and the total
        QCOMPARE(phases->topLevelItem(1)->text(0), QStringLiteral("tactic timing"));
        QCOMPARE(phases->topLevelItem(1)->text(1), QStringLiteral("100.4"));
        QCOMPARE(phases->topLevelItem(3)->text(0), QStringLiteral("Total"));
        QCOMPARE(phases->topLevelItem(3)->text(1), QStringLiteral("115.9"));  // 5.5 + 100.375 + 10
        QVERIFY(phases->topLevelItem(1)->textAlignment(1) & Qt::AlignRight);
    }

    void groupsChangesByPass() {
        BuildReportView view;
        view.setReport(sampleReport());
        auto* tree = view.findChild<QTreeWidget*>(QStringLiteral("changesTree"));
        QVERIFY(tree);
        QCOMPARE(tree->topLevelItemCount(), 3);
        QCOMPARE(tree->topLevelItem(0)->text(0), QStringLiteral("batch-norm folding (1)"));
        QCOMPARE(tree->topLevelItem(1)->text(0), QStringLiteral("vertical fusion (2)"));
        QCOMPARE(tree->topLevelItem(2)->text(0), QStringLiteral("concat elimination (1)"));
        QCOMPARE(tree->topLevelItem(1)->child(1)->text(0), QStringLiteral("fused conv2 + relu2"));
        QCOMPARE(tree->topLevelItem(2)->child(0)->text(1), QStringLiteral("concat1, conv2 + relu2"));
        QCOMPARE(view.visibleChangeCount(), 4);
    }

    void entriesSelectTheirLayers() {
        BuildReportView view;
        view.resize(800, 700);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setReport(sampleReport());
        auto* tree = view.findChild<QTreeWidget*>(QStringLiteral("changesTree"));
        QSignalSpy selected(&view, &BuildReportView::layersSelected);

        clickItem(tree, tree->topLevelItem(1)->child(0));
        QCOMPARE(selected.count(), 1);
        QCOMPARE(selected.at(0).at(0).toStringList(), QStringList{"conv1 + relu1"});

        clickItem(tree, tree->topLevelItem(2)->child(0));
        QCOMPARE(selected.count(), 2);
        QCOMPARE(selected.at(1).at(0).toStringList(), (QStringList{"concat1", "conv2 + relu2"}));

        // A pass selects every layer it produced, each once.
        clickItem(tree, tree->topLevelItem(1));
        QCOMPARE(selected.count(), 3);
        QCOMPARE(selected.at(2).at(0).toStringList(), (QStringList{"conv1 + relu1", "conv2 + relu2"}));

        // The keyboard moves to the next entry and selects its layers.
        tree->setFocus();
        QTest::keyClick(tree, Qt::Key_Down);
        QCOMPARE(selected.count(), 4);
        QCOMPARE(selected.at(3).at(0).toStringList(), QStringList{"conv1 + relu1"});
    }

    void filterHidesOtherChanges() {
        BuildReportView view;
        view.setReport(sampleReport());
        auto* filter = view.findChild<QLineEdit*>(QStringLiteral("filterEdit"));
        QVERIFY(filter);
        QTest::keyClicks(filter, QStringLiteral("CONV2"));
        // "fused conv2 + relu2" by its description, "concat1 writes in place" by its layers.
        QCOMPARE(view.visibleChangeCount(), 2);
        auto* tree = view.findChild<QTreeWidget*>(QStringLiteral("changesTree"));
        QVERIFY(tree->topLevelItem(0)->isHidden());
        QVERIFY(tree->topLevelItem(1)->child(0)->isHidden());
        QVERIFY(!tree->topLevelItem(1)->child(1)->isHidden());
        view.setFilter(QString());
        QCOMPARE(view.visibleChangeCount(), 4);
        QCOMPARE(filter->text(), QString());
    }

    void emptyAndClearedReports() {
        BuildReportView view;
        view.resize(800, 600);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        kiln::BuildReport unchanged;
        unchanged.layersBefore = {record("relu")};
        unchanged.layersAfter = {record("relu")};
        view.setReport(unchanged);
        auto* tree = view.findChild<QTreeWidget*>(QStringLiteral("changesTree"));
        QCOMPARE(tree->topLevelItemCount(), 1);
        QCOMPARE(tree->topLevelItem(0)->text(0), QStringLiteral("No pass changed the network."));
        QCOMPARE(view.visibleChangeCount(), 0);
        QCOMPARE(fieldText(view, "layersValue"), QStringLiteral("1 → 1 (1 executed, 0 elided)"));
        QCOMPARE(fieldText(view, "memoryValue"), QStringLiteral("arena 0.00 MiB"));
        QCOMPARE(fieldText(view, "timingValue"), QStringLiteral("no tactics were timed"));
        QCOMPARE(fieldText(view, "warningsValue"), QStringLiteral("none"));
        QSignalSpy selected(&view, &BuildReportView::layersSelected);
        clickItem(tree, tree->topLevelItem(0));
        QCOMPARE(selected.count(), 0);

        view.setReport(sampleReport());
        view.clear();
        QCOMPARE(fieldText(view, "layersValue"), QStringLiteral("—"));
        QCOMPARE(view.visibleChangeCount(), 0);
    }
};

QTEST_MAIN(TestBuildReportView)
#include "tst_view_build_report_view.moc"

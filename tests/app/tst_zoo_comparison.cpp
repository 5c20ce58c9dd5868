// The Compare Engines window on ResNet-50 (label zoo: it builds the model twice): the model as the Build
// panel builds it against the model without fusion. Every convolution with its ReLU (and residual add) is
// one layer in A and several in B; the window lists those groups with both times and the speed-up. With
// KILN_SCREENSHOT_DIR set it saves comparison.png of the window at 1600x1000.
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>

#include "build_panel.h"
#include "comparison_table_model.h"
#include "comparison_test_support.h"
#include "table_roles.h"
#include "tst_workbench_support.h"

using kiln::views::ComparisonTableModel;
using kiln::workbench::ComparisonWindow;
using kiln::workbench::MainWindow;

namespace {

constexpr int kZooTimeoutMs = 40 * 60 * 1000;

// The newest ResNet-50 export in the zoo's model cache ($KILN_ZOO_CACHE or tests/models/.cache).
QString resnet50Path() {
    const QString cache = qEnvironmentVariableIsSet("KILN_ZOO_CACHE")
                              ? qEnvironmentVariable("KILN_ZOO_CACHE")
                              : QStringLiteral(KILN_SOURCE_DIR "/tests/models/.cache");
    QFileInfo newest;
    QDirIterator files(QDir(cache).filePath("models"), {QStringLiteral("resnet50-*.onnx")}, QDir::Files);
    while (files.hasNext()) {
        const QFileInfo file(files.next());
        if (!newest.exists() || file.lastModified() > newest.lastModified()) newest = file;
    }
    return newest.exists() ? newest.absoluteFilePath() : QString();
}

}  // namespace

class TestZooComparison : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        kiln::testing::useTestEnvironment(m_dir.filePath("settings"));
    }

    void resNet50FusedAgainstUnfused() {
        const QString model = resnet50Path();
        if (model.isEmpty())
            QSKIP("no ResNet-50 in the zoo's model cache: run `ctest -L zoo -R zoo_resnet50` once");
        MainWindow window;
        window.resize(1400, 900);
        QVERIFY(kiln::testing::openAndWait(window, model));
        // Timing every tactic ten times would double the test's time and change nothing it checks.
        window.buildPanel()->findChild<QSpinBox*>("timingIterationsSpin")->setValue(2);
        ComparisonWindow* comparison = kiln::testing::openComparisonWindow(window);
        QVERIFY(comparison);
        comparison->setChoice(ComparisonWindow::Side::A, ComparisonWindow::Choice::BuildWithPanelOptions);
        comparison->setChoice(ComparisonWindow::Side::B, ComparisonWindow::Choice::BuildWithoutFusion);
        QVERIFY(kiln::testing::compareAndWait(*comparison, 30, kZooTimeoutMs));
        QVERIFY2(comparison->errorText().isEmpty(), qPrintable(comparison->errorText()));

        const kiln::EngineComparison& result = comparison->view()->comparison();
        QVERIFY(result.b.executedLayers > result.a.executedLayers);
        // The stem's /conv1/Conv + /relu/Relu (the export folded the batch norms already) and each block's
        // three convolutions with their ReLU or residual add: groups of one fused layer in A and several
        // layers in B. Which side is faster is the measurement's to say, not the test's: on a machine shared
        // with other work a profile of either engine can come out slower. What must hold is that both were
        // measured.
        int fusedGroups = 0;
        auto* proxy = comparison->view()->groupProxy();
        for (size_t g = 0; g < result.groups.size(); ++g) {
            const kiln::LayerGroupComparison& group = result.groups[g];
            if (group.layersA.size() != 1 || group.layersB.size() < 2) continue;
            ++fusedGroups;
            QVERIFY2(group.millisecondsA > 0.0 && group.millisecondsB > 0.0, group.layersA.front().c_str());
            const int row = proxy->mapFromSource(comparison->view()->groupModel()->index(int(g), 0)).row();
            QCOMPARE(proxy->index(row, ComparisonTableModel::RatioColumn).data().toString(),
                     QStringLiteral("%1×").arg(group.millisecondsB / group.millisecondsA, 0, 'f', 2));
        }
        // 1 + 16 × 3 = 49 such convolutions.
        QVERIFY2(fusedGroups >= 45, qPrintable(QString::number(fusedGroups)));
        const int stem = kiln::testing::groupWithBLayers(result, "/conv1/Conv", "/relu/Relu");
        QVERIFY(stem >= 0);
        QCOMPARE(result.groups[size_t(stem)].layersA.size(), size_t(1));

        // Sorted by speed-up, as a user looking for what fusion gained would.
        comparison->view()->groupTable()->sortByColumn(ComparisonTableModel::RatioColumn,
                                                       Qt::DescendingOrder);
        const double top =
            proxy->index(0, ComparisonTableModel::RatioColumn).data(kiln::views::SortRole).toDouble();
        const double next =
            proxy->index(1, ComparisonTableModel::RatioColumn).data(kiln::views::SortRole).toDouble();
        QVERIFY(top >= next);

        if (const QString folder = qEnvironmentVariable("KILN_SCREENSHOT_DIR"); !folder.isEmpty()) {
            QDir().mkpath(folder);
            comparison->resize(1600, 1000);
            comparison->view()->selectGroup(stem);
            QTest::qWait(500);
            QDeadlineTimer layouts(60000);
            while ((comparison->view()->graphA()->isLayoutRunning() ||
                    comparison->view()->graphB()->isLayoutRunning()) &&
                   !layouts.hasExpired()) {
                QTest::qWait(50);
            }
            comparison->view()->selectGroup(stem);
            QTest::qWait(300);
            QVERIFY(comparison->grab().save(QDir(folder).filePath("comparison.png")));
        }
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestZooComparison)
#include "tst_zoo_comparison.moc"

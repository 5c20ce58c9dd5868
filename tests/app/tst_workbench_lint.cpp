// The workbench's Lint panel: after a build it lists the engine's lint hints (kiln/lint.h), it empties
// when another file opens, and picking a hint selects its layer in the views.
#include <QDir>
#include <QDockWidget>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTreeWidget>

#include "document.h"
#include "kiln/lint.h"
#include "lint_view.h"
#include "tst_workbench_support.h"

using kiln::workbench::MainWindow;

class TestWorkbenchLint : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        kiln::testing::useTestEnvironment(m_dir.filePath("settings"));
    }

    void theBuiltEnginesHintsAreListedAndSelectTheirLayers() {
        MainWindow window;
        QVERIFY(kiln::testing::openAndWait(window, kiln::testing::sampleModelPath()));
        QCOMPARE(window.lintView()->hintCount(), 0);
        QVERIFY(kiln::testing::buildAndWait(window));
        QVERIFY(window.document()->engine());
        const std::vector<kiln::LintHint> hints = kiln::lintEngine(*window.document()->engine());
        QTRY_COMPARE(window.lintView()->hintCount(), int(hints.size()));
        auto* list = window.lintView()->findChild<QTreeWidget*>("lintList");
        QVERIFY(list);
        QCOMPARE(list->topLevelItemCount(), int(hints.size()));
        for (int row = 0; row < int(hints.size()); ++row) {
            QCOMPARE(list->topLevelItem(row)->text(kiln::views::LintView::HintColumn), QString::fromStdString(hints[size_t(row)].message));
        }
        if (!hints.empty() && !hints.front().layers.empty()) {
            list->setCurrentItem(list->topLevelItem(0));
            QCOMPARE(window.selectedLayer(), QString::fromStdString(hints.front().layers.front()));
        }
        if (const QString folder = qEnvironmentVariable("KILN_SCREENSHOT_DIR"); !folder.isEmpty()) {
            QDir().mkpath(folder);
            window.resize(1400, 900);
            window.show();
            if (auto* dock = qobject_cast<QDockWidget*>(window.lintView()->parentWidget())) dock->raise();
            QVERIFY(kiln::testing::waitForLayouts(window));
            QTest::qWait(200);
            QVERIFY(window.grab().save(QDir(folder).filePath("workbench_sample_lint.png")));
        }
        // Another file: the hints of the old engine go.
        QVERIFY(kiln::testing::openAndWait(window, kiln::testing::sampleModelPath()));
        QCOMPARE(window.lintView()->hintCount(), 0);
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestWorkbenchLint)
#include "tst_workbench_lint.moc"

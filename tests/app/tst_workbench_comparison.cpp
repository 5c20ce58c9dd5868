// The Compare Engines window driven as a user does, on a small model: Build > Compare Engines…, the
// engine shown against the open model built without fusion (the fused conv1 + relu1 meets the separate
// conv1 and relu1, with both times and the speed-up listed), a plan file against the engine shown, the
// exports through the Export menu, what the window says when a side cannot be had (no engine, no model,
// a missing file, a model where a plan was asked for, a damaged plan), FP16 against FP32, cancel while it
// runs, and the window under a Chinese locale.
#include <QAction>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QMenu>
#include <QProgressBar>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QToolButton>
#include <QTranslator>

#include "comparison_table_model.h"
#include "comparison_test_support.h"
#include "test_models.h"
#include "tst_workbench_support.h"

using kiln::views::ComparisonTableModel;
using kiln::views::EngineComparisonView;
using kiln::workbench::ComparisonWindow;
using kiln::workbench::MainWindow;

namespace {

QAction* exportAction(ComparisonWindow& comparison, const QString& text) {
    auto* button = comparison.findChild<QToolButton*>(QStringLiteral("comparisonExportButton"));
    if (!button || !button->menu()) return nullptr;
    for (QAction* action : button->menu()->actions()) {
        if (action->text() == text) return action;
    }
    return nullptr;
}

}  // namespace

class TestWorkbenchComparison : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        kiln::testing::useTestEnvironment(m_dir.filePath("settings"));
        m_modelPath = m_dir.filePath("small_cnn.onnx");
        QVERIFY(kiln::testing::writeSmallCnnModel(m_modelPath));
    }

    void theShownEngineAgainstTheModelWithoutFusion() {
        MainWindow window;
        QVERIFY(kiln::testing::openAndWait(window, m_modelPath));
        QVERIFY(kiln::testing::buildAndWait(window));
        ComparisonWindow* comparison = kiln::testing::openComparisonWindow(window);
        QVERIFY(comparison);
        QVERIFY(comparison->isVisible());
        QCOMPARE(comparison->choice(ComparisonWindow::Side::A), ComparisonWindow::Choice::ShownEngine);
        QCOMPARE(comparison->choice(ComparisonWindow::Side::B), ComparisonWindow::Choice::BuildWithoutFusion);
        QVERIFY(!comparison->findChild<QLineEdit*>("planPathA")->isEnabled());

        QVERIFY(kiln::testing::compareAndWait(*comparison, 5, kiln::testing::kBuildTimeoutMs));
        QVERIFY2(comparison->errorText().isEmpty(), qPrintable(comparison->errorText()));
        QVERIFY2(comparison->statusText().startsWith(QStringLiteral("Compared in")),
                 qPrintable(comparison->statusText()));
        EngineComparisonView* view = comparison->view();
        QVERIFY(view->hasComparison());
        QCOMPARE(comparison->job()->outcome().engineA, window.document()->engine());

        // conv1 and relu1, separate in B, are one fused layer in A; both timed.
        const kiln::EngineComparison& result = view->comparison();
        const int fused = kiln::testing::groupWithBLayers(result, "conv1", "relu1");
        QVERIFY(fused >= 0);
        const kiln::LayerGroupComparison& group = result.groups[size_t(fused)];
        QCOMPARE(group.layersA.size(), size_t(1));
        QCOMPARE(group.layersB.size(), size_t(2));
        QVERIFY(group.millisecondsA > 0.0);
        QVERIFY(group.millisecondsB > 0.0);
        const int row = view->groupProxy()->mapFromSource(view->groupModel()->index(fused, 0)).row();
        const QString ratio =
            view->groupProxy()->index(row, ComparisonTableModel::RatioColumn).data().toString();
        QCOMPARE(ratio, QStringLiteral("%1×").arg(group.millisecondsB / group.millisecondsA, 0, 'f', 2));
        // Fusion leaves fewer layers to execute (conv1 + relu1 is one, the flatten a view); both latencies
        // were measured.
        QVERIFY(result.b.executedLayers > result.a.executedLayers);
        QVERIFY(result.a.elidedLayers > result.b.elidedLayers);
        QVERIFY(result.a.latencyMs > 0.0 && result.b.latencyMs > 0.0);
        QVERIFY(view->chartLabels().size() >= 2);
        if (const QString folder = qEnvironmentVariable("KILN_SCREENSHOT_DIR"); !folder.isEmpty()) {
            QDir().mkpath(folder);
            comparison->resize(1600, 1000);
            view->selectGroup(fused);
            QTest::qWait(300);
            QVERIFY(comparison->grab().save(QDir(folder).filePath("comparison_small.png")));
        }

        // The exports through the window's menu, to the files the (test's) dialog names.
        QString chosen;
        window.setFileChooser([&chosen](const MainWindow::FileRequest& request) {
            return request.mode == MainWindow::FileRequest::Mode::Save ? chosen : QString();
        });
        chosen = m_dir.filePath("small.csv");
        exportAction(*comparison, QStringLiteral("Groups as CSV…"))->trigger();
        QFile csv(chosen);
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QByteArray csvText = csv.readAll();
        QVERIFY(csvText.startsWith("layers_a,layers_b,ms_a,ms_b,b_over_a"));
        QVERIFY(csvText.contains("conv1 | relu1"));
        chosen = m_dir.filePath("small");  // no suffix: the format's is added
        exportAction(*comparison, QStringLiteral("Comparison as JSON…"))->trigger();
        QVERIFY(QFile::exists(m_dir.filePath("small.json")));
        QVERIFY2(comparison->statusText().contains(QStringLiteral("small.json")),
                 qPrintable(comparison->statusText()));
        chosen = m_dir.filePath("missing/folder/small.png");
        exportAction(*comparison, QStringLiteral("Window as PNG…"))->trigger();
        QVERIFY2(comparison->errorText().startsWith(QStringLiteral("Export failed")),
                 qPrintable(comparison->errorText()));
        QVERIFY(comparison->errorText().contains(QStringLiteral("small.png")));
        QVERIFY(!QFile::exists(chosen));
    }

    void aPlanFileAgainstTheShownEngine() {
        MainWindow window;
        QVERIFY(kiln::testing::openAndWait(window, m_modelPath));
        QVERIFY(kiln::testing::buildAndWait(window));
        const QString planPath = m_dir.filePath("small.plan");
        QSignalSpy exported(&window, &MainWindow::planExportFinished);
        window.exportPlanTo(planPath);
        QVERIFY(exported.wait(kiln::testing::kLoadTimeoutMs));
        QCOMPARE(exported.first().at(1).toString(), QString());

        ComparisonWindow* comparison = kiln::testing::openComparisonWindow(window);
        QVERIFY(comparison);
        // Through Browse…, as a user picks the file.
        comparison->setChoice(ComparisonWindow::Side::A, ComparisonWindow::Choice::PlanFile);
        comparison->setChoice(ComparisonWindow::Side::B, ComparisonWindow::Choice::ShownEngine);
        window.setFileChooser([&planPath](const MainWindow::FileRequest& request) {
            return request.mode == MainWindow::FileRequest::Mode::Open ? planPath : QString();
        });
        comparison->findChild<QPushButton*>("browseA")->click();
        QCOMPARE(QDir::fromNativeSeparators(comparison->findChild<QLineEdit*>("planPathA")->text()),
                 planPath);
        QVERIFY(kiln::testing::compareAndWait(*comparison, 3, kiln::testing::kBuildTimeoutMs));
        QVERIFY2(comparison->errorText().isEmpty(), qPrintable(comparison->errorText()));
        // The same engine on both sides: every group is one layer against the same layer.
        const kiln::EngineComparison& result = comparison->view()->comparison();
        QVERIFY(!result.groups.empty());
        for (const kiln::LayerGroupComparison& group : result.groups) {
            QCOMPARE(group.layersA, group.layersB);
            QCOMPARE(group.precisionA, group.precisionB);
            QCOMPARE(group.tacticA, group.tacticB);
        }
        QCOMPARE(result.a.executedLayers, result.b.executedLayers);
        QCOMPARE(result.a.weightBytes, result.b.weightBytes);
        QVERIFY(comparison->view()->graphA()->isVisible());
        QVERIFY(comparison->windowTitle().contains(QStringLiteral("Compare Engines")));
    }

    // The open model in FP16 against the Build panel's FP32: the window names the precision each side runs
    // the convolution in and tints the cell where they differ.
    void fp16AgainstFp32ShowsThePrecisions() {
        MainWindow window;
        QVERIFY(kiln::testing::openAndWait(window, m_modelPath));
        ComparisonWindow* comparison = kiln::testing::openComparisonWindow(window);
        QVERIFY(comparison);
        comparison->setChoice(ComparisonWindow::Side::A, ComparisonWindow::Choice::BuildInFp16);
        comparison->setChoice(ComparisonWindow::Side::B, ComparisonWindow::Choice::BuildWithPanelOptions);
        QVERIFY(kiln::testing::compareAndWait(*comparison, 2, kiln::testing::kBuildTimeoutMs));
        QVERIFY2(comparison->errorText().isEmpty(), qPrintable(comparison->errorText()));
        const kiln::EngineComparison& result = comparison->view()->comparison();
        int convGroup = -1;
        for (size_t g = 0; g < result.groups.size(); ++g) {
            if (kiln::testing::holds(result.groups[g].nodes, "conv1")) convGroup = int(g);
        }
        QVERIFY(convGroup >= 0);
        const kiln::LayerGroupComparison& conv = result.groups[size_t(convGroup)];
        QVERIFY2(QString::fromStdString(conv.precisionA).contains(QStringLiteral("FP16")),
                 conv.precisionA.c_str());
        QCOMPARE(conv.precisionB, std::string("FP32"));
        auto* view = comparison->view();
        const QModelIndex cell = view->groupProxy()->index(
            view->groupProxy()->mapFromSource(view->groupModel()->index(convGroup, 0)).row(),
            ComparisonTableModel::PrecisionColumn);
        QCOMPARE(cell.data().toString(), QString::fromStdString(conv.precisionA + " | FP32"));
        QVERIFY(cell.data(Qt::BackgroundRole).isValid());
    }

    void sidesThatCannotBeHadAreExplained() {
        MainWindow window;
        ComparisonWindow* comparison = kiln::testing::openComparisonWindow(window);
        QVERIFY(comparison);
        // Nothing open: neither an engine to show nor a model to build.
        comparison->setChoice(ComparisonWindow::Side::A, ComparisonWindow::Choice::ShownEngine);
        QVERIFY(kiln::testing::compareAndWait(*comparison, 1, kiln::testing::kLoadTimeoutMs));
        QVERIFY2(comparison->errorText().contains(QStringLiteral("A")) &&
                     comparison->errorText().contains(QStringLiteral("shows no engine yet")),
                 qPrintable(comparison->errorText()));
        QCOMPARE(comparison->statusText(), QStringLiteral("Comparison failed."));
        comparison->setChoice(ComparisonWindow::Side::A, ComparisonWindow::Choice::BuildInFp16);
        QVERIFY(kiln::testing::compareAndWait(*comparison, 1, kiln::testing::kLoadTimeoutMs));
        QVERIFY2(comparison->errorText().contains(QStringLiteral("no model is open")),
                 qPrintable(comparison->errorText()));

        QVERIFY(kiln::testing::openAndWait(window, m_modelPath));
        comparison->setChoice(ComparisonWindow::Side::A, ComparisonWindow::Choice::BuildWithPanelOptions);
        const auto planProblem = [&](const QString& path) {
            comparison->setChoice(ComparisonWindow::Side::B, ComparisonWindow::Choice::PlanFile, path);
            if (!kiln::testing::compareAndWait(*comparison, 1, kiln::testing::kBuildTimeoutMs))
                return QStringLiteral("timeout");
            return comparison->errorText();
        };
        const QString missing = planProblem(m_dir.filePath("nowhere.plan"));
        QVERIFY2(missing.contains(QStringLiteral("B (nowhere.plan)")) &&
                     missing.contains(QStringLiteral("does not exist")),
                 qPrintable(missing));
        const QString model = planProblem(m_modelPath);
        QVERIFY2(model.contains(QStringLiteral("is not a Kiln plan")) &&
                     model.contains(QStringLiteral("small_cnn.onnx")),
                 qPrintable(model));
        const QString damagedPath = m_dir.filePath("damaged.plan");
        {
            QFile damaged(damagedPath);
            QVERIFY(damaged.open(QIODevice::WriteOnly));
            damaged.write(QByteArray("KILNPLAN") + QByteArray(200, '\x5a'));
        }
        const QString damaged = planProblem(damagedPath);
        QVERIFY2(damaged.startsWith(QStringLiteral("Could not compare the engines. B (damaged.plan): ")) &&
                     damaged.size() > 60,
                 qPrintable(damaged));
        QVERIFY(!comparison->view()->hasComparison());
        QVERIFY(comparison->findChild<QPushButton*>("compareButton")->isEnabled());
    }

    void cancelStopsARunningComparison() {
        MainWindow window;
        QVERIFY(kiln::testing::openAndWait(window, m_modelPath));
        ComparisonWindow* comparison = kiln::testing::openComparisonWindow(window);
        QVERIFY(comparison);
        comparison->setChoice(ComparisonWindow::Side::A, ComparisonWindow::Choice::BuildWithPanelOptions);
        comparison->findChild<QSpinBox*>("comparisonRuns")->setValue(100000);
        QSignalSpy finished(comparison, &ComparisonWindow::comparisonFinished);
        QSignalSpy progress(comparison->job(), &kiln::workbench::EngineComparisonJob::progress);
        comparison->findChild<QPushButton*>("compareButton")->click();
        QVERIFY(comparison->isRunning());
        // The window stays responsive and locked while it runs.
        QVERIFY(!comparison->findChild<QPushButton*>("compareButton")->isEnabled());
        QVERIFY(!comparison->findChild<QComboBox*>("choiceB")->isEnabled());
        QVERIFY(comparison->findChild<QProgressBar*>("comparisonProgress")->isVisible() ||
                !comparison->isVisible());
        // Wait until it profiles (both engines built), then cancel.
        QTRY_VERIFY_WITH_TIMEOUT(
            !progress.isEmpty() && progress.last().at(0).toString() == QStringLiteral("Profiling A and B"),
            kiln::testing::kBuildTimeoutMs);
        comparison->findChild<QPushButton*>("cancelComparisonButton")->click();
        QVERIFY(finished.wait(kiln::testing::kBuildTimeoutMs));
        QCOMPARE(comparison->statusText(), QStringLiteral("Comparison cancelled."));
        QVERIFY(comparison->errorText().isEmpty());
        QVERIFY(!comparison->view()->hasComparison());
        QVERIFY(comparison->findChild<QPushButton*>("compareButton")->isEnabled());
    }

    void closingTheWorkbenchWhileComparingIsSafe() {
        auto window = std::make_unique<MainWindow>();
        QVERIFY(kiln::testing::openAndWait(*window, m_modelPath));
        ComparisonWindow* comparison = kiln::testing::openComparisonWindow(*window);
        QVERIFY(comparison);
        comparison->setChoice(ComparisonWindow::Side::A, ComparisonWindow::Choice::BuildWithPanelOptions);
        comparison->findChild<QSpinBox*>("comparisonRuns")->setValue(100000);
        comparison->findChild<QPushButton*>("compareButton")->click();
        QVERIFY(comparison->isRunning());
        QTest::qWait(50);
        QPointer<ComparisonWindow> guard(comparison);
        window.reset();  // cancels and waits for the worker
        QVERIFY(guard.isNull());
    }

    // Under a Chinese locale the window, its view and the Build menu entry speak Chinese.
    void theWindowSpeaksChinese() {
        kiln::workbench::installTranslations(*QCoreApplication::instance(),
                                             QLocale(QLocale::Chinese, QLocale::China));
        {
            MainWindow window;
            auto* action = window.findChild<QAction*>(QStringLiteral("compareEnginesAction"));
            QVERIFY(action);
            QCOMPARE(action->text(), QStringLiteral("比较引擎(&M)…"));
            ComparisonWindow* comparison = kiln::testing::openComparisonWindow(window);
            QVERIFY(comparison);
            QCOMPARE(comparison->windowTitle(), QStringLiteral("比较引擎 — Kiln 工作台"));
            QCOMPARE(comparison->findChild<QPushButton*>("compareButton")->text(), QStringLiteral("比较"));
            QCOMPARE(comparison->findChild<QComboBox*>("choiceB")->currentText(),
                     QStringLiteral("打开的模型，不融合"));
            QCOMPARE(comparison->view()->groupModel()->headerData(ComparisonTableModel::RatioColumn,
                                                                  Qt::Horizontal),
                     QVariant(QStringLiteral("加速比 (B/A)")));
            QCOMPARE(comparison->statusText(), QStringLiteral("选择两个引擎，然后按“比较”。"));
        }
        for (QTranslator* translator : QCoreApplication::instance()->findChildren<QTranslator*>()) {
            QCoreApplication::removeTranslator(translator);
            delete translator;
        }
        kiln::testing::useTestEnvironment(m_dir.filePath("settings"));
    }

private:
    QTemporaryDir m_dir;
    QString m_modelPath;
};

QTEST_MAIN(TestWorkbenchComparison)
#include "tst_workbench_comparison.moc"

// The workbench end to end on the sample model, driving the real window: open → graph nodes; build →
// after-fusion graph, build log and report; selection kept in step across graph, properties, layer
// table, tactics, profile and build report; profile → profile rows and graph latencies; export a plan
// and a report and open the plan again; cancel a build half-way and build again.
#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSet>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "build_panel.h"
#include "build_report_view.h"
#include "layer_table_model.h"
#include "profile_view.h"
#include "properties_panel.h"
#include "tactic_view.h"
#include "tst_workbench_support.h"

using kiln::testing::kBuildTimeoutMs;
using kiln::testing::kLoadTimeoutMs;
using kiln::workbench::MainWindow;

namespace {

// Every node of resources/sample/make_sample_model.py, in the order the script adds them.
const QStringList kSampleLayers = {
    "conv1", "bn1", "relu1", "res2a_conv1", "res2a_bn1", "res2a_relu1", "res2a_conv2", "res2a_bn2", "res2a_add",
    "res2a_relu", "pool1", "inception_1x1_a", "inception_relu_a", "inception_1x1_b", "inception_relu_b",
    "inception_1x1_c", "inception_relu_c", "inception_3x3", "inception_relu_3x3", "inception_3x3dbl_1",
    "inception_relu_3x3dbl_1", "inception_3x3dbl_2", "inception_relu_3x3dbl_2", "inception_pool",
    "inception_pool_proj", "inception_relu_pool_proj", "inception_concat", "global_pool", "flatten", "fc",
    "output"};
// conv1 → bn1 → relu1 is the first conv + batch-norm + activation chain; fusion names it TensorRT's way.
const QString kFusedStem = QStringLiteral("conv1 + bn1 + relu1");

QSet<QString> toSet(const QStringList& list) {
    return QSet<QString>(list.begin(), list.end());
}

QStringList selectedTableNames(QTableView* table) {
    QStringList names;
    for (const QModelIndex& index : table->selectionModel()->selectedRows(kiln::views::LayerTableModel::NameColumn))
        names << index.data().toString();
    return names;
}

}  // namespace

class TestWorkbenchFlow : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        kiln::testing::useTestEnvironment(m_dir.filePath("settings"));
        QVERIFY2(QFile::exists(kiln::testing::sampleModelPath()), qPrintable(kiln::testing::sampleModelPath()));
    }

    void init() {
        QSettings().clear();
        m_window = std::make_unique<MainWindow>();
        m_window->resize(1500, 950);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    }

    void cleanup() { m_window.reset(); }

    void openShowsModelGraph() {
        QSignalSpy shown(m_window.get(), &MainWindow::fileShown);
        m_window->openFile(kiln::testing::sampleModelPath());
        QCOMPARE(m_window->windowTitle(), QStringLiteral("kiln_sample.onnx — loading…"));
        QVERIFY(kiln::testing::waitForSignal(shown, kLoadTimeoutMs));
        QVERIFY(kiln::testing::waitForLayouts(*m_window));
        kiln::views::GraphView* before = m_window->graphView()->beforeView();
        QCOMPARE(before->nodeCount(), kSampleLayers.size());
        QCOMPARE(toSet(before->nodeNames()), toSet(kSampleLayers));
        QCOMPARE(m_window->graphView()->afterView()->nodeCount(), 0);
        QCOMPARE(m_window->windowTitle(), QStringLiteral("kiln_sample.onnx — not built"));
        QCOMPARE(m_window->layerTable()->model()->rowCount(), kSampleLayers.size());
        QVERIFY(m_window->findChild<QAction*>("buildAction")->isEnabled());
        QVERIFY(!m_window->findChild<QAction*>("profileAction")->isEnabled());
        QVERIFY(!m_window->findChild<QAction*>("exportPlanAction")->isEnabled());
    }

    void buildShowsFusedGraphAndLog() {
        QVERIFY(kiln::testing::openAndWait(*m_window, kiln::testing::sampleModelPath()));
        QSignalSpy finished(m_window.get(), &MainWindow::buildFinished);
        QTest::mouseClick(m_window->findChild<QPushButton*>("buildButton"), Qt::LeftButton);
        QVERIFY(m_window->buildJob()->isRunning() || finished.count() == 1);
        QVERIFY(kiln::testing::waitForSignal(finished, kBuildTimeoutMs));
        QVERIFY2(m_window->document()->engine(), qPrintable(m_window->buildJob()->outcome().message));
        QVERIFY(kiln::testing::waitForLayouts(*m_window));

        const QStringList after = m_window->graphView()->afterView()->nodeNames();
        QVERIFY2(after.contains(kFusedStem), qPrintable(after.join(", ")));
        QVERIFY(after.size() < kSampleLayers.size());
        QCOMPARE(m_window->graphView()->afterView()->nodeCount(),
                 int(m_window->document()->engine()->report().layersAfter.size()));
        QCOMPARE(m_window->graphView()->beforeView()->nodeCount(), kSampleLayers.size());
        QCOMPARE(m_window->windowTitle(), QStringLiteral("kiln_sample.onnx — built, FP32, cpu"));

        // One progress bar per phase the builder went through, each finished.
        for (const char* phase : {"passes", "tactics", "memory"}) {
            auto* bar = m_window->findChild<QProgressBar*>(QStringLiteral("phaseProgress_%1").arg(phase));
            QVERIFY2(bar, phase);
            QCOMPARE(bar->value(), bar->maximum());
            QVERIFY(bar->maximum() > 0);
        }
        const QString log = m_window->buildPanel()->logText();
        QVERIFY2(log.contains("Phase “Optimization passes” started"), qPrintable(log));
        QVERIFY2(log.contains("Phase “Memory planning” finished"), qPrintable(log));
        QVERIFY2(log.contains("fused conv1 + bn1 + relu1") || log.contains(kFusedStem), qPrintable(log));
        QVERIFY(QRegularExpression("^\\d\\d:\\d\\d:\\d\\d\\.\\d\\d\\d Build of kiln_sample.onnx started",
                                   QRegularExpression::MultilineOption)
                    .match(log)
                    .hasMatch());
        QVERIFY(m_window->buildPanel()->statusText().startsWith("Built in"));
        QVERIFY(m_window->findChild<QAction*>("profileAction")->isEnabled());
    }

    void selectionFollowsAcrossViews() {
        QVERIFY(kiln::testing::openAndWait(*m_window, kiln::testing::sampleModelPath()));
        QVERIFY(kiln::testing::buildAndWait(*m_window));
        QVERIFY(kiln::testing::waitForLayouts(*m_window));
        kiln::views::GraphView* before = m_window->graphView()->beforeView();
        kiln::views::GraphView* after = m_window->graphView()->afterView();

        // A fused layer clicked in the after graph: its originals light up on the left, and every panel
        // shows the fused layer.
        QVERIFY(kiln::testing::clickNode(after, kFusedStem));
        QCOMPARE(m_window->selectedLayer(), kFusedStem);
        QVERIFY(m_window->selectedLayerIsAfterFusion());
        QCOMPARE(toSet(before->highlightedLayers()), toSet({"conv1", "bn1", "relu1"}));
        QVERIFY2(m_window->propertiesPanel()->currentTitle().startsWith(kFusedStem),
                 qPrintable(m_window->propertiesPanel()->currentTitle()));
        QCOMPARE(m_window->tacticView()->currentLayer(), kFusedStem);
        QCOMPARE(selectedTableNames(m_window->layerTable()), QStringList({kFusedStem}));

        // An original layer clicked in the before graph: the fused layer holding it lights up on the right.
        QVERIFY(kiln::testing::clickNode(before, "res2a_conv2"));
        QCOMPARE(m_window->selectedLayer(), QStringLiteral("res2a_conv2"));
        QVERIFY(!m_window->selectedLayerIsAfterFusion());
        const QStringList afterHighlight = after->highlightedLayers();
        QCOMPARE(afterHighlight.size(), 1);
        QVERIFY2(afterHighlight.first().contains("res2a_conv2"), qPrintable(afterHighlight.first()));
        QVERIFY(m_window->propertiesPanel()->currentTitle().startsWith("res2a_conv2"));
        QCOMPARE(m_window->tacticView()->currentLayer(), afterHighlight.first());

        // A row of the layer table (showing the model's layers) selects in the graphs.
        auto* source = m_window->findChild<QComboBox*>("layerSourceCombo");
        source->setCurrentIndex(0);
        emit source->activated(0);
        QTableView* table = m_window->layerTable();
        QCOMPARE(table->model()->rowCount(), kSampleLayers.size());
        QModelIndex poolRow;
        for (int row = 0; row < table->model()->rowCount(); ++row) {
            const QModelIndex index = table->model()->index(row, kiln::views::LayerTableModel::NameColumn);
            if (index.data().toString() == "pool1") poolRow = index;
        }
        QVERIFY(poolRow.isValid());
        table->scrollTo(poolRow);
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(poolRow).center());
        QCOMPARE(m_window->selectedLayer(), QStringLiteral("pool1"));
        QVERIFY(before->highlightedLayers().contains("pool1"));
        QVERIFY(m_window->propertiesPanel()->currentTitle().startsWith("pool1"));

        // An entry of the build report selects the layers it produced.
        m_window->findChild<QDockWidget*>("buildReportDock")->raise();
        auto* changes = m_window->buildReportView()->findChild<QTreeWidget*>("changesTree");
        QVERIFY(changes);
        QTreeWidgetItem* entry = nullptr;
        for (QTreeWidgetItemIterator it(changes); *it; ++it) {
            if ((*it)->data(0, Qt::UserRole).toStringList() == QStringList({kFusedStem})) entry = *it;
        }
        QVERIFY2(entry, "no build report entry produced conv1 + bn1 + relu1 alone");
        changes->scrollToItem(entry);
        QTest::mouseClick(changes->viewport(), Qt::LeftButton, {}, changes->visualItemRect(entry).center());
        QCOMPARE(m_window->selectedLayer(), kFusedStem);
        QCOMPARE(after->highlightedLayers(), QStringList({kFusedStem}));
        QCOMPARE(toSet(before->highlightedLayers()), toSet({"conv1", "bn1", "relu1"}));
    }

    void profileFillsProfileView() {
        QVERIFY(kiln::testing::openAndWait(*m_window, kiln::testing::sampleModelPath()));
        QVERIFY(kiln::testing::buildAndWait(*m_window));
        m_window->findChild<QSpinBox*>("profileRunsSpin")->setValue(7);
        m_window->findChild<QSpinBox*>("profileWarmUpSpin")->setValue(2);
        QSignalSpy finished(m_window.get(), &MainWindow::profileFinished);
        QTest::mouseClick(m_window->findChild<QPushButton*>("profileButton"), Qt::LeftButton);
        QVERIFY(kiln::testing::waitForSignal(finished, kBuildTimeoutMs));
        QCOMPARE(m_window->profileJob()->outcome().code, kiln::StatusCode::Ok);

        const kiln::views::ProfileResult& profile = m_window->profileView()->profile();
        QCOMPARE(profile.iterations, 7);
        QCOMPARE(profile.endToEndMilliseconds.size(), size_t(7));
        QVERIFY(!profile.layers.empty());
        // Every profiled layer is an executed layer of the engine, with the build's tactic and precision.
        std::map<std::string, const kiln::LayerRecord*> records;
        for (const kiln::LayerRecord& record : m_window->document()->engine()->report().layersAfter)
            records[record.name] = &record;
        double percent = 0;
        for (const kiln::views::LayerProfile& layer : profile.layers) {
            const auto it = records.find(layer.name.toStdString());
            QVERIFY2(it != records.end(), qPrintable(layer.name));
            QCOMPARE(layer.tactic, QString::fromStdString(it->second->tactic));
            QCOMPARE(layer.precision, QString::fromStdString(it->second->precision));
            QCOMPARE(layer.type, QString::fromStdString(it->second->kind));
            QVERIFY(layer.milliseconds >= 0);
            percent += layer.percent;
        }
        QVERIFY(qAbs(percent - 100.0) < 1e-6 || percent == 0.0);
        auto* rows = m_window->profileView()->findChild<QTableView*>("layerTable");
        QCOMPARE(rows->model()->rowCount(), int(profile.layers.size()));
        QVERIFY(m_window->findChild<QLabel*>("profileStatusLabel")->text().startsWith("7 runs: median"));
        QVERIFY(m_window->findChild<QAction*>("exportProfileCsvAction")->isEnabled());

        // Latency coloring uses the measured times: the slowest layer gets another color than the fastest.
        kiln::views::GraphView* after = m_window->graphView()->afterView();
        QVERIFY(kiln::testing::waitForLayouts(*m_window));
        after->setColorMode(kiln::views::GraphView::ColorMode::Latency);
        auto [fastest, slowest] = std::minmax_element(
            profile.layers.begin(), profile.layers.end(),
            [](const auto& a, const auto& b) { return a.milliseconds < b.milliseconds; });
        if (slowest->milliseconds > 2 * fastest->milliseconds) {
            QVERIFY(after->nodeColor(slowest->name) != after->nodeColor(fastest->name));
        }

        // A row of the profile table selects its layer everywhere.
        m_window->findChild<QDockWidget*>("profileDock")->raise();
        const QModelIndex row = rows->model()->index(0, kiln::views::ProfileView::NameColumn);
        const QString name = row.data().toString();
        rows->scrollTo(row);
        QTest::mouseClick(rows->viewport(), Qt::LeftButton, {}, rows->visualRect(row).center());
        QCOMPARE(m_window->selectedLayer(), name);
        QCOMPARE(after->highlightedLayers(), QStringList({name}));
        QVERIFY(m_window->propertiesPanel()->currentTitle().startsWith(name));
    }

    void profileCancelsAndExports() {
        QVERIFY(kiln::testing::openAndWait(*m_window, kiln::testing::sampleModelPath()));
        QVERIFY(kiln::testing::buildAndWait(*m_window));

        // A profile far too long to finish: cancelled once it is under way.
        m_window->findChild<QSpinBox*>("profileRunsSpin")->setValue(100000);
        m_window->findChild<QSpinBox*>("profileWarmUpSpin")->setValue(0);
        QSignalSpy progress(m_window->profileJob(), &kiln::workbench::ProfileJob::progress);
        QSignalSpy finished(m_window.get(), &MainWindow::profileFinished);
        m_window->startProfile();
        QVERIFY(kiln::testing::waitForSignal(progress, kBuildTimeoutMs));
        QVERIFY(m_window->windowTitle().startsWith("kiln_sample.onnx — profiling "));
        QVERIFY(!m_window->findChild<QAction*>("buildAction")->isEnabled());
        QTest::mouseClick(m_window->findChild<QPushButton*>("cancelProfileButton"), Qt::LeftButton);
        QVERIFY(kiln::testing::waitForSignal(finished, kBuildTimeoutMs));
        QCOMPARE(m_window->profileJob()->outcome().code, kiln::StatusCode::Cancelled);
        QVERIFY(progress.last().at(0).toInt() < 100000);
        QCOMPARE(m_window->findChild<QLabel*>("profileStatusLabel")->text(), QStringLiteral("Profile cancelled."));
        QCOMPARE(m_window->windowTitle(), QStringLiteral("kiln_sample.onnx — built, FP32, cpu"));
        QVERIFY(!m_window->findChild<QAction*>("exportProfileCsvAction")->isEnabled());

        // A short one finishes, and the File menu exports what the view shows.
        m_window->findChild<QSpinBox*>("profileRunsSpin")->setValue(4);
        finished.clear();
        m_window->startProfile();
        QVERIFY(kiln::testing::waitForSignal(finished, kBuildTimeoutMs));
        QCOMPARE(m_window->profileView()->profile().iterations, 4);
        QStringList written;
        m_window->setFileChooser([&](const MainWindow::FileRequest& request) {
            const QString path = m_dir.filePath(QFileInfo(request.path).fileName());
            written << path;
            return path;
        });
        m_window->findChild<QAction*>("exportProfileCsvAction")->trigger();
        m_window->findChild<QAction*>("exportProfileJsonAction")->trigger();
        m_window->findChild<QAction*>("exportProfilePngAction")->trigger();
        QCOMPARE(written.size(), 3);
        QVERIFY(written[0].endsWith("kiln_sample_profile.csv"));
        QVERIFY(written[1].endsWith("kiln_sample_profile.json"));
        QVERIFY(written[2].endsWith("kiln_sample_profile.png"));
        QFile csv(written[0]);
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QString text = QString::fromUtf8(csv.readAll());
        QVERIFY2(text.contains(m_window->profileView()->profile().layers.front().name), qPrintable(text));
        QVERIFY(QFileInfo(written[1]).size() > 0);
        QImage chart(written[2]);
        QVERIFY(!chart.isNull());
    }

    void exportPlanAndReportThenReopenPlan() {
        QVERIFY(kiln::testing::openAndWait(*m_window, kiln::testing::sampleModelPath()));
        QVERIFY(kiln::testing::buildAndWait(*m_window));
        QVERIFY(kiln::testing::waitForLayouts(*m_window));
        const QStringList builtAfter = m_window->graphView()->afterView()->nodeNames();

        // The Export Plan action asks for a file; the answer is the path the test chose.
        const QString planPath = m_dir.filePath("kiln_sample.plan");
        QString proposed;
        m_window->setFileChooser([&](const MainWindow::FileRequest& request) {
            proposed = request.path;
            return request.mode == MainWindow::FileRequest::Mode::Save ? planPath : QString();
        });
        QSignalSpy exported(m_window.get(), &MainWindow::planExportFinished);
        m_window->findChild<QAction*>("exportPlanAction")->trigger();
        QVERIFY(kiln::testing::waitForSignal(exported, kBuildTimeoutMs));
        QCOMPARE(exported.first().at(1).toString(), QString());
        QVERIFY2(proposed.endsWith("resources/sample/kiln_sample.plan"), qPrintable(proposed));
        QFile plan(planPath);
        QVERIFY(plan.open(QIODevice::ReadOnly));
        QCOMPARE(plan.read(8), QByteArray("KILNPLAN"));
        plan.close();

        const QString reportPath = m_dir.filePath("report.json");
        QVERIFY(m_window->exportReportTo(reportPath));
        QFile reportFile(reportPath);
        QVERIFY(reportFile.open(QIODevice::ReadOnly));
        QJsonParseError parseError;
        const QJsonDocument report = QJsonDocument::fromJson(reportFile.readAll(), &parseError);
        QCOMPARE(parseError.error, QJsonParseError::NoError);
        QCOMPARE(report.object().value("layersAfter").toArray().size(), builtAfter.size());
        QCOMPARE(report.object().value("layersBefore").toArray().size(), kSampleLayers.size());

        // The plan opens with both graphs and can be profiled; building needs the model.
        QVERIFY(kiln::testing::openAndWait(*m_window, planPath));
        QVERIFY(kiln::testing::waitForLayouts(*m_window));
        QCOMPARE(m_window->windowTitle(), QStringLiteral("kiln_sample.plan — plan, FP32, cpu"));
        QCOMPARE(toSet(m_window->graphView()->afterView()->nodeNames()), toSet(builtAfter));
        QCOMPARE(toSet(m_window->graphView()->beforeView()->nodeNames()), toSet(kSampleLayers));
        QVERIFY(!m_window->findChild<QAction*>("buildAction")->isEnabled());
        QVERIFY(!m_window->findChild<QPushButton*>("buildButton")->isEnabled());
        QVERIFY(m_window->findChild<QAction*>("profileAction")->isEnabled());
        QCOMPARE(m_window->layerTable()->model()->rowCount(), builtAfter.size());

        QVERIFY(kiln::testing::clickNode(m_window->graphView()->afterView(), kFusedStem));
        QVERIFY(m_window->propertiesPanel()->currentTitle().startsWith(kFusedStem));
        QCOMPARE(m_window->tacticView()->currentLayer(), kFusedStem);
        // A plan has no model network: a layer before fusion is shown from the plan's build report.
        QVERIFY(kiln::testing::clickNode(m_window->graphView()->beforeView(), "bn1"));
        QCOMPARE(m_window->propertiesPanel()->currentTitle(), QStringLiteral("bn1 (BatchNorm)"));
        QCOMPARE(m_window->graphView()->afterView()->highlightedLayers(), QStringList({kFusedStem}));

        m_window->findChild<QSpinBox*>("profileRunsSpin")->setValue(3);
        QSignalSpy profiled(m_window.get(), &MainWindow::profileFinished);
        m_window->findChild<QAction*>("profileAction")->trigger();
        QVERIFY(kiln::testing::waitForSignal(profiled, kBuildTimeoutMs));
        QCOMPARE(m_window->profileView()->profile().iterations, 3);
        QVERIFY(!m_window->profileView()->profile().layers.empty());
    }

    void cancelStopsBuildMidway() {
        QVERIFY(kiln::testing::openAndWait(*m_window, kiln::testing::sampleModelPath()));
        // Hold the build at the start of its first phase until the user has pressed Cancel, so that the
        // cancel lands in the middle of the build whatever the machine's speed.
        std::atomic<bool> reachedPasses{false};
        std::atomic<bool> laterPhase{false};
        kiln::workbench::BuildJob* job = m_window->buildJob();
        job->setPhaseHook([&](const std::string& phase) {
            if (phase != "passes") {
                laterPhase = true;
                return;
            }
            reachedPasses = true;
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
            while (!job->isCancelRequested() && std::chrono::steady_clock::now() < deadline)
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
        });
        QSignalSpy finished(m_window.get(), &MainWindow::buildFinished);
        m_window->startBuild();
        QTRY_VERIFY_WITH_TIMEOUT(reachedPasses.load(), 10000);
        QCOMPARE(m_window->windowTitle(), QStringLiteral("kiln_sample.onnx — building 0 %"));
        auto* cancel = m_window->findChild<QPushButton*>("cancelBuildButton");
        QVERIFY(cancel->isEnabled());
        QTest::mouseClick(cancel, Qt::LeftButton);
        QVERIFY(kiln::testing::waitForSignal(finished, kBuildTimeoutMs));

        QCOMPARE(job->outcome().code, kiln::StatusCode::Cancelled);
        QVERIFY(!laterPhase.load());
        QVERIFY(!m_window->document()->engine());
        QVERIFY(m_window->buildPanel()->logText().contains("Build cancelled"));
        QCOMPARE(m_window->buildPanel()->statusText(), QStringLiteral("Build cancelled."));
        QCOMPARE(m_window->findChild<QProgressBar*>("phaseProgress_passes")->format(), QStringLiteral("cancelled"));
        QCOMPARE(m_window->windowTitle(), QStringLiteral("kiln_sample.onnx — not built"));
        QVERIFY(!cancel->isEnabled());

        // The window still works: the next build goes through.
        job->setPhaseHook({});
        QVERIFY(kiln::testing::buildAndWait(*m_window));
        QVERIFY(m_window->document()->engine());
        QCOMPARE(m_window->windowTitle(), QStringLiteral("kiln_sample.onnx — built, FP32, cpu"));
    }

    void refusedPrecisionShowsEngineMessage() {
        QVERIFY(kiln::testing::openAndWait(*m_window, kiln::testing::sampleModelPath()));
        auto* precision = m_window->findChild<QComboBox*>("precisionCombo");
        precision->setCurrentIndex(precision->findData(int(kiln::workbench::BuildSettings::Precision::INT8)));
        QVERIFY(kiln::testing::buildAndWait(*m_window));
        const kiln::workbench::BuildJob::Outcome& outcome = m_window->buildJob()->outcome();
        // INT8 needs calibrated ranges, which this panel does not give yet: the engine says so.
        QVERIFY(!outcome.engine);
        QVERIFY(outcome.code != kiln::StatusCode::Ok);
        QVERIFY2(outcome.message.contains(QStringLiteral("calibrat")), qPrintable(outcome.message));
        QCOMPARE(m_window->buildPanel()->statusText(), QStringLiteral("Build failed: %1").arg(outcome.message));
        QVERIFY(m_window->buildPanel()->logText().contains(outcome.message));
        QCOMPARE(m_window->windowTitle(), QStringLiteral("kiln_sample.onnx — not built"));
        // Back to FP32, the same model builds.
        precision->setCurrentIndex(0);
        QVERIFY(kiln::testing::buildAndWait(*m_window));
        QVERIFY(m_window->document()->engine());
    }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TestWorkbenchFlow)
#include "tst_workbench_flow.moc"

// The Precision panel: FP32 against FP16 on the sample model fills a sortable table whose output row has
// a cosine below 1, a per-layer error chart and the latencies side by side, and colors the graph by error;
// on a model where FP16 is hostile (inputs up to 2e5 into a Mul by 1e-5) the bisection names exactly that
// node, and "Apply and Rebuild" puts it into the Build panel's constraints and builds an engine that meets
// the tolerance; Cancel stops a comparison between builds.
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QHeaderView>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "build_panel.h"
#include "graph_legend.h"
#include "graph_palette.h"
#include "precision_panel.h"
#include "precision_view.h"
#include "table_roles.h"
#include "test_models.h"
#include "tst_workbench_support.h"

using kiln::views::PrecisionErrorModel;
using kiln::workbench::MainWindow;
using kiln::workbench::PrecisionPanel;

namespace {

constexpr int kComparisonTimeoutMs = 120000;

template <typename T>
T* child(QWidget& parent, const char* name) {
    T* widget = parent.findChild<T*>(QString::fromLatin1(name));
    if (!widget) qFatal("no child %s", name);
    return widget;
}

void saveScreenshot(QWidget& widget, const QString& name) {
    const QString folder = qEnvironmentVariable("KILN_SCREENSHOT_DIR");
    if (folder.isEmpty()) return;
    QDir().mkpath(folder);
    QVERIFY(widget.grab().save(QDir(folder).filePath(name)));
}

bool compareAndWait(PrecisionPanel& panel) {
    QSignalSpy finished(&panel, &PrecisionPanel::comparisonFinished);
    QTest::mouseClick(child<QPushButton>(panel, "compareButton"), Qt::LeftButton);
    return kiln::testing::waitForSignal(finished, kComparisonTimeoutMs);
}

}  // namespace

class TestWorkbenchPrecisionPanel : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        kiln::testing::useTestEnvironment(m_dir.filePath("settings"));
        m_hostilePath = m_dir.filePath("fp16_hostile.onnx");
        QVERIFY(kiln::testing::writeFp16HostileModel(m_hostilePath));
    }

    void init() { QSettings().clear(); }

    void comparesFp32WithFp16OnTheSampleModel() {
        MainWindow window;
        window.resize(1500, 1000);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(kiln::testing::openAndWait(window, kiln::testing::sampleModelPath()));
        QVERIFY(kiln::testing::buildAndWait(window));
        QVERIFY(kiln::testing::waitForLayouts(window));

        PrecisionPanel* panel = window.precisionPanel();
        QVERIFY(child<QCheckBox>(*panel, "compareFp16Check")->isChecked());
        QVERIFY(!child<QCheckBox>(*panel, "compareInt8Check")->isEnabled());  // not calibrated
        QVERIFY(!child<QPushButton>(*panel, "bisectButton")->isEnabled());    // nothing compared yet
        QVERIFY(compareAndWait(*panel));
        const auto& outcome = panel->job()->comparisonOutcome();
        QVERIFY2(outcome.code == kiln::StatusCode::Ok, qPrintable(outcome.message));

        // The table: every tensor both engines computed, the output's cosine below 1 (FP16 rounds).
        kiln::views::PrecisionView* view = panel->view();
        QCOMPARE(view->shownPrecision(), QStringLiteral("FP16"));
        PrecisionErrorModel* model = view->errorModel();
        QVERIFY(model->rowCount() > 3);
        int outputRow = -1;
        for (int row = 0; row < model->rowCount(); ++row) {
            if (model->errorAt(row)->isNetworkOutput) outputRow = row;
        }
        QVERIFY(outputRow >= 0);
        const double cosine = model->data(model->index(outputRow, PrecisionErrorModel::CosineColumn), kiln::views::SortRole).toDouble();
        QVERIFY2(cosine < 1.0 && cosine > 0.99, qPrintable(QString::number(cosine, 'g', 17)));
        QVERIFY(model->data(model->index(outputRow, PrecisionErrorModel::TensorColumn)).toString().endsWith("(output)"));
        QVERIFY(model->errorAt(outputRow)->meanRelativeError > 0.0);

        // Sorting by mean relative error, worst first, as a click on the header does.
        QTableView* table = view->errorTable();
        QTest::mouseClick(table->horizontalHeader()->viewport(), Qt::LeftButton, Qt::NoModifier,
                          QPoint(table->horizontalHeader()->sectionViewportPosition(PrecisionErrorModel::MeanRelativeColumn) + 10,
                                 table->horizontalHeader()->height() / 2));
        QCOMPARE(table->horizontalHeader()->sortIndicatorSection(), int(PrecisionErrorModel::MeanRelativeColumn));
        double previous = INFINITY;
        for (int row = 0; row < table->model()->rowCount(); ++row) {
            const double value =
                table->model()->index(row, PrecisionErrorModel::MeanRelativeColumn).data(kiln::views::SortRole).toDouble();
            QVERIFY(value <= previous);
            previous = value;
        }

        // The chart: layers in network order, with errors; the latencies side by side.
        QVERIFY(!view->chartLayerNames().isEmpty());
        QCOMPARE(view->chartLayerNames().size() + view->chartOtherLayerCount(), view->layerErrors().size());
        const QVector<double> chartValues = view->chartValues();
        QVERIFY(std::any_of(chartValues.begin(), chartValues.end(), [](double v) { return v > 0; }));
        QCOMPARE(view->latencyPrecisions(), QStringList({"FP32", "FP16"}));
        for (double ms : view->latencyValues()) QVERIFY(ms > 0.0);
        QVERIFY(panel->statusText().contains("Median latency of 5 runs"));

        // The graph is colored by error, with a legend that says so.
        kiln::views::ComparisonGraphView* graph = window.graphView();
        QCOMPARE(graph->colorModeBox()->currentData().toInt(), int(kiln::views::GraphView::ColorMode::Error));
        kiln::views::GraphView* after = graph->afterView();
        QCOMPARE(after->legend()->title(), QStringLiteral("Error: FP16, mean relative error"));
        const QHash<QString, double> errors = view->layerErrors();
        int colored = 0;
        for (const QString& layer : after->nodeNames()) {
            if (!errors.contains(layer)) continue;
            QVERIFY(after->nodeColor(layer) != kiln::views::GraphPalette::unmeasuredColor());
            ++colored;
        }
        QVERIFY2(colored > 0, "no after-fusion layer was colored by its error");
        // 1 − cosine is the other measure; the legend follows.
        child<QComboBox>(*panel, "errorMetricCombo")->setCurrentIndex(1);
        QCOMPARE(after->legend()->title(), QStringLiteral("Error: FP16, 1 − cosine"));

        QVERIFY(child<QPushButton>(*panel, "bisectButton")->isEnabled());
        QVERIFY(!child<QPushButton>(*panel, "applyBisectionButton")->isEnabled());
        child<QComboBox>(*panel, "errorMetricCombo")->setCurrentIndex(0);
        saveScreenshot(*panel, QStringLiteral("workbench_precision_panel.png"));
        saveScreenshot(window, QStringLiteral("workbench_sample_error_colors.png"));
    }

    // FP16 and BF16 compared in one run: both listed, both timed, BF16's output error larger (8
    // significant bits against 11), each precision's errors shown when chosen.
    void comparesFp16AndBf16SideBySide() {
        MainWindow window;
        window.resize(1500, 1000);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(kiln::testing::openAndWait(window, kiln::testing::sampleModelPath()));
        QVERIFY(kiln::testing::buildAndWait(window));
        PrecisionPanel* panel = window.precisionPanel();
        auto* bf16 = child<QCheckBox>(*panel, "compareBf16Check");
        QVERIFY(!bf16->isChecked());  // FP16 alone by default
        bf16->setChecked(true);
        QVERIFY(compareAndWait(*panel));
        QVERIFY2(panel->job()->comparisonOutcome().code == kiln::StatusCode::Ok,
                 qPrintable(panel->job()->comparisonOutcome().message));
        kiln::views::PrecisionView* view = panel->view();
        QCOMPARE(view->latencyPrecisions(), QStringList({"FP32", "FP16", "BF16"}));
        auto* shown = child<QComboBox>(*view, "shownPrecisionCombo");
        QCOMPARE(shown->count(), 2);
        auto outputError = [&]() {
            PrecisionErrorModel* model = view->errorModel();
            for (int row = 0; row < model->rowCount(); ++row) {
                if (model->errorAt(row)->isNetworkOutput) return model->errorAt(row)->meanRelativeError;
            }
            return -1.0;
        };
        shown->setCurrentIndex(shown->findText("FP16"));
        QCOMPARE(view->shownPrecision(), QStringLiteral("FP16"));
        const double half = outputError();
        shown->setCurrentIndex(shown->findText("BF16"));
        QCOMPARE(view->shownPrecision(), QStringLiteral("BF16"));
        const double bfloat = outputError();
        QVERIFY2(half > 0.0 && bfloat > half, qPrintable(QString("FP16 %1, BF16 %2").arg(half).arg(bfloat)));
        saveScreenshot(*panel, QStringLiteral("workbench_precision_fp16_bf16.png"));
    }

    void bisectionNamesTheHostileNodeAndApplyRebuilds() {
        MainWindow window;
        window.resize(1500, 1000);
        window.show();
        QVERIFY(kiln::testing::openAndWait(window, m_hostilePath));
        PrecisionPanel* panel = window.precisionPanel();
        auto* amplitude = child<QDoubleSpinBox>(*panel, "inputAmplitudeSpin");
        amplitude->clear();
        QTest::keyClicks(amplitude, "200000");
        QTest::keyClick(amplitude, Qt::Key_Enter);
        QCOMPARE(amplitude->value(), 200000.0);
        QVERIFY(compareAndWait(*panel));
        QVERIFY2(panel->job()->comparisonOutcome().code == kiln::StatusCode::Ok,
                 qPrintable(panel->job()->comparisonOutcome().message));
        // FP16 storage of inputs up to 2e5 overflows: the chart shows it, the outputs miss any tolerance.
        const std::vector<kiln::TensorError>& errors = panel->view()->errorModel()->errors();
        QVERIFY(std::any_of(errors.begin(), errors.end(), [](const kiln::TensorError& e) { return e.nonFinite; }));
        QVERIFY(!kiln::outputsMeetTolerance(errors, 1e-2));
        QVERIFY(std::any_of(panel->view()->chartValues().begin(), panel->view()->chartValues().end(),
                            [](double v) { return std::isinf(v); }));

        auto* tolerance = child<QLineEdit>(*panel, "toleranceEdit");
        tolerance->clear();
        QTest::keyClicks(tolerance, "1e-2");
        QCOMPARE(panel->tolerance(), 0.01);
        QSignalSpy bisected(panel, &PrecisionPanel::bisectionFinished);
        QTest::mouseClick(child<QPushButton>(*panel, "bisectButton"), Qt::LeftButton);
        QVERIFY(kiln::testing::waitForSignal(bisected, kComparisonTimeoutMs));
        const auto& outcome = panel->job()->bisectionOutcome();
        QVERIFY2(outcome.code == kiln::StatusCode::Ok, qPrintable(outcome.message));
        QVERIFY(outcome.result.found);
        QCOMPARE(panel->keptNodes(), QStringList({"normalize"}));
        auto* list = child<QListWidget>(*panel, "keptNodesList");
        QCOMPARE(list->count(), 1);
        QCOMPARE(list->item(0)->text(), QStringLiteral("normalize"));
        QVERIFY2(panel->bisectionText().startsWith("Keep 1 node in FP32"), qPrintable(panel->bisectionText()));
        saveScreenshot(*panel, QStringLiteral("workbench_precision_bisection.png"));

        // Apply and Rebuild: the Build panel keeps the node in FP32 and builds FP16 with it.
        QSignalSpy built(&window, &MainWindow::buildFinished);
        QTest::mouseClick(child<QPushButton>(*panel, "applyBisectionButton"), Qt::LeftButton);
        QVERIFY(kiln::testing::waitForSignal(built, kiln::testing::kBuildTimeoutMs));
        kiln::workbench::BuildPanel* build = window.buildPanel();
        QCOMPARE(child<QLineEdit>(window, "layerPrecisionsEdit")->text(), QStringLiteral("normalize"));
        const kiln::workbench::BuildSettings settings = build->settings();
        QCOMPARE(settings.precision, kiln::workbench::BuildSettings::Precision::FP16);
        QCOMPARE(settings.layerPrecisions.size(), size_t(1));
        QCOMPARE(settings.layerPrecisions.front().pattern, std::string("normalize"));
        QCOMPARE(settings.layerPrecisions.front().precision, kiln::DataType::Float32);
        const std::shared_ptr<const kiln::Engine>& engine = window.document()->engine();
        QVERIFY2(engine, qPrintable(build->logText()));
        bool constrained = false;
        for (const kiln::PassChange& change : engine->report().changes)
            constrained |= change.pass == "precision constraints" && change.description.find("normalize") != std::string::npos;
        QVERIFY(constrained);
        QVERIFY(build->logText().contains("Layer precisions (obeyed): normalize:fp32."));

        // Compared again with the constraint, FP16 meets the tolerance.
        QVERIFY(compareAndWait(*panel));
        QVERIFY(kiln::outputsMeetTolerance(panel->view()->errorModel()->errors(), 1e-2));
    }

    void cancelStopsAComparisonBetweenBuilds() {
        const kiln::workbench::Document::LoadOutcome loaded =
            kiln::workbench::Document::load(kiln::testing::sampleModelPath());
        QVERIFY(loaded.network);
        PrecisionPanel panel;
        panel.show();
        panel.setModel(loaded.network);
        kiln::workbench::PrecisionJob* job = panel.job();
        std::atomic<bool> held{false};
        QStringList built;
        // Holds the worker before the FP16 build until Cancel was pressed.
        job->setBuildHook([job, &held, &built](const QString& precision) {
            built << precision;
            if (precision != QStringLiteral("FP16")) return;
            held = true;
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
            while (!job->isCancelRequested() && std::chrono::steady_clock::now() < deadline)
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
        });
        QSignalSpy finished(&panel, &PrecisionPanel::comparisonFinished);
        QTest::mouseClick(child<QPushButton>(panel, "compareButton"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(held.load(), 60000);
        auto* cancel = child<QPushButton>(panel, "cancelComparisonButton");
        QVERIFY(cancel->isEnabled());
        QTest::mouseClick(cancel, Qt::LeftButton);
        QVERIFY(kiln::testing::waitForSignal(finished, kComparisonTimeoutMs));

        QCOMPARE(job->comparisonOutcome().code, kiln::StatusCode::Cancelled);
        QCOMPARE(built, QStringList({"FP32", "FP16"}));
        QCOMPARE(panel.statusText(), QStringLiteral("Comparison cancelled."));
        QCOMPARE(panel.view()->errorModel()->rowCount(), 0);
        QVERIFY(!job->canBisect());
        QVERIFY(!child<QPushButton>(panel, "bisectButton")->isEnabled());
        QVERIFY(child<QPushButton>(panel, "compareButton")->isEnabled());
    }

private:
    QTemporaryDir m_dir;
    QString m_hostilePath;
};

QTEST_MAIN(TestWorkbenchPrecisionPanel)
#include "tst_workbench_precision_panel.moc"

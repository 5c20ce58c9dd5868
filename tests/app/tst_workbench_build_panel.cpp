// The Build panel in the window: a model with symbolic input dimensions opens at assumed sizes and takes
// shapes (and opens with the ones typed), malformed shapes are explained, only available backends are
// offered, the options reach the builder (timing cache included) and persist across windows.
#include <array>
#include <cmath>

#include <QCheckBox>
#include <QComboBox>
#include <QStandardItemModel>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>

#include "build_panel.h"
#include "profile_view.h"
#include "shape_sweep_view.h"
#include "kiln/device.h"
#include "kiln/builder.h"
#include "kiln/onnx_parser.h"
#include "kiln/plan.h"
#include "test_models.h"
#include "tst_workbench_support.h"

using kiln::workbench::MainWindow;

namespace {

constexpr int kShapeColumn = 2;

}  // namespace

class TestWorkbenchBuildPanel : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        kiln::testing::useTestEnvironment(m_dir.filePath("settings"));
        m_symbolicPath = m_dir.filePath("symbolic.onnx");
        QVERIFY(kiln::testing::writeSymbolicBatchModel(m_symbolicPath));
        m_cnnPath = m_dir.filePath("small_cnn.onnx");
        QVERIFY(kiln::testing::writeSmallCnnModel(m_cnnPath));
        m_shapeTensorPath = m_dir.filePath("shape_tensor.onnx");
        QVERIFY(kiln::testing::writeShapeTensorModel(m_shapeTensorPath));
    }

    void init() { QSettings().clear(); }

    void symbolicModelOpensAtOnceAndTakesShapes() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        kiln::testing::MessageBoxAnswerer answerer;
        QVERIFY(kiln::testing::openAndWait(window, m_symbolicPath));
        QCOMPARE(answerer.answered, 0);  // no dialog: the model opens with the batch at 1
        QCOMPARE(window.document()->network()->findTensor("input")->dims(), kiln::Dims({1, 3, 8, 8}));
        QVERIFY2(window.document()->assumedShapes().contains("batch"), qPrintable(window.document()->assumedShapes()));

        auto* message = window.findChild<QLabel*>("inputsMessage");
        auto* table = window.findChild<QTableWidget*>("inputShapesTable");
        QCOMPARE(table->rowCount(), 1);
        QCOMPARE(table->item(0, 0)->text(), QStringLiteral("input"));
        QCOMPARE(table->item(0, 1)->text(), QStringLiteral("batch×3×8×8"));
        QCOMPARE(table->item(0, kShapeColumn)->text(), QStringLiteral("1x3x8x8"));
        QVERIFY(table->item(0, kShapeColumn)->flags() & Qt::ItemIsEditable);
        auto* reopen = window.findChild<QPushButton*>("reopenButton");
        QVERIFY(reopen->isVisible() && reopen->isEnabled());

        // The user types a batch of 4, the way people write shapes, and opens.
        table->item(0, kShapeColumn)->setText(QStringLiteral("4, 3, 8, 8"));
        QSignalSpy loaded(&window, &MainWindow::fileShown);
        QTest::mouseClick(reopen, Qt::LeftButton);
        QVERIFY(kiln::testing::waitForSignal(loaded, kiln::testing::kLoadTimeoutMs));
        const kiln::Tensor* input = window.document()->network()->findTensor("input");
        QVERIFY(input);
        QCOMPARE(input->dims(), kiln::Dims({4, 3, 8, 8}));
        QVERIFY(!message->isVisible());
        QCOMPARE(table->item(0, kShapeColumn)->text(), QStringLiteral("4x3x8x8"));
        QCOMPARE(window.windowTitle(), QStringLiteral("symbolic.onnx — not built"));
        QVERIFY(kiln::testing::waitForLayouts(window));
        QCOMPARE(window.graphView()->beforeView()->nodeNames(), QStringList({"relu"}));

        // Another batch size re-opens the model with it.
        table->item(0, kShapeColumn)->setText(QStringLiteral("2x3x8x8"));
        loaded.clear();
        QTest::mouseClick(reopen, Qt::LeftButton);
        QVERIFY(kiln::testing::waitForSignal(loaded, kiln::testing::kLoadTimeoutMs));
        QCOMPARE(window.document()->network()->findTensor("input")->dims(), kiln::Dims({2, 3, 8, 8}));
        QVERIFY(kiln::testing::buildAndWait(window));
        QVERIFY(window.document()->engine());
    }

    // Range min and max make the build one engine for every shape between them, timed at the shape to
    // use; the profile runs at the shape to use.
    void rangeOfShapesBuildsOneEngineForAllOfThem() {
        MainWindow window;
        QVERIFY(kiln::testing::openAndWait(window, m_symbolicPath));
        auto* table = window.findChild<QTableWidget*>("inputShapesTable");
        auto* message = window.findChild<QLabel*>("inputsMessage");
        // Only one end of the range, or a shape to use outside it, is refused before building.
        table->item(0, kShapeColumn)->setText(QStringLiteral("2x3x8x8"));
        table->item(0, kShapeColumn + 1)->setText(QStringLiteral("1x3x8x8"));
        window.startBuild();
        QVERIFY(!window.buildJob()->isRunning());
        QVERIFY2(message->text().contains("both the smallest and the largest"), qPrintable(message->text()));
        table->item(0, kShapeColumn + 2)->setText(QStringLiteral("2x3x8x8"));
        table->item(0, kShapeColumn)->setText(QStringLiteral("3x3x8x8"));
        window.startBuild();
        QVERIFY(!window.buildJob()->isRunning());
        QVERIFY2(message->text().contains("min ≤ shape to use ≤ max"), qPrintable(message->text()));

        table->item(0, kShapeColumn)->setText(QStringLiteral("2x3x8x8"));
        table->item(0, kShapeColumn + 2)->setText(QStringLiteral("6x3x8x8"));
        QVERIFY(kiln::testing::buildAndWait(window));
        auto engine = window.document()->engine();
        QVERIFY(engine);
        QVERIFY(engine->hasDynamicShapes());
        QCOMPARE(engine->profiles().front().inputs.at("input").min, kiln::Dims({1, 3, 8, 8}));
        QCOMPARE(engine->profiles().front().inputs.at("input").opt, kiln::Dims({2, 3, 8, 8}));
        QCOMPARE(engine->profiles().front().inputs.at("input").max, kiln::Dims({6, 3, 8, 8}));
        if (const QString folder = qEnvironmentVariable("KILN_SCREENSHOT_DIR"); !folder.isEmpty()) {
            QDir().mkpath(folder);
            window.resize(1400, 900);
            QVERIFY(window.grab().save(QDir(folder).filePath("workbench_shape_range.png")));
        }

        table->item(0, kShapeColumn)->setText(QStringLiteral("5x3x8x8"));  // profile at another shape
        window.findChild<QSpinBox*>("profileRunsSpin")->setValue(2);
        QSignalSpy profiled(&window, &MainWindow::profileFinished);
        window.startProfile();
        QVERIFY(profiled.wait(kiln::testing::kBuildTimeoutMs));
        QCOMPARE(window.profileJob()->outcome().code, kiln::StatusCode::Ok);
        QCOMPARE(window.profileView()->profile().iterations, 2);

        // A sweep of the batch runs each extent and plots latency and images per second against it.
        auto* values = window.findChild<QLineEdit*>("sweepValuesEdit");
        values->setText(QStringLiteral("1, 7"));
        window.startSweep();
        QVERIFY(!window.profileJob()->isRunning());
        const QString refused = window.findChild<QLabel*>("profileStatusLabel")->text();
        QVERIFY2(refused.contains("“7”") && refused.contains("between 1 and 6"), qPrintable(refused));
        values->setText(QStringLiteral("1,3,6"));
        profiled.clear();
        window.startSweep();
        QVERIFY(profiled.wait(kiln::testing::kBuildTimeoutMs));
        QCOMPARE(window.profileJob()->outcome().code, kiln::StatusCode::Ok);
        auto* sweep = window.findChild<kiln::views::ShapeSweepView*>("sweepView");
        QVERIFY(sweep->isVisibleTo(&window));
        QCOMPARE(sweep->points().size(), 3);
        const std::array<int64_t, 3> extents{1, 3, 6};
        for (int i = 0; i < 3; ++i) {
            const kiln::views::SweepPoint& point = sweep->points()[i];
            QCOMPARE(point.value, extents[size_t(i)]);
            QVERIFY(point.medianMilliseconds > 0.0);
            QVERIFY(std::abs(point.itemsPerSecond - double(point.value) * 1000.0 / point.medianMilliseconds) <=
                    1e-9 * point.itemsPerSecond);
        }
        if (const QString folder = qEnvironmentVariable("KILN_SCREENSHOT_DIR"); !folder.isEmpty()) {
            window.findChild<QDockWidget*>("profileDock")->raise();
            QVERIFY(window.grab().save(QDir(folder).filePath("workbench_shape_sweep.png")));
        }
    }

    // A plan built for a range of shapes opens like any plan: its inputs say -1 where they vary, it
    // profiles at its opt shape, and a sweep runs it over the range.
    void dynamicPlanOpensProfilesAndSweeps() {
        auto source = kiln::onnxNetworkSource(m_symbolicPath.toStdString());
        QVERIFY2(source, source.status().message().c_str());
        kiln::BuilderConfig config;
        kiln::OptimizationProfile profile;
        profile.inputs["input"] = {{1, 3, 8, 8}, {2, 3, 8, 8}, {8, 3, 8, 8}};
        config.profiles = {profile};
        auto engine = kiln::Builder::build(source.value(), config);
        QVERIFY2(engine, engine.status().message().c_str());
        const QString planPath = m_dir.filePath("dynamic.plan");
        QVERIFY(kiln::writePlanFile(planPath.toStdString(), **engine));

        MainWindow window;
        QVERIFY(kiln::testing::openAndWait(window, planPath));
        auto* table = window.findChild<QTableWidget*>("inputShapesTable");
        QCOMPARE(table->item(0, kShapeColumn)->text(), QStringLiteral("-1x3x8x8"));
        window.findChild<QSpinBox*>("profileRunsSpin")->setValue(2);
        QSignalSpy profiled(&window, &MainWindow::profileFinished);
        window.startProfile();
        QVERIFY(profiled.wait(kiln::testing::kBuildTimeoutMs));
        QCOMPARE(window.profileJob()->outcome().code, kiln::StatusCode::Ok);
        window.findChild<QLineEdit*>("sweepValuesEdit")->setText(QStringLiteral("1,8"));
        window.startSweep();
        QVERIFY(profiled.wait(kiln::testing::kBuildTimeoutMs));
        QCOMPARE(window.profileJob()->outcome().code, kiln::StatusCode::Ok);
        QCOMPARE(window.findChild<kiln::views::ShapeSweepView*>("sweepView")->points().size(), 2);
    }

    void malformedShapesAreExplained_data() {
        QTest::addColumn<QString>("typed");
        QTest::addColumn<QString>("reason");
        QTest::newRow("not a shape") << "batch of four" << "is not a shape";
        QTest::newRow("too few dimensions") << "4x3x8" << "the model declares 4 dimensions";
        QTest::newRow("fixed extent changed") << "4x3x9x8" << "dimension 2 is fixed to 8 by the model";
        QTest::newRow("zero extent") << "0x3x8x8" << "dimension 0 must be at least 1";
    }

    void malformedShapesAreExplained() {
        QFETCH(QString, typed);
        QFETCH(QString, reason);
        MainWindow window;
        window.show();
        QVERIFY(kiln::testing::openAndWait(window, m_symbolicPath));
        auto* table = window.findChild<QTableWidget*>("inputShapesTable");
        table->item(0, kShapeColumn)->setText(typed);
        QSignalSpy started(window.document(), &kiln::workbench::Document::loadingStarted);
        QTest::mouseClick(window.findChild<QPushButton*>("reopenButton"), Qt::LeftButton);
        QCOMPARE(started.count(), 0);
        const QString message = window.findChild<QLabel*>("inputsMessage")->text();
        QVERIFY2(message.startsWith("Input input: "), qPrintable(message));
        QVERIFY2(message.contains(reason), qPrintable(message));
    }

    // A shape tensor's values decide shapes and no value suits every model: the model opens once they are
    // typed in its row, negative values (a Reshape's -1) included, and it builds at them.
    void shapeTensorValuesAreTypedUnderInputs() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QSignalSpy failed(window.document(), &kiln::workbench::Document::failed);
        window.openFile(m_shapeTensorPath);
        QVERIFY(kiln::testing::waitForSignal(failed, kiln::testing::kLoadTimeoutMs));
        auto* message = window.findChild<QLabel*>("inputsMessage");
        QVERIFY2(message->text().contains("target (INT64 × 2)"), qPrintable(message->text()));
        auto* table = window.findChild<QTableWidget*>("inputShapesTable");
        QCOMPARE(table->rowCount(), 2);
        QCOMPARE(table->item(1, 0)->text(), QStringLiteral("target"));
        QCOMPARE(table->item(1, 1)->text(), QStringLiteral("shape tensor (INT64 × 2)"));
        QVERIFY(table->item(1, kShapeColumn)->flags() & Qt::ItemIsEditable);
        QVERIFY(!(table->item(0, kShapeColumn)->flags() & Qt::ItemIsEditable));  // x is fixed
        auto* reopen = window.findChild<QPushButton*>("reopenButton");

        // Three values for two, or a word, are refused before loading.
        QSignalSpy started(window.document(), &kiln::workbench::Document::loadingStarted);
        table->item(1, kShapeColumn)->setText(QStringLiteral("3x-1x1"));
        QTest::mouseClick(reopen, Qt::LeftButton);
        QCOMPARE(started.count(), 0);
        QVERIFY2(message->text().contains("holds 2 values; 3 were given"), qPrintable(message->text()));
        table->item(1, kShapeColumn)->setText(QStringLiteral("three, -1"));
        QTest::mouseClick(reopen, Qt::LeftButton);
        QCOMPARE(started.count(), 0);
        QVERIFY2(message->text().contains("not values"), qPrintable(message->text()));

        table->item(1, kShapeColumn)->setText(QStringLiteral("3, -1"));
        QSignalSpy shown(&window, &MainWindow::fileShown);
        QTest::mouseClick(reopen, Qt::LeftButton);
        QVERIFY(kiln::testing::waitForSignal(shown, kiln::testing::kLoadTimeoutMs));
        const kiln::Tensor* y = window.document()->network()->findTensor("y");
        QVERIFY(y);
        QCOMPARE(y->dims(), kiln::Dims({3, 4}));
        QCOMPARE(window.findChild<QTableWidget*>("inputShapesTable")->item(1, kShapeColumn)->text(),
                 QStringLiteral("3x-1"));
        QVERIFY(kiln::testing::buildAndWait(window));
        QVERIFY(window.document()->engine());

        // A range of values builds one engine for all of them, as a range of shapes does.
        auto* inputs = window.findChild<QTableWidget*>("inputShapesTable");
        inputs->item(1, kShapeColumn + 1)->setText(QStringLiteral("1x-1"));
        inputs->item(1, kShapeColumn + 2)->setText(QStringLiteral("6x-1"));
        QVERIFY(kiln::testing::buildAndWait(window));
        auto engine = window.document()->engine();
        QVERIFY(engine && engine->hasDynamicShapes());
        const kiln::ShapeRange range = engine->profiles().front().inputs.at("target");
        QVERIFY(range.values);
        QCOMPARE(range.min, kiln::Dims({1, -1}));
        QCOMPARE(range.opt, kiln::Dims({3, -1}));
        QCOMPARE(range.max, kiln::Dims({6, -1}));
    }

    void modelWithFixedShapesShowsThemReadOnly() {
        MainWindow window;
        QVERIFY(kiln::testing::openAndWait(window, m_cnnPath));
        auto* table = window.findChild<QTableWidget*>("inputShapesTable");
        QCOMPARE(table->rowCount(), 1);
        QCOMPARE(table->item(0, kShapeColumn)->text(), QStringLiteral("1x3x8x8"));
        QVERIFY(!(table->item(0, kShapeColumn)->flags() & Qt::ItemIsEditable));
        QVERIFY(!window.findChild<QPushButton*>("reopenButton")->isVisibleTo(&window));
    }

    void backendsOfferedAreAvailable() {
        MainWindow window;
        auto* backends = window.findChild<QComboBox*>("backendCombo");
        QVERIFY(backends->count() >= 1);
        QCOMPARE(backends->itemData(0).toString(), QStringLiteral("cpu"));
        const bool cudaUsable = kiln::deviceFingerprint("cuda").rfind("cuda unavailable", 0) != 0;
        QCOMPARE(backends->findData(QStringLiteral("cuda")) >= 0, cudaUsable);
        QCOMPARE(backends->count(), 2);
        const QString cudaText = backends->itemText(1);
        if (cudaUsable) {
            QVERIFY2(cudaText.contains(QString::fromStdString(kiln::backendInfos()[1].description)), qPrintable(cudaText));
        } else {
            // Listed, not selectable, with the reason as its tool tip.
            QCOMPARE(cudaText, QStringLiteral("No CUDA device: using the CPU backend"));
            auto* model = qobject_cast<QStandardItemModel*>(backends->model());
            QVERIFY(model && !model->item(1)->isEnabled());
            QVERIFY(!backends->itemData(1, Qt::ToolTipRole).toString().isEmpty());
        }
    }

    void optionsReachTheBuilderAndPersist() {
        const QString cachePath = m_dir.filePath("caches/timing.cache");
        {
            MainWindow window;
            window.show();
            QVERIFY(kiln::testing::openAndWait(window, m_cnnPath));
            auto* fusion = window.findChild<QCheckBox*>("fusionCheck");
            QTest::mouseClick(fusion, Qt::LeftButton, {}, QPoint(4, fusion->height() / 2));
            QVERIFY(!fusion->isChecked());
            window.findChild<QSpinBox*>("workspaceSpin")->setValue(256);
            window.findChild<QSpinBox*>("timingIterationsSpin")->setValue(3);
            auto* cacheEdit = window.findChild<QLineEdit*>("buildTimingCacheEdit");
            cacheEdit->setText(cachePath);
            emit cacheEdit->editingFinished();

            const kiln::workbench::BuildSettings settings = window.buildPanel()->settings();
            QCOMPARE(settings.enableFusion, false);
            QCOMPARE(settings.workspaceLimitBytes, int64_t(256) << 20);
            QCOMPARE(settings.timingIterations, 3);
            QCOMPARE(QString::fromStdString(settings.timingCachePath), cachePath);
            QCOMPARE(QString::fromStdString(settings.toConfig().timingCachePath), cachePath);
            QVERIFY(!settings.toConfig().enableFusion);

            // Without fusion no layer is merged into another.
            QVERIFY(kiln::testing::buildAndWait(window));
            QVERIFY(window.document()->engine());
            for (const kiln::LayerRecord& layer : window.document()->engine()->report().layersAfter)
                QVERIFY2(layer.provenance.size() <= 1, layer.name.c_str());
            QVERIFY2(QFile::exists(cachePath), qPrintable(cachePath));
            window.close();
        }
        // A new window starts with the same options and cache file.
        MainWindow restored;
        QVERIFY(!restored.findChild<QCheckBox*>("fusionCheck")->isChecked());
        QCOMPARE(restored.findChild<QSpinBox*>("workspaceSpin")->value(), 256);
        QCOMPARE(restored.findChild<QSpinBox*>("timingIterationsSpin")->value(), 3);
        QCOMPARE(restored.findChild<QLineEdit*>("buildTimingCacheEdit")->text(), cachePath);
        QCOMPARE(QString::fromStdString(restored.buildPanel()->settings().timingCachePath), cachePath);

        // Unchecking the cache leaves the builder without one.
        restored.findChild<QCheckBox*>("buildTimingCacheCheck")->setChecked(false);
        QVERIFY(restored.buildPanel()->settings().timingCachePath.empty());
    }

    // Typed layer precisions reach the builder with their precisions (a node alone stays FP32); an
    // obeyed one that cannot be met fails the build naming the layer, a preferred one falls back.
    void layerPrecisionsReachTheBuilder() {
        MainWindow window;
        window.show();
        QVERIFY(kiln::testing::openAndWait(window, m_cnnPath));
        auto* edit = window.findChild<QLineEdit*>("layerPrecisionsEdit");
        auto* constraints = window.findChild<QComboBox*>("precisionConstraintsCombo");
        QVERIFY(edit && constraints);
        edit->setText(QStringLiteral("conv1:FP16, pool*"));
        kiln::workbench::BuildSettings settings = window.buildPanel()->settings();
        QCOMPARE(settings.layerPrecisions.size(), size_t(2));
        QCOMPARE(settings.layerPrecisions[0].pattern, std::string("conv1"));
        QCOMPARE(settings.layerPrecisions[0].precision, kiln::DataType::Float16);
        QCOMPARE(settings.layerPrecisions[1].pattern, std::string("pool*"));
        QCOMPARE(settings.layerPrecisions[1].precision, kiln::DataType::Float32);
        QCOMPARE(settings.precisionConstraints, kiln::PrecisionConstraints::Obey);
        QVERIFY(kiln::testing::buildAndWait(window));
        QVERIFY(window.document()->engine());
        bool ranInFp16 = false;
        for (const kiln::PassChange& change : window.document()->engine()->report().changes)
            ranInFp16 |= change.description.find("in FP16 (conv1:fp16)") != std::string::npos;
        QVERIFY(ranInFp16);

        // INT8 without calibrated ranges: obeyed, the build fails and says which layer and why.
        edit->setText(QStringLiteral("conv1:int8"));
        QVERIFY(kiln::testing::buildAndWait(window));
        const QString status = window.buildPanel()->statusText();
        QVERIFY2(status.contains(QStringLiteral("cannot run in INT8 (asked by conv1:int8)")), qPrintable(status));
        QVERIFY2(status.contains(QStringLiteral("no calibrated range")), qPrintable(status));

        // Preferred, it builds, and the layer runs in FP32.
        constraints->setCurrentIndex(constraints->findData(int(kiln::PrecisionConstraints::Prefer)));
        QCOMPARE(window.buildPanel()->settings().precisionConstraints, kiln::PrecisionConstraints::Prefer);
        QVERIFY(kiln::testing::buildAndWait(window));
        bool fellBack = false;
        for (const kiln::PassChange& change : window.document()->engine()->report().changes)
            fellBack |= change.description.find("runs in FP32, not INT8 (conv1:int8)") != std::string::npos;
        QVERIFY(fellBack);
    }

private:
    QTemporaryDir m_dir;
    QString m_shapeTensorPath;
    QString m_symbolicPath;
    QString m_cnnPath;
};

QTEST_MAIN(TestWorkbenchBuildPanel)
#include "tst_workbench_build_panel.moc"

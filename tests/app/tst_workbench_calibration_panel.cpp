// The Calibration panel: a folder of .npy batches calibrates a small model into the same scales the
// engine's calibrate() gives, the histogram of a picked tensor has a log count axis and its threshold line
// at scale × 127, Cancel stops a calibration mid-run, a bad data folder shows the engine's message, a
// calibration cache is written, reused, and refused with the engine's reason when it does not match, and
// in the window the ranges make INT8 builds possible (without them the build says what to do).
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <atomic>
#include <chrono>
#include <cmath>
#include <random>
#include <thread>

#include "activation_histogram_view.h"
#include "build_panel.h"
#include "calibration_panel.h"
#include "calibration_view.h"
#include "kiln/builder.h"
#include "kiln/calibration.h"
#include "kiln/npy.h"
#include "precision_panel.h"
#include "test_models.h"
#include "tst_workbench_support.h"

using kiln::workbench::CalibrationPanel;
using kiln::workbench::MainWindow;

namespace {

constexpr int kCalibrationTimeoutMs = 60000;

bool writeBatch(const QString& path, const kiln::Dims& dims, uint32_t seed, float amplitude) {
    kiln::HostTensor tensor(kiln::DataType::Float32, dims);
    std::mt19937 generator(seed);
    std::uniform_real_distribution<float> distribution(-amplitude, amplitude);
    for (int64_t i = 0; i < tensor.elementCount(); ++i) tensor.data<float>()[i] = distribution(generator);
    return kiln::writeNpy(QFile::encodeName(path).toStdString(), tensor).isOk();
}

template <typename T>
T* child(QWidget& parent, const char* name) {
    T* widget = parent.findChild<T*>(QString::fromLatin1(name));
    if (!widget) qFatal("no child %s", name);
    return widget;
}

// Clicks the row of `tensor` in the calibration table as a user would.
bool clickTensorRow(kiln::views::CalibrationView* view, const QString& tensor) {
    const int row = view->model()->rowOf(tensor);
    if (row < 0) return false;
    auto* proxy = qobject_cast<QSortFilterProxyModel*>(view->table()->model());
    const QModelIndex index =
        proxy->mapFromSource(view->model()->index(row, kiln::views::CalibrationTableModel::TensorColumn));
    view->table()->scrollTo(index);
    const QRect rect = view->table()->visualRect(index);
    if (!rect.isValid()) return false;
    QTest::mouseClick(view->table()->viewport(), Qt::LeftButton, Qt::NoModifier, rect.center());
    return true;
}

void saveScreenshot(QWidget& widget, const QString& name) {
    const QString folder = qEnvironmentVariable("KILN_SCREENSHOT_DIR");
    if (folder.isEmpty()) return;
    QDir().mkpath(folder);
    QVERIFY(widget.grab().save(QDir(folder).filePath(name)));
}

}  // namespace

class TestWorkbenchCalibrationPanel : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        kiln::testing::useTestEnvironment(m_dir.filePath("settings"));
        m_modelPath = m_dir.filePath("small_cnn.onnx");
        QVERIFY(kiln::testing::writeSmallCnnModel(m_modelPath));
        const kiln::workbench::Document::LoadOutcome loaded = kiln::workbench::Document::load(m_modelPath);
        QVERIFY2(loaded.network, qPrintable(loaded.errorMessage));
        m_network = loaded.network;

        m_batches = m_dir.filePath("batches");
        QVERIFY(QDir().mkpath(m_batches));
        for (uint32_t i = 0; i < kBatches; ++i)
            QVERIFY(writeBatch(QDir(m_batches).filePath(QStringLiteral("batch_%1.npy").arg(i)), {1, 3, 8, 8}, i + 1, 2.0f));
        // A folder whose second batch has the wrong shape: the engine refuses it before calibrating.
        m_badBatches = m_dir.filePath("bad_batches");
        QVERIFY(QDir().mkpath(m_badBatches));
        QVERIFY(writeBatch(QDir(m_badBatches).filePath("a.npy"), {1, 3, 8, 8}, 7, 1.0f));
        QVERIFY(writeBatch(QDir(m_badBatches).filePath("b.npy"), {1, 3, 4, 4}, 8, 1.0f));
    }

    void init() { QSettings().clear(); }

    void calibratesAFolderIntoTheEnginesScales() {
        CalibrationPanel panel;
        panel.resize(1280, 560);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        panel.setModel(m_modelPath, m_network);
        auto* calibrate = child<QPushButton>(panel, "calibrateButton");
        QVERIFY(calibrate->isEnabled());
        QTest::keyClicks(child<QLineEdit>(panel, "calibrationDataEdit"), m_batches);
        QCOMPARE(child<QComboBox>(panel, "calibrationAlgorithmCombo")->currentData().toInt(),
                 int(kiln::CalibrationAlgorithm::Entropy));

        QSignalSpy changed(&panel, &CalibrationPanel::calibrationChanged);
        QSignalSpy finished(&panel, &CalibrationPanel::calibrationFinished);
        QTest::mouseClick(calibrate, Qt::LeftButton);
        QVERIFY(!calibrate->isEnabled());
        QVERIFY(kiln::testing::waitForSignal(finished, kCalibrationTimeoutMs));
        QCOMPARE(panel.job()->outcome().code, kiln::StatusCode::Ok);
        QCOMPARE(changed.count(), 1);
        QVERIFY2(panel.statusText().startsWith("Calibrated in"), qPrintable(panel.statusText()));
        QVERIFY(calibrate->isEnabled());

        // The same scales the engine's calibrate() gives for this model and data, every activation with one.
        const std::map<std::string, float> expected = engineScales(kiln::CalibrationAlgorithm::Entropy);
        kiln::views::CalibrationView* view = panel.view();
        QCOMPARE(view->model()->rowCount(), int(expected.size()));
        for (const char* tensor : {"conv1_out", "relu1_out", "pool1_out", "output"}) {
            QVERIFY2(expected.count(tensor), tensor);
            QVERIFY2(expected.at(tensor) > 0.0f, tensor);
        }
        for (const auto& [tensor, scale] : expected) {
            QCOMPARE(panel.result()->table.scales.at(tensor), scale);
            QCOMPARE(panel.dynamicRanges().at(tensor), scale * 127.0f);
        }
        QCOMPARE(view->model()->tensorAt(0), QStringLiteral("conv1_out"));  // network order
        QCOMPARE(panel.description(), QStringLiteral("%1 tensors, entropy, 4 batches").arg(expected.size()));

        // Picking a tensor shows its histogram: log count axis, the threshold line at scale × 127.
        kiln::views::ActivationHistogramView* histogram = view->histogramView();
        for (const QString tensor : {QStringLiteral("relu1_out"), QStringLiteral("conv1_out")}) {
            QVERIFY(clickTensorRow(view, tensor));
            QCOMPARE(view->selectedTensor(), tensor);
            QVERIFY(histogram->hasHistogram());
            QCOMPARE(histogram->tensor(), tensor);
            QVERIFY(histogram->isCountAxisLogarithmic());
            QVERIFY(histogram->displayedBinCount() > 16);
            const double threshold = double(expected.at(tensor.toStdString())) * 127.0;
            QVERIFY2(std::abs(histogram->thresholdLineX() - threshold) <= threshold * 1e-6,
                     qPrintable(QStringLiteral("line at %1, scale × 127 = %2").arg(histogram->thresholdLineX()).arg(threshold)));
        }
        // The line lies on the plotted range: above zero, at most the tensor's largest magnitude (where
        // entropy clips the tail is the engine's calibration tests' business).
        QVERIFY(clickTensorRow(view, QStringLiteral("relu1_out")));
        const kiln::ActivationHistogram& relu = panel.result()->histograms.at("relu1_out");
        QVERIFY(histogram->thresholdLineX() > 0.0);
        QVERIFY(histogram->thresholdLineX() <= relu.maxAbs * (1.0 + 1e-6));
        saveScreenshot(panel, QStringLiteral("workbench_calibration_panel.png"));
    }

    void minMaxPutsTheLineAtTheLargestMagnitude() {
        CalibrationPanel panel;
        panel.setModel(m_modelPath, m_network);
        panel.setDataPath(m_batches);
        panel.setAlgorithm(kiln::CalibrationAlgorithm::MinMax);
        QSignalSpy finished(&panel, &CalibrationPanel::calibrationFinished);
        QTest::mouseClick(child<QPushButton>(panel, "calibrateButton"), Qt::LeftButton);
        QVERIFY(kiln::testing::waitForSignal(finished, kCalibrationTimeoutMs));
        QCOMPARE(panel.job()->outcome().code, kiln::StatusCode::Ok);
        const std::map<std::string, float> expected = engineScales(kiln::CalibrationAlgorithm::MinMax);
        QVERIFY(panel.view()->selectTensor(QStringLiteral("relu1_out")));
        const double line = panel.view()->histogramView()->thresholdLineX();
        QVERIFY(std::abs(line - double(expected.at("relu1_out")) * 127.0) <= line * 1e-6);
        QVERIFY(std::abs(line - panel.result()->histograms.at("relu1_out").maxAbs) <= line * 1e-6);
        QCOMPARE(panel.description(), QStringLiteral("%1 tensors, min-max, 4 batches").arg(expected.size()));
    }

    void cancelStopsACalibrationMidRun() {
        CalibrationPanel panel;
        panel.show();
        panel.setModel(m_modelPath, m_network);
        panel.setDataPath(m_batches);
        std::atomic<bool> held{false};
        std::atomic<int> lastBatch{0};
        kiln::workbench::CalibrationJob* job = panel.job();
        // Holds the worker after the second batch of calibrate()'s first pass until Cancel was pressed.
        job->setBatchHook([job, &held, &lastBatch](int done, int) {
            lastBatch = done;
            if (done != 2) return;
            held = true;
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
            while (!job->isCancelRequested() && std::chrono::steady_clock::now() < deadline)
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
        });
        QSignalSpy changed(&panel, &CalibrationPanel::calibrationChanged);
        QSignalSpy finished(&panel, &CalibrationPanel::calibrationFinished);
        QTest::mouseClick(child<QPushButton>(panel, "calibrateButton"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(held.load(), 20000);
        auto* cancel = child<QPushButton>(panel, "cancelCalibrationButton");
        QVERIFY(cancel->isEnabled());
        QTest::mouseClick(cancel, Qt::LeftButton);
        QVERIFY(kiln::testing::waitForSignal(finished, kCalibrationTimeoutMs));

        QCOMPARE(job->outcome().code, kiln::StatusCode::Cancelled);
        QCOMPARE(lastBatch.load(), 2);  // no batch ran after the cancel
        QCOMPARE(panel.statusText(), QStringLiteral("Calibration cancelled."));
        QVERIFY(panel.logText().contains("Calibration cancelled."));
        QVERIFY(!panel.result());
        QCOMPARE(panel.view()->model()->rowCount(), 0);
        QCOMPARE(changed.count(), 0);
        QVERIFY(!cancel->isEnabled());

        // The panel still works: the next calibration goes through.
        job->setBatchHook({});
        finished.clear();
        QTest::mouseClick(child<QPushButton>(panel, "calibrateButton"), Qt::LeftButton);
        QVERIFY(kiln::testing::waitForSignal(finished, kCalibrationTimeoutMs));
        QCOMPARE(job->outcome().code, kiln::StatusCode::Ok);
        QVERIFY(panel.view()->model()->rowCount() > 0);
    }

    void badDataShowsTheEnginesMessage_data() {
        QTest::addColumn<QString>("folder");
        QTest::addColumn<QString>("words");
        QTest::newRow("wrong shape") << QStringLiteral("bad_batches") << QStringLiteral("has shape 1x3x4x4");
        QTest::newRow("no batches") << QStringLiteral("empty") << QStringLiteral("holds no .npy file");
        QTest::newRow("missing") << QStringLiteral("missing") << QStringLiteral("does not exist");
    }

    void badDataShowsTheEnginesMessage() {
        QFETCH(QString, folder);
        QFETCH(QString, words);
        const QString path = m_dir.filePath(folder);
        if (folder == QStringLiteral("empty")) QVERIFY(QDir().mkpath(path));
        auto data = kiln::npyCalibrationData(QFile::encodeName(path).toStdString(), "input", kiln::DataType::Float32,
                                             {1, 3, 8, 8});
        QVERIFY(!data.isOk());
        const QString engineMessage = QString::fromStdString(data.status().message());
        QVERIFY2(engineMessage.contains(words), qPrintable(engineMessage));

        CalibrationPanel panel;
        panel.setModel(m_modelPath, m_network);
        panel.setDataPath(path);
        QSignalSpy finished(&panel, &CalibrationPanel::calibrationFinished);
        QSignalSpy changed(&panel, &CalibrationPanel::calibrationChanged);
        QTest::mouseClick(child<QPushButton>(panel, "calibrateButton"), Qt::LeftButton);
        QVERIFY(kiln::testing::waitForSignal(finished, kCalibrationTimeoutMs));
        QCOMPARE(panel.statusText(), QStringLiteral("Calibration failed: %1").arg(engineMessage));
        QVERIFY(panel.logText().contains(engineMessage));
        QVERIFY(!panel.result());
        QCOMPARE(changed.count(), 0);
    }

    void cacheIsWrittenReusedAndRefusedWithTheReason() {
        const QString cache = m_dir.filePath("caches/small_cnn.calib");
        QVERIFY(QDir().mkpath(QFileInfo(cache).absolutePath()));
        CalibrationPanel panel;
        panel.setModel(m_modelPath, m_network);
        panel.setDataPath(m_batches);
        panel.setCachePath(cache);
        auto* calibrate = child<QPushButton>(panel, "calibrateButton");
        QSignalSpy finished(&panel, &CalibrationPanel::calibrationFinished);
        QTest::mouseClick(calibrate, Qt::LeftButton);
        QVERIFY(kiln::testing::waitForSignal(finished, kCalibrationTimeoutMs));
        QVERIFY(QFileInfo::exists(cache));
        QVERIFY2(panel.logText().contains("Calibration cache written"), qPrintable(panel.logText()));
        auto written = kiln::readCalibrationCache(QFile::encodeName(cache).toStdString());
        QVERIFY(written.isOk());
        QCOMPARE(written->scales, panel.result()->table.scales);

        // Again with the same model, algorithm and data: the cache is reused, histograms still drawn.
        finished.clear();
        QTest::mouseClick(calibrate, Qt::LeftButton);
        QVERIFY(kiln::testing::waitForSignal(finished, kCalibrationTimeoutMs));
        QVERIFY2(panel.logText().contains("Scales reused from the calibration cache"), qPrintable(panel.logText()));
        QVERIFY(panel.view()->histogramView()->hasHistogram());

        // Without data, another algorithm: the cache does not match, and the log says why in the engine's words.
        panel.setDataPath(QString());
        panel.setAlgorithm(kiln::CalibrationAlgorithm::MinMax);
        QCOMPARE(calibrate->text(), QStringLiteral("&Load Cache"));
        const std::string mismatch = kiln::calibrationCacheMismatch(*written, kiln::CalibrationAlgorithm::MinMax,
                                                                    written->preprocessing, written->modelHash);
        QVERIFY(!mismatch.empty());
        finished.clear();
        QTest::mouseClick(calibrate, Qt::LeftButton);
        QVERIFY(kiln::testing::waitForSignal(finished, kCalibrationTimeoutMs));
        QVERIFY(panel.job()->outcome().code != kiln::StatusCode::Ok);
        QVERIFY2(panel.logText().contains(QString::fromStdString(mismatch)), qPrintable(panel.logText()));
        QVERIFY2(panel.statusText().startsWith("Calibration failed:"), qPrintable(panel.statusText()));

        // With the algorithm it was made with, the cache loads as it is: scales, no histograms.
        panel.setAlgorithm(kiln::CalibrationAlgorithm::Entropy);
        finished.clear();
        QTest::mouseClick(calibrate, Qt::LeftButton);
        QVERIFY(kiln::testing::waitForSignal(finished, kCalibrationTimeoutMs));
        QCOMPARE(panel.job()->outcome().code, kiln::StatusCode::Ok);
        QCOMPARE(panel.result()->table.scales, written->scales);
        QVERIFY(panel.result()->histograms.empty());
        QVERIFY(!panel.view()->histogramView()->hasHistogram());
        QVERIFY2(panel.view()->histogramView()->message().contains("calibration cache"),
                 qPrintable(panel.view()->histogramView()->message()));

        // With data but another algorithm, the mismatch is logged and the model calibrated again.
        panel.setDataPath(m_batches);
        panel.setAlgorithm(kiln::CalibrationAlgorithm::MinMax);
        finished.clear();
        QTest::mouseClick(calibrate, Qt::LeftButton);
        QVERIFY(kiln::testing::waitForSignal(finished, kCalibrationTimeoutMs));
        QCOMPARE(panel.job()->outcome().code, kiln::StatusCode::Ok);
        QVERIFY(panel.logText().contains(QStringLiteral("is not reused: %1; calibrating again").arg(QString::fromStdString(mismatch))));
        QCOMPARE(panel.result()->table.algorithm, kiln::CalibrationAlgorithm::MinMax);
    }

    void int8BuildsUseTheCalibration() {
        MainWindow window;
        window.show();
        QVERIFY(kiln::testing::openAndWait(window, m_modelPath));
        kiln::workbench::BuildPanel* build = window.buildPanel();
        auto* ranges = child<QLabel>(window, "int8RangesLabel");
        QCOMPARE(ranges->text(), QStringLiteral("none: calibrate in the Calibration panel"));
        auto* compareInt8 = child<QCheckBox>(window, "compareInt8Check");
        QVERIFY(!compareInt8->isEnabled());

        // INT8 without calibration: the engine refuses, and the panel says what to do in the workbench.
        build->setPrecision(kiln::workbench::BuildSettings::Precision::INT8);
        QVERIFY(kiln::testing::buildAndWait(window));
        QVERIFY(!window.document()->engine());
        QVERIFY2(build->logText().contains("calibrate the model in the Calibration panel"), qPrintable(build->logText()));

        CalibrationPanel* panel = window.calibrationPanel();
        panel->setDataPath(m_batches);
        QSignalSpy finished(panel, &CalibrationPanel::calibrationFinished);
        QTest::mouseClick(child<QPushButton>(*panel, "calibrateButton"), Qt::LeftButton);
        QVERIFY(kiln::testing::waitForSignal(finished, kCalibrationTimeoutMs));
        QCOMPARE(ranges->text(), panel->description());
        QCOMPARE(build->settings().dynamicRanges, panel->dynamicRanges());
        QVERIFY(compareInt8->isEnabled());

        QVERIFY(kiln::testing::buildAndWait(window));
        QVERIFY2(window.document()->engine(), qPrintable(build->logText()));
        bool anyInt8 = false;
        for (const kiln::LayerRecord& layer : window.document()->engine()->report().layersAfter)
            anyInt8 |= layer.precision == "INT8";
        QVERIFY(anyInt8);
        QVERIFY(build->logText().contains(QStringLiteral("INT8 ranges: %1.").arg(panel->description())));

        // Another model drops the ranges: they name this model's tensors.
        const QString other = m_dir.filePath("fp16_hostile.onnx");
        QVERIFY(kiln::testing::writeFp16HostileModel(other));
        QVERIFY(kiln::testing::openAndWait(window, other));
        QVERIFY(build->settings().dynamicRanges.empty());
        QVERIFY(!panel->result());
        QCOMPARE(ranges->text(), QStringLiteral("none: calibrate in the Calibration panel"));
        QVERIFY(!compareInt8->isEnabled());
    }

private:
    static constexpr uint32_t kBatches = 4;

    // The scales the engine's own calibrate() gives the test model on the test batches.
    std::map<std::string, float> engineScales(kiln::CalibrationAlgorithm algorithm) const {
        kiln::BuilderConfig config;
        config.enableFusion = false;
        config.timingIterations = 1;
        auto engine = kiln::Builder::build(*m_network, config);
        if (!engine) qFatal("%s", engine.status().message().c_str());
        auto data = kiln::npyCalibrationData(QFile::encodeName(m_batches).toStdString(), "input",
                                             kiln::DataType::Float32, {1, 3, 8, 8});
        if (!data) qFatal("%s", data.status().message().c_str());
        kiln::CalibrationOptions options;
        options.algorithm = algorithm;
        auto table = kiln::calibrate(*engine.value(), *data.value(), options, "test");
        if (!table) qFatal("%s", table.status().message().c_str());
        return table->scales;
    }

    QTemporaryDir m_dir;
    QString m_modelPath;
    QString m_batches;
    QString m_badBatches;
    std::shared_ptr<const kiln::NetworkDefinition> m_network;
};

QTEST_MAIN(TestWorkbenchCalibrationPanel)
#include "tst_workbench_calibration_panel.moc"

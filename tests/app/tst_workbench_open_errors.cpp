// Bad files in the workbench: a corrupt ONNX file, a damaged plan, a file with a plan's name that is no
// plan, and a plan stamped for another device. Each brings up a dialog that says what is wrong and what
// to do, nothing crashes, and the model shown before stays open and usable. A foreign plan's dialog
// offers "Rebuild from Model…", which proposes the same-named model beside the plan, opens it and builds.
#include <QAction>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTableView>
#include <QTemporaryDir>
#include <cstring>

#include "document.h"
#include "kiln/builder.h"
#include "kiln/onnx_parser.h"
#include "kiln/plan.h"
#include "test_models.h"
#include "tst_workbench_support.h"

using kiln::workbench::MainWindow;

namespace {

// The plan header's layout (engine/src/plan/plan_format.h): the device fingerprint field and the
// header hash, a 64-bit FNV-1a of the 368 bytes before it, stored little-endian.
constexpr int kFingerprintOffset = 80;
constexpr int kFingerprintSize = 256;
constexpr int kHeaderHashOffset = 368;
constexpr int kHeaderSize = 376;

uint64_t fnv1a64(const QByteArray& bytes) {
    uint64_t hash = 0xcbf29ce484222325ull;
    for (const char c : bytes) {
        hash ^= uint8_t(c);
        hash *= 0x100000001b3ull;
    }
    return hash;
}

QByteArray readAll(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeAll(const QString& path, const QByteArray& bytes) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

}  // namespace

class TestWorkbenchOpenErrors : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        kiln::testing::useTestEnvironment(m_dir.filePath("settings"));
        m_cnnPath = m_dir.filePath("small_cnn.onnx");
        QVERIFY(kiln::testing::writeSmallCnnModel(m_cnnPath));

        // A valid plan of the sample model, written through the engine's API.
        kiln::Result<kiln::NetworkDefinition> network = kiln::parseOnnxFile(kiln::testing::sampleModelPath().toStdString());
        QVERIFY2(network, network.status().message().c_str());
        kiln::Result<std::shared_ptr<kiln::Engine>> engine = kiln::Builder::build(*network, {});
        QVERIFY2(engine, engine.status().message().c_str());
        m_planPath = m_dir.filePath("sample.plan");
        const kiln::Status written = kiln::writePlanFile(m_planPath.toStdString(), **engine);
        QVERIFY2(written, written.message().c_str());
        m_planBytes = readAll(m_planPath);
        QVERIFY(m_planBytes.size() > kHeaderSize);
        QVERIFY(m_planBytes.startsWith("KILNPLAN"));
        m_afterLayerCount = int((*engine)->report().layersAfter.size());
    }

    void init() {
        QSettings().clear();
        m_window = std::make_unique<MainWindow>();
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        QVERIFY(kiln::testing::openAndWait(*m_window, m_cnnPath));
        QVERIFY(kiln::testing::waitForLayouts(*m_window));
    }

    void cleanup() { m_window.reset(); }

    void validPlanOpens() {
        QVERIFY(kiln::testing::openAndWait(*m_window, m_planPath));
        QVERIFY(kiln::testing::waitForLayouts(*m_window));
        QCOMPARE(m_window->graphView()->afterView()->nodeCount(), m_afterLayerCount);
    }

    void corruptModelShowsErrorAndKeepsModel() {
        const QString path = m_dir.filePath("corrupt.onnx");
        QVERIFY(kiln::testing::writeCorruptModel(path));
        kiln::testing::MessageBoxAnswerer answerer;
        QSignalSpy failed(m_window->document(), &kiln::workbench::Document::failed);
        m_window->openFile(path);
        QVERIFY(kiln::testing::waitForSignal(failed, kiln::testing::kLoadTimeoutMs));
        QTRY_COMPARE(answerer.answered, 1);
        QCOMPARE(answerer.title, QStringLiteral("Could not open model"));
        QVERIFY2(answerer.text.contains("corrupt.onnx"), qPrintable(answerer.text));
        // What is wrong (the parser's reason), what to do, and what is still open.
        QVERIFY2(answerer.informativeText.startsWith(failed.first().at(1).toString()), qPrintable(answerer.informativeText));
        QVERIFY(answerer.informativeText.contains("export it again"));
        QVERIFY(answerer.informativeText.contains("small_cnn.onnx is still open"));
        expectSmallCnnStillShown();
    }

    void damagedPlanShowsErrorAndKeepsModel() {
        QByteArray bytes = m_planBytes;
        bytes[bytes.size() - 3] = char(bytes[bytes.size() - 3] ^ 0x5a);  // a weight byte: the content hash fails
        const QString path = m_dir.filePath("damaged.plan");
        QVERIFY(writeAll(path, bytes));
        kiln::testing::MessageBoxAnswerer answerer([](QMessageBox* box) { return box->button(QMessageBox::Close); });
        QSignalSpy failed(m_window->document(), &kiln::workbench::Document::failed);
        m_window->openFile(path);
        QVERIFY(kiln::testing::waitForSignal(failed, kiln::testing::kLoadTimeoutMs));
        QCOMPARE(failed.first().at(2).value<kiln::workbench::LoadProblem>(), kiln::workbench::LoadProblem::DamagedPlan);
        QTRY_COMPARE(answerer.answered, 1);
        QCOMPARE(answerer.title, QStringLiteral("Damaged plan"));
        QVERIFY(answerer.text.contains("damaged.plan"));
        QVERIFY2(answerer.informativeText.contains("corrupt"), qPrintable(answerer.informativeText));
        QVERIFY(answerer.informativeText.contains("copy it again"));
        QVERIFY(answerer.buttons.contains("Rebuild from Model…"));
        expectSmallCnnStillShown();
    }

    void fileNamedPlanThatIsNoPlan() {
        const QString path = m_dir.filePath("notes.plan");
        QVERIFY(writeAll(path, "just some text, no plan header"));
        kiln::testing::MessageBoxAnswerer answerer([](QMessageBox* box) { return box->button(QMessageBox::Close); });
        QSignalSpy failed(m_window->document(), &kiln::workbench::Document::failed);
        m_window->openFile(path);
        QVERIFY(kiln::testing::waitForSignal(failed, kiln::testing::kLoadTimeoutMs));
        QTRY_COMPARE(answerer.answered, 1);
        QCOMPARE(answerer.title, QStringLiteral("Damaged plan"));
        QVERIFY2(answerer.informativeText.contains("not a Kiln plan"), qPrintable(answerer.informativeText));
        expectSmallCnnStillShown();
    }

    void foreignPlanOffersRebuildFromModel() {
        // The plan of another device: the fingerprint changed and the header hash resealed, so that
        // only the stamp check can object.
        QByteArray bytes = m_planBytes;
        const QByteArray foreign = "cpu foreign-device-with-avx9000";
        std::memset(bytes.data() + kFingerprintOffset, 0, kFingerprintSize);
        std::memcpy(bytes.data() + kFingerprintOffset, foreign.constData(), size_t(foreign.size()));
        const uint64_t hash = fnv1a64(bytes.left(kHeaderHashOffset));
        for (int i = 0; i < 8; ++i)
            bytes[kHeaderHashOffset + i] = char((hash >> (8 * i)) & 0xff);
        QDir().mkpath(m_dir.filePath("elsewhere"));
        const QString planPath = m_dir.filePath("elsewhere/resnet.plan");
        QVERIFY(writeAll(planPath, bytes));
        // The model the plan was built from, under the same name beside it.
        const QString modelPath = m_dir.filePath("elsewhere/resnet.onnx");
        QVERIFY(QFile::copy(kiln::testing::sampleModelPath(), modelPath));

        MainWindow::FileRequest request;
        m_window->setFileChooser([&](const MainWindow::FileRequest& asked) {
            request = asked;
            return asked.path;
        });
        kiln::testing::MessageBoxAnswerer answerer(
            [](QMessageBox* box) { return box->findChild<QAbstractButton*>("rebuildFromModelButton"); });
        QSignalSpy built(m_window.get(), &MainWindow::buildFinished);
        QSignalSpy failed(m_window->document(), &kiln::workbench::Document::failed);
        m_window->openFile(planPath);
        QVERIFY(kiln::testing::waitForSignal(failed, kiln::testing::kLoadTimeoutMs));
        QCOMPARE(failed.first().at(2).value<kiln::workbench::LoadProblem>(), kiln::workbench::LoadProblem::ForeignPlan);
        QTRY_COMPARE(answerer.answered, 1);
        QCOMPARE(answerer.title, QStringLiteral("Plan built elsewhere"));
        QVERIFY(answerer.text.contains("resnet.plan"));
        // Both sides: what the plan was built for and what this machine is.
        QVERIFY2(answerer.informativeText.contains(foreign), qPrintable(answerer.informativeText));
        QVERIFY2(answerer.informativeText.contains(QString::fromStdString(kiln::deviceFingerprint("cpu"))),
                 qPrintable(answerer.informativeText));
        QVERIFY(answerer.informativeText.contains("Rebuild"));

        // "Rebuild from Model…" proposed the model beside the plan, opened it and built it.
        QVERIFY(kiln::testing::waitForSignal(built, kiln::testing::kBuildTimeoutMs));
        QCOMPARE(request.mode, MainWindow::FileRequest::Mode::Open);
        QCOMPARE(QFileInfo(request.path).absoluteFilePath(), QFileInfo(modelPath).absoluteFilePath());
        QCOMPARE(m_window->document()->filePath(), QFileInfo(modelPath).absoluteFilePath());
        QVERIFY(m_window->document()->engine());
        QCOMPARE(m_window->windowTitle(), QStringLiteral("resnet.onnx — built, FP32, cpu"));
    }

    void foreignPlanWithoutModelBesideItProposesItsFolder() {
        QByteArray bytes = m_planBytes;
        bytes[kFingerprintOffset + 4] = 'Z';
        const uint64_t hash = fnv1a64(bytes.left(kHeaderHashOffset));
        for (int i = 0; i < 8; ++i)
            bytes[kHeaderHashOffset + i] = char((hash >> (8 * i)) & 0xff);
        QDir().mkpath(m_dir.filePath("lonely"));
        const QString planPath = m_dir.filePath("lonely/model.plan");
        QVERIFY(writeAll(planPath, bytes));

        QString proposed;
        m_window->setFileChooser([&](const MainWindow::FileRequest& asked) {
            proposed = asked.path;
            return QString();  // the user cancels the file dialog
        });
        kiln::testing::MessageBoxAnswerer answerer(
            [](QMessageBox* box) { return box->findChild<QAbstractButton*>("rebuildFromModelButton"); });
        m_window->openFile(planPath);
        QTRY_COMPARE(answerer.answered, 1);
        QTRY_VERIFY(!proposed.isEmpty());
        QCOMPARE(QFileInfo(proposed).absoluteFilePath(), QFileInfo(m_dir.filePath("lonely")).absoluteFilePath());
        QTest::qWait(50);
        expectSmallCnnStillShown();
    }

private:
    void expectSmallCnnStillShown() {
        QTRY_COMPARE(QApplication::activeModalWidget(), nullptr);
        QCOMPARE(m_window->document()->filePath(), QFileInfo(m_cnnPath).absoluteFilePath());
        QCOMPARE(m_window->windowTitle(), QStringLiteral("small_cnn.onnx — not built"));
        QCOMPARE(m_window->graphView()->beforeView()->nodeCount(), kiln::testing::kSmallCnnLayerCount);
        QCOMPARE(m_window->layerTable()->model()->rowCount(), kiln::testing::kSmallCnnLayerCount);
        // And it still works: it builds.
        QVERIFY(kiln::testing::buildAndWait(*m_window));
        QVERIFY(m_window->document()->engine());
    }

    QTemporaryDir m_dir;
    QString m_cnnPath;
    QString m_planPath;
    QByteArray m_planBytes;
    int m_afterLayerCount = 0;
    std::unique_ptr<MainWindow> m_window;
};

QTEST_MAIN(TestWorkbenchOpenErrors)
#include "tst_workbench_open_errors.moc"

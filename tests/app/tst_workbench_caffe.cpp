// Caffe nets in the workbench: a .prototxt opens with the .caffemodel of the same name beside it, with
// weights chosen elsewhere (asked for when there are none beside it, remembered for the next time), or
// from its .caffemodel; without weights the load fails saying what to do; the net builds like a model.
#include <QDir>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>

#include "document.h"
#include "parsers/caffe/caffe_model_builder.h"
#include "tst_workbench_support.h"

using kiln::workbench::Document;
using kiln::workbench::MainWindow;

namespace {

// data [1, 2, 5, 5] -> conv1 (3 outputs, 3x3, pad 1) -> relu1 (in place) -> pool1 (max 2x2, stride 2).
const char* const kNet = R"(name: "tiny"
input: "data"
input_shape { dim: 1 dim: 2 dim: 5 dim: 5 }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 3 kernel_size: 3 pad: 1 } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1"
        pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
)";

std::string weightBytes() {
    std::vector<float> weights(3 * 2 * 3 * 3);
    for (size_t i = 0; i < weights.size(); ++i) weights[i] = float(int(i % 7) - 3) * 0.25f;
    return kiln::test::CaffeWeights().layer("conv1", {{{3, 2, 3, 3}, weights}, {{3}, {0.5f, -0.5f, 0.25f}}}).bytes();
}

}  // namespace

class TestWorkbenchCaffe : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        kiln::testing::useTestEnvironment(m_dir.filePath("settings"));
        m_netPath = m_dir.filePath("tiny.prototxt");
        m_weightsPath = m_dir.filePath("tiny.caffemodel");
        QVERIFY(write(m_netPath, kNet));
        QVERIFY(write(m_weightsPath, weightBytes()));
        QDir().mkpath(m_dir.filePath("alone"));
        m_aloneNetPath = m_dir.filePath("alone/net.prototxt");
        QVERIFY(write(m_aloneNetPath, kNet));
    }

    void aNetOpensWithTheWeightsBesideIt() {
        Document document;
        QSignalSpy loaded(&document, &Document::loaded);
        document.open(m_netPath);
        QVERIFY(loaded.wait(kiln::testing::kLoadTimeoutMs));
        QVERIFY(document.network());
        QCOMPARE(document.weightsPath(), QFileInfo(m_weightsPath).absoluteFilePath());
        QVERIFY(document.network()->findLayer("conv1"));
        QVERIFY(document.network()->findLayer("pool1"));
        QCOMPARE(document.declaredInputs().size(), size_t(1));
        QCOMPARE(document.declaredInputs()[0].name, std::string("data"));
        QCOMPARE(document.declaredInputs()[0].dims, (kiln::Dims{1, 2, 5, 5}));
        // Caffe rounds a pooled extent up: ceil((5 - 2) / 2) + 1 = 3.
        QCOMPARE(document.network()->outputs().at(0)->dims(), (kiln::Dims{1, 3, 3, 3}));
    }

    void aNetWithoutWeightsFailsSayingWhatToDo() {
        Document document;
        QSignalSpy failed(&document, &Document::failed);
        document.open(m_aloneNetPath);
        QVERIFY(failed.wait(kiln::testing::kLoadTimeoutMs));
        QCOMPARE(failed.first().at(2).value<kiln::workbench::LoadProblem>(), kiln::workbench::LoadProblem::Unreadable);
        const QString message = failed.first().at(1).toString();
        QVERIFY2(message.contains(".caffemodel") && message.contains("net.caffemodel"), qPrintable(message));
        QVERIFY(!document.network());
    }

    void theWindowAsksForWeightsThatAreNotBesideTheNetAndRemembersThem() {
        MainWindow window;
        QStringList asked;
        window.setFileChooser([&](const MainWindow::FileRequest& request) {
            asked << request.title;
            return m_weightsPath;
        });
        QSignalSpy shown(&window, &MainWindow::fileShown);
        window.openFile(m_aloneNetPath);
        QVERIFY(shown.wait(kiln::testing::kLoadTimeoutMs));
        QCOMPARE(asked.size(), 1);
        QVERIFY2(asked.first().contains("net.prototxt"), qPrintable(asked.first()));
        QCOMPARE(window.document()->filePath(), QFileInfo(m_aloneNetPath).absoluteFilePath());
        QCOMPARE(window.document()->weightsPath(), QFileInfo(m_weightsPath).absoluteFilePath());

        // The next time (a recent file, say), the weights chosen are taken without asking.
        MainWindow again;
        again.setFileChooser([&](const MainWindow::FileRequest& request) {
            asked << request.title;
            return QString();
        });
        QSignalSpy shownAgain(&again, &MainWindow::fileShown);
        again.openFile(m_aloneNetPath);
        QVERIFY(shownAgain.wait(kiln::testing::kLoadTimeoutMs));
        QCOMPARE(asked.size(), 1);
        QCOMPARE(again.document()->weightsPath(), QFileInfo(m_weightsPath).absoluteFilePath());
    }

    void theWeightsOpenTheirNetAndItBuilds() {
        MainWindow window;
        QSignalSpy shown(&window, &MainWindow::fileShown);
        window.openFile(m_weightsPath);
        QVERIFY(shown.wait(kiln::testing::kLoadTimeoutMs));
        QCOMPARE(window.document()->filePath(), QFileInfo(m_netPath).absoluteFilePath());
        QSignalSpy built(&window, &MainWindow::buildFinished);
        window.startBuild();
        QVERIFY(kiln::testing::waitForSignal(built, kiln::testing::kBuildTimeoutMs));
        QVERIFY(window.document()->engine());
    }

private:
    static bool write(const QString& path, const std::string& bytes) {
        QFile file(path);
        return file.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
               file.write(bytes.data(), qint64(bytes.size())) == qint64(bytes.size());
    }

    QTemporaryDir m_dir;
    QString m_netPath;
    QString m_weightsPath;
    QString m_aloneNetPath;
};

QTEST_MAIN(TestWorkbenchCaffe)
#include "tst_workbench_caffe.moc"

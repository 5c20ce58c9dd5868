// The engine's messages under a Chinese locale: a pass's log entry in the build report and in the Build
// panel's log, a build warning, and a model's load error in the dialog, are shown in Chinese, from the message's id and
// arguments; a message whose id the workbench does not know is shown in the engine's English. The
// workbench's table of templates holds the engine's catalogue, id for id and word for word.
#include <QFile>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <memory>

#include "build_job.h"
#include "build_report_view.h"
#include "engine_messages.h"
#include "kiln/builder.h"
#include "kiln/message.h"
#include "tst_workbench_support.h"

using kiln::views::EngineMessages;

namespace {

// x [1,3,8,8] -> Convolution "conv" -> Activation "relu" -> output: vertical fusion makes one layer of it.
std::shared_ptr<const kiln::NetworkDefinition> convRelu() {
    auto network = std::make_shared<kiln::NetworkDefinition>();
    kiln::Tensor* x = network->addInput("x", kiln::DataType::Float32, {1, 3, 8, 8}).value();
    kiln::Tensor* weights =
        network->addConstant("w", kiln::HostTensor(kiln::DataType::Float32, {4, 3, 3, 3})).value();
    kiln::ConvolutionParams conv;
    conv.strides = {1, 1};
    conv.pads = {1, 1, 1, 1};
    conv.dilations = {1, 1};
    kiln::Layer* convLayer = network->addLayer("conv", conv, {x, weights, nullptr}, {"conv_out"}).value();
    kiln::Layer* relu = network->addLayer("relu", kiln::ActivationParams{}, {convLayer->output(0)}, {"relu_out"}).value();
    if (!network->markOutput(relu->output(0)).isOk()) return nullptr;
    return network;
}

const QString kFusedInChinese = QStringLiteral("已融合 conv + relu（写出输出时应用激活）");

}  // namespace

class TestWorkbenchEngineMessages : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        kiln::testing::useTestEnvironment(m_dir.filePath("settings"));
        QVERIFY(kiln::workbench::installTranslations(*QCoreApplication::instance(),
                                                     QLocale(QLocale::Chinese, QLocale::China)));
    }

    void everyCataloguedIdHasItsTemplateHere() {
        for (const kiln::MessageTemplate& entry : kiln::messageCatalog())
            QCOMPARE(EngineMessages::englishTemplate(QString::fromLatin1(entry.id)), QString::fromLatin1(entry.english));
        QCOMPARE(EngineMessages::knownIds().size(), qsizetype(kiln::messageCatalog().size()));
    }

    void buildReportShowsPassChangesInChinese() {
        const auto network = convRelu();
        QVERIFY(network);
        kiln::BuilderConfig config;
        config.timingIterations = 1;
        auto engine = kiln::Builder::build(*network, config);
        QVERIFY2(engine.isOk(), engine.status().message().c_str());
        // The engine's own text stays English, as the CLI prints it.
        QCOMPARE(QString::fromStdString(engine.value()->report().changes.front().description),
                 QStringLiteral("fused conv + relu (activation applied as the output is written)"));

        kiln::views::BuildReportView view;
        view.setReport(engine.value()->report());
        QTreeWidgetItem* pass = nullptr;
        for (QTreeWidget* tree : view.findChildren<QTreeWidget*>()) {
            for (int i = 0; i < tree->topLevelItemCount(); ++i) {
                if (tree->topLevelItem(i)->text(0).startsWith(QStringLiteral("垂直融合"))) pass = tree->topLevelItem(i);
            }
        }
        QVERIFY(pass);
        QCOMPARE(pass->text(0), QStringLiteral("垂直融合（1）"));
        QCOMPARE(pass->child(0)->text(0), kFusedInChinese);
    }

    void buildLogIsInChinese() {
        kiln::workbench::BuildJob job;
        QSignalSpy finished(&job, &kiln::workbench::BuildJob::finished);
        kiln::workbench::BuildSettings settings;
        settings.timingIterations = 1;
        // A file that is no timing cache: the build warns, and goes on.
        const QString cache = m_dir.filePath("junk.timing");
        QFile junk(cache);
        QVERIFY(junk.open(QIODevice::WriteOnly) && junk.write("not a timing cache") > 0);
        junk.close();
        settings.timingCachePath = cache.toStdString();
        job.start(convRelu(), settings);
        QVERIFY(finished.wait(kiln::testing::kBuildTimeoutMs));
        QVERIFY(job.outcome().engine);
        QStringList log;
        for (const auto& [severity, text] : job.outcome().log) log << text;
        QVERIFY2(log.contains(QStringLiteral("[垂直融合] ") + kFusedInChinese), qPrintable(log.join('\n')));
        // Phase times and warnings too.
        QVERIFY2(log.filter(QStringLiteral("阶段 tactics：")).size() == 1, qPrintable(log.join('\n')));
        QVERIFY2(log.contains(QStringLiteral("计时缓存“%1”不是 Kiln 计时缓存；将忽略它，并用本次构建的计时替换").arg(cache)),
                 qPrintable(log.join('\n')));
    }

    void loadErrorIsShownInChinese() {
        const QString path = m_dir.filePath("empty.onnx");
        QFile empty(path);
        QVERIFY(empty.open(QIODevice::WriteOnly));
        empty.close();
        kiln::workbench::MainWindow window;
        kiln::testing::MessageBoxAnswerer answerer;
        window.openFile(path);
        QTRY_COMPARE_WITH_TIMEOUT(answerer.answered, 1, kiln::testing::kLoadTimeoutMs);
        QVERIFY2(answerer.informativeText.contains(QStringLiteral("'%1' 不是有效的 ONNX 模型：文件是空的").arg(path)),
                 qPrintable(answerer.informativeText));
        QVERIFY2(!answerer.informativeText.contains(QStringLiteral("is not a valid ONNX model")),
                 qPrintable(answerer.informativeText));
    }

    void planErrorIsShownInChinese() {
        const QString path = m_dir.filePath("notaplan.plan");
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("this is no plan");
        file.close();
        kiln::workbench::MainWindow window;
        // The damaged-plan box offers to rebuild from the model; asked for one, the user cancels.
        window.setFileChooser([](const kiln::workbench::MainWindow::FileRequest&) { return QString(); });
        kiln::testing::MessageBoxAnswerer answerer;
        window.openFile(path);
        QTRY_COMPARE_WITH_TIMEOUT(answerer.answered, 1, kiln::testing::kLoadTimeoutMs);
        QVERIFY2(answerer.informativeText.contains(
                     QStringLiteral("不是 Kiln 计划文件：它不以“KILNPLAN”开头；请提供由“kiln build”写出的文件")),
                 qPrintable(answerer.informativeText));
        QVERIFY2(!answerer.informativeText.contains(QStringLiteral("does not start with")),
                 qPrintable(answerer.informativeText));
    }

    void errorContextsAreKeptAndUnknownIdsFallBackToEnglish() {
        QCOMPARE(EngineMessages::statusText("importing 'm.onnx': the model uses opset 3; Kiln supports opsets 7 to 21 "
                                            "(convert it with onnx.version_converter)"),
                 QStringLiteral("importing 'm.onnx': 模型使用 opset 3；Kiln 支持 opset 7 到 21（请用 "
                                "onnx.version_converter 转换）"));
        QCOMPARE(EngineMessages::text("pass.some_future_change", {"conv"}, "did something new to conv"),
                 QStringLiteral("did something new to conv"));
        QCOMPARE(EngineMessages::text("", {}, "a message without an id"), QStringLiteral("a message without an id"));
        // A pass change of a plan written before changes had ids: its text is found in the catalogue.
        QCOMPARE(EngineMessages::text("", {}, "[vertical fusion] fused conv + relu (activation applied as the output is written)"),
                 QStringLiteral("[垂直融合] ") + kFusedInChinese);
        QCOMPARE(EngineMessages::statusText("node 'x' (op Foo): no such attribute"),
                 QStringLiteral("node 'x' (op Foo): no such attribute"));
        // Arguments that do not make the text: the text as the engine wrote it.
        QCOMPARE(EngineMessages::text("pass.removed_identity", {"a"}, "removed identity b"),
                 QStringLiteral("removed identity b"));
        QCOMPARE(EngineMessages::passName("a pass from a newer engine"), QStringLiteral("a pass from a newer engine"));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestWorkbenchEngineMessages)
#include "tst_workbench_engine_messages.moc"

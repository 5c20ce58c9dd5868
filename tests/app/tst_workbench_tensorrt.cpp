// The workbench on an engine TensorRT built, opened from trtexec's JSON exports (../shared/testdata/tensorrt:
// a QAT MobileNet built by TensorRT 8.x; see the README there), from File > Open or a drop: every layer in
// the graph after fusion and in the layer table, the profile beside it (or one the user picks, or one with
// records the graph lacks) attached to its layers with the file's total, every field of a layer in the
// properties (one Kiln does not know too), the lint hints such an engine deserves and none on other layers,
// build and profile unavailable with the reason, graph and profile exports, and malformed files refused
// with the reader's message in the error dialog. Expected values are read from the files here,
// independently of the reader.
#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMimeData>
#include <QPushButton>
#include <QSet>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QTreeWidget>

#include "document.h"
#include "kiln/lint.h"
#include "lint_view.h"
#include "profile_view.h"
#include "properties_panel.h"
#include "recent_files.h"
#include "tst_workbench_support.h"

using kiln::workbench::MainWindow;

namespace {

const QString kFolder = QStringLiteral(KILN_SOURCE_DIR "/../shared/testdata/tensorrt");
const QString kGraph = kFolder + QStringLiteral("/mobilenet.qat.onnx.engine.graph.json");
const QString kProfile = kFolder + QStringLiteral("/mobilenet.qat.onnx.engine.profile.json");
const QString kFirstConvolution = QStringLiteral("features.0.0.weight + QuantizeLinear_8 + Conv_12 + PWN(Clip_16)");

QByteArray readAll(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeAll(const QString& path, const QByteArray& bytes) {
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

QJsonArray graphLayers() {
    return QJsonDocument::fromJson(readAll(kGraph)).object().value("Layers").toArray();
}

QJsonArray profileRecords() {
    return QJsonDocument::fromJson(readAll(kProfile)).array();
}

QStringList sorted(QStringList names) {
    names.sort();
    return names;
}

}  // namespace

class TestWorkbenchTensorRt : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        if (!QFile::exists(kGraph)) QSKIP("the TensorRT test data (../shared/testdata/tensorrt) is not beside this checkout");
        QVERIFY(m_dir.isValid());
        kiln::testing::useTestEnvironment(m_dir.filePath("settings"));
        // A copy with a field no TensorRT version Kiln knows writes, the profile beside it by trtexec's naming.
        QJsonObject graph = QJsonDocument::fromJson(readAll(kGraph)).object();
        QJsonArray layers = graph.value("Layers").toArray();
        QJsonObject first = layers.at(1).toObject();
        QCOMPARE(first.value("Name").toString(), kFirstConvolution);
        first.insert("FutureSparsityMode", QJsonObject{{"Pattern", "2:4"}, {"Applied", false}});
        layers.replace(1, first);
        graph.insert("Layers", layers);
        m_graphCopy = m_dir.filePath("mobilenet.engine.graph.json");
        QVERIFY(writeAll(m_graphCopy, QJsonDocument(graph).toJson()));
        QVERIFY(QFile::copy(kProfile, m_dir.filePath("mobilenet.engine.profile.json")));
    }

    void theEngineShowsInEveryView() {
        MainWindow window;
        QVERIFY(kiln::testing::openAndWait(window, m_graphCopy));
        QVERIFY(kiln::testing::waitForLayouts(window));
        QCOMPARE(window.document()->kind(), kiln::workbench::FileKind::TensorRtEngine);

        // Every layer of the file in the graph after fusion and in the layer table; no graph before fusion,
        // and the pane says why.
        QStringList names;
        for (const QJsonValue& layer : graphLayers()) names << layer.toObject().value("Name").toString();
        QCOMPARE(names.size(), 73);
        QCOMPARE(sorted(window.graphView()->afterView()->nodeNames()), sorted(names));
        QCOMPARE(window.graphView()->beforeView()->nodeCount(), 0);
        QVERIFY2(window.graphView()->beforeView()->messageText().contains("no graph before fusion"),
                 qPrintable(window.graphView()->beforeView()->messageText()));
        QAbstractItemModel* table = window.layerTable()->model();
        QCOMPARE(table->rowCount(), names.size());
        QStringList tableNames;
        for (int row = 0; row < table->rowCount(); ++row) tableNames << table->index(row, 1).data().toString();
        QCOMPARE(tableNames, names);
        QCOMPARE(table->index(1, 2).data().toString(), QStringLiteral("CaskConvolution"));

        // The layers are connected through their tensors: a layer's input is the output of the one before.
        const QJsonArray layers = graphLayers();
        const QString firstOutput = layers.at(0).toObject().value("Outputs").toArray().at(0).toObject().value("Name").toString();
        QCOMPARE(layers.at(1).toObject().value("Inputs").toArray().at(0).toObject().value("Name").toString(), firstOutput);
        QVERIFY(window.graphView()->afterView()->dotText(false).contains("->"));

        // The profile beside it: each record at its layer with the file's average, the total the file's.
        const QJsonArray records = profileRecords();
        const kiln::views::ProfileResult& profile = window.profileView()->profile();
        QCOMPARE(int(profile.layers.size()), records.size() - 1);
        QCOMPARE(profile.iterations, records.at(0).toObject().value("count").toInt());
        double fileTotal = 0.0;
        for (int i = 1; i < records.size(); ++i) {
            const QJsonObject record = records.at(i).toObject();
            fileTotal += record.value("averageMs").toDouble();
            const auto layer = std::find_if(profile.layers.begin(), profile.layers.end(), [&](const kiln::views::LayerProfile& p) {
                return p.name == record.value("name").toString();
            });
            QVERIFY2(layer != profile.layers.end(), qPrintable(record.value("name").toString()));
            QCOMPARE(layer->milliseconds, record.value("averageMs").toDouble());
            QVERIFY(qAbs(layer->percent - record.value("percentage").toDouble()) < 0.01);
            // Attached to its graph layer: the layer's type comes with it.
            const int index = int(names.indexOf(layer->name));
            QVERIFY(index >= 0);
            QCOMPARE(layer->type, layers.at(index).toObject().value("LayerType").toString());
        }
        QVERIFY(qAbs(kiln::views::totalLayerMilliseconds(profile.layers) - fileTotal) < 1e-9);
        auto* status = window.findChild<QLabel*>("profileStatusLabel");
        QVERIFY(status);
        QVERIFY2(status->text().contains(QString::number(records.at(0).toObject().value("count").toInt())), qPrintable(status->text()));

        // Properties: every field of the layer as the file has it, the one Kiln does not know too.
        window.selectLayer(kFirstConvolution, true);
        QCOMPARE(window.selectedLayer(), kFirstConvolution);
        kiln::views::PropertiesPanel* properties = window.propertiesPanel();
        QVERIFY(properties->currentTitle().startsWith(kFirstConvolution));
        auto* unknown = properties->findChild<QLabel*>("field_FutureSparsityMode");
        QVERIFY(unknown);
        QCOMPARE(unknown->text(), QStringLiteral(R"({"Applied": false, "Pattern": "2:4"})"));
        auto* tactic = properties->findChild<QLabel*>("field_TacticName");
        QVERIFY(tactic);
        QCOMPARE(tactic->text(), layers.at(1).toObject().value("TacticName").toString());
        auto* kernel = properties->findChild<QLabel*>("field_Kernel");
        QVERIFY(kernel);
        QCOMPARE(kernel->text(), QStringLiteral("[3, 3]"));
        // The table row follows the selection.
        QCOMPARE(window.layerTable()->currentIndex().row(), 1);

        // Building and profiling need a Kiln engine: unavailable, and the tooltip says why.
        auto* build = window.findChild<QAction*>("buildAction");
        auto* run = window.findChild<QAction*>("profileAction");
        QVERIFY(build && run);
        QVERIFY(!build->isEnabled());
        QVERIFY(!run->isEnabled());
        QVERIFY2(build->toolTip().contains("TensorRT engine"), qPrintable(build->toolTip()));
        QVERIFY2(run->toolTip().contains("cannot build or run it"), qPrintable(run->toolTip()));
        QVERIFY(window.windowTitle().contains("TensorRT engine, FP16, FP32, INT8"));
        QVERIFY(kiln::workbench::RecentFiles::load().contains(QFileInfo(m_graphCopy).absoluteFilePath()));

        checkLint(window);
        saveScreenshots(window);

        // Another file: the engine goes, the actions come back.
        QVERIFY(kiln::testing::openAndWait(window, kiln::testing::sampleModelPath()));
        QVERIFY(!window.document()->tensorRtEngine());
        QCOMPARE(window.lintView()->hintCount(), 0);
        QVERIFY(build->isEnabled());
        QVERIFY(!build->toolTip().contains("TensorRT"));
    }

    void aProfileTheUserPicksAttachesToTheLayers() {
        // The graph alone: no times until the user picks the profile.
        const QString alone = m_dir.filePath("alone.json");
        QVERIFY(QFile::copy(kGraph, alone));
        MainWindow window;
        QVERIFY(kiln::testing::openAndWait(window, alone));
        QVERIFY(window.profileView()->profile().layers.empty());
        auto* button = window.findChild<QPushButton*>("tensorRtProfileButton");
        QVERIFY(button);
        QVERIFY(button->isEnabled());
        // Without times, reformats have no share to hint at; the channel counts still show.
        QCOMPARE(hintIds(window), QStringList{"channel-padding"});

        // A malformed profile: the error dialog names the file and what is wrong; nothing changes.
        const QString bad = m_dir.filePath("bad.profile.json");
        QVERIFY(writeAll(bad, R"([{"count": 3}, {"name": "QuantizeLinear_2", "averageMs": "fast"}])"));
        window.setFileChooser([&](const MainWindow::FileRequest&) { return bad; });
        {
            kiln::testing::MessageBoxAnswerer answerer;
            QTest::mouseClick(button, Qt::LeftButton);
            QTRY_COMPARE(answerer.answered, 1);
            QVERIFY2(answerer.informativeText.contains("bad.profile.json"), qPrintable(answerer.informativeText));
            QVERIFY2(answerer.informativeText.contains("\"averageMs\" is not a number"), qPrintable(answerer.informativeText));
        }
        QVERIFY(window.profileView()->profile().layers.empty());

        window.setFileChooser([](const MainWindow::FileRequest& request) {
            return request.title.contains("Profile") ? kProfile : QString();
        });
        QTest::mouseClick(button, Qt::LeftButton);
        const QJsonArray records = profileRecords();
        QCOMPARE(int(window.profileView()->profile().layers.size()), records.size() - 1);
        QCOMPARE(window.profileView()->profile().layers.front().name, records.at(1).toObject().value("name").toString());
        QCOMPARE(window.document()->tensorRtProfilePath(), QFileInfo(kProfile).absoluteFilePath());
        QCOMPARE(sorted(hintIds(window)), (QStringList{"channel-padding", "reformat-time"}));
    }

    // Dropped on the window it opens as from the menu; the graph and the profile export from it.
    void aDroppedEngineOpensAndExports() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(m_graphCopy)});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        enter.setAccepted(false);
        QApplication::sendEvent(&window, &enter);
        QVERIFY(enter.isAccepted());
        QSignalSpy shown(&window, &MainWindow::fileShown);
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&window, &drop);
        QVERIFY(shown.wait(kiln::testing::kLoadTimeoutMs));
        QVERIFY(window.document()->tensorRtEngine());
        QVERIFY(kiln::testing::waitForLayouts(window));

        const QString svg = m_dir.filePath("engine.svg");
        QVERIFY(window.exportGraphTo(svg, false));
        const QByteArray drawing = readAll(svg);
        QVERIFY(drawing.contains("QuantizeLinear_2"));
        QVERIFY(drawing.contains("CaskConvolution"));

        // The profile export in trtexec's layout gives back the file's averages.
        auto* exportJson = window.findChild<QAction*>("exportProfileJsonAction");
        QVERIFY(exportJson && exportJson->isEnabled());
        const QString json = m_dir.filePath("engine_profile.json");
        QString error;
        QVERIFY2(window.profileView()->exportJson(json, &error), qPrintable(error));
        const QJsonArray written = QJsonDocument::fromJson(readAll(json)).array();
        const QJsonArray records = profileRecords();
        QCOMPARE(written.size(), records.size());
        QCOMPARE(written.at(0).toObject().value("count").toInt(), records.at(0).toObject().value("count").toInt());
        for (int i = 1; i < records.size(); ++i) {
            QCOMPARE(written.at(i).toObject().value("name").toString(), records.at(i).toObject().value("name").toString());
            QVERIFY(qAbs(written.at(i).toObject().value("averageMs").toDouble() -
                         records.at(i).toObject().value("averageMs").toDouble()) < 1e-9);
        }
    }

    // Newer TensorRT versions profile reformatting copies the graph does not list: they are shown and
    // counted in the total, not dropped and not fatal.
    void profileRecordsWithoutALayerAreKept() {
        QJsonArray records = profileRecords();
        const QJsonObject extra{{"name", "Reformatting CopyNode for Output Tensor 0 to copied_squeeze"},
                                {"timeMs", 6.61}, {"averageMs", 0.001}, {"medianMs", 0.001}, {"percentage", 0.2}};
        records.insert(3, extra);
        const QString graph = m_dir.filePath("newer.graph.json");
        QVERIFY(QFile::copy(kGraph, graph));
        QVERIFY(writeAll(m_dir.filePath("newer.profile.json"), QJsonDocument(records).toJson()));
        MainWindow window;
        QVERIFY(kiln::testing::openAndWait(window, graph));
        const kiln::views::ProfileResult& profile = window.profileView()->profile();
        QCOMPARE(int(profile.layers.size()), records.size() - 1);
        double total = 0.0;
        for (int i = 1; i < records.size(); ++i) total += records.at(i).toObject().value("averageMs").toDouble();
        QVERIFY(qAbs(kiln::views::totalLayerMilliseconds(profile.layers) - total) < 1e-9);
        const auto copy = std::find_if(profile.layers.begin(), profile.layers.end(), [&](const kiln::views::LayerProfile& p) {
            return p.name == extra.value("name").toString();
        });
        QVERIFY(copy != profile.layers.end());
        QCOMPARE(copy->milliseconds, 0.001);
        QCOMPARE(copy->type, QStringLiteral("Unknown"));
        QCOMPARE(window.graphView()->afterView()->nodeNames().size(), graphLayers().size());
    }

    void malformedFilesShowWhatIsWrong_data() {
        QTest::addColumn<QByteArray>("graph");
        QTest::addColumn<QByteArray>("profile");  // written beside the graph when not empty
        QTest::addColumn<QString>("expected");
        QTest::newRow("not JSON") << QByteArray(R"({"Layers": [{"Name": "a")") << QByteArray() << "is not JSON";
        QTest::newRow("no layers") << QByteArray(R"({"Bindings": ["input"]})") << QByteArray() << "has no \"Layers\" list";
        QTest::newRow("layer without a name") << QByteArray(R"({"Layers": [{"LayerType": "Reformat"}]})") << QByteArray()
                                              << "layer 0 of the engine graph is neither a name nor an object";
        QTest::newRow("inputs not a list") << QByteArray(R"({"Layers": [{"Name": "conv", "Inputs": 7}]})") << QByteArray()
                                           << "\"Inputs\" is not a list of tensors";
        QTest::newRow("profile not a list") << QByteArray(R"({"Layers": ["conv"]})") << QByteArray(R"({"count": 10})")
                                            << "the profile is not a list of layer records";
    }

    void malformedFilesShowWhatIsWrong() {
        QFETCH(QByteArray, graph);
        QFETCH(QByteArray, profile);
        QFETCH(QString, expected);
        const QString name = QStringLiteral("bad_%1.graph.json").arg(QTest::currentDataTag()).replace(' ', '_');
        const QString path = m_dir.filePath(name);
        QVERIFY(writeAll(path, graph));
        if (!profile.isEmpty()) {
            QVERIFY(writeAll(QString(path).replace(".graph.json", ".profile.json"), profile));
        }
        MainWindow window;
        QVERIFY(kiln::testing::openAndWait(window, kiln::testing::sampleModelPath()));
        kiln::testing::MessageBoxAnswerer answerer;
        QSignalSpy failed(window.document(), &kiln::workbench::Document::failed);
        window.openFile(path);
        QVERIFY(kiln::testing::waitForSignal(failed, kiln::testing::kLoadTimeoutMs));
        QTRY_COMPARE(answerer.answered, 1);
        QCOMPARE(answerer.objectName, QStringLiteral("loadErrorBox"));
        QCOMPARE(answerer.title, QStringLiteral("Could not read the TensorRT engine"));
        QVERIFY2(answerer.text.contains(name), qPrintable(answerer.text));
        QVERIFY2(answerer.informativeText.contains(expected), qPrintable(answerer.informativeText));
        QVERIFY(answerer.informativeText.contains("--exportLayerInfo"));
        QVERIFY2(answerer.informativeText.contains("kiln_sample.onnx is still open"), qPrintable(answerer.informativeText));
        // What was open stays shown.
        QVERIFY(!window.document()->tensorRtEngine());
        QVERIFY(window.document()->network());
        QVERIFY(window.findChild<QAction*>("buildAction")->isEnabled());
    }

private:
    static QStringList hintIds(MainWindow& window) {
        auto* list = window.lintView()->findChild<QTreeWidget*>("lintList");
        QStringList ids;
        for (int row = 0; list && row < list->topLevelItemCount(); ++row)
            ids << list->topLevelItem(row)->data(kiln::views::LintView::SeverityColumn, Qt::UserRole).toString();
        return ids;
    }

    // The hints this engine deserves, from the files: its Reformat layers take a warning's share of the
    // time, and its first convolution runs INT8 on 3 input channels, no multiple of 8. No other layer is
    // named by any hint.
    void checkLint(MainWindow& window) {
        const QJsonArray layers = graphLayers();
        QMap<QString, double> times;
        double total = 0.0;
        for (const QJsonValue& value : profileRecords()) {
            const QJsonObject record = value.toObject();
            if (!record.contains("name")) continue;
            times.insert(record.value("name").toString(), record.value("averageMs").toDouble());
            total += record.value("averageMs").toDouble();
        }
        QStringList reformats;
        QStringList unaligned;
        double reformatMs = 0.0;
        for (const QJsonValue& value : layers) {
            const QJsonObject layer = value.toObject();
            const QString name = layer.value("Name").toString();
            if (layer.value("LayerType").toString() == "Reformat") {
                reformats << name;
                reformatMs += times.value(name);
            }
            if (layer.value("ParameterType").toString() != "Convolution" || layer.value("Groups").toInt() != 1) continue;
            const int in = layer.value("Inputs").toArray().at(0).toObject().value("Dimensions").toArray().at(1).toInt();
            const int out = layer.value("Outputs").toArray().at(0).toObject().value("Dimensions").toArray().at(1).toInt();
            if (in % 8 != 0 || out % 8 != 0) unaligned << name;
        }
        QCOMPARE(unaligned, QStringList{kFirstConvolution});
        QVERIFY(reformatMs / total >= 0.15);

        auto* list = window.lintView()->findChild<QTreeWidget*>("lintList");
        QVERIFY(list);
        QCOMPARE(list->topLevelItemCount(), 2);
        QCOMPARE(hintIds(window), (QStringList{"reformat-time", "channel-padding"}));  // the warning first
        QCOMPARE(list->topLevelItem(0)->text(kiln::views::LintView::SeverityColumn), QStringLiteral("Warning"));
        QCOMPARE(list->topLevelItem(0)->text(kiln::views::LintView::LayersColumn), QString::number(reformats.size()));
        QVERIFY2(list->topLevelItem(0)->text(kiln::views::LintView::HintColumn)
                     .startsWith(QStringLiteral("%1 Reformat layers take %2 ms").arg(reformats.size()).arg(reformatMs, 0, 'f', 3)),
                 qPrintable(list->topLevelItem(0)->text(kiln::views::LintView::HintColumn)));
        QVERIFY2(list->topLevelItem(1)->text(kiln::views::LintView::HintColumn).contains(kFirstConvolution + " (3 -> 32)"),
                 qPrintable(list->topLevelItem(1)->text(kiln::views::LintView::HintColumn)));
        QCOMPARE(list->topLevelItem(1)->text(kiln::views::LintView::LayersColumn), QStringLiteral("1"));

        // Picking a hint selects its layers.
        list->setCurrentItem(list->topLevelItem(1));
        QCOMPARE(window.selectedLayer(), kFirstConvolution);
        list->setCurrentItem(list->topLevelItem(0));
        QVERIFY(reformats.contains(window.selectedLayer()));
        // What to do, in the words of an engine known by its records (no build report to consult).
        auto* advice = window.lintView()->findChild<QLabel*>("lintAdvice");
        QVERIFY(advice);
        QVERIFY2(advice->text().contains("input and output formats"), qPrintable(advice->text()));
        QCOMPARE(sorted(window.graphView()->afterView()->highlightedLayers()), sorted(reformats));
    }

    void saveScreenshots(MainWindow& window) {
        const QString folder = qEnvironmentVariable("KILN_SCREENSHOT_DIR");
        if (folder.isEmpty()) return;
        QDir().mkpath(folder);
        window.resize(1600, 1000);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.selectLayer(kFirstConvolution, true);
        window.graphView()->setColorMode(kiln::views::GraphView::ColorMode::Latency);
        if (auto* dock = qobject_cast<QDockWidget*>(window.propertiesPanel()->parentWidget())) dock->raise();
        if (auto* dock = window.findChild<QDockWidget*>("profileDock")) dock->raise();
        QVERIFY(kiln::testing::waitForLayouts(window));
        QTest::qWait(300);
        QVERIFY(window.grab().save(QDir(folder).filePath("tensorrt_engine.png")));

        auto* lintDock = window.findChild<QDockWidget*>("lintDock");
        QVERIFY(lintDock);
        lintDock->raise();
        auto* list = window.lintView()->findChild<QTreeWidget*>("lintList");
        list->setCurrentItem(list->topLevelItem(0));
        QTest::qWait(300);
        QVERIFY(lintDock->grab().save(QDir(folder).filePath("lint.png")));
    }

    QTemporaryDir m_dir;
    QString m_graphCopy;
};

QTEST_MAIN(TestWorkbenchTensorRt)
#include "tst_workbench_tensorrt.moc"

// Reading a real TensorRT engine's exports (../shared/testdata/tensorrt: a QAT MobileNet built by
// TensorRT 8.x; see the README there): every layer of the graph, the profile's times attached to their
// layers with totals that match the file, fields the reader does not know kept, and malformed files
// refused with what is wrong and where.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "tensorrt_engine.h"

using kiln::views::TensorRtEngine;

namespace {

const QString kFolder = QStringLiteral(KILN_SOURCE_DIR "/../shared/testdata/tensorrt");
const QString kGraph = kFolder + QStringLiteral("/mobilenet.qat.onnx.engine.graph.json");
const QString kProfile = kFolder + QStringLiteral("/mobilenet.qat.onnx.engine.profile.json");

QByteArray readAll(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

}  // namespace

class TestTensorRtEngine : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        if (!QFile::exists(kGraph)) QSKIP("the TensorRT test data (../shared/testdata/tensorrt) is not beside this checkout");
    }

    void readsEveryLayerAndAttachesTheProfile() {
        TensorRtEngine engine;
        QString error;
        QCOMPARE(kiln::views::tensorRtProfileBeside(kGraph), kProfile);
        QVERIFY2(kiln::views::readTensorRtEngine(kGraph, kProfile, engine, &error), qPrintable(error));

        // The file's own lists, read here independently of the reader.
        const QJsonArray layers = QJsonDocument::fromJson(readAll(kGraph)).object().value("Layers").toArray();
        const QJsonArray profile = QJsonDocument::fromJson(readAll(kProfile)).array();
        QCOMPARE(int(engine.layers.size()), layers.size());
        for (int i = 0; i < layers.size(); ++i) {
            QCOMPARE(QString::fromStdString(engine.layers[size_t(i)].name), layers[i].toObject().value("Name").toString());
            QCOMPARE(QString::fromStdString(engine.layers[size_t(i)].kind), layers[i].toObject().value("LayerType").toString());
        }
        QCOMPARE(engine.bindings, (QStringList{"input1", "1179"}));

        // The profile: its run count, each record attached to its layer or kept apart, the totals as summed
        // from the file.
        QCOMPARE(engine.profiledRuns, profile.at(0).toObject().value("count").toInt());
        QCOMPARE(int(engine.times.size() + engine.profileOnly.size()), profile.size() - 1);
        double total = 0.0;
        double percentages = 0.0;
        for (int i = 1; i < profile.size(); ++i) {
            total += profile[i].toObject().value("averageMs").toDouble();
            percentages += profile[i].toObject().value("percentage").toDouble();
        }
        QVERIFY(qAbs(engine.totalAverageMs - total) < 1e-9);
        QVERIFY(qAbs(percentages - 100.0) < 0.1);  // the file's own percentages add up to the whole
        for (const auto& time : engine.times) {
            const bool found = std::any_of(engine.layers.begin(), engine.layers.end(),
                                           [&](const kiln::LayerRecord& r) { return QString::fromStdString(r.name) == time.name; });
            QVERIFY2(found, qPrintable(time.name));
        }
        QCOMPARE(engine.times.front().name, QStringLiteral("QuantizeLinear_2"));
        QCOMPARE(engine.times.front().medianMs, 0.004544);

        // A fused depthwise convolution: its typed fields summarized, INT8 outputs, the model nodes it
        // came from, and every field kept.
        const auto depthwise = std::find_if(engine.layers.begin(), engine.layers.end(), [](const kiln::LayerRecord& r) {
            return r.name == "features.2.conv.1.0.weight + QuantizeLinear_73 + Conv_77 + PWN(Clip_81)";
        });
        QVERIFY(depthwise != engine.layers.end());
        QCOMPARE(depthwise->kind, std::string("CudaDepthwiseConvolution"));
        QCOMPARE(depthwise->precision, std::string("INT8"));
        QCOMPARE(depthwise->outputDims, (std::vector<std::string>{"1x96x56x56"}));
        QVERIFY2(QString::fromStdString(depthwise->parameters).contains("Kernel 3x3 Stride 2x2"), depthwise->parameters.c_str());
        QCOMPARE(depthwise->provenance,
                 (std::vector<std::string>{"features.2.conv.1.0.weight", "QuantizeLinear_73", "Conv_77", "Clip_81"}));
        const QVariantMap& fields = engine.fields[size_t(depthwise - engine.layers.begin())];
        QCOMPARE(fields.value("HasSparseWeights").toInt(), 0);
        QCOMPARE(fields.value("Weights").toMap().value("Count").toInt(), 864);
    }

    void malformedFilesAreRefusedWithWhatIsWrong() {
        const QByteArray graph = readAll(kGraph);
        const QByteArray profile = readAll(kProfile);
        struct Case {
            const char* what;
            QByteArray graph;
            QByteArray profile;
            QString expected;
        };
        QJsonObject nameless = QJsonDocument::fromJson(graph).object();
        QJsonArray layers = nameless.value("Layers").toArray();
        QJsonObject first = layers[3].toObject();
        first.remove("Name");
        layers[3] = first;
        nameless["Layers"] = layers;
        QJsonObject badInputs = QJsonDocument::fromJson(graph).object();
        layers = badInputs.value("Layers").toArray();
        first = layers[0].toObject();
        first["Inputs"] = QStringLiteral("input1");
        layers[0] = first;
        badInputs["Layers"] = layers;
        QJsonArray badTimes = QJsonDocument::fromJson(profile).array();
        QJsonObject record = badTimes[2].toObject();
        record["averageMs"] = QStringLiteral("fast");
        badTimes[2] = record;
        const Case cases[] = {
            {"truncated graph", graph.left(graph.size() / 2), {}, "not JSON"},
            {"no layers", QByteArray("{\"Bindings\": []}"), {}, "\"Layers\""},
            {"a layer without a name", QJsonDocument(nameless).toJson(), {}, "layer 3"},
            {"inputs that are no list", QJsonDocument(badInputs).toJson(), {}, "\"Inputs\""},
            {"a profile that is no list", graph, QByteArray("{\"count\": 3}"), "--exportProfile"},
            {"a time that is no number", graph, QJsonDocument(badTimes).toJson(), "\"averageMs\" is not a number"},
        };
        for (const Case& c : cases) {
            TensorRtEngine engine;
            QString error;
            QVERIFY2(!kiln::views::parseTensorRtEngine(c.graph, c.profile, engine, &error), c.what);
            QVERIFY2(error.contains(c.expected), qPrintable(QStringLiteral("%1: %2").arg(c.what, error)));
            QVERIFY(engine.layers.empty());
        }
        // A file that cannot be read names its path.
        TensorRtEngine engine;
        QString error;
        QVERIFY(!kiln::views::readTensorRtEngine(kFolder + "/missing.graph.json", {}, engine, &error));
        QVERIFY2(error.contains("missing.graph.json"), qPrintable(error));
    }
};

QTEST_MAIN(TestTensorRtEngine)
#include "tst_view_tensorrt_engine.moc"

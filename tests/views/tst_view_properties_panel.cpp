// Tests for PropertiesPanel and the weight statistics behind it: a convolution with weights chosen here
// shows the count, extremes, mean, deviation and histogram worked out by hand; every constant element
// type is summarized; build results appear with a record; a fused layer shows from its record; tensors
// show their role and users; a large constant is summarized off the GUI thread, and a selection that
// moves on drops the unfinished result.
#include <QGroupBox>
#include <QLabel>
#include <QSignalSpy>
#include <QTest>
#include <QTreeWidget>
#include <cmath>
#include <qcustomplot.h>

#include "kiln/network.h"
#include "kiln/plugin.h"
#include "properties_panel.h"
#include "weight_statistics.h"

using kiln::DataType;
using kiln::HostTensor;
using kiln::views::PropertiesPanel;
using kiln::views::WeightStatistics;

namespace {

// data [1,2,4,4] -> Convolution "conv" (w [3,2,1,1], b [3]) -> Activation "relu" -> relu_out.
// w = {-3, -1, 0, 1, 2, 7}, b = {0.5, 0.5, 0.5}.
std::shared_ptr<kiln::NetworkDefinition> convNetwork() {
    auto network = std::make_shared<kiln::NetworkDefinition>();
    kiln::Tensor* data = network->addInput("data", DataType::Float32, {1, 2, 4, 4}).value();
    HostTensor weights(DataType::Float32, {3, 2, 1, 1});
    const float values[] = {-3.0f, -1.0f, 0.0f, 1.0f, 2.0f, 7.0f};
    std::copy(std::begin(values), std::end(values), weights.data<float>());
    HostTensor bias(DataType::Float32, {3});
    std::fill(bias.data<float>(), bias.data<float>() + 3, 0.5f);
    kiln::Tensor* w = network->addConstant("w", std::move(weights)).value();
    kiln::Tensor* b = network->addConstant("b", std::move(bias)).value();
    kiln::ConvolutionParams conv;
    conv.strides = {1, 1};
    conv.pads = {0, 0, 0, 0};
    conv.dilations = {1, 1};
    kiln::Layer* layer = network->addLayer("conv", conv, {data, w, b}, {"conv_out"}).value();
    layer->setProvenance({"model/conv"});
    kiln::Layer* relu = network->addLayer("relu", kiln::ActivationParams{}, {layer->output(0)}, {"relu_out"}).value();
    if (!network->markOutput(relu->output(0)).isOk()) return nullptr;
    return network;
}

// x [1,2048] -> MatMul "fc" with w_big [2048,1024], w_big[i] = i % 10: above the synchronous limit.
std::shared_ptr<kiln::NetworkDefinition> largeMatMulNetwork() {
    auto network = std::make_shared<kiln::NetworkDefinition>();
    kiln::Tensor* x = network->addInput("x", DataType::Float32, {1, 2048}).value();
    HostTensor weights(DataType::Float32, {2048, 1024});
    float* values = weights.data<float>();
    for (int64_t i = 0; i < weights.elementCount(); ++i)
        values[i] = float(i % 10);
    kiln::Tensor* w = network->addConstant("w_big", std::move(weights)).value();
    kiln::Layer* fc = network->addLayer("fc", kiln::MatMulParams{}, {x, w}, {"y"}).value();
    if (!network->markOutput(fc->output(0)).isOk()) return nullptr;
    return network;
}

// A plugin that copies its input; only its key and fields matter here.
class CopyPlugin final : public kiln::Plugin {
public:
    std::string name() const override { return "Custom"; }
    std::string version() const override { return "3"; }
    std::string pluginNamespace() const override { return "com.example"; }
    kiln::PluginFields fields() const override {
        return {kiln::PluginField::ofFloat("alpha", 0.5f), kiln::PluginField::ofString("mode", "fast"),
                kiln::PluginField::ofInts("axes", {1, 2})};
    }
    int32_t outputCount() const override { return 1; }
    kiln::Result<std::vector<kiln::TensorDesc>> outputDescs(
        const std::vector<kiln::TensorDesc>& in) const override {
        return in;
    }
    kiln::Status enqueue(const kiln::PluginTensors&) const override { return kiln::Status::ok(); }
    std::vector<uint8_t> serialize() const override { return {}; }
    std::unique_ptr<kiln::Plugin> clone() const override { return std::make_unique<CopyPlugin>(); }
};

// x [2,3] -> plugin "custom" -> y
std::shared_ptr<kiln::NetworkDefinition> pluginNetwork() {
    auto network = std::make_shared<kiln::NetworkDefinition>();
    kiln::Tensor* x = network->addInput("x", DataType::Float32, {2, 3}).value();
    kiln::Layer* layer =
        network->addLayer("custom", kiln::PluginParams{std::make_shared<CopyPlugin>()}, {x}, {"y"}).value();
    if (!network->markOutput(layer->output(0)).isOk()) return nullptr;
    return network;
}

QString valueText(const QWidget& root, const QString& section, const char* field) {
    const auto* box = root.findChild<QGroupBox*>(section);
    if (!box) return QStringLiteral("(no section %1)").arg(section);
    const auto* label = box->findChild<QLabel*>(QString::fromLatin1(field));
    return label ? label->text() : QStringLiteral("(no field %1)").arg(QString::fromLatin1(field));
}

QString fieldText(const QWidget& root, const char* field) {
    const auto* label = root.findChild<QLabel*>(QString::fromLatin1(field));
    return label ? label->text() : QStringLiteral("(no field %1)").arg(QString::fromLatin1(field));
}

template <typename T>
HostTensor tensorOf(DataType type, const std::vector<T>& values) {
    HostTensor tensor(type, {int64_t(values.size())});
    std::copy(values.begin(), values.end(), tensor.data<T>());
    return tensor;
}

}  // namespace

class TestPropertiesPanel : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QLocale::setDefault(QLocale::c()); }

    void statisticsOfKnownWeights() {
        HostTensor weights = tensorOf<float>(DataType::Float32, {-3.0f, -1.0f, 0.0f, 1.0f, 2.0f, 7.0f});
        const WeightStatistics stats = kiln::views::computeWeightStatistics(weights, 32);
        QCOMPARE(stats.count, int64_t(6));
        QCOMPARE(stats.finiteCount, int64_t(6));
        QCOMPARE(stats.minimum, -3.0);
        QCOMPARE(stats.maximum, 7.0);
        QCOMPARE(stats.mean, 1.0);  // 6 / 6
        // Deviations -4, -2, -1, 0, 1, 6: squares add to 58, population variance 58 / 6.
        QVERIFY(std::abs(stats.standardDeviation - std::sqrt(58.0 / 6.0)) < 1e-12);
        QCOMPARE(stats.zeroCount, int64_t(1));
        // Range 10 in 32 bins of 0.3125: -3 -> 0, -1 -> 6.4, 0 -> 9.6, 1 -> 12.8, 2 -> 16, 7 -> last bin.
        QCOMPARE(stats.histogram.size(), size_t(32));
        std::vector<int64_t> expected(32, 0);
        for (int bin : {0, 6, 9, 12, 16, 31})
            expected[size_t(bin)] = 1;
        QCOMPARE(stats.histogram, expected);
    }

    void statisticsOfEveryElementType() {
        // Halves chosen to be exact in FP16: 0.5, -0.25, 2, 1 -> mean 3.25 / 4.
        std::vector<uint16_t> halves;
        for (float v : {0.5f, -0.25f, 2.0f, 1.0f})
            halves.push_back(kiln::floatToHalf(v));
        WeightStatistics stats = kiln::views::computeWeightStatistics(tensorOf<uint16_t>(DataType::Float16, halves));
        QCOMPARE(stats.count, int64_t(4));
        QCOMPARE(stats.minimum, -0.25);
        QCOMPARE(stats.maximum, 2.0);
        QCOMPARE(stats.mean, 0.8125);

        stats = kiln::views::computeWeightStatistics(tensorOf<int8_t>(DataType::Int8, {-128, 127, 0, 1}));
        QCOMPARE(stats.minimum, -128.0);
        QCOMPARE(stats.maximum, 127.0);
        QCOMPARE(stats.mean, 0.0);
        QCOMPARE(stats.zeroCount, int64_t(1));

        stats = kiln::views::computeWeightStatistics(tensorOf<int32_t>(DataType::Int32, {100000, -5, 8}));
        QCOMPARE(stats.minimum, -5.0);
        QCOMPARE(stats.maximum, 100000.0);
        QCOMPARE(stats.mean, 100003.0 / 3.0);

        // 2^40 and 0: mean 2^39, exact in a double.
        stats = kiln::views::computeWeightStatistics(
            tensorOf<int64_t>(DataType::Int64, {int64_t(1) << 40, 0}));
        QCOMPARE(stats.maximum, 1099511627776.0);
        QCOMPARE(stats.mean, 549755813888.0);
        QCOMPARE(stats.standardDeviation, 549755813888.0);

        // Equal values: one bin holds them all, deviation zero.
        stats = kiln::views::computeWeightStatistics(tensorOf<float>(DataType::Float32, {0.5f, 0.5f, 0.5f}));
        QCOMPARE(stats.histogram, std::vector<int64_t>{3});
        QCOMPARE(stats.standardDeviation, 0.0);
    }

    void nonFiniteValuesAreCountedApart() {
        const float nan = std::nanf("");
        const float inf = std::numeric_limits<float>::infinity();
        const WeightStatistics stats =
            kiln::views::computeWeightStatistics(tensorOf<float>(DataType::Float32, {1.0f, nan, 3.0f, inf}));
        QCOMPARE(stats.count, int64_t(4));
        QCOMPARE(stats.finiteCount, int64_t(2));
        QCOMPARE(stats.minimum, 1.0);
        QCOMPARE(stats.maximum, 3.0);
        QCOMPARE(stats.mean, 2.0);
        int64_t binned = 0;
        for (int64_t count : stats.histogram)
            binned += count;
        QCOMPARE(binned, int64_t(2));
        QCOMPARE(kiln::views::computeWeightStatistics(HostTensor()).finiteCount, int64_t(0));
    }

    void showsAConvolutionWithItsWeights() {
        PropertiesPanel panel;
        panel.showLayer(convNetwork(), QStringLiteral("conv"), nullptr);
        QCOMPARE(panel.currentTitle(), QStringLiteral("conv (Convolution)"));
        QCOMPARE(fieldText(panel, "typeValue"), QStringLiteral("Convolution"));
        QCOMPARE(fieldText(panel, "attributesValue"),
                 QStringLiteral("kernel 1x1 stride 1x1 pads 0,0,0,0 dilation 1x1 groups 1"));
        QCOMPARE(fieldText(panel, "provenanceValue"), QStringLiteral("model/conv"));
        // No record: nothing about the build.
        QVERIFY(!panel.findChild<QGroupBox*>(QStringLiteral("buildSection")));

        auto* inputs = panel.findChild<QTreeWidget*>(QStringLiteral("inputsTable"));
        QVERIFY(inputs);
        QCOMPARE(inputs->topLevelItemCount(), 3);
        const QStringList data = {"data", "1x2x4x4", "FP32", "network input"};
        const QStringList weights = {"w", "3x2x1x1", "FP32", "constant"};
        for (int column = 0; column < 4; ++column) {
            QCOMPARE(inputs->topLevelItem(0)->text(column), data[column]);
            QCOMPARE(inputs->topLevelItem(1)->text(column), weights[column]);
        }
        auto* outputs = panel.findChild<QTreeWidget*>(QStringLiteral("outputsTable"));
        QCOMPARE(outputs->topLevelItemCount(), 1);
        QCOMPARE(outputs->topLevelItem(0)->text(0), QStringLiteral("conv_out"));
        QCOMPARE(outputs->topLevelItem(0)->text(1), QStringLiteral("1x3x4x4"));  // 3 filters, 1x1 kernel

        // w = {-3, -1, 0, 1, 2, 7}: worked out in statisticsOfKnownWeights.
        const QString section = QStringLiteral("weights:w");
        QCOMPARE(valueText(panel, section, "countValue"), QStringLiteral("6"));
        QCOMPARE(valueText(panel, section, "minimumValue"), QStringLiteral("-3"));
        QCOMPARE(valueText(panel, section, "maximumValue"), QStringLiteral("7"));
        QCOMPARE(valueText(panel, section, "meanValue"), QStringLiteral("1"));
        // sqrt(58 / 6) = 3.10912..., shown with six significant digits.
        QCOMPARE(valueText(panel, section, "deviationValue"), QStringLiteral("3.10913"));
        QCOMPARE(valueText(panel, section, "zerosValue"), QStringLiteral("1 (16.7 %)"));
        QCOMPARE(valueText(panel, QStringLiteral("weights:b"), "countValue"), QStringLiteral("3"));
        QCOMPARE(valueText(panel, QStringLiteral("weights:b"), "meanValue"), QStringLiteral("0.5"));

        // The histogram holds all six values in the bins worked out by hand.
        auto* box = panel.findChild<QGroupBox*>(section);
        auto* plot = box->findChild<QCustomPlot*>(QStringLiteral("histogram"));
        QVERIFY(plot);
        auto* bars = qobject_cast<QCPBars*>(plot->plottable(0));
        QVERIFY(bars);
        QCOMPARE(bars->dataCount(), 32);
        double total = 0.0;
        for (int i = 0; i < bars->dataCount(); ++i)
            total += bars->dataMainValue(i);
        QCOMPARE(total, 6.0);
        QCOMPARE(bars->dataMainValue(31), 1.0);
        QCOMPARE(bars->dataMainValue(30), 0.0);
        QVERIFY(panel.weightStatistics(QStringLiteral("w")).has_value());
        QCOMPARE(panel.weightStatistics(QStringLiteral("w"))->maximum, 7.0);
    }

    void showsIntegerConstantsAsIntegers() {
        auto network = std::make_shared<kiln::NetworkDefinition>();
        QVERIFY(network->addConstant("c", tensorOf<int8_t>(DataType::Int8, {-128, 127, 0, 1})).isOk());
        PropertiesPanel panel;
        panel.showTensor(network, QStringLiteral("c"));
        QCOMPARE(fieldText(panel, "typeValue"), QStringLiteral("INT8"));
        QCOMPARE(valueText(panel, QStringLiteral("weights:c"), "minimumValue"), QStringLiteral("-128"));
        QCOMPARE(valueText(panel, QStringLiteral("weights:c"), "maximumValue"), QStringLiteral("127"));
        QCOMPARE(valueText(panel, QStringLiteral("weights:c"), "meanValue"), QStringLiteral("0"));
    }

    void showsWhatTheBuildDecided() {
        kiln::LayerRecord record;
        record.name = "conv";
        record.kind = "Convolution";
        record.provenance = {"model/conv", "model/bn"};
        record.precision = "FP16";
        record.tactic = "onednn:jit:avx512_core";
        record.outputFormats = {"NCHW16c"};
        record.candidates = {{"onednn:jit:avx512_core", "oneDNN", 0.1, "", true},
                             {"kiln:reference", "Kiln", 0.9, "", false},
                             {"onednn:winograd", "oneDNN", -1, "needs a 3x3 kernel", false}};
        record.timingFromCache = true;
        PropertiesPanel panel;
        panel.showLayer(convNetwork(), QStringLiteral("conv"), &record);
        QVERIFY(panel.findChild<QGroupBox*>(QStringLiteral("buildSection")));
        QCOMPARE(fieldText(panel, "precisionValue"), QStringLiteral("FP16"));
        QCOMPARE(fieldText(panel, "tacticValue"), QStringLiteral("onednn:jit:avx512_core"));
        QCOMPARE(fieldText(panel, "formatsValue"), QStringLiteral("NCHW16c"));
        QCOMPARE(fieldText(panel, "candidatesValue"),
                 QStringLiteral("3 considered, 2 timed; times from the timing cache"));
        // Provenance after fusion comes from the record: the original layers it stands for.
        QCOMPARE(fieldText(panel, "provenanceValue"), QStringLiteral("model/conv, model/bn"));

        // Times another layer of the same build was measured with are named as such.
        record.timingReused = true;
        PropertiesPanel reused;
        reused.showLayer(convNetwork(), QStringLiteral("conv"), &record);
        QCOMPARE(fieldText(reused, "candidatesValue"),
                 QStringLiteral("3 considered, 2 timed; times of an identical layer of this build"));

        // Times measured on part of a large batch say on how many images.
        record.timingReused = false;
        record.timingFromCache = false;
        record.timingBatch = 8;
        PropertiesPanel partial;
        partial.showLayer(convNetwork(), QStringLiteral("conv"), &record);
        QCOMPARE(fieldText(partial, "candidatesValue"),
                 QStringLiteral("3 considered, 2 timed; timed during the build, on 8 images of the batch"));
    }

    void showsAFusedLayerFromItsRecord() {
        kiln::LayerRecord record;
        record.name = "conv + relu";
        record.kind = "Convolution";
        record.parameters = "kernel 1x1 stride 1x1 pads 0,0,0,0 dilation 1x1 groups 1 + relu";
        record.provenance = {"conv", "relu"};
        record.inputs = {"data", "w", "b"};
        record.outputs = {"relu_out"};
        record.outputDims = {"1x3x4x4"};
        record.precision = "FP32";
        record.tactic = "kiln:reference";
        PropertiesPanel panel;
        panel.showLayer(convNetwork(), QStringLiteral("conv + relu"), &record);
        QCOMPARE(panel.currentTitle(), QStringLiteral("conv + relu (Convolution)"));
        QCOMPARE(fieldText(panel, "attributesValue"), QString::fromStdString(record.parameters));
        QCOMPARE(fieldText(panel, "provenanceValue"), QStringLiteral("conv, relu"));
        // Its weights are tensors the network knows, so they are summarized.
        QCOMPARE(valueText(panel, QStringLiteral("weights:w"), "maximumValue"), QStringLiteral("7"));
        auto* outputs = panel.findChild<QTreeWidget*>(QStringLiteral("outputsTable"));
        QCOMPARE(outputs->topLevelItem(0)->text(1), QStringLiteral("1x3x4x4"));
    }

    void showsAPluginLayersKeyAndFields() {
        PropertiesPanel panel;
        panel.showLayer(pluginNetwork(), QStringLiteral("custom"), nullptr);
        QCOMPARE(valueText(panel, "layerSection", "typeValue"), QStringLiteral("Plugin"));
        QCOMPARE(valueText(panel, "pluginSection", "pluginNameValue"), QStringLiteral("Custom"));
        QCOMPARE(valueText(panel, "pluginSection", "pluginVersionValue"), QStringLiteral("3"));
        QCOMPARE(valueText(panel, "pluginSection", "pluginNamespaceValue"), QStringLiteral("com.example"));
        QCOMPARE(valueText(panel, "pluginSection", "pluginField_alpha"), QStringLiteral("0.5"));
        QCOMPARE(valueText(panel, "pluginSection", "pluginField_mode"), QStringLiteral("\"fast\""));
        QCOMPARE(valueText(panel, "pluginSection", "pluginField_axes"), QStringLiteral("[1,2]"));

        // Another kind of layer has no plugin section.
        panel.showLayer(convNetwork(), QStringLiteral("conv"), nullptr);
        QVERIFY(!panel.findChild<QGroupBox*>("pluginSection"));
    }

    void showsATensor() {
        PropertiesPanel panel;
        panel.showTensor(convNetwork(), QStringLiteral("w"));
        QCOMPARE(panel.currentTitle(), QStringLiteral("w (Tensor)"));
        QCOMPARE(fieldText(panel, "shapeValue"), QStringLiteral("3x2x1x1"));
        QCOMPARE(fieldText(panel, "roleValue"), QStringLiteral("constant"));
        QCOMPARE(fieldText(panel, "consumersValue"), QStringLiteral("conv"));
        QCOMPARE(fieldText(panel, "producerValue"), QStringLiteral("none"));
        QCOMPARE(fieldText(panel, "sizeValue"), QStringLiteral("6 elements, 24 bytes"));
        QCOMPARE(valueText(panel, QStringLiteral("weights:w"), "minimumValue"), QStringLiteral("-3"));

        panel.showTensor(convNetwork(), QStringLiteral("conv_out"));
        QCOMPARE(fieldText(panel, "roleValue"), QStringLiteral("activation"));
        QCOMPARE(fieldText(panel, "producerValue"), QStringLiteral("conv"));
        QCOMPARE(fieldText(panel, "consumersValue"), QStringLiteral("relu"));
        QVERIFY(!panel.findChild<QGroupBox*>(QStringLiteral("weights:w")));
    }

    void unknownNamesAndClear() {
        PropertiesPanel panel;
        panel.showLayer(convNetwork(), QStringLiteral("missing"), nullptr);
        QCOMPARE(panel.currentTitle(), QStringLiteral("missing"));
        QVERIFY(fieldText(panel, "note").contains(QStringLiteral("missing")));
        panel.showTensor(nullptr, QStringLiteral("t"));
        QVERIFY(fieldText(panel, "note").contains(QStringLiteral("\"t\"")));
        panel.clear();
        QVERIFY(panel.currentTitle().isEmpty());
        QVERIFY(!panel.findChild<QGroupBox*>(QStringLiteral("layerSection")));
    }

    void largeWeightsAreSummarizedInTheBackground() {
        PropertiesPanel panel;
        QSignalSpy ready(&panel, &PropertiesPanel::statisticsReady);
        panel.showLayer(largeMatMulNetwork(), QStringLiteral("fc"), nullptr);
        // Shown at once, statistics pending: the GUI thread did not compute them.
        QCOMPARE(panel.currentTitle(), QStringLiteral("fc (MatMul)"));
        QVERIFY(panel.findChild<QLabel*>(QStringLiteral("pendingValue")));
        QVERIFY(!panel.weightStatistics(QStringLiteral("w_big")).has_value());
        QVERIFY(ready.wait(10000));
        QCOMPARE(ready.count(), 1);
        QVERIFY(!panel.isComputingStatistics());
        QVERIFY(!panel.findChild<QLabel*>(QStringLiteral("pendingValue")));
        // 2^21 values i % 10: 209715 full cycles (sum 45 each) and the values 0 and 1 left over.
        const QString section = QStringLiteral("weights:w_big");
        QCOMPARE(valueText(panel, section, "countValue"), QStringLiteral("2097152"));
        QCOMPARE(valueText(panel, section, "minimumValue"), QStringLiteral("0"));
        QCOMPARE(valueText(panel, section, "maximumValue"), QStringLiteral("9"));
        const double mean = (209715.0 * 45.0 + 1.0) / 2097152.0;
        QCOMPARE(panel.weightStatistics(QStringLiteral("w_big"))->mean, mean);
        QCOMPARE(valueText(panel, section, "meanValue"), QString::number(mean, 'g', 6));
    }

    void movingOnDropsUnfinishedStatistics() {
        PropertiesPanel panel;
        QSignalSpy ready(&panel, &PropertiesPanel::statisticsReady);
        panel.showLayer(largeMatMulNetwork(), QStringLiteral("fc"), nullptr);
        panel.showLayer(convNetwork(), QStringLiteral("conv"), nullptr);
        QVERIFY(!ready.wait(1500));
        QCOMPARE(panel.currentTitle(), QStringLiteral("conv (Convolution)"));
        QVERIFY(!panel.weightStatistics(QStringLiteral("w_big")).has_value());
        QVERIFY(!panel.findChild<QGroupBox*>(QStringLiteral("weights:w_big")));
        // Destroying the panel while a job runs waits for it instead of leaving it to write freed memory.
        auto other = std::make_unique<PropertiesPanel>();
        other->showLayer(largeMatMulNetwork(), QStringLiteral("fc"), nullptr);
        other.reset();
    }
};

QTEST_MAIN(TestPropertiesPanel)
#include "tst_view_properties_panel.moc"

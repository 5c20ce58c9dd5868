// Tests for LayerTableModel: the cells it shows for a network built by hand or for layer records alone,
// numeric sorting through a proxy, and resetting to another network or none.
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

#include "kiln/network.h"
#include "layer_table_model.h"
#include "table_roles.h"

using kiln::views::LayerTableModel;

namespace {

// data [1,3,8,8] -> Convolution "conv" (weights w [4,3,3,3], pads 1) -> Activation "relu" -> output.
std::shared_ptr<kiln::NetworkDefinition> convReluNetwork() {
    auto network = std::make_shared<kiln::NetworkDefinition>();
    kiln::Tensor* data = network->addInput("data", kiln::DataType::Float32, {1, 3, 8, 8}).value();
    kiln::Tensor* weights =
        network->addConstant("w", kiln::HostTensor(kiln::DataType::Float32, {4, 3, 3, 3})).value();
    kiln::ConvolutionParams conv;
    conv.strides = {1, 1};
    conv.pads = {1, 1, 1, 1};
    conv.dilations = {1, 1};
    kiln::Layer* convLayer = network->addLayer("conv", conv, {data, weights, nullptr}, {"conv_out"}).value();
    convLayer->setProvenance({"model/conv_node"});
    kiln::Layer* relu =
        network->addLayer("relu", kiln::ActivationParams{}, {convLayer->output(0)}, {"relu_out"}).value();
    if (!network->markOutput(relu->output(0)).isOk()) return nullptr;
    return network;
}

// A chain of `count` ReLU layers named relu0, relu1, ...
std::shared_ptr<kiln::NetworkDefinition> reluChain(int count) {
    auto network = std::make_shared<kiln::NetworkDefinition>();
    kiln::Tensor* tensor = network->addInput("x", kiln::DataType::Float32, {2, 2}).value();
    for (int i = 0; i < count; ++i) {
        const std::string name = "relu" + std::to_string(i);
        tensor =
            network->addLayer(name, kiln::ActivationParams{}, {tensor}, {name + "_out"}).value()->output(0);
    }
    if (!network->markOutput(tensor).isOk()) return nullptr;
    return network;
}

QString cell(const QAbstractItemModel& model, int row, int column, int role = Qt::DisplayRole) {
    return model.data(model.index(row, column), role).toString();
}

}  // namespace

class TestLayerTableModel : public QObject {
    Q_OBJECT

private slots:
    void emptyWithoutNetwork() {
        LayerTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.columnCount(), 7);
        QCOMPARE(model.layerAt(0), nullptr);
    }

    void showsEveryColumn() {
        LayerTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setNetwork(convReluNetwork());
        QCOMPARE(model.rowCount(), 2);

        QCOMPARE(cell(model, 0, LayerTableModel::IndexColumn), QStringLiteral("0"));
        QCOMPARE(cell(model, 0, LayerTableModel::NameColumn), QStringLiteral("conv"));
        QCOMPARE(cell(model, 0, LayerTableModel::KindColumn), QStringLiteral("Convolution"));
        QCOMPARE(cell(model, 1, LayerTableModel::KindColumn), QStringLiteral("Activation"));
        // The omitted bias keeps its slot, so the user sees it is absent rather than a shifted list.
        QCOMPARE(cell(model, 0, LayerTableModel::InputsColumn), QStringLiteral("data, w, —"));
        QCOMPARE(cell(model, 0, LayerTableModel::OutputsColumn), QStringLiteral("conv_out"));
        // 8 + 2 * 1 - 3 + 1 = 8 per spatial axis, 4 filters.
        QCOMPARE(cell(model, 0, LayerTableModel::OutputShapeColumn), QStringLiteral("1x4x8x8"));
        QCOMPARE(cell(model, 1, LayerTableModel::OutputShapeColumn), QStringLiteral("1x4x8x8"));
        QCOMPARE(cell(model, 0, LayerTableModel::ParamsColumn),
                 QStringLiteral("kernel 3x3 stride 1x1 pads 1,1,1,1 dilation 1x1 groups 1"));
        QVERIFY(cell(model, 0, LayerTableModel::NameColumn, Qt::ToolTipRole).contains("model/conv_node"));
    }

    void headersAreNamed() {
        LayerTableModel model;
        const QStringList expected = {"#", "Name", "Kind", "Parameters", "Inputs", "Outputs", "Output shape"};
        for (int column = 0; column < expected.size(); ++column) {
            QCOMPARE(model.headerData(column, Qt::Horizontal).toString(), expected[column]);
        }
    }

    void sortsIndexAsNumber() {
        LayerTableModel model;
        model.setNetwork(reluChain(12));
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(kiln::views::SortRole);
        proxy.sort(LayerTableModel::IndexColumn, Qt::AscendingOrder);
        // Sorted as text, "10" and "11" would come right after "1".
        for (int row = 0; row < 12; ++row) {
            QCOMPARE(cell(proxy, row, LayerTableModel::NameColumn), QStringLiteral("relu%1").arg(row));
        }
        proxy.sort(LayerTableModel::IndexColumn, Qt::DescendingOrder);
        QCOMPARE(cell(proxy, 0, LayerTableModel::NameColumn), QStringLiteral("relu11"));
    }

    void resetsOnNewNetwork() {
        LayerTableModel model;
        model.setNetwork(convReluNetwork());
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        model.setNetwork(reluChain(5));
        QCOMPARE(resets.count(), 1);
        QCOMPARE(model.rowCount(), 5);
        model.setNetwork(nullptr);
        QCOMPARE(resets.count(), 2);
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.data(model.index(0, 0)).isValid());
    }

    // An engine known by its records alone (one TensorRT built): the same columns from the records.
    void showsLayerRecords() {
        kiln::LayerRecord conv;
        conv.name = "conv + relu";
        conv.kind = "CaskConvolution";
        conv.parameters = "Kernel 3x3 Stride 2x2";
        conv.provenance = {"conv", "relu"};
        conv.inputs = {"data"};
        conv.outputs = {"t1", "t2"};
        conv.outputDims = {"1x32x112x112", "1x32x1x1"};
        kiln::LayerRecord pool;
        pool.name = "pool";
        pool.kind = "TiledPooling";
        pool.inputs = {"t1"};
        pool.outputs = {"t3"};

        LayerTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setNetwork(convReluNetwork());
        model.setRecords({conv, pool});
        QVERIFY(!model.network());
        QCOMPARE(model.rowCount(), 2);
        QVERIFY(!model.layerAt(0));
        QCOMPARE(model.nameAt(0), QStringLiteral("conv + relu"));
        QCOMPARE(model.nameAt(1), QStringLiteral("pool"));
        QVERIFY(model.nameAt(2).isEmpty());
        QCOMPARE(cell(model, 0, LayerTableModel::KindColumn), QStringLiteral("CaskConvolution"));
        QCOMPARE(cell(model, 0, LayerTableModel::ParamsColumn), QStringLiteral("Kernel 3x3 Stride 2x2"));
        QCOMPARE(cell(model, 0, LayerTableModel::InputsColumn), QStringLiteral("data"));
        QCOMPARE(cell(model, 0, LayerTableModel::OutputsColumn), QStringLiteral("t1, t2"));
        QCOMPARE(cell(model, 0, LayerTableModel::OutputShapeColumn), QStringLiteral("1x32x112x112; 1x32x1x1"));
        QCOMPARE(model.data(model.index(0, LayerTableModel::NameColumn), Qt::ToolTipRole).toString(),
                 QStringLiteral("From model nodes: conv, relu"));
        // A network again replaces the records.
        model.setNetwork(reluChain(3));
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.nameAt(2), QStringLiteral("relu2"));
    }
};

QTEST_GUILESS_MAIN(TestLayerTableModel)
#include "tst_layer_table_model.moc"

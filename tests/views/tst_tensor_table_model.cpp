// Tests for TensorTableModel: roles, types, shapes and element counts of a network built by hand, and
// numeric sorting of element counts through a proxy.
#include <QAbstractItemModelTester>
#include <QSortFilterProxyModel>
#include <QTest>

#include "kiln/network.h"
#include "table_roles.h"
#include "tensor_table_model.h"

using kiln::views::TensorTableModel;

namespace {

// data [1,3,8,8] + bias constant [1,3,1,1] -> Elementwise Add "add" -> Activation "relu" -> output.
// Tensors in creation order: data, bias, add_out, relu_out.
std::shared_ptr<kiln::NetworkDefinition> addReluNetwork() {
    auto network = std::make_shared<kiln::NetworkDefinition>();
    kiln::Tensor* data = network->addInput("data", kiln::DataType::Float32, {1, 3, 8, 8}).value();
    kiln::Tensor* bias =
        network->addConstant("bias", kiln::HostTensor(kiln::DataType::Float32, {1, 3, 1, 1})).value();
    kiln::Layer* add = network->addLayer("add", kiln::ElementwiseParams{}, {data, bias}, {"add_out"}).value();
    kiln::Layer* relu =
        network->addLayer("relu", kiln::ActivationParams{}, {add->output(0)}, {"relu_out"}).value();
    if (!network->markOutput(relu->output(0)).isOk()) return nullptr;
    return network;
}

QString cell(const QAbstractItemModel& model, int row, int column) {
    return model.data(model.index(row, column)).toString();
}

int rowOf(const QAbstractItemModel& model, const QString& name) {
    for (int row = 0; row < model.rowCount(); ++row) {
        if (cell(model, row, TensorTableModel::NameColumn) == name) return row;
    }
    return -1;
}

}  // namespace

class TestTensorTableModel : public QObject {
    Q_OBJECT

private slots:
    void showsEveryTensor() {
        TensorTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        auto network = addReluNetwork();
        QVERIFY(network);
        model.setNetwork(network);
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(model.columnCount(), 5);

        struct Expected {
            const char* name;
            const char* role;
            const char* dims;
            qlonglong elements;
        };
        const Expected expected[] = {
            {"data", "input", "1x3x8x8", 192},
            {"bias", "constant", "1x3x1x1", 3},
            {"add_out", "activation", "1x3x8x8", 192},
            {"relu_out", "output", "1x3x8x8", 192},
        };
        for (const Expected& e : expected) {
            const int row = rowOf(model, e.name);
            QVERIFY2(row >= 0, e.name);
            QCOMPARE(cell(model, row, TensorTableModel::RoleColumn), QString::fromUtf8(e.role));
            QCOMPARE(cell(model, row, TensorTableModel::TypeColumn), QStringLiteral("FP32"));
            QCOMPARE(cell(model, row, TensorTableModel::DimsColumn), QString::fromUtf8(e.dims));
            QCOMPARE(model.data(model.index(row, TensorTableModel::ElementCountColumn), kiln::views::SortRole)
                         .toLongLong(),
                     e.elements);
        }
    }

    void headersAreNamed() {
        TensorTableModel model;
        const QStringList expected = {"Name", "Role", "Type", "Dimensions", "Elements"};
        for (int column = 0; column < expected.size(); ++column) {
            QCOMPARE(model.headerData(column, Qt::Horizontal).toString(), expected[column]);
        }
    }

    void sortsElementCountAsNumber() {
        TensorTableModel model;
        model.setNetwork(addReluNetwork());
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(kiln::views::SortRole);
        proxy.sort(TensorTableModel::ElementCountColumn, Qt::AscendingOrder);
        // As text "192" sorts before "3"; as numbers the 3-element bias comes first.
        QCOMPARE(cell(proxy, 0, TensorTableModel::NameColumn), QStringLiteral("bias"));
    }

    void emptyAfterClearing() {
        TensorTableModel model;
        model.setNetwork(addReluNetwork());
        model.setNetwork(nullptr);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.tensorAt(0), nullptr);
    }
};

QTEST_GUILESS_MAIN(TestTensorTableModel)
#include "tst_tensor_table_model.moc"

// Formats each tensor of a NetworkDefinition into table cells; see tensor_table_model.h.
#include "tensor_table_model.h"

#include <QLocale>

#include "table_roles.h"

namespace kiln::views {

TensorTableModel::TensorRole TensorTableModel::roleOf(const Tensor& tensor) {
    if (tensor.isNetworkOutput()) return TensorRole::Output;
    if (tensor.isNetworkInput()) return TensorRole::Input;
    if (tensor.isConstant()) return TensorRole::Constant;
    return TensorRole::Activation;
}

QString TensorTableModel::roleName(TensorRole role) {
    switch (role) {
        case TensorRole::Input:
            return tr("input");
        case TensorRole::Output:
            return tr("output");
        case TensorRole::Constant:
            return tr("constant");
        case TensorRole::Activation:
            return tr("activation");
    }
    return {};
}

TensorTableModel::TensorTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void TensorTableModel::setNetwork(std::shared_ptr<const NetworkDefinition> network) {
    beginResetModel();
    m_network = std::move(network);
    endResetModel();
}

const Tensor* TensorTableModel::tensorAt(int row) const {
    if (!m_network || row < 0 || static_cast<size_t>(row) >= m_network->tensors().size()) return nullptr;
    return m_network->tensors()[static_cast<size_t>(row)].get();
}

int TensorTableModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid() || !m_network) return 0;
    return static_cast<int>(m_network->tensors().size());
}

int TensorTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TensorTableModel::data(const QModelIndex& index, int role) const {
    const Tensor* tensor = tensorAt(index.row());
    if (!tensor) return {};
    const int column = index.column();
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole || role == SortRole) {
        switch (column) {
            case NameColumn:
                return QString::fromStdString(tensor->name());
            case RoleColumn:
                return roleName(roleOf(*tensor));
            case TypeColumn:
                return QString::fromUtf8(toString(tensor->type()));
            case DimsColumn:
                return QString::fromStdString(toString(tensor->dims()));
            case ElementCountColumn:
                if (role == SortRole) return static_cast<qlonglong>(volume(tensor->dims()));
                return QLocale().toString(static_cast<qlonglong>(volume(tensor->dims())));
            default:
                return {};
        }
    }
    if (role == Qt::TextAlignmentRole && column == ElementCountColumn) {
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    }
    return {};
}

QVariant TensorTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    switch (section) {
        case NameColumn:
            return tr("Name");
        case RoleColumn:
            return tr("Role");
        case TypeColumn:
            return tr("Type");
        case DimsColumn:
            return tr("Dimensions");
        case ElementCountColumn:
            return tr("Elements");
        default:
            return {};
    }
}

}  // namespace kiln::views

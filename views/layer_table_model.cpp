// Formats each layer of a NetworkDefinition into table cells; see layer_table_model.h.
#include "layer_table_model.h"

#include <QStringList>

#include "table_roles.h"

namespace kiln::views {

namespace {

// Optional inputs a layer does not use are null entries; they keep their slot so that positions match
// the layer kind's documented input order.
QString tensorNames(const std::vector<Tensor*>& tensors) {
    QStringList names;
    for (const Tensor* tensor : tensors) {
        names << (tensor ? QString::fromStdString(tensor->name()) : QStringLiteral("—"));
    }
    return names.join(QStringLiteral(", "));
}

QString outputShapes(const Layer& layer) {
    QStringList shapes;
    for (const Tensor* tensor : layer.outputs()) {
        shapes << QString::fromStdString(toString(tensor->dims()));
    }
    return shapes.join(QStringLiteral("; "));
}

}  // namespace

LayerTableModel::LayerTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void LayerTableModel::setNetwork(std::shared_ptr<const NetworkDefinition> network) {
    beginResetModel();
    m_network = std::move(network);
    endResetModel();
}

const Layer* LayerTableModel::layerAt(int row) const {
    if (!m_network || row < 0 || static_cast<size_t>(row) >= m_network->layers().size()) return nullptr;
    return m_network->layers()[static_cast<size_t>(row)].get();
}

int LayerTableModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid() || !m_network) return 0;
    return static_cast<int>(m_network->layers().size());
}

int LayerTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString LayerTableModel::displayText(const Layer& layer, int row, int column) const {
    switch (column) {
        case IndexColumn:
            return QString::number(row);
        case NameColumn:
            return QString::fromStdString(layer.name());
        case KindColumn:
            return QString::fromUtf8(toString(layer.kind()));
        case ParamsColumn:
            return QString::fromStdString(describeLayer(layer));
        case InputsColumn:
            return tensorNames(layer.inputs());
        case OutputsColumn:
            return tensorNames(layer.outputs());
        case OutputShapeColumn:
            return outputShapes(layer);
        default:
            return {};
    }
}

QVariant LayerTableModel::data(const QModelIndex& index, int role) const {
    const Layer* layer = layerAt(index.row());
    if (!layer || index.column() < 0 || index.column() >= ColumnCount) return {};
    switch (role) {
        case Qt::DisplayRole:
            return displayText(*layer, index.row(), index.column());
        case Qt::ToolTipRole:
            if (index.column() == NameColumn && !layer->provenance().empty()) {
                QStringList nodes;
                for (const std::string& node : layer->provenance())
                    nodes << QString::fromStdString(node);
                return tr("From model nodes: %1").arg(nodes.join(QStringLiteral(", ")));
            }
            return displayText(*layer, index.row(), index.column());
        case SortRole:
            if (index.column() == IndexColumn) return index.row();
            return displayText(*layer, index.row(), index.column());
        case Qt::TextAlignmentRole:
            if (index.column() == IndexColumn) return QVariant(Qt::AlignRight | Qt::AlignVCenter);
            return {};
        default:
            return {};
    }
}

QVariant LayerTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    switch (section) {
        case IndexColumn:
            return tr("#");
        case NameColumn:
            return tr("Name");
        case KindColumn:
            return tr("Kind");
        case ParamsColumn:
            return tr("Parameters");
        case InputsColumn:
            return tr("Inputs");
        case OutputsColumn:
            return tr("Outputs");
        case OutputShapeColumn:
            return tr("Output shape");
        default:
            return {};
    }
}

}  // namespace kiln::views

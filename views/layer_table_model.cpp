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
    m_records.clear();
    endResetModel();
}

void LayerTableModel::setRecords(std::vector<LayerRecord> records) {
    beginResetModel();
    m_network.reset();
    m_records = std::move(records);
    endResetModel();
}

QString LayerTableModel::nameAt(int row) const {
    if (const Layer* layer = layerAt(row)) return QString::fromStdString(layer->name());
    if (row < 0 || static_cast<size_t>(row) >= m_records.size()) return {};
    return QString::fromStdString(m_records[static_cast<size_t>(row)].name);
}

const Layer* LayerTableModel::layerAt(int row) const {
    if (!m_network || row < 0 || static_cast<size_t>(row) >= m_network->layers().size()) return nullptr;
    return m_network->layers()[static_cast<size_t>(row)].get();
}

int LayerTableModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid()) return 0;
    return static_cast<int>(m_network ? m_network->layers().size() : m_records.size());
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

QString LayerTableModel::displayText(const LayerRecord& record, int row, int column) const {
    const auto joined = [](const std::vector<std::string>& items, const QString& separator) {
        QStringList list;
        for (const std::string& item : items) list << QString::fromStdString(item);
        return list.join(separator);
    };
    switch (column) {
        case IndexColumn:
            return QString::number(row);
        case NameColumn:
            return QString::fromStdString(record.name);
        case KindColumn:
            return QString::fromStdString(record.kind);
        case ParamsColumn:
            return QString::fromStdString(record.parameters);
        case InputsColumn:
            return joined(record.inputs, QStringLiteral(", "));
        case OutputsColumn:
            return joined(record.outputs, QStringLiteral(", "));
        case OutputShapeColumn:
            return joined(record.outputDims, QStringLiteral("; "));
        default:
            return {};
    }
}

QVariant LayerTableModel::data(const QModelIndex& index, int role) const {
    const Layer* layer = layerAt(index.row());
    const LayerRecord* record =
        !layer && index.row() >= 0 && static_cast<size_t>(index.row()) < m_records.size() ? &m_records[size_t(index.row())] : nullptr;
    if ((!layer && !record) || index.column() < 0 || index.column() >= ColumnCount) return {};
    const auto text = [&] { return layer ? displayText(*layer, index.row(), index.column()) : displayText(*record, index.row(), index.column()); };
    switch (role) {
        case Qt::DisplayRole:
            return text();
        case Qt::ToolTipRole: {
            const std::vector<std::string>& provenance = layer ? layer->provenance() : record->provenance;
            if (index.column() == NameColumn && !provenance.empty()) {
                QStringList nodes;
                for (const std::string& node : provenance)
                    nodes << QString::fromStdString(node);
                return tr("From model nodes: %1").arg(nodes.join(QStringLiteral(", ")));
            }
            return text();
        }
        case SortRole:
            if (index.column() == IndexColumn) return index.row();
            return text();
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

// Formats tensor errors into table cells; see precision_table_model.h.
#include "precision_table_model.h"

#include <QColor>
#include <QFont>
#include <QStringList>
#include <cmath>

#include "table_roles.h"

namespace kiln::views {

namespace {

// Non-finite values sort past every finite one in the direction that means "worst".
double sortable(double value) {
    if (std::isnan(value)) return -1e308;
    return value;
}

}  // namespace

PrecisionErrorModel::PrecisionErrorModel(QObject* parent) : QAbstractTableModel(parent) {}

void PrecisionErrorModel::setErrors(std::vector<TensorError> errors) {
    beginResetModel();
    m_errors = std::move(errors);
    endResetModel();
}

const TensorError* PrecisionErrorModel::errorAt(int row) const {
    if (row < 0 || size_t(row) >= m_errors.size()) return nullptr;
    return &m_errors[size_t(row)];
}

QString PrecisionErrorModel::formatNumber(double value, int precision) {
    if (std::isnan(value)) return QStringLiteral("—");
    if (std::isinf(value)) return value > 0 ? QStringLiteral("∞") : QStringLiteral("−∞");
    if (value == 0.0) return QStringLiteral("0");
    return QString::number(value, 'g', precision);
}

int PrecisionErrorModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_errors.size());
}

int PrecisionErrorModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant PrecisionErrorModel::data(const QModelIndex& index, int role) const {
    const TensorError* error = index.isValid() ? errorAt(index.row()) : nullptr;
    if (!error) return {};
    const int column = index.column();
    switch (role) {
        case Qt::DisplayRole:
            switch (column) {
                case IndexColumn:
                    return QString::number(index.row() + 1);
                case TensorColumn:
                    return error->isNetworkOutput ? tr("%1 (output)").arg(QString::fromStdString(error->tensor))
                                                  : QString::fromStdString(error->tensor);
                case LayerColumn:
                    return QString::fromStdString(error->layer);
                case MaxAbsoluteColumn:
                    return formatNumber(error->maxAbsoluteError);
                case MeanRelativeColumn:
                    return formatNumber(error->meanRelativeError);
                case CosineColumn:
                    // Close to 1 is where the information is: enough digits to see how close.
                    return std::isfinite(error->cosineSimilarity) ? QString::number(error->cosineSimilarity, 'f', 8)
                                                                  : formatNumber(error->cosineSimilarity);
                case SnrColumn:
                    return formatNumber(error->snrDb, 4);
                default:
                    return {};
            }
        case SortRole:
            switch (column) {
                case IndexColumn:
                    return index.row();
                case TensorColumn:
                    return QString::fromStdString(error->tensor);
                case LayerColumn:
                    return QString::fromStdString(error->layer);
                case MaxAbsoluteColumn:
                    return sortable(error->maxAbsoluteError);
                case MeanRelativeColumn:
                    return sortable(error->nonFinite ? INFINITY : error->meanRelativeError);
                case CosineColumn:
                    return sortable(error->cosineSimilarity);
                case SnrColumn:
                    return sortable(error->snrDb);
                default:
                    return {};
            }
        case Qt::ToolTipRole: {
            QStringList lines;
            lines << QString::fromStdString(error->tensor);
            if (error->isNetworkOutput) lines << tr("A network output");
            if (!error->nodes.empty()) {
                QStringList nodes;
                for (const std::string& node : error->nodes) nodes << QString::fromStdString(node);
                lines << tr("Model nodes: %1").arg(nodes.join(QStringLiteral(", ")));
            }
            if (error->nonFinite) lines << tr("Holds NaN or infinity where the FP32 engine does not");
            lines << tr("Largest |FP32 value|: %1").arg(formatNumber(error->referenceMaxAbs));
            return lines.join(QLatin1Char('\n'));
        }
        case Qt::FontRole:
            if (error->isNetworkOutput) {
                QFont bold;
                bold.setBold(true);
                return bold;
            }
            return {};
        case Qt::ForegroundRole:
            if (error->nonFinite) return QColor(0xb3, 0x26, 0x1e);
            return {};
        case Qt::TextAlignmentRole:
            return column == TensorColumn || column == LayerColumn ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                                                   : QVariant(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return {};
    }
}

QVariant PrecisionErrorModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::ToolTipRole) {
        switch (section) {
            case MaxAbsoluteColumn:
                return tr("Largest |reduced − FP32| over the tensor's elements");
            case MeanRelativeColumn:
                return tr("Σ|reduced − FP32| / Σ|FP32|");
            case CosineColumn:
                return tr("Cosine similarity of the two tensors as vectors; 1 is identical direction");
            case SnrColumn:
                return tr("Signal-to-noise ratio: 10·log10(Σ FP32² / Σ (reduced − FP32)²)");
            default:
                return {};
        }
    }
    if (role == Qt::InitialSortOrderRole) {
        // A first click on an error column puts the worst tensors on top.
        switch (section) {
            case MaxAbsoluteColumn:
            case MeanRelativeColumn:
                return int(Qt::DescendingOrder);
            default:
                return int(Qt::AscendingOrder);
        }
    }
    if (role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
        case IndexColumn:
            return tr("#");
        case TensorColumn:
            return tr("Tensor");
        case LayerColumn:
            return tr("Layer");
        case MaxAbsoluteColumn:
            return tr("Max abs err");
        case MeanRelativeColumn:
            return tr("Mean rel err");
        case CosineColumn:
            return tr("Cosine");
        case SnrColumn:
            return tr("SNR (dB)");
        default:
            return {};
    }
}

}  // namespace kiln::views

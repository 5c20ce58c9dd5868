// Formats a calibration result into table cells; see calibration_table_model.h.
#include "calibration_table_model.h"

#include <algorithm>
#include <set>

#include "table_roles.h"

namespace kiln::views {

namespace {

QString significant(double value) {
    return QString::number(value, 'g', 6);
}

}  // namespace

CalibrationTableModel::CalibrationTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void CalibrationTableModel::setResult(std::shared_ptr<const CalibrationResult> result) {
    beginResetModel();
    m_result = std::move(result);
    m_rows.clear();
    if (m_result) {
        std::set<std::string> placed;
        for (const std::string& tensor : m_result->tensorOrder) {
            if (m_result->table.scales.count(tensor) && placed.insert(tensor).second) m_rows.push_back(tensor);
        }
        // A cache may name tensors this network does not order (another fusion, a renamed node).
        for (const auto& [tensor, scale] : m_result->table.scales) {
            if (placed.insert(tensor).second) m_rows.push_back(tensor);
        }
    }
    endResetModel();
}

QString CalibrationTableModel::tensorAt(int row) const {
    if (row < 0 || size_t(row) >= m_rows.size()) return {};
    return QString::fromStdString(m_rows[size_t(row)]);
}

int CalibrationTableModel::rowOf(const QString& tensor) const {
    const std::string name = tensor.toStdString();
    const auto it = std::find(m_rows.begin(), m_rows.end(), name);
    return it == m_rows.end() ? -1 : int(it - m_rows.begin());
}

double CalibrationTableModel::clippedFraction(const ActivationHistogram& histogram, double threshold) {
    const double width = histogram.binWidth();
    double total = 0.0;
    double clipped = 0.0;
    for (size_t bin = 0; bin < histogram.counts.size(); ++bin) {
        const double count = histogram.counts[bin];
        total += count;
        const double low = double(bin) * width;
        const double high = low + width;
        if (low >= threshold) {
            clipped += count;
        } else if (high > threshold && width > 0.0) {
            clipped += count * (high - threshold) / width;
        }
    }
    return total > 0.0 ? clipped / total : 0.0;
}

int CalibrationTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int CalibrationTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant CalibrationTableModel::data(const QModelIndex& index, int role) const {
    if (!m_result || !index.isValid() || size_t(index.row()) >= m_rows.size()) return {};
    const std::string& tensor = m_rows[size_t(index.row())];
    const float scale = m_result->table.scales.at(tensor);
    const auto histogram = m_result->histograms.find(tensor);
    const bool known = histogram != m_result->histograms.end();
    const int column = index.column();
    if (role == Qt::TextAlignmentRole) {
        return column == TensorColumn ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                                      : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    }
    if (role == Qt::ToolTipRole) {
        if ((column == MaxAbsColumn || column == ClippedColumn) && !known) {
            return tr("Unknown: the scales came from a calibration cache without data");
        }
        if (column == ThresholdColumn) return tr("The magnitude INT8's 127 stands for: scale × 127");
        if (column == ClippedColumn) return tr("Share of the calibration values above the threshold, saturated to ±127");
        return column == TensorColumn ? QString::fromStdString(tensor) : QVariant();
    }
    if (role != Qt::DisplayRole && role != SortRole) return {};
    const double threshold = double(scale) * 127.0;
    switch (column) {
        case IndexColumn:
            return role == SortRole ? QVariant(index.row()) : QVariant(QString::number(index.row() + 1));
        case TensorColumn:
            return QString::fromStdString(tensor);
        case ScaleColumn:
            return role == SortRole ? QVariant(double(scale)) : QVariant(significant(scale));
        case ThresholdColumn:
            return role == SortRole ? QVariant(threshold) : QVariant(significant(threshold));
        case MaxAbsColumn:
            if (!known) return role == SortRole ? QVariant(-1.0) : QVariant(QStringLiteral("—"));
            return role == SortRole ? QVariant(histogram->second.maxAbs) : QVariant(significant(histogram->second.maxAbs));
        case ClippedColumn: {
            if (!known) return role == SortRole ? QVariant(-1.0) : QVariant(QStringLiteral("—"));
            const double percent = 100.0 * clippedFraction(histogram->second, threshold);
            return role == SortRole ? QVariant(percent) : QVariant(tr("%1 %").arg(percent, 0, 'f', percent < 0.1 ? 3 : 2));
        }
        default:
            return {};
    }
}

QVariant CalibrationTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return QAbstractTableModel::headerData(section, orientation, role);
    }
    switch (section) {
        case IndexColumn:
            return tr("#");
        case TensorColumn:
            return tr("Tensor");
        case ScaleColumn:
            return tr("Scale");
        case ThresholdColumn:
            return tr("Threshold");
        case MaxAbsColumn:
            return tr("Max |x|");
        case ClippedColumn:
            return tr("Clipped");
        default:
            return {};
    }
}

}  // namespace kiln::views

// Formats the groups of an engine comparison into table cells; see comparison_table_model.h.
#include "comparison_table_model.h"

#include <QBrush>
#include <QColor>
#include <QStringList>
#include <cmath>

#include "table_roles.h"

namespace kiln::views {

namespace {

QString joined(const std::vector<std::string>& names) {
    QStringList list;
    for (const std::string& name : names)
        list << QString::fromStdString(name);
    return list.join(QLatin1Char('\n'));
}

// One side's value, or "A | B" when the two differ.
QString sides(const std::string& a, const std::string& b) {
    const QString left = a.empty() ? QStringLiteral("—") : QString::fromStdString(a);
    if (a == b) return left;
    return left + QStringLiteral(" | ") + (b.empty() ? QStringLiteral("—") : QString::fromStdString(b));
}

// A side without executed layers has nothing to differ in: an elided concat against a copying one is a
// difference of time, not of precision.
bool differs(const std::string& a, const std::string& b) {
    return !a.empty() && !b.empty() && a != b;
}

}  // namespace

ComparisonTableModel::ComparisonTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void ComparisonTableModel::setComparison(const EngineComparison& comparison) {
    beginResetModel();
    m_comparison = comparison;
    endResetModel();
}

QString ComparisonTableModel::layersText(const std::vector<std::string>& layers) {
    if (layers.empty()) return QStringLiteral("—");
    QString text = QString::fromStdString(layers.front());
    if (layers.size() > 1) text += QStringLiteral(" (+%1)").arg(layers.size() - 1);
    return text;
}

double ComparisonTableModel::ratio(const LayerGroupComparison& group) {
    return group.millisecondsA > 0.0 ? group.millisecondsB / group.millisecondsA : 0.0;
}

int ComparisonTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_comparison.groups.size());
}

int ComparisonTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ComparisonTableModel::displayData(const LayerGroupComparison& group, int row, int column) const {
    switch (column) {
        case GroupColumn:
            return row + 1;
        case LayersAColumn:
            return layersText(group.layersA);
        case LayersBColumn:
            return layersText(group.layersB);
        case TimeAColumn:  // a side without layers of the group has no time, which is not a time of zero
            return group.layersA.empty() ? QStringLiteral("—") : QString::number(group.millisecondsA, 'f', 3);
        case TimeBColumn:
            return group.layersB.empty() ? QStringLiteral("—") : QString::number(group.millisecondsB, 'f', 3);
        case DifferenceColumn:
            return QString::number(group.millisecondsB - group.millisecondsA, 'f', 3);
        case RatioColumn:
            return group.millisecondsA > 0.0 && group.millisecondsB > 0.0
                       ? QStringLiteral("%1×").arg(ratio(group), 0, 'f', 2)
                       : QStringLiteral("—");
        case PrecisionColumn:
            return sides(group.precisionA, group.precisionB);
        case TacticColumn:
            return sides(group.tacticA, group.tacticB);
        case FormatColumn:
            return sides(group.formatA, group.formatB);
        default:
            return {};
    }
}

QVariant ComparisonTableModel::sortData(const LayerGroupComparison& group, int row, int column) const {
    switch (column) {
        case GroupColumn:
            return row;
        case TimeAColumn:
            return group.millisecondsA;
        case TimeBColumn:
            return group.millisecondsB;
        case DifferenceColumn:
            return group.millisecondsB - group.millisecondsA;
        case RatioColumn:
            return ratio(group);
        default:
            return displayData(group, row, column);
    }
}

QVariant ComparisonTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
    const int row = index.row();
    const LayerGroupComparison& group = m_comparison.groups[size_t(row)];
    switch (role) {
        case Qt::DisplayRole:
            return displayData(group, row, index.column());
        case SortRole:
            return sortData(group, row, index.column());
        case GroupRole:
            return row;
        case Qt::ToolTipRole:
            if (index.column() == LayersAColumn) return joined(group.layersA);
            if (index.column() == LayersBColumn) return joined(group.layersB);
            if (index.column() == GroupColumn) {
                return tr("Model nodes: %1")
                    .arg(joined(group.nodes).replace(QLatin1Char('\n'), QStringLiteral(", ")));
            }
            return displayData(group, row, index.column());
        case Qt::TextAlignmentRole:
            if (index.column() == GroupColumn ||
                (index.column() >= TimeAColumn && index.column() <= RatioColumn)) {
                return int(Qt::AlignRight | Qt::AlignVCenter);
            }
            return {};
        case Qt::ForegroundRole:
            if (index.column() == DifferenceColumn || index.column() == RatioColumn) {
                const double difference = group.millisecondsB - group.millisecondsA;
                if (std::abs(difference) < 1e-9) return {};
                // The faster side's color, as its bars have in the chart.
                return QBrush(difference > 0 ? QColor(0x1a, 0x5f, 0xa0) : QColor(0xc0, 0x60, 0x0a));
            }
            return {};
        case Qt::BackgroundRole: {
            const bool tinted =
                (index.column() == PrecisionColumn && differs(group.precisionA, group.precisionB)) ||
                (index.column() == TacticColumn && differs(group.tacticA, group.tacticB)) ||
                (index.column() == FormatColumn && differs(group.formatA, group.formatB));
            return tinted ? QVariant(QBrush(QColor(0xff, 0xf0, 0xc2))) : QVariant();
        }
        default:
            return {};
    }
}

QVariant ComparisonTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::InitialSortOrderRole) {
        // A first click on a time column puts the largest on top.
        const bool number = section >= TimeAColumn && section <= RatioColumn;
        return int(number ? Qt::DescendingOrder : Qt::AscendingOrder);
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
            case DifferenceColumn:
                return tr("B's time minus A's, per run: positive where A is faster");
            case RatioColumn:
                return tr("B's time over A's: A's speed-up (above 1: A is faster)");
            case PrecisionColumn:
            case TacticColumn:
            case FormatColumn:
                return tr("One value where both engines agree, “A | B” where they differ (tinted)");
            default:
                return {};
        }
    }
    if (role != Qt::DisplayRole) return {};
    switch (section) {
        case GroupColumn:
            return tr("#");
        case LayersAColumn:
            return tr("A layers");
        case LayersBColumn:
            return tr("B layers");
        case TimeAColumn:
            return tr("A ms");
        case TimeBColumn:
            return tr("B ms");
        case DifferenceColumn:
            return tr("B − A ms");
        case RatioColumn:
            return tr("Speed-up (B/A)");
        case PrecisionColumn:
            return tr("Precision");
        case TacticColumn:
            return tr("Tactic");
        case FormatColumn:
            return tr("Format");
        default:
            return {};
    }
}

}  // namespace kiln::views

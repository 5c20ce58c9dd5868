// The layer groups of two engines compared through provenance (kiln/engine_comparison.h), one row per
// group: its layers in engine A and in engine B, each side's time, the difference, B/A (above 1: A is
// the faster), and the precisions, tactics and formats of both sides. A cell whose two sides differ is
// tinted so that the eye finds them; numbers sort as numbers through SortRole.
#pragma once

#include <QAbstractTableModel>

#include "kiln/engine_comparison.h"

namespace kiln::views {

class ComparisonTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        GroupColumn,
        LayersAColumn,
        LayersBColumn,
        TimeAColumn,
        TimeBColumn,
        DifferenceColumn,
        RatioColumn,
        PrecisionColumn,
        TacticColumn,
        FormatColumn,
        ColumnCount
    };
    // The group index (in EngineComparison::groups) of a row, whatever the sorting of a proxy.
    static constexpr int GroupRole = Qt::UserRole + 10;

    explicit ComparisonTableModel(QObject* parent = nullptr);

    void setComparison(const EngineComparison& comparison);
    const EngineComparison& comparison() const { return m_comparison; }

    // "conv1 + relu1" for one layer, "conv1 (+2)" for several, "—" for none: how a group's layers are
    // named in cells and chart labels.
    static QString layersText(const std::vector<std::string>& layers);
    // B's time over A's; 0 when A took no time.
    static double ratio(const LayerGroupComparison& group);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVariant displayData(const LayerGroupComparison& group, int row, int column) const;
    QVariant sortData(const LayerGroupComparison& group, int row, int column) const;

    EngineComparison m_comparison;
};

}  // namespace kiln::views

// A table of what an INT8 calibration chose: one row per calibrated activation with its scale, the
// threshold INT8's 127 stands for (scale × 127), the largest magnitude seen and the share of values the
// threshold clips (these two only when the histograms are known: a calibration cache keeps scales only).
// Rows follow network order. It displays a result someone else made and shares; it never changes it.
#pragma once

#include <QAbstractTableModel>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kiln/calibration.h"

namespace kiln::views {

// What a calibration produced, for display: the engine's table, the histograms of |x| the scales were
// derived from (empty when they came from a cache without data), the options that turn a histogram into
// a threshold, and the activations in network order.
struct CalibrationResult {
    CalibrationTable table;
    std::map<std::string, ActivationHistogram> histograms;
    CalibrationOptions options;
    std::vector<std::string> tensorOrder;
};

class CalibrationTableModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { IndexColumn, TensorColumn, ScaleColumn, ThresholdColumn, MaxAbsColumn, ClippedColumn, ColumnCount };

    explicit CalibrationTableModel(QObject* parent = nullptr);

    // Shows `result` (null shows nothing). The model keeps it alive while it displays it.
    void setResult(std::shared_ptr<const CalibrationResult> result);
    const std::shared_ptr<const CalibrationResult>& result() const { return m_result; }

    // The tensor in `row` (empty when out of range), and the row of a tensor (-1 when not shown).
    QString tensorAt(int row) const;
    int rowOf(const QString& tensor) const;

    // The share of a histogram's values above `threshold`, a bin that straddles it counted in proportion.
    static double clippedFraction(const ActivationHistogram& histogram, double threshold);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::shared_ptr<const CalibrationResult> m_result;
    std::vector<std::string> m_rows;  // tensors with a scale: network order first, then the rest by name
};

}  // namespace kiln::views

// A table of how one reduced-precision engine's tensors differ from the FP32 engine's on the same
// inputs: one row per tensor both engines computed, in the compared engine's network order, with its
// layer, the largest absolute error, the mean relative error, the cosine similarity and the SNR. Network
// outputs are shown in bold. Also the comparison itself, as the precision view receives it.
#pragma once

#include <QAbstractTableModel>
#include <QString>
#include <vector>

#include "kiln/precision.h"

namespace kiln::views {

// One engine of a comparison: its precision ("FP32", "FP16", "INT8"), its median latency and, for a
// reduced precision, every tensor's error against the reference.
struct PrecisionRunResult {
    QString precision;
    double medianMilliseconds = 0.0;
    std::vector<TensorError> errors;  // empty for the reference
    QString note;                     // how it ran, e.g. "12 of 40 layers simulated"
};

// A comparison as the views show it: the reference (FP32) first, then each reduced precision.
struct PrecisionComparison {
    std::vector<PrecisionRunResult> runs;
    int latencyRuns = 0;      // runs each median is taken over
    QString inputsDescription;  // what the engines ran on, for the summary line
};

class PrecisionErrorModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        IndexColumn,
        TensorColumn,
        LayerColumn,
        MaxAbsoluteColumn,
        MeanRelativeColumn,
        CosineColumn,
        SnrColumn,
        ColumnCount
    };

    explicit PrecisionErrorModel(QObject* parent = nullptr);

    void setErrors(std::vector<TensorError> errors);
    const std::vector<TensorError>& errors() const { return m_errors; }
    // The error shown in `row`, or null when the row is out of range.
    const TensorError* errorAt(int row) const;

    // How the table writes a number: "3.2e-04", "∞", "—" for NaN.
    static QString formatNumber(double value, int precision = 3);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<TensorError> m_errors;
};

}  // namespace kiln::views

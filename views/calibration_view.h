// A calibration at a glance: the table of every calibrated activation (scale, threshold, largest
// magnitude, share clipped), sortable, beside the histogram of the tensor picked in it. The histogram's
// threshold line comes from calibrationThreshold() with the calibration's own options, the function the
// scales were made with, so the line stands where the table's threshold (scale × 127) says.
#pragma once

#include <QString>
#include <QWidget>
#include <memory>

#include "calibration_table_model.h"

class QLabel;
class QSortFilterProxyModel;
class QTableView;

namespace kiln::views {

class ActivationHistogramView;

class CalibrationView : public QWidget {
    Q_OBJECT

public:
    explicit CalibrationView(QWidget* parent = nullptr);

    // Shows `result` and the histogram of its first tensor (null: nothing).
    void setResult(std::shared_ptr<const CalibrationResult> result);
    void clear();

    // Selects a tensor's row and shows its histogram; false when the tensor has no row.
    bool selectTensor(const QString& tensor);
    QString selectedTensor() const { return m_selected; }
    // The threshold the histogram's algorithm gives `tensor`'s histogram; NaN when it has none.
    double histogramThreshold(const QString& tensor) const;

    CalibrationTableModel* model() const { return m_model; }
    QTableView* table() const { return m_table; }
    ActivationHistogramView* histogramView() const { return m_histogram; }
    // "12 tensors, entropy, 16 batches"; empty without a result.
    QString summaryText() const;
    // How the views name an algorithm: "entropy", "min-max", "99.99th percentile", "MSE".
    static QString algorithmName(const CalibrationOptions& options);

signals:
    // The user picked a tensor in the table.
    void tensorSelected(const QString& tensor);

private:
    void showHistogram(const QString& tensor);

    CalibrationTableModel* m_model = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QTableView* m_table = nullptr;
    QLabel* m_summary = nullptr;
    ActivationHistogramView* m_histogram = nullptr;
    QString m_selected;
    bool m_selecting = false;  // set while the view moves its own selection
};

}  // namespace kiln::views

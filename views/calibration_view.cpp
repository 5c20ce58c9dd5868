// The calibration table beside the histogram of the picked tensor; see calibration_view.h.
#include "calibration_view.h"

#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <cmath>
#include <limits>

#include "activation_histogram_view.h"
#include "row_pick.h"
#include "table_roles.h"

namespace kiln::views {

CalibrationView::CalibrationView(QWidget* parent) : QWidget(parent) {
    m_model = new CalibrationTableModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(SortRole);

    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("calibrationSummary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_table = new QTableView;
    m_table->setObjectName(QStringLiteral("calibrationTable"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    QHeaderView* header = m_table->horizontalHeader();
    header->setStretchLastSection(true);
    header->setHighlightSections(false);
    header->resizeSection(CalibrationTableModel::IndexColumn, 40);
    header->resizeSection(CalibrationTableModel::TensorColumn, 180);
    onRowPicked(m_table, [this](const QModelIndex& index) {
        const QString tensor = m_model->tensorAt(m_proxy->mapToSource(index).row());
        if (m_selecting || tensor.isEmpty()) return;
        showHistogram(tensor);
        emit tensorSelected(tensor);
    });

    m_histogram = new ActivationHistogramView;
    m_histogram->setObjectName(QStringLiteral("activationHistogram"));

    auto* tableBox = new QWidget;
    auto* tableLayout = new QVBoxLayout(tableBox);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    tableLayout->addWidget(m_summary);
    tableLayout->addWidget(m_table, 1);

    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(tableBox);
    splitter->addWidget(m_histogram);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);
    clear();
}

QString CalibrationView::algorithmName(const CalibrationOptions& options) {
    switch (options.algorithm) {
        case CalibrationAlgorithm::Entropy:
            return tr("entropy");
        case CalibrationAlgorithm::MinMax:
            return tr("min-max");
        case CalibrationAlgorithm::Percentile:
            return tr("%1th percentile").arg(options.percentile);
        case CalibrationAlgorithm::Mse:
            return tr("MSE");
    }
    return QString::fromLatin1(toString(options.algorithm));
}

void CalibrationView::setResult(std::shared_ptr<const CalibrationResult> result) {
    m_model->setResult(std::move(result));
    m_selected.clear();
    const auto& shown = m_model->result();
    if (!shown) {
        clear();
        return;
    }
    const CalibrationTable& table = shown->table;
    m_summary->setText(summaryText());
    m_summary->setToolTip(QString::fromStdString(table.preprocessing));
    m_table->resizeColumnToContents(CalibrationTableModel::ScaleColumn);
    m_table->resizeColumnToContents(CalibrationTableModel::ThresholdColumn);
    m_table->resizeColumnToContents(CalibrationTableModel::MaxAbsColumn);
    if (m_model->rowCount() > 0) {
        selectTensor(m_model->tensorAt(0));
    } else {
        m_histogram->showMessage(tr("The calibration gave no tensor a range."));
    }
}

void CalibrationView::clear() {
    m_model->setResult(nullptr);
    m_selected.clear();
    m_summary->setText(tr("Not calibrated."));
    m_summary->setToolTip(QString());
    m_histogram->clear();
}

QString CalibrationView::summaryText() const {
    const auto& result = m_model->result();
    if (!result) return {};
    const CalibrationTable& table = result->table;
    CalibrationOptions options = result->options;
    options.algorithm = table.algorithm;
    //: e.g. "6 tensors, entropy, 4 batches"; %1 is the list of tensors, %2 the algorithm, %3 the batches
    return tr("%1, %2, %3")
        .arg(tr("%n tensor(s)", nullptr, int(table.scales.size())), algorithmName(options),
             tr("%n batch(es)", nullptr, int(table.batches)));
}

bool CalibrationView::selectTensor(const QString& tensor) {
    const int row = m_model->rowOf(tensor);
    if (row < 0) return false;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, CalibrationTableModel::TensorColumn));
    // A programmatic selection is no pick of the user's: the row-pick handler must not report it.
    m_selecting = true;
    m_table->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect |
                                                          QItemSelectionModel::Rows);
    m_selecting = false;
    m_table->scrollTo(index);
    showHistogram(tensor);
    return true;
}

double CalibrationView::histogramThreshold(const QString& tensor) const {
    const auto& result = m_model->result();
    if (!result) return std::numeric_limits<double>::quiet_NaN();
    const auto it = result->histograms.find(tensor.toStdString());
    if (it == result->histograms.end()) return std::numeric_limits<double>::quiet_NaN();
    return calibrationThreshold(it->second, result->options);
}

void CalibrationView::showHistogram(const QString& tensor) {
    m_selected = tensor;
    const auto& result = m_model->result();
    if (!result) {
        m_histogram->clear();
        return;
    }
    const auto it = result->histograms.find(tensor.toStdString());
    if (it == result->histograms.end()) {
        m_histogram->showMessage(
            tr("No histogram for %1: the scales came from a calibration cache.\nGive calibration data and "
               "calibrate to see the distributions.")
                .arg(tensor));
        return;
    }
    m_histogram->setHistogram(tensor, it->second, histogramThreshold(tensor), algorithmName(result->options));
}

}  // namespace kiln::views

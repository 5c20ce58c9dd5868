// How reduced-precision engines differ from the FP32 engine: for the precision picked (FP16, INT8), a
// chart of each layer's error in network order on a logarithmic axis (mean relative error or 1 − cosine,
// a layer's worst tensor counting), a sortable table of every compared tensor (max abs err, mean rel err,
// cosine, SNR), and the median latency of every precision side by side. Picking a bar or a row names its
// layer, so that the graph can select it; the per-layer errors it shows are offered to the graph too.
#pragma once

#include <QHash>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include "precision_table_model.h"

class QCPBars;
class QComboBox;
class QCustomPlot;
class QLabel;
class QSortFilterProxyModel;
class QTableView;

namespace kiln::views {

class PrecisionView : public QWidget {
    Q_OBJECT

public:
    enum class Metric { MeanRelativeError, OneMinusCosine };

    explicit PrecisionView(QWidget* parent = nullptr);

    // Shows `comparison`, its first reduced precision picked (nothing is shown without one).
    void setComparison(const PrecisionComparison& comparison);
    void clear();
    const PrecisionComparison& comparison() const { return m_comparison; }

    // The reduced precision whose errors are shown ("FP16"); false when the comparison has none of that name.
    bool setShownPrecision(const QString& precision);
    QString shownPrecision() const;
    void setMetric(Metric metric);
    Metric metric() const { return m_metric; }
    // "mean relative error", "1 − cosine".
    static QString metricName(Metric metric);
    // The error of a tensor in `metric`: infinite where the reduced engine overflowed.
    static double errorValue(const TensorError& error, Metric metric);

    // The shown precision's error per layer in the chosen metric, by the compared engine's layer name and
    // by model node (a layer's error counts for every node it came from); a layer's worst tensor counts.
    QHash<QString, double> layerErrors() const;
    QHash<QString, double> nodeErrors() const;

    // The error chart's bars of their own, top to bottom: layer names and their values (infinite where
    // overflowed). They are the layers with the largest errors that fit the chart's height, in network
    // order; the rest share one more bar ("other (K layers)") as long as their largest error.
    const QStringList& chartLayerNames() const { return m_chartLayers; }
    const QVector<double>& chartValues() const { return m_chartValues; }
    int chartOtherLayerCount() const { return m_chartOtherLayers; }
    // The latency chart's bars: precision names and median milliseconds.
    QStringList latencyPrecisions() const;
    QVector<double> latencyValues() const;

    PrecisionErrorModel* errorModel() const { return m_model; }
    QTableView* errorTable() const { return m_table; }
    QCustomPlot* errorChart() const { return m_errorChart; }
    QCustomPlot* latencyChart() const { return m_latencyChart; }
    QString summaryText() const;

signals:
    // The precision, the metric or the comparison changed: layerErrors() has new values.
    void shownErrorsChanged();
    // The user picked a bar or a row: the compared engine's layer.
    void layerSelected(const QString& layer);

private:
    const PrecisionRunResult* shownRun() const;
    void showRun();
    void rebuildErrorChart();
    int errorBarCapacity() const;
    bool eventFilter(QObject* watched, QEvent* event) override;
    void rebuildLatencyChart();
    void updateSummary();

    PrecisionComparison m_comparison;
    Metric m_metric = Metric::MeanRelativeError;
    QStringList m_chartLayers;
    QVector<double> m_chartValues;
    int m_chartOtherLayers = 0;
    int m_errorBarCapacity = 0;  // the capacity the bars were chosen for
    int m_errorLabelWidth = 0;   // the chart width their names were shortened for

    QComboBox* m_precisionBox = nullptr;
    QComboBox* m_metricBox = nullptr;
    QLabel* m_summary = nullptr;
    QCustomPlot* m_errorChart = nullptr;
    QCPBars* m_errorBars = nullptr;
    QCPBars* m_overflowBars = nullptr;
    QCPBars* m_otherErrorBar = nullptr;
    QCustomPlot* m_latencyChart = nullptr;
    QCPBars* m_referenceBar = nullptr;
    QCPBars* m_latencyBars = nullptr;
    PrecisionErrorModel* m_model = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QTableView* m_table = nullptr;
};

}  // namespace kiln::views

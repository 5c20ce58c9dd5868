// Two engines side by side, as TensorRT Engine Explorer compares them: a summary (layer counts, activation
// arena, weights, end-to-end median latency and B/A), a chart of per-group latency (horizontal bars, A and
// B side by side or their difference, the largest groups that fit with the rest summarized as one bar), a
// sortable table of the layer groups matched through provenance, and the two after-fusion graphs. One
// group is selected across all of them: a row, a bar or a layer of either graph selects the group's row
// and bar and its layers in both graphs. Exports the comparison as CSV and JSON (the engine's writers,
// the ones `kiln compare-plans` uses) and the chart or the whole view as PNG, each written atomically.
#pragma once

#include <QHash>
#include <QString>
#include <QStringList>
#include <QWidget>
#include <vector>

#include "kiln/build_report.h"
#include "kiln/engine_comparison.h"

class QCPBars;
class QCPBarsGroup;
class QCPItemText;
class QComboBox;
class QCustomPlot;
class QLabel;
class QSortFilterProxyModel;
class QSplitter;
class QTableView;
class QTableWidget;

namespace kiln::views {

class ComparisonTableModel;
class GraphView;

class EngineComparisonView : public QWidget {
    Q_OBJECT

public:
    enum class Side { A, B };
    enum class ChartMode { SideBySide, Difference };
    // Rows of the summary table.
    enum SummaryRow { LatencyRow, ExecutedRow, ElidedRow, ArenaRow, WeightsRow, SummaryRowCount };

    explicit EngineComparisonView(QWidget* parent = nullptr);

    // Shows `comparison` of the engines whose after-fusion layers are `layersA` and `layersB` (their
    // build reports' layersAfter), named `nameA` and `nameB` in titles ("resnet50.plan", "no fusion").
    void setComparison(const EngineComparison& comparison, const std::vector<LayerRecord>& layersA,
                       const std::vector<LayerRecord>& layersB, const QString& nameA, const QString& nameB);
    void clear();
    bool hasComparison() const { return m_hasComparison; }
    const EngineComparison& comparison() const;

    // Selects group `group` (an index into comparison().groups) everywhere, as a user's pick does, but
    // emits nothing; -1 clears the selection.
    void selectGroup(int group);
    int selectedGroup() const { return m_selectedGroup; }
    // The group holding layer `name` of engine `side`; -1 when none does.
    int groupOfLayer(Side side, const QString& name) const;

    void setChartMode(ChartMode mode);
    ChartMode chartMode() const { return m_chartMode; }
    // The groups the chart shows, top to bottom (indices into comparison().groups), and the number of
    // groups its last bar ("other") sums up; 0 when every group has its own bar. The scale fits the
    // groups' bars; the other bar's values are written beside it where it runs off the scale.
    const std::vector<int>& chartGroups() const { return m_chartGroups; }
    int chartOtherCount() const { return m_otherCount; }
    // The chart's bar labels, top to bottom ("other (12 groups)" last when there is one).
    QStringList chartLabels() const;
    // What hovering the chart at `position` (chart pixels) shows: the group's layers on both sides and their
    // times, or the summed rest; empty away from the bars.
    QString chartToolTipAt(const QPoint& position) const;

    QTableWidget* summaryTable() const { return m_summary; }
    QTableView* groupTable() const { return m_table; }
    QSortFilterProxyModel* groupProxy() const { return m_proxy; }
    ComparisonTableModel* groupModel() const { return m_model; }
    QCustomPlot* chart() const { return m_chart; }
    QComboBox* chartModeBox() const { return m_chartModeBox; }
    GraphView* graphA() const { return m_graphA; }
    GraphView* graphB() const { return m_graphB; }

    // Each returns false and sets *error (when given) to a message naming the file and the reason; a
    // failed export leaves no file behind.
    bool exportCsv(const QString& path, QString* error) const;
    bool exportJson(const QString& path, QString* error) const;
    bool exportChartPng(const QString& path, QString* error) const;
    // The whole view as shown: summary, chart, table and both graphs.
    bool exportViewPng(const QString& path, QString* error);

signals:
    // The user picked a group (row, bar or a layer in either graph).
    void groupSelected(int group);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void fillSummary();
    void fitSummaryHeight();
    void rebuildChart();
    int chartCapacity() const;
    // Rebuilds the chart when the number of bars that fit its height changed.
    void fitChartToHeight();
    void selectBar(int group);
    void pickGroup(int group);
    void highlight(int group, const QString& keepGraphSelection, Side keptSide);
    void onGraphLayerActivated(Side side, const QString& name);
    void onBarClicked(int position);

    ComparisonTableModel* m_model = nullptr;
    QSortFilterProxyModel* m_proxy = nullptr;
    QTableWidget* m_summary = nullptr;
    QLabel* m_titleA = nullptr;
    QLabel* m_titleB = nullptr;
    QComboBox* m_chartModeBox = nullptr;
    QCustomPlot* m_chart = nullptr;
    QCPBars* m_barsA = nullptr;
    QCPBars* m_barsB = nullptr;
    QCPBarsGroup* m_barsGroup = nullptr;
    QCPItemText* m_otherText = nullptr;  // the summed rest's values, where its bars run off the scale
    QTableView* m_table = nullptr;
    GraphView* m_graphA = nullptr;
    GraphView* m_graphB = nullptr;

    bool m_hasComparison = false;
    QString m_nameA;
    QString m_nameB;
    QHash<QString, int> m_groupOfA;
    QHash<QString, int> m_groupOfB;
    ChartMode m_chartMode = ChartMode::SideBySide;
    std::vector<int> m_chartGroups;
    int m_otherCount = 0;
    int m_selectedGroup = -1;
    bool m_highlighting = false;  // set while the view moves its own selection
};

}  // namespace kiln::views

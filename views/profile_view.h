// Where the time of a profiled engine goes: a chart of horizontal bars, one per layer with its name beside
// it, for the slowest layers that fit the chart's height (recounted when it is resized) and one more bar
// for the rest together, in execution order or slowest first; a sortable table of every layer (name,
// type, ms, %, precision, tactic), the time per layer type, and the end-to-end latency distribution.
// Clicking a bar or a row selects the layer in the graph. Exports the table as CSV, the per-layer times as JSON in the layout of trtexec's
// --exportProfile (the one `kiln profile --exportProfile` writes), and the chart as PNG; every export
// is written atomically, so a failed one leaves no partial file behind.
#pragma once

#include <QStringList>
#include <QWidget>

#include "profile_data.h"

class QCPBars;
class QComboBox;
class QCustomPlot;
class QLabel;
class QMouseEvent;
class QStandardItemModel;
class QTableView;

namespace kiln::views {

class ProfileView : public QWidget {
    Q_OBJECT

public:
    enum class ChartOrder { Execution, SlowestFirst };
    // Columns of the layer table; # is the execution order, to return to it after sorting.
    enum Column { IndexColumn, NameColumn, TypeColumn, TimeColumn, PercentColumn, PrecisionColumn, TacticColumn,
                  ColumnCount };

    explicit ProfileView(QWidget* parent = nullptr);

    void setProfile(const ProfileResult& profile);
    void clear();
    const ProfileResult& profile() const { return m_profile; }

    // Each returns false and sets *error (when given) to a message naming the file and the reason.
    bool exportCsv(const QString& path, QString* error) const;
    bool exportJson(const QString& path, QString* error) const;
    bool exportChartPng(const QString& path, QString* error) const;

    void setChartOrder(ChartOrder order);
    ChartOrder chartOrder() const { return m_chartOrder; }
    QStringList chartLayerNames() const;  // the layers that have a bar of their own, top to bottom
    // The layers summarized in the last bar ("other (K layers)"); 0 when every layer has its own bar.
    int chartOtherLayerCount() const { return int(m_otherLayers.size()); }
    // How many bars a chart of `height` pixels shows readably (the "other" bar included).
    int chartBarCapacity(int height) const;

    // Highlights a layer's bar and row, e.g. when it is selected in the graph; emits nothing. An unknown
    // name clears the highlight.
    void selectLayer(const QString& name);
    QString selectedLayer() const { return m_selectedLayer; }

signals:
    void layerSelected(const QString& name);  // a bar or a table row was clicked

private:
    void rebuildChart();
    void fillTables();
    void updateLatency();
    void pickLayer(int layerIndex);
    void highlight(int layerIndex);
    void onBarClicked(int dataIndex);
    void onChartHover(QMouseEvent* event);
    void exportWithDialog(int format);
    bool eventFilter(QObject* watched, QEvent* event) override;
    int currentBarCapacity() const;
    int currentChartWidth() const;

    ProfileResult m_profile;
    ChartOrder m_chartOrder = ChartOrder::Execution;
    std::vector<int> m_barLayers;    // bar position -> layer index in m_profile.layers
    std::vector<int> m_otherLayers;  // the layers of the last bar, when there is one
    int m_barCapacity = 0;           // the capacity the bars were chosen for
    int m_barLabelWidth = 0;         // the chart width their names were shortened for
    QString m_selectedLayer;
    bool m_highlighting = false;   // set while the view moves its own selection, which the user did not pick

    QComboBox* m_orderBox = nullptr;
    QCustomPlot* m_chart = nullptr;
    QCPBars* m_bars = nullptr;
    QCPBars* m_otherBar = nullptr;
    QStandardItemModel* m_layerModel = nullptr;
    QTableView* m_layerTable = nullptr;
    QStandardItemModel* m_typeModel = nullptr;
    QTableView* m_typeTable = nullptr;
    QLabel* m_latencyLabels[8] = {};
};

}  // namespace kiln::views

// The kernel-timing view: for one layer of the built engine, every tactic the builder considered, as a
// bar chart of the timed ones (fastest on top, the chosen one in green) and a table with each
// candidate's library, median time, time relative to the chosen one, and why a skipped one was not
// timed. Above them, how long the build spent timing and how many layers the timing cache answered.
// The workbench shows the layer selected in the graph; the layer box inside the view picks another.
#pragma once

#include <QStringList>
#include <QWidget>

#include "kiln/build_report.h"

class QCPBars;
class QComboBox;
class QCustomPlot;
class QLabel;
class QStandardItemModel;
class QTableView;

namespace kiln::views {

class TacticView : public QWidget {
    Q_OBJECT

public:
    enum Column { TacticColumn, LibraryColumn, TimeColumn, RelativeColumn, NoteColumn, ColumnCount };

    explicit TacticView(QWidget* parent = nullptr);

    void setReport(const BuildReport& report);
    // Shows the candidates of a layer after fusion; a layer of the original model shows the fused
    // layer it became part of (through provenance).
    void showLayer(const QString& afterFusionLayerName);
    void clear();
    QString currentLayer() const { return m_currentLayer; }  // empty when no layer of the report is shown

    QStringList chartTactics() const;  // the bars' tactics, top to bottom (fastest first)

signals:
    // The user picked a layer in the view's own layer box (not emitted by showLayer).
    void layerSelected(const QString& name);

private:
    void showRecord(const LayerRecord* record, const QString& requestedName);
    void showSummary();

    BuildReport m_report;
    bool m_hasReport = false;
    QString m_currentLayer;
    QStringList m_chartTactics;

    QLabel* m_summary = nullptr;
    QComboBox* m_layerBox = nullptr;
    QLabel* m_layerSummary = nullptr;
    QCustomPlot* m_chart = nullptr;
    QCPBars* m_chosenBars = nullptr;
    QCPBars* m_otherBars = nullptr;
    QStandardItemModel* m_model = nullptr;
    QTableView* m_table = nullptr;
};

}  // namespace kiln::views

// What a build did, readable: a summary (layers before → after, how many execute and how many were
// elided, the activation arena against the activations it holds, the time of each build phase, the
// time spent timing tactics with timing-cache hits and misses, warnings) and the list of changes
// grouped by the pass that made them ("fused conv1 + bn1 + relu1"). Picking a change selects the
// layers it produced in the graph; picking a pass selects every layer that pass produced.
#pragma once

#include <QStringList>
#include <QWidget>

#include "kiln/build_report.h"

class QLabel;
class QLineEdit;
class QTreeWidget;

namespace kiln::views {

class BuildReportView : public QWidget {
    Q_OBJECT

public:
    enum Column { ChangeColumn, LayersColumn, ColumnCount };

    explicit BuildReportView(QWidget* parent = nullptr);

    void setReport(const BuildReport& report);
    void clear();

    // Shows only the changes whose description or layers contain `text` (case-insensitive); empty
    // shows all. The filter box above the list calls this.
    void setFilter(const QString& text);
    int visibleChangeCount() const;

signals:
    void layersSelected(const QStringList& names);  // the layers an entry produced (PassChange::layers)

private:
    void showSummary(const BuildReport* report);
    void fitPhasesHeight();

    QLabel* m_layersValue = nullptr;
    QLabel* m_memoryValue = nullptr;
    QLabel* m_timingValue = nullptr;
    QTreeWidget* m_phases = nullptr;
    QLabel* m_warningsValue = nullptr;
    QLineEdit* m_filter = nullptr;
    QTreeWidget* m_changes = nullptr;
};

}  // namespace kiln::views

// The lint hints of an engine (kiln/lint.h) as a list: each hint's severity, what is wrong and how many
// layers it concerns, with what to do below the list for the hint picked. Picking a hint selects its
// layers in the graph.
#pragma once

#include <QStringList>
#include <QWidget>
#include <vector>

#include "kiln/lint.h"

class QLabel;
class QTreeWidget;

namespace kiln::views {

class LintView : public QWidget {
    Q_OBJECT

public:
    enum Column { SeverityColumn, HintColumn, LayersColumn, ColumnCount };

    explicit LintView(QWidget* parent = nullptr);

    void setHints(std::vector<LintHint> hints);
    void clear();
    int hintCount() const;

signals:
    void layersSelected(const QStringList& names);  // the layers of the hint picked

private:
    void showAdvice(int row);

    std::vector<LintHint> m_hints;
    QLabel* m_summary = nullptr;
    QTreeWidget* m_list = nullptr;
    QLabel* m_advice = nullptr;
};

}  // namespace kiln::views

// What the Compare Engines tests share: opening the window from the Build menu, choosing its sides and
// running a comparison to its end, and finding a group of the comparison by the layers it holds.
#pragma once

#include <QAction>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <algorithm>
#include <string>

#include "comparison_window.h"
#include "engine_comparison_view.h"
#include "main_window.h"

namespace kiln::testing {

// Triggers Build > Compare Engines… and returns the window it shows.
inline workbench::ComparisonWindow* openComparisonWindow(workbench::MainWindow& window) {
    auto* action = window.findChild<QAction*>(QStringLiteral("compareEnginesAction"));
    if (!action) return nullptr;
    action->trigger();
    return window.comparisonWindow();
}

// Sets the runs, presses Compare and waits for the comparison to finish.
inline bool compareAndWait(workbench::ComparisonWindow& comparison, int runs, int timeoutMs) {
    comparison.findChild<QSpinBox*>(QStringLiteral("comparisonRuns"))->setValue(runs);
    comparison.findChild<QSpinBox*>(QStringLiteral("comparisonWarmUp"))->setValue(1);
    QSignalSpy finished(&comparison, &workbench::ComparisonWindow::comparisonFinished);
    comparison.findChild<QPushButton*>(QStringLiteral("compareButton"))->click();
    return finished.wait(timeoutMs);
}

inline bool holds(const std::vector<std::string>& layers, const std::string& name) {
    return std::find(layers.begin(), layers.end(), name) != layers.end();
}

// The index of the group whose B side holds both layers; -1 when none does.
inline int groupWithBLayers(const EngineComparison& comparison, const std::string& first,
                            const std::string& second) {
    for (size_t g = 0; g < comparison.groups.size(); ++g) {
        if (holds(comparison.groups[g].layersB, first) && holds(comparison.groups[g].layersB, second))
            return int(g);
    }
    return -1;
}

}  // namespace kiln::testing

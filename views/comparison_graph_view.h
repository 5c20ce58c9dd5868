// The network before and after the builder's rewriting, side by side ("Before fusion" | "After
// fusion"), with one toolbar for both: find, zoom, fit, color mode (layer type, precision, latency,
// error against FP32) and legend. Selecting a layer on
// one side lights up the related layers on the other through provenance: a fused layer's original
// layers, or every fused layer an original layer went into.
#pragma once

#include <QHash>
#include <QStringList>
#include <QWidget>
#include <vector>

#include "graph_view.h"
#include "kiln/build_report.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QToolButton;

namespace kiln::views {

class ComparisonGraphView : public QWidget {
    Q_OBJECT

public:
    explicit ComparisonGraphView(QWidget* parent = nullptr);

    // Model opened, no build yet: the right side is empty with a hint.
    void setNetworkLayers(const std::vector<kiln::LayerRecord>& before);
    // Both sides from a build.
    void setReport(const kiln::BuildReport& report);
    void clear();

    GraphView* beforeView() const { return m_before; }
    GraphView* afterView() const { return m_after; }

    // The after-fusion layer of that name if there is one, else the before-fusion layer; highlights
    // it and its related layers on the other side. Emits nothing.
    void selectLayer(const QString& name);
    // Measured times of after-fusion layers, by name.
    void setLayerLatencies(const QHash<QString, double>& milliseconds);
    // Errors against FP32 of a precision comparison: by after-fusion layer name for the right side, by
    // model node for the left (a fused layer's error counts for each node it came from). `measure` names
    // them for the legend ("FP16, mean relative error").
    void setLayerErrors(const QHash<QString, double>& afterLayers, const QHash<QString, double>& modelNodes,
                        const QString& measure);
    // Colors both sides by `mode`, as picking it in the toolbar does.
    void setColorMode(GraphView::ColorMode mode);

    // The layers on the other side that `name` is related to through provenance.
    QStringList beforeLayersOf(const QString& afterLayer) const;
    QStringList afterLayersOf(const QString& beforeLayer) const;

    QLineEdit* findEdit() const { return m_find; }
    QComboBox* colorModeBox() const { return m_colorMode; }
    QToolButton* legendButton() const { return m_legendButton; }
    // Finds the next layer matching `text` on the side last used (after fusion when it has layers,
    // unless the user last worked on the left), then on the other side. False when neither matches.
    bool find(const QString& text);

signals:
    void layerSelected(const QString& name, bool afterFusion);  // user selection on either side

private:
    void onBeforeActivated(const QString& name);
    void onAfterActivated(const QString& name);
    void onFindRequested();
    void onColorModeChanged(int index);
    void rebuildProvenance();
    void updateTitles();

    GraphView* m_before = nullptr;
    GraphView* m_after = nullptr;
    QLabel* m_beforeTitle = nullptr;
    QLabel* m_afterTitle = nullptr;
    QLineEdit* m_find = nullptr;
    QLabel* m_findStatus = nullptr;
    QComboBox* m_colorMode = nullptr;
    QToolButton* m_legendButton = nullptr;

    std::vector<kiln::LayerRecord> m_beforeLayers;
    std::vector<kiln::LayerRecord> m_afterLayers;
    QHash<QString, QStringList> m_beforeOfAfter;
    QHash<QString, QStringList> m_afterOfBefore;
    bool m_lastUsedAfter = true;
};

}  // namespace kiln::views

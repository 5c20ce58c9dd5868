// One layer selected across every view: the graphs before and after fusion, the properties panel, the
// layer table, the tactics and the profile. It indexes the document's layers before and after fusion
// by name (and which after-fusion layer holds each model node); when a view reports a selection it
// shows that layer, or the layers it became or came from, in the others, without moving the view that
// reported it. Build-report and lint entries select all their layers at once.
#pragma once

#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>
#include <memory>

#include "kiln/build_report.h"
#include "kiln/network.h"

class QSortFilterProxyModel;
class QTableView;

namespace kiln::views {
class ComparisonGraphView;
class LayerTableModel;
class ProfileView;
class PropertiesPanel;
class TacticView;
}  // namespace kiln::views

namespace kiln::workbench {

class Document;

class SelectionSync : public QObject {
    Q_OBJECT

public:
    // Where a selection came from; that view is not moved again.
    enum class Source { Graph, Table, Profile, Report, Tactics, Other };

    struct Views {
        views::ComparisonGraphView* graph = nullptr;
        views::PropertiesPanel* properties = nullptr;
        views::TacticView* tactics = nullptr;
        views::ProfileView* profile = nullptr;
        QTableView* layerTable = nullptr;  // shows layerModel through layerProxy
        views::LayerTableModel* layerModel = nullptr;
        QSortFilterProxyModel* layerProxy = nullptr;
    };

    // Listens to the views' own selections.
    SelectionSync(const Document* document, const Views& views, QObject* parent = nullptr);

    // The document's layers changed (a file loaded, an engine shown): indexes them again.
    void reindex();
    const LayerRecord* beforeRecord(const QString& name) const;
    const LayerRecord* afterRecord(const QString& name) const;
    // The engine's network, sharing ownership with the engine (null without one).
    std::shared_ptr<const NetworkDefinition> engineNetwork() const;

    const QString& selectedLayer() const { return m_selected; }
    bool selectedAfterFusion() const { return m_selectedAfterFusion; }

    // Selects `name` (an after-fusion layer when `afterFusion`) everywhere but in `source`; nothing
    // happens for a name the document does not have.
    void select(const QString& name, bool afterFusion, Source source);
    // The layers of a report or lint entry: the first selected, all of them highlighted in the after
    // graph and the nodes they came from in the before graph; before-fusion names when none is after.
    void selectLayers(const QStringList& names);
    // Forgets the selection (a new file).
    void clear();
    // After reindex(): selects the same layer again where it still exists, else empties the properties.
    void restore();

    // Which layers the layer table shows; its rows are selected again to match.
    void setTableShowsAfter(bool afterFusion);
    bool tableShowsAfter() const { return m_tableShowsAfter; }

private:
    void syncLayerTable();
    void onLayerTableSelection();

    const Document* m_document;
    Views m_views;
    QHash<QString, int> m_beforeIndex;        // before-fusion layer → index in layersBefore
    QHash<QString, int> m_afterIndex;         // after-fusion layer → index in layersAfter
    QHash<QString, QString> m_afterOfBefore;  // before-fusion layer → the after-fusion layer holding it
    QString m_selected;
    bool m_selectedAfterFusion = false;
    bool m_syncingTable = false;
    bool m_tableShowsAfter = false;
};

}  // namespace kiln::workbench

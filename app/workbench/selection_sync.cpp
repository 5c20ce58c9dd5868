// See selection_sync.h.
#include "selection_sync.h"

#include <QItemSelection>
#include <QSortFilterProxyModel>
#include <QTableView>

#include "comparison_graph_view.h"
#include "document.h"
#include "layer_table_model.h"
#include "profile_view.h"
#include "properties_panel.h"
#include "tactic_view.h"
#include "tensorrt_engine.h"

namespace kiln::workbench {

SelectionSync::SelectionSync(const Document* document, const Views& views, QObject* parent)
    : QObject(parent), m_document(document), m_views(views) {
    connect(m_views.graph, &views::ComparisonGraphView::layerSelected, this,
            [this](const QString& name, bool afterFusion) { select(name, afterFusion, Source::Graph); });
    connect(m_views.profile, &views::ProfileView::layerSelected, this,
            [this](const QString& name) { select(name, true, Source::Profile); });
    connect(m_views.tactics, &views::TacticView::layerSelected, this,
            [this](const QString& name) { select(name, true, Source::Tactics); });
    connect(m_views.layerTable->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &SelectionSync::onLayerTableSelection);
}

std::shared_ptr<const NetworkDefinition> SelectionSync::engineNetwork() const {
    const std::shared_ptr<const Engine>& engine = m_document->engine();
    // Shares ownership with the engine, so the network lives as long as a view holds it.
    return engine ? std::shared_ptr<const NetworkDefinition>(engine, &engine->network()) : nullptr;
}

const LayerRecord* SelectionSync::beforeRecord(const QString& name) const {
    const auto it = m_beforeIndex.constFind(name);
    return it == m_beforeIndex.constEnd() ? nullptr : &m_document->layersBefore()[size_t(*it)];
}

const LayerRecord* SelectionSync::afterRecord(const QString& name) const {
    const auto it = m_afterIndex.constFind(name);
    const std::vector<LayerRecord>& after = m_document->layersAfter();
    if (it == m_afterIndex.constEnd() || size_t(*it) >= after.size()) return nullptr;
    return &after[size_t(*it)];
}

void SelectionSync::reindex() {
    m_beforeIndex.clear();
    m_afterIndex.clear();
    m_afterOfBefore.clear();
    const std::vector<LayerRecord>& before = m_document->layersBefore();
    for (size_t i = 0; i < before.size(); ++i)
        m_beforeIndex.insert(QString::fromStdString(before[i].name), int(i));
    const std::vector<LayerRecord>& after = m_document->layersAfter();
    for (size_t i = 0; i < after.size(); ++i) {
        const QString name = QString::fromStdString(after[i].name);
        m_afterIndex.insert(name, int(i));
        for (const std::string& original : after[i].provenance)
            m_afterOfBefore.insert(QString::fromStdString(original), name);
    }
}

void SelectionSync::select(const QString& name, bool afterFusion, Source source) {
    const LayerRecord* record = afterFusion ? afterRecord(name) : beforeRecord(name);
    if (!record) return;
    m_selected = name;
    m_selectedAfterFusion = afterFusion;
    // The graph has highlighted a node the user clicked already; moving its view again would jump.
    if (source != Source::Graph) m_views.graph->selectLayer(name);
    m_views.properties->showLayer(afterFusion ? engineNetwork() : m_document->network(), name, record);
    if (const auto& engine = m_document->tensorRtEngine(); engine && afterFusion) {
        const size_t index = size_t(m_afterIndex.value(name));
        if (index < engine->fields.size())
            m_views.properties->addFileFields(tr("In the engine graph JSON"), engine->fields[index]);
    }
    const QString afterName = afterFusion ? name : m_afterOfBefore.value(name);
    if (!afterName.isEmpty() && source != Source::Tactics) m_views.tactics->showLayer(afterName);
    if (source != Source::Profile) m_views.profile->selectLayer(afterName);
    if (source != Source::Table) syncLayerTable();
}

void SelectionSync::selectLayers(const QStringList& names) {
    QStringList afterNames;
    for (const QString& name : names) {
        if (afterRecord(name)) afterNames << name;
    }
    if (afterNames.isEmpty()) {
        // The entry names layers that a later pass rewrote again, or layers before fusion.
        for (const QString& name : names) {
            if (beforeRecord(name)) {
                select(name, false, Source::Report);
                return;
            }
        }
        return;
    }
    select(afterNames.first(), true, Source::Report);
    if (afterNames.size() > 1) {
        // Every layer of the entry: the after graph shows them all, the before graph where they came from.
        QStringList originals;
        for (const QString& name : afterNames) {
            for (const std::string& original : afterRecord(name)->provenance)
                originals << QString::fromStdString(original);
        }
        m_views.graph->afterView()->setHighlightedLayers(afterNames);
        m_views.graph->beforeView()->setHighlightedLayers(originals);
    }
}

void SelectionSync::clear() {
    m_selected.clear();
}

void SelectionSync::restore() {
    if (m_selected.isEmpty()) return;
    // Keep the selection where it still exists: a before-fusion layer always does after a rebuild.
    const QString name = m_selected;
    const bool after = m_selectedAfterFusion;
    m_selected.clear();
    if (after ? afterRecord(name) != nullptr : beforeRecord(name) != nullptr) {
        select(name, after, Source::Other);
    } else {
        m_views.properties->clear();
    }
}

void SelectionSync::setTableShowsAfter(bool afterFusion) {
    m_tableShowsAfter = afterFusion;
    if (!m_selected.isEmpty()) syncLayerTable();
}

void SelectionSync::syncLayerTable() {
    QStringList names;
    if (m_tableShowsAfter == m_selectedAfterFusion) {
        names << m_selected;
    } else if (m_tableShowsAfter) {
        names << m_afterOfBefore.value(m_selected);
    } else if (const LayerRecord* record = afterRecord(m_selected)) {
        for (const std::string& original : record->provenance)
            names << QString::fromStdString(original);
    }
    QItemSelection selection;
    QModelIndex first;
    for (int row = 0; row < m_views.layerModel->rowCount(); ++row) {
        if (!names.contains(m_views.layerModel->nameAt(row))) continue;
        const QModelIndex index = m_views.layerProxy->mapFromSource(m_views.layerModel->index(row, 0));
        if (!index.isValid()) continue;
        selection.select(index, index);
        if (!first.isValid()) first = index;
    }
    m_syncingTable = true;
    QItemSelectionModel* model = m_views.layerTable->selectionModel();
    if (first.isValid()) model->setCurrentIndex(first, QItemSelectionModel::NoUpdate);
    model->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    if (first.isValid()) m_views.layerTable->scrollTo(first);
    m_syncingTable = false;
}

void SelectionSync::onLayerTableSelection() {
    if (m_syncingTable) return;
    const QModelIndex current = m_views.layerProxy->mapToSource(m_views.layerTable->currentIndex());
    const QString name = current.isValid() ? m_views.layerModel->nameAt(current.row()) : QString();
    if (!name.isEmpty()) select(name, m_tableShowsAfter, Source::Table);
}

}  // namespace kiln::workbench

// Fills the summary form and the pass → change tree from a BuildReport. Each item keeps the layer
// names it selects, so picking one needs no lookup. See build_report_view.h.
#include "build_report_view.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <map>

#include "engine_messages.h"
#include "row_pick.h"

namespace kiln::views {

namespace {

constexpr int kLayersRole = Qt::UserRole;
constexpr double kMiB = 1024.0 * 1024.0;

QLabel* valueLabel(const QString& objectName) {
    auto* label = new QLabel;
    label->setObjectName(objectName);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setTextFormat(Qt::PlainText);
    return label;
}

QStringList toQStringList(const std::vector<std::string>& names) {
    QStringList list;
    for (const std::string& name : names)
        list << QString::fromStdString(name);
    return list;
}

}  // namespace

BuildReportView::BuildReportView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    auto* splitter = new QSplitter(Qt::Vertical);

    auto* summary = new QGroupBox(tr("Summary"));
    summary->setObjectName(QStringLiteral("summaryBox"));
    auto* form = new QFormLayout(summary);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_layersValue = valueLabel(QStringLiteral("layersValue"));
    m_memoryValue = valueLabel(QStringLiteral("memoryValue"));
    m_timingValue = valueLabel(QStringLiteral("timingValue"));
    m_warningsValue = valueLabel(QStringLiteral("warningsValue"));
    m_phases = new QTreeWidget;
    m_phases->setObjectName(QStringLiteral("phasesTable"));
    m_phases->setRootIsDecorated(false);
    m_phases->setColumnCount(2);
    m_phases->setHeaderLabels({tr("Phase"), tr("Time (ms)")});
    m_phases->headerItem()->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
    m_phases->header()->setStretchLastSection(false);
    m_phases->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_phases->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_phases->setSelectionMode(QAbstractItemView::NoSelection);
    m_phases->setFocusPolicy(Qt::NoFocus);
    m_phases->setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    form->addRow(tr("Layers:"), m_layersValue);
    form->addRow(tr("Activation memory:"), m_memoryValue);
    form->addRow(tr("Tactic timing:"), m_timingValue);
    form->addRow(tr("Phases:"), m_phases);
    form->addRow(tr("Warnings:"), m_warningsValue);
    splitter->addWidget(summary);

    auto* changesBox = new QWidget;
    auto* changesLayout = new QVBoxLayout(changesBox);
    changesLayout->setContentsMargins(0, 0, 0, 0);
    m_filter = new QLineEdit;
    m_filter->setObjectName(QStringLiteral("filterEdit"));
    m_filter->setPlaceholderText(tr("Filter changes by layer or description"));
    m_filter->setClearButtonEnabled(true);
    changesLayout->addWidget(m_filter);
    m_changes = new QTreeWidget;
    m_changes->setObjectName(QStringLiteral("changesTree"));
    m_changes->setColumnCount(ColumnCount);
    m_changes->setHeaderLabels({tr("Change"), tr("Resulting layers")});
    m_changes->setUniformRowHeights(true);
    m_changes->setAlternatingRowColors(true);
    m_changes->setTextElideMode(Qt::ElideMiddle);
    m_changes->header()->setStretchLastSection(true);
    m_changes->header()->resizeSection(ChangeColumn, 360);
    changesLayout->addWidget(m_changes);
    splitter->addWidget(changesBox);
    splitter->setStretchFactor(1, 1);
    layout->addWidget(splitter);

    connect(m_filter, &QLineEdit::textChanged, this, &BuildReportView::setFilter);
    onRowPicked(m_changes, [this](const QModelIndex& index) {
        const QStringList names = index.siblingAtColumn(ChangeColumn).data(kLayersRole).toStringList();
        if (!names.isEmpty()) emit layersSelected(names);
    });
    clear();
}

void BuildReportView::clear() {
    m_changes->clear();
    m_filter->clear();
    auto* hint = new QTreeWidgetItem(m_changes, {tr("Build the model to see what each pass changed.")});
    hint->setFlags(Qt::NoItemFlags);
    showSummary(nullptr);
}

// The phase list is short (a handful of phases): it shows whole, up to a limit, instead of leaving
// empty rows or an inner scroll bar.
void BuildReportView::fitPhasesHeight() {
    constexpr int kMaxVisibleRows = 12;
    const int rows = std::clamp(m_phases->topLevelItemCount(), 1, kMaxVisibleRows);
    const int rowHeight = m_phases->topLevelItemCount() > 0 ? m_phases->sizeHintForRow(0)
                                                            : m_phases->fontMetrics().height() + 4;
    m_phases->setFixedHeight(m_phases->header()->sizeHint().height() + rows * rowHeight + 2 * m_phases->frameWidth() + 2);
}

void BuildReportView::showSummary(const BuildReport* report) {
    m_phases->clear();
    if (!report) {
        fitPhasesHeight();
        for (QLabel* label : {m_layersValue, m_memoryValue, m_timingValue, m_warningsValue})
            label->setText(QStringLiteral("—"));
        return;
    }
    int elided = 0;
    for (const LayerRecord& layer : report->layersAfter)
        elided += layer.elided ? 1 : 0;
    const int after = int(report->layersAfter.size());
    m_layersValue->setText(tr("%1 → %2 (%3 executed, %4 elided)")
                               .arg(report->layersBefore.size())
                               .arg(after)
                               .arg(after - elided)
                               .arg(elided));

    const double arena = double(report->arenaBytes) / kMiB;
    const double activations = double(report->activationBytes) / kMiB;
    if (report->activationBytes > 0) {
        m_memoryValue->setText(tr("arena %1 MiB for %2 MiB of activations: %3 % of their size without reuse")
                                   .arg(arena, 0, 'f', 2)
                                   .arg(activations, 0, 'f', 2)
                                   .arg(100.0 * double(report->arenaBytes) / double(report->activationBytes), 0, 'f', 1));
    } else {
        m_memoryValue->setText(tr("arena %1 MiB").arg(arena, 0, 'f', 2));
    }

    const QLocale locale;
    if (report->timingCacheHits + report->timingCacheMisses == 0 && report->timingMilliseconds <= 0.0) {
        m_timingValue->setText(tr("no tactics were timed"));
    } else {
        m_timingValue->setText(tr("%1 ms timing tactics; timing cache hits: %2, misses: %3")
                                   .arg(locale.toString(report->timingMilliseconds, 'f', 1))
                                   .arg(report->timingCacheHits)
                                   .arg(report->timingCacheMisses));
    }

    double total = 0.0;
    for (const PhaseTime& phase : report->phases) {
        auto* item = new QTreeWidgetItem(m_phases, {QString::fromStdString(phase.phase),
                                                    locale.toString(phase.milliseconds, 'f', 1)});
        item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
        total += phase.milliseconds;
    }
    if (!report->phases.empty()) {
        auto* item = new QTreeWidgetItem(m_phases, {tr("Total"), locale.toString(total, 'f', 1)});
        item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
        QFont bold = item->font(0);
        bold.setBold(true);
        item->setFont(0, bold);
        item->setFont(1, bold);
    }
    fitPhasesHeight();

    if (report->warnings.empty()) {
        m_warningsValue->setText(tr("none"));
        m_warningsValue->setStyleSheet(QString());
    } else {
        QStringList lines;
        for (const std::string& warning : report->warnings)
            lines << tr("• %1").arg(EngineMessages::statusText(warning));
        m_warningsValue->setText(lines.join(QLatin1Char('\n')));
        m_warningsValue->setStyleSheet(QStringLiteral("color: #a05a00;"));
    }
}

void BuildReportView::setReport(const BuildReport& report) {
    m_changes->clear();
    m_filter->clear();
    showSummary(&report);
    if (report.changes.empty()) {
        auto* hint = new QTreeWidgetItem(m_changes, {tr("No pass changed the network.")});
        hint->setFlags(Qt::NoItemFlags);
        return;
    }
    // Passes in the order they first changed something, which is the pipeline's order.
    std::map<std::string, QTreeWidgetItem*> passes;
    for (const PassChange& change : report.changes) {
        QTreeWidgetItem*& pass = passes[change.pass];
        if (!pass) {
            pass = new QTreeWidgetItem(m_changes);
            pass->setData(ChangeColumn, Qt::UserRole + 1, EngineMessages::passName(change.pass));
            QFont bold = pass->font(ChangeColumn);
            bold.setBold(true);
            pass->setFont(ChangeColumn, bold);
        }
        const QStringList layers = toQStringList(change.layers);
        const QString description = EngineMessages::text(change.messageId, change.messageArgs, change.description);
        auto* item = new QTreeWidgetItem(pass, {description, layers.join(QStringLiteral(", "))});
        item->setData(ChangeColumn, kLayersRole, layers);
        item->setToolTip(ChangeColumn, description);
        item->setToolTip(LayersColumn, layers.join(QLatin1Char('\n')));
        QStringList passLayers = pass->data(ChangeColumn, kLayersRole).toStringList();
        for (const QString& layer : layers) {
            if (!passLayers.contains(layer)) passLayers << layer;
        }
        pass->setData(ChangeColumn, kLayersRole, passLayers);
    }
    for (int i = 0; i < m_changes->topLevelItemCount(); ++i) {
        QTreeWidgetItem* pass = m_changes->topLevelItem(i);
        pass->setText(ChangeColumn, tr("%1 (%2)").arg(pass->data(ChangeColumn, Qt::UserRole + 1).toString())
                                        .arg(pass->childCount()));
    }
    m_changes->expandAll();
}

void BuildReportView::setFilter(const QString& text) {
    if (m_filter->text() != text) {
        m_filter->setText(text);  // comes back here through textChanged
        return;
    }
    for (int i = 0; i < m_changes->topLevelItemCount(); ++i) {
        QTreeWidgetItem* pass = m_changes->topLevelItem(i);
        int shown = 0;
        for (int j = 0; j < pass->childCount(); ++j) {
            QTreeWidgetItem* change = pass->child(j);
            const bool match = text.isEmpty() || change->text(ChangeColumn).contains(text, Qt::CaseInsensitive) ||
                               change->text(LayersColumn).contains(text, Qt::CaseInsensitive);
            change->setHidden(!match);
            shown += match ? 1 : 0;
        }
        if (pass->childCount() > 0) pass->setHidden(shown == 0);
    }
}

int BuildReportView::visibleChangeCount() const {
    int count = 0;
    for (int i = 0; i < m_changes->topLevelItemCount(); ++i) {
        const QTreeWidgetItem* pass = m_changes->topLevelItem(i);
        for (int j = 0; j < pass->childCount(); ++j)
            count += pass->isHidden() || pass->child(j)->isHidden() ? 0 : 1;
    }
    return count;
}

}  // namespace kiln::views

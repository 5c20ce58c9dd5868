// The lint hints list (lint_view.h).
#include "lint_view.h"

#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace kiln::views {

namespace {

QString severityText(HintSeverity severity) {
    return severity == HintSeverity::Warning ? LintView::tr("Warning") : LintView::tr("Info");
}

}  // namespace

LintView::LintView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("lintSummary"));
    m_summary->setWordWrap(true);
    m_list = new QTreeWidget(this);
    m_list->setObjectName(QStringLiteral("lintList"));
    m_list->setColumnCount(ColumnCount);
    m_list->setHeaderLabels({tr("Severity"), tr("Hint"), tr("Layers")});
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setWordWrap(false);
    m_list->header()->setSectionResizeMode(HintColumn, QHeaderView::Stretch);
    m_list->header()->setStretchLastSection(false);
    m_advice = new QLabel(this);
    m_advice->setObjectName(QStringLiteral("lintAdvice"));
    m_advice->setWordWrap(true);
    m_advice->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_summary);
    layout->addWidget(m_list, 1);
    layout->addWidget(m_advice);
    connect(m_list, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        const int row = item ? m_list->indexOfTopLevelItem(item) : -1;
        showAdvice(row);
        if (row < 0 || size_t(row) >= m_hints.size()) return;
        QStringList names;
        for (const std::string& layer : m_hints[size_t(row)].layers) names << QString::fromStdString(layer);
        emit layersSelected(names);
    });
    clear();
}

void LintView::setHints(std::vector<LintHint> hints) {
    m_hints = std::move(hints);
    m_list->clear();
    int warnings = 0;
    for (const LintHint& hint : m_hints) {
        warnings += hint.severity == HintSeverity::Warning ? 1 : 0;
        auto* item = new QTreeWidgetItem(m_list);
        item->setText(SeverityColumn, severityText(hint.severity));
        item->setText(HintColumn, QString::fromStdString(hint.message));
        item->setToolTip(HintColumn, QString::fromStdString(hint.message));
        item->setText(LayersColumn, QString::number(hint.layers.size()));
        item->setData(SeverityColumn, Qt::UserRole, QString::fromStdString(hint.id));
        if (hint.severity == HintSeverity::Warning) item->setForeground(SeverityColumn, QColor(0xb0, 0x5a, 0x00));
    }
    m_summary->setText(m_hints.empty() ? tr("No hints: nothing in this engine's report looks slower than it should.")
                                       : tr("%n hint(s), %1 of them warnings. Pick one to select its layers.", nullptr,
                                            int(m_hints.size()))
                                             .arg(warnings));
    m_list->resizeColumnToContents(SeverityColumn);
    showAdvice(-1);
}

void LintView::clear() {
    m_hints.clear();
    m_list->clear();
    m_summary->setText(tr("Build the model or open a plan to see its lint hints."));
    showAdvice(-1);
}

int LintView::hintCount() const { return int(m_hints.size()); }

void LintView::showAdvice(int row) {
    if (row < 0 || size_t(row) >= m_hints.size()) {
        m_advice->clear();
        m_advice->hide();
        return;
    }
    m_advice->setText(tr("What to do: %1").arg(QString::fromStdString(m_hints[size_t(row)].advice)));
    m_advice->show();
}

}  // namespace kiln::views

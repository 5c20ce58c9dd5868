// Lays out one layer's tactic candidates in the chart and the table; see tactic_view.h.
#include "tactic_view.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>
#include <limits>
#include <qcustomplot.h>

#include "table_roles.h"

namespace kiln::views {

namespace {

const QColor kChosenBrush(60, 160, 80);
const QColor kChosenBackground(214, 240, 218);
const QColor kChosenText(20, 100, 40);
const QColor kOtherBrush(70, 130, 180);

QString fromStd(const std::string& text) {
    return QString::fromStdString(text);
}

bool isTimed(const TacticCandidate& candidate) {
    return candidate.milliseconds >= 0.0 && candidate.skipReason.empty();
}

QStandardItem* textItem(const QString& text) {
    auto* item = new QStandardItem(text);
    item->setEditable(false);
    item->setData(text, SortRole);
    item->setToolTip(text);
    return item;
}

QStandardItem* numberItem(const QString& text, double sortValue) {
    auto* item = new QStandardItem(text);
    item->setEditable(false);
    item->setData(sortValue, SortRole);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

}  // namespace

TacticView::TacticView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("timingSummary"));
    m_summary->setWordWrap(true);
    layout->addWidget(m_summary);

    auto* picker = new QHBoxLayout;
    picker->addWidget(new QLabel(tr("Layer:")));
    m_layerBox = new QComboBox;
    m_layerBox->setObjectName(QStringLiteral("layerBox"));
    m_layerBox->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_layerBox->setMinimumContentsLength(30);
    picker->addWidget(m_layerBox, 1);
    layout->addLayout(picker);

    m_layerSummary = new QLabel;
    m_layerSummary->setObjectName(QStringLiteral("layerSummary"));
    m_layerSummary->setWordWrap(true);
    m_layerSummary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_layerSummary);

    auto* splitter = new QSplitter(Qt::Vertical);
    m_chart = new QCustomPlot;
    m_chart->setObjectName(QStringLiteral("tacticChart"));
    m_chart->setMinimumHeight(140);
    // Horizontal bars: tactic names are long and read best as rows; the first candidate on top.
    m_chart->yAxis->setRangeReversed(true);
    m_chart->xAxis->setLabel(tr("median time (ms)"));
    m_chosenBars = new QCPBars(m_chart->yAxis, m_chart->xAxis);
    m_chosenBars->setName(tr("chosen"));
    m_chosenBars->setPen(Qt::NoPen);
    m_chosenBars->setBrush(kChosenBrush);
    m_chosenBars->setWidth(0.7);
    m_otherBars = new QCPBars(m_chart->yAxis, m_chart->xAxis);
    m_otherBars->setName(tr("timed"));
    m_otherBars->setPen(Qt::NoPen);
    m_otherBars->setBrush(kOtherBrush);
    m_otherBars->setWidth(0.7);
    splitter->addWidget(m_chart);

    m_model = new QStandardItemModel(0, ColumnCount, this);
    m_model->setHorizontalHeaderLabels({tr("Tactic"), tr("Library"), tr("Time (ms)"), tr("vs. chosen"), tr("Note")});
    m_model->setSortRole(SortRole);
    m_table = new QTableView;
    m_table->setObjectName(QStringLiteral("candidateTable"));
    m_table->setModel(m_model);
    m_table->setSortingEnabled(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->hide();
    m_table->setWordWrap(false);
    QHeaderView* header = m_table->horizontalHeader();
    header->resizeSection(TacticColumn, 240);
    header->resizeSection(LibraryColumn, 120);
    header->resizeSection(TimeColumn, 90);
    header->resizeSection(RelativeColumn, 80);
    header->setStretchLastSection(true);
    header->setSortIndicator(TimeColumn, Qt::AscendingOrder);
    splitter->addWidget(m_table);
    layout->addWidget(splitter, 1);

    connect(m_layerBox, &QComboBox::activated, this, [this](int index) {
        const QString name = m_layerBox->itemText(index);
        showLayer(name);
        emit layerSelected(name);
    });
    clear();
}

void TacticView::clear() {
    m_report = BuildReport{};
    m_hasReport = false;
    m_layerBox->clear();
    m_layerBox->setEnabled(false);
    showSummary();
    showRecord(nullptr, QString());
}

void TacticView::setReport(const BuildReport& report) {
    m_report = report;
    m_hasReport = true;
    m_layerBox->clear();
    for (const LayerRecord& layer : m_report.layersAfter)
        m_layerBox->addItem(fromStd(layer.name));
    m_layerBox->setEnabled(m_layerBox->count() > 0);
    m_layerBox->setCurrentIndex(-1);
    showSummary();
    showRecord(nullptr, QString());
}

void TacticView::showSummary() {
    if (!m_hasReport) {
        m_summary->setText(tr("Build the model to see the kernels the builder timed for each layer."));
        return;
    }
    const QLocale locale;
    if (m_report.timingCacheHits + m_report.timingCacheMisses == 0 && m_report.timingMilliseconds <= 0.0) {
        m_summary->setText(tr("This build timed no tactics."));
        return;
    }
    m_summary->setText(tr("Timing tactics took %1 ms; timing cache hits: %2, misses: %3.")
                           .arg(locale.toString(m_report.timingMilliseconds, 'f', 1))
                           .arg(m_report.timingCacheHits)
                           .arg(m_report.timingCacheMisses));
}

void TacticView::showLayer(const QString& afterFusionLayerName) {
    const std::string name = afterFusionLayerName.toStdString();
    const LayerRecord* record = nullptr;
    for (const LayerRecord& layer : m_report.layersAfter) {
        if (layer.name == name) record = &layer;
    }
    if (!record) {
        for (const LayerRecord& layer : m_report.layersAfter) {
            if (std::find(layer.provenance.begin(), layer.provenance.end(), name) != layer.provenance.end()) {
                record = &layer;
                break;
            }
        }
    }
    showRecord(record, afterFusionLayerName);
}

QStringList TacticView::chartTactics() const {
    return m_chartTactics;
}

void TacticView::showRecord(const LayerRecord* record, const QString& requestedName) {
    m_model->removeRows(0, m_model->rowCount());
    m_chartTactics.clear();
    m_chosenBars->data()->clear();
    m_otherBars->data()->clear();
    m_chart->clearItems();
    m_currentLayer = record ? fromStd(record->name) : QString();
    m_layerBox->setCurrentIndex(record ? m_layerBox->findText(m_currentLayer) : -1);

    QString message;
    if (!m_hasReport) {
        message = QString();
    } else if (!record && requestedName.isEmpty()) {
        message = tr("Select a layer in the graph to see the kernels the builder considered for it.");
    } else if (!record) {
        message = tr("\"%1\" is not a layer of the built engine.").arg(requestedName);
    }
    if (!record) {
        m_layerSummary->setText(message);
        m_chart->replot();
        return;
    }

    const std::vector<TacticCandidate>& candidates = record->candidates;
    const TacticCandidate* chosen = nullptr;
    int timed = 0;
    for (const TacticCandidate& candidate : candidates) {
        if (candidate.chosen) chosen = &candidate;
        timed += isTimed(candidate) ? 1 : 0;
    }
    const int skipped = int(candidates.size()) - timed;
    const QString kind = fromStd(record->kind);
    const QString precision = record->precision.empty() ? QString() : tr(", %1").arg(fromStd(record->precision));
    QString text;
    if (record->elided) {
        text = tr("%1 (%2%3) is elided: its outputs alias its inputs, so it runs no kernel.")
                   .arg(m_currentLayer, kind, precision);
    } else if (candidates.empty()) {
        text = record->tactic.empty()
                   ? tr("%1 (%2%3): the build recorded no candidates for this layer.").arg(m_currentLayer, kind, precision)
                   : tr("%1 (%2%3) runs %4; the build recorded no other candidates.")
                         .arg(m_currentLayer, kind, precision, fromStd(record->tactic));
    } else {
        text = tr("%1 (%2%3): %4 candidates, %5 timed, %6 skipped.")
                   .arg(m_currentLayer, kind, precision)
                   .arg(candidates.size())
                   .arg(timed)
                   .arg(skipped);
        if (chosen && chosen->milliseconds >= 0.0) {
            text += QLatin1Char(' ') + tr("Chosen: %1 (%2 ms).")
                                           .arg(fromStd(chosen->tactic), QString::number(chosen->milliseconds, 'f', 4));
        }
        if (chosen && chosen->networkMilliseconds >= 0.0) {
            text += QLatin1Char(' ') +
                    tr("Close candidates ran again in the network; the chosen one took %1 ms there.")
                        .arg(QString::number(chosen->networkMilliseconds, 'f', 4));
        }
        if (record->timingReused) {
            text += QLatin1Char(' ') + tr("Times of an identical layer timed earlier in this build.");
        } else if (record->timingFromCache) {
            text += QLatin1Char(' ') + tr("Times from the timing cache.");
        }
        if (record->timingBatch > 0) {
            text +=
                QLatin1Char(' ') + tr("Timed on %1 images of the batch; the chosen tactic runs all of them.")
                                       .arg(record->timingBatch);
        }
    }
    m_layerSummary->setText(text);

    // Chart: timed candidates, fastest on top.
    std::vector<const TacticCandidate*> bars;
    for (const TacticCandidate& candidate : candidates) {
        if (isTimed(candidate)) bars.push_back(&candidate);
    }
    std::stable_sort(bars.begin(), bars.end(), [](const TacticCandidate* a, const TacticCandidate* b) {
        return a->milliseconds < b->milliseconds;
    });
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    double slowest = 0.0;
    for (size_t position = 0; position < bars.size(); ++position) {
        const TacticCandidate& candidate = *bars[position];
        const double key = double(position + 1);
        (candidate.chosen ? m_chosenBars : m_otherBars)->addData(key, candidate.milliseconds);
        ticker->addTick(key, fromStd(candidate.tactic));
        m_chartTactics << fromStd(candidate.tactic);
        slowest = std::max(slowest, candidate.milliseconds);
    }
    m_chart->yAxis->setTicker(ticker);
    m_chart->yAxis->setRange(0.4, double(bars.size()) + 0.6);
    m_chart->xAxis->setRange(0.0, slowest > 0.0 ? slowest * 1.1 : 1.0);
    if (bars.empty() && !candidates.empty()) {
        auto* hint = new QCPItemText(m_chart);
        hint->position->setType(QCPItemPosition::ptAxisRectRatio);
        hint->position->setCoords(0.5, 0.5);
        hint->setText(tr("No candidate was timed; the table says why."));
    }
    m_chart->replot();

    // Table: every candidate; the chosen one bold on green, skipped ones grey with their reason.
    const double chosenMs = chosen && chosen->milliseconds > 0.0 ? chosen->milliseconds : 0.0;
    const QColor skippedText = palette().color(QPalette::Disabled, QPalette::Text);
    for (const TacticCandidate& candidate : candidates) {
        const bool wasTimed = isTimed(candidate);
        QList<QStandardItem*> row;
        row << textItem(fromStd(candidate.tactic)) << textItem(fromStd(candidate.library));
        // Skipped candidates sort after every timed one in ascending order.
        const double sortTime = wasTimed ? candidate.milliseconds : std::numeric_limits<double>::max();
        row << numberItem(wasTimed ? QString::number(candidate.milliseconds, 'f', 4) : QStringLiteral("—"), sortTime);
        if (wasTimed && chosenMs > 0.0) {
            const double ratio = candidate.milliseconds / chosenMs;
            row << numberItem(tr("%1×").arg(ratio, 0, 'f', 2), ratio);
        } else {
            row << numberItem(QStringLiteral("—"), std::numeric_limits<double>::max());
        }
        QString note;
        if (candidate.chosen) note = tr("chosen");
        else if (!candidate.skipReason.empty()) note = tr("skipped: %1").arg(fromStd(candidate.skipReason));
        else if (!wasTimed) note = tr("not timed");
        if (candidate.networkMilliseconds >= 0.0) {
            note += (note.isEmpty() ? QString() : QStringLiteral("; ")) +
                    tr("%1 ms in the network").arg(QString::number(candidate.networkMilliseconds, 'f', 4));
        }
        row << textItem(note);
        for (QStandardItem* item : row) {
            if (candidate.chosen) {
                QFont font = item->font();
                font.setBold(true);
                item->setFont(font);
                item->setBackground(kChosenBackground);
                item->setForeground(kChosenText);
            } else if (!wasTimed) {
                QFont font = item->font();
                font.setItalic(true);
                item->setFont(font);
                item->setForeground(skippedText);
            }
        }
        m_model->appendRow(row);
    }
    const QHeaderView* header = m_table->horizontalHeader();
    m_model->sort(header->sortIndicatorSection(), header->sortIndicatorOrder());
}

}  // namespace kiln::views

// The Compare Engines window's controls and their wiring to the job and the view; see comparison_window.h.
#include "comparison_window.h"

#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include "build_panel.h"
#include "document.h"
#include "engine_comparison_view.h"

namespace kiln::workbench {

namespace {

int indexOf(ComparisonWindow::Side side) {
    return side == ComparisonWindow::Side::A ? 0 : 1;
}

}  // namespace

ComparisonWindow::ComparisonWindow(Document* document, BuildPanel* buildPanel, QWidget* parent)
    : QWidget(parent, Qt::Window), m_document(document), m_buildPanel(buildPanel) {
    setObjectName(QStringLiteral("comparisonWindow"));
    setWindowTitle(tr("Compare Engines — Kiln Workbench"));
    resize(1600, 1000);
    m_job = new EngineComparisonJob(this);

    auto* layout = new QVBoxLayout(this);
    auto* controls = new QGridLayout;
    controls->setColumnStretch(2, 1);
    for (Side side : {Side::A, Side::B}) {
        SideWidgets& widgets = m_sides[indexOf(side)];
        const int row = indexOf(side);
        auto* label = new QLabel(side == Side::A ? tr("Engine A:") : tr("Engine B:"));
        QFont font = label->font();
        font.setBold(true);
        label->setFont(font);
        widgets.choice = new QComboBox;
        widgets.choice->setObjectName(side == Side::A ? QStringLiteral("choiceA")
                                                      : QStringLiteral("choiceB"));
        widgets.choice->addItem(tr("Engine shown in the workbench"));
        widgets.choice->addItem(tr("Plan file"));
        widgets.choice->addItem(tr("Open model, Build panel's options"));
        widgets.choice->addItem(tr("Open model, no fusion"));
        widgets.choice->addItem(tr("Open model, FP16"));
        widgets.path = new QLineEdit;
        widgets.path->setObjectName(side == Side::A ? QStringLiteral("planPathA")
                                                    : QStringLiteral("planPathB"));
        widgets.path->setPlaceholderText(tr("Plan file (.plan)"));
        widgets.browse = new QPushButton(tr("Browse…"));
        widgets.browse->setObjectName(side == Side::A ? QStringLiteral("browseA")
                                                      : QStringLiteral("browseB"));
        controls->addWidget(label, row, 0);
        controls->addWidget(widgets.choice, row, 1);
        controls->addWidget(widgets.path, row, 2);
        controls->addWidget(widgets.browse, row, 3);
        connect(widgets.choice, &QComboBox::currentIndexChanged, this, &ComparisonWindow::updateControls);
        connect(widgets.browse, &QPushButton::clicked, this, [this, side] { browse(side); });
    }
    layout->addLayout(controls);

    auto* runBar = new QHBoxLayout;
    runBar->addWidget(new QLabel(tr("Profiled runs:")));
    m_runs = new QSpinBox;
    m_runs->setObjectName(QStringLiteral("comparisonRuns"));
    m_runs->setRange(1, 100000);
    m_runs->setValue(30);
    m_runs->setToolTip(tr("Timed runs of each engine, in alternating rounds of ten"));
    runBar->addWidget(m_runs);
    runBar->addWidget(new QLabel(tr("Warm-up runs:")));
    m_warmUp = new QSpinBox;
    m_warmUp->setObjectName(QStringLiteral("comparisonWarmUp"));
    m_warmUp->setRange(0, 10000);
    m_warmUp->setValue(3);
    runBar->addWidget(m_warmUp);
    m_compareButton = new QPushButton(tr("Compare"));
    m_compareButton->setObjectName(QStringLiteral("compareButton"));
    m_compareButton->setDefault(true);
    m_cancelButton = new QPushButton(tr("Cancel"));
    m_cancelButton->setObjectName(QStringLiteral("cancelComparisonButton"));
    runBar->addWidget(m_compareButton);
    runBar->addWidget(m_cancelButton);
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("comparisonProgress"));
    m_progress->setMaximumWidth(220);
    m_progress->setVisible(false);
    runBar->addWidget(m_progress);
    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("comparisonStatus"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    runBar->addWidget(m_status, 1);
    m_exportButton = new QToolButton;
    m_exportButton->setObjectName(QStringLiteral("comparisonExportButton"));
    m_exportButton->setText(tr("Export"));
    m_exportButton->setPopupMode(QToolButton::InstantPopup);
    auto* exportMenu = new QMenu(m_exportButton);
    exportMenu->addAction(tr("Groups as CSV…"), this, [this] { exportWithDialog(ExportFormat::Csv); });
    exportMenu->addAction(tr("Comparison as JSON…"), this, [this] { exportWithDialog(ExportFormat::Json); });
    exportMenu->addAction(tr("Chart as PNG…"), this, [this] { exportWithDialog(ExportFormat::ChartPng); });
    exportMenu->addAction(tr("Window as PNG…"), this, [this] { exportWithDialog(ExportFormat::WindowPng); });
    m_exportButton->setMenu(exportMenu);
    runBar->addWidget(m_exportButton);
    layout->addLayout(runBar);

    m_error = new QLabel;
    m_error->setObjectName(QStringLiteral("comparisonError"));
    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("QLabel { color: #b3261e; }"));
    m_error->setVisible(false);
    layout->addWidget(m_error);

    m_view = new views::EngineComparisonView;
    m_view->setObjectName(QStringLiteral("engineComparisonView"));
    layout->addWidget(m_view, 1);

    connect(m_compareButton, &QPushButton::clicked, this, &ComparisonWindow::startComparison);
    connect(m_cancelButton, &QPushButton::clicked, this, &ComparisonWindow::cancelComparison);
    connect(m_job, &EngineComparisonJob::progress, this, &ComparisonWindow::onProgress);
    connect(m_job, &EngineComparisonJob::finished, this, &ComparisonWindow::onFinished);

    const bool hasEngine = m_document && m_document->engine();
    setChoice(Side::A, hasEngine ? Choice::ShownEngine : Choice::BuildWithPanelOptions);
    setChoice(Side::B, Choice::BuildWithoutFusion);
    m_status->setText(tr("Choose two engines and press Compare."));
}

void ComparisonWindow::setChoice(Side side, Choice choice, const QString& planPath) {
    SideWidgets& widgets = m_sides[indexOf(side)];
    widgets.choice->setCurrentIndex(int(choice));
    if (!planPath.isEmpty()) widgets.path->setText(planPath);
    updateControls();
}

ComparisonWindow::Choice ComparisonWindow::choice(Side side) const {
    return Choice(m_sides[indexOf(side)].choice->currentIndex());
}

QString ComparisonWindow::sideName(Side side) const {
    const QString model = m_document && !m_document->filePath().isEmpty()
                              ? QFileInfo(m_document->filePath()).fileName()
                              : tr("no model");
    switch (choice(side)) {
        case Choice::ShownEngine:
            return m_document && !m_document->enginePrecision().isEmpty()
                       ? tr("%1, %2 (shown)").arg(model, m_document->enginePrecision())
                       : tr("%1 (shown)").arg(model);
        case Choice::PlanFile:
            return QFileInfo(m_sides[indexOf(side)].path->text().trimmed()).fileName();
        case Choice::BuildWithPanelOptions:
            return tr("%1, Build panel's options").arg(model);
        case Choice::BuildWithoutFusion:
            return tr("%1, no fusion").arg(model);
        case Choice::BuildInFp16:
            return tr("%1, FP16").arg(model);
    }
    return model;
}

EngineComparisonSide ComparisonWindow::sideRequest(Side side) const {
    EngineComparisonSide request;
    request.name = sideName(side);
    BuildSettings settings = m_buildPanel ? m_buildPanel->settings() : BuildSettings();
    switch (choice(side)) {
        case Choice::ShownEngine:
            request.source = EngineComparisonSide::Source::Engine;
            if (m_document) request.engine = m_document->engine();
            return request;
        case Choice::PlanFile:
            request.source = EngineComparisonSide::Source::Plan;
            request.planPath = m_sides[indexOf(side)].path->text().trimmed();
            return request;
        case Choice::BuildWithoutFusion:
            settings.enableFusion = false;
            break;
        case Choice::BuildInFp16:
            settings.precision = BuildSettings::Precision::FP16;
            break;
        case Choice::BuildWithPanelOptions:
            break;
    }
    request.source = EngineComparisonSide::Source::Build;
    if (m_document) request.network = m_document->network();
    request.settings = settings;
    return request;
}

void ComparisonWindow::startComparison() {
    if (m_job->isRunning()) return;
    showError(QString());
    for (Side side : {Side::A, Side::B})
        m_runningNames[indexOf(side)] = sideName(side);
    EngineComparisonSettings settings;
    settings.iterations = m_runs->value();
    settings.warmUp = m_warmUp->value();
    m_startedMs = QDateTime::currentMSecsSinceEpoch();
    m_job->start(sideRequest(Side::A), sideRequest(Side::B), settings);
    m_status->setText(tr("Comparing…"));
    m_progress->setRange(0, 0);
    m_progress->setVisible(true);
    updateControls();
}

void ComparisonWindow::cancelComparison() {
    if (!m_job->isRunning()) return;
    m_job->cancel();
    m_status->setText(tr("Cancelling…"));
}

void ComparisonWindow::onProgress(const QString& stage, int done, int total) {
    m_status->setText(stage);
    m_progress->setRange(0, std::max(total, 0));
    m_progress->setValue(std::min(done, std::max(total, 0)));
}

void ComparisonWindow::onFinished() {
    m_progress->setVisible(false);
    const EngineComparisonJob::Outcome& outcome = m_job->outcome();
    if (outcome.code == StatusCode::Cancelled) {
        m_status->setText(tr("Comparison cancelled."));
    } else if (outcome.code != StatusCode::Ok || !outcome.engineA || !outcome.engineB) {
        m_status->setText(tr("Comparison failed."));
        showError(tr("Could not compare the engines. %1").arg(outcome.message));
    } else {
        m_view->setComparison(outcome.comparison, outcome.engineA->report().layersAfter,
                              outcome.engineB->report().layersAfter, m_runningNames[0], m_runningNames[1]);
        const double seconds = double(QDateTime::currentMSecsSinceEpoch() - m_startedMs) / 1000.0;
        const EngineSummary& a = outcome.comparison.a;
        const EngineSummary& b = outcome.comparison.b;
        m_status->setText(tr("Compared in %1 s: %n layer group(s); median latency A %2 ms, B %3 ms (B/A %4).",
                             nullptr, int(outcome.comparison.groups.size()))
                              .arg(seconds, 0, 'f', 1)
                              .arg(a.latencyMs, 0, 'f', 3)
                              .arg(b.latencyMs, 0, 'f', 3)
                              .arg(a.latencyMs > 0.0 ? b.latencyMs / a.latencyMs : 0.0, 0, 'f', 2));
        if (!outcome.warning.isEmpty()) showError(outcome.warning);
    }
    updateControls();
    emit comparisonFinished();
}

void ComparisonWindow::showError(const QString& message) {
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
}

QString ComparisonWindow::errorText() const {
    return m_error->text();
}

QString ComparisonWindow::statusText() const {
    return m_status->text();
}

void ComparisonWindow::updateControls() {
    const bool running = m_job->isRunning();
    for (SideWidgets& widgets : m_sides) {
        const bool plan = widgets.choice->currentIndex() == int(Choice::PlanFile);
        widgets.choice->setEnabled(!running);
        widgets.path->setEnabled(plan && !running);
        widgets.browse->setEnabled(plan && !running);
    }
    m_runs->setEnabled(!running);
    m_warmUp->setEnabled(!running);
    m_compareButton->setEnabled(!running);
    m_cancelButton->setEnabled(running);
    m_exportButton->setEnabled(!running && m_view->hasComparison());
}

void ComparisonWindow::browse(Side side) {
    QLineEdit* edit = m_sides[indexOf(side)].path;
    const QString start = edit->text().isEmpty() && m_document
                              ? QFileInfo(m_document->filePath()).absolutePath()
                              : edit->text();
    const QString title = side == Side::A ? tr("Plan for engine A") : tr("Plan for engine B");
    const QString filter = tr("Kiln plans (*.plan *.engine);;All files (*)");
    const QString path = chooseFile(this, m_fileChooser, {FileRequest::Mode::Open, title, start, filter});
    if (!path.isEmpty()) edit->setText(QDir::toNativeSeparators(path));
}

bool ComparisonWindow::exportTo(ExportFormat format, const QString& path, QString* error) {
    QString problem;
    bool written = false;
    if (!m_view->hasComparison()) {
        problem = tr("Nothing to export yet: compare two engines first.");
    } else {
        switch (format) {
            case ExportFormat::Csv:
                written = m_view->exportCsv(path, &problem);
                break;
            case ExportFormat::Json:
                written = m_view->exportJson(path, &problem);
                break;
            case ExportFormat::ChartPng:
                written = m_view->exportChartPng(path, &problem);
                break;
            case ExportFormat::WindowPng:
                written = m_view->exportViewPng(path, &problem);
                break;
        }
    }
    if (written) {
        showError(QString());
        m_status->setText(tr("Written: %1").arg(QDir::toNativeSeparators(path)));
        return true;
    }
    showError(tr("Export failed: %1").arg(problem));
    if (error) *error = problem;
    return false;
}

void ComparisonWindow::exportWithDialog(ExportFormat format) {
    const QString suffixes[] = {QStringLiteral("csv"), QStringLiteral("json"), QStringLiteral("png"),
                                QStringLiteral("png")};
    const QString filters[] = {tr("CSV files (*.csv)"), tr("JSON files (*.json)"), tr("PNG images (*.png)"),
                               tr("PNG images (*.png)")};
    const QString suffix = suffixes[int(format)];
    const QString proposed = QStringLiteral("comparison.%1").arg(suffix);
    const QString title = tr("Export comparison");
    QString path =
        chooseFile(this, m_fileChooser, {FileRequest::Mode::Save, title, proposed, filters[int(format)]});
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QLatin1Char('.') + suffix;
    exportTo(format, path);
}

void ComparisonWindow::closeEvent(QCloseEvent* event) {
    cancelComparison();
    QWidget::closeEvent(event);
}

}  // namespace kiln::workbench

// Widgets of the Precision panel and its job's progress; see precision_panel.h.
#include "precision_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QDoubleValidator>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>
#include <cmath>

#include "precision_view.h"

namespace kiln::workbench {

namespace {

const char* const kErrorColor = "#b3261e";

QString errorText(double value) {
    return std::isfinite(value) ? QString::number(value, 'g', 3) : PrecisionPanel::tr("NaN or overflow");
}

}  // namespace

PrecisionPanel::PrecisionPanel(QWidget* parent) : QWidget(parent), m_job(new PrecisionJob(this)) {
    setObjectName(QStringLiteral("precisionPanel"));
    m_view = new views::PrecisionView;
    m_view->setObjectName(QStringLiteral("precisionView"));

    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(createSettingsColumn());
    splitter->addWidget(m_view);
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({330, 900});
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(splitter);

    connect(m_job, &PrecisionJob::progress, this, &PrecisionPanel::onProgress);
    connect(m_job, &PrecisionJob::comparisonFinished, this, &PrecisionPanel::onComparisonFinished);
    connect(m_job, &PrecisionJob::bisectionStep, this, &PrecisionPanel::onBisectionStep);
    connect(m_job, &PrecisionJob::bisectionFinished, this, &PrecisionPanel::onBisectionFinished);
    connect(m_view, &views::PrecisionView::shownErrorsChanged, this, &PrecisionPanel::shownErrorsChanged);
    connect(m_view, &views::PrecisionView::layerSelected, this, &PrecisionPanel::layerSelected);
    setModel(nullptr, tr("Open an ONNX model to compare its precisions."));
}

QWidget* PrecisionPanel::createSettingsColumn() {
    auto* group = new QGroupBox(tr("Compare with FP32"));
    auto* form = new QFormLayout(group);

    m_fp16 = new QCheckBox(tr("FP&16"));
    m_fp16->setObjectName(QStringLiteral("compareFp16Check"));
    m_fp16->setChecked(true);
    m_bf16 = new QCheckBox(tr("&BF16"));
    m_bf16->setObjectName(QStringLiteral("compareBf16Check"));
    m_int8 = new QCheckBox(tr("&INT8"));
    m_int8->setObjectName(QStringLiteral("compareInt8Check"));
    auto* precisions = new QHBoxLayout;
    precisions->addWidget(m_fp16);
    precisions->addWidget(m_bf16);
    precisions->addWidget(m_int8);
    precisions->addStretch(1);
    form->addRow(tr("Precisions:"), precisions);
    connect(m_fp16, &QCheckBox::toggled, this, &PrecisionPanel::updateButtons);
    connect(m_bf16, &QCheckBox::toggled, this, &PrecisionPanel::updateButtons);
    connect(m_int8, &QCheckBox::toggled, this, &PrecisionPanel::updateButtons);

    m_amplitude = new QDoubleSpinBox;
    m_amplitude->setObjectName(QStringLiteral("inputAmplitudeSpin"));
    m_amplitude->setRange(0.001, 1e9);
    m_amplitude->setDecimals(3);
    m_amplitude->setValue(1.0);
    m_amplitude->setPrefix(tr("± "));
    m_amplitude->setToolTip(tr("Random inputs are uniform in [−a, a], with a fixed seed: every engine sees the "
                               "same values"));
    form->addRow(tr("Random &inputs:"), m_amplitude);

    m_inputPath = new QLineEdit;
    m_inputPath->setObjectName(QStringLiteral("comparisonInputEdit"));
    m_inputPath->setPlaceholderText(tr("or a .npy file for the input"));
    m_inputPath->setClearButtonEnabled(true);
    auto* browse = new QPushButton(tr("…"));
    browse->setMaximumWidth(32);
    browse->setToolTip(tr("Choose a .npy file holding the model's input"));
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Input for the Comparison"), m_inputPath->text(),
                                                          tr("NumPy arrays (*.npy);;All files (*)"));
        if (!path.isEmpty()) m_inputPath->setText(path);
    });
    auto* inputRow = new QHBoxLayout;
    inputRow->addWidget(m_inputPath, 1);
    inputRow->addWidget(browse);
    form->addRow(tr("Input file:"), inputRow);

    m_latencyRuns = new QSpinBox;
    m_latencyRuns->setObjectName(QStringLiteral("latencyRunsSpin"));
    m_latencyRuns->setRange(1, 1000);
    m_latencyRuns->setValue(5);
    m_latencyRuns->setToolTip(tr("Timed runs per engine; its latency is their median"));
    form->addRow(tr("&Latency runs:"), m_latencyRuns);

    m_compareButton = new QPushButton(tr("Co&mpare"));
    m_compareButton->setObjectName(QStringLiteral("compareButton"));
    connect(m_compareButton, &QPushButton::clicked, this, &PrecisionPanel::startComparison);
    m_cancelButton = new QPushButton(tr("Cancel"));
    m_cancelButton->setObjectName(QStringLiteral("cancelComparisonButton"));
    connect(m_cancelButton, &QPushButton::clicked, this, &PrecisionPanel::cancel);
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("comparisonProgress"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_compareButton);
    buttons->addWidget(m_cancelButton);
    buttons->addWidget(m_progress, 1);

    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("comparisonStatusLabel"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* column = new QWidget;
    auto* layout = new QVBoxLayout(column);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(group);
    layout->addLayout(buttons);
    layout->addWidget(m_status);
    layout->addWidget(createBisectionGroup(), 1);
    column->setMinimumWidth(300);
    return column;
}

QWidget* PrecisionPanel::createBisectionGroup() {
    auto* group = new QGroupBox(tr("Which layers must stay in FP32?"));
    auto* form = new QFormLayout(group);

    m_bisectPrecision = new QComboBox;
    m_bisectPrecision->setObjectName(QStringLiteral("bisectPrecisionCombo"));
    m_bisectPrecision->setToolTip(tr("The compared precision to bisect"));
    m_tolerance = new QLineEdit(QStringLiteral("0.01"));
    m_tolerance->setObjectName(QStringLiteral("toleranceEdit"));
    auto* validator = new QDoubleValidator(1e-12, 1e6, 12, m_tolerance);
    validator->setNotation(QDoubleValidator::ScientificNotation);
    validator->setLocale(QLocale::c());
    m_tolerance->setValidator(validator);
    m_tolerance->setToolTip(tr("Every output's largest error may be at most this share of its largest FP32 "
                               "magnitude, e.g. 0.01 or 1e-3"));
    auto* row = new QHBoxLayout;
    row->addWidget(m_bisectPrecision);
    row->addWidget(new QLabel(tr("tolerance:")));
    row->addWidget(m_tolerance, 1);
    form->addRow(tr("Bisect:"), row);
    connect(m_tolerance, &QLineEdit::textChanged, this, &PrecisionPanel::updateButtons);

    m_bisectButton = new QPushButton(tr("&Bisect"));
    m_bisectButton->setObjectName(QStringLiteral("bisectButton"));
    m_bisectButton->setToolTip(tr("Build again with layers kept in FP32, halving the candidates each time, until "
                                  "the fewest that meet the tolerance are found"));
    connect(m_bisectButton, &QPushButton::clicked, this, &PrecisionPanel::startBisection);
    m_applyButton = new QPushButton(tr("&Apply and Rebuild"));
    m_applyButton->setObjectName(QStringLiteral("applyBisectionButton"));
    m_applyButton->setToolTip(tr("Keep these nodes in FP32 in the Build panel and build in the bisected precision"));
    connect(m_applyButton, &QPushButton::clicked, this, &PrecisionPanel::applyBisection);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_bisectButton);
    buttons->addWidget(m_applyButton);
    buttons->addStretch(1);
    form->addRow(buttons);

    m_bisectionResult = new QLabel;
    m_bisectionResult->setObjectName(QStringLiteral("bisectionResultLabel"));
    m_bisectionResult->setWordWrap(true);
    m_bisectionResult->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form->addRow(m_bisectionResult);
    m_keptNodes = new QListWidget;
    m_keptNodes->setObjectName(QStringLiteral("keptNodesList"));
    m_keptNodes->setToolTip(tr("The model nodes to keep in FP32"));
    m_keptNodes->setMinimumHeight(48);
    form->addRow(m_keptNodes);
    return group;
}

void PrecisionPanel::setModel(std::shared_ptr<const NetworkDefinition> network, const QString& reason) {
    if (m_job->isRunning()) {
        m_discard = true;
        m_job->cancel();
    }
    m_network = std::move(network);
    m_unavailableReason = m_network ? QString() : reason;
    m_view->clear();
    m_bisectPrecision->clear();
    m_keptNodes->clear();
    m_bisectionFound = false;
    m_bisectionResult->setText(tr("Compare first; then bisect a reduced precision."));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    setStatus(m_network ? tr("Choose the precisions to compare with FP32 and press Compare.") : m_unavailableReason);
    updateButtons();
}

void PrecisionPanel::setInt8Ranges(const std::map<std::string, float>& ranges) {
    m_int8Ranges = ranges;
    if (ranges.empty()) m_int8->setChecked(false);
    m_int8->setToolTip(ranges.empty() ? tr("INT8 needs calibrated ranges: calibrate in the Calibration panel")
                                      : tr("INT8 with the ranges of the Calibration panel (%n tensor(s))", nullptr,
                                           int(ranges.size())));
    updateButtons();
}

ComparisonSettings PrecisionPanel::settings() const {
    ComparisonSettings settings;
    if (m_settingsProvider) settings.build = m_settingsProvider();
    if (m_fp16->isChecked()) settings.precisions.push_back(BuildSettings::Precision::FP16);
    if (m_bf16->isChecked()) settings.precisions.push_back(BuildSettings::Precision::BF16);
    if (m_int8->isChecked() && !m_int8Ranges.empty()) settings.precisions.push_back(BuildSettings::Precision::INT8);
    settings.int8Ranges = m_int8Ranges;
    settings.inputPath = QFile::encodeName(m_inputPath->text().trimmed()).toStdString();
    settings.inputAmplitude = float(m_amplitude->value());
    settings.latencyRuns = m_latencyRuns->value();
    return settings;
}

void PrecisionPanel::setComparedPrecisions(bool fp16, bool int8) {
    m_fp16->setChecked(fp16);
    m_int8->setChecked(int8 && !m_int8Ranges.empty());
}

void PrecisionPanel::setInputAmplitude(double amplitude) {
    m_amplitude->setValue(amplitude);
}

void PrecisionPanel::setTolerance(double tolerance) {
    m_tolerance->setText(QLocale::c().toString(tolerance, 'g', 6));
}

double PrecisionPanel::tolerance() const {
    bool ok = false;
    const double value = QLocale::c().toDouble(m_tolerance->text().trimmed(), &ok);
    return ok && value > 0.0 ? value : 0.0;
}

void PrecisionPanel::startComparison() {
    if (m_job->isRunning() || !m_network) return;
    const ComparisonSettings comparison = settings();
    if (comparison.precisions.empty()) {
        setStatus(tr("Choose at least one precision to compare with FP32."), true);
        return;
    }
    m_discard = false;
    m_keptNodes->clear();
    m_bisectionFound = false;
    m_bisectionResult->setText(tr("Compare first; then bisect a reduced precision."));
    m_progress->setRange(0, 0);
    setStatus(tr("Comparing…"));
    m_job->startComparison(m_network, comparison);
    updateButtons();
}

void PrecisionPanel::startBisection() {
    const double limit = tolerance();
    if (m_job->isRunning() || !m_network || !m_job->canBisect() || m_bisectPrecision->count() == 0) return;
    if (!(limit > 0.0)) {
        setStatus(tr("The tolerance must be a positive number, e.g. 0.01."), true);
        return;
    }
    m_discard = false;
    m_bisectionSteps = 0;
    m_bisectionFound = false;
    m_bisectedPrecision = BuildSettings::Precision(m_bisectPrecision->currentData().toInt());
    m_keptNodes->clear();
    m_bisectionResult->setText(tr("Bisecting %1 with tolerance %2…")
                                   .arg(PrecisionJob::precisionName(m_bisectedPrecision))
                                   .arg(limit));
    m_progress->setRange(0, 0);
    setStatus(tr("Bisecting: each step is a build and a run…"));
    m_job->startBisection(m_network, m_bisectedPrecision, limit);
    updateButtons();
}

void PrecisionPanel::cancel() {
    if (!m_job->isRunning()) return;
    m_job->cancel();
    setStatus(tr("Cancelling…"));
}

void PrecisionPanel::onProgress(int step, int total, const QString& description) {
    if (m_discard) return;
    m_progress->setRange(0, total);
    m_progress->setValue(step - 1);
    setStatus(description);
}

void PrecisionPanel::onComparisonFinished() {
    const PrecisionJob::ComparisonOutcome& outcome = m_job->comparisonOutcome();
    m_progress->setRange(0, 1);
    const bool discard = m_discard;
    m_discard = false;
    if (discard) {
        m_progress->setValue(0);
        updateButtons();
        return;
    }
    if (outcome.code == StatusCode::Ok) {
        m_progress->setValue(1);
        m_view->setComparison(outcome.comparison);
        m_bisectPrecision->clear();
        for (BuildSettings::Precision precision : outcome.settings.precisions)
            m_bisectPrecision->addItem(PrecisionJob::precisionName(precision), int(precision));
        QStringList latencies;
        for (const views::PrecisionRunResult& run : outcome.comparison.runs)
            latencies << tr("%1 %2 ms").arg(run.precision).arg(run.medianMilliseconds, 0, 'f', 3);
        setStatus(tr("Compared on %1. Median latency of %n run(s): %2.", nullptr, outcome.comparison.latencyRuns)
                      .arg(outcome.comparison.inputsDescription, latencies.join(QStringLiteral(", "))));
        m_bisectionResult->setText(tr("Bisect to find the fewest layers to keep in FP32."));
    } else if (outcome.code == StatusCode::Cancelled) {
        m_progress->setValue(0);
        setStatus(tr("Comparison cancelled."));
    } else {
        m_progress->setValue(0);
        setStatus(tr("Comparison failed: %1").arg(outcome.message), true);
    }
    updateButtons();
    emit comparisonFinished();
}

void PrecisionPanel::onBisectionStep(int keptNodes, double worstOutputError, bool meets) {
    if (m_discard) return;
    ++m_bisectionSteps;
    setStatus(tr("Bisection build %1: %n node(s) kept in FP32, worst output error %2 (%3).", nullptr, keptNodes)
                  .arg(m_bisectionSteps)
                  .arg(errorText(worstOutputError),
                       meets ? tr("meets the tolerance") : tr("too large")));
}

void PrecisionPanel::onBisectionFinished() {
    const PrecisionJob::BisectionOutcome& outcome = m_job->bisectionOutcome();
    m_progress->setRange(0, 1);
    const bool discard = m_discard;
    m_discard = false;
    if (discard) {
        m_progress->setValue(0);
        updateButtons();
        return;
    }
    const QString precision = PrecisionJob::precisionName(outcome.precision);
    m_keptNodes->clear();
    if (outcome.code == StatusCode::Cancelled) {
        m_progress->setValue(0);
        m_bisectionResult->setText(tr("Bisection cancelled."));
        setStatus(tr("Bisection cancelled."));
    } else if (outcome.code != StatusCode::Ok) {
        m_progress->setValue(0);
        m_bisectionResult->setText(tr("Bisection failed: %1").arg(outcome.message));
        setStatus(tr("Bisection failed: %1").arg(outcome.message), true);
    } else {
        m_progress->setValue(1);
        const BisectionResult& result = outcome.result;
        m_bisectionFound = result.found;
        for (const std::string& node : result.keptNodes) m_keptNodes->addItem(QString::fromStdString(node));
        const int builds = int(result.steps.size());
        QString text;
        if (!result.found) {
            text = tr("Even with every %1 layer in FP32 the outputs miss the tolerance %2 (%n build(s) tried).",
                      nullptr, builds)
                       .arg(precision)
                       .arg(outcome.tolerance);
        } else if (result.keptNodes.empty()) {
            text = tr("The %1 engine meets the tolerance %2 as it is.").arg(precision).arg(outcome.tolerance);
        } else {
            text = tr("Keep %n node(s) in FP32 to meet the tolerance %1 in %2 (%3 builds tried):", nullptr,
                      int(result.keptNodes.size()))
                       .arg(outcome.tolerance)
                       .arg(precision)
                       .arg(builds);
        }
        m_bisectionResult->setText(text);
        m_bisectionResult->setToolTip(QString::fromStdString(result.layerPrecisionsArgument()));
        setStatus(text);
    }
    updateButtons();
    emit bisectionFinished();
}

QStringList PrecisionPanel::keptNodes() const {
    QStringList nodes;
    for (int row = 0; row < m_keptNodes->count(); ++row) nodes << m_keptNodes->item(row)->text();
    return nodes;
}

void PrecisionPanel::applyBisection() {
    if (!m_bisectionFound || m_job->isRunning()) return;
    emit applyRequested(keptNodes(), m_bisectedPrecision);
}

QString PrecisionPanel::statusText() const {
    return m_status->text();
}

QString PrecisionPanel::bisectionText() const {
    return m_bisectionResult->text();
}

void PrecisionPanel::setStatus(const QString& text, bool error) {
    m_status->setText(text);
    m_status->setStyleSheet(error ? QStringLiteral("color: %1;").arg(kErrorColor) : QString());
}

void PrecisionPanel::updateButtons() {
    const bool running = m_job->isRunning();
    const bool any = m_fp16->isChecked() || m_bf16->isChecked() || (m_int8->isChecked() && !m_int8Ranges.empty());
    m_compareButton->setEnabled(m_network && !running && any);
    m_compareButton->setToolTip(!m_network ? m_unavailableReason
                                : !any     ? tr("Choose at least one precision to compare with FP32")
                                           : tr("Build the model in FP32 and in each chosen precision, run them on "
                                                "the same inputs and compare every tensor"));
    m_cancelButton->setEnabled(running);
    m_int8->setEnabled(!running && !m_int8Ranges.empty());
    for (QWidget* widget : std::initializer_list<QWidget*>{m_fp16, m_bf16, m_amplitude, m_inputPath, m_latencyRuns,
                                                           m_bisectPrecision, m_tolerance}) {
        widget->setEnabled(!running);
    }
    m_bisectButton->setEnabled(m_network && !running && m_job->canBisect() && m_bisectPrecision->count() > 0 &&
                               tolerance() > 0.0);
    m_applyButton->setEnabled(!running && m_bisectionFound);
}

void PrecisionPanel::saveSettings() const {
    QSettings settings;
    settings.beginGroup(QStringLiteral("precision"));
    settings.setValue(QStringLiteral("fp16"), m_fp16->isChecked());
    settings.setValue(QStringLiteral("bf16"), m_bf16->isChecked());
    settings.setValue(QStringLiteral("amplitude"), m_amplitude->value());
    settings.setValue(QStringLiteral("latencyRuns"), m_latencyRuns->value());
    settings.setValue(QStringLiteral("tolerance"), m_tolerance->text());
    settings.endGroup();
}

void PrecisionPanel::restoreSettings() {
    QSettings settings;
    settings.beginGroup(QStringLiteral("precision"));
    m_fp16->setChecked(settings.value(QStringLiteral("fp16"), true).toBool());
    m_bf16->setChecked(settings.value(QStringLiteral("bf16"), false).toBool());
    m_amplitude->setValue(settings.value(QStringLiteral("amplitude"), 1.0).toDouble());
    m_latencyRuns->setValue(settings.value(QStringLiteral("latencyRuns"), 5).toInt());
    m_tolerance->setText(settings.value(QStringLiteral("tolerance"), QStringLiteral("0.01")).toString());
    settings.endGroup();
}

}  // namespace kiln::workbench

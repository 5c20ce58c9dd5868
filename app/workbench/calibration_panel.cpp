// Widgets of the Calibration panel and its job's progress; see calibration_panel.h.
#include "calibration_panel.h"

#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QVBoxLayout>

#include "calibration_view.h"

namespace kiln::workbench {

namespace {

const char* const kErrorColor = "#b3261e";
const char* const kWarningColor = "#8a5a00";

QString nativePath(const std::string& path) {
    return QDir::toNativeSeparators(QString::fromStdString(path));
}

}  // namespace

CalibrationPanel::CalibrationPanel(QWidget* parent) : QWidget(parent), m_job(new CalibrationJob(this)) {
    setObjectName(QStringLiteral("calibrationPanel"));
    m_view = new views::CalibrationView;
    m_view->setObjectName(QStringLiteral("calibrationView"));

    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->setChildrenCollapsible(false);
    splitter->addWidget(createSettingsColumn());
    splitter->addWidget(m_view);
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({340, 900});

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(splitter);

    connect(m_job, &CalibrationJob::progress, this, &CalibrationPanel::onProgress);
    connect(m_job, &CalibrationJob::finished, this, &CalibrationPanel::onFinished);
    setModel({}, nullptr, tr("Open an ONNX model to calibrate it."));
}

QWidget* CalibrationPanel::createSettingsColumn() {
    auto* group = new QGroupBox(tr("INT8 calibration"));
    auto* form = new QFormLayout(group);

    m_dataPath = new QLineEdit;
    m_dataPath->setObjectName(QStringLiteral("calibrationDataEdit"));
    m_dataPath->setPlaceholderText(tr("a .npy batch or a folder of them"));
    m_dataPath->setToolTip(tr("Representative inputs: one batch per .npy file, of the input's type and shape"));
    m_browseFile = new QPushButton(tr("File…"));
    m_browseFile->setToolTip(tr("Choose one .npy batch"));
    m_browseFolder = new QPushButton(tr("Folder…"));
    m_browseFolder->setToolTip(tr("Choose a folder of .npy batches"));
    auto* dataRow = new QHBoxLayout;
    dataRow->addWidget(m_dataPath, 1);
    dataRow->addWidget(m_browseFile);
    dataRow->addWidget(m_browseFolder);
    // A row of several widgets gets its label's buddy by hand, so that the mnemonic works (and shows).
    auto* dataLabel = new QLabel(tr("&Data:"));
    dataLabel->setBuddy(m_dataPath);
    form->addRow(dataLabel, dataRow);
    connect(m_browseFile, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Calibration Batch"), m_dataPath->text(),
                                                          tr("NumPy arrays (*.npy);;All files (*)"));
        if (!path.isEmpty()) setDataPath(path);
    });
    connect(m_browseFolder, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getExistingDirectory(this, tr("Folder of Calibration Batches"),
                                                               m_dataPath->text());
        if (!path.isEmpty()) setDataPath(path);
    });

    m_algorithm = new QComboBox;
    m_algorithm->setObjectName(QStringLiteral("calibrationAlgorithmCombo"));
    m_algorithm->addItem(tr("Entropy (KL divergence)"), int(CalibrationAlgorithm::Entropy));
    m_algorithm->addItem(tr("Min-max"), int(CalibrationAlgorithm::MinMax));
    m_algorithm->addItem(tr("Percentile"), int(CalibrationAlgorithm::Percentile));
    m_algorithm->addItem(tr("MSE (least squared error)"), int(CalibrationAlgorithm::Mse));
    m_algorithm->setToolTip(tr("How each activation's histogram becomes a clipping threshold"));
    form->addRow(tr("&Algorithm:"), m_algorithm);

    m_percentile = new QDoubleSpinBox;
    m_percentile->setObjectName(QStringLiteral("calibrationPercentileSpin"));
    m_percentile->setRange(50.0, 100.0);
    m_percentile->setDecimals(4);
    m_percentile->setSingleStep(0.01);
    m_percentile->setValue(99.99);
    m_percentile->setSuffix(tr(" %"));
    m_percentile->setToolTip(tr("The share of |x| values at or below the threshold"));
    form->addRow(tr("P&ercentile:"), m_percentile);
    connect(m_algorithm, &QComboBox::currentIndexChanged, this, &CalibrationPanel::updateButtons);

    m_cachePath = new QLineEdit;
    m_cachePath->setObjectName(QStringLiteral("calibrationCacheEdit"));
    m_cachePath->setPlaceholderText(tr("optional: reused when it matches"));
    m_cachePath->setToolTip(tr("A calibration cache is reused when it matches the model, the algorithm and the "
                               "data, and written after every calibration"));
    m_browseCache = new QPushButton(tr("…"));
    m_browseCache->setToolTip(tr("Choose the calibration cache file"));
    m_browseCache->setMaximumWidth(32);
    auto* cacheRow = new QHBoxLayout;
    cacheRow->addWidget(m_cachePath, 1);
    cacheRow->addWidget(m_browseCache);
    auto* cacheLabel = new QLabel(tr("&Cache file:"));
    cacheLabel->setBuddy(m_cachePath);
    form->addRow(cacheLabel, cacheRow);
    connect(m_browseCache, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Calibration Cache File"), m_cachePath->text(),
                                                          tr("Calibration caches (*.cache *.txt);;All files (*)"),
                                                          nullptr, QFileDialog::DontConfirmOverwrite);
        if (!path.isEmpty()) setCachePath(path);
    });
    connect(m_dataPath, &QLineEdit::textChanged, this, &CalibrationPanel::updateButtons);
    connect(m_cachePath, &QLineEdit::textChanged, this, &CalibrationPanel::updateButtons);

    m_calibrateButton = new QPushButton(tr("&Calibrate"));
    m_calibrateButton->setObjectName(QStringLiteral("calibrateButton"));
    connect(m_calibrateButton, &QPushButton::clicked, this, &CalibrationPanel::startCalibration);
    m_cancelButton = new QPushButton(tr("Cancel"));
    m_cancelButton->setObjectName(QStringLiteral("cancelCalibrationButton"));
    connect(m_cancelButton, &QPushButton::clicked, this, &CalibrationPanel::cancelCalibration);
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("calibrationProgress"));
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setTextVisible(true);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_calibrateButton);
    buttons->addWidget(m_cancelButton);
    buttons->addWidget(m_progress, 1);

    m_status = new QLabel;
    m_status->setObjectName(QStringLiteral("calibrationStatusLabel"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_log = new QPlainTextEdit;
    m_log->setObjectName(QStringLiteral("calibrationLog"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    m_log->setMinimumHeight(60);
    m_log->setPlaceholderText(tr("The calibration log says which data and cache were used, and why a cache was not."));

    auto* column = new QWidget;
    auto* layout = new QVBoxLayout(column);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(group);
    layout->addLayout(buttons);
    layout->addWidget(m_status);
    layout->addWidget(m_log, 1);
    column->setMinimumWidth(300);
    return column;
}

void CalibrationPanel::setModel(const QString& modelPath, std::shared_ptr<const NetworkDefinition> network,
                                const QString& reason) {
    if (m_job->isRunning()) {
        m_discard = true;
        m_job->cancel();
    }
    const bool hadResult = m_result != nullptr;
    m_modelPath = modelPath;
    m_network = std::move(network);
    m_unavailableReason = m_network ? QString() : reason;
    m_result.reset();
    m_view->clear();
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setFormat(QString());
    setStatus(m_network ? tr("Not calibrated: give calibration data (or a cache) and press Calibrate.")
                        : m_unavailableReason,
              LogLevel::Info);
    updateButtons();
    if (hadResult) emit calibrationChanged();
}

CalibrationSettings CalibrationPanel::settings() const {
    CalibrationSettings settings;
    settings.modelPath = QFile::encodeName(m_modelPath).toStdString();
    settings.dataPath = QFile::encodeName(m_dataPath->text().trimmed()).toStdString();
    settings.cachePath = QFile::encodeName(m_cachePath->text().trimmed()).toStdString();
    settings.options.algorithm = CalibrationAlgorithm(m_algorithm->currentData().toInt());
    settings.options.percentile = m_percentile->value();
    if (m_backendProvider) settings.backend = m_backendProvider();
    return settings;
}

void CalibrationPanel::setDataPath(const QString& path) {
    m_dataPath->setText(path);
}

void CalibrationPanel::setCachePath(const QString& path) {
    m_cachePath->setText(path);
}

void CalibrationPanel::setAlgorithm(CalibrationAlgorithm algorithm) {
    m_algorithm->setCurrentIndex(std::max(0, m_algorithm->findData(int(algorithm))));
}

void CalibrationPanel::startCalibration() {
    if (m_job->isRunning() || !m_network) return;
    m_running = settings();
    m_discard = false;
    m_clock.start();
    const bool loadOnly = m_running.dataPath.empty();
    if (loadOnly && m_running.cachePath.empty()) {
        setStatus(tr("Give calibration data (a .npy batch or a folder of them), or a calibration cache."),
                  LogLevel::Error);
        return;
    }
    m_progress->setRange(0, 0);
    m_progress->setFormat(QString());
    if (loadOnly) {
        appendLog(tr("Loading the calibration cache %1…").arg(nativePath(m_running.cachePath)));
        setStatus(tr("Loading the calibration cache…"), LogLevel::Info);
    } else {
        appendLog(tr("Calibration of %1 started: %2 on %3.")
                      .arg(QFileInfo(m_modelPath).fileName(), views::CalibrationView::algorithmName(m_running.options),
                           nativePath(m_running.dataPath)));
        setStatus(tr("Calibrating…"), LogLevel::Info);
    }
    m_job->start(m_network, m_running);
    updateButtons();
}

void CalibrationPanel::cancelCalibration() {
    if (!m_job->isRunning()) return;
    m_job->cancel();
    appendLog(tr("Cancelling the calibration…"));
    setStatus(tr("Cancelling the calibration…"), LogLevel::Info);
}

void CalibrationPanel::onProgress(int done, int total) {
    if (m_discard) return;
    m_progress->setRange(0, total);
    m_progress->setValue(done);
    m_progress->setFormat(tr("%p %"));
}

void CalibrationPanel::onFinished() {
    const CalibrationJob::Outcome& outcome = m_job->outcome();
    m_progress->setRange(0, 1);
    const bool discard = m_discard;
    m_discard = false;
    if (discard) {
        m_progress->setValue(0);
        m_progress->setFormat(QString());
        updateButtons();
        return;
    }
    const QString cachePath = QString::fromStdString(m_running.cachePath);
    for (const CalibrationJob::CacheNote& note : outcome.notes) logCacheNote(note, cachePath);
    if (outcome.result) {
        m_result = outcome.result;
        m_view->setResult(m_result);
        m_progress->setValue(1);
        m_progress->setFormat(tr("done"));
        const QString summary = tr("Calibrated in %1 s: %2.").arg(m_clock.elapsed() / 1000.0, 0, 'f', 2).arg(description());
        appendLog(summary);
        setStatus(summary, LogLevel::Info);
        emit calibrationChanged();
    } else if (outcome.code == StatusCode::Cancelled) {
        m_progress->setValue(0);
        m_progress->setFormat(tr("cancelled"));
        appendLog(tr("Calibration cancelled."), LogLevel::Warning);
        setStatus(tr("Calibration cancelled."), LogLevel::Warning);
    } else {
        m_progress->setValue(0);
        m_progress->setFormat(tr("failed"));
        appendLog(tr("Calibration failed: %1").arg(outcome.message), LogLevel::Error);
        setStatus(tr("Calibration failed: %1").arg(outcome.message), LogLevel::Error);
    }
    updateButtons();
    emit calibrationFinished();
}

void CalibrationPanel::logCacheNote(const CalibrationJob::CacheNote& note, const QString& cachePath) {
    const QString file = QDir::toNativeSeparators(cachePath);
    switch (note.kind) {
        case CalibrationJob::CacheNote::Kind::Unreadable:
            appendLog(tr("The calibration cache %1 cannot be used: %2; calibrating again.").arg(file, note.detail),
                      LogLevel::Warning);
            break;
        case CalibrationJob::CacheNote::Kind::Mismatch:
            appendLog(tr("The calibration cache %1 is not reused: %2; calibrating again.").arg(file, note.detail),
                      LogLevel::Warning);
            break;
        case CalibrationJob::CacheNote::Kind::Reused:
            appendLog(tr("Scales reused from the calibration cache %1: it matches the model, the algorithm and the "
                         "data.")
                          .arg(file));
            break;
        case CalibrationJob::CacheNote::Kind::Loaded:
            appendLog(tr("Scales loaded from the calibration cache %1 as they are (no data given, so no "
                         "histograms).")
                          .arg(file));
            break;
        case CalibrationJob::CacheNote::Kind::Written:
            appendLog(tr("Calibration cache written: %1.").arg(file));
            break;
        case CalibrationJob::CacheNote::Kind::NotWritten:
            appendLog(tr("The calibration cache %1 could not be written: %2").arg(file, note.detail), LogLevel::Warning);
            break;
    }
}

std::map<std::string, float> CalibrationPanel::dynamicRanges() const {
    std::map<std::string, float> ranges;
    if (!m_result) return ranges;
    for (const auto& [name, scale] : m_result->table.scales) ranges[name] = scale * 127.0f;
    return ranges;
}

QString CalibrationPanel::description() const {
    return m_view->summaryText();
}

QString CalibrationPanel::statusText() const {
    return m_status->text();
}

QString CalibrationPanel::logText() const {
    return m_log->toPlainText();
}

void CalibrationPanel::updateButtons() {
    const bool running = m_job->isRunning();
    const bool loadOnly = m_dataPath->text().trimmed().isEmpty() && !m_cachePath->text().trimmed().isEmpty();
    m_calibrateButton->setText(loadOnly ? tr("&Load Cache") : tr("&Calibrate"));
    m_calibrateButton->setEnabled(m_network && !running);
    m_calibrateButton->setToolTip(!m_network ? m_unavailableReason
                                  : loadOnly ? tr("Use the scales of the calibration cache, if it was made for this "
                                                  "model with this algorithm")
                                             : tr("Run the model on the calibration data and choose every "
                                                  "activation's INT8 range"));
    m_cancelButton->setEnabled(running);
    for (QWidget* widget : std::initializer_list<QWidget*>{m_dataPath, m_browseFile, m_browseFolder, m_algorithm,
                                                           m_cachePath, m_browseCache}) {
        widget->setEnabled(!running);
    }
    m_percentile->setEnabled(!running && CalibrationAlgorithm(m_algorithm->currentData().toInt()) ==
                                             CalibrationAlgorithm::Percentile);
}

void CalibrationPanel::setStatus(const QString& text, LogLevel level) {
    m_status->setText(text);
    m_status->setStyleSheet(level == LogLevel::Error     ? QStringLiteral("color: %1;").arg(kErrorColor)
                            : level == LogLevel::Warning ? QStringLiteral("color: %1;").arg(kWarningColor)
                                                         : QString());
}

void CalibrationPanel::appendLog(const QString& text, LogLevel level) {
    const QString line =
        QStringLiteral("%1 %2").arg(QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss")), text);
    if (level == LogLevel::Info) {
        m_log->appendPlainText(line);
        return;
    }
    m_log->appendHtml(QStringLiteral("<span style=\"color:%1\">%2</span>")
                          .arg(level == LogLevel::Error ? kErrorColor : kWarningColor, line.toHtmlEscaped()));
}

void CalibrationPanel::saveSettings() const {
    QSettings settings;
    settings.beginGroup(QStringLiteral("calibration"));
    settings.setValue(QStringLiteral("algorithm"), m_algorithm->currentData());
    settings.setValue(QStringLiteral("percentile"), m_percentile->value());
    settings.setValue(QStringLiteral("data"), m_dataPath->text());
    settings.setValue(QStringLiteral("cache"), m_cachePath->text());
    settings.endGroup();
}

void CalibrationPanel::restoreSettings() {
    QSettings settings;
    settings.beginGroup(QStringLiteral("calibration"));
    m_algorithm->setCurrentIndex(std::max(0, m_algorithm->findData(settings.value(QStringLiteral("algorithm"), 0))));
    m_percentile->setValue(settings.value(QStringLiteral("percentile"), 99.99).toDouble());
    m_dataPath->setText(settings.value(QStringLiteral("data")).toString());
    m_cachePath->setText(settings.value(QStringLiteral("cache")).toString());
    settings.endGroup();
}

}  // namespace kiln::workbench

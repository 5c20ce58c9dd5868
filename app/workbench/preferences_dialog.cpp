// Widgets of the Preferences dialog; see preferences_dialog.h.
#include "preferences_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace kiln::workbench {

PreferencesDialog::PreferencesDialog(const Preferences& preferences, QWidget* parent)
    : QDialog(parent), m_initial(preferences) {
    setWindowTitle(tr("Preferences"));
    setObjectName(QStringLiteral("preferencesDialog"));

    // Each language is named in itself, so that a user who cannot read the current one finds theirs.
    m_language = new QComboBox;
    m_language->setObjectName(QStringLiteral("languageCombo"));
    m_language->addItem(tr("System"), int(Preferences::Language::System));
    m_language->addItem(QStringLiteral("English"), int(Preferences::Language::English));
    m_language->addItem(QStringLiteral("中文"), int(Preferences::Language::Chinese));
    m_language->setCurrentIndex(m_language->findData(int(preferences.language)));
    auto* languageNote = new QLabel(tr("A new language takes effect the next time Kiln starts."));
    languageNote->setWordWrap(true);
    languageNote->setEnabled(false);

    auto* general = new QGroupBox(tr("Interface"));
    auto* generalForm = new QFormLayout(general);
    generalForm->addRow(tr("&Language:"), m_language);
    generalForm->addRow(QString(), languageNote);

    m_useTimingCache = new QCheckBox(tr("&Keep tactic timings in a cache file"));
    m_useTimingCache->setObjectName(QStringLiteral("useTimingCacheCheck"));
    m_useTimingCache->setChecked(preferences.useTimingCache);
    m_useTimingCache->setToolTip(
        tr("Rebuilds of layers that were timed before on this machine take their timings from the cache."));
    m_timingCachePath = new QLineEdit(preferences.timingCachePath);
    m_timingCachePath->setObjectName(QStringLiteral("timingCachePathEdit"));
    m_timingCachePath->setPlaceholderText(Preferences::defaultTimingCachePath());
    auto* browse = new QPushButton(tr("Browse…"));
    connect(browse, &QPushButton::clicked, this, &PreferencesDialog::browseTimingCache);
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(m_timingCachePath, 1);
    pathRow->addWidget(browse);
    connect(m_useTimingCache, &QCheckBox::toggled, m_timingCachePath, &QWidget::setEnabled);
    connect(m_useTimingCache, &QCheckBox::toggled, browse, &QWidget::setEnabled);
    m_timingCachePath->setEnabled(preferences.useTimingCache);
    browse->setEnabled(preferences.useTimingCache);

    auto* build = new QGroupBox(tr("Build"));
    auto* buildForm = new QFormLayout(build);
    buildForm->addRow(m_useTimingCache);
    auto* pathLabel = new QLabel(tr("Timing cache &file:"));
    pathLabel->setBuddy(m_timingCachePath);
    buildForm->addRow(pathLabel, pathRow);

    m_iterations = new QSpinBox;
    m_iterations->setObjectName(QStringLiteral("profileIterationsSpin"));
    m_iterations->setRange(1, 100000);
    m_iterations->setValue(preferences.profileIterations);
    m_warmUp = new QSpinBox;
    m_warmUp->setObjectName(QStringLiteral("profileWarmUpSpin"));
    m_warmUp->setRange(0, 100000);
    m_warmUp->setValue(preferences.profileWarmUp);
    auto* profile = new QGroupBox(tr("Profile"));
    auto* profileForm = new QFormLayout(profile);
    profileForm->addRow(tr("Timed &runs:"), m_iterations);
    profileForm->addRow(tr("&Warm-up runs:"), m_warmUp);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(general);
    layout->addWidget(build);
    layout->addWidget(profile);
    layout->addStretch(1);
    layout->addWidget(buttons);
    resize(560, sizeHint().height());
}

Preferences PreferencesDialog::preferences() const {
    Preferences preferences = m_initial;
    preferences.language = Preferences::Language(m_language->currentData().toInt());
    preferences.useTimingCache = m_useTimingCache->isChecked();
    const QString path = m_timingCachePath->text().trimmed();
    preferences.timingCachePath = path.isEmpty() ? Preferences::defaultTimingCachePath() : path;
    preferences.profileIterations = m_iterations->value();
    preferences.profileWarmUp = m_warmUp->value();
    return preferences;
}

void PreferencesDialog::browseTimingCache() {
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Timing Cache File"), m_timingCachePath->text(), tr("Timing caches (*.cache);;All files (*)"),
        nullptr, QFileDialog::DontConfirmOverwrite);
    if (!path.isEmpty()) m_timingCachePath->setText(path);
}

}  // namespace kiln::workbench

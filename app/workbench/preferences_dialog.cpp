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
#include <QListWidget>
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

    m_pluginLibraries = new QListWidget;
    m_pluginLibraries->setObjectName(QStringLiteral("pluginLibraryList"));
    m_pluginLibraries->addItems(preferences.pluginLibraries);
    m_pluginLibraries->setSelectionMode(QAbstractItemView::ExtendedSelection);
    auto* addPlugin = new QPushButton(tr("&Add…"));
    addPlugin->setObjectName(QStringLiteral("addPluginButton"));
    connect(addPlugin, &QPushButton::clicked, this, &PreferencesDialog::addPluginLibrary);
    auto* removePlugin = new QPushButton(tr("Re&move"));
    removePlugin->setObjectName(QStringLiteral("removePluginButton"));
    connect(removePlugin, &QPushButton::clicked, this,
            [this] { qDeleteAll(m_pluginLibraries->selectedItems()); });
    auto* pluginButtons = new QVBoxLayout;
    pluginButtons->addWidget(addPlugin);
    pluginButtons->addWidget(removePlugin);
    pluginButtons->addStretch(1);
    auto* pluginRow = new QHBoxLayout;
    pluginRow->addWidget(m_pluginLibraries, 1);
    pluginRow->addLayout(pluginButtons);
    auto* pluginNote =
        new QLabel(tr("Libraries of custom layers, loaded now and at every start. A removed library "
                      "stays loaded until Kiln restarts."));
    pluginNote->setWordWrap(true);
    pluginNote->setEnabled(false);
    auto* plugins = new QGroupBox(tr("Plugins"));
    auto* pluginLayout = new QVBoxLayout(plugins);
    pluginLayout->addLayout(pluginRow);
    pluginLayout->addWidget(pluginNote);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(general);
    layout->addWidget(build);
    layout->addWidget(profile);
    layout->addWidget(plugins);
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
    preferences.pluginLibraries.clear();
    for (int i = 0; i < m_pluginLibraries->count(); ++i)
        preferences.pluginLibraries << m_pluginLibraries->item(i)->text();
    return preferences;
}

void PreferencesDialog::browseTimingCache() {
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Timing Cache File"), m_timingCachePath->text(), tr("Timing caches (*.cache);;All files (*)"),
        nullptr, QFileDialog::DontConfirmOverwrite);
    if (!path.isEmpty()) m_timingCachePath->setText(path);
}

void PreferencesDialog::addPluginLibrary() {
    const QStringList paths = QFileDialog::getOpenFileNames(this, tr("Plugin Libraries"), QString(),
                                                            tr("Shared libraries (*.so);;All files (*)"));
    for (const QString& path : paths) {
        if (m_pluginLibraries->findItems(path, Qt::MatchExactly).isEmpty()) m_pluginLibraries->addItem(path);
    }
}

}  // namespace kiln::workbench

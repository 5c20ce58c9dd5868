// The Preferences dialog: interface language (System, English, 中文; applied at the next start, as the
// dialog says), the timing cache file builds share, the number of profiled and warm-up runs, and the
// plugin libraries to load.
#pragma once

#include <QDialog>

#include "preferences.h"

class QCheckBox;
class QComboBox;
class QLineEdit;
class QListWidget;
class QSpinBox;

namespace kiln::workbench {

class PreferencesDialog : public QDialog {
    Q_OBJECT

public:
    explicit PreferencesDialog(const Preferences& preferences, QWidget* parent = nullptr);

    // What the dialog shows now (the caller saves it when the dialog is accepted).
    Preferences preferences() const;

private:
    void browseTimingCache();
    void addPluginLibrary();

    Preferences m_initial;
    QComboBox* m_language = nullptr;
    QCheckBox* m_useTimingCache = nullptr;
    QLineEdit* m_timingCachePath = nullptr;
    QSpinBox* m_iterations = nullptr;
    QSpinBox* m_warmUp = nullptr;
    QListWidget* m_pluginLibraries = nullptr;
};

}  // namespace kiln::workbench

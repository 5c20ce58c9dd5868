// The Preferences dialog: interface language (System, English, 中文; applied at the next start, as the
// dialog says), the timing cache file builds share, and the number of profiled and warm-up runs.
#pragma once

#include <QDialog>

#include "preferences.h"

class QCheckBox;
class QComboBox;
class QLineEdit;
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

    Preferences m_initial;
    QComboBox* m_language = nullptr;
    QCheckBox* m_useTimingCache = nullptr;
    QLineEdit* m_timingCachePath = nullptr;
    QSpinBox* m_iterations = nullptr;
    QSpinBox* m_warmUp = nullptr;
};

}  // namespace kiln::workbench

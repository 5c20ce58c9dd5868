// The workbench's preferences, kept in QSettings: the interface language, the timing cache file that
// builds share, and how many runs a profile makes. The Preferences dialog edits them; the Build panel and
// the Profile dock read them.
#pragma once

#include <QLocale>
#include <QString>

namespace kiln::workbench {

struct Preferences {
    enum class Language { System, English, Chinese };

    Language language = Language::System;
    bool useTimingCache = true;
    QString timingCachePath;  // where builds keep tactic timings; see defaultTimingCachePath()
    int profileIterations = 50;
    int profileWarmUp = 5;

    static Preferences load();
    void save() const;

    // The locale whose translations the workbench shows, given the system's.
    QLocale locale(const QLocale& system = QLocale::system()) const;

    // A file in the user's cache folder, so that rebuilds of any model reuse earlier timings.
    static QString defaultTimingCachePath();
};

}  // namespace kiln::workbench

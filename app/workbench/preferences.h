// The workbench's preferences, kept in QSettings: the interface language, the timing cache file that
// builds share, how many runs a profile makes, and the plugin libraries loaded at start. The Preferences
// dialog edits them; the Build panel and the Profile dock read them.
#pragma once

#include <QLocale>
#include <QString>
#include <QStringList>

namespace kiln::workbench {

struct Preferences {
    enum class Language { System, English, Chinese };

    Language language = Language::System;
    bool useTimingCache = true;
    QString timingCachePath;  // where builds keep tactic timings; see defaultTimingCachePath()
    int profileIterations = 50;
    int profileWarmUp = 5;
    // Plugin libraries (kiln/plugin.h, as `kiln --plugins`), loaded at start and when the list changes.
    QStringList pluginLibraries;

    static Preferences load();
    // Loads every plugin library of the list that is not loaded yet into the engine's plugin registry;
    // returns one message per library that could not be loaded, naming it and why.
    QStringList loadPluginLibraries() const;
    void save() const;

    // The locale whose translations the workbench shows, given the system's.
    QLocale locale(const QLocale& system = QLocale::system()) const;

    // A file in the user's cache folder, so that rebuilds of any model reuse earlier timings.
    static QString defaultTimingCachePath();
};

}  // namespace kiln::workbench

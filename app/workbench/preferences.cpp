// Reads and writes the preferences under the "preferences" group of QSettings; see preferences.h.
#include "preferences.h"

#include <QDir>
#include <QSettings>
#include <QStandardPaths>
#include <algorithm>

#include "kiln/plugin.h"

namespace kiln::workbench {

namespace {

constexpr int kMinimumRuns = 1;
constexpr int kMaximumRuns = 100000;

QString languageKey(Preferences::Language language) {
    switch (language) {
    case Preferences::Language::English:
        return QStringLiteral("en");
    case Preferences::Language::Chinese:
        return QStringLiteral("zh_CN");
    case Preferences::Language::System:
        break;
    }
    return QStringLiteral("system");
}

}  // namespace

Preferences Preferences::load() {
    QSettings settings;
    settings.beginGroup(QStringLiteral("preferences"));
    Preferences preferences;
    const QString language = settings.value(QStringLiteral("language")).toString();
    if (language == languageKey(Language::English)) preferences.language = Language::English;
    if (language == languageKey(Language::Chinese)) preferences.language = Language::Chinese;
    preferences.useTimingCache = settings.value(QStringLiteral("useTimingCache"), true).toBool();
    preferences.timingCachePath =
        settings.value(QStringLiteral("timingCachePath"), defaultTimingCachePath()).toString();
    preferences.profileIterations = std::clamp(settings.value(QStringLiteral("profileIterations"), 50).toInt(),
                                               kMinimumRuns, kMaximumRuns);
    preferences.profileWarmUp =
        std::clamp(settings.value(QStringLiteral("profileWarmUp"), 5).toInt(), 0, kMaximumRuns);
    preferences.pluginLibraries = settings.value(QStringLiteral("pluginLibraries")).toStringList();
    settings.endGroup();
    return preferences;
}

void Preferences::save() const {
    QSettings settings;
    settings.beginGroup(QStringLiteral("preferences"));
    settings.setValue(QStringLiteral("language"), languageKey(language));
    settings.setValue(QStringLiteral("useTimingCache"), useTimingCache);
    settings.setValue(QStringLiteral("timingCachePath"), timingCachePath);
    settings.setValue(QStringLiteral("profileIterations"), profileIterations);
    settings.setValue(QStringLiteral("profileWarmUp"), profileWarmUp);
    settings.setValue(QStringLiteral("pluginLibraries"), pluginLibraries);
    settings.endGroup();
}

QStringList Preferences::loadPluginLibraries() const {
    QStringList errors;
    for (const QString& library : pluginLibraries) {
        const Status status = PluginRegistry::global().loadLibrary(library.toStdString());
        if (!status.isOk()) errors << QString::fromStdString(status.message());
    }
    return errors;
}

QLocale Preferences::locale(const QLocale& system) const {
    switch (language) {
    case Language::English:
        return QLocale(QLocale::English, QLocale::UnitedStates);
    case Language::Chinese:
        return QLocale(QLocale::Chinese, QLocale::China);
    case Language::System:
        break;
    }
    return system;
}

QString Preferences::defaultTimingCachePath() {
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::CacheLocation);
    return QDir(folder.isEmpty() ? QDir::tempPath() : folder).filePath(QStringLiteral("timing.cache"));
}

}  // namespace kiln::workbench

// Stores the recent-models list under one QSettings key; see recent_files.h.
#include "recent_files.h"

#include <QFileInfo>
#include <QSettings>

namespace kiln::workbench {

namespace {

const char* const kSettingsKey = "recentFiles";

void store(const QStringList& files) {
    QSettings().setValue(kSettingsKey, files);
}

}  // namespace

QStringList RecentFiles::load() {
    QStringList files = QSettings().value(kSettingsKey).toStringList();
    files.removeDuplicates();
    return files.mid(0, kMaxCount);
}

QStringList RecentFiles::add(const QString& path) {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    QStringList files = load();
    files.removeAll(absolute);
    files.prepend(absolute);
    files = files.mid(0, kMaxCount);
    store(files);
    return files;
}

QStringList RecentFiles::remove(const QString& path) {
    QStringList files = load();
    files.removeAll(QFileInfo(path).absoluteFilePath());
    store(files);
    return files;
}

void RecentFiles::clear() {
    store({});
}

}  // namespace kiln::workbench

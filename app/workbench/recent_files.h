// The list of recently opened models, newest first, kept in the application's QSettings so that it
// survives restarts. The File menu shows it; opening a model puts that model first.
#pragma once

#include <QStringList>

namespace kiln::workbench {

class RecentFiles {
public:
    static constexpr int kMaxCount = 8;

    // The stored list, newest first, at most kMaxCount absolute paths.
    static QStringList load();
    // Moves `path` to the front (adding it if new), drops the oldest beyond kMaxCount, and stores.
    static QStringList add(const QString& path);
    static QStringList remove(const QString& path);
    static void clear();
};

}  // namespace kiln::workbench

// Tests for RecentFiles: newest first, no duplicates, at most eight entries, stored in QSettings.
#include <QDir>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include "recent_files.h"

using kiln::workbench::RecentFiles;

class TestRecentFiles : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(m_settingsDir.isValid());
        QCoreApplication::setOrganizationName("Kiln");
        QCoreApplication::setApplicationName("Kiln Workbench Tests");
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    }

    void init() { RecentFiles::clear(); }

    void newestFirstWithoutDuplicates() {
        RecentFiles::add("/models/a.onnx");
        RecentFiles::add("/models/b.onnx");
        const QStringList files = RecentFiles::add("/models/a.onnx");
        QCOMPARE(files, QStringList({"/models/a.onnx", "/models/b.onnx"}));
        QCOMPARE(RecentFiles::load(), files);
    }

    void keepsAtMostEight() {
        for (int i = 0; i < 10; ++i)
            RecentFiles::add(QStringLiteral("/models/m%1.onnx").arg(i));
        const QStringList files = RecentFiles::load();
        QCOMPARE(files.size(), 8);
        QCOMPARE(files.first(), QStringLiteral("/models/m9.onnx"));
        QCOMPARE(files.last(), QStringLiteral("/models/m2.onnx"));
    }

    void storesAbsolutePaths() {
        const QStringList files = RecentFiles::add("relative.onnx");
        QCOMPARE(files.first(), QDir::current().absoluteFilePath("relative.onnx"));
    }

    void removes() {
        RecentFiles::add("/models/a.onnx");
        RecentFiles::add("/models/b.onnx");
        QCOMPARE(RecentFiles::remove("/models/a.onnx"), QStringList({"/models/b.onnx"}));
        QCOMPARE(RecentFiles::load(), QStringList({"/models/b.onnx"}));
    }

private:
    QTemporaryDir m_settingsDir;
};

QTEST_GUILESS_MAIN(TestRecentFiles)
#include "tst_recent_files.moc"

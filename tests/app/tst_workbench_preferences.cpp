// Preferences: defaults, storage, the locale each language choice means, the dialog's widgets, and the
// window applying what the dialog accepted (profile runs, timing cache, the restart note for a language).
#include <QCheckBox>
#include <QComboBox>
#include <QAction>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QStatusBar>
#include <QTemporaryDir>

#include "build_panel.h"
#include "kiln/plugin.h"
#include "preferences.h"
#include "preferences_dialog.h"
#include "tst_workbench_support.h"

using kiln::workbench::Preferences;
using kiln::workbench::PreferencesDialog;

class TestWorkbenchPreferences : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        kiln::testing::useTestEnvironment(m_dir.filePath("settings"));
    }

    void init() { QSettings().clear(); }

    void defaults() {
        const Preferences preferences = Preferences::load();
        QCOMPARE(preferences.language, Preferences::Language::System);
        QCOMPARE(preferences.profileIterations, 50);
        QCOMPARE(preferences.profileWarmUp, 5);
        QVERIFY(preferences.useTimingCache);
        QVERIFY(preferences.timingCachePath.endsWith("/timing.cache"));
        QVERIFY(QFileInfo(preferences.timingCachePath).isAbsolute());
    }

    void storedAndReadBack() {
        Preferences preferences;
        preferences.language = Preferences::Language::Chinese;
        preferences.useTimingCache = false;
        preferences.timingCachePath = QStringLiteral("/somewhere/kiln.cache");
        preferences.profileIterations = 123;
        preferences.profileWarmUp = 0;
        preferences.save();
        const Preferences loaded = Preferences::load();
        QCOMPARE(loaded.language, Preferences::Language::Chinese);
        QCOMPARE(loaded.useTimingCache, false);
        QCOMPARE(loaded.timingCachePath, QStringLiteral("/somewhere/kiln.cache"));
        QCOMPARE(loaded.profileIterations, 123);
        QCOMPARE(loaded.profileWarmUp, 0);

        // Values out of range (an edited settings file) are brought back into range.
        QSettings().setValue("preferences/profileIterations", -7);
        QCOMPARE(Preferences::load().profileIterations, 1);
    }

    void languageChoosesLocale() {
        const QLocale german(QLocale::German, QLocale::Germany);
        Preferences preferences;
        QCOMPARE(preferences.locale(german), german);
        preferences.language = Preferences::Language::English;
        QCOMPARE(preferences.locale(german).language(), QLocale::English);
        preferences.language = Preferences::Language::Chinese;
        QCOMPARE(preferences.locale(german).language(), QLocale::Chinese);
        QCOMPARE(preferences.locale(german).territory(), QLocale::China);
    }

    void dialogEditsPreferences() {
        Preferences initial;
        initial.timingCachePath = QStringLiteral("/tmp/a.cache");
        PreferencesDialog dialog(initial);
        auto* language = dialog.findChild<QComboBox*>("languageCombo");
        QCOMPARE(language->count(), 3);
        QCOMPARE(language->itemText(1), QStringLiteral("English"));
        QCOMPARE(language->itemText(2), QStringLiteral("中文"));
        QCOMPARE(language->currentIndex(), 0);
        QCOMPARE(dialog.findChild<QLineEdit*>("timingCachePathEdit")->text(), QStringLiteral("/tmp/a.cache"));

        language->setCurrentIndex(2);
        dialog.findChild<QSpinBox*>("profileIterationsSpin")->setValue(9);
        dialog.findChild<QSpinBox*>("profileWarmUpSpin")->setValue(1);
        auto* useCache = dialog.findChild<QCheckBox*>("useTimingCacheCheck");
        useCache->setChecked(false);
        QVERIFY(!dialog.findChild<QLineEdit*>("timingCachePathEdit")->isEnabled());
        const Preferences edited = dialog.preferences();
        QCOMPARE(edited.language, Preferences::Language::Chinese);
        QCOMPARE(edited.profileIterations, 9);
        QCOMPARE(edited.profileWarmUp, 1);
        QCOMPARE(edited.useTimingCache, false);

        // An emptied path falls back to the default file rather than to no cache at all.
        useCache->setChecked(true);
        dialog.findChild<QLineEdit*>("timingCachePathEdit")->clear();
        QCOMPARE(dialog.preferences().timingCachePath, Preferences::defaultTimingCachePath());
    }

    void pluginLibrariesAreStoredEditedAndLoaded() {
        QVERIFY(Preferences::load().pluginLibraries.isEmpty());
        Preferences preferences;
        const QString missing = m_dir.filePath("libmissing.so");
        preferences.pluginLibraries = {QStringLiteral(KILN_SAMPLE_SOFTSIGN_PLUGIN), missing};
        preferences.save();
        QCOMPARE(Preferences::load().pluginLibraries, preferences.pluginLibraries);

        PreferencesDialog dialog(Preferences::load());
        auto* list = dialog.findChild<QListWidget*>("pluginLibraryList");
        QVERIFY(list);
        QCOMPARE(list->count(), 2);
        list->item(1)->setSelected(true);
        QTest::mouseClick(dialog.findChild<QPushButton*>("removePluginButton"), Qt::LeftButton);
        QCOMPARE(dialog.preferences().pluginLibraries,
                 QStringList{QStringLiteral(KILN_SAMPLE_SOFTSIGN_PLUGIN)});

        // The missing file is reported by name; the sample library's creator is registered.
        const QStringList errors = Preferences::load().loadPluginLibraries();
        QCOMPARE(errors.size(), 1);
        QVERIFY2(errors[0].contains(missing), qPrintable(errors[0]));
        QVERIFY(kiln::PluginRegistry::global().find("ScaledSoftsign", "1", "com.example") != nullptr);
    }

    void windowAppliesAcceptedPreferences() {
        kiln::workbench::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.findChild<QAction*>("preferencesAction")->trigger();
        auto* dialog = qobject_cast<PreferencesDialog*>(QApplication::activeModalWidget());
        QVERIFY(dialog);
        dialog->findChild<QSpinBox*>("profileIterationsSpin")->setValue(17);
        dialog->findChild<QLineEdit*>("timingCachePathEdit")->setText(m_dir.filePath("mine.cache"));
        dialog->findChild<QComboBox*>("languageCombo")->setCurrentIndex(2);
        dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
        QTRY_COMPARE(QApplication::activeModalWidget(), nullptr);

        QCOMPARE(window.findChild<QSpinBox*>("profileRunsSpin")->value(), 17);
        QCOMPARE(QString::fromStdString(window.buildPanel()->settings().timingCachePath), m_dir.filePath("mine.cache"));
        QCOMPARE(Preferences::load().language, Preferences::Language::Chinese);
        QVERIFY2(window.statusBar()->currentMessage().contains("next time"), qPrintable(window.statusBar()->currentMessage()));

        // Cancel leaves everything as it was.
        window.findChild<QAction*>("preferencesAction")->trigger();
        dialog = qobject_cast<PreferencesDialog*>(QApplication::activeModalWidget());
        QVERIFY(dialog);
        dialog->findChild<QSpinBox*>("profileIterationsSpin")->setValue(99);
        dialog->reject();
        QTRY_COMPARE(QApplication::activeModalWidget(), nullptr);
        QCOMPARE(window.findChild<QSpinBox*>("profileRunsSpin")->value(), 17);
        QCOMPARE(Preferences::load().profileIterations, 17);
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestWorkbenchPreferences)
#include "tst_workbench_preferences.moc"

// Tests for the translation catalogues: the Simplified Chinese one is complete and is what the window,
// its panels and the views show under a Chinese locale or when chosen in Preferences; English supplies
// the plural forms.
#include <QFile>
#include <QLabel>
#include <QMenuBar>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>
#include <QXmlStreamReader>

#include "build_panel.h"
#include "comparison_graph_view.h"
#include "layer_table_model.h"
#include "main_window.h"
#include "preferences.h"
#include "tensor_table_model.h"
#include "translations.h"

using kiln::views::LayerTableModel;
using kiln::views::TensorTableModel;

class TestTranslations : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(m_settingsDir.isValid());
        QCoreApplication::setOrganizationName("Kiln");
        QCoreApplication::setApplicationName("Kiln Workbench Tests");
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    }

    void cleanup() {
        for (QTranslator* translator : QCoreApplication::instance()->findChildren<QTranslator*>()) {
            QCoreApplication::removeTranslator(translator);
            delete translator;
        }
    }

    void chineseCatalogueIsComplete() {
        QFile file(QStringLiteral(KILN_SOURCE_DIR "/translations/kiln_zh_CN.ts"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&file);
        int messages = 0;
        QString source;
        while (!xml.atEnd()) {
            xml.readNext();
            if (!xml.isStartElement()) continue;
            if (xml.name() == u"source") {
                source = xml.readElementText();
                ++messages;
            } else if (xml.name() == u"translation") {
                const QString type = xml.attributes().value("type").toString();
                QVERIFY2(type != "unfinished" && type != "vanished" && type != "obsolete",
                         qPrintable(source));
                QVERIFY2(!xml.readElementText(QXmlStreamReader::IncludeChildElements).trimmed().isEmpty(),
                         qPrintable(source));
            }
        }
        QVERIFY(!xml.hasError());
        QVERIFY(messages > 300);  // the workbench's and the views' strings
    }

    void chineseLocaleTranslatesViewsAndWindow() {
        QVERIFY(kiln::workbench::installTranslations(*QCoreApplication::instance(),
                                                     QLocale(QLocale::Chinese, QLocale::China)));
        LayerTableModel layers;
        QCOMPARE(layers.headerData(LayerTableModel::NameColumn, Qt::Horizontal).toString(),
                 QStringLiteral("名称"));
        QCOMPARE(TensorTableModel::roleName(TensorTableModel::TensorRole::Constant), QStringLiteral("常量"));

        kiln::workbench::MainWindow window;
        QCOMPARE(window.menuBar()->actions().first()->text(), QStringLiteral("文件(&F)"));
        QCOMPARE(window.menuBar()->actions().at(1)->text(), QStringLiteral("构建(&B)"));
        QCOMPARE(window.windowTitle(), QStringLiteral("Kiln Workbench"));
        QCOMPARE(kiln::workbench::BuildPanel::phaseDisplayName("passes"), QStringLiteral("优化步骤"));
        // A view's own strings come from the same catalogue.
        QCOMPARE(QCoreApplication::translate("kiln::views::ComparisonGraphView", "Before fusion (%n layer(s))", nullptr, 31),
                 QStringLiteral("融合前（31 层）"));
    }

    void languageChosenInPreferences() {
        kiln::workbench::Preferences preferences;
        preferences.language = kiln::workbench::Preferences::Language::Chinese;
        QVERIFY(kiln::workbench::installTranslations(*QCoreApplication::instance(),
                                                     preferences.locale(QLocale(QLocale::English))));
        QCOMPARE(QCoreApplication::translate("kiln::workbench::MainWindow", "not built"), QStringLiteral("未构建"));
        cleanup();
        preferences.language = kiln::workbench::Preferences::Language::English;
        kiln::workbench::installTranslations(*QCoreApplication::instance(),
                                             preferences.locale(QLocale(QLocale::Chinese, QLocale::China)));
        QCOMPARE(QCoreApplication::translate("kiln::workbench::MainWindow", "not built"), QStringLiteral("not built"));
        QCOMPARE(QCoreApplication::translate("kiln::workbench::BuildPanel", "the model declares %n dimension(s)", nullptr, 1),
                 QStringLiteral("the model declares 1 dimension"));
    }

    void englishHasPluralForms() {
        QVERIFY(!kiln::workbench::installTranslations(*QCoreApplication::instance(), QLocale(QLocale::Zulu)));
        QCOMPARE(QCoreApplication::translate("kiln::workbench::MainWindow", "%n layer(s)", nullptr, 1),
                 QStringLiteral("1 layer"));
        QCOMPARE(QCoreApplication::translate("kiln::workbench::MainWindow", "%n layer(s)", nullptr, 3),
                 QStringLiteral("3 layers"));
    }

private:
    QTemporaryDir m_settingsDir;
};

QTEST_MAIN(TestTranslations)
#include "tst_translations.moc"

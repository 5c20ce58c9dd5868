// Tests for MainWindow, driving the real widgets: opening a model fills the graph, the layer and tensor
// tables, status bar and title; a corrupt file brings up an error dialog naming it and leaves the window
// working; the filter edit narrows the tables; a dropped .onnx file opens; the recent-files menu, the
// geometry and the dock layout persist; the menus hold the File, Build and View actions.
#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUrl>

#include "comparison_graph_view.h"
#include "document.h"
#include "graph_view.h"
#include "layer_table_model.h"
#include "main_window.h"
#include "test_models.h"
#include "translations.h"

using kiln::workbench::Document;
using kiln::workbench::MainWindow;

namespace {

constexpr int kLoadTimeoutMs = 10000;

// Waits for the window's next load to finish successfully.
bool openAndWait(MainWindow& window, const QString& path) {
    QSignalSpy shown(&window, &MainWindow::fileShown);
    window.openFile(path);
    return shown.wait(kLoadTimeoutMs);
}

QStringList columnTexts(const QTableView* view, int column) {
    QStringList texts;
    for (int row = 0; row < view->model()->rowCount(); ++row) {
        texts << view->model()->index(row, column).data().toString();
    }
    return texts;
}

}  // namespace

class TestMainWindow : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        QCoreApplication::setOrganizationName("Kiln");
        QCoreApplication::setApplicationName("Kiln Workbench Tests");
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dir.filePath("settings"));
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir.filePath("settings"));
        // English, through the same catalogue loading as the program, for the plural forms.
        kiln::workbench::installTranslations(*QCoreApplication::instance(), QLocale(QLocale::English));

        m_cnnPath = m_dir.filePath("small_cnn.onnx");
        m_corruptPath = m_dir.filePath("corrupt.onnx");
        QVERIFY(kiln::testing::writeSmallCnnModel(m_cnnPath));
        QVERIFY(kiln::testing::writeCorruptModel(m_corruptPath));
    }

    void init() { QSettings().clear(); }

    void opensModel() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.windowTitle(), QStringLiteral("Kiln Workbench"));
        QVERIFY(window.findChild<QLabel*>("welcomeLabel")->isVisible());
        QVERIFY(openAndWait(window, m_cnnPath));
        QVERIFY(!window.findChild<QLabel*>("welcomeLabel")->isVisible());
        QCOMPARE(window.centralWidget()->findChild<kiln::views::ComparisonGraphView*>(), window.graphView());
        QVERIFY(window.graphView()->isVisible());
        QTRY_COMPARE(window.graphView()->beforeView()->nodeCount(), kiln::testing::kSmallCnnLayerCount);

        auto* layers = window.findChild<QTableView*>("modelLayerTable");
        auto* tensors = window.findChild<QTableView*>("modelTensorTable");
        QVERIFY(layers && tensors);
        QCOMPARE(layers->model()->rowCount(), kiln::testing::kSmallCnnLayerCount);
        QCOMPARE(tensors->model()->rowCount(), kiln::testing::kSmallCnnTensorCount);
        QCOMPARE(columnTexts(layers, kiln::views::LayerTableModel::NameColumn),
                 QStringList({"conv1", "relu1", "pool1", "flatten", "fc"}));
        window.findChild<QDockWidget*>("layersDock")->raise();
        QTRY_VERIFY(layers->isVisible());

        QCOMPARE(window.findChild<QLabel*>("modelSummaryLabel")->text(),
                 QStringLiteral("5 layers, 10 tensors"));
        QVERIFY(window.findChild<QLabel*>("modelPathLabel")->text().contains("small_cnn.onnx"));
        QCOMPARE(window.windowTitle(), QStringLiteral("small_cnn.onnx — not built"));
        QCOMPARE(window.findChild<QTabWidget*>("modelTabs")->tabText(0), QStringLiteral("Layers (5)"));
    }

    void corruptFileShowsErrorAndWindowKeepsWorking() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(openAndWait(window, m_cnnPath));

        QString dialogText;
        QString dialogDetails;
        // The dialog is modal; poll for it from the event loop and close it as a user would.
        QTimer poll;
        connect(&poll, &QTimer::timeout, this, [&] {
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            if (!box) return;
            dialogText = box->text();
            dialogDetails = box->informativeText();
            box->button(QMessageBox::Ok)->click();
            poll.stop();
        });
        poll.start(20);
        QSignalSpy failed(window.document(), &Document::failed);
        window.openFile(m_corruptPath);
        QVERIFY(failed.wait(kLoadTimeoutMs));
        QTRY_VERIFY_WITH_TIMEOUT(!dialogText.isEmpty(), 5000);
        QVERIFY2(dialogText.contains("corrupt.onnx"), qPrintable(dialogText));
        QVERIFY(!dialogDetails.isEmpty());
        QTRY_COMPARE(QApplication::activeModalWidget(), nullptr);

        // Still showing the previous model, and still able to open one.
        auto* layers = window.findChild<QTableView*>("modelLayerTable");
        QCOMPARE(layers->model()->rowCount(), kiln::testing::kSmallCnnLayerCount);
        QCOMPARE(window.windowTitle(), QStringLiteral("small_cnn.onnx — not built"));
        QCOMPARE(window.graphView()->beforeView()->nodeCount(), kiln::testing::kSmallCnnLayerCount);
        const QString copy = m_dir.filePath("copy_of_cnn.onnx");
        QVERIFY(QFile::copy(m_cnnPath, copy) || QFile::exists(copy));
        QVERIFY(openAndWait(window, copy));
        QCOMPARE(window.windowTitle(), QStringLiteral("copy_of_cnn.onnx — not built"));
    }

    void filterNarrowsTables() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(openAndWait(window, m_cnnPath));
        auto* filter = window.findChild<QLineEdit*>("layerFilterEdit");
        auto* layers = window.findChild<QTableView*>("modelLayerTable");
        auto* tensors = window.findChild<QTableView*>("modelTensorTable");

        QTest::keyClicks(filter, "CONV");
        QCOMPARE(columnTexts(layers, kiln::views::LayerTableModel::NameColumn), QStringList({"conv1"}));
        // Case-insensitive: conv1_w, conv1_b, conv1_out.
        QCOMPARE(tensors->model()->rowCount(), 3);
        QCOMPARE(window.findChild<QTabWidget*>("modelTabs")->tabText(0), QStringLiteral("Layers (1 of 5)"));

        filter->clear();
        QCOMPARE(layers->model()->rowCount(), kiln::testing::kSmallCnnLayerCount);
        QCOMPARE(tensors->model()->rowCount(), kiln::testing::kSmallCnnTensorCount);
    }

    void sortsByClickingHeader() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(openAndWait(window, m_cnnPath));
        auto* layers = window.findChild<QTableView*>("modelLayerTable");
        window.findChild<QDockWidget*>("layersDock")->raise();
        QTRY_VERIFY(layers->isVisible());
        QHeaderView* header = layers->horizontalHeader();
        const int x = header->sectionViewportPosition(kiln::views::LayerTableModel::NameColumn) + 5;
        QTest::mouseClick(header->viewport(), Qt::LeftButton, {}, QPoint(x, header->height() / 2));
        const QStringList names = columnTexts(layers, kiln::views::LayerTableModel::NameColumn);
        QStringList sorted = names;
        sorted.sort(Qt::CaseInsensitive);
        QCOMPARE(names.size(), kiln::testing::kSmallCnnLayerCount);
        QCOMPARE(names.first(), QStringLiteral("conv1"));
        QCOMPARE(names, sorted);
    }

    void droppedModelOpens() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        QMimeData notAModel;
        notAModel.setUrls({QUrl::fromLocalFile(m_dir.filePath("notes.txt"))});
        QDragEnterEvent rejected(QPoint(10, 10), Qt::CopyAction, &notAModel, Qt::LeftButton, Qt::NoModifier);
        rejected.setAccepted(false);
        QApplication::sendEvent(&window, &rejected);
        QVERIFY(!rejected.isAccepted());

        QMimeData model;
        model.setUrls({QUrl::fromLocalFile(m_cnnPath)});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &model, Qt::LeftButton, Qt::NoModifier);
        enter.setAccepted(false);
        QApplication::sendEvent(&window, &enter);
        QVERIFY(enter.isAccepted());

        QSignalSpy loaded(&window, &MainWindow::fileShown);
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &model, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&window, &drop);
        QVERIFY(loaded.wait(kLoadTimeoutMs));
        QCOMPARE(window.findChild<QTableView*>("modelLayerTable")->model()->rowCount(),
                 kiln::testing::kSmallCnnLayerCount);

        // A plan is accepted too; a text file is not.
        QMimeData plan;
        plan.setUrls({QUrl::fromLocalFile(m_dir.filePath("engine.plan"))});
        QDragEnterEvent planEnter(QPoint(10, 10), Qt::CopyAction, &plan, Qt::LeftButton, Qt::NoModifier);
        planEnter.setAccepted(false);
        QApplication::sendEvent(&window, &planEnter);
        QVERIFY(planEnter.isAccepted());
    }

    void recentFilesMenuListsOpenedModel() {
        MainWindow window;
        auto* recent = window.findChild<QMenu*>("recentMenu");
        QVERIFY(recent);
        QVERIFY(!recent->isEnabled());
        QVERIFY(openAndWait(window, m_cnnPath));
        QVERIFY(recent->isEnabled());
        QCOMPARE(recent->actions().first()->data().toString(), m_cnnPath);

        // A new window reads the list back from the settings.
        MainWindow second;
        auto* secondRecent = second.findChild<QMenu*>("recentMenu");
        QCOMPARE(secondRecent->actions().first()->data().toString(), m_cnnPath);
        QSignalSpy loaded(&second, &MainWindow::fileShown);
        secondRecent->actions().first()->trigger();
        QVERIFY(loaded.wait(kLoadTimeoutMs));
    }

    void geometryPersists() {
        const QSize size(1313, 877);
        {
            MainWindow window;
            window.resize(size);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            window.close();
        }
        MainWindow restored;
        QCOMPARE(restored.size(), size);
    }

    void dockLayoutPersists() {
        {
            MainWindow window;
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            auto* tactics = window.findChild<QDockWidget*>("tacticsDock");
            QVERIFY(tactics);
            QVERIFY(!tactics->isFloating());
            tactics->setFloating(true);
            window.findChild<QDockWidget*>("buildReportDock")->hide();
            window.close();
        }
        MainWindow restored;
        restored.show();
        QVERIFY(QTest::qWaitForWindowExposed(&restored));
        QVERIFY(restored.findChild<QDockWidget*>("tacticsDock")->isFloating());
        QVERIFY(!restored.findChild<QDockWidget*>("buildReportDock")->isVisible());
        QVERIFY(restored.findChild<QDockWidget*>("profileDock")->isVisibleTo(&restored));

        // View ▸ Reset Layout brings the docks back where they started.
        restored.findChild<QAction*>("resetLayoutAction")->trigger();
        QVERIFY(!restored.findChild<QDockWidget*>("tacticsDock")->isFloating());
        QVERIFY(restored.findChild<QDockWidget*>("buildReportDock")->isVisibleTo(&restored));
    }

    void everyDockAndActionIsThere() {
        MainWindow window;
        for (const char* dock :
             {"propertiesDock", "layersDock", "buildDock", "buildReportDock", "profileDock", "tacticsDock"}) {
            QVERIFY2(window.findChild<QDockWidget*>(dock), dock);
        }
        QStringList fileMenu;
        for (QAction* action : window.menuBar()->actions().first()->menu()->actions())
            fileMenu << action->objectName();
        for (const char* action : {"openAction", "exportPlanAction", "exportReportAction", "preferencesAction",
                                   "quitAction"}) {
            QVERIFY2(fileMenu.contains(action), action);
        }
        // Nothing to build, profile or export before a model is open.
        for (const char* action : {"buildAction", "cancelBuildAction", "profileAction", "exportPlanAction",
                                   "exportReportAction", "exportProfileCsvAction"}) {
            QVERIFY2(!window.findChild<QAction*>(action)->isEnabled(), action);
        }
        QVERIFY(window.findChild<QAction*>("openAction")->isEnabled());
    }

private:
    QTemporaryDir m_dir;
    QString m_cnnPath;
    QString m_corruptPath;
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"

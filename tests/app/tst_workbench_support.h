// Helpers shared by the workbench tests: private settings, waiting for loads, layouts and builds, closing
// the window's modal message boxes as a user would (recording what they said), and clicking graph nodes.
#pragma once

#include <QAbstractButton>
#include <QApplication>
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QGraphicsView>
#include <QMessageBox>
#include <QPushButton>
#include <QPointer>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QTimer>
#include <functional>

#include "comparison_graph_view.h"
#include "graph_view.h"
#include "main_window.h"
#include "translations.h"

namespace kiln::testing {

inline constexpr int kLoadTimeoutMs = 20000;
inline constexpr int kBuildTimeoutMs = 60000;

inline QString sampleModelPath() {
    return QStringLiteral(KILN_SOURCE_DIR "/resources/sample/kiln_sample.onnx");
}

// Keeps settings and caches of the test in `folder`, away from the user's, and shows English text with
// its plural forms, as the program does under an English locale.
inline void useTestEnvironment(const QString& folder) {
    QCoreApplication::setOrganizationName(QStringLiteral("Kiln"));
    QCoreApplication::setApplicationName(QStringLiteral("Kiln Workbench Tests"));
    QStandardPaths::setTestModeEnabled(true);
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, folder);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, folder);
    workbench::installTranslations(*QCoreApplication::instance(), QLocale(QLocale::English, QLocale::UnitedStates));
}

// True once `spy` has recorded a signal: at once if one came already (say, while a QTRY loop or another
// wait ran the event loop), else when the next arrives within `timeoutMs`.
inline bool waitForSignal(QSignalSpy& spy, int timeoutMs) {
    return !spy.isEmpty() || spy.wait(timeoutMs);
}

// Opens a model or plan and waits until every view shows it.
inline bool openAndWait(workbench::MainWindow& window, const QString& path) {
    QSignalSpy shown(&window, &workbench::MainWindow::fileShown);
    window.openFile(path);
    return shown.wait(kLoadTimeoutMs);
}

// Waits until neither graph is laying out.
inline bool waitForLayouts(workbench::MainWindow& window, int timeoutMs = kLoadTimeoutMs) {
    views::ComparisonGraphView* graph = window.graphView();
    QDeadlineTimer deadline(timeoutMs);
    while (graph->beforeView()->isLayoutRunning() || graph->afterView()->isLayoutRunning()) {
        if (deadline.hasExpired()) return false;
        QTest::qWait(10);
    }
    return true;
}

inline bool buildAndWait(workbench::MainWindow& window) {
    QSignalSpy finished(&window, &workbench::MainWindow::buildFinished);
    window.startBuild();
    return finished.wait(kBuildTimeoutMs);
}

// Answers the next modal QMessageBox: records its texts and buttons, then clicks the button `choose`
// picks (the default button when it returns null or is not given).
class MessageBoxAnswerer : public QObject {
public:
    using Chooser = std::function<QAbstractButton*(QMessageBox*)>;

    explicit MessageBoxAnswerer(Chooser choose = {}) : m_choose(std::move(choose)) {
        connect(&m_poll, &QTimer::timeout, this, [this] {
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            if (!box || box == m_lastBox) return;
            m_lastBox = box;
            title = box->windowTitle();
            text = box->text();
            informativeText = box->informativeText();
            objectName = box->objectName();
            buttons.clear();
            for (QAbstractButton* button : box->buttons())
                buttons << button->text();
            QAbstractButton* button = m_choose ? m_choose(box) : nullptr;
            if (!button) button = box->defaultButton() ? static_cast<QAbstractButton*>(box->defaultButton())
                                                       : box->buttons().value(0);
            ++answered;
            if (button) button->click();
        });
        m_poll.start(20);
    }

    int answered = 0;
    QString title;
    QString text;
    QString informativeText;
    QString objectName;
    QStringList buttons;

private:
    QTimer m_poll;
    Chooser m_choose;
    QPointer<QMessageBox> m_lastBox;
};

// Clicks the node of layer `name` in `view` with the mouse; false when the node is not shown.
inline bool clickNode(views::GraphView* view, const QString& name) {
    const QRectF rect = view->nodeSceneRect(name);
    if (rect.isNull()) return false;
    QGraphicsView* canvas = view->canvas();
    canvas->centerOn(rect.center());
    const QPoint position = canvas->mapFromScene(rect.center());
    if (!canvas->viewport()->rect().contains(position)) return false;
    QTest::mouseClick(canvas->viewport(), Qt::LeftButton, Qt::NoModifier, position);
    return true;
}

}  // namespace kiln::testing

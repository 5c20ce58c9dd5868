// What the workbench writes: the engine as a plan file (serialized in the background), the build report
// as JSON, a graph as PNG or SVG and the profile as CSV, JSON or a PNG chart. Each export proposes a path
// beside the open file, asks for it through the window's file chooser, writes atomically (a failure
// never leaves half a file) and reports the written path on the status line, or the failure in a
// message box that names the file and what to do.
#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QString>

#include "dialogs.h"

class QWidget;

namespace kiln::views {
class GraphView;
class ProfileView;
}  // namespace kiln::views

namespace kiln::workbench {

class Document;

class Exports : public QObject {
    Q_OBJECT

public:
    // `document` holds the engine and the open file's path; message boxes open over `window`.
    Exports(Document* document, QWidget* window, const FileChooser* chooser);
    // Waits for a plan being written: the engine it serializes belongs to the document.
    ~Exports() override;

    bool isWritingPlan() const { return m_planExport.isRunning(); }

    // Ask for the path, then write.
    void exportPlan();
    void exportReport();
    // `nameSuffix` ends the proposed file name ("_after_fusion").
    void exportGraph(views::GraphView* graph, const QString& nameSuffix, bool visibleOnly);
    // `format`: "csv", "json" or "png" (the chart).
    void exportProfile(const views::ProfileView* profile, const QString& format);

    // Starts writing the engine to `path` in the background; planExportFinished follows. Does nothing
    // without an engine or while a plan is being written.
    void writePlan(const QString& path);
    bool writeReport(const QString& path);
    bool writeGraph(views::GraphView* graph, const QString& path, bool visibleOnly);

signals:
    void statusMessage(const QString& text, int timeoutMs);
    void planExportStarted(const QString& path);
    // `error` is empty when the plan was written.
    void planExportFinished(const QString& path, const QString& error);

private:
    QString proposedPath(const QString& suffix) const;
    QString choose(FileRequest request) const;
    void onPlanWritten();
    void showError(const QString& title, const QString& text, const QString& details);

    Document* m_document;
    QWidget* m_window;
    const FileChooser* m_chooser;
    QFutureWatcher<QString> m_planExport;
    QString m_planExportPath;
};

}  // namespace kiln::workbench

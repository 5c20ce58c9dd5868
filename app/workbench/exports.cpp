// See exports.h.
#include "exports.h"

#include <QDir>
#include <QFileInfo>
#include <QMessageBox>
#include <QSaveFile>
#include <QtConcurrent/QtConcurrentRun>

#include "document.h"
#include "graph_view.h"
#include "kiln/plan.h"
#include "profile_view.h"

namespace kiln::workbench {

namespace {

QString shown(const QString& path) {
    return QDir::toNativeSeparators(path);
}

}  // namespace

Exports::Exports(Document* document, QWidget* window, const FileChooser* chooser)
    : QObject(window), m_document(document), m_window(window), m_chooser(chooser) {
    connect(&m_planExport, &QFutureWatcher<QString>::finished, this, &Exports::onPlanWritten);
}

Exports::~Exports() {
    m_planExport.waitForFinished();
}

QString Exports::proposedPath(const QString& suffix) const {
    const QFileInfo current(m_document->filePath());
    return current.absoluteDir().filePath(current.completeBaseName() + suffix);
}

QString Exports::choose(FileRequest request) const {
    request.mode = FileRequest::Mode::Save;
    return chooseFile(m_window, *m_chooser, request);
}

void Exports::showError(const QString& title, const QString& text, const QString& details) {
    auto* box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, m_window);
    box->setObjectName(QStringLiteral("exportErrorBox"));
    if (!details.isEmpty()) box->setInformativeText(details);
    openMessage(box);
}

void Exports::exportPlan() {
    if (!m_document->engine()) return;
    QString path = choose({FileRequest::Mode::Save, tr("Export Plan"), proposedPath(QStringLiteral(".plan")),
                           tr("Kiln plans (*.plan);;All files (*)")});
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".plan");
    writePlan(path);
}

void Exports::writePlan(const QString& path) {
    const std::shared_ptr<const Engine> engine = m_document->engine();
    if (!engine || m_planExport.isRunning()) return;
    m_planExportPath = path;
    // Serializing and writing a large model's weights takes a while: off the GUI thread. The file is
    // written to a temporary name and renamed, so a failure never leaves half a plan.
    m_planExport.setFuture(QtConcurrent::run([engine, path] {
        const Status status = writePlanFile(QFile::encodeName(path).toStdString(), *engine);
        return status ? QString() : QString::fromStdString(status.message());
    }));
    emit statusMessage(tr("Writing plan %1…").arg(shown(path)), 0);
    emit planExportStarted(path);
}

void Exports::onPlanWritten() {
    const QString error = m_planExport.result();
    const QString path = m_planExportPath;
    if (error.isEmpty()) {
        emit statusMessage(tr("Plan written to %1.").arg(shown(path)), 8000);
    } else {
        emit statusMessage(QString(), 0);
        showError(tr("Could not export the plan"), tr("Could not write the plan to %1.").arg(shown(path)),
                  tr("%1\n\nChoose a folder you can write to, with enough free space.").arg(error));
    }
    emit planExportFinished(path, error);
}

void Exports::exportReport() {
    if (!m_document->engine()) return;
    const QString path = choose({FileRequest::Mode::Save, tr("Export Build Report"),
                                 proposedPath(QStringLiteral("_report.json")), tr("JSON files (*.json);;All files (*)")});
    if (!path.isEmpty()) writeReport(path);
}

bool Exports::writeReport(const QString& path) {
    const std::shared_ptr<const Engine>& engine = m_document->engine();
    if (!engine) return false;
    const QByteArray json = QByteArray::fromStdString(engine->report().toJson());
    QSaveFile file(path);
    if (file.open(QIODevice::WriteOnly) && file.write(json) == json.size() && file.commit()) {
        emit statusMessage(tr("Build report written to %1.").arg(shown(path)), 8000);
        return true;
    }
    showError(tr("Could not export the build report"), tr("Could not write %1.").arg(shown(path)),
              tr("%1\n\nChoose a folder you can write to.").arg(file.errorString()));
    return false;
}

void Exports::exportGraph(views::GraphView* graph, const QString& nameSuffix, bool visibleOnly) {
    if (!graph || graph->nodeCount() == 0) return;
    const QString path =
        choose({FileRequest::Mode::Save, visibleOnly ? tr("Export Visible Part of the Graph") : tr("Export Graph"),
                proposedPath(nameSuffix + QStringLiteral(".svg")), tr("SVG drawings (*.svg);;PNG images (*.png)")});
    if (!path.isEmpty()) writeGraph(graph, path, visibleOnly);
}

bool Exports::writeGraph(views::GraphView* graph, const QString& path, bool visibleOnly) {
    QString error;
    if (graph->exportImage(path, visibleOnly, &error)) {
        emit statusMessage(tr("Graph written to %1.").arg(shown(path)), 8000);
        return true;
    }
    showError(tr("Could not export the graph"), error, QString());
    return false;
}

void Exports::exportProfile(const views::ProfileView* profile, const QString& format) {
    QString filter;
    QString title;
    if (format == QStringLiteral("csv")) {
        title = tr("Export Profile as CSV");
        filter = tr("CSV files (*.csv);;All files (*)");
    } else if (format == QStringLiteral("json")) {
        title = tr("Export Profile as JSON");
        filter = tr("JSON files (*.json);;All files (*)");
    } else {
        title = tr("Export Profile Chart");
        filter = tr("PNG images (*.png);;All files (*)");
    }
    const QString path = choose({FileRequest::Mode::Save, title, proposedPath(QStringLiteral("_profile.") + format), filter});
    if (path.isEmpty()) return;
    QString error;
    const bool written = format == QStringLiteral("csv")    ? profile->exportCsv(path, &error)
                         : format == QStringLiteral("json") ? profile->exportJson(path, &error)
                                                            : profile->exportChartPng(path, &error);
    if (written) {
        emit statusMessage(tr("Profile written to %1.").arg(shown(path)), 8000);
        return;
    }
    showError(tr("Could not export the profile"), tr("Could not write %1.").arg(shown(path)), error);
}

}  // namespace kiln::workbench

// Background loading of a model into a Document; see document.h.
#include "document.h"

#include <QFile>
#include <QFileInfo>
#include <QStringList>
#include <QtConcurrent/QtConcurrentRun>

#include "kiln/onnx_parser.h"

namespace kiln::workbench {

namespace {

// "input: batch × 3 × 32 × 32", with the symbolic name (or "?") where the extent is not fixed.
QString describeDeclaredShape(const OnnxInputInfo& input) {
    QStringList extents;
    for (size_t axis = 0; axis < input.dims.size(); ++axis) {
        if (input.dims[axis] >= 0) {
            extents << QString::number(input.dims[axis]);
        } else if (axis < input.dimNames.size() && !input.dimNames[axis].empty()) {
            extents << QString::fromStdString(input.dimNames[axis]);
        } else {
            extents << QStringLiteral("?");
        }
    }
    return QStringLiteral("%1: %2").arg(QString::fromStdString(input.name),
                                        extents.join(QStringLiteral(" × ")));
}

}  // namespace

Document::Document(QObject* parent) : QObject(parent) {
    connect(&m_watcher, &QFutureWatcher<LoadOutcome>::finished, this, &Document::finishLoading);
}

Document::~Document() {
    m_watcher.waitForFinished();
    for (QFuture<LoadOutcome>& future : m_superseded)
        future.waitForFinished();
}

void Document::open(const QString& path) {
    if (m_watcher.isRunning()) m_superseded.append(m_watcher.future());
    m_superseded.removeIf([](const QFuture<LoadOutcome>& future) { return future.isFinished(); });
    emit loadingStarted(path);
    m_watcher.setFuture(QtConcurrent::run(&Document::load, path));
}

Document::LoadOutcome Document::load(const QString& path) {
    LoadOutcome outcome;
    outcome.path = path;
    const std::string fileName = QFile::encodeName(path).toStdString();
    Result<NetworkDefinition> parsed = parseOnnxFile(fileName);
    if (parsed.isOk()) {
        const Status valid = parsed->validate();
        if (valid.isOk()) {
            outcome.network = std::make_shared<const NetworkDefinition>(std::move(parsed).value());
        } else {
            outcome.errorMessage = QString::fromStdString(valid.message());
        }
        return outcome;
    }
    const QString parserMessage = QString::fromStdString(parsed.status().message());

    // Symbolic dimensions are the most common reason a valid model cannot be opened; say so plainly
    // instead of leaving the user to decode the parser's message.
    QStringList symbolicInputs;
    if (Result<std::vector<OnnxInputInfo>> inputs = readOnnxInputs(fileName); inputs.isOk()) {
        for (const OnnxInputInfo& input : *inputs) {
            for (int64_t extent : input.dims) {
                if (extent < 0) {
                    symbolicInputs << describeDeclaredShape(input);
                    break;
                }
            }
        }
    }
    if (symbolicInputs.isEmpty()) {
        outcome.errorMessage = parserMessage;
    } else {
        outcome.errorMessage =
            tr("These inputs have symbolic dimensions: %1. Kiln needs a fixed size for every dimension, "
               "and the workbench cannot ask for sizes yet: export the model with fixed input shapes "
               "and open it again.\n\nDetails: %2")
                .arg(symbolicInputs.join(QStringLiteral("; ")), parserMessage);
    }
    return outcome;
}

void Document::finishLoading() {
    const LoadOutcome outcome = m_watcher.result();
    if (!outcome.network) {
        emit failed(outcome.path, outcome.errorMessage);
        return;
    }
    m_filePath = QFileInfo(outcome.path).absoluteFilePath();
    m_network = outcome.network;
    emit loaded(m_filePath);
}

}  // namespace kiln::workbench

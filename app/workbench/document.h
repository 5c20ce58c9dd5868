// The model the workbench has open. A Document loads a model file in the background and owns the
// resulting NetworkDefinition; windows and views only display what it holds and react to its signals.
// A failed load leaves the previously loaded model in place.
#pragma once

#include <QFuture>
#include <QFutureWatcher>
#include <QList>
#include <QObject>
#include <QString>
#include <memory>

#include "kiln/network.h"

namespace kiln::workbench {

class Document : public QObject {
    Q_OBJECT

public:
    // What a background load hands back to the GUI thread: a network, or a message saying why not.
    struct LoadOutcome {
        QString path;
        std::shared_ptr<const NetworkDefinition> network;
        QString errorMessage;
    };

    explicit Document(QObject* parent = nullptr);
    // Waits for loads still running, so that no parse is left using the engine while the application
    // tears down. The parser has no cancel point, so this can take as long as the parse.
    ~Document() override;

    // Starts loading the ONNX model at `path` off the GUI thread; `loaded` or `failed` follows. Opening
    // another file while one is loading supersedes it: only the latest request reports.
    void open(const QString& path);

    bool isLoading() const { return m_watcher.isRunning(); }
    // The file the shown network came from; empty until a load has succeeded.
    const QString& filePath() const { return m_filePath; }
    // The loaded network, null until a load has succeeded.
    const std::shared_ptr<const NetworkDefinition>& network() const { return m_network; }

    // Parses the model at `path` and explains failures; runs on a worker thread.
    static LoadOutcome load(const QString& path);

signals:
    void loadingStarted(const QString& path);
    void loaded(const QString& path);
    void failed(const QString& path, const QString& message);

private:
    void finishLoading();

    QFutureWatcher<LoadOutcome> m_watcher;
    // Loads that a newer open() superseded; they still run and are waited for on destruction.
    QList<QFuture<LoadOutcome>> m_superseded;
    QString m_filePath;
    std::shared_ptr<const NetworkDefinition> m_network;
};

}  // namespace kiln::workbench

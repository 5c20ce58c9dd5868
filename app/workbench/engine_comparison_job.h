// Compares two engines in the background, as `kiln compare-plans` does on the command line: each side's
// engine is read from a plan file, taken as it is (the engine the workbench shows) or built from the open
// network with options of its own (no fusion, FP16, ...); then both are profiled on the same seeded
// inputs in alternating rounds, so that both see the machine in the same state, and their layers are
// matched through provenance (kiln/engine_comparison.h). Progress reaches the GUI thread as queued
// signals; cancel stops a build at its next poll and a profile between runs.
#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <atomic>
#include <functional>
#include <memory>

#include "build_job.h"
#include "kiln/engine_comparison.h"
#include "kiln/runtime.h"

namespace kiln::workbench {

// Where one side's engine comes from.
struct EngineComparisonSide {
    enum class Source { Plan, Engine, Build };
    Source source = Source::Engine;
    QString name;                          // how titles and messages call it: "m.plan", "no fusion"
    QString planPath;                      // Source::Plan
    std::shared_ptr<const Engine> engine;  // Source::Engine
    std::shared_ptr<const NetworkDefinition> network;  // Source::Build: built with `settings`
    BuildSettings settings;
};

struct EngineComparisonSettings {
    int iterations = 30;  // profiled runs of each engine
    int warmUp = 3;       // untimed runs of each first
    uint32_t seed = 1;    // for the random inputs both engines see
};

class EngineComparisonJob : public QObject {
    Q_OBJECT

public:
    struct Outcome {
        EngineComparison comparison;
        std::shared_ptr<const Engine> engineA;  // both null unless the comparison succeeded
        std::shared_ptr<const Engine> engineB;
        StatusCode code = StatusCode::Ok;
        QString message;  // why it failed, naming the side ("B (no fusion): ...")
        QString warning;  // set when the engines look like different models
    };
    // `stage` says what runs ("Building B (no fusion): tactics"); `done` of `total` of it is finished.
    using Progress = std::function<void(const QString& stage, int done, int total)>;

    explicit EngineComparisonJob(QObject* parent = nullptr);
    // Cancels a running comparison and waits for the worker.
    ~EngineComparisonJob() override;

    // Starts comparing; does nothing while a comparison runs.
    void start(const EngineComparisonSide& a, const EngineComparisonSide& b,
               const EngineComparisonSettings& settings);
    void cancel();
    bool isRunning() const { return m_watcher.isRunning(); }
    const Outcome& outcome() const { return m_outcome; }

    // The work itself, on the calling thread.
    static Outcome compare(const EngineComparisonSide& a, const EngineComparisonSide& b,
                           const EngineComparisonSettings& settings, const std::atomic<bool>& cancel,
                           const Progress& progress);

signals:
    void progress(const QString& stage, int done, int total);
    void finished();

private:
    QFutureWatcher<Outcome> m_watcher;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    Outcome m_outcome;
    int m_generation = 0;
};

}  // namespace kiln::workbench

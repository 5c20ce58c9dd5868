// Runs a build in the background: kiln::Builder::build on a worker thread, its progress forwarded to the
// GUI thread as queued signals, and a cancel that the builder sees the next time it polls its monitor.
// One build at a time; the owner disables "Build" while one runs.
#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kiln/logger.h"
#include "kiln/builder.h"

namespace kiln::workbench {

// The builder options the Build panel offers; BuilderConfig without the monitor.
struct BuildSettings {
    enum class Precision { FP32, FP16, INT8, BF16 };
    Precision precision = Precision::FP32;
    std::string backend = "cpu";
    bool enableFusion = true;
    int64_t workspaceLimitBytes = int64_t(1) << 30;
    int timingIterations = 10;
    std::string timingCachePath;  // empty: no timing cache
    // Calibrated ranges by tensor name (scale × 127), from the Calibration panel; an INT8 build needs them.
    std::map<std::string, float> dynamicRanges;
    // Model nodes (names or patterns) whose layers run in a precision of their own, and whether a
    // layer that cannot fails the build (obey) or falls back (prefer).
    std::vector<LayerPrecision> layerPrecisions;
    PrecisionConstraints precisionConstraints = PrecisionConstraints::Obey;
    // Dynamic shapes: ranges per symbolic input (the Build panel's min and max); the build then reads
    // the model at modelPath again as a network source instead of using the open network.
    std::vector<OptimizationProfile> profiles;
    std::string modelPath;

    BuilderConfig toConfig() const;
    // "FP32", "FP16", "INT8": how the title bar and the log name it.
    QString precisionName() const;
};

class BuildJob : public QObject {
    Q_OBJECT

public:
    struct Outcome {
        std::shared_ptr<const Engine> engine;  // null unless the build succeeded
        StatusCode code = StatusCode::Ok;
        QString message;                      // the engine's message when the build failed
        double wallMilliseconds = 0.0;
        // What the builder logged (its ILogger), in order: pass changes and phase times (verbose),
        // warnings, a summary (info), or the error.
        std::vector<std::pair<Severity, QString>> log;
    };

    // Called on the worker thread when a phase starts, before its work: tests use it to hold a build
    // at a known point (for example until cancel() has been called).
    using PhaseHook = std::function<void(const std::string& phase)>;

    explicit BuildJob(QObject* parent = nullptr);
    // Cancels a running build and waits for the worker, which returns at the builder's next poll.
    ~BuildJob() override;

    // Starts building `network` (kept alive until the build ends). Does nothing while a build runs.
    void start(std::shared_ptr<const NetworkDefinition> network, const BuildSettings& settings);
    // Asks the running build to stop; `finished` follows with StatusCode::Cancelled.
    void cancel();
    bool isRunning() const { return m_watcher.isRunning(); }
    bool isCancelRequested() const { return m_cancel && m_cancel->load(); }
    // The result of the build that finished last.
    const Outcome& outcome() const { return m_outcome; }

    void setPhaseHook(PhaseHook hook) { m_phaseHook = std::move(hook); }

signals:
    // A build phase ("passes", "tactics", "memory", ...) started: `step` of `stepCount`.
    void phaseStarted(const QString& phase, int step, int stepCount);
    void finished();

private:
    void onWorkerFinished();

    QFutureWatcher<Outcome> m_watcher;
    // Shared with the worker, which may outlive a cancel request by the time of one pass.
    std::shared_ptr<std::atomic<bool>> m_cancel;
    PhaseHook m_phaseHook;
    Outcome m_outcome;
    // Counts builds, so that a queued progress signal of an earlier build is recognized and dropped.
    int m_generation = 0;
};

}  // namespace kiln::workbench

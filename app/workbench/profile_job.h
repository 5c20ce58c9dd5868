// Profiles a built engine in the background: warm-up runs, then timed runs of ExecutionContext::execute
// on seeded random inputs with an IProfiler listening, summarized into the views' ProfileResult (median
// time per executed layer, with its type, precision and tactic from the build report, and every run's
// end-to-end time). Progress goes to the GUI thread as queued signals; cancel stops between runs.
#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include <map>

#include "kiln/runtime.h"
#include "profile_data.h"
#include "shape_sweep_view.h"

namespace kiln::workbench {

struct ProfileSettings {
    int iterations = 50;  // timed runs
    int warmUp = 5;       // untimed runs first, so that caches and allocations settle
    uint32_t seed = 1;    // for the random inputs: the same inputs every time
    // The input shapes an engine built for a range of shapes runs at; an input not named here runs at
    // its optimization profile's opt shape.
    std::map<std::string, Dims> shapes;
    // A sweep instead of a layer profile: dimension `sweepAxis` of input `sweepInput` takes each of
    // `sweepValues` in turn (the other dimensions as `shapes` says), and each extent's median
    // end-to-end latency over `iterations` runs (after `warmUp`) is kept.
    std::string sweepInput;
    size_t sweepAxis = 0;
    std::vector<int64_t> sweepValues;
};

class ProfileJob : public QObject {
    Q_OBJECT

public:
    struct Outcome {
        views::ProfileResult profile;  // empty unless the profile succeeded
        QVector<views::SweepPoint> sweep;  // a sweep's points, in the order of the values
        StatusCode code = StatusCode::Ok;
        QString message;
    };

    explicit ProfileJob(QObject* parent = nullptr);
    // Cancels a running profile and waits for the run in progress to end.
    ~ProfileJob() override;

    // Starts profiling `engine` (kept alive until the profile ends). Does nothing while one runs.
    void start(std::shared_ptr<const Engine> engine, const ProfileSettings& settings);
    void cancel();
    bool isRunning() const { return m_watcher.isRunning(); }
    const Outcome& outcome() const { return m_outcome; }

    // The work itself, on the calling thread: `progress(done, total)` after each run (warm-up runs
    // count), stopping with StatusCode::Cancelled once `cancel` is true.
    static Outcome profile(const Engine& engine, const ProfileSettings& settings, const std::atomic<bool>& cancel,
                           const std::function<void(int done, int total)>& progress);

signals:
    void progress(int done, int total);
    void finished();

private:
    QFutureWatcher<Outcome> m_watcher;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    Outcome m_outcome;
    int m_generation = 0;
};

}  // namespace kiln::workbench

// Calibrates a model for INT8 in the background: reuses a calibration cache that matches the model, the
// algorithm and the data; either way collects every activation's histogram of |x| over the .npy batches
// with kiln::activationHistograms() (its progress callback carries the cancel), which the Calibration
// panel draws, and, where no cache was reused, derives the scales from them (kiln::calibrationTableOf)
// and writes the cache. Without data, a cache made for this model with this algorithm is loaded as it is.
// Progress goes to the GUI thread as queued signals.
#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "calibration_table_model.h"
#include "kiln/calibration.h"
#include "kiln/network.h"

namespace kiln::workbench {

struct CalibrationSettings {
    std::string modelPath;  // the model file: its hash names the model in the cache
    std::string dataPath;   // a .npy batch or a folder of them; empty: use the cache as it is
    std::string cachePath;  // empty: no cache
    CalibrationOptions options;
    std::string backend = "cpu";
};

class CalibrationJob : public QObject {
    Q_OBJECT

public:
    // What happened to the calibration cache on the way, for the panel's log.
    struct CacheNote {
        enum class Kind {
            Unreadable,  // a file is there but is no usable cache (detail: the engine's reason); replaced
            Mismatch,    // the cache was made otherwise (detail: calibrationCacheMismatch's reason); replaced
            Reused,      // it matches the model, algorithm and data: its scales are used
            Loaded,      // no data given: its scales are used as they are
            Written,     // the new scales were written to it
            NotWritten,  // writing failed (detail: why)
        };
        Kind kind;
        QString detail;
    };

    struct Outcome {
        std::shared_ptr<const views::CalibrationResult> result;  // null unless the calibration succeeded
        StatusCode code = StatusCode::Ok;
        QString message;  // why it failed: the engine's message where the engine refused
        std::vector<CacheNote> notes;
    };

    // Called on the worker thread after every batch run (`done` of `total`, both histogram passes
    // counted): tests hold a calibration there until they have cancelled it.
    using BatchHook = std::function<void(int done, int total)>;

    explicit CalibrationJob(QObject* parent = nullptr);
    // Cancels a running calibration and waits for the batch in progress.
    ~CalibrationJob() override;

    // Starts calibrating `network` (kept alive until the job ends). Does nothing while one runs.
    void start(std::shared_ptr<const NetworkDefinition> network, const CalibrationSettings& settings);
    void cancel();
    bool isRunning() const { return m_watcher.isRunning(); }
    bool isCancelRequested() const { return m_cancel && m_cancel->load(); }
    const Outcome& outcome() const { return m_outcome; }
    void setBatchHook(BatchHook hook) { m_batchHook = std::move(hook); }

    // The work itself, on the calling thread; stops with StatusCode::Cancelled once `cancel` is true.
    static Outcome calibrateModel(const NetworkDefinition& network, const CalibrationSettings& settings,
                                  const std::atomic<bool>& cancel, const BatchHook& progress);

signals:
    void progress(int done, int total);
    void finished();

private:
    QFutureWatcher<Outcome> m_watcher;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    BatchHook m_batchHook;
    Outcome m_outcome;
    int m_generation = 0;
};

}  // namespace kiln::workbench

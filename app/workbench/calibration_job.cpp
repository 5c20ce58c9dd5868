// Background INT8 calibration with the histograms behind it; see calibration_job.h.
#include "calibration_job.h"

#include <QFileInfo>
#include <QMetaObject>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <cmath>
#include <optional>

#include "kiln/builder.h"
#include "kiln/runtime.h"

namespace kiln::workbench {

CalibrationJob::CalibrationJob(QObject* parent) : QObject(parent) {
    connect(&m_watcher, &QFutureWatcher<Outcome>::finished, this, [this] {
        m_outcome = m_watcher.result();
        emit finished();
    });
}

CalibrationJob::~CalibrationJob() {
    if (m_cancel) m_cancel->store(true);
    m_watcher.waitForFinished();
}

void CalibrationJob::start(std::shared_ptr<const NetworkDefinition> network, const CalibrationSettings& settings) {
    if (isRunning() || !network) return;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    const int generation = ++m_generation;
    auto cancel = m_cancel;
    BatchHook hook = m_batchHook;
    m_watcher.setFuture(QtConcurrent::run([this, network, settings, cancel, generation, hook] {
        // Progress is posted with the job as context, so Qt drops it if the job is gone; a report of an
        // earlier calibration is recognized by its generation.
        const BatchHook report = [this, generation, hook](int done, int total) {
            QMetaObject::invokeMethod(
                this,
                [this, generation, done, total] {
                    if (generation == m_generation) emit progress(done, total);
                },
                Qt::QueuedConnection);
            if (hook) hook(done, total);
        };
        return calibrateModel(*network, settings, *cancel, report);
    }));
}

void CalibrationJob::cancel() {
    if (m_cancel && isRunning()) m_cancel->store(true);
}

CalibrationJob::Outcome CalibrationJob::calibrateModel(const NetworkDefinition& network,
                                                       const CalibrationSettings& settings,
                                                       const std::atomic<bool>& cancel, const BatchHook& progress) {
    Outcome outcome;
    const auto fail = [&outcome](const Status& status) {
        outcome.result.reset();
        outcome.code = status.code();
        outcome.message = QString::fromStdString(status.message());
        return outcome;
    };
    const auto note = [&outcome](CacheNote::Kind kind, const std::string& detail = {}) {
        outcome.notes.push_back({kind, QString::fromStdString(detail)});
    };
    const CalibrationOptions& options = settings.options;
    Result<std::string> hash = modelFileHash(settings.modelPath);
    if (!hash) return fail(hash.status());

    std::optional<CalibrationTable> cached;
    if (!settings.cachePath.empty() && QFileInfo::exists(QString::fromStdString(settings.cachePath))) {
        Result<CalibrationTable> read = readCalibrationCache(settings.cachePath);
        if (read) {
            cached = std::move(read).value();
        } else if (settings.dataPath.empty()) {
            return fail(invalidArgument(read.status().message() + "; give calibration data to calibrate again"));
        } else {
            note(CacheNote::Kind::Unreadable, read.status().message());
        }
    }

    auto result = std::make_shared<views::CalibrationResult>();
    result->options = options;
    if (settings.dataPath.empty()) {
        if (!cached) {
            return fail(invalidArgument("INT8 calibration needs data: give a .npy batch or a folder of them, or a "
                                        "calibration cache made for this model"));
        }
        // Without data there is no preprocessing to check: the model and the algorithm must match.
        const std::string mismatch = calibrationCacheMismatch(*cached, options.algorithm, cached->preprocessing, *hash);
        if (!mismatch.empty()) {
            return fail(invalidArgument("the calibration cache '" + settings.cachePath + "' does not match: " +
                                        mismatch + "; give calibration data to calibrate again"));
        }
        note(CacheNote::Kind::Loaded);
        result->table = std::move(*cached);
        for (const auto& layer : network.layers()) {
            for (const Tensor* output : layer->outputs()) result->tensorOrder.push_back(output->name());
        }
        outcome.result = std::move(result);
        return outcome;
    }

    if (network.inputs().size() != 1) {
        return fail(invalidArgument("calibration takes .npy data for models with one input; this one has " +
                                    std::to_string(network.inputs().size())));
    }
    const Tensor* input = network.inputs().front();
    Result<std::unique_ptr<ICalibrationData>> data =
        npyCalibrationData(settings.dataPath, input->name(), input->type(), input->dims());
    if (!data) return fail(data.status());
    ICalibrationData& batches = *data.value();
    bool reused = false;
    if (cached) {
        const std::string mismatch = calibrationCacheMismatch(*cached, options.algorithm, batches.preprocessing(), *hash);
        reused = mismatch.empty();
        if (reused) {
            note(CacheNote::Kind::Reused);
            result->table = std::move(*cached);
        } else {
            note(CacheNote::Kind::Mismatch, mismatch);
        }
    }

    // Every activation of the model gets a range: the FP32 network without fusion, as the CLI does.
    BuilderConfig config;
    config.backend = settings.backend;
    config.enableFusion = false;
    config.timingIterations = 1;
    Result<std::shared_ptr<Engine>> engine = Builder::build(network, config);
    if (!engine) {
        return fail(Status(engine.status().code(),
                           "building the FP32 engine to calibrate with failed: " + engine.status().message()));
    }

    // One pass over the data gives the histograms the view draws and, unless a cache is reused, the table.
    Result<std::map<std::string, ActivationHistogram>> histograms =
        activationHistograms(*engine.value(), batches, options.bins, [&](int done, int total) {
            if (progress) progress(done, total);
            return cancel.load();
        });
    if (!histograms) return fail(histograms.status());
    result->histograms = std::move(histograms).value();
    if (!reused) {
        result->table = calibrationTableOf(result->histograms, options, batches.preprocessing(), *hash,
                                           batches.batchCount());
        if (!settings.cachePath.empty()) {
            const Status written = writeCalibrationCache(settings.cachePath, result->table);
            if (written) {
                note(CacheNote::Kind::Written);
            } else {
                note(CacheNote::Kind::NotWritten, written.message());
            }
        }
    }
    if (cancel.load()) return fail(cancelled("the calibration was cancelled"));
    for (const auto& layer : engine.value()->network().layers()) {
        for (const Tensor* output : layer->outputs()) result->tensorOrder.push_back(output->name());
    }
    outcome.result = std::move(result);
    return outcome;
}

}  // namespace kiln::workbench

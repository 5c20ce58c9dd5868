// Background profiling of an engine; see profile_job.h.
#include "profile_job.h"

#include <QMetaObject>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "kiln/profiling.h"

namespace kiln::workbench {

ProfileJob::ProfileJob(QObject* parent) : QObject(parent) {
    connect(&m_watcher, &QFutureWatcher<Outcome>::finished, this, [this] {
        m_outcome = m_watcher.result();
        emit finished();
    });
}

ProfileJob::~ProfileJob() {
    if (m_cancel) m_cancel->store(true);
    m_watcher.waitForFinished();
}

void ProfileJob::start(std::shared_ptr<const Engine> engine, const ProfileSettings& settings) {
    if (isRunning() || !engine) return;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    const int generation = ++m_generation;
    auto cancel = m_cancel;
    m_watcher.setFuture(QtConcurrent::run([this, engine, settings, cancel, generation] {
        // Progress is posted with the job as context, so Qt drops it if the job is gone; a report of an
        // earlier profile is recognized by its generation.
        const auto report = [this, generation](int done, int total) {
            QMetaObject::invokeMethod(
                this,
                [this, generation, done, total] {
                    if (generation == m_generation) emit progress(done, total);
                },
                Qt::QueuedConnection);
        };
        return profile(*engine, settings, *cancel, report);
    }));
}

void ProfileJob::cancel() {
    if (m_cancel && isRunning()) m_cancel->store(true);
}

ProfileJob::Outcome ProfileJob::profile(const Engine& engine, const ProfileSettings& settings,
                                        const std::atomic<bool>& cancel,
                                        const std::function<void(int, int)>& progress) {
    Outcome outcome;
    const auto fail = [&outcome](const Status& status) {
        outcome.profile = {};
        outcome.code = status.code();
        outcome.message = QString::fromStdString(status.message());
        return outcome;
    };
    if (settings.iterations < 1) return fail(invalidArgument("the number of profiled runs must be at least 1"));

    Result<std::unique_ptr<ExecutionContext>> context = engine.createExecutionContext();
    if (!context) return fail(context.status());
    std::vector<Binding> bindings = engine.bindings();
    const std::vector<OptimizationProfile> profiles = engine.profiles();
    for (Binding& binding : bindings) {
        if (!binding.isInput || profiles.empty() || !profiles.front().inputs.count(binding.name)) continue;
        const auto given = settings.shapes.find(binding.name);
        if (binding.isShapeTensor) {  // the panel's entry gives its values; else the context keeps its opt values
            if (given != settings.shapes.end()) {
                if (Status set = (*context)->setShapeTensorValues(binding.name, given->second); !set) return fail(set);
            }
            continue;
        }
        binding.dims = given != settings.shapes.end() ? given->second : profiles.front().inputs.at(binding.name).opt;
    }
    if (!settings.sweepValues.empty()) {
        const int warmUp = std::max(0, settings.warmUp);
        const int total = int(settings.sweepValues.size()) * (warmUp + settings.iterations);
        int done = 0;
        for (const int64_t value : settings.sweepValues) {
            std::vector<Binding> swept = bindings;
            for (Binding& binding : swept) {
                if (binding.name == settings.sweepInput && settings.sweepAxis < binding.dims.size()) {
                    binding.dims[settings.sweepAxis] = value;
                }
            }
            const TensorMap inputs = randomInputs(swept, settings.seed);
            std::vector<double> times;
            for (int run = 0; run < warmUp + settings.iterations; ++run) {
                if (cancel.load()) return fail(cancelled("the sweep was cancelled"));
                const auto start = std::chrono::steady_clock::now();
                Result<TensorMap> outputs = (*context)->execute(inputs);
                const auto stop = std::chrono::steady_clock::now();
                if (!outputs) return fail(outputs.status());
                if (run >= warmUp) times.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
                if (progress) progress(++done, total);
            }
            const double median = views::latencyStatistics(times).median;
            const double items = settings.sweepAxis == 0 ? double(value) : 1.0;  // dimension 0 is the batch
            outcome.sweep.push_back({value, median, median > 0.0 ? items * 1000.0 / median : 0.0});
        }
        return outcome;
    }
    const TensorMap inputs = randomInputs(bindings, settings.seed);

    const int warmUp = std::max(0, settings.warmUp);
    const int total = warmUp + settings.iterations;
    LayerTimeCollector profiler;
    std::vector<double>& endToEnd = outcome.profile.endToEndMilliseconds;
    for (int run = 0; run < total; ++run) {
        if (cancel.load()) return fail(cancelled("the profile was cancelled"));
        const bool timed = run >= warmUp;
        (*context)->setProfiler(timed ? &profiler : nullptr);
        const auto start = std::chrono::steady_clock::now();
        Result<TensorMap> outputs = (*context)->execute(inputs);
        const auto stop = std::chrono::steady_clock::now();
        if (!outputs) return fail(outputs.status());
        if (timed) endToEnd.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
        if (progress) progress(run + 1, total);
    }
    (*context)->setProfiler(nullptr);

    std::map<std::string, const LayerRecord*> records;
    for (const LayerRecord& record : engine.report().layersAfter)
        records[record.name] = &record;
    outcome.profile.engineLayers = summarizeLayerTimes(profiler, settings.iterations);
    for (const LayerTimeSummary& layer : outcome.profile.engineLayers) {
        views::LayerProfile summary = views::layerProfileOf(layer);
        if (const auto it = records.find(layer.name); it != records.end()) {
            summary.type = QString::fromStdString(it->second->kind);
            summary.precision = QString::fromStdString(it->second->precision);
            summary.tactic = QString::fromStdString(it->second->tactic);
        }
        outcome.profile.layers.push_back(summary);
    }
    outcome.profile.iterations = settings.iterations;
    return outcome;
}

}  // namespace kiln::workbench

// Background precision comparisons and bisections; see precision_job.h.
#include "precision_job.h"

#include <QMetaObject>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <chrono>

#include "kiln/npy.h"
#include "kiln/profiling.h"

namespace kiln::workbench {

namespace {

// The builder's monitor on the worker thread: the job's cancel flag, read without locks.
class CancelMonitor final : public IProgressMonitor {
public:
    explicit CancelMonitor(const std::atomic<bool>& cancel) : m_cancel(cancel) {}
    void phaseStarted(const std::string&, int, int) override {}
    bool shouldCancel() override { return m_cancel.load(); }

private:
    const std::atomic<bool>& m_cancel;
};

// The builder configuration of one engine of a comparison: the Build panel's options in `precision`.
// The FP32 reference keeps no constraints; INT8 quantizes with the calibrated ranges.
BuilderConfig configFor(const ComparisonSettings& settings, BuildSettings::Precision precision,
                        IProgressMonitor* monitor) {
    BuildSettings build = settings.build;
    build.precision = precision;
    build.dynamicRanges = settings.int8Ranges;
    if (precision == BuildSettings::Precision::FP32) build.layerPrecisions.clear();
    BuilderConfig config = build.toConfig();
    config.progress = monitor;
    return config;
}

// The median time of `runs` runs after one untimed run that settles allocations and caches.
Result<double> medianLatency(const Engine& engine, const TensorMap& inputs, int runs) {
    KILN_ASSIGN_OR_RETURN(std::unique_ptr<ExecutionContext> context, engine.createExecutionContext());
    const bool device = engine.usesDeviceMemory();
    auto once = [&]() -> Status {
        if (!device) return context->execute(inputs).status();
        KILN_RETURN_IF_ERROR(context->enqueueV3(nullptr));
        return context->synchronize();
    };
    KILN_RETURN_IF_ERROR(context->execute(inputs).status());  // device runs read what this leaves
    std::vector<double> times;
    for (int i = 0; i < std::max(1, runs); ++i) {
        const auto start = std::chrono::steady_clock::now();
        KILN_RETURN_IF_ERROR(once());
        times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    return median(times);
}

// The inputs of a comparison: the .npy file given, checked against the one input it is for, or seeded
// random values for every input.
Result<TensorMap> comparisonInputs(const Engine& engine, const ComparisonSettings& settings) {
    if (settings.inputPath.empty()) return randomInputs(engine.bindings(), settings.seed, settings.inputAmplitude);
    std::vector<const Binding*> inputs;
    for (const Binding& binding : engine.bindings()) {
        if (binding.isInput) inputs.push_back(&binding);
    }
    if (inputs.size() != 1) {
        return invalidArgument("a .npy input file is for models with one input; this one has " +
                               std::to_string(inputs.size()) + ": leave the file empty to use random inputs");
    }
    KILN_ASSIGN_OR_RETURN(HostTensor tensor, readNpy(settings.inputPath));
    const Binding& input = *inputs.front();
    if (tensor.type() != input.type || tensor.dims() != input.dims) {
        return invalidArgument("'" + settings.inputPath + "' holds " + toString(tensor.type()) + " " +
                               toString(tensor.dims()) + "; the input " + input.name + " takes " + toString(input.type) +
                               " " + toString(input.dims));
    }
    return TensorMap{{input.name, std::move(tensor)}};
}

// How many layers ran simulated (FP32 kernels between conversions), where any did.
QString runNote(const BuildReport& report) {
    const int simulated = report.simulatedLayerCount();
    if (simulated == 0) return {};
    return PrecisionJob::tr("%1 of %2 layers simulated").arg(simulated).arg(report.executedLayerCount());
}

}  // namespace

PrecisionJob::PrecisionJob(QObject* parent) : QObject(parent) {
    connect(&m_comparison, &QFutureWatcher<ComparisonOutcome>::finished, this, [this] {
        m_comparisonOutcome = m_comparison.result();
        if (m_comparisonOutcome.code == StatusCode::Ok) m_lastComparison = m_comparisonOutcome;
        emit comparisonFinished();
    });
    connect(&m_bisection, &QFutureWatcher<BisectionOutcome>::finished, this, [this] {
        m_bisectionOutcome = m_bisection.result();
        emit bisectionFinished();
    });
}

PrecisionJob::~PrecisionJob() {
    if (m_cancel) m_cancel->store(true);
    m_comparison.waitForFinished();
    m_bisection.waitForFinished();
}

QString PrecisionJob::precisionName(BuildSettings::Precision precision) {
    BuildSettings settings;
    settings.precision = precision;
    return settings.precisionName();
}

void PrecisionJob::startComparison(std::shared_ptr<const NetworkDefinition> network,
                                   const ComparisonSettings& settings) {
    if (isRunning() || !network) return;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    m_lastComparison = {};
    const int generation = ++m_generation;
    auto cancel = m_cancel;
    BuildHook hook = m_buildHook;
    m_comparison.setFuture(QtConcurrent::run([this, network, settings, cancel, generation, hook] {
        ComparisonOutcome outcome;
        outcome.settings = settings;
        const auto fail = [&outcome](const Status& status) {
            outcome.comparison = {};
            outcome.reference.reset();
            outcome.inputs.reset();
            outcome.code = status.code();
            outcome.message = QString::fromStdString(status.message());
            return outcome;
        };
        std::vector<BuildSettings::Precision> precisions{BuildSettings::Precision::FP32};
        precisions.insert(precisions.end(), settings.precisions.begin(), settings.precisions.end());
        const int total = 3 * int(precisions.size());
        int step = 0;
        // Posted with the job as context, so Qt drops it if the job is gone; an earlier comparison's
        // report is recognized by its generation.
        const auto report = [this, generation, total, &step](const QString& description) {
            const int current = ++step;
            QMetaObject::invokeMethod(
                this,
                [this, generation, current, total, description] {
                    if (generation == m_generation) emit progress(current, total, description);
                },
                Qt::QueuedConnection);
        };
        CancelMonitor monitor(*cancel);
        auto inputs = std::make_shared<TensorMap>();
        std::shared_ptr<const TensorRecording> reference;
        outcome.comparison.latencyRuns = settings.latencyRuns;
        for (BuildSettings::Precision precision : precisions) {
            const QString name = precisionName(precision);
            if (cancel->load()) return fail(cancelled("the comparison was cancelled"));
            if (precision == BuildSettings::Precision::INT8 && settings.int8Ranges.empty()) {
                return fail(invalidArgument("comparing INT8 needs calibrated ranges: calibrate the model in the "
                                            "Calibration panel first"));
            }
            report(tr("Building the %1 engine…").arg(name));
            if (hook) hook(name);
            Result<std::shared_ptr<Engine>> engine = Builder::build(*network, configFor(settings, precision, &monitor));
            if (!engine) {
                if (engine.status().code() == StatusCode::Cancelled) return fail(engine.status());
                return fail(Status(engine.status().code(),
                                   "building the " + name.toStdString() + " engine failed: " + engine.status().message()));
            }
            if (!reference) {
                Result<TensorMap> made = comparisonInputs(*engine.value(), settings);
                if (!made) return fail(made.status());
                *inputs = std::move(made).value();
                outcome.comparison.inputsDescription =
                    settings.inputPath.empty()
                        ? tr("random inputs in ±%1 (seed %2)").arg(double(settings.inputAmplitude)).arg(settings.seed)
                        : QString::fromStdString(settings.inputPath);
            }
            if (cancel->load()) return fail(cancelled("the comparison was cancelled"));
            report(tr("Running the %1 engine and recording every tensor…").arg(name));
            Result<TensorRecording> recording = recordTensors(*engine.value(), *inputs);
            if (!recording) return fail(recording.status());
            views::PrecisionRunResult run;
            run.precision = name;
            run.note = runNote(engine.value()->report());
            if (!reference) {
                reference = std::make_shared<TensorRecording>(std::move(recording).value());
            } else {
                run.errors = compareRecordings(*reference, *recording, engine.value()->network());
            }
            if (cancel->load()) return fail(cancelled("the comparison was cancelled"));
            report(tr("Timing the %1 engine…").arg(name));
            Result<double> latency = medianLatency(*engine.value(), *inputs, settings.latencyRuns);
            if (!latency) return fail(latency.status());
            run.medianMilliseconds = *latency;
            outcome.comparison.runs.push_back(std::move(run));
        }
        outcome.reference = reference;
        outcome.inputs = inputs;
        return outcome;
    }));
}

void PrecisionJob::startBisection(std::shared_ptr<const NetworkDefinition> network,
                                  BuildSettings::Precision precision, double tolerance) {
    if (isRunning() || !network || !canBisect()) return;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    const int generation = ++m_generation;
    auto cancel = m_cancel;
    const ComparisonOutcome comparison = m_lastComparison;
    BuildHook hook = m_buildHook;
    m_bisection.setFuture(QtConcurrent::run([this, network, precision, tolerance, cancel, generation, comparison,
                                             hook] {
        BisectionOutcome outcome;
        outcome.precision = precision;
        outcome.tolerance = tolerance;
        CancelMonitor monitor(*cancel);
        // The bisection's answer stands alone: the constraints of the Build panel are not its starting point.
        ComparisonSettings settings = comparison.settings;
        settings.build.layerPrecisions.clear();
        const BuilderConfig config = configFor(settings, precision, &monitor);
        if (hook) hook(precisionName(precision));
        Result<BisectionResult> result = bisectPrecision(
            *network, config, *comparison.inputs, *comparison.reference, tolerance,
            [this, generation](const BisectionStep& step) {
                const int kept = int(step.keptNodes.size());
                QMetaObject::invokeMethod(
                    this,
                    [this, generation, kept, error = step.worstOutputError, meets = step.meets] {
                        if (generation == m_generation) emit bisectionStep(kept, error, meets);
                    },
                    Qt::QueuedConnection);
            });
        if (!result) {
            outcome.code = result.status().code();
            outcome.message = QString::fromStdString(result.status().message());
            return outcome;
        }
        outcome.result = std::move(result).value();
        return outcome;
    }));
}

void PrecisionJob::cancel() {
    if (m_cancel && isRunning()) m_cancel->store(true);
}

}  // namespace kiln::workbench

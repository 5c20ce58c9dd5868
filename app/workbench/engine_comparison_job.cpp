// Background comparison of two engines; see engine_comparison_job.h.
#include "engine_comparison_job.h"

#include <QFile>
#include <QMetaObject>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>

#include "build_panel.h"
#include "kiln/builder.h"
#include "kiln/plan.h"
#include "kiln/profiling.h"

namespace kiln::workbench {

namespace {

// Runs of one engine before the other takes its turn.
constexpr int kRoundRuns = 10;

// The builder's monitor on the worker thread: phases become progress, the cancel flag is polled.
class SideMonitor : public IProgressMonitor {
public:
    SideMonitor(QString stage, const std::atomic<bool>& cancel, const EngineComparisonJob::Progress& progress)
        : m_stage(std::move(stage)), m_cancel(cancel), m_progress(progress) {}

    void phaseStarted(const std::string& phase, int step, int stepCount) override {
        if (m_progress) {
            m_progress(QStringLiteral("%1: %2").arg(
                           m_stage, BuildPanel::phaseDisplayName(QString::fromStdString(phase))),
                       step, stepCount);
        }
    }
    bool shouldCancel() override { return m_cancel.load(); }

private:
    QString m_stage;
    const std::atomic<bool>& m_cancel;
    const EngineComparisonJob::Progress& m_progress;
};

QString sideName(const char* letter, const EngineComparisonSide& side) {
    return side.name.isEmpty() ? QString::fromLatin1(letter)
                               : QStringLiteral("%1 (%2)").arg(QLatin1String(letter), side.name);
}

Result<std::shared_ptr<const Engine>> engineOf(const EngineComparisonSide& side, const QString& name,
                                               const std::atomic<bool>& cancel,
                                               const EngineComparisonJob::Progress& progress) {
    switch (side.source) {
        case EngineComparisonSide::Source::Engine:
            if (!side.engine) {
                return invalidArgument(
                    EngineComparisonJob::tr(
                        "the workbench shows no engine yet: build the model or open a plan "
                        "first, or choose a plan file")
                        .toStdString());
            }
            return side.engine;
        case EngineComparisonSide::Source::Plan: {
            if (side.planPath.isEmpty()) {
                return invalidArgument(
                    EngineComparisonJob::tr("no plan file chosen: choose one with “Browse…”").toStdString());
            }
            if (progress) progress(EngineComparisonJob::tr("Loading %1").arg(name), 0, 0);
            const std::string path = QFile::encodeName(side.planPath).toStdString();
            if (!QFile::exists(side.planPath)) {
                return notFound(EngineComparisonJob::tr("'%1' does not exist: choose an existing plan file")
                                    .arg(side.planPath)
                                    .toStdString());
            }
            if (!isPlanFile(path)) {
                return invalidArgument(
                    EngineComparisonJob::tr(
                        "'%1' is not a Kiln plan: choose a plan file (built with “Export Plan…” "
                        "or kiln build), or compare the open model built with other options")
                        .arg(side.planPath)
                        .toStdString());
            }
            Result<std::shared_ptr<Engine>> engine = readPlanFile(path);
            if (!engine) return engine.status();
            return std::shared_ptr<const Engine>(std::move(engine).value());
        }
        case EngineComparisonSide::Source::Build: {
            if (!side.network) {
                return invalidArgument(
                    EngineComparisonJob::tr(
                        "no model is open: open an ONNX or Caffe model to build it with other "
                        "options, or choose a plan file")
                        .toStdString());
            }
            SideMonitor monitor(EngineComparisonJob::tr("Building %1").arg(name), cancel, progress);
            BuilderConfig config = side.settings.toConfig();
            config.profiles.clear();  // the open network's shapes, as the Build panel gave them
            config.progress = &monitor;
            Result<std::shared_ptr<Engine>> engine = Builder::build(*side.network, config);
            if (!engine) return engine.status();
            return std::shared_ptr<const Engine>(std::move(engine).value());
        }
    }
    return invalidArgument("unknown engine source");
}

// The inputs both engines run on: seeded random values at the bindings' shapes (an engine built for a
// range of shapes runs at its first profile's opt shapes).
TensorMap inputsFor(const Engine& engine, uint32_t seed) {
    std::vector<Binding> bindings = engine.bindings();
    const std::vector<OptimizationProfile> profiles = engine.profiles();
    for (Binding& binding : bindings) {
        if (!binding.isInput || binding.isShapeTensor || profiles.empty()) continue;
        if (const auto range = profiles.front().inputs.find(binding.name);
            range != profiles.front().inputs.end()) {
            binding.dims = range->second.opt;
        }
    }
    return randomInputs(bindings, seed);
}

bool sameInputs(const Engine& a, const Engine& b) {
    std::vector<std::pair<std::string, Dims>> inputsA;
    std::vector<std::pair<std::string, Dims>> inputsB;
    for (const Binding& binding : a.bindings()) {
        if (binding.isInput) inputsA.emplace_back(binding.name, binding.dims);
    }
    for (const Binding& binding : b.bindings()) {
        if (binding.isInput) inputsB.emplace_back(binding.name, binding.dims);
    }
    return inputsA == inputsB;
}

}  // namespace

EngineComparisonJob::EngineComparisonJob(QObject* parent) : QObject(parent) {
    connect(&m_watcher, &QFutureWatcher<Outcome>::finished, this, [this] {
        m_outcome = m_watcher.result();
        emit finished();
    });
}

EngineComparisonJob::~EngineComparisonJob() {
    if (m_cancel) m_cancel->store(true);
    m_watcher.waitForFinished();
}

void EngineComparisonJob::start(const EngineComparisonSide& a, const EngineComparisonSide& b,
                                const EngineComparisonSettings& settings) {
    if (isRunning()) return;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    const int generation = ++m_generation;
    auto cancel = m_cancel;
    m_watcher.setFuture(QtConcurrent::run([this, a, b, settings, cancel, generation] {
        // Posted with the job as context, so Qt drops it if the job is gone; an earlier comparison's
        // report is recognized by its generation.
        const Progress report = [this, generation](const QString& stage, int done, int total) {
            QMetaObject::invokeMethod(
                this,
                [this, generation, stage, done, total] {
                    if (generation == m_generation) emit progress(stage, done, total);
                },
                Qt::QueuedConnection);
        };
        return compare(a, b, settings, *cancel, report);
    }));
}

void EngineComparisonJob::cancel() {
    if (m_cancel && isRunning()) m_cancel->store(true);
}

EngineComparisonJob::Outcome EngineComparisonJob::compare(const EngineComparisonSide& a,
                                                          const EngineComparisonSide& b,
                                                          const EngineComparisonSettings& settings,
                                                          const std::atomic<bool>& cancel,
                                                          const Progress& progress) {
    Outcome outcome;
    const auto fail = [&outcome](StatusCode code, const QString& message) {
        outcome.engineA.reset();
        outcome.engineB.reset();
        outcome.comparison = {};
        outcome.code = code;
        outcome.message = message;
        return outcome;
    };
    const auto cancelled = [&] { return fail(StatusCode::Cancelled, tr("The comparison was cancelled.")); };
    if (settings.iterations < 1)
        return fail(StatusCode::InvalidArgument, tr("The number of runs must be at least 1."));

    const EngineComparisonSide* sides[2] = {&a, &b};
    const char* letters[2] = {"A", "B"};
    std::shared_ptr<const Engine> engines[2];
    for (int i = 0; i < 2; ++i) {
        const QString name = sideName(letters[i], *sides[i]);
        Result<std::shared_ptr<const Engine>> engine = engineOf(*sides[i], name, cancel, progress);
        if (cancel.load()) return cancelled();
        if (!engine)
            return fail(engine.status().code(),
                        tr("%1: %2").arg(name, QString::fromStdString(engine.status().message())));
        engines[i] = std::move(engine).value();
    }
    if (!sameInputs(*engines[0], *engines[1])) {
        outcome.warning =
            tr("The engines have different inputs; are they of one model? Layers match only where their "
               "model nodes have the same names.");
    }

    std::unique_ptr<ExecutionContext> contexts[2];
    std::vector<TensorMap> inputs;
    for (int i = 0; i < 2; ++i) {
        Result<std::unique_ptr<ExecutionContext>> context = engines[i]->createExecutionContext();
        if (!context) {
            return fail(context.status().code(),
                        tr("%1: %2").arg(sideName(letters[i], *sides[i]),
                                         QString::fromStdString(context.status().message())));
        }
        contexts[i] = std::move(context).value();
        inputs.push_back(inputsFor(*engines[i], settings.seed));
    }
    const int warmUp = std::max(0, settings.warmUp);
    const int total = 2 * (warmUp + settings.iterations);
    const QString stage = tr("Profiling A and B");
    for (int i = 0; i < 2; ++i) {
        for (int r = 0; r < warmUp; ++r) {
            if (cancel.load()) return cancelled();
            if (Result<TensorMap> ran = contexts[i]->execute(inputs[size_t(i)]); !ran) {
                return fail(ran.status().code(),
                            tr("%1: %2").arg(sideName(letters[i], *sides[i]),
                                             QString::fromStdString(ran.status().message())));
            }
            if (progress) progress(stage, i * warmUp + r + 1, total);
        }
    }
    // The engine's side-by-side profile, the one `kiln compare-plans` runs: rounds alternating between the
    // engines, so that both see the machine in the same state.
    size_t failed = 0;
    Result<std::vector<SideProfile>> profiled = profileSideBySide(
        {contexts[0].get(), contexts[1].get()}, inputs, settings.iterations, kRoundRuns,
        [&](int done, int) {
            if (progress) progress(stage, 2 * warmUp + done, total);
            return !cancel.load();
        },
        &failed);
    if (cancel.load()) return cancelled();
    if (!profiled) {
        return fail(profiled.status().code(),
                    tr("%1: %2").arg(sideName(letters[failed], *sides[failed]),
                                     QString::fromStdString(profiled.status().message())));
    }
    const std::vector<SideProfile>& profiles = profiled.value();
    outcome.comparison =
        compareEngines(*engines[0], *engines[1], profiles[0].layerTimes, profiles[1].layerTimes,
                       median(profiles[0].latenciesMs), median(profiles[1].latenciesMs));
    outcome.engineA = engines[0];
    outcome.engineB = engines[1];
    return outcome;
}

}  // namespace kiln::workbench

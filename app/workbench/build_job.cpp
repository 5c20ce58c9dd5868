// Background builds with progress and cancel; see build_job.h.
#include "build_job.h"

#include <QMetaObject>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <chrono>

#include "engine_messages.h"
#include "kiln/caffe_parser.h"
#include "kiln/onnx_parser.h"

namespace kiln::workbench {

namespace {

// The builder's monitor on the worker thread: each phase start is posted to the GUI thread as a queued
// call with the job as context (Qt drops it if the job is gone), and the cancel flag is read without locks.
class ForwardingMonitor : public IProgressMonitor {
public:
    using Deliver = std::function<void(const QString& phase, int step, int stepCount)>;

    ForwardingMonitor(QObject* context, Deliver deliver, std::shared_ptr<std::atomic<bool>> cancel,
                      BuildJob::PhaseHook hook)
        : m_context(context), m_deliver(std::move(deliver)), m_cancel(std::move(cancel)), m_hook(std::move(hook)) {}

    void phaseStarted(const std::string& phase, int step, int stepCount) override {
        QMetaObject::invokeMethod(
            m_context,
            [deliver = m_deliver, name = QString::fromStdString(phase), step, stepCount] {
                deliver(name, step, stepCount);
            },
            Qt::QueuedConnection);
        if (m_hook) m_hook(phase);
    }

    bool shouldCancel() override { return m_cancel->load(); }

private:
    QObject* m_context;
    Deliver m_deliver;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    BuildJob::PhaseHook m_hook;
};

}  // namespace

BuilderConfig BuildSettings::toConfig() const {
    BuilderConfig config;
    config.backend = backend;
    config.enableFusion = enableFusion;
    config.fp16 = precision == Precision::FP16;
    config.bf16 = precision == Precision::BF16;
    config.int8 = precision == Precision::INT8;
    config.workspaceLimit = workspaceLimitBytes;
    config.timingIterations = timingIterations;
    config.timingCachePath = timingCachePath;
    // Ranges only matter to INT8; other builds stay exactly what they were without a calibration.
    const bool int8Layers = std::any_of(layerPrecisions.begin(), layerPrecisions.end(),
                                        [](const LayerPrecision& c) { return c.precision == DataType::Int8; });
    if (config.int8 || int8Layers) config.dynamicRanges = dynamicRanges;
    config.layerPrecisions = layerPrecisions;
    config.precisionConstraints = precisionConstraints;
    config.profiles = profiles;
    return config;
}

QString BuildSettings::precisionName() const {
    switch (precision) {
    case Precision::FP16:
        return QStringLiteral("FP16");
    case Precision::INT8:
        return QStringLiteral("INT8");
    case Precision::BF16:
        return QStringLiteral("BF16");
    case Precision::FP32:
        break;
    }
    return QStringLiteral("FP32");
}

BuildJob::BuildJob(QObject* parent) : QObject(parent) {
    connect(&m_watcher, &QFutureWatcher<Outcome>::finished, this, &BuildJob::onWorkerFinished);
}

BuildJob::~BuildJob() {
    if (m_cancel) m_cancel->store(true);
    m_watcher.waitForFinished();
}

void BuildJob::start(std::shared_ptr<const NetworkDefinition> network, const BuildSettings& settings) {
    if (isRunning() || !network) return;
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    const int generation = ++m_generation;
    // Runs on the GUI thread: only the current build's phases reach the listeners.
    auto deliver = [this, generation](const QString& phase, int step, int stepCount) {
        if (generation == m_generation) emit phaseStarted(phase, step, stepCount);
    };
    auto monitor = std::make_shared<ForwardingMonitor>(this, deliver, m_cancel, m_phaseHook);
    m_watcher.setFuture(QtConcurrent::run([network, settings, monitor]() -> Outcome {
        const auto start = std::chrono::steady_clock::now();
        BuilderConfig config = settings.toConfig();
        config.progress = monitor.get();
        // The builder logs on this worker thread; the entries go to the GUI thread with the outcome.
        struct CollectingLogger final : ILogger {
            void log(Severity severity, const std::string& message) override {
                entries.emplace_back(severity, QString::fromStdString(message));
            }
            // Catalogued messages are kept in the user's language (translating is thread-safe).
            void logMessage(Severity severity, const Message& message) override {
                entries.emplace_back(severity, views::EngineMessages::text(message));
            }
            std::vector<std::pair<Severity, QString>> entries;
        } logger;
        config.logger = &logger;
        Result<std::shared_ptr<Engine>> built = invalidArgument("not built");
        if (settings.profiles.empty()) {
            built = Builder::build(*network, config);
        } else if (isCaffePrototxtPath(settings.modelPath)) {
            built = unsupported("optimization profiles need an ONNX model: a Caffe net's input shapes are fixed by "
                                "its prototxt (build without profiles)");
        } else if (auto source = onnxNetworkSource(settings.modelPath)) {
            built = Builder::build(std::move(source).value(), config);
        } else {
            built = source.status();
        }
        Outcome outcome;
        outcome.log = std::move(logger.entries);
        outcome.wallMilliseconds =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        if (built) {
            outcome.engine = std::move(built).value();
        } else {
            outcome.code = built.status().code();
            outcome.message = views::EngineMessages::statusText(built.status().message());
        }
        // A cancel that came after the last poll still counts: the user asked for no engine.
        if (monitor->shouldCancel() && outcome.engine) {
            outcome.engine.reset();
            outcome.code = StatusCode::Cancelled;
            outcome.message = QStringLiteral("the build was cancelled");
        }
        return outcome;
    }));
}

void BuildJob::cancel() {
    if (m_cancel && isRunning()) m_cancel->store(true);
}

void BuildJob::onWorkerFinished() {
    m_outcome = m_watcher.result();
    emit finished();
}

}  // namespace kiln::workbench

// The background jobs on their own: BuildJob reports the builder's phases in order on the GUI thread,
// runs one build at a time, cancels, and can be destroyed mid-build; ProfileJob runs warm-up and timed
// runs, reports progress, summarizes every executed layer and stops when cancelled.
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <atomic>
#include <chrono>
#include <thread>

#include "build_job.h"
#include "kiln/builder.h"
#include "kiln/onnx_parser.h"
#include "kiln/profiling.h"
#include "profile_job.h"

using kiln::workbench::BuildJob;
using kiln::workbench::ProfileJob;

class TestWorkbenchJobs : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        kiln::Result<kiln::NetworkDefinition> network =
            kiln::parseOnnxFile(KILN_SOURCE_DIR "/resources/sample/kiln_sample.onnx");
        QVERIFY2(network, network.status().message().c_str());
        m_network = std::make_shared<const kiln::NetworkDefinition>(std::move(network).value());
        kiln::Result<std::shared_ptr<kiln::Engine>> engine = kiln::Builder::build(*m_network, {});
        QVERIFY2(engine, engine.status().message().c_str());
        m_engine = std::move(engine).value();
    }

    void buildReportsPhasesInOrderOnTheGuiThread() {
        BuildJob job;
        std::vector<QString> phases;
        std::vector<int> steps;
        QThread* guiThread = QThread::currentThread();
        bool onGuiThread = true;
        connect(&job, &BuildJob::phaseStarted, this, [&](const QString& phase, int step, int count) {
            phases.push_back(phase);
            steps.push_back(step);
            onGuiThread = onGuiThread && QThread::currentThread() == guiThread && count >= 3;
        });
        QSignalSpy finished(&job, &BuildJob::finished);
        job.start(m_network, {});
        QVERIFY(job.isRunning());
        job.start(m_network, {});  // ignored: one build at a time
        QVERIFY(finished.wait(60000));
        QTest::qWait(20);
        QCOMPARE(finished.count(), 1);
        QVERIFY2(job.outcome().engine, qPrintable(job.outcome().message));
        QCOMPARE(job.outcome().code, kiln::StatusCode::Ok);
        QVERIFY(job.outcome().wallMilliseconds > 0);
        QVERIFY(onGuiThread);
        // Every phase the report timed was announced, in the report's order, with rising steps.
        const std::vector<kiln::PhaseTime>& timed = job.outcome().engine->report().phases;
        QCOMPARE(phases.size(), timed.size());
        for (size_t i = 0; i < timed.size(); ++i) {
            QCOMPARE(phases[i], QString::fromStdString(timed[i].phase));
            QCOMPARE(steps[i], int(i));
        }
        QVERIFY(std::find(phases.begin(), phases.end(), "passes") != phases.end());
        QVERIFY(std::find(phases.begin(), phases.end(), "memory") != phases.end());
    }

    void buildRefusalCarriesTheEngineMessage() {
        BuildJob job;
        kiln::workbench::BuildSettings settings;
        settings.backend = "no-such-backend";
        QSignalSpy finished(&job, &BuildJob::finished);
        job.start(m_network, settings);
        QVERIFY(finished.wait(60000));
        QVERIFY(!job.outcome().engine);
        QCOMPARE(job.outcome().code, kiln::StatusCode::Unsupported);
        QVERIFY2(job.outcome().message.contains("no-such-backend"), qPrintable(job.outcome().message));
    }

    void destroyedWhileBuilding() {
        std::atomic<bool> held{false};
        auto* job = new BuildJob;
        // Hold the build in its first phase until the destructor's cancel lets it go.
        job->setPhaseHook([&held, job](const std::string&) {
            held = true;
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
            while (!job->isCancelRequested() && std::chrono::steady_clock::now() < deadline)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
        });
        job->start(m_network, {});
        QTRY_VERIFY(held.load());
        const auto start = std::chrono::steady_clock::now();
        delete job;
        QVERIFY(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
    }

    void profileRunsAndSummarizes() {
        std::vector<std::pair<int, int>> reports;
        std::atomic<bool> cancel{false};
        kiln::workbench::ProfileSettings settings;
        settings.iterations = 3;
        settings.warmUp = 2;
        const ProfileJob::Outcome outcome = ProfileJob::profile(
            *m_engine, settings, cancel, [&](int done, int total) { reports.emplace_back(done, total); });
        QCOMPARE(outcome.code, kiln::StatusCode::Ok);
        QCOMPARE(reports.size(), size_t(5));
        for (int i = 0; i < 5; ++i)
            QCOMPARE(reports[size_t(i)], std::make_pair(i + 1, 5));
        QCOMPARE(outcome.profile.iterations, 3);
        QCOMPARE(outcome.profile.endToEndMilliseconds.size(), size_t(3));
        for (double ms : outcome.profile.endToEndMilliseconds)
            QVERIFY(ms > 0);
        // One entry per executed layer, in execution order: the engine's non-elided layers.
        QStringList executed;
        for (const kiln::LayerRecord& layer : m_engine->report().layersAfter) {
            if (!layer.elided) executed << QString::fromStdString(layer.name);
        }
        QStringList profiled;
        for (const kiln::views::LayerProfile& layer : outcome.profile.layers)
            profiled << layer.name;
        QCOMPARE(profiled, executed);
    }

    // The workbench's profile export is what 'kiln profile --exportProfile' writes for the same runs: the
    // engine's summary through the engine's writer, byte for byte, and the view shows the same shares.
    void profileExportIsTheCommandLinesLayoutByteForByte() {
        std::atomic<bool> cancel{false};
        kiln::workbench::ProfileSettings settings;
        settings.iterations = 4;
        settings.warmUp = 1;
        const ProfileJob::Outcome outcome = ProfileJob::profile(*m_engine, settings, cancel, {});
        QCOMPARE(outcome.code, kiln::StatusCode::Ok);
        const std::vector<kiln::LayerTimeSummary>& engineLayers = outcome.profile.engineLayers;
        QCOMPARE(engineLayers.size(), outcome.profile.layers.size());
        for (size_t i = 0; i < engineLayers.size(); ++i) {
            QCOMPARE(outcome.profile.layers[i].name, QString::fromStdString(engineLayers[i].name));
            QCOMPARE(outcome.profile.layers[i].percent, engineLayers[i].percentage);
            QCOMPARE(outcome.profile.layers[i].milliseconds, engineLayers[i].medianMs);
        }
        // What the profile view's JSON export writes (tst_view_profile_view checks that it writes this).
        QCOMPARE(kiln::views::profileJsonOf(outcome.profile), kiln::profileJson(engineLayers, 4));
    }

    void profileStopsWhenCancelledOrAskedForNoRuns() {
        std::atomic<bool> cancel{true};
        int runs = 0;
        const ProfileJob::Outcome cancelled =
            ProfileJob::profile(*m_engine, {}, cancel, [&](int, int) { ++runs; });
        QCOMPARE(cancelled.code, kiln::StatusCode::Cancelled);
        QCOMPARE(runs, 0);
        QVERIFY(cancelled.profile.layers.empty());

        cancel = false;
        kiln::workbench::ProfileSettings none;
        none.iterations = 0;
        const ProfileJob::Outcome refused = ProfileJob::profile(*m_engine, none, cancel, {});
        QCOMPARE(refused.code, kiln::StatusCode::InvalidArgument);
        QVERIFY(!refused.message.isEmpty());
    }

    void profileJobReportsProgressInTheBackground() {
        ProfileJob job;
        QSignalSpy progress(&job, &ProfileJob::progress);
        QSignalSpy finished(&job, &ProfileJob::finished);
        kiln::workbench::ProfileSettings settings;
        settings.iterations = 4;
        settings.warmUp = 1;
        job.start(m_engine, settings);
        // start() returns at once: the outcome comes through the event loop, which has not run yet (the
        // runs themselves may already be over on a fast machine, so isRunning() proves nothing).
        QCOMPARE(finished.count(), 0);
        QVERIFY(finished.wait(60000));
        QTRY_COMPARE(progress.count(), 5);
        QCOMPARE(progress.last().at(0).toInt(), 5);
        QCOMPARE(job.outcome().profile.iterations, 4);
    }

private:
    std::shared_ptr<const kiln::NetworkDefinition> m_network;
    std::shared_ptr<const kiln::Engine> m_engine;
};

QTEST_GUILESS_MAIN(TestWorkbenchJobs)
#include "tst_workbench_jobs.moc"

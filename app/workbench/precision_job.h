// Precision comparison in the background, as `kiln compare` does it: the model built in FP32 and in each
// reduced precision with the Build panel's options, every engine run on the same inputs while every
// tensor is recorded, each reduced engine's tensors compared with FP32's, and every engine's median
// latency over a few runs. Then, on request, the bisection that names the fewest model nodes to keep in
// FP32 so that the outputs meet a tolerance. Cancel stops between steps and inside a build (through the
// builder's progress monitor, which every bisection build polls too).
#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "build_job.h"
#include "kiln/precision.h"
#include "precision_table_model.h"

namespace kiln::workbench {

struct ComparisonSettings {
    BuildSettings build;  // backend, fusion, workspace, timing; its FP32 constraints apply to the reduced builds
    std::vector<BuildSettings::Precision> precisions;  // the reduced precisions to compare with FP32
    std::map<std::string, float> int8Ranges;            // calibrated ranges for INT8 (scale × 127)
    std::string inputPath;     // a .npy file for a model with one input; empty: seeded random inputs
    float inputAmplitude = 1.0f;  // random inputs are uniform in [-amplitude, amplitude]
    uint32_t seed = 1;
    int latencyRuns = 5;       // timed runs per engine, after one untimed run; the median counts
};

class PrecisionJob : public QObject {
    Q_OBJECT

public:
    struct ComparisonOutcome {
        views::PrecisionComparison comparison;  // empty unless the comparison succeeded
        // What a bisection needs of it: the FP32 recording and the inputs it was made on.
        std::shared_ptr<const TensorRecording> reference;
        std::shared_ptr<const TensorMap> inputs;
        ComparisonSettings settings;
        StatusCode code = StatusCode::Ok;
        QString message;
    };

    struct BisectionOutcome {
        BisectionResult result;
        BuildSettings::Precision precision = BuildSettings::Precision::FP16;
        double tolerance = 0.0;
        StatusCode code = StatusCode::Ok;
        QString message;
    };

    // Called on the worker thread before each build with the precision built ("FP32", "FP16", "INT8"):
    // tests hold a comparison there until they have cancelled it.
    using BuildHook = std::function<void(const QString& precision)>;

    explicit PrecisionJob(QObject* parent = nullptr);
    // Cancels what runs and waits for it (a build stops at its next poll).
    ~PrecisionJob() override;

    // Starts comparing `network` (kept alive until the job ends). Does nothing while a job runs.
    void startComparison(std::shared_ptr<const NetworkDefinition> network, const ComparisonSettings& settings);
    // Starts bisecting `precision` of the last successful comparison (its settings, inputs and FP32
    // recording). Does nothing while a job runs or without such a comparison.
    void startBisection(std::shared_ptr<const NetworkDefinition> network, BuildSettings::Precision precision,
                        double tolerance);
    void cancel();
    bool isRunning() const { return m_comparison.isRunning() || m_bisection.isRunning(); }
    bool isCancelRequested() const { return m_cancel && m_cancel->load(); }
    // Whether startBisection() has a comparison to work from.
    bool canBisect() const { return m_lastComparison.reference != nullptr; }

    const ComparisonOutcome& comparisonOutcome() const { return m_comparisonOutcome; }
    const BisectionOutcome& bisectionOutcome() const { return m_bisectionOutcome; }
    void setBuildHook(BuildHook hook) { m_buildHook = std::move(hook); }

    // How the workbench names a precision: "FP32", "FP16", "INT8".
    static QString precisionName(BuildSettings::Precision precision);

signals:
    // A comparison step started: `step` of `total`, described for people ("Building the FP16 engine").
    void progress(int step, int total, const QString& description);
    // A bisection build was compared: how many nodes it kept in FP32 and whether the outputs met the tolerance.
    void bisectionStep(int keptNodes, double worstOutputError, bool meets);
    void comparisonFinished();
    void bisectionFinished();

private:
    QFutureWatcher<ComparisonOutcome> m_comparison;
    QFutureWatcher<BisectionOutcome> m_bisection;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    BuildHook m_buildHook;
    ComparisonOutcome m_comparisonOutcome;
    ComparisonOutcome m_lastComparison;  // the last successful one, for bisections
    BisectionOutcome m_bisectionOutcome;
    int m_generation = 0;
};

}  // namespace kiln::workbench

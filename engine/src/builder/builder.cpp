// The build pipeline: copy the network, run the pass list, choose precision and tactics (FP32 and the
// reference kernels for now), plan memory, and record every decision in the build report.
#include "kiln/builder.h"

#include <chrono>

#include "builder/memory_planner.h"
#include "passes/pass.h"

namespace kiln {

namespace {

constexpr const char* kReferenceTactic = "kiln:reference";

class PhaseClock {
public:
    PhaseClock(BuildReport& report, IProgressMonitor* progress, const char* phase, int step, int stepCount)
        : m_report(report), m_phase(phase), m_start(std::chrono::steady_clock::now()) {
        if (progress) progress->phaseStarted(phase, step, stepCount);
    }
    ~PhaseClock() {
        const std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - m_start;
        m_report.phases.push_back({m_phase, elapsed.count()});
    }

private:
    BuildReport& m_report;
    const char* m_phase;
    std::chrono::steady_clock::time_point m_start;
};

Status checkCancel(const BuilderConfig& config) {
    if (config.progress && config.progress->shouldCancel()) return cancelled("the build was cancelled");
    return Status::ok();
}

}  // namespace

Result<std::shared_ptr<Engine>> Builder::build(const NetworkDefinition& network, const BuilderConfig& config) {
    if (config.backend != "cpu") {
        return unsupported("backend '" + config.backend + "' is not available in this build; use 'cpu'");
    }
    if (config.fp16 || config.int8) {
        return unsupported("FP16 and INT8 builds are not available yet on the cpu backend; build without "
                           "--fp16/--int8");
    }
    KILN_RETURN_IF_ERROR(network.validate().withContext("the network is not valid"));

    constexpr int kSteps = 3;
    BuildReport report;
    report.layersBefore = describeLayers(network);
    NetworkDefinition optimized = network.clone();
    {
        PhaseClock clock(report, config.progress, "passes", 0, kSteps);
        for (const passes::PassEntry& pass : passes::optimizationPipeline(config.enableFusion)) {
            KILN_RETURN_IF_ERROR(checkCancel(config));
            passes::PassLog log(pass.name, report.changes);
            KILN_RETURN_IF_ERROR(pass.run(optimized, log).withContext(std::string("pass '") + pass.name + "'"));
        }
        optimized.removeUnusedTensors();
        KILN_RETURN_IF_ERROR(optimized.validate().withContext("the optimized network is not valid (a Kiln bug)"));
    }
    KILN_RETURN_IF_ERROR(checkCancel(config));
    {
        // Every layer runs its FP32 reference kernel until the tactic catalog exists.
        PhaseClock clock(report, config.progress, "tactics", 1, kSteps);
        report.layersAfter = describeLayers(optimized);
        for (LayerRecord& record : report.layersAfter) {
            record.tactic = record.elided ? std::string() : kReferenceTactic;
        }
    }
    KILN_RETURN_IF_ERROR(checkCancel(config));
    MemoryPlan memory;
    {
        PhaseClock clock(report, config.progress, "memory", 2, kSteps);
        KILN_ASSIGN_OR_RETURN(memory, planMemory(optimized));
        report.arenaBytes = memory.arenaBytes;
        report.activationBytes = activationBytes(optimized);
        for (LayerRecord& record : report.layersAfter) {
            for (size_t i = 0; i < record.outputs.size(); ++i) {
                auto it = memory.offsets.find(record.outputs[i]);
                record.outputOffsets[i] = it == memory.offsets.end() ? -1 : it->second;
            }
        }
    }
    return std::make_shared<Engine>(std::move(optimized), std::move(memory), std::move(report), config.backend);
}

}  // namespace kiln

// Build logging; see build_logging.h.
#include "builder/build_logging.h"

#include <cstdio>

namespace kiln {

const char* toString(Severity severity) {
    switch (severity) {
        case Severity::InternalError: return "internal error";
        case Severity::Error: return "error";
        case Severity::Warning: return "warning";
        case Severity::Info: return "info";
        case Severity::Verbose: return "verbose";
    }
    return "info";
}

namespace builder {

void logBuild(ILogger* logger, const Result<std::shared_ptr<Engine>>& engine) {
    if (!logger) return;
    if (!engine) {
        const bool internal = engine.status().code() == StatusCode::Internal;
        logger->log(internal ? Severity::InternalError : Severity::Error, "the build failed: " + engine.status().message());
        return;
    }
    const BuildReport& report = (*engine)->report();
    for (const PassChange& change : report.changes) logger->log(Severity::Verbose, "[" + change.pass + "] " + change.description);
    for (const PhaseTime& phase : report.phases) {
        char text[64];
        std::snprintf(text, sizeof text, "%.1f ms", phase.milliseconds);
        logger->log(Severity::Verbose, "phase " + phase.phase + ": " + text);
    }
    for (const std::string& warning : report.warnings) logger->log(Severity::Warning, warning);
    char arena[64];
    std::snprintf(arena, sizeof arena, "%.2f MiB", double(report.arenaBytes) / double(1 << 20));
    logger->log(Severity::Info, "built: " + std::to_string(report.layersBefore.size()) + " layers to " +
                                    std::to_string(report.layersAfter.size()) + ", " +
                                    std::to_string(report.changes.size()) + " pass changes, activation arena " + arena);
}

}  // namespace builder
}  // namespace kiln

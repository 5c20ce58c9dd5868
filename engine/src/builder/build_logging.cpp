// Build logging; see build_logging.h.
#include "builder/build_logging.h"

#include <cstdio>

#include "kiln/message.h"

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
        logger->logMessage(internal ? Severity::InternalError : Severity::Error,
                           makeMessage("build.failed", {engine.status().message()}));
        return;
    }
    const BuildReport& report = (*engine)->report();
    // A pass change keeps its own id and arguments; the pass's name in brackets goes before its text.
    for (const PassChange& change : report.changes) {
        logger->logMessage(Severity::Verbose,
                           Message{change.messageId, change.messageArgs, "[" + change.pass + "] " + change.description});
    }
    for (const PhaseTime& phase : report.phases) {
        char text[64];
        std::snprintf(text, sizeof text, "%.1f", phase.milliseconds);
        logger->logMessage(Severity::Verbose, makeMessage("build.phase_time", {phase.phase, text}));
    }
    // Warnings are text in the report; those the catalogue has go out with their ids.
    for (const std::string& warning : report.warnings) {
        if (std::optional<Message> message = matchMessage(warning)) {
            message->text = warning;
            logger->logMessage(Severity::Warning, *message);
        } else {
            logger->log(Severity::Warning, warning);
        }
    }
    char arena[64];
    std::snprintf(arena, sizeof arena, "%.2f MiB", double(report.arenaBytes) / double(1 << 20));
    logger->log(Severity::Info, "built: " + std::to_string(report.layersBefore.size()) + " layers to " +
                                    std::to_string(report.layersAfter.size()) + ", " +
                                    std::to_string(report.changes.size()) + " pass changes, activation arena " + arena);
}

}  // namespace builder
}  // namespace kiln

#include "build_progress.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "text_table.h"

namespace kiln::cli {
namespace {

volatile sig_atomic_t g_interrupted = 0;
struct sigaction g_previous;

extern "C" void onInterrupt(int signal) {
    if (g_interrupted) {  // the second Ctrl-C: end now, as without the scope
        ::signal(signal, SIG_DFL);
        ::raise(signal);
        return;
    }
    g_interrupted = 1;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

InterruptScope::InterruptScope() {
    g_interrupted = 0;
    struct sigaction action {};
    action.sa_handler = onInterrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &g_previous);
}

InterruptScope::~InterruptScope() { sigaction(SIGINT, &g_previous, nullptr); }

bool InterruptScope::interrupted() { return g_interrupted != 0; }

BuildProgress::BuildProgress(std::string what, Show show)
    : m_what(std::move(what)),
      m_quiet(show == Show::Nothing || (show == Show::OnTerminal && ::isatty(STDERR_FILENO) != 1)),
      m_terminal(show == Show::OnTerminal) {}

BuildProgress::~BuildProgress() { finish(); }

void BuildProgress::phaseStarted(const std::string& phase, int step, int stepCount) {
    m_phase = phase;
    m_step = step + 1;
    m_stepCount = stepCount;
    m_phaseStart = std::chrono::steady_clock::now();
    if (m_quiet) return;
    if (m_terminal) {
        std::fprintf(stderr, "\r\033[K%s: [%d/%d] %s", m_what.c_str(), m_step, m_stepCount, phase.c_str());
        m_lineOpen = true;
    } else {
        std::fprintf(stderr, "%s: [%d/%d] %s\n", m_what.c_str(), m_step, m_stepCount, phase.c_str());
    }
    std::fflush(stderr);
}

void BuildProgress::layerStarted(int index, int count, const std::string&) { itemStarted(index, count, "layer"); }

void BuildProgress::itemStarted(int index, int count, const std::string& noun) {
    if (m_quiet || !m_terminal) return;  // a log gets the phases only
    const auto now = std::chrono::steady_clock::now();
    if (index > 0 && std::chrono::duration<double>(now - m_lastDraw).count() < 0.1) return;
    m_lastDraw = now;
    std::string eta;
    if (index > 0) {
        const double remaining = secondsSince(m_phaseStart) / index * (count - index);
        eta = ", about " + std::to_string(int(remaining + 0.5)) + " s left";
    }
    std::fprintf(stderr, "\r\033[K%s: [%d/%d] %s: %s %d of %d%s", m_what.c_str(), m_step, m_stepCount, m_phase.c_str(),
                 noun.c_str(), index + 1, count, eta.c_str());
    std::fflush(stderr);
    m_lineOpen = true;
}

void BuildProgress::finish() {
    if (!m_lineOpen) return;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    m_lineOpen = false;
}

BuildProgress::Show progressShow(const BuilderOptions& options) {
    return options.quiet     ? BuildProgress::Show::Nothing
           : options.verbose ? BuildProgress::Show::Lines
                             : BuildProgress::Show::OnTerminal;
}

Result<std::shared_ptr<Engine>> buildWithProgress(const std::string& what, const BuilderOptions& options,
                                                  BuilderConfig& config,
                                                  const std::function<Result<std::shared_ptr<Engine>>()>& build) {
    InterruptScope interrupts;  // Ctrl-C cancels the build
    BuildProgress progress(what, progressShow(options));
    StderrLogger logger(options, &progress);
    config.progress = &progress;
    config.logger = &logger;
    Result<std::shared_ptr<Engine>> engine = build();
    config.progress = nullptr;
    config.logger = nullptr;
    progress.finish();
    if (!engine && (engine.status().code() == StatusCode::Cancelled || InterruptScope::interrupted())) {
        return cancelled("the build was cancelled (Ctrl-C)");
    }
    return engine;
}

int cancelledBuildExit() {
    std::cerr << "kiln: the build was cancelled (Ctrl-C); nothing was written\n";
    return kExitInterrupted;
}

void StderrLogger::log(Severity severity, const std::string& message) {
    if (m_quiet || severity == Severity::Error || severity == Severity::InternalError) return;
    if (severity != Severity::Warning && !m_verbose) return;
    if (m_progress) m_progress->finish();
    std::cerr << "kiln: " << toString(severity) << ": " << printable(message) << '\n';
}

}  // namespace kiln::cli

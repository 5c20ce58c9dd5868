// Progress and cancellation of builds in the kiln command: phases and tactic timing on standard error
// (a line rewritten in place on a terminal, or a line per phase with --verbose), and Ctrl-C to cancel.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "kiln/builder.h"
#include "kiln/logger.h"
#include "options.h"

namespace kiln::cli {

// The exit status of a command stopped by Ctrl-C, as shells report SIGINT (128 + 2).
inline constexpr int kExitInterrupted = 130;

// While one exists, SIGINT asks the build to stop instead of ending the process: the builder stops at its
// next unit of work and the command exits with kExitInterrupted, having written nothing. A second SIGINT
// ends the process at once. The previous handler is restored on destruction.
class InterruptScope {
public:
    InterruptScope();
    ~InterruptScope();
    InterruptScope(const InterruptScope&) = delete;
    InterruptScope& operator=(const InterruptScope&) = delete;

    static bool interrupted();
};

class BuildProgress final : public IProgressMonitor {
public:
    enum class Show {
        Nothing,
        OnTerminal,  // a line rewritten in place while standard error is a terminal; nothing otherwise
        Lines,       // a line per phase, whatever standard error is
    };
    // `what` begins each line ("kiln: building 'model.onnx'").
    BuildProgress(std::string what, Show show);
    ~BuildProgress() override;

    void phaseStarted(const std::string& phase, int step, int stepCount) override;
    void layerStarted(int index, int count, const std::string& layer) override;
    // Item `index` of `count` of the current phase starts ("batch 3 of 20, about 4 s left"): on a
    // terminal only, as layers are.
    void itemStarted(int index, int count, const std::string& noun);
    bool shouldCancel() override { return InterruptScope::interrupted(); }

    // Clears a line left on a terminal; called before the command prints its results.
    void finish();

private:
    std::string m_what;
    bool m_quiet;
    bool m_terminal;  // rewrites one line in place
    bool m_lineOpen = false;
    std::string m_phase;
    int m_step = 0;
    int m_stepCount = 0;
    std::chrono::steady_clock::time_point m_phaseStart;
    std::chrono::steady_clock::time_point m_lastDraw;
};

// The engine's log on standard error as the command line asks: warnings as "kiln: warning: ..." lines,
// info and verbose messages ("kiln: info: ...") only with --verbose, nothing with --quiet. Errors are
// left to the command, which prints the one that ends it.
class StderrLogger final : public ILogger {
public:
    // `progress`: a progress line to clear before a message is printed (may be null).
    explicit StderrLogger(const BuilderOptions& options, BuildProgress* progress = nullptr)
        : m_verbose(options.verbose), m_quiet(options.quiet), m_progress(progress) {}
    void log(Severity severity, const std::string& message) override;

private:
    bool m_verbose;
    bool m_quiet;
    BuildProgress* m_progress;
};

// How a command shows a build, from --verbose and --quiet.
BuildProgress::Show progressShow(const BuilderOptions& options);

// Runs `build` with `config.progress` showing `what` as `options` asks, Ctrl-C cancelling it and the
// builder's log on standard error (StderrLogger); a cancelled build comes back with
// StatusCode::Cancelled (see cancelledBuildExit).
Result<std::shared_ptr<Engine>> buildWithProgress(const std::string& what, const BuilderOptions& options,
                                                  BuilderConfig& config,
                                                  const std::function<Result<std::shared_ptr<Engine>>()>& build);

// Says that the build was cancelled and nothing was written; returns kExitInterrupted.
int cancelledBuildExit();


}  // namespace kiln::cli

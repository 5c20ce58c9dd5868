// The shared run loop and latency summary; see timed_runs.h.
#include "timed_runs.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "text_table.h"

namespace kiln::cli {

namespace {

using Clock = std::chrono::steady_clock;

double millisecondsBetween(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
}

std::string percentName(double percent) {
    std::ostringstream out;
    out << 'p' << percent;
    return out.str();
}

}  // namespace

Status warmUp(int milliseconds, const std::function<Status()>& once) {
    if (milliseconds <= 0) return Status::ok();
    const Clock::time_point start = Clock::now();
    do {
        KILN_RETURN_IF_ERROR(once());
    } while (millisecondsBetween(start, Clock::now()) < milliseconds);
    return Status::ok();
}

Result<std::vector<RunTimes>> timeRuns(const RunSchedule& schedule, const std::function<Status()>& once,
                                       const std::function<void(int index, int expected)>& before) {
    std::vector<RunTimes> runs;
    const Clock::time_point origin = Clock::now();
    const double durationMs = schedule.durationS * 1000.0;
    Clock::time_point last = origin;
    while (int(runs.size()) < schedule.iterations || millisecondsBetween(origin, last) < durationMs) {
        if (before) {
            const int done = int(runs.size());
            const double elapsed = millisecondsBetween(origin, last);
            const int byDuration = done > 0 && elapsed > 0.0 ? int(durationMs / (elapsed / done)) : 0;
            before(done, std::max({schedule.iterations, byDuration, done + 1}));
        }
        const Clock::time_point start = Clock::now();
        KILN_RETURN_IF_ERROR(once());
        last = Clock::now();
        RunTimes run;
        run.startMs = run.computeStartMs = millisecondsBetween(origin, start);
        run.endMs = run.computeEndMs = millisecondsBetween(origin, last);
        runs.push_back(run);
    }
    return runs;
}

std::vector<double> latencies(const std::vector<RunTimes>& runs) {
    std::vector<double> times;
    for (const RunTimes& run : runs) times.push_back(run.latencyMs());
    return times;
}

void printLatency(std::ostream& out, const std::string& label, const std::vector<double>& times,
                  const std::vector<double>& percents, int avgRuns) {
    const TimeStatistics stats = timeStatistics(times, percents);
    out << label << ": min " << formatMs(stats.minimum) << ", max " << formatMs(stats.maximum) << ", mean "
        << formatMs(stats.mean) << ", median " << formatMs(stats.median);
    for (const auto& [percent, value] : stats.percentiles) out << ", " << percentName(percent) << ' ' << formatMs(value);
    out << '\n';
    if (avgRuns > 1 && int(times.size()) > avgRuns) {
        const std::vector<double> averages = windowAverages(times, avgRuns);
        const TimeStatistics spread = timeStatistics(averages, {});
        out << "  averages of " << avgRuns << " consecutive runs (" << averages.size() << "): min "
            << formatMs(spread.minimum) << ", median " << formatMs(spread.median) << ", max " << formatMs(spread.maximum)
            << '\n';
    }
}

void printThroughput(std::ostream& out, const std::vector<RunTimes>& runs, int64_t items) {
    if (runs.empty()) return;
    const double spanMs = runs.back().endMs - runs.front().startMs;
    if (!(spanMs > 0.0)) return;
    const double perSecond = double(runs.size()) * 1000.0 / spanMs;
    std::ostringstream text;
    text << std::fixed << std::setprecision(perSecond < 100.0 ? 2 : 1) << perSecond;
    out << "Throughput: " << text.str() << " inferences/s";
    if (items > 1) {
        std::ostringstream itemsText;
        itemsText << std::fixed << std::setprecision(1) << perSecond * double(items);
        out << ", " << itemsText.str() << " items/s (" << items << " per inference)";
    }
    out << " over " << runs.size() << (runs.size() == 1 ? " run" : " runs") << " in " << formatMs(spanMs) << '\n';
}

void printThreads(std::ostream& out, const ThreadTally& tally) {
    if (tally.runs.empty()) return;
    out << "Threads: ";
    if (tally.runs.size() == 1) {
        out << tally.runs.begin()->first << " (every run)\n";
        return;
    }
    bool first = true;
    for (auto it = tally.runs.rbegin(); it != tally.runs.rend(); ++it) {
        out << (first ? "" : ", ") << it->first << " in " << it->second << (first ? (it->second == 1 ? " run" : " runs") : "");
        first = false;
    }
    out << " (fewer while other programs kept cores busy)\n";
}

}  // namespace kiln::cli

// The run loop the commands that time an engine share, with trtexec's meaning of its flags: warm-up
// runs for --warmUp milliseconds, then at least --iterations runs and at least --duration seconds of
// them; and the latency summary they print (min, max, mean, median, the asked percentiles, averages
// over --avgRuns consecutive runs, throughput).
#pragma once

#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "kiln/profiling.h"
#include "kiln/status.h"

namespace kiln::cli {

struct RunSchedule {
    int iterations = 10;     // at least this many timed runs
    double durationS = 0.0;  // and timed runs until this much time has passed
};

// Untimed runs of `once` until `milliseconds` have passed (none at 0).
Status warmUp(int milliseconds, const std::function<Status()>& once);

// Times `once` as `schedule` asks; each run's span is measured from the first timed run's start
// (RunTimes with the compute span equal to the host span). `before(index, expected)`, when given, is
// called before each run with the number of runs expected so far (the iterations, or as many as the
// duration holds at the pace so far).
Result<std::vector<RunTimes>> timeRuns(const RunSchedule& schedule, const std::function<Status()>& once,
                                       const std::function<void(int index, int expected)>& before = {});

std::vector<double> latencies(const std::vector<RunTimes>& runs);

// "<label>: min X, max X, mean X, median X, p90 X, p95 X, p99 X" for the times, then, with avgRuns > 1
// and more runs than that, the spread of the averages of avgRuns consecutive runs.
void printLatency(std::ostream& out, const std::string& label, const std::vector<double>& times,
                  const std::vector<double>& percents, int avgRuns);

// "Throughput: N inferences/s" over the timed span, and items per second where each inference
// carries `items` > 1 of them (the batch).
void printThroughput(std::ostream& out, const std::vector<RunTimes>& runs, int64_t items);

// How many runs used each number of CPU threads (ExecutionContext::lastRunThreads), counted while
// `counting` is set.
struct ThreadTally {
    bool counting = false;
    std::map<int, int> runs;  // threads -> runs
    void add(int threads) {
        if (counting && threads > 0) ++runs[threads];
    }
};

// "Threads: 2 (every run)", or "Threads: 2 in 140 runs, 1 in 10 (fewer while other programs kept cores
// busy)"; nothing when no run was counted (an engine on a device).
void printThreads(std::ostream& out, const ThreadTally& tally);

}  // namespace kiln::cli

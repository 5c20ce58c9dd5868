// How many threads the CPU kernels of one execution context's runs use. The engine's thread count is
// the most. While other programs keep cores busy, a team that large waits at every layer's barrier for
// the members the operating system has descheduled, and a smaller team finishes first (a ShuffleNetV2
// run with two threads on two cores took 4 ms alone, 50 to 80 ms beside one busy process, and 7 ms on
// one thread there). So each run's wall time is recorded per team size, and
//   - when the recent runs of the current size take over 1.6 times the next smaller size's best (its
//     fastest run, or this size's best times the ratio of the sizes while it has none: the smaller team
//     doing all the work), the smaller size is likely to win (contention: one thread beside two busy
//     processes on two cores gets two thirds of a core, its best times 1.5), and it is tried (4 to 256
//     runs apart while it loses); it is also tried without that, ever more rarely while it loses (8,
//     32, 128, 512 runs apart), for contention that was there from the first run. The smaller size's
//     fastest run stands for its best (what it does alone), one run being enough: the guess that the
//     smaller team does all the work is far off where the layers are too small for the team
//     (ShuffleNetV2 below), and waiting for five runs of it left contention unseen for the ~1,200
//     runs in which single-run tries made them up. Runs merely slower
//     than alone are no reason: on cores shared with busy processes a smaller team's runs are faster
//     only while the scheduler happens to leave it a core, and a team moved down for that is slower
//     until the next try of the larger one (bench/cpu's DenseNet-121 beside two busy processes on two
//     cores: 81 ms moving down at 1.5 times the best, 69 ms at twice the smaller team's best and on a
//     fixed team). One thread wins for a model whose layers are too small to keep two threads busy:
//     ShuffleNetV2 (2.5 ms on two threads alone, 3.3 ms on one) took 6.5 ms on two threads beside two
//     busy processes, its barriers waiting for descheduled threads, and 3.3 to 7.3 ms on one (4.3 ms
//     as the median);
//   - while on a smaller size, the next larger size is tried now and then (more rarely after each try
//     that loses), and at once when the machine has cores enough free for it: the caller passes the
//     number of tasks running before each run of a smaller team (observeRunning), and three runs in a
//     row with as many cores idle as the larger team has threads start a try. Times alone do not show
//     that: one thread beside one busy process on two cores runs as fast as one thread alone, so a team
//     moved down for a busy process stayed down long after it ended (bench/cpu's SqueezeNet alternating
//     quiet and loaded rounds: 7 ms quiet medians against 3.9 ms on a fixed team). A try made for idle
//     cores that loses makes the next one wait twice as long (2 to 512 runs).
// A try is up to three runs, and the size tried is kept when their median is clearly (10 %) below the
// recent median of the current size. A try of a smaller team ends at its first run that is not faster
// than that median (so it costs one run where it loses). A larger team's first run, which wakes its
// extra threads, is not counted, and its try ends early only at a run over twice the median, so a
// hopeless full team on busy cores costs two runs. One run alone decides nothing: while every core
// is shared, single runs of either size scatter by tens of percent, and one-run tries moved the team
// back and forth at random (MobileNetV2 under two busy processes on two cores: 10.3 ms adaptive against
// 8.2 ms on a fixed team). Tries beside busy processes (a smaller team's for contention, a larger
// team's but for idle cores) go by the scheduler's pace instead: the thread a smaller team keeps
// shares its core with a busy process until the operating system moves it (about 50 ms, not timed),
// and then has a core to itself for some 100 ms and shares one for the next; so such a try lasts
// 150 ms and three runs at least, is kept when its mean is clearly below the mean of the current
// size's latest 150 ms (its runs since contention began), and ends early at a run over twice that
// mean or a mean over 1.25 times it after three runs. After a move down for contention the larger
// team's tries on schedule start 64 runs apart, not 16: idle cores bring it back at once, and a try
// beside busy processes costs 150 ms. The first runs after a start or reset (first touches, caches)
// are not timed.
// Times of other input shapes do not compare: reset() starts over.
#pragma once

#include <cstddef>
#include <vector>

namespace kiln::cpu {

class TeamSizer {
public:
    // `maxThreads` <= 0: OpenMP's default for this thread; `cores` <= 0: the cores this process may
    // run on (OpenMP's count).
    explicit TeamSizer(int maxThreads, int cores = 0);

    // The team size for the next run.
    int next() const;
    // The wall time of a run on `threads` (what next() gave).
    void record(int threads, double milliseconds);
    // Forgets every time (the shapes changed); the next run uses the largest team.
    void reset();

    int largest() const { return m_sizes.front(); }

    // Whether the next run uses fewer threads than the largest team; then the caller passes, before
    // it, the number of tasks running on the machine (this thread included; < 0: not known).
    bool onSmallerTeam() const { return m_level > 0 && m_probe < 0; }
    void observeRunning(int running);

private:
    static constexpr size_t kWindow = 5;          // recent runs kept per size
    static constexpr double kContention = 1.6;    // recent median over the smaller size's best: contention
    static constexpr size_t kHistory = 256;
    static constexpr double kShareMilliseconds = 150.0;  // what a try beside busy processes lasts at least
    static constexpr double kLosing = 1.25;  // its mean over the current's after kTryRuns: it ends
    // The start of a smaller team's try for contention that is not timed.
    static constexpr double kSettleMilliseconds = 50.0;
    static constexpr double kClearlyFaster = 0.9;
    static constexpr int kFirstRetry = 16;        // runs before a larger team is tried again
    static constexpr int kLongestRetry = 512;
    static constexpr size_t kTryRuns = 3;         // runs of a try
    static constexpr double kHopeless = 2.0;      // a try's run this much slower than the current ends it
    static constexpr int kSettleRuns = 3;         // first runs not timed
    static constexpr int kRoomRuns = 3;           // runs in a row seeing cores idle for a larger team
    static constexpr int kFirstRoomRetry = 2;     // runs on a size before idle cores start a try

    struct Level {
        std::vector<double> recent;  // the last kWindow runs, oldest first
        double best = 0.0;           // fastest median of kWindow runs (0: none yet)
        double fastest = 0.0;        // fastest run (0: none yet)
        std::vector<double> history;  // the last kHistory runs, oldest first
    };
    double recentMedian(size_t level) const;
    // The mean of the size's latest runs: kTryRuns at least, and kShareMilliseconds at least.
    double windowMean(size_t level) const;
    void schedule();

    int m_cores = 1;
    std::vector<int> m_sizes;  // largest first, each half the one before, down to 1
    std::vector<Level> m_levels;
    size_t m_level = 0;              // the size runs use
    int m_probe = -1;                // a size to try for the next run, or -1
    std::vector<double> m_probeTimes;  // the runs of the try under way
    bool m_probeWoken = false;         // a larger team's try has had its first, uncounted run
    double m_probeSettling = 0.0;      // milliseconds of a smaller team's try not counted yet
    bool m_contended = false;          // whether the last scheduling found contention
    int m_runsSinceTry = 0;
    int m_unsettled = kSettleRuns;   // runs still to go before times count
    int m_smallerRetry = 4;          // runs between tries of a smaller team while contended
    int m_smallerExplore = 8;        // runs between tries of a smaller team otherwise
    bool m_probeContended = false;   // whether the try under way was made for contention
    int m_largerRetry = kFirstRetry;
    int m_roomRuns = 0;  // runs in a row before which the larger team had idle cores
    int m_roomRetry = kFirstRoomRetry;
    bool m_probeForRoom = false;  // whether the try under way was made for idle cores
};

// The number of tasks the machine runs now, this thread included (Linux's /proc/loadavg); -1 where
// it cannot be read.
int runningTasks();

}  // namespace kiln::cpu

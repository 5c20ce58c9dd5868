// Team sizes chosen from the runs' times (team_size.h).
#include "backends/cpu/team_size.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

#include <fcntl.h>
#include <omp.h>
#include <unistd.h>

namespace kiln::cpu {

TeamSizer::TeamSizer(int maxThreads, int cores)
    : m_cores(std::max(cores > 0 ? cores : omp_get_num_procs(), 1)) {
    for (int size = std::max(maxThreads > 0 ? maxThreads : omp_get_max_threads(), 1); size > 1; size /= 2) {
        m_sizes.push_back(size);
    }
    m_sizes.push_back(1);
    m_levels.resize(m_sizes.size());
}

int TeamSizer::next() const { return m_sizes[m_probe >= 0 ? size_t(m_probe) : m_level]; }

void TeamSizer::reset() {
    m_levels.assign(m_sizes.size(), Level{});
    m_level = 0;
    m_probe = -1;
    m_probeTimes.clear();
    m_probeWoken = false;
    m_probeSettling = 0.0;
    m_contended = false;
    m_runsSinceTry = 0;
    m_unsettled = kSettleRuns;
    m_smallerRetry = 4;
    m_smallerExplore = 8;
    m_largerRetry = kFirstRetry;
    m_roomRuns = 0;
    m_roomRetry = kFirstRoomRetry;
}

void TeamSizer::observeRunning(int running) {
    if (!onSmallerTeam()) return;
    // The tasks running besides this thread, which is about to run the team.
    const bool room = running > 0 && m_cores - (running - 1) >= m_sizes[m_level - 1];
    m_roomRuns = room ? m_roomRuns + 1 : 0;
}

double TeamSizer::windowMean(size_t level) const {
    const std::vector<double>& history = m_levels[level].history;
    double sum = 0.0;
    size_t count = 0;
    for (auto it = history.rbegin(); it != history.rend() && (count < kTryRuns || sum < kShareMilliseconds);
         ++it) {
        sum += *it;
        ++count;
    }
    return count > 0 ? sum / double(count) : 0.0;
}

double TeamSizer::recentMedian(size_t level) const {
    std::vector<double> times = m_levels[level].recent;
    if (times.empty()) return 0.0;
    std::nth_element(times.begin(), times.begin() + std::ptrdiff_t(times.size() / 2), times.end());
    return times[times.size() / 2];
}

void TeamSizer::record(int threads, double milliseconds) {
    const auto found = std::find(m_sizes.begin(), m_sizes.end(), threads);
    if (found == m_sizes.end()) return;
    if (m_unsettled > 0) {
        --m_unsettled;
        return;
    }
    const auto level = size_t(found - m_sizes.begin());
    if (m_probe >= 0 && level == size_t(m_probe) && level < m_level && !m_probeWoken) {
        // A larger team's first run wakes its extra threads: it says little about the team.
        m_probeWoken = true;
        return;
    }
    if (m_probe >= 0 && level == size_t(m_probe) && level > m_level && m_probeContended &&
        m_probeSettling < kSettleMilliseconds) {
        // The threads a smaller team leaves out go to sleep, but the ones it keeps still share their
        // cores with the busy processes until the operating system moves them to the cores freed.
        m_probeSettling += milliseconds;
        return;
    }
    Level& times = m_levels[level];
    times.recent.push_back(milliseconds);
    if (times.recent.size() > kWindow) times.recent.erase(times.recent.begin());
    if (times.recent.size() == kWindow) {
        const double median = recentMedian(level);
        if (times.best == 0.0 || median < times.best) times.best = median;
    }
    if (times.fastest == 0.0 || milliseconds < times.fastest) times.fastest = milliseconds;
    times.history.push_back(milliseconds);
    if (times.history.size() > kHistory) times.history.erase(times.history.begin());
    if (m_probe >= 0 && level == size_t(m_probe)) {
        m_probeTimes.push_back(milliseconds);
        const bool smaller = level > m_level;
        bool hopeless = false;
        bool wins = false;
        if (smaller ? m_probeContended : !m_probeForRoom) {
            // Beside busy processes: the mean over a stretch of time against the current size's.
            const double current = windowMean(m_level);
            const double sum = std::accumulate(m_probeTimes.begin(), m_probeTimes.end(), 0.0);
            const double tried = sum / double(m_probeTimes.size());
            hopeless = milliseconds > kHopeless * current ||
                       (m_probeTimes.size() >= kTryRuns && tried > kLosing * current);
            if (!hopeless && (m_probeTimes.size() < kTryRuns || sum < kShareMilliseconds)) return;
            wins = !hopeless && tried < kClearlyFaster * current;
        } else {
            // The try decides against the recent runs of the current size. A smaller team must win
            // every run of its try; a larger one may lose some.
            const double current = recentMedian(m_level);
            hopeless = smaller ? milliseconds >= current : milliseconds > kHopeless * current;
            if (!hopeless && m_probeTimes.size() < kTryRuns) return;
            std::vector<double> tried = m_probeTimes;
            std::nth_element(tried.begin(), tried.begin() + std::ptrdiff_t(tried.size() / 2), tried.end());
            wins = !hopeless && tried[tried.size() / 2] < kClearlyFaster * current;
        }
        m_probe = -1;
        m_runsSinceTry = 0;
        if (wins) {
            m_level = level;
            // Its older runs were made under other conditions: from now on only the try's count.
            times.recent.assign(m_probeTimes.begin(), m_probeTimes.end());
            times.history.assign(m_probeTimes.begin(), m_probeTimes.end());
            m_smallerRetry = 4;
            m_smallerExplore = 8;
            // Moved down beside busy processes, where a larger team's try lasts a while: idle cores
            // bring it back at once, other tries are made later.
            m_largerRetry = smaller && m_probeContended ? 4 * kFirstRetry : kFirstRetry;
            m_roomRetry = kFirstRoomRetry;
        } else if (!smaller && m_probeForRoom) {
            m_roomRetry = std::min(m_roomRetry * 2, kLongestRetry);
        } else if (smaller && m_probeContended) {
            m_smallerRetry = std::min(m_smallerRetry * 2, kLongestRetry / 2);
        } else if (smaller) {
            m_smallerExplore = std::min(m_smallerExplore * 4, kLongestRetry);
        } else {
            m_largerRetry = std::min(m_largerRetry * 2, kLongestRetry);
        }
        m_probeTimes.clear();
        m_probeWoken = false;
        m_probeSettling = 0.0;
        m_roomRuns = 0;
        return;
    }
    if (level != m_level) return;
    ++m_runsSinceTry;
    schedule();
}

void TeamSizer::schedule() {
    Level& times = m_levels[m_level];
    const double recent = times.recent.size() >= 3 ? recentMedian(m_level) : 0.0;
    // Contended: the recent runs take over 1.6 times the smaller team's fastest run (what it does alone;
    // with none yet, this size's best times the ratio of the sizes: the smaller team doing all the
    // work), which it is likely to beat with its share of the busy cores.
    bool contended = false;
    if (m_level + 1 < m_sizes.size() && times.best > 0.0) {
        const double fastest = m_levels[m_level + 1].fastest;
        const double smallerBest =
            fastest > 0.0 ? fastest : times.best * m_sizes[m_level] / m_sizes[m_level + 1];
        contended = recent > kContention * smallerBest;
    }
    // Contention begins: the current size's earlier runs, made alone, are no mean to compare tries with;
    // its latest ones are the slow runs that showed it.
    if (contended && !m_contended) {
        times.history.assign(times.recent.end() - std::ptrdiff_t(std::min(kTryRuns, times.recent.size())),
                             times.recent.end());
    }
    m_contended = contended;
    // Contention from the first run on leaves no faster best to compare with: a smaller team is also
    // tried now and then without it, ever more rarely while it loses.
    if (m_level + 1 < m_sizes.size() && m_runsSinceTry >= (contended ? m_smallerRetry : m_smallerExplore)) {
        m_probe = int(m_level + 1);
        m_probeContended = contended;
    } else if (m_level > 0) {
        // Idle cores enough for the larger team: it may well be faster now.
        m_probeForRoom = m_roomRuns >= kRoomRuns && m_runsSinceTry >= m_roomRetry;
        if (m_probeForRoom || m_runsSinceTry >= m_largerRetry) m_probe = int(m_level - 1);
    }
}

int runningTasks() {
    // /proc/loadavg: "0.52 0.58 0.59 3/467 12345", the fourth field is running/all tasks.
    const int file = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
    if (file < 0) return -1;
    char text[128];
    const ssize_t length = read(file, text, sizeof(text) - 1);
    close(file);
    if (length <= 0) return -1;
    text[length] = '\0';
    int running = -1;
    if (std::sscanf(text, "%*s %*s %*s %d/", &running) != 1) return -1;
    return running;
}

}  // namespace kiln::cpu

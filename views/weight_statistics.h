// Summary statistics of a constant tensor's values (weights, biases, folded constants) for the
// properties panel: count, range, mean, standard deviation and a histogram over the range. Works for
// every element type a constant can hold, reading half floats and integers as doubles. Pure
// computation without Qt widgets, so that it can run on a worker thread and be tested alone.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "kiln/types.h"

namespace kiln::views {

struct WeightStatistics {
    int64_t count = 0;           // every element
    int64_t finiteCount = 0;     // elements that are neither NaN nor infinite: the rest ignore the others
    int64_t zeroCount = 0;       // elements equal to zero (sparsity after pruning, dead channels)
    double minimum = 0.0;
    double maximum = 0.0;
    double mean = 0.0;
    double standardDeviation = 0.0;  // population deviation, over the finite elements
    // Counts of finite elements in equal-width bins from minimum to maximum (the last bin closed);
    // a single bin holds everything when all values are equal. Empty when no element is finite.
    std::vector<int64_t> histogram;
};

// Elements above this are summarized on a worker thread: two passes over 1M elements take a few
// milliseconds, beyond that the GUI would stutter on models with large fully-connected weights.
inline constexpr int64_t kSynchronousStatisticsLimit = int64_t(1) << 20;

// Computes the statistics of `tensor` with `binCount` histogram bins (at least 1). When `cancel` is
// given and becomes true, stops early and returns what it has (the caller discards it).
WeightStatistics computeWeightStatistics(const HostTensor& tensor, int binCount = 32,
                                         const std::atomic<bool>* cancel = nullptr);

}  // namespace kiln::views

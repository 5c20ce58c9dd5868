// What an engine built for ranges of shapes keeps besides the network of its first profile's opt
// shape: the source to derive other shapes' networks from, the profiles with the tactics chosen at
// each opt shape and the memory each needs at most, and the specializations made so far.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kiln/builder.h"
#include "kiln/network_source.h"
#include "kiln/runtime.h"

namespace kiln::detail {

struct ProfileInfo {
    OptimizationProfile profile;
    std::map<std::string, std::string> tactics;  // layer name -> tactic chosen at the opt shape
    int64_t arenaBytes = 0;                      // the most any shape of the profile needs
    int64_t workspaceBytes = 0;
};

struct DynamicShapes {
    std::shared_ptr<const NetworkSource> source;
    std::vector<ProfileInfo> profiles;
    // What every shape's build repeats: precision, fusion, ranges, constraints (no cache, no monitor).
    BuilderConfig config;

    // The engine whose network is that of profile 0's opt shapes (not owned: it owns this).
    std::weak_ptr<const Engine> root;

    // The engine for `shapes` (every dynamic input, checked against profile `profile`), made once and
    // shared by every context that runs that shape.
    Result<std::shared_ptr<const Engine>> specialize(const std::map<std::string, Dims>& shapes, size_t profile) const;
    // Keeps an engine built for `shapes` (the build's min and max engines) for later runs.
    void remember(const std::map<std::string, Dims>& shapes, size_t profile, std::shared_ptr<const Engine> engine) const;

private:
    mutable std::mutex m_mutex;
    mutable std::map<std::string, std::shared_ptr<const Engine>> m_specializations;
};

// The key of a set of input shapes: "profile|name=dims|...".
std::string shapeKey(const std::map<std::string, Dims>& shapes, size_t profile);

}  // namespace kiln::detail

// Every layer kind the importer produces has a fast CPU tactic (Kiln's or oneDNN's), not just the
// reference kernel: the reference stays the oracle and the last resort, which the build report flags.
// The layers are those of the plan tests' every-kind network (each kind at least once), as they are
// built: linear FP32 tensors. The kinds without one are listed below with the reason; a kind that gains
// a fast tactic must leave the list (the test fails on a stale entry too).
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "backends/cpu/fast/fast_provider.h"
#include "backends/cpu/onednn/onednn_provider.h"
#include "engine/plan/plan_test_networks.h"
#include "tactics/tactic.h"

namespace kiln::test {
namespace {

// Kinds that run on the reference kernels only, and why that is acceptable for now.
const std::map<LayerKind, const char*> kWithoutFastTactic{
    {LayerKind::Plugin, "a plugin layer runs its plugin's own tactics (tactics/plugin_tactics.h)"},
};

TEST(FastTacticCoverage, EveryLayerKindHasAFastCpuTacticOrAReason) {
    auto network = everyKindNetwork();
    ASSERT_TRUE(network.isOk()) << network.status().message();
    std::map<LayerKind, std::string> missing;
    std::set<LayerKind> covered;
    for (const auto& layer : network->layers()) {
        const tactics::LayerConfig config = tactics::LayerConfig::of(*layer);
        std::vector<std::unique_ptr<tactics::Tactic>> offered;
        std::vector<tactics::SkippedTactic> skipped;
        cpu::fastProvider().enumerate(config, offered, skipped);
        cpu::onednnProvider().enumerate(config, offered, skipped);
        if (!offered.empty()) {
            covered.insert(layer->kind());
            continue;
        }
        std::string reasons;
        for (const auto& s : skipped) reasons += "\n    " + s.id + ": " + s.reason;
        missing[layer->kind()] += "\n  " + layer->name() + reasons;
    }
    for (const auto& [kind, why] : missing) {
        if (covered.count(kind)) continue;  // another layer of the kind has one (e.g. another op)
        EXPECT_TRUE(kWithoutFastTactic.count(kind)) << toString(kind) << " has no fast CPU tactic:" << why;
    }
    for (const auto& [kind, reason] : kWithoutFastTactic) {
        EXPECT_FALSE(covered.count(kind)) << toString(kind) << " has a fast CPU tactic now: remove it from the list ("
                                          << reason << ")";
    }
}

}  // namespace
}  // namespace kiln::test

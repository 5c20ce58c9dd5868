// Helpers for the GPU tests: skipping where no CUDA device is present (saying why), and running every
// tactic a CUDA provider offers for a one-layer network on the GPU against the CPU reference kernel.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backends/backend.h"
#include "tactic_test_util.h"

namespace kiln::test {

inline const backends::Backend& gpuBackend() { return *backends::findBackend("cuda"); }

// Why GPU tests cannot run here, or an empty string.
inline std::string noGpuReason() {
    const auto reason = gpuBackend().unavailableReason();
    return reason ? *reason : std::string();
}

#define KILN_REQUIRE_GPU()                                                         \
    do {                                                                           \
        const std::string kilnNoGpu_ = ::kiln::test::noGpuReason();                \
        if (!kilnNoGpu_.empty()) GTEST_SKIP() << "no CUDA device: " << kilnNoGpu_; \
    } while (false)

// The tactics `provider` offers for `config`; the skipped ones with their reasons in `skipped`.
inline std::vector<std::unique_ptr<tactics::Tactic>> offeredTactics(const tactics::TacticProvider& provider,
                                                                    const tactics::LayerConfig& config,
                                                                    std::vector<tactics::SkippedTactic>* skipped = nullptr) {
    std::vector<std::unique_ptr<tactics::Tactic>> tactics;
    std::vector<tactics::SkippedTactic> ignored;
    provider.enumerate(config, tactics, skipped ? *skipped : ignored);
    return tactics;
}

// Runs every tactic `provider` offers for the network's layer on the GPU with `inputs` (linear, in
// layer input order; null for constants and absent inputs) and compares each output with the
// reference kernel's within rtol/atol. Expects at least one tactic. Returns how many ran.
inline int expectGpuTacticsMatchReference(const tactics::TacticProvider& provider, const SingleLayerNetwork& net,
                                          const std::vector<const HostTensor*>& inputs, float rtol, float atol,
                                          const std::string& what) {
    const tactics::LayerConfig config = tactics::LayerConfig::of(*net.layer);
    std::vector<tactics::SkippedTactic> skipped;
    auto tactics = offeredTactics(provider, config, &skipped);
    std::string reasons;
    for (const auto& skip : skipped) reasons += " " + skip.id + ": " + skip.reason + ";";
    EXPECT_FALSE(tactics.empty()) << what << ": " << provider.name() << " offers no tactic;" << reasons;
    auto expected = runReference(*net.layer, inputs);
    EXPECT_TRUE(expected.isOk()) << what << ": " << expected.status().message();
    if (!expected.isOk()) return 0;
    int ran = 0;
    for (const auto& tactic : tactics) {
        auto actual = runTactic(*tactic, config, inputs, gpuBackend());
        EXPECT_TRUE(actual.isOk()) << what << ", " << tactic->id() << ": " << actual.status().message();
        if (!actual.isOk()) continue;
        ++ran;
        for (size_t i = 0; i < expected.value().size(); ++i) {
            const HostTensor& e = expected.value()[i];
            const HostTensor& a = actual.value()[i];
            if (e.type() == DataType::Float32) {
                expectClose(e, a, rtol, atol, what + ", " + tactic->id() + ", output " + std::to_string(i));
            } else {
                EXPECT_EQ(e.byteSize(), a.byteSize()) << what;
                if (e.byteSize() != a.byteSize()) continue;
                EXPECT_EQ(0, std::memcmp(e.bytes(), a.bytes(), e.byteSize()))
                    << what << ", " << tactic->id() << ", output " << i << " differs";
            }
        }
    }
    return ran;
}

}  // namespace kiln::test

// Helpers for the Kiln kernel tests: the instruction sets this CPU can run (every one is tested, the
// scalar path included), a tactic or skip reason looked up by id, and a comparison in units in the
// last place that treats NaN as equal to NaN (the reference's NaN results must be kept, not avoided).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backends/cpu/fast/fast_common.h"
#include "backends/cpu/fast/fast_provider.h"
#include "tactic_test_util.h"

namespace kiln::test {

inline std::vector<cpu::fast::Isa> testedIsas() {
    std::vector<cpu::fast::Isa> isas{cpu::fast::Isa::Scalar};
    for (cpu::fast::Isa isa : {cpu::fast::Isa::Avx2, cpu::fast::Isa::Avx512}) {
        if (cpu::fast::isaSupported(isa)) isas.push_back(isa);
    }
    return isas;
}

struct Offer {
    std::vector<std::unique_ptr<tactics::Tactic>> tactics;
    std::vector<tactics::SkippedTactic> skipped;

    const tactics::Tactic* find(const std::string& id) const {
        for (const auto& tactic : tactics) {
            if (tactic->id() == id) return tactic.get();
        }
        return nullptr;
    }
    // The reason `id` was skipped; empty when it was not.
    std::string skipReason(const std::string& id) const {
        for (const auto& skip : skipped) {
            if (skip.id == id) return skip.reason;
        }
        return {};
    }
};

inline Offer enumerateKiln(cpu::fast::Isa isa, const tactics::LayerConfig& config) {
    Offer offer;
    cpu::makeFastProvider(isa)->enumerate(config, offer.tactics, offer.skipped);
    return offer;
}

// Distance between two floats in representable values (0 when equal, also +0 and -0).
inline int64_t ulpDistance(float a, float b) {
    const auto ordered = [](float x) {
        int32_t bits;
        std::memcpy(&bits, &x, sizeof bits);
        return bits < 0 ? int64_t(std::numeric_limits<int32_t>::min()) - bits : int64_t(bits);
    };
    const int64_t d = ordered(a) - ordered(b);
    return d < 0 ? -d : d;
}

// Every element within `maxUlp` units in the last place of the expected one or within `absolute` of
// it; NaN matches NaN only. Reports the worst element.
inline void expectUlpClose(const HostTensor& expected, const HostTensor& actual, int64_t maxUlp, double absolute,
                           const std::string& what) {
    ASSERT_EQ(expected.dims(), actual.dims()) << what;
    ASSERT_EQ(actual.type(), DataType::Float32) << what;
    int64_t worst = -1;
    int64_t worstUlp = 0;
    for (int64_t i = 0; i < expected.elementCount(); ++i) {
        const float e = expected.data<float>()[i];
        const float a = actual.data<float>()[i];
        if (std::isnan(e) || std::isnan(a)) {
            if (std::isnan(e) != std::isnan(a)) {
                worst = i;
                worstUlp = std::numeric_limits<int64_t>::max();
            }
            continue;
        }
        if (std::fabs(double(a) - double(e)) <= absolute) continue;
        const int64_t ulp = ulpDistance(a, e);
        if (ulp > maxUlp && ulp > worstUlp) {
            worst = i;
            worstUlp = ulp;
        }
    }
    EXPECT_LT(worst, 0) << what << ": element " << worst << " is " << (worst >= 0 ? actual.data<float>()[worst] : 0)
                        << ", reference " << (worst >= 0 ? expected.data<float>()[worst] : 0) << " (" << worstUlp
                        << " ulp apart, " << maxUlp << " allowed)";
}

inline std::string formatName(TensorFormat format) {
    if (format.channelsLast) return "channels-last" + (format.channelBlock ? std::to_string(format.channelBlock) : "");
    return format.isLinear() ? "linear" : "block" + std::to_string(format.channelBlock);
}

// The three formats every kernel is tested in.
inline std::vector<TensorFormat> testedFormats() { return {TensorFormat{}, TensorFormat::blocked(8), TensorFormat::blocked(16)}; }
// The pointwise kernels' formats: those three and dense channels-last (what BF16 and INT8 builds store).
inline std::vector<TensorFormat> pointwiseFormats() {
    std::vector<TensorFormat> formats = testedFormats();
    formats.push_back(TensorFormat::nhwc(0));
    return formats;
}

// Builds a one-layer network, gives its activation tensors `format`, runs Kiln tactic `id` on each of
// `isas` and compares each result with the reference kernel's.
inline void checkAgainstReferenceOn(const std::vector<cpu::fast::Isa>& isas, const LayerParams& params,
                                    const std::vector<const HostTensor*>& inputs,
                                    const std::vector<bool>& isActivation, TensorFormat format,
                                    const std::string& id, int64_t maxUlp, double absolute,
                                    const std::string& what) {
    auto built = makeSingleLayerNetwork(params, inputs, isActivation);
    ASSERT_TRUE(built.isOk()) << what << ": " << built.status().message();
    Layer& layer = *built->layer;
    setActivationFormats(layer, format);
    const tactics::LayerConfig config = tactics::LayerConfig::of(layer);
    auto expected = runReference(layer, inputs);
    ASSERT_TRUE(expected.isOk()) << what << ": " << expected.status().message();
    for (cpu::fast::Isa isa : isas) {
        const std::string where = what + " [" + formatName(format) + ", " + cpu::fast::isaName(isa) + "]";
        const Offer offer = enumerateKiln(isa, config);
        const tactics::Tactic* tactic = offer.find(id);
        ASSERT_NE(tactic, nullptr) << where << ": not offered: " << offer.skipReason(id);
        auto actual = runTactic(*tactic, config, inputs);
        ASSERT_TRUE(actual.isOk()) << where << ": " << actual.status().message();
        for (size_t i = 0; i < expected->size(); ++i) {
            expectUlpClose((*expected)[i], (*actual)[i], maxUlp, absolute, where + " output " + std::to_string(i));
        }
    }
}

// checkAgainstReferenceOn every tested instruction set.
inline void checkAgainstReference(const LayerParams& params, const std::vector<const HostTensor*>& inputs,
                                  const std::vector<bool>& isActivation, TensorFormat format,
                                  const std::string& id, int64_t maxUlp, double absolute,
                                  const std::string& what) {
    checkAgainstReferenceOn(testedIsas(), params, inputs, isActivation, format, id, maxUlp, absolute, what);
}

// Like checkAgainstReference, on the widest instruction set, with input 0 in `in` and output 0 in `out`
// (a kernel that changes the layout as it goes).
inline void checkAgainstReferenceFromTo(const LayerParams& params, const HostTensor& x, TensorFormat in,
                                        TensorFormat out, const std::string& id, int64_t maxUlp,
                                        const std::string& what) {
    auto built = makeSingleLayerNetwork(params, {&x}, {true});
    ASSERT_TRUE(built.isOk()) << what << ": " << built.status().message();
    Layer& layer = *built->layer;
    layer.input(0)->setFormat(in);
    layer.output(0)->setFormat(out);
    const tactics::LayerConfig config = tactics::LayerConfig::of(layer);
    auto expected = runReference(layer, {&x});
    ASSERT_TRUE(expected.isOk()) << what << ": " << expected.status().message();
    const Offer offer = enumerateKiln(cpu::fast::bestIsa(), config);
    const tactics::Tactic* tactic = offer.find(id);
    ASSERT_NE(tactic, nullptr) << what << ": not offered: " << offer.skipReason(id);
    auto actual = runTactic(*tactic, config, {&x});
    ASSERT_TRUE(actual.isOk()) << what << ": " << actual.status().message();
    expectUlpClose((*expected)[0], (*actual)[0], maxUlp, 0.0, what);
}

// The reason Kiln skipped `id` for this layer (checked on the widest instruction set).
inline std::string skipReasonFor(const LayerParams& params, const std::vector<const HostTensor*>& inputs,
                                 const std::vector<bool>& isActivation, TensorFormat format, const std::string& id,
                                 DataType precision = DataType::Float32) {
    auto built = makeSingleLayerNetwork(params, inputs, isActivation);
    if (!built.isOk()) return "network: " + built.status().message();
    setActivationFormats(*built->layer, format);
    tactics::LayerConfig config = tactics::LayerConfig::of(*built->layer);
    config.precision = precision;
    const Offer offer = enumerateKiln(cpu::fast::bestIsa(), config);
    if (offer.find(id)) return {};
    return offer.skipReason(id);
}

}  // namespace kiln::test

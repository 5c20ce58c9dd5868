// Helpers for the oneDNN tactic tests: build a one-layer network, give its activations the formats
// under test, run every tactic the oneDNN provider offers for it and compare each with the reference
// kernel.
#pragma once

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backends/cpu/onednn/onednn_provider.h"
#include "engine/tactics/tactic_test_util.h"

namespace kiln::test {

// The formats of a layer's activation inputs and of its outputs.
struct FormatCase {
    TensorFormat input;
    TensorFormat output;
};

inline FormatCase linearFormats() {
    return {TensorFormat{}, TensorFormat{}};
}
inline FormatCase blockedFormats(int block) {
    return {TensorFormat::blocked(block), TensorFormat::blocked(block)};
}

// Whether oneDNN 2.6 has non-reference kernels for tensors in `format` on this CPU (some ops add
// conditions of their own, such as softmax's axis). Its jit kernels for 16-channel blocks hold one block
// per AVX-512 register and exist only for AVX-512; those for 8-channel blocks are AVX2 kernels, which
// AVX-512 CPUs run too. Elsewhere only its reference implementation takes the layout, which Kiln does
// not offer, and the builder does not choose that block (tactics::preferredCpuChannelBlock()). Linear
// tensors have gemm and plain-layout kernels on any x86-64. The tests demand a tactic only where this
// holds, so that a missing kernel still fails them on a CPU that should have it.
inline bool onednnHasJitKernels(TensorFormat format) {
    __builtin_cpu_init();
    if (format.isLinear()) return true;
    if (format.channelBlock == 16) return __builtin_cpu_supports("avx512f");
    if (format.channelBlock == 8) return __builtin_cpu_supports("avx2");
    return false;
}
inline bool onednnHasJitKernels(const FormatCase& f) {
    return onednnHasJitKernels(f.input) && onednnHasJitKernels(f.output);
}

// The channel block the builder chooses on this CPU, one oneDNN has kernels for (linear without AVX2).
inline FormatCase preferredBlockedFormats() {
    return blockedFormats(tactics::preferredCpuChannelBlock());
}

inline std::string formatName(const FormatCase& f) {
    return "in block " + std::to_string(f.input.channelBlock) + " out block " +
           std::to_string(f.output.channelBlock);
}

// Sets the activation inputs of `layer` to `inputFormat` and its outputs to `outputFormat`.
inline void setFormats(Layer& layer, const FormatCase& formats) {
    for (Tensor* input : layer.inputs()) {
        if (input && !input->isConstant()) input->setFormat(formats.input);
    }
    for (Tensor* output : layer.outputs())
        output->setFormat(formats.output);
}

struct Enumeration {
    std::vector<std::unique_ptr<tactics::Tactic>> tactics;
    std::vector<tactics::SkippedTactic> skipped;
};

inline Enumeration enumerateOnednn(const tactics::LayerConfig& config) {
    Enumeration e;
    cpu::onednnProvider().enumerate(config, e.tactics, e.skipped);
    return e;
}

inline std::string skippedText(const std::vector<tactics::SkippedTactic>& skipped) {
    std::string text;
    for (const auto& s : skipped)
        text += "\n  " + s.id + ": " + s.reason;
    return text;
}

// Tolerance of an FP32 dot product of length k compared with the reference's double accumulation:
// float rounding errors of k products and sums grow like sqrt(k) times the unit roundoff (6e-8)
// times the magnitude of the terms (at most 1 with inputs in [-1, 1]), whatever order oneDNN sums in;
// 1e-5 * sqrt(k) is about ten times what every tactic here needs (all pass at a tenth of it). The
// relative part covers the rounding of large results.
struct Tolerance {
    float rtol = 1e-4f;
    float atol = 1e-5f;
};
inline Tolerance dotTolerance(int64_t k) {
    return {1e-4f, 1e-5f * std::sqrt(float(k))};
}

// Runs every oneDNN tactic for `params` on `inputs` (null for absent ones; `isActivation` flags the
// network inputs, the rest are constants) with `formats`, and compares each with the reference.
// Returns the ids of the tactics that ran; `skippedOut` receives the skipped ones.
// `tolerance` gives the tolerance of each tactic id.
inline std::vector<std::string> checkOnednnTactics(
    const LayerParams& params, const std::vector<const HostTensor*>& inputs,
    const std::vector<bool>& isActivation, size_t numOutputs, const FormatCase& formats,
    const std::function<Tolerance(const std::string&)>& tolerance, const std::string& what,
    std::vector<tactics::SkippedTactic>* skippedOut = nullptr) {
    std::vector<std::string> ids;
    Result<SingleLayerNetwork> net = makeSingleLayerNetwork(params, inputs, isActivation, numOutputs);
    EXPECT_TRUE(net.isOk()) << what << ": " << net.status().message();
    if (!net) return ids;
    Result<std::vector<HostTensor>> expected = runReference(*net->layer, inputs);
    EXPECT_TRUE(expected.isOk()) << what << ": " << expected.status().message();
    if (!expected) return ids;
    setFormats(*net->layer, formats);
    const tactics::LayerConfig config = tactics::LayerConfig::of(*net->layer);
    Enumeration e = enumerateOnednn(config);
    for (const auto& tactic : e.tactics) {
        const std::string label = what + " [" + formatName(formats) + "] " + tactic->id();
        EXPECT_EQ(tactic->id().rfind("onednn:", 0), 0u) << label;
        EXPECT_EQ(tactic->library().rfind("oneDNN 2.", 0), 0u) << label << ": " << tactic->library();
        Result<std::vector<HostTensor>> actual = runTactic(*tactic, config, inputs);
        EXPECT_TRUE(actual.isOk()) << label << ": " << actual.status().message();
        if (!actual) continue;
        EXPECT_EQ(actual->size(), expected->size()) << label;
        for (size_t i = 0; i < std::min(actual->size(), expected->size()); ++i) {
            const Tolerance t = tolerance(tactic->id());
            expectClose((*expected)[i], (*actual)[i], t.rtol, t.atol, label + " output " + std::to_string(i));
        }
        ids.push_back(tactic->id());
    }
    if (skippedOut) *skippedOut = std::move(e.skipped);
    return ids;
}

inline std::vector<std::string> checkOnednnTactics(
    const LayerParams& params, const std::vector<const HostTensor*>& inputs,
    const std::vector<bool>& isActivation, size_t numOutputs, const FormatCase& formats, Tolerance tolerance,
    const std::string& what, std::vector<tactics::SkippedTactic>* skippedOut = nullptr) {
    return checkOnednnTactics(
        params, inputs, isActivation, numOutputs, formats,
        [tolerance](const std::string&) { return tolerance; }, what, skippedOut);
}

// Whether some id starts with `prefix`.
inline bool hasTactic(const std::vector<std::string>& ids, const std::string& prefix) {
    for (const std::string& id : ids) {
        if (id.rfind(prefix, 0) == 0) return true;
    }
    return false;
}

inline HostTensor constantTensor(const Dims& dims, float value) {
    HostTensor tensor(DataType::Float32, dims);
    for (int64_t i = 0; i < tensor.elementCount(); ++i)
        tensor.data<float>()[i] = value;
    return tensor;
}

}  // namespace kiln::test

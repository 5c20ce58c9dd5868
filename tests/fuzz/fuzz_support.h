// What the fuzz targets share: a small memory budget (so that a hostile size is refused, not
// allocated), a scratch file for readers that take a path, zero inputs for an engine, a check that
// stops the target when a property fails (a finding, as a crash would be), and the small network the
// cache targets build.
#pragma once

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "kiln/device.h"
#include "kiln/network.h"
#include "kiln/runtime.h"
#include "kiln/status.h"

namespace kiln::fuzz {

// Host memory a target's builds, contexts and inputs may take: far below the fuzzing machine's, so
// that sizes are refused by the budget checks before anything of that size is allocated.
inline constexpr uint64_t kMemoryBudgetBytes = uint64_t(256) << 20;
// The largest input, in elements, a target runs an engine on.
inline constexpr int64_t kMaxRunElements = int64_t(1) << 20;

inline void setUp() {
    static const bool done = [] {
        setMemoryBudgetBytes(kMemoryBudgetBytes);
        return true;
    }();
    (void)done;
}

// A file of this process under the temporary folder, the same on every call with the same tag.
inline const std::string& scratchPath(const char* tag) {
    static const std::string folder = [] {
        const char* tmp = std::getenv("TMPDIR");
        return std::string(tmp && *tmp ? tmp : "/tmp");
    }();
    thread_local std::string path;
    path = folder + "/kiln-fuzz-" + std::to_string(getpid()) + "-" + tag;
    return path;
}

inline void writeBytes(const std::string& path, const void* data, size_t size) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(static_cast<const char*>(data), std::streamsize(size));
}

// Stops the target with a message: a property that must hold did not.
[[noreturn]] inline void fail(const std::string& what) {
    std::fprintf(stderr, "kiln fuzz finding: %s\n", what.c_str());
    std::abort();
}

// A refusal must say why, and must not be Kiln's own bug (StatusCode::Internal): either is a finding.
inline void checkRefusal(const Status& status, const char* stage) {
    if (status.code() == StatusCode::Internal) fail(std::string(stage) + ": " + status.message());
    if (status.message().empty()) fail(std::string(stage) + " refused without a message");
}

// Zero-valued inputs for every input binding of `engine`, or false when one is larger than targets run.
inline bool zeroInputs(const Engine& engine, TensorMap& inputs) {
    for (const Binding& binding : engine.bindings()) {
        if (!binding.isInput) continue;
        int64_t elements = 1;
        for (int64_t extent : binding.dims) {
            if (extent < 0 || (extent > 0 && elements > kMaxRunElements / extent)) return false;
            elements *= extent;
        }
        if (elements > kMaxRunElements) return false;
        inputs.emplace(binding.name, HostTensor(binding.type, binding.dims));
    }
    return true;
}

// Makes a context for `engine` and runs it on zero inputs (unless an input is larger than targets
// run); a refusal at either step is checked like any other.
inline void runOnZeroInputs(const Engine& engine) {
    TensorMap inputs;
    if (!zeroInputs(engine, inputs)) return;
    Result<std::unique_ptr<ExecutionContext>> context = engine.createExecutionContext();
    if (!context) {
        checkRefusal(context.status(), "execution context");
        return;
    }
    Result<TensorMap> outputs = (*context)->execute(inputs);
    if (!outputs) checkRefusal(outputs.status(), "run");
}

// Deterministic values: scale * sin(0.37 i + phase).
inline HostTensor filled(Dims dims, float scale, float phase) {
    HostTensor tensor(DataType::Float32, std::move(dims));
    for (int64_t i = 0; i < tensor.elementCount(); ++i) tensor.data<float>()[i] = scale * std::sin(0.37f * float(i) + phase);
    return tensor;
}

// The network the cache targets build: x [1,8,8,8] -> conv 3x3 (8) + ReLU -> max pool 2 -> conv 1x1 (4) -> y
// (tensors c1, r1, p1 between; the seeds name them).
inline NetworkDefinition smallNetwork() {
    NetworkDefinition network;
    Tensor* x = network.addInput("x", DataType::Float32, {1, 8, 8, 8}).value();
    Tensor* w1 = network.addConstant("w1", filled({8, 8, 3, 3}, 0.3f, 0.1f)).value();
    Tensor* b1 = network.addConstant("b1", filled({8}, 0.5f, 0.2f)).value();
    Tensor* c1 = network.addLayer("conv1", ConvolutionParams{{1, 1}, {1, 1, 1, 1}, {1, 1}, 1, std::nullopt},
                                  {x, w1, b1}, {"c1"}).value()->output(0);
    Tensor* r1 = network.addLayer("relu1", ActivationParams{ActivationType::Relu, 0.0f, 0.0f}, {c1}, {"r1"})
                     .value()->output(0);
    Tensor* p1 = network.addLayer("pool1", PoolingParams{PoolingType::Max, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}, false, false},
                                  {r1}, {"p1"}).value()->output(0);
    Tensor* w2 = network.addConstant("w2", filled({4, 8, 1, 1}, 0.3f, 0.3f)).value();
    Tensor* y = network.addLayer("conv2", ConvolutionParams{{1, 1}, {0, 0, 0, 0}, {1, 1}, 1, std::nullopt},
                                 {p1, w2, nullptr}, {"y"}).value()->output(0);
    (void)network.markOutput(y);
    return network;
}

}  // namespace kiln::fuzz

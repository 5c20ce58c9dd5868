// Pointwise kernels: PointwiseChain, Activation, Unary and Elementwise (arithmetic ops, one operand
// either of the output's shape or broadcast to it) in linear, channel-blocked and dense channels-last
// formats; linear and channels-last tensors may be stored in BF16 or INT8 (widened per tile, computed in
// FP32, narrowed once). All four run
// on one engine: the data is cut into tiles of a few thousand elements, and every step of the layer
// runs over a tile (the first from the input, the rest in place in the output, which stays in L1)
// before the next tile starts. Constant and activation operands are presented to a step as a
// tile-long array or a period-16 pattern (a per-channel value in a blocked format, or one scalar).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "backends/cpu/fast/fast_common.h"
#include "kiln/layers.h"

namespace kiln::cpu::fast {

// What one step reads from an operand for element i of the tile: data[i & mask]. mask -1 reads a
// tile-long array; mask 15 repeats a 16-float pattern (a per-channel lane vector, or a scalar).
struct TileOperand {
    const float* data = nullptr;
    int64_t mask = 0;
};
inline constexpr int64_t kPatternLength = 16;

// Runs `count` steps over `n` elements: the first step reads `source`, every step writes `target`
// and later steps read it back. `operands` is indexed by the layer input a step names.
using StepRunner = void (*)(const PointwiseStep* steps, size_t count, const float* source, float* target,
                            int64_t n, const TileOperand* operands);
StepRunner stepRunner(Isa isa);

// The steps of a kernel's epilogue (kiln:gemm, kiln:winograd:*): an Add of each operand in `added` (the
// operand index it names), in that order, then the activation when there is one.
std::vector<PointwiseStep> epilogueSteps(const std::vector<int64_t>& added,
                                         const std::optional<ActivationParams>& activation);

// The ISA-specific runners; the SIMD ones exist only in their own translation units.
void runStepsScalar(const PointwiseStep* steps, size_t count, const float* source, float* target, int64_t n,
                    const TileOperand* operands);
void runStepsAvx2(const PointwiseStep* steps, size_t count, const float* source, float* target, int64_t n,
                  const TileOperand* operands);
void runStepsAvx512(const PointwiseStep* steps, size_t count, const float* source, float* target, int64_t n,
                    const TileOperand* operands);

// Reduced storage <-> FP32 for `n` values, as the simulated tactics convert: bfloat16 widens exactly
// and narrows to nearest, ties to even, NaN kept quiet (kiln::floatToBFloat16); INT8 widens to
// q * scale and narrows to nearbyint(x * inverse) clamped to [-127, 127], NaN to 0.
struct StorageConversions {
    void (*widenBf16)(const uint16_t* from, float* to, int64_t n);
    void (*narrowBf16)(const float* from, uint16_t* to, int64_t n);
    void (*widenInt8)(const int8_t* from, float scale, float* to, int64_t n);
    void (*narrowInt8)(const float* from, float inverse, int8_t* to, int64_t n);
};
StorageConversions storageConversions(Isa isa);
void widenBf16Scalar(const uint16_t* from, float* to, int64_t n);
void narrowBf16Scalar(const float* from, uint16_t* to, int64_t n);
void widenInt8Scalar(const int8_t* from, float scale, float* to, int64_t n);
void narrowInt8Scalar(const float* from, float inverse, int8_t* to, int64_t n);
void widenBf16Avx2(const uint16_t* from, float* to, int64_t n);
void narrowBf16Avx2(const float* from, uint16_t* to, int64_t n);
void widenInt8Avx2(const int8_t* from, float scale, float* to, int64_t n);
void narrowInt8Avx2(const float* from, float inverse, int8_t* to, int64_t n);
void widenBf16Avx512(const uint16_t* from, float* to, int64_t n);
void narrowBf16Avx512(const float* from, uint16_t* to, int64_t n);
void widenInt8Avx512(const int8_t* from, float scale, float* to, int64_t n);
void narrowInt8Avx512(const float* from, float inverse, int8_t* to, int64_t n);

// Exp, sigmoid, tanh and erf of `n` floats with the SIMD formulas the runners use (for the accuracy tests).
enum class VectorFunction : uint8_t { Exp, Sigmoid, Tanh, Erf };
void evaluateVectorFunction(Isa isa, VectorFunction function, const float* source, float* target, int64_t n);
void evaluateAvx2(VectorFunction function, const float* source, float* target, int64_t n);
void evaluateAvx512(VectorFunction function, const float* source, float* target, int64_t n);

// "kiln:pointwise-chain", "kiln:activation", "kiln:unary", "kiln:elementwise".
void addPointwiseTactics(const tactics::LayerConfig& config, Isa isa,
                         std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                         std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

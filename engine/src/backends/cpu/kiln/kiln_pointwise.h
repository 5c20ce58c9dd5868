// Pointwise kernels: PointwiseChain, Activation, Unary and Elementwise (arithmetic ops, one operand
// either of the output's shape or broadcast to it) in linear, channel-blocked and dense channels-last
// formats; linear and channels-last tensors may be stored in BF16 (widened per tile, computed in FP32). All four run
// on one engine: the data is cut into tiles of a few thousand elements, and every step of the layer
// runs over a tile (the first from the input, the rest in place in the output, which stays in L1)
// before the next tile starts. Constant and activation operands are presented to a step as a
// tile-long array or a period-16 pattern (a per-channel value in a blocked format, or one scalar).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "backends/cpu/kiln/kiln_common.h"
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

// The ISA-specific runners; the SIMD ones exist only in their own translation units.
void runStepsScalar(const PointwiseStep* steps, size_t count, const float* source, float* target, int64_t n,
                    const TileOperand* operands);
void runStepsAvx2(const PointwiseStep* steps, size_t count, const float* source, float* target, int64_t n,
                  const TileOperand* operands);
void runStepsAvx512(const PointwiseStep* steps, size_t count, const float* source, float* target, int64_t n,
                    const TileOperand* operands);

// bfloat16 <-> FP32 for `n` values: widening is exact; narrowing rounds to nearest, ties to even, and
// keeps NaN a quiet NaN (kiln::floatToBFloat16's results).
struct Bf16Conversions {
    void (*widen)(const uint16_t* from, float* to, int64_t n);
    void (*narrow)(const float* from, uint16_t* to, int64_t n);
};
Bf16Conversions bf16Conversions(Isa isa);
void widenBf16Scalar(const uint16_t* from, float* to, int64_t n);
void narrowBf16Scalar(const float* from, uint16_t* to, int64_t n);
void widenBf16Avx2(const uint16_t* from, float* to, int64_t n);
void narrowBf16Avx2(const float* from, uint16_t* to, int64_t n);
void widenBf16Avx512(const uint16_t* from, float* to, int64_t n);
void narrowBf16Avx512(const float* from, uint16_t* to, int64_t n);

// Exp, sigmoid and tanh of `n` floats with the SIMD formulas the runners use (for the accuracy tests).
enum class VectorFunction : uint8_t { Exp, Sigmoid, Tanh };
void evaluateVectorFunction(Isa isa, VectorFunction function, const float* source, float* target, int64_t n);
void evaluateAvx2(VectorFunction function, const float* source, float* target, int64_t n);
void evaluateAvx512(VectorFunction function, const float* source, float* target, int64_t n);

// "kiln:pointwise-chain", "kiln:activation", "kiln:unary", "kiln:elementwise".
void addPointwiseTactics(const tactics::LayerConfig& config, Isa isa,
                         std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                         std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

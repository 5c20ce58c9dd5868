// Reformat: the copy the builder inserts between layers that want different memory formats (linear
// NCHW, nChw8c, nChw16c). Memory-bound, so the work is a parallel transpose in cache-sized tiles.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// Copies the `dims` elements of `elementSize` bytes from `source` in `sourceFormat` to `target` in
// `targetFormat`, zeroing the padded lanes of a blocked target: the result of tactics::convertFormat,
// in parallel, with 8x8 register transposes for 4-byte elements when `isa` is Avx2 or wider.
void convertFormatFast(const std::byte* source, TensorFormat sourceFormat, std::byte* target,
                       TensorFormat targetFormat, const Dims& dims, size_t elementSize, Isa isa);

// "kiln:reformat" for a Reformat layer, any element type, any pair of formats.
void addReformatTactics(const tactics::LayerConfig& config, Isa isa,
                        std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                        std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

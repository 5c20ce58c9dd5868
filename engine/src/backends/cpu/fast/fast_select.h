// Select (ONNX Where) on linear tensors of any element type: condition, x and y broadcast to the output
// (numpy rules), which is written in rows along its innermost axis, spread over the threads; in a row
// each operand either runs along with the output or repeats one element.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:select" (Select layers).
void addSelectTactics(const tactics::LayerConfig& config, Isa isa,
                      std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                      std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

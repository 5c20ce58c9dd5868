// Attention (kiln/layers.h, AttentionParams) in blocks of query rows: for each batch entry (head) and block,
// the block's scores against every key (one matrix product, scaled), the mask added, the softmax's
// exponentials (the vector exp of the pointwise kernels), and the block of output rows (a second matrix
// product, each row divided by its sum last). The scores of one block fit in L2 and are never written out
// in full; q, k, v and the output are read and written through their permutations in place. On AVX-512
// machines, where the rows of q, v and the output are contiguous and v's are whole vectors, the matrix
// products run on kiln:gemm's AVX-512 tiles (wideProduct) over copies of k^T and v packed in panels once
// per batch entry; elsewhere they are oneDNN's sgemm. Either runs single-threaded inside the kernel's own
// parallel loop over blocks; the row passes (scale, mask, maximum, sums) run in 16 partial lanes.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// "kiln:attention".
void addAttentionTactics(const tactics::LayerConfig& config, Isa isa,
                         std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                         std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

// Matrix products with constant weights: MatMul layers whose B is a constant matrix (with the bias,
// residual and activation epilogue the builder fuses into them) and Gemm layers with a constant B and,
// where there is one, a constant C row. "kiln:gemm".
//
// B is packed when weights are prepared, in steps of 256 values of k, each step's panels of 16 columns
// one after another (the 16 values of each k contiguous, the last panel padded with zeros), alpha
// folded in; a Gemm's beta * C row becomes the bias. A is read where it lies (rows of K, linear FP32).
// The output is computed in blocks of up to 192 rows by 128 columns, shared out to the OpenMP team as
// threads come for them, column-block first and a column block's row blocks together where there are
// enough (a thread reads its own part of B; rows are split further where there are too few column
// blocks for the team); a block loops over K in steps of 256. With AVX2 (and without), each
// step runs over its rows six at a time, each 6 x 16 tile of the block's eight panels held in 12 vector
// accumulators: the six rows' 256 values of A stay in L1 while the step's 128 KiB of B, one piece of
// memory, comes from L2. With AVX-512 the tile is 7 rows by four panels (28 accumulators), and each half
// step's four panels (32 KiB) stay in L1 while every 7-row tile of the block passes over them.
// A block's sums gather in a buffer of rows of 128 floats (the output's own rows can be 2^n x 3 floats
// apart and alias in the cache); the epilogue (bias, then residual, then activation, on the pointwise
// step runner) writes them out once the block's last step is done.
#pragma once

#include <memory>
#include <vector>

#include "backends/cpu/fast/fast_common.h"

namespace kiln::cpu::fast {

// The AVX2 and scalar product's tile, for other kernels that pack their weights the same way (on every
// instruction set, AVX-512 included): kGemmTileRows rows of A
// (`a` holds each row's pointer at the first k; rows past the matrix repeat its last row) times a
// packed panel `b` of kGemmPanel columns (each k's kGemmPanel values contiguous) over `depth` values of
// k. The sums are stored to `c` (rows `ldc` floats apart), or added to it when `accumulate`; only
// `rows` x `cols` of them are written.
inline constexpr int64_t kGemmPanel = 16;
inline constexpr int64_t kGemmTileRows = 6;
using GemmTile = void (*)(const float* const* a, const float* b, int64_t depth, float* c, int64_t ldc,
                          int64_t rows, int64_t cols, bool accumulate);
GemmTile gemmTile(Isa isa);

// C = A B (or C += A B when `accumulate`) on AVX-512 (callers check the CPU), for kernels with operands
// of their own: `rows` x `depth` A with rows `lda` floats apart (k contiguous); B's element (k, j) at
// b[(j / 16) * panelStride + k * kStride + j % 16], read in whole panels of 16 (the columns of the last
// panel past `cols` must be readable); C's rows `ldc` floats apart, only `cols` columns written. Packed
// panels are kStride 16, panelStride 16 x depth; a row-major [K, N] matrix is kStride N, panelStride 16.
void wideProduct(const float* a, int64_t lda, const float* b, int64_t kStride, int64_t panelStride,
                 int64_t rows, int64_t cols, int64_t depth, float* c, int64_t ldc, bool accumulate);

// "kiln:gemm" (MatMul and Gemm layers with constant weights).
void addGemmTactics(const tactics::LayerConfig& config, Isa isa,
                    std::vector<std::unique_ptr<tactics::Tactic>>& tactics,
                    std::vector<tactics::SkippedTactic>& skipped);

}  // namespace kiln::cpu::fast

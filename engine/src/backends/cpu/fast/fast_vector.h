// Eight floats as a GCC vector type, for the code written once for plain x86-64 and, where it matters,
// compiled for AVX2 too (kiln:gemm's scalar tile, the Winograd transforms): loads and stores of any
// alignment through memcpy, which compile to single vector moves. Functions taking or returning these
// vectors have another ABI without AVX, so a file that includes this keeps such functions to itself
// (and ignores -Wpsabi).
#pragma once

#include <cstring>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

namespace kiln::cpu::fast {

typedef float Vec8 __attribute__((vector_size(32)));

__attribute__((always_inline)) inline Vec8 load8(const float* p) {
    Vec8 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

__attribute__((always_inline)) inline void store8(float* p, Vec8 v) {
    std::memcpy(p, &v, sizeof v);
}

}  // namespace kiln::cpu::fast

#pragma GCC diagnostic pop

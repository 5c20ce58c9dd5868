// cuBLASLt, loaded when first used. The library takes about 150 MB of a process's memory as it loads,
// which a process that never runs a matrix product on the GPU (every CPU build and run, the workbench
// looking at a model) should not pay, so Kiln does not link it: each function here has cuBLASLt's
// name and signature and calls the library's own, found in it at the first call. Where the library
// cannot be loaded, the functions return CUBLAS_STATUS_NOT_INITIALIZED (cublasLtGetVersion returns 0)
// and loadError() says why.
#pragma once

#include <string>
#include <utility>

#include <cublasLt.h>

namespace kiln::cuda::lt {

// The library's function `name`; null where the library or the function cannot be found.
void* symbol(const char* name);
// Why cuBLASLt cannot be loaded; empty when it can.
std::string loadError();

#define KILN_CUBLASLT_FORWARD(name, failure)                                                        \
    template <typename... Args>                                                                    \
    auto name(Args&&... args) {                                                                    \
        static const auto function = reinterpret_cast<decltype(&::name)>(symbol(#name));           \
        using Returned = decltype(function(std::forward<Args>(args)...));                          \
        return function ? function(std::forward<Args>(args)...) : Returned(failure);               \
    }

KILN_CUBLASLT_FORWARD(cublasLtCreate, CUBLAS_STATUS_NOT_INITIALIZED)
KILN_CUBLASLT_FORWARD(cublasLtDestroy, CUBLAS_STATUS_NOT_INITIALIZED)
KILN_CUBLASLT_FORWARD(cublasLtGetVersion, 0)
KILN_CUBLASLT_FORWARD(cublasLtMatmul, CUBLAS_STATUS_NOT_INITIALIZED)
KILN_CUBLASLT_FORWARD(cublasLtMatmulAlgoCheck, CUBLAS_STATUS_NOT_INITIALIZED)
KILN_CUBLASLT_FORWARD(cublasLtMatmulAlgoConfigGetAttribute, CUBLAS_STATUS_NOT_INITIALIZED)
KILN_CUBLASLT_FORWARD(cublasLtMatmulAlgoConfigSetAttribute, CUBLAS_STATUS_NOT_INITIALIZED)
KILN_CUBLASLT_FORWARD(cublasLtMatmulAlgoGetHeuristic, CUBLAS_STATUS_NOT_INITIALIZED)
KILN_CUBLASLT_FORWARD(cublasLtMatmulAlgoInit, CUBLAS_STATUS_NOT_INITIALIZED)
KILN_CUBLASLT_FORWARD(cublasLtMatmulDescSetAttribute, CUBLAS_STATUS_NOT_INITIALIZED)
KILN_CUBLASLT_FORWARD(cublasLtMatmulPreferenceSetAttribute, CUBLAS_STATUS_NOT_INITIALIZED)
KILN_CUBLASLT_FORWARD(cublasLtMatrixLayoutSetAttribute, CUBLAS_STATUS_NOT_INITIALIZED)
// The library exports these three; its header's Init functions are inline calls of them. (Called
// qualified below: unqualified, argument-dependent lookup would pick the library's own.)
KILN_CUBLASLT_FORWARD(cublasLtMatmulDescInit_internal, CUBLAS_STATUS_NOT_INITIALIZED)
KILN_CUBLASLT_FORWARD(cublasLtMatmulPreferenceInit_internal, CUBLAS_STATUS_NOT_INITIALIZED)
KILN_CUBLASLT_FORWARD(cublasLtMatrixLayoutInit_internal, CUBLAS_STATUS_NOT_INITIALIZED)

#undef KILN_CUBLASLT_FORWARD

inline cublasStatus_t cublasLtMatmulDescInit(cublasLtMatmulDesc_t desc, cublasComputeType_t computeType,
                                             cudaDataType_t scaleType) {
    return lt::cublasLtMatmulDescInit_internal(desc, sizeof(*desc), computeType, scaleType);
}

inline cublasStatus_t cublasLtMatmulPreferenceInit(cublasLtMatmulPreference_t preference) {
    return lt::cublasLtMatmulPreferenceInit_internal(preference, sizeof(*preference));
}

inline cublasStatus_t cublasLtMatrixLayoutInit(cublasLtMatrixLayout_t layout, cudaDataType type, uint64_t rows,
                                               uint64_t cols, int64_t ld) {
    return lt::cublasLtMatrixLayoutInit_internal(layout, sizeof(*layout), type, rows, cols, ld);
}

}  // namespace kiln::cuda::lt
